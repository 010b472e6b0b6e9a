package storagetest

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// The tag sets below are opaque to a backend, which keeps them verbatim (storage.ObjectInfo.Tags).
const (
	tagsA = "project=blue"
	tagsB = "classification=confidential&project=x"
)

// TestTags checks an object's tags: set by PutObject, CreateMultipartUpload and CopyObject,
// replaced by PutObjectTags on the object read and no other, and gone with the object they
// were set on.
func TestTags(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"Put", testTagsPut},
		{"PutObjectTags", testPutObjectTags},
		{"PutObjectTagsIfUnchanged", testPutObjectTagsIfUnchanged},
		{"Copy", testTagsCopy},
		{"Multipart", testTagsMultipart},
	})
}

func putTagged(t *testing.T, s storage.Backend, key, body, tags string) storage.ObjectInfo {
	t.Helper()
	info, err := s.PutObject(ctx, "bkt", key, strings.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// PutObject stores its tags, GetObject and HeadObject return them, and a new object under the
// key has its own (none here).
func testTagsPut(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	if info := putTagged(t, s, "k", "v1", tagsA); info.Tags != tagsA {
		t.Errorf("PutObject answered tags %q, want %q", info.Tags, tagsA)
	}
	if info, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{}); err != nil || info.Tags != tagsA {
		t.Errorf("HeadObject: tags %q %v, want %q", info.Tags, err, tagsA)
	}
	if _, info := Get(t, s, "bkt", "k"); info.Tags != tagsA {
		t.Errorf("GetObject: tags %q, want %q", info.Tags, tagsA)
	}
	Put(t, s, "bkt", "k", []byte("v2"))
	if info, _ := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{}); info.Tags != "" {
		t.Errorf("overwritten without tags: tags %q", info.Tags)
	}
}

// PutObjectTags replaces the tags and nothing else of the object; empty tags remove them.
func testPutObjectTags(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	before := readBack(t, s, putTagged(t, s, "k", "v1", tagsA))
	for _, tags := range []string{tagsB, ""} {
		if err := s.PutObjectTags(ctx, "bkt", "k", storage.PutObjectTagsOptions{Tags: tags}); err != nil {
			t.Fatal(err)
		}
		after, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{})
		if err != nil || after.Tags != tags {
			t.Fatalf("tags %q %v, want %q", after.Tags, err, tags)
		}
		after.Tags = before.Tags
		if !reflect.DeepEqual(after, before) {
			t.Errorf("PutObjectTags changed more than the tags: %+v, was %+v", after, before)
		}
	}
	if err := s.PutObjectTags(ctx, "bkt", "absent", storage.PutObjectTagsOptions{Tags: tagsA}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("PutObjectTags on a missing key = %v, want ErrNoSuchKey", err)
	}
	if err := s.PutObjectTags(ctx, "bkt", "k", storage.PutObjectTagsOptions{Tags: tagsA, BucketID: "another"}); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("PutObjectTags into another bucket = %v, want ErrNoSuchBucket", err)
	}
}

// PutObjectTags with IfUnchanged replaces the tags of the object read, and of no other: one
// written under the key since, or whose ACL or tags changed since, fails with
// ErrPreconditionFailed and keeps its tags.
func testPutObjectTagsIfUnchanged(t *testing.T, newBackend NewBackend) {
	tests := []struct {
		name   string
		change func(t *testing.T, s storage.Backend)
		err    error
	}{
		{"unchanged", func(*testing.T, storage.Backend) {}, nil},
		{"ACL changed", func(t *testing.T, s storage.Backend) {
			skipWithout(t, s, AreaObjectACL)
			if err := s.PutObjectACL(ctx, "bkt", "k", storage.PutObjectACLOptions{ACL: "public-read"}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrPreconditionFailed},
		{"overwritten with the same bytes and tags", func(t *testing.T, s storage.Backend) {
			skipWithout(t, s, AreaDistinctRevisions)
			putTagged(t, s, "k", "v1", tagsA)
		}, storage.ErrPreconditionFailed},
		{"another owner", func(t *testing.T, s storage.Backend) {
			skipWithout(t, s, AreaDistinctRevisions)
			if _, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("v1"), storage.PutObjectOptions{Size: 2, Owner: "other", Tags: tagsA}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrPreconditionFailed},
		{"tags changed", func(t *testing.T, s storage.Backend) {
			if err := s.PutObjectTags(ctx, "bkt", "k", storage.PutObjectTagsOptions{Tags: tagsB}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrPreconditionFailed},
		{"deleted", func(t *testing.T, s storage.Backend) {
			if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrNoSuchKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := withBucket(t, newBackend)
			read := readBack(t, s, putTagged(t, s, "k", "v1", tagsA))
			tc.change(t, s)
			before, _ := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{})
			err := s.PutObjectTags(ctx, "bkt", "k", storage.PutObjectTagsOptions{Tags: "", IfUnchanged: &read})
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("PutObjectTags = %v, want %v", err, tc.err)
			}
			after, _ := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{})
			if want := ""; tc.err != nil {
				want = before.Tags
				if after.Tags != want {
					t.Errorf("tags %q after a failed PutObjectTags, were %q", after.Tags, want)
				}
			} else if after.Tags != want {
				t.Errorf("tags %q, want none", after.Tags)
			}
		})
	}
}

// CopyObject keeps the source's tags, or, with ReplaceTags, gives the copy its own.
func testTagsCopy(t *testing.T, newBackend NewBackend) {
	tests := []struct {
		name string
		opts storage.CopyObjectOptions
		want string
	}{
		{"copied", storage.CopyObjectOptions{}, tagsA},
		{"copied, Tags ignored", storage.CopyObjectOptions{Tags: tagsB}, tagsA},
		{"replaced", storage.CopyObjectOptions{ReplaceTags: true, Tags: tagsB}, tagsB},
		{"replaced by none", storage.CopyObjectOptions{ReplaceTags: true}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := withBucket(t, newBackend)
			putTagged(t, s, "src", "body", tagsA)
			info, err := s.CopyObject(ctx, "bkt", "src", "bkt", "dst", tc.opts)
			if err != nil || info.Tags != tc.want {
				t.Fatalf("CopyObject: tags %q %v, want %q", info.Tags, err, tc.want)
			}
			if got, _ := s.HeadObject(ctx, "bkt", "dst", storage.ReadOptions{}); got.Tags != tc.want {
				t.Errorf("the copy's tags %q, want %q", got.Tags, tc.want)
			}
		})
	}
}

// The tags given to CreateMultipartUpload are the upload's, and the completed object's.
func testTagsMultipart(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	id := createUpload(t, s, "bkt", "mp", storage.CreateMultipartUploadOptions{Tags: tagsB})
	part := uploadPart(t, s, "bkt", "mp", id, 1, []byte("last part"))
	if lp, err := s.ListParts(ctx, "bkt", "mp", id, storage.ListPartsOptions{MaxParts: 1}); err != nil || lp.Upload.Tags != tagsB {
		t.Errorf("ListParts: upload tags %q %v, want %q", lp.Upload.Tags, err, tagsB)
	}
	info, err := s.CompleteMultipartUpload(ctx, "bkt", "mp", id, []storage.CompletedPart{{PartNumber: 1, ETag: part.ETag}}, storage.CompleteMultipartUploadOptions{})
	if err != nil || info.Tags != tagsB {
		t.Fatalf("CompleteMultipartUpload: tags %q %v, want %q", info.Tags, err, tagsB)
	}
	if got, _ := s.HeadObject(ctx, "bkt", "mp", storage.ReadOptions{}); got.Tags != tagsB {
		t.Errorf("the object's tags %q, want %q", got.Tags, tagsB)
	}
}
