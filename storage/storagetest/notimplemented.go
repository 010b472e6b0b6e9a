package storagetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// refusals are the checks RunWith runs for an area the backend declares not implemented:
// each of the area's calls fails with storage.ErrNotImplemented and changes nothing, so a
// client is told (501 NotImplemented) instead of getting half the feature.
var refusals = map[string]func(*testing.T, NewBackend){
	AreaObjectLock:     refusesObjectLock,
	AreaEncryption:     refusesEncryption,
	AreaObjectParts:    refusesObjectParts,
	AreaDeleteRevision: refusesDeleteRevision,
	AreaObjectACL:      refusesObjectACL,
}

// wantNotImplemented fails the test unless err is a storage.ErrNotImplemented.
func wantNotImplemented(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, storage.ErrNotImplemented) {
		t.Errorf("%s = %v, want storage.ErrNotImplemented", op, err)
	}
}

// wantNoKey fails the test unless bkt/key does not exist: a refused write stored nothing.
func wantNoKey(t *testing.T, s storage.Backend, op, key string) {
	t.Helper()
	if _, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("after the refused %s, HeadObject = %v, want ErrNoSuchKey", op, err)
	}
}

func refusesObjectLock(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	_, err := s.CreateBucket(ctx, "locked", storage.CreateBucketOptions{ObjectLockEnabled: true})
	wantNotImplemented(t, "CreateBucket with Object Lock", err)
	if _, err := s.HeadBucket(ctx, "locked"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("after the refused CreateBucket, HeadBucket = %v, want ErrNoSuchBucket", err)
	}
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	err = s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true})
	wantNotImplemented(t, "PutBucketObjectLock", err)
	if info, err := s.HeadBucket(ctx, "bkt"); err != nil || info.ObjectLock.Enabled {
		t.Errorf("after the refused PutBucketObjectLock, HeadBucket = %+v, %v; want no Object Lock", info, err)
	}
	for name, lock := range map[string]storage.ObjectLock{
		"retention":  {Retention: governanceUntil(time.Now().Add(time.Hour).UTC())},
		"legal hold": {LegalHold: true, LegalHoldSet: true},
	} {
		_, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Lock: lock})
		wantNotImplemented(t, "PutObject with a "+name, err)
		wantNoKey(t, s, "PutObject with a "+name, "k")
	}
}

func refusesEncryption(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	for _, kind := range encryptionKinds {
		if kind.md5ETag { // SSE-S3: every backend's objects are encrypted so, or not at all.
			continue
		}
		_, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Encryption: kind.enc})
		wantNotImplemented(t, "PutObject with "+kind.name, err)
		wantNoKey(t, s, "PutObject with "+kind.name, "k")
	}
}

func refusesObjectParts(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	Put(t, s, "bkt", "k", []byte("x"))
	_, err := s.ListObjectParts(ctx, "bkt", "k", storage.ListObjectPartsOptions{MaxParts: 10})
	wantNotImplemented(t, "ListObjectParts", err)
}

func refusesDeleteRevision(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	info := Put(t, s, "bkt", "k", []byte("x"))
	Put(t, s, "bkt", "k", []byte("y"))
	tags := ""
	for name, opts := range map[string]storage.DeleteObjectOptions{
		"IfRevision":    {IfRevision: info.Revision},
		"IfTags":        {IfTags: &tags},
		"IfNoncurrent":  {VersionID: info.VersionID, IfNoncurrent: &storage.NoncurrentCondition{}},
		"IfOnlyVersion": {VersionID: info.VersionID, IfOnlyVersion: true},
	} {
		_, err := s.DeleteObject(ctx, "bkt", "k", opts)
		wantNotImplemented(t, "DeleteObject with "+name, err)
	}
	res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: 10})
	if err != nil || len(res.Versions) != 2 {
		t.Errorf("after the refused deletes, ListObjectVersions = %+v, %v; want the 2 versions written", res, err)
	}
}

func refusesObjectACL(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	Put(t, s, "bkt", "k", []byte("x"))
	err := s.PutObjectACL(ctx, "bkt", "k", storage.PutObjectACLOptions{ACL: "public-read"})
	wantNotImplemented(t, "PutObjectACL", err)
}
