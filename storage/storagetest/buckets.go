package storagetest

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// TestBuckets checks creating, listing, heading, deleting buckets and changing their ACL.
func TestBuckets(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"Create", testCreateBucket},
		{"Delete", testDeleteBucket},
		{"PutACL", testPutBucketACL},
	})
}

// A bucket is created once under a valid name, with the settings given, and HeadBucket and
// ListBuckets (sorted by name) report it. A backend of one region (Options.Region) keeps a
// bucket created with that region's LocationConstraint, and refuses any other with
// S3's IllegalLocationConstraintException, creating nothing.
func testCreateBucket(t *testing.T, newBackend NewBackend) {
	region := "eu-west-1"
	s := newBackend(t)
	if only := regionOf(s); only != "" {
		region = only
		_, err := s.CreateBucket(ctx, "elsewhere", storage.CreateBucketOptions{Region: otherRegion(only)})
		if se, ok := errors.AsType[*storage.ServiceError](err); !ok || se.Status != http.StatusBadRequest || se.Code != "IllegalLocationConstraintException" {
			t.Errorf("CreateBucket in region %q of a backend of region %q = %v, want IllegalLocationConstraintException", otherRegion(only), only, err)
		}
		if _, err := s.HeadBucket(ctx, "elsewhere"); !errors.Is(err, storage.ErrNoSuchBucket) {
			t.Errorf("after the refused CreateBucket, HeadBucket = %v, want ErrNoSuchBucket", err)
		}
	}
	tests := []struct {
		name   string
		bucket string
		opts   storage.CreateBucketOptions
		want   error
	}{
		{"defaults", "alpha", storage.CreateBucketOptions{}, nil},
		{"region owner acl", "beta.example", storage.CreateBucketOptions{Region: region, Owner: "alice", ACL: "public-read"}, nil},
		{"duplicate", "alpha", storage.CreateBucketOptions{}, storage.ErrBucketExists},
		{"uppercase", "Alpha", storage.CreateBucketOptions{}, storage.ErrInvalidBucketName},
		{"ip address", "10.0.0.1", storage.CreateBucketOptions{}, storage.ErrInvalidBucketName},
		{"path traversal", "../x", storage.CreateBucketOptions{}, storage.ErrInvalidBucketName},
		{"too short", "ab", storage.CreateBucketOptions{}, storage.ErrInvalidBucketName},
	}
	before := time.Now().Add(-time.Second)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := s.CreateBucket(ctx, tt.bucket, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("CreateBucket(%q) error = %v, want %v", tt.bucket, err, tt.want)
			}
			if err != nil {
				return
			}
			head, err := s.HeadBucket(ctx, tt.bucket)
			if err != nil {
				t.Fatal(err)
			}
			wantACL := tt.opts.ACL
			if wantACL == "" {
				wantACL = storage.DefaultACL
			}
			if head != info || head.Name != tt.bucket || head.Region != tt.opts.Region || head.Owner != tt.opts.Owner || head.ACL != wantACL {
				t.Errorf("HeadBucket = %+v, CreateBucket returned %+v, options %+v", head, info, tt.opts)
			}
			if head.CreationDate.Before(before) || head.CreationDate.After(time.Now()) {
				t.Errorf("CreationDate = %v", head.CreationDate)
			}
		})
	}
	list, err := s.ListBuckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "beta.example" || list[1].Region != region {
		t.Fatalf("ListBuckets = %+v", list)
	}
	if list[0].ID == "" || list[0].ID == list[1].ID {
		t.Errorf("bucket IDs %q and %q, want two different ones", list[0].ID, list[1].ID)
	}
	if _, err := s.HeadBucket(ctx, "missing"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("HeadBucket of a missing bucket = %v, want ErrNoSuchBucket", err)
	}
}

// Only an empty bucket can be deleted; its uploads and configurations go with it.
func testDeleteBucket(t *testing.T, newBackend NewBackend) {
	s := newBackend(t)
	for _, b := range []string{"empty", "full", "uploads"} {
		if _, err := s.CreateBucket(ctx, b, storage.CreateBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	Put(t, s, "full", "obj", []byte("data"))
	up, err := s.CreateMultipartUpload(ctx, "uploads", "big", storage.CreateMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UploadPart(ctx, "uploads", "big", up.UploadID, 1, strings.NewReader("part"), storage.UploadPartOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBucketConfig(ctx, "empty", "cors", []byte("<CORSConfiguration/>")); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		bucket string
		want   error
	}{
		{"full", storage.ErrBucketNotEmpty},
		{"missing", storage.ErrNoSuchBucket},
		{"empty", nil},
		{"uploads", nil}, // uploads in progress are aborted, not an obstacle
		{"empty", storage.ErrNoSuchBucket},
	}
	for _, tt := range tests {
		if err := s.DeleteBucket(ctx, tt.bucket); !errors.Is(err, tt.want) {
			t.Errorf("DeleteBucket(%q) = %v, want %v", tt.bucket, err, tt.want)
		}
	}
	if _, err := s.HeadBucket(ctx, "full"); err != nil {
		t.Errorf("non-empty bucket was deleted: %v", err)
	}
	// A bucket created again under a deleted name starts without configurations or uploads.
	for _, b := range []string{"empty", "uploads"} {
		if _, err := s.CreateBucket(ctx, b, storage.CreateBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.GetBucketConfig(ctx, "empty", "cors"); !errors.Is(err, storage.ErrNoSuchConfig) {
		t.Errorf("configuration survived bucket deletion: %v", err)
	}
	res, err := s.ListMultipartUploads(ctx, "uploads", storage.ListUploadsOptions{MaxUploads: 1000})
	if err != nil || len(res.Uploads) != 0 {
		t.Errorf("uploads survived bucket deletion: %+v, %v", res, err)
	}
	if _, err := s.UploadPart(ctx, "uploads", "big", up.UploadID, 2, strings.NewReader("x"), storage.UploadPartOptions{Size: -1}); !errors.Is(err, storage.ErrNoSuchUpload) {
		t.Errorf("UploadPart to an aborted upload = %v", err)
	}
}

func testPutBucketACL(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	for _, tt := range []struct{ acl, want string }{{"public-read", "public-read"}, {"", storage.DefaultACL}} {
		if err := s.PutBucketACL(ctx, "bkt", tt.acl); err != nil {
			t.Fatal(err)
		}
		if info, _ := s.HeadBucket(ctx, "bkt"); info.ACL != tt.want {
			t.Errorf("ACL after PutBucketACL(%q) = %q, want %q", tt.acl, info.ACL, tt.want)
		}
	}
	if err := s.PutBucketACL(ctx, "nope", "private"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("PutBucketACL on missing bucket = %v", err)
	}
}

// TestBucketConfig checks the bucket configuration documents: stored, replaced and deleted by
// kind, bounded by storage.MaxConfigSize.
func TestBucketConfig(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	type step struct {
		op     string // put, get, delete
		bucket string
		kind   string
		doc    []byte
		want   error
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"put then get", []step{
			{"put", "bkt", "cors", []byte("<CORSConfiguration>1</CORSConfiguration>"), nil},
			{"get", "bkt", "cors", []byte("<CORSConfiguration>1</CORSConfiguration>"), nil},
		}},
		{"put replaces", []step{
			{"put", "bkt", "acl", []byte("first"), nil},
			{"put", "bkt", "acl", []byte("second"), nil},
			{"get", "bkt", "acl", []byte("second"), nil},
		}},
		{"kinds are independent", []step{
			{"put", "bkt", "policy", []byte("p"), nil},
			{"get", "bkt", "lifecycle", nil, storage.ErrNoSuchConfig},
		}},
		{"empty document", []step{
			{"put", "bkt", "tagging", []byte{}, nil},
			{"get", "bkt", "tagging", []byte{}, nil},
		}},
		{"delete", []step{
			{"put", "bkt", "website", []byte("w"), nil},
			{"delete", "bkt", "website", nil, nil},
			{"get", "bkt", "website", nil, storage.ErrNoSuchConfig},
			{"delete", "bkt", "website", nil, nil},
		}},
		{"missing bucket", []step{
			{"put", "nope", "cors", []byte("x"), storage.ErrNoSuchBucket},
			{"get", "nope", "cors", nil, storage.ErrNoSuchBucket},
			{"delete", "nope", "cors", nil, storage.ErrNoSuchBucket},
		}},
		{"invalid kind", []step{
			{"put", "bkt", "", []byte("x"), storage.ErrInvalidConfigKind},
			{"put", "bkt", "../cors", []byte("x"), storage.ErrInvalidConfigKind},
			{"get", "bkt", "CORS", nil, storage.ErrInvalidConfigKind},
		}},
		{"too large", []step{
			{"put", "bkt", "cors", make([]byte, storage.MaxConfigSize+1), storage.ErrConfigTooLarge},
			{"put", "bkt", "big", make([]byte, storage.MaxConfigSize), nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, st := range tt.steps {
				var err error
				switch st.op {
				case "put":
					err = s.PutBucketConfig(ctx, st.bucket, st.kind, st.doc)
				case "delete":
					err = s.DeleteBucketConfig(ctx, st.bucket, st.kind)
				case "get":
					var doc []byte
					doc, err = s.GetBucketConfig(ctx, st.bucket, st.kind)
					if err == nil && (doc == nil || !bytes.Equal(doc, st.doc)) {
						t.Errorf("step %d: got %q, want %q", i, doc, st.doc)
					}
				}
				if !errors.Is(err, st.want) {
					t.Errorf("step %d %s %s/%s: error %v, want %v", i, st.op, st.bucket, st.kind, err, st.want)
				}
			}
		})
	}
}
