package storagetest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// swapOnRead is a body that, once half of it has been read, runs swap: the bucket is deleted
// and created again by another account while the write is in flight.
type swapOnRead struct {
	r    io.Reader
	left int
	swap func()
}

func (b *swapOnRead) Read(p []byte) (int, error) {
	if b.swap != nil && b.left <= 0 {
		b.swap()
		b.swap = nil
	}
	if b.swap != nil && len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= n
	return n, err
}

// TestBucketIdentity checks that a write naming the BucketID it was authorized for commits
// into that bucket or nowhere.
func TestBucketIdentity(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"Writes", testWriteCommitsIntoTheAuthorizedBucket},
		{"ObjectACL", needs(AreaObjectACL, testObjectACLChangesOnlyTheAuthorizedBucket)},
	})
}

// A write authorized for a bucket commits into that bucket or nowhere: if the bucket was
// deleted and another account created one of the same name meanwhile, the write fails with
// ErrNoSuchBucket and the new bucket stays empty.
func testWriteCommitsIntoTheAuthorizedBucket(t *testing.T, newBackend NewBackend) {
	body := bytes.Repeat([]byte("in flight "), 1000)
	const part5MiB = storage.MinPartSize
	tests := []struct {
		name string
		// write runs the operation authorized for the bucket with id; swap, called by the
		// write's body when it has one, else before the write, replaces the bucket.
		write func(s storage.Backend, id string, swap func()) error
	}{
		{"PutObject", func(s storage.Backend, id string, swap func()) error {
			_, err := s.PutObject(ctx, "bkt", "k", &swapOnRead{bytes.NewReader(body), len(body) / 2, swap},
				storage.PutObjectOptions{Size: int64(len(body)), BucketID: id})
			return err
		}},
		{"CopyObject", func(s storage.Backend, id string, swap func()) error {
			swap()
			_, err := s.CopyObject(ctx, "src", "obj", "bkt", "k", storage.CopyObjectOptions{BucketID: id})
			return err
		}},
		{"DeleteObject", func(s storage.Backend, id string, swap func()) error {
			swap()
			_, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{BucketID: id})
			return err
		}},
		{"CreateMultipartUpload", func(s storage.Backend, id string, swap func()) error {
			swap()
			_, err := s.CreateMultipartUpload(ctx, "bkt", "k", storage.CreateMultipartUploadOptions{BucketID: id})
			return err
		}},
		{"UploadPart", func(s storage.Backend, id string, swap func()) error {
			up, err := s.CreateMultipartUpload(ctx, "bkt", "k", storage.CreateMultipartUploadOptions{BucketID: id})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.UploadPart(ctx, "bkt", "k", up.UploadID, 1, &swapOnRead{bytes.NewReader(body), len(body) / 2, swap},
				storage.UploadPartOptions{Size: int64(len(body)), BucketID: id})
			return err
		}},
		{"CompleteMultipartUpload", func(s storage.Backend, id string, swap func()) error {
			up, err := s.CreateMultipartUpload(ctx, "bkt", "k", storage.CreateMultipartUploadOptions{BucketID: id})
			if err != nil {
				t.Fatal(err)
			}
			p1 := bytes.Repeat([]byte{1}, part5MiB)
			parts := make([]storage.CompletedPart, 2)
			for i, b := range [][]byte{p1, body} {
				pi, err := s.UploadPart(ctx, "bkt", "k", up.UploadID, i+1, bytes.NewReader(b), storage.UploadPartOptions{Size: int64(len(b)), BucketID: id})
				if err != nil {
					t.Fatal(err)
				}
				parts[i] = storage.CompletedPart{PartNumber: i + 1, ETag: pi.ETag}
			}
			swap()
			_, err = s.CompleteMultipartUpload(ctx, "bkt", "k", up.UploadID, parts, storage.CompleteMultipartUploadOptions{BucketID: id})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, replaced := range []bool{false, true} {
				s := newBackend(t)
				if _, err := s.CreateBucket(ctx, "src", storage.CreateBucketOptions{Owner: "alice"}); err != nil {
					t.Fatal(err)
				}
				Put(t, s, "src", "obj", body)
				authorized, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{Owner: "alice", ACL: "public-read-write"})
				if err != nil {
					t.Fatal(err)
				}
				if authorized.ID == "" {
					t.Fatal("CreateBucket returned no ID")
				}
				var again storage.BucketInfo
				swapped := false
				swap := func() {
					if !replaced {
						return
					}
					swapped = true
					if err := s.DeleteBucket(ctx, "bkt"); err != nil {
						t.Fatal(err)
					}
					if again, err = s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{Owner: "mallory"}); err != nil {
						t.Fatal(err)
					}
				}
				err = tt.write(s, authorized.ID, swap)
				if !replaced {
					if err != nil {
						t.Fatalf("into the authorized bucket: %v", err)
					}
					continue
				}
				if !swapped {
					t.Fatal("the bucket was never replaced")
				}
				if again.ID == authorized.ID {
					t.Fatalf("the bucket created again has the old ID %q", again.ID)
				}
				if !errors.Is(err, storage.ErrNoSuchBucket) {
					t.Fatalf("after the bucket was created again: %v, want ErrNoSuchBucket", err)
				}
				if keys, _ := listAll(t, s, "bkt", storage.ListObjectsOptions{MaxKeys: 1000}); len(keys) != 0 {
					t.Errorf("the new owner's bucket holds %q", keys)
				}
				if ups, err := s.ListMultipartUploads(ctx, "bkt", storage.ListUploadsOptions{MaxUploads: 1000}); err != nil || len(ups.Uploads) != 0 {
					t.Errorf("the new owner's bucket has uploads: %+v %v", ups.Uploads, err)
				}
			}
		})
	}
}

// An object ACL change authorized for a bucket never reaches the object of the same key in a
// bucket another account created under the same name meanwhile.
func testObjectACLChangesOnlyTheAuthorizedBucket(t *testing.T, newBackend NewBackend) {
	s := newBackend(t)
	authorized, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{Owner: "mallory"}); err != nil {
		t.Fatal(err)
	}
	Put(t, s, "bkt", "k", []byte("mallory's"))
	err = s.PutObjectACL(ctx, "bkt", "k", storage.PutObjectACLOptions{ACL: "public-read", BucketID: authorized.ID})
	if !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Fatalf("PutObjectACL in the bucket created again: %v, want ErrNoSuchBucket", err)
	}
	if info, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{}); err != nil || info.ACL != storage.DefaultACL {
		t.Errorf("the other account's object: %+v %v", info, err)
	}
}
