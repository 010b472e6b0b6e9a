package disk_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// After any sequence of writes, successful or not, the directory holds one data file or inline
// object per object (per version of an object, in a versioned bucket) and per uploaded part, each under data/ and named by its id alone, nothing in tmp/,
// and nothing outside the directory: a failed write removes its file, a replaced or deleted
// object's file is removed, and so are the parts of a completed or aborted upload.
func TestDataFiles(t *testing.T) {
	body := []byte("123456789")
	failedPut := func(opts storage.PutObjectOptions, r io.Reader) func(*testing.T, *disk.Store) {
		return func(t *testing.T, s *disk.Store) {
			if _, err := s.PutObject(ctx, "bkt", "k", r, opts); err == nil {
				t.Fatal("the put succeeded")
			}
		}
	}
	upload := func(t *testing.T, s *disk.Store, bucket string) (string, []storage.CompletedPart) {
		t.Helper()
		up, err := s.CreateMultipartUpload(ctx, bucket, "big", storage.CreateMultipartUploadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var done []storage.CompletedPart
		for n, p := range [][]byte{bytes.Repeat([]byte("p"), storage.MinPartSize), body} {
			pi, err := s.UploadPart(ctx, bucket, "big", up.UploadID, n+1, bytes.NewReader(p), storage.UploadPartOptions{Size: int64(len(p))})
			if err != nil {
				t.Fatal(err)
			}
			done = append(done, storage.CompletedPart{PartNumber: n + 1, ETag: pi.ETag})
		}
		return up.UploadID, done
	}
	versioning := func(t *testing.T, s *disk.Store, state string) {
		t.Helper()
		if err := s.PutBucketVersioning(ctx, "bkt", state); err != nil {
			t.Fatal(err)
		}
	}
	remove := func(t *testing.T, s *disk.Store, key, id string) {
		t.Helper()
		if _, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{VersionID: id}); err != nil {
			t.Fatal(err)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name  string
		run   func(*testing.T, *disk.Store)
		files int
	}{
		{"bad Content-MD5", failedPut(storage.PutObjectOptions{Size: 9, ContentMD5: make([]byte, 16)}, bytes.NewReader(body)), 0},
		{"bad checksum", failedPut(storage.PutObjectOptions{Size: 9, Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: "AAAAAA=="}}, bytes.NewReader(body)), 0},
		{"reader error", failedPut(storage.PutObjectOptions{Size: -1}, io.MultiReader(bytes.NewReader(body), iotest.ErrReader(io.ErrUnexpectedEOF))), 0},
		{"short body", failedPut(storage.PutObjectOptions{Size: 10}, bytes.NewReader(body)), 0},
		{"missing bucket", func(t *testing.T, s *disk.Store) {
			if _, err := s.PutObject(ctx, "nope", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: 9}); err == nil {
				t.Fatal("the put succeeded")
			}
		}, 0},
		{"canceled", func(t *testing.T, s *disk.Store) {
			if _, err := s.PutObject(canceled, "bkt", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: 9}); err == nil {
				t.Fatal("the put succeeded")
			}
		}, 0},
		{"overwrites", func(t *testing.T, s *disk.Store) {
			storagetest.Put(t, s, "bkt", "a", body)
			storagetest.Put(t, s, "bkt", "a", []byte("again"))
			storagetest.Put(t, s, "bkt", "b", body)
		}, 2},
		{"copy over an object", func(t *testing.T, s *disk.Store) {
			storagetest.Put(t, s, "bkt", "a", body)
			storagetest.Put(t, s, "bkt", "b", []byte("b"))
			if _, err := s.CopyObject(ctx, "bkt", "a", "bkt", "b", storage.CopyObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}, 2},
		{"delete", func(t *testing.T, s *disk.Store) {
			storagetest.Put(t, s, "bkt", "a", body)
			storagetest.Put(t, s, "bkt", "a/b", body)
			if _, err := s.DeleteObject(ctx, "bkt", "a", storage.DeleteObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"upload in progress", func(t *testing.T, s *disk.Store) { upload(t, s, "bkt") }, 2},
		{"completed upload", func(t *testing.T, s *disk.Store) {
			id, done := upload(t, s, "bkt")
			if _, err := s.CompleteMultipartUpload(ctx, "bkt", "big", id, done, storage.CompleteMultipartUploadOptions{}); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"aborted upload", func(t *testing.T, s *disk.Store) {
			id, _ := upload(t, s, "bkt")
			if err := s.AbortMultipartUpload(ctx, "bkt", "big", id); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"deleted bucket with an upload", func(t *testing.T, s *disk.Store) {
			if _, err := s.CreateBucket(ctx, "other", storage.CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			upload(t, s, "other")
			if err := s.DeleteBucket(ctx, "other"); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"write into a bucket created again", func(t *testing.T, s *disk.Store) {
			info, _ := s.HeadBucket(ctx, "bkt")
			if err := s.DeleteBucket(ctx, "bkt"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: 9, BucketID: info.ID}); err == nil {
				t.Fatal("the put succeeded")
			}
		}, 0},
		{"keys that look like paths", func(t *testing.T, s *disk.Store) {
			for _, k := range []string{"../../escape", "/absolute", "..", "nul\x00byte", strings.Repeat("../", storage.MaxKeyLength/3)} {
				storagetest.Put(t, s, "bkt", k, body)
			}
		}, 5},
		{"concurrent writers to one key", func(t *testing.T, s *disk.Store) {
			var wg sync.WaitGroup
			for w := 0; w < 8; w++ {
				wg.Go(func() {
					if _, err := s.PutObject(ctx, "bkt", "hot", bytes.NewReader(body), storage.PutObjectOptions{Size: 9}); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}, 1},
		{"versions kept", func(t *testing.T, s *disk.Store) {
			storagetest.Put(t, s, "bkt", "a", body) // the null version
			versioning(t, s, storage.VersioningEnabled)
			storagetest.Put(t, s, "bkt", "a", body)
			storagetest.Put(t, s, "bkt", "a", body)
			if _, err := s.CopyObject(ctx, "bkt", "a", "bkt", "a", storage.CopyObjectOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DeleteObject(ctx, "bkt", "a", storage.DeleteObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}, 4},
		{"versions removed", func(t *testing.T, s *disk.Store) {
			versioning(t, s, storage.VersioningEnabled)
			v1 := storagetest.Put(t, s, "bkt", "a", body)
			v2 := storagetest.Put(t, s, "bkt", "a", body)
			storagetest.Put(t, s, "bkt", "a", body)
			remove(t, s, "a", v1.VersionID) // noncurrent
			remove(t, s, "a", v2.VersionID)
		}, 1},
		{"latest removed", func(t *testing.T, s *disk.Store) {
			versioning(t, s, storage.VersioningEnabled)
			storagetest.Put(t, s, "bkt", "a", body)
			v2 := storagetest.Put(t, s, "bkt", "a", body)
			remove(t, s, "a", v2.VersionID)
		}, 1},
		{"null version replaced while suspended", func(t *testing.T, s *disk.Store) {
			storagetest.Put(t, s, "bkt", "a", body)
			versioning(t, s, storage.VersioningEnabled)
			storagetest.Put(t, s, "bkt", "a", body)
			versioning(t, s, storage.VersioningSuspended)
			storagetest.Put(t, s, "bkt", "a", body) // replaces the first
			storagetest.Put(t, s, "bkt", "a", body) // replaces the one before
			if _, err := s.DeleteObject(ctx, "bkt", "a", storage.DeleteObjectOptions{}); err != nil {
				t.Fatal(err) // a null delete marker replaces that one too
			}
		}, 1},
	}
	// Each sequence runs with the objects' data in files, then kept in meta.db (the upload's
	// parts are files either way): the count is of both.
	for _, placement := range []struct {
		name string
		opts []disk.Option
	}{{"files", []disk.Option{inFiles}}, {"inline", nil}} {
		for _, tt := range tests {
			t.Run(placement.name+"/"+tt.name, func(t *testing.T) {
				s, dir := openWithBucket(t, placement.opts...)
				tt.run(t, s)
				checkDataFiles(t, s, dir, tt.files)
			})
		}
	}
}

// checkDataFiles checks that the store in dir holds want data files and inline objects, each
// file named by its id, and nothing in tmp/ or beside the directory.
func checkDataFiles(t *testing.T, s *disk.Store, dir string, want int) {
	t.Helper()
	files := dataFiles(t, dir)
	if got := len(files) + disk.InlineCount(s); got != want {
		t.Errorf("%d data files and %d inline objects, want %d in all: %q", len(files), disk.InlineCount(s), want, files)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(filepath.Join(dir, "data"), f)
		shard, id := filepath.Split(rel)
		if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" || shard != id[:2]+string(filepath.Separator) {
			t.Errorf("data file %q is not named by its id", rel)
		}
	}
	if tmp, err := os.ReadDir(filepath.Join(dir, "tmp")); err != nil || len(tmp) != 0 {
		t.Errorf("tmp/ holds %v (%v)", tmp, err)
	}
	if outside, err := os.ReadDir(filepath.Dir(dir)); err != nil || len(outside) != 1 {
		t.Errorf("beside the store directory: %v (%v)", outside, err)
	}
}
