package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
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
	// Not an ErrNotImplemented: see AreaReaderIsolation.
	AreaReaderIsolation: refusesReaderIsolation,
	// Not an ErrNotImplemented: see AreaDistinctRevisions.
	AreaDistinctRevisions: refusesDistinctRevisions,
	// Not an ErrNotImplemented: see AreaWriteTime.
	AreaWriteTime: refusesWriteTime,
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

// refusesReaderIsolation checks that an open reader of an object replaced since it was opened
// fails the reads it cannot serve from the data it already holds, with ErrPreconditionFailed,
// and never returns the new object's bytes (of the same size, so that a reader that trusted
// the size it opened would read them); once the object is deleted, with ErrPreconditionFailed
// or ErrNoSuchKey.
func refusesReaderIsolation(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	body, other := []byte("0123456789abcdef"), []byte("ABCDEFGHIJKLMNOP")
	Put(t, s, "bkt", "k", body)
	r, _, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, 4)
	if _, err := io.ReadFull(r, buf); err != nil || !bytes.Equal(buf, body[:4]) {
		t.Fatalf("first read = %q, %v", buf, err)
	}
	Put(t, s, "bkt", "k", other)
	read := func(what string, want ...error) {
		t.Helper()
		if _, err := r.ReadAt(buf, 8); !isOneOf(err, want) {
			t.Errorf("%s: ReadAt = %q, %v; want one of %v", what, buf, err, want)
		}
		if _, err := r.Seek(0, io.SeekStart); err != nil && !isOneOf(err, want) {
			t.Errorf("%s: Seek = %v; want success or one of %v", what, err, want)
			return
		} else if err != nil {
			return
		}
		all, err := io.ReadAll(r)
		if !isOneOf(err, want) || !bytes.HasPrefix(body, all) {
			t.Errorf("%s: read from the start = %q, %v; want a prefix of %q and one of %v", what, all, err, body, want)
		}
	}
	read("replaced", storage.ErrPreconditionFailed)
	if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	read("deleted", storage.ErrPreconditionFailed, storage.ErrNoSuchKey)
}

// isOneOf reports whether err is one of want.
func isOneOf(err error, want []error) bool {
	for _, w := range want {
		if errors.Is(err, w) {
			return true
		}
	}
	return false
}

// refusesDistinctRevisions checks that a backend whose revisions do not tell apart writes of
// the same bytes within the same second tells apart every other write: PutObjectTags with
// IfUnchanged fails with ErrPreconditionFailed, and keeps the tags, once the unversioned
// object read was written again with other bytes, or with the same bytes in a later second.
func refusesDistinctRevisions(t *testing.T, newBackend NewBackend) {
	for name, write := range map[string]func(*testing.T, storage.Backend){
		"other bytes": func(t *testing.T, s storage.Backend) { putTagged(t, s, "k", "v2", tagsA) },
		"the same bytes a second later": func(t *testing.T, s storage.Backend) {
			// The next wall-clock second, so that Last-Modified differs however it rounds.
			time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
			putTagged(t, s, "k", "v1", tagsA)
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := withBucket(t, newBackend)
			read := readBack(t, s, putTagged(t, s, "k", "v1", tagsA))
			write(t, s)
			if err := s.PutObjectTags(ctx, "bkt", "k", storage.PutObjectTagsOptions{IfUnchanged: &read}); !errors.Is(err, storage.ErrPreconditionFailed) {
				t.Errorf("PutObjectTags of the object read, written again since = %v, want ErrPreconditionFailed", err)
			}
			if after, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{}); err != nil || after.Tags != tagsA {
				t.Errorf("tags %q, %v after the failed PutObjectTags, want %q", after.Tags, err, tagsA)
			}
		})
	}
}

// wantAsWritten checks read, the info of an object as a read reports it, against put, what
// the PutObject that wrote it reported before it returned: the same, or for a backend that
// does not implement AreaWriteTime, but for a LastModified no earlier than read's nor later
// than returned, and any Revision.
func wantAsWritten(t *testing.T, s storage.Backend, read, put storage.ObjectInfo, returned time.Time) {
	t.Helper()
	if !implements(s, AreaWriteTime) {
		if put.LastModified.Before(read.LastModified) || put.LastModified.After(returned) {
			t.Errorf("PutObject's LastModified %v, before the object's %v or after PutObject returned at %v", put.LastModified, read.LastModified, returned)
		}
		put.LastModified, put.Revision = read.LastModified, read.Revision
	}
	if !reflect.DeepEqual(read, put) {
		t.Errorf("GetObject info %+v differs from PutObject's %+v", read, put)
	}
}

// refusesWriteTime checks that a backend whose PutObject reports the time its store answered
// reports no other time, and all else as reads do: writes that cross a second, of bodies
// known and unknown in length, each read back at once.
func refusesWriteTime(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	body := []byte("written at a second's end")
	for i := range 4 {
		// Each write begins 2 ms before a second ends.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second - 2*time.Millisecond)))
		size := int64(len(body))
		if i%2 == 1 {
			size = -1
		}
		key := fmt.Sprintf("k%d", i)
		info, err := s.PutObject(ctx, "bkt", key, bytes.NewReader(body), storage.PutObjectOptions{Size: size})
		returned := time.Now()
		if err != nil {
			t.Fatalf("put %q: %v", key, err)
		}
		_, read := Get(t, s, "bkt", key)
		wantAsWritten(t, s, read, info, returned)
	}
}
