package disk_test

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// Buckets and objects are still there when the directory is opened again.
func TestBucketsSurviveReopen(t *testing.T) {
	s, dir := openStore(t)
	if _, err := s.CreateBucket(ctx, "keep", storage.CreateBucketOptions{Region: "us-west-2"}); err != nil {
		t.Fatal(err)
	}
	storagetest.Put(t, s, "keep", "k", []byte("v"))
	s.Close()
	s2 := reopen(t, dir)
	if info, err := s2.HeadBucket(ctx, "keep"); err != nil || info.Region != "us-west-2" {
		t.Fatalf("HeadBucket after reopen = %+v, %v", info, err)
	}
	if body, _ := storagetest.Get(t, s2, "keep", "k"); string(body) != "v" {
		t.Errorf("body after reopen = %q", body)
	}
}

// Buckets created before buckets had IDs get one when the store opens.
func TestBucketIDAssignedOnOpen(t *testing.T) {
	s, dir := openWithBucket(t)
	s.Close()
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("buckets")).Put([]byte("bkt"), []byte(`{"created":"2020-01-02T03:04:05Z","owner":"alice","acl":"private"}`))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	first := reopen(t, dir)
	info, err := first.HeadBucket(ctx, "bkt")
	if err != nil || info.ID == "" || info.Owner != "alice" {
		t.Fatalf("HeadBucket after reopening = %+v, %v; want an ID", info, err)
	}
	first.Close()
	if again, err := reopen(t, dir).HeadBucket(ctx, "bkt"); err != nil || again.ID != info.ID {
		t.Fatalf("the ID changed on the next open: %q, then %q (%v)", info.ID, again.ID, err)
	}
}
