package disk_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/testclock"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// lockVersion is one version of a key as TestObjectLockModel expects it.
type lockVersion struct {
	id        string
	marker    bool
	retention storage.Retention
	hold      bool
}

// lockModel is what the bucket of TestObjectLockModel must hold: each key's versions, newest
// first, and the bucket's default retention. Its rules are written out here, apart from
// package storage's, from S3's documentation
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html): the test checks
// that the store applies them, not that it calls a given function.
type lockModel struct {
	def  *storage.DefaultRetention
	keys map[string][]lockVersion
}

// written is the lock a version written at now with the settings l gets.
func (m *lockModel) written(l storage.ObjectLock, now time.Time) (storage.Retention, bool) {
	r := l.Retention
	if r.IsZero() && m.def != nil {
		r = storage.Retention{Mode: m.def.Mode, RetainUntil: now.Add(time.Duration(m.def.Days) * 24 * time.Hour)}
	}
	if !r.IsZero() {
		r.RetainUntil = r.RetainUntil.UTC().Truncate(time.Millisecond)
	}
	return r, l.LegalHold
}

// protects tells a retention still in force at now.
func protects(r storage.Retention, now time.Time) bool {
	return r.Mode != "" && now.Before(r.RetainUntil)
}

// mayDelete tells whether a version may be removed at now.
func mayDelete(v lockVersion, bypass bool, now time.Time) bool {
	switch {
	case v.marker:
		return true
	case v.hold:
		return false
	case !protects(v.retention, now):
		return true
	}
	return v.retention.Mode == storage.RetentionGovernance && bypass
}

// mayChange tells whether a version's retention old may become next at now.
func mayChange(old, next storage.Retention, bypass bool, now time.Time) bool {
	switch {
	case !protects(old, now):
		return true
	case next.Mode == old.Mode && !next.RetainUntil.Before(old.RetainUntil):
		return true
	}
	return old.Mode == storage.RetentionGovernance && bypass
}

// maxLockOps bounds the random operations of one run of TestObjectLockModel: enough for
// every kind of change to meet versions under each mode, a legal hold, an expired retention
// and a bucket default, many times over, in about a second.
const maxLockOps = 300

// Through any sequence of writes (plain, copies and multipart completions, with and without
// their own settings), changes of the default retention, of retentions and legal holds,
// deletes of versions with and without bypass, delete markers, and moves of the clock, each
// version has the retention and legal hold the rules give it, each delete and change is
// refused exactly when they say, and everything is the same after reopening.
func TestObjectLockModel(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { testObjectLockModel(t, seed) })
	}
}

func testObjectLockModel(t *testing.T, seed uint64) {
	clock := testclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir, disk.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	if _, err := s.CreateBucket(ctx, "lock", storage.CreateBucketOptions{ObjectLockEnabled: true}); err != nil {
		t.Fatal(err)
	}
	m := &lockModel{keys: map[string][]lockVersion{}}
	rng := rand.New(rand.NewPCG(seed, 7))
	modes := []storage.RetentionMode{storage.RetentionGovernance, storage.RetentionCompliance}
	// randomLock is the settings of a write or an upload: none half of the time.
	randomLock := func() storage.ObjectLock {
		var l storage.ObjectLock
		if rng.IntN(2) == 0 {
			l.Retention = storage.Retention{Mode: modes[rng.IntN(2)], RetainUntil: clock.Now().Add(time.Duration(1+rng.IntN(72)) * time.Hour)}
		}
		l.LegalHold = rng.IntN(4) == 0
		return l
	}
	keys := []string{"a", "b/c"}
	for i := range maxLockOps {
		key := keys[rng.IntN(len(keys))]
		versions := m.keys[key]
		op := fmt.Sprintf("op %d", i)
		switch n := rng.IntN(20); {
		case n < 2:
			clock.Advance(time.Duration(rng.IntN(48)) * time.Hour)
		case n < 3:
			cfg := storage.ObjectLockConfig{Enabled: true}
			if rng.IntN(3) > 0 {
				cfg.DefaultRetention = &storage.DefaultRetention{Mode: modes[rng.IntN(2)], Days: 1 + rng.IntN(2)}
			}
			if err := s.PutBucketObjectLock(ctx, "lock", cfg); err != nil {
				t.Fatalf("%s: %v", op, err)
			}
			m.def = cfg.DefaultRetention
		case n < 7:
			l := randomLock()
			var info storage.ObjectInfo
			var err error
			switch rng.IntN(3) {
			case 0:
				info, err = s.PutObject(ctx, "lock", key, bytes.NewReader([]byte(op)), storage.PutObjectOptions{Size: -1, Lock: l})
			case 1:
				info, err = lockedUpload(s, clock, m, key, l, op)
			default:
				src := keys[rng.IntN(len(keys))]
				info, err = s.CopyObject(ctx, "lock", src, "lock", key, storage.CopyObjectOptions{Lock: l})
				if errors.Is(err, storage.ErrNoSuchKey) && (len(m.keys[src]) == 0 || m.keys[src][0].marker) {
					continue
				}
			}
			if err != nil {
				t.Fatalf("%s: write: %v", op, err)
			}
			v := lockVersion{id: info.VersionID}
			v.retention, v.hold = m.written(l, clock.Now())
			m.keys[key] = append([]lockVersion{v}, versions...)
		case n < 8:
			res, err := s.DeleteObject(ctx, "lock", key, storage.DeleteObjectOptions{BypassGovernance: rng.IntN(2) == 0})
			if err != nil {
				t.Fatalf("%s: delete marker: %v", op, err)
			}
			m.keys[key] = append([]lockVersion{{id: res.VersionID, marker: true}}, versions...)
		case len(versions) == 0:
			continue
		case n < 12:
			j, bypass := rng.IntN(len(versions)), rng.IntN(2) == 0
			_, err := s.DeleteObject(ctx, "lock", key, storage.DeleteObjectOptions{VersionID: versions[j].id, BypassGovernance: bypass})
			if allowed := mayDelete(versions[j], bypass, clock.Now()); allowed != (err == nil) || !allowed && !errors.Is(err, storage.ErrObjectLocked) {
				t.Fatalf("%s: delete %+v (bypass %v) at %v: %v; allowed %v", op, versions[j], bypass, clock.Now(), err, allowed)
			}
			if err == nil {
				m.keys[key] = append(versions[:j:j], versions[j+1:]...)
			}
		case n < 16:
			j, bypass := rng.IntN(len(versions)), rng.IntN(2) == 0
			next := randomLock().Retention
			if rng.IntN(3) == 0 && !versions[j].retention.IsZero() {
				// Keep the mode and move the date either way.
				next = storage.Retention{Mode: versions[j].retention.Mode, RetainUntil: versions[j].retention.RetainUntil.Add(time.Duration(rng.IntN(5)-2) * time.Hour)}
			}
			err := s.PutObjectRetention(ctx, "lock", key, storage.PutObjectRetentionOptions{Retention: next, BypassGovernance: bypass, VersionID: versions[j].id})
			if !checkLockChange(t, op, versions[j], err, mayChange(versions[j].retention, next, bypass, clock.Now())) {
				continue
			}
			versions[j].retention, _ = m.written(storage.ObjectLock{Retention: next}, clock.Now())
			if next.IsZero() {
				versions[j].retention = storage.Retention{}
			}
		default:
			j, on := rng.IntN(len(versions)), rng.IntN(2) == 0
			err := s.PutObjectLegalHold(ctx, "lock", key, storage.PutObjectLegalHoldOptions{On: on, VersionID: versions[j].id})
			if checkLockChange(t, op, versions[j], err, true) {
				versions[j].hold = on
			}
		}
		checkLockModel(t, s, m, op)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = disk.Open(dir, disk.WithClock(clock.Now)); err != nil {
		t.Fatal(err)
	}
	checkLockModel(t, s, m, "after reopening")
	if info, err := s.HeadBucket(ctx, "lock"); err != nil || !reflect.DeepEqual(info.ObjectLock, storage.ObjectLockConfig{Enabled: true, DefaultRetention: m.def}) {
		t.Errorf("after reopening: bucket %+v, %v; want default %+v", info.ObjectLock, err, m.def)
	}
}

// lockedUpload writes a version with a multipart upload created with the settings l, and
// completes it after the clock and the bucket's default retention have moved on: the default
// applies at completion.
func lockedUpload(s *disk.Store, clock *testclock.Clock, m *lockModel, key string, l storage.ObjectLock, body string) (storage.ObjectInfo, error) {
	up, err := s.CreateMultipartUpload(ctx, "lock", key, storage.CreateMultipartUploadOptions{Lock: l})
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if !reflect.DeepEqual(up.Lock, l) {
		return storage.ObjectInfo{}, fmt.Errorf("the upload's lock is %+v, want %+v", up.Lock, l)
	}
	part, err := s.UploadPart(ctx, "lock", key, up.UploadID, 1, bytes.NewReader([]byte(body)), storage.UploadPartOptions{Size: -1})
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	clock.Advance(time.Hour)
	m.def = &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 3}
	if err := s.PutBucketObjectLock(ctx, "lock", storage.ObjectLockConfig{Enabled: true, DefaultRetention: m.def}); err != nil {
		return storage.ObjectInfo{}, err
	}
	return s.CompleteMultipartUpload(ctx, "lock", key, up.UploadID, []storage.CompletedPart{{PartNumber: 1, ETag: part.ETag}}, storage.CompleteMultipartUploadOptions{})
}

// checkLockChange checks the answer to a change of a version's retention or legal hold that
// the rules allow or not; it reports whether the change was made.
func checkLockChange(t *testing.T, op string, v lockVersion, err error, allowed bool) bool {
	t.Helper()
	switch {
	case v.marker:
		var dm *storage.DeleteMarkerError
		if !errors.As(err, &dm) {
			t.Fatalf("%s: change of the delete marker %s: %v", op, v.id, err)
		}
		return false
	case allowed != (err == nil) || !allowed && !errors.Is(err, storage.ErrObjectLocked):
		t.Fatalf("%s: change of %+v: %v; allowed %v", op, v, err, allowed)
	}
	return err == nil
}

// checkLockModel compares every version's lock with the model's, and the versions listed.
func checkLockModel(t *testing.T, s *disk.Store, m *lockModel, when string) {
	t.Helper()
	res, err := s.ListObjectVersions(ctx, "lock", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, v := range res.Versions {
		got = append(got, v.Key+" "+v.VersionID)
	}
	for _, key := range []string{"a", "b/c"} {
		for _, v := range m.keys[key] {
			want = append(want, key+" "+v.id)
			if v.marker {
				continue
			}
			info, err := s.HeadObject(ctx, "lock", key, storage.ReadOptions{VersionID: v.id})
			if err != nil || !info.Retention.RetainUntil.Equal(v.retention.RetainUntil) || info.Retention.Mode != v.retention.Mode || info.LegalHold != v.hold {
				t.Fatalf("%s: %s version %s has retention %+v, legal hold %v (%v); want %+v, %v", when, key, v.id, info.Retention, info.LegalHold, err, v.retention, v.hold)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: versions\n%q\nwant\n%q", when, got, want)
	}
}

// A bucket takes Object Lock only with its versioning Enabled, keeps it Enabled, and a bucket
// without Object Lock refuses every Object Lock setting, before reading a body or naming a
// key.
func TestObjectLockBucketStates(t *testing.T) {
	s, _ := openStore(t)
	for _, b := range []string{"plain", "versioned", "suspended", "born"} {
		if _, err := s.CreateBucket(ctx, b, storage.CreateBucketOptions{ObjectLockEnabled: b == "born"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBucketVersioning(ctx, "versioned", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBucketVersioning(ctx, "suspended", storage.VersioningSuspended); err != nil {
		t.Fatal(err)
	}
	storagetest.Put(t, s, "plain", "k", []byte("v"))
	enable := storage.ObjectLockConfig{Enabled: true}
	hold := storage.ObjectLock{LegalHold: true}
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"lock on a bucket never versioned", func() error { return s.PutBucketObjectLock(ctx, "plain", enable) }, storage.ErrInvalidBucketState},
		{"lock on a suspended bucket", func() error { return s.PutBucketObjectLock(ctx, "suspended", enable) }, storage.ErrInvalidBucketState},
		{"lock not enabled", func() error { return s.PutBucketObjectLock(ctx, "versioned", storage.ObjectLockConfig{}) }, storage.ErrInvalidObjectLock},
		{"lock on a versioned bucket", func() error { return s.PutBucketObjectLock(ctx, "versioned", enable) }, nil},
		{"suspending a bucket given lock", func() error { return s.PutBucketVersioning(ctx, "versioned", storage.VersioningSuspended) }, storage.ErrInvalidBucketState},
		{"suspending a bucket born with lock", func() error { return s.PutBucketVersioning(ctx, "born", storage.VersioningSuspended) }, storage.ErrInvalidBucketState},
		{"enabling a bucket with lock", func() error { return s.PutBucketVersioning(ctx, "born", storage.VersioningEnabled) }, nil},
		{"write with a legal hold", func() error {
			_, err := s.PutObject(ctx, "plain", "k", errorReader{}, storage.PutObjectOptions{Size: -1, Lock: hold})
			return err
		}, storage.ErrNoObjectLock},
		{"copy with a legal hold", func() error {
			_, err := s.CopyObject(ctx, "plain", "k", "plain", "k2", storage.CopyObjectOptions{Lock: hold})
			return err
		}, storage.ErrNoObjectLock},
		{"upload with a legal hold", func() error {
			_, err := s.CreateMultipartUpload(ctx, "plain", "k", storage.CreateMultipartUploadOptions{Lock: hold})
			return err
		}, storage.ErrNoObjectLock},
		{"retention of a missing key", func() error {
			return s.PutObjectRetention(ctx, "plain", "missing", storage.PutObjectRetentionOptions{})
		}, storage.ErrNoObjectLock},
		{"legal hold of a key", func() error {
			return s.PutObjectLegalHold(ctx, "plain", "k", storage.PutObjectLegalHoldOptions{On: true})
		}, storage.ErrNoObjectLock},
		{"retention in a bucket with lock, missing key", func() error {
			return s.PutObjectRetention(ctx, "born", "missing", storage.PutObjectRetentionOptions{})
		}, storage.ErrNoSuchKey},
	}
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	for _, b := range []struct {
		name       string
		versioning string
		lock       bool
	}{{"plain", "", false}, {"versioned", storage.VersioningEnabled, true}, {"suspended", storage.VersioningSuspended, false}, {"born", storage.VersioningEnabled, true}} {
		info, err := s.HeadBucket(ctx, b.name)
		if err != nil || info.Versioning != b.versioning || info.ObjectLock.Enabled != b.lock {
			t.Errorf("%s: %+v, %v; want versioning %q, lock %v", b.name, info, err, b.versioning, b.lock)
		}
	}
}

// errorReader fails the test's writes that should be refused before their body is read.
type errorReader struct{}

func (errorReader) Read([]byte) (int, error) { return 0, errors.New("the body was read") }
