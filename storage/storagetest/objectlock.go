package storagetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// TestObjectLock checks Object Lock as package storage describes it (objectlock.go), after S3
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html): a bucket's
// configuration and how it binds versioning, the retention and legal hold each write gives
// its version (the bucket's default retention among them), how they are read, changed and
// expire, and the deletes they refuse. The rules themselves are the functions of package
// storage, tested there; these checks are that a backend applies them, to the right version,
// at the right time, and atomically.
func TestObjectLock(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"Bucket", testObjectLockBucket},
		{"PutBucketObjectLock", testPutBucketObjectLock},
		{"NoObjectLock", testNoObjectLock},
		{"Visible", testLockVisible},
		{"DefaultRetention", testDefaultRetention},
		{"Multipart", testLockMultipart},
		{"Copy", testLockCopy},
		{"Delete", testLockedDelete},
		{"DeleteSequences", testLockedDeleteSequences},
		{"PutObjectRetention", testPutObjectRetention},
		{"PutObjectLegalHold", testPutObjectLegalHold},
		{"LegalHoldStatus", testLegalHoldStatus},
		{"VersionIDs", testLockVersionIDs},
		{"NullVersion", testLockNullVersion},
		{"Expiry", testLockExpiry},
		{"Concurrent", testLockConcurrent},
		{"RacingDelete", testLockRacingDelete},
		{"InvalidSettings", testLockInvalidSettings},
		{"Precision", testLockPrecision},
		{"DeleteBucket", testLockDeleteBucket},
	})
}

// Settings no rule describes are refused, never stored: a default retention beyond the bounds
// (one whose days overflow would give every version a date already past), and a retention
// with a mode but no date, a date but no mode, or a date ISO 8601 cannot write. A refused write
// stores nothing, and a version keeps the retention it had.
func testLockInvalidSettings(t *testing.T, newBackend NewBackend) {
	s := withLockBucket(t, newBackend, nil)
	for _, d := range []storage.DefaultRetention{
		{Mode: storage.RetentionCompliance, Years: 1 << 61},
		{Mode: storage.RetentionCompliance, Years: storage.MaxRetentionYears + 1},
		{Mode: storage.RetentionCompliance, Days: storage.MaxRetentionDays + 1},
	} {
		err := s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true, DefaultRetention: &d})
		wantErr(t, fmt.Sprintf("PutBucketObjectLock with %+v", d), err, storage.ErrInvalidObjectLock)
	}
	if b, err := s.HeadBucket(ctx, "bkt"); err != nil || b.ObjectLock.DefaultRetention != nil {
		t.Errorf("after refused configurations the bucket has %+v, %v", b.ObjectLock, err)
	}
	kept := putLocked(t, s, "kept", "body", storage.ObjectLock{Retention: complianceUntil(untilNear)})
	for _, r := range []storage.Retention{
		{Mode: storage.RetentionGovernance},
		{RetainUntil: untilNear},
		{Mode: "compliance", RetainUntil: untilNear},
		complianceUntil(time.Date(9999, 12, 31, 23, 30, 0, 0, time.FixedZone("-01:00", -3600))),
	} {
		_, err := s.PutObject(ctx, "bkt", "refused", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Lock: storage.ObjectLock{Retention: r}})
		wantErr(t, fmt.Sprintf("PutObject with %+v", r), err, storage.ErrInvalidRetention)
		err = s.PutObjectRetention(ctx, "bkt", "kept", storage.PutObjectRetentionOptions{Retention: r, VersionID: kept.VersionID})
		wantErr(t, fmt.Sprintf("PutObjectRetention with %+v", r), err, storage.ErrInvalidRetention)
	}
	if _, err := s.HeadObject(ctx, "bkt", "refused", storage.ReadOptions{}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("a refused write stored something: %v", err)
	}
	expectLock(t, s, "kept", kept.VersionID, complianceUntil(untilNear), false)
}

// What a read returns of a retention can be written back unchanged, and a date shorter by a
// microsecond than what was stored is a shortening: the precision a backend keeps never lets
// a change through.
func testLockPrecision(t *testing.T, newBackend NewBackend) {
	s := withLockBucket(t, newBackend, nil)
	v := putLocked(t, s, "k", "body", storage.ObjectLock{Retention: complianceUntil(untilNear.Add(700 * time.Microsecond))})
	read, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: v.VersionID})
	if err != nil {
		t.Fatal(err)
	}
	if read.Retention.RetainUntil.Before(untilNear) {
		t.Errorf("the retention was stored shorter than the millisecond it names: %v", read.Retention.RetainUntil)
	}
	err = s.PutObjectRetention(ctx, "bkt", "k", storage.PutObjectRetentionOptions{Retention: read.Retention, VersionID: v.VersionID})
	if err != nil {
		t.Errorf("writing back the retention read: %v", err)
	}
	shorter := complianceUntil(read.Retention.RetainUntil.Add(-time.Microsecond))
	err = s.PutObjectRetention(ctx, "bkt", "k", storage.PutObjectRetentionOptions{Retention: shorter, VersionID: v.VersionID})
	wantErr(t, "a retention a microsecond shorter", err, storage.ErrObjectLocked)
}

// A bucket is not empty while it holds a locked version, and deleting it leaves the version.
func testLockDeleteBucket(t *testing.T, newBackend NewBackend) {
	s := withLockBucket(t, newBackend, nil)
	held := putLocked(t, s, "held", "body", storage.ObjectLock{LegalHold: true})
	kept := putLocked(t, s, "kept", "body", storage.ObjectLock{Retention: complianceUntil(untilNear)})
	for _, v := range []storage.ObjectInfo{held, kept} {
		if _, err := s.DeleteObject(ctx, "bkt", v.Key, storage.DeleteObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "DeleteBucket", s.DeleteBucket(ctx, "bkt"), storage.ErrBucketNotEmpty)
	expectLock(t, s, "held", held.VersionID, storage.Retention{}, true)
	expectLock(t, s, "kept", kept.VersionID, complianceUntil(untilNear), false)
}

// Retention dates far enough ahead to stay active for the whole test: untilNear and untilFar
// a millisecond apart, as precise as a backend must keep them (storage.Retention), untilLater
// a year after.
var (
	untilNear  = time.Date(2099, 1, 2, 3, 4, 5, 6e6, time.UTC)
	untilFar   = untilNear.Add(time.Millisecond)
	untilLater = untilNear.AddDate(1, 0, 0)
)

func governanceUntil(until time.Time) storage.Retention {
	return storage.Retention{Mode: storage.RetentionGovernance, RetainUntil: until}
}

func complianceUntil(until time.Time) storage.Retention {
	return storage.Retention{Mode: storage.RetentionCompliance, RetainUntil: until}
}

// sameRetention tells retentions of the same mode and instant.
func sameRetention(a, b storage.Retention) bool {
	return a.Mode == b.Mode && a.RetainUntil.Equal(b.RetainUntil)
}

// withLockBucket returns a new backend holding one bucket, "bkt", created with Object Lock,
// and with the default retention def when not nil.
func withLockBucket(t *testing.T, newBackend NewBackend, def *storage.DefaultRetention) storage.Backend {
	t.Helper()
	s := newBackend(t)
	if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{ObjectLockEnabled: true}); err != nil {
		t.Fatal(err)
	}
	if def != nil {
		if err := s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// putLocked writes key in "bkt" with the Object Lock settings lock.
func putLocked(t *testing.T, s storage.Backend, key, body string, lock storage.ObjectLock) storage.ObjectInfo {
	t.Helper()
	info, err := s.PutObject(ctx, "bkt", key, strings.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Lock: lock})
	if err != nil {
		t.Fatalf("put %q with %+v: %v", key, lock, err)
	}
	return info
}

// expectLock checks the retention and legal hold of key's version id in "bkt" as HeadObject,
// GetObject and ListObjectVersions report them: r (in UTC) and legalHold.
func expectLock(t *testing.T, s storage.Backend, key, id string, r storage.Retention, legalHold bool) {
	t.Helper()
	check := func(op string, info storage.ObjectInfo) {
		t.Helper()
		if !sameRetention(info.Retention, r) || info.LegalHold != legalHold || !r.IsZero() && info.Retention.RetainUntil.Location() != time.UTC {
			t.Errorf("%s of %q version %.12q: retention %+v, legal hold %v; want %+v in UTC, %v", op, key, id, info.Retention, info.LegalHold, r, legalHold)
		}
	}
	head, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{VersionID: id})
	if err != nil {
		t.Fatalf("HeadObject(%q, %q): %v", key, id, err)
	}
	check("HeadObject", head)
	rd, info, err := s.GetObject(ctx, "bkt", key, storage.ReadOptions{VersionID: id})
	if err != nil {
		t.Fatalf("GetObject(%q, %q): %v", key, id, err)
	}
	rd.Close()
	check("GetObject", info)
	res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{Prefix: key, MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Versions {
		if v.Key == key && v.VersionID == head.VersionID {
			check("ListObjectVersions", v)
			return
		}
	}
	t.Errorf("ListObjectVersions does not list %q version %q", key, head.VersionID)
}

// wantErr checks that err is want, or nil when want is nil.
func wantErr(t *testing.T, op string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) || (err == nil) != (want == nil) {
		t.Errorf("%s = %v, want %v", op, err, want)
	}
}

// A bucket created with Object Lock has it, and versioning Enabled, in HeadBucket, ListBuckets
// and CreateBucket's answer; its versioning can no longer be suspended; a bucket created again
// under its name has neither.
func testObjectLockBucket(t *testing.T, newBackend NewBackend) {
	s := newBackend(t)
	created, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{ObjectLockEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBucket(ctx, "plain", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	want := storage.ObjectLockConfig{Enabled: true}
	if created.Versioning != storage.VersioningEnabled || !reflect.DeepEqual(created.ObjectLock, want) {
		t.Errorf("CreateBucket = %+v, want versioning Enabled and Object Lock %+v", created, want)
	}
	reported := func(t *testing.T) {
		t.Helper()
		head, err := s.HeadBucket(ctx, "bkt")
		if err != nil || head.Versioning != storage.VersioningEnabled || !reflect.DeepEqual(head.ObjectLock, want) {
			t.Errorf("HeadBucket = %+v, %v; want versioning Enabled and Object Lock %+v", head, err, want)
		}
		list, err := s.ListBuckets(ctx)
		if err != nil || len(list) != 2 || !reflect.DeepEqual(list[0].ObjectLock, want) || list[0].Versioning != storage.VersioningEnabled ||
			list[1].ObjectLock.Enabled || list[1].ObjectLock.DefaultRetention != nil {
			t.Errorf("ListBuckets = %+v, %v; want bkt with Object Lock, plain without", list, err)
		}
	}
	reported(t)
	wantErr(t, "PutBucketVersioning(Suspended) with Object Lock", s.PutBucketVersioning(ctx, "bkt", storage.VersioningSuspended), storage.ErrInvalidBucketState)
	reported(t)
	wantErr(t, "PutBucketVersioning(Enabled) with Object Lock", s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled), nil)
	reported(t)
	if err := s.DeleteBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if head, err := s.HeadBucket(ctx, "bkt"); err != nil || head.ObjectLock.Enabled || head.Versioning != "" || again.ObjectLock.Enabled || again.Versioning != "" {
		t.Errorf("a bucket created again without Object Lock: CreateBucket %+v, HeadBucket %+v, %v", again, head, err)
	}
}

// PutBucketObjectLock enables Object Lock on a bucket whose versioning is Enabled and on no
// other, replaces the default retention of a bucket that has it, and refuses what Validate
// refuses, changing nothing.
func testPutBucketObjectLock(t *testing.T, newBackend NewBackend) {
	days := &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 1}
	years := &storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 3}
	enabled := storage.ObjectLockConfig{Enabled: true}
	withDays := storage.ObjectLockConfig{Enabled: true, DefaultRetention: days}
	withYears := storage.ObjectLockConfig{Enabled: true, DefaultRetention: years}
	invalid := []storage.ObjectLockConfig{
		{},
		{DefaultRetention: days},
		{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: "governance", Days: 1}},
		{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: storage.RetentionGovernance}},
		{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 1, Years: 1}},
		{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: storage.RetentionCompliance, Days: -1}},
	}
	type change struct {
		name string
		cfg  storage.ObjectLockConfig
		err  error
		want storage.ObjectLockConfig // the bucket's configuration afterwards
	}
	type scenario struct {
		name       string
		versioning []string // PutBucketVersioning calls before the changes
		changes    []change
	}
	tests := []scenario{
		{"never versioned", nil, []change{{"enable", enabled, storage.ErrInvalidBucketState, storage.ObjectLockConfig{}}}},
		{"suspended", []string{storage.VersioningSuspended}, []change{{"enable", withDays, storage.ErrInvalidBucketState, storage.ObjectLockConfig{}}}},
		{"enabled then suspended", []string{storage.VersioningEnabled, storage.VersioningSuspended}, []change{{"enable", enabled, storage.ErrInvalidBucketState, storage.ObjectLockConfig{}}}},
		{"enabled", []string{storage.VersioningEnabled}, []change{
			{"enable", enabled, nil, enabled},
			{"a default in days", withDays, nil, withDays},
			{"a default in years", withYears, nil, withYears},
			{"the default removed", enabled, nil, enabled},
			{"a default again", withDays, nil, withDays},
		}},
		{"enabled with a default at once", []string{storage.VersioningEnabled}, []change{{"enable", withYears, nil, withYears}}},
	}
	for i, cfg := range invalid {
		tests = append(tests, scenario{fmt.Sprintf("invalid %d", i), []string{storage.VersioningEnabled}, []change{
			{"invalid before", cfg, storage.ErrInvalidObjectLock, storage.ObjectLockConfig{}},
			{"enable", withDays, nil, withDays},
			{"invalid after", cfg, storage.ErrInvalidObjectLock, withDays},
		}})
	}
	s := newBackend(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := fmt.Sprintf("bkt%d", i)
			if _, err := s.CreateBucket(ctx, bucket, storage.CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			for _, status := range tt.versioning {
				if err := s.PutBucketVersioning(ctx, bucket, status); err != nil {
					t.Fatal(err)
				}
			}
			versioning := ""
			if n := len(tt.versioning); n > 0 {
				versioning = tt.versioning[n-1]
			}
			for _, st := range tt.changes {
				wantErr(t, fmt.Sprintf("%s: PutBucketObjectLock(%+v)", st.name, st.cfg), s.PutBucketObjectLock(ctx, bucket, st.cfg), st.err)
				head, err := s.HeadBucket(ctx, bucket)
				if err != nil || !reflect.DeepEqual(head.ObjectLock, st.want) || head.Versioning != versioning {
					t.Errorf("%s: HeadBucket = %+v, %v; want Object Lock %+v, versioning %q", st.name, head, err, st.want, versioning)
				}
			}
			if head, _ := s.HeadBucket(ctx, bucket); head.ObjectLock.Enabled {
				wantErr(t, "PutBucketVersioning(Suspended) after PutBucketObjectLock", s.PutBucketVersioning(ctx, bucket, storage.VersioningSuspended), storage.ErrInvalidBucketState)
			}
		})
	}
	wantErr(t, "PutBucketObjectLock of a missing bucket", s.PutBucketObjectLock(ctx, "missing", enabled), storage.ErrNoSuchBucket)
}

// A bucket without Object Lock refuses every write that names Object Lock settings, and
// every retention or legal hold change, whatever its versioning, and stores nothing.
func testNoObjectLock(t *testing.T, newBackend NewBackend) {
	locks := []storage.ObjectLock{{Retention: governanceUntil(untilNear)}, {LegalHold: true}, {Retention: complianceUntil(untilNear), LegalHold: true}}
	for _, versioning := range []string{"", storage.VersioningEnabled, storage.VersioningSuspended} {
		t.Run("versioning "+versioning, func(t *testing.T) {
			s := withBucket(t, newBackend)
			if versioning != "" {
				if err := s.PutBucketVersioning(ctx, "bkt", versioning); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.CreateBucket(ctx, "locked", storage.CreateBucketOptions{ObjectLockEnabled: true}); err != nil {
				t.Fatal(err)
			}
			src := Put(t, s, "bkt", "src", []byte("source"))
			for _, lock := range locks {
				_, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("body"), storage.PutObjectOptions{Size: 4, Lock: lock})
				wantErr(t, fmt.Sprintf("PutObject with %+v", lock), err, storage.ErrNoObjectLock)
				_, err = s.CopyObject(ctx, "bkt", "src", "bkt", "k", storage.CopyObjectOptions{Lock: lock})
				wantErr(t, fmt.Sprintf("CopyObject with %+v", lock), err, storage.ErrNoObjectLock)
				_, err = s.CreateMultipartUpload(ctx, "bkt", "k", storage.CreateMultipartUploadOptions{Lock: lock})
				wantErr(t, fmt.Sprintf("CreateMultipartUpload with %+v", lock), err, storage.ErrNoObjectLock)
			}
			for _, r := range []storage.Retention{governanceUntil(untilNear), {}} {
				err := s.PutObjectRetention(ctx, "bkt", "src", storage.PutObjectRetentionOptions{Retention: r, VersionID: src.VersionID})
				wantErr(t, fmt.Sprintf("PutObjectRetention(%+v)", r), err, storage.ErrNoObjectLock)
			}
			for _, on := range []bool{true, false} {
				err := s.PutObjectLegalHold(ctx, "bkt", "src", storage.PutObjectLegalHoldOptions{On: on})
				wantErr(t, fmt.Sprintf("PutObjectLegalHold(%v)", on), err, storage.ErrNoObjectLock)
			}
			if keys, _ := listAll(t, s, "bkt", storage.ListObjectsOptions{MaxKeys: storage.MaxListKeys}); !reflect.DeepEqual(keys, []string{"src"}) {
				t.Errorf("the bucket holds %q, want only src", keys)
			}
			if ups, err := s.ListMultipartUploads(ctx, "bkt", storage.ListUploadsOptions{MaxUploads: storage.MaxListKeys}); err != nil || len(ups.Uploads) != 0 {
				t.Errorf("uploads %+v, %v; want none", ups.Uploads, err)
			}
			expectLock(t, s, "src", "", storage.Retention{}, false)
			// A write without settings is no Object Lock write.
			info, err := s.CopyObject(ctx, "bkt", "src", "bkt", "k", storage.CopyObjectOptions{})
			if err != nil || !info.Retention.IsZero() || info.LegalHold {
				t.Errorf("CopyObject without settings = %+v, %v", info, err)
			}
		})
	}
}

// The retention and legal hold a write names are its version's, as its answer, HeadObject,
// GetObject and ListObjectVersions report them; a write naming none has none in a bucket
// without a default retention; a later version does not inherit them.
func testLockVisible(t *testing.T, newBackend NewBackend) {
	tests := []struct {
		name string
		lock storage.ObjectLock
	}{
		{"none", storage.ObjectLock{}},
		{"governance", storage.ObjectLock{Retention: governanceUntil(untilNear)}},
		{"compliance", storage.ObjectLock{Retention: complianceUntil(untilFar)}},
		{"legal hold", storage.ObjectLock{LegalHold: true}},
		{"governance and legal hold", storage.ObjectLock{Retention: governanceUntil(untilFar), LegalHold: true}},
		{"a date in another zone", storage.ObjectLock{Retention: governanceUntil(untilNear.In(time.FixedZone("UTC-5", -5*3600)))}},
	}
	s := withLockBucket(t, newBackend, nil)
	var written []storage.ObjectInfo
	for _, tt := range tests {
		info := putLocked(t, s, "k", tt.name, tt.lock)
		if !sameRetention(info.Retention, tt.lock.Retention) || info.LegalHold != tt.lock.LegalHold {
			t.Errorf("%s: PutObject answered retention %+v, legal hold %v", tt.name, info.Retention, info.LegalHold)
		}
		written = append(written, info)
	}
	for i, tt := range tests {
		expectLock(t, s, "k", written[i].VersionID, tt.lock.Retention, tt.lock.LegalHold)
	}
	expectLock(t, s, "k", "", tests[len(tests)-1].lock.Retention, false)
}

// The bucket's default retention, as it is when the write commits, gives a version written
// without a retention one that ends the default period after the write; a write that names a
// retention keeps its own; a legal hold alone does not displace the default. Versions written
// before the default was set or changed keep what they had.
func testDefaultRetention(t *testing.T, newBackend NewBackend) {
	const day = 24 * time.Hour
	tests := []struct {
		name   string
		def    *storage.DefaultRetention
		lock   storage.ObjectLock
		mode   storage.RetentionMode // of the retention from the default; "" when the write's own is kept
		period time.Duration
	}{
		{"days", &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 2}, storage.ObjectLock{}, storage.RetentionGovernance, 2 * day},
		{"years", &storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 1}, storage.ObjectLock{}, storage.RetentionCompliance, 365 * day},
		{"legal hold alone", &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 1}, storage.ObjectLock{LegalHold: true}, storage.RetentionGovernance, day},
		{"a retention named", &storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 5}, storage.ObjectLock{Retention: governanceUntil(untilNear)}, "", 0},
		{"a retention and a legal hold named", &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 1}, storage.ObjectLock{Retention: complianceUntil(untilFar), LegalHold: true}, "", 0},
	}
	writers := []struct {
		name  string
		write func(t *testing.T, s storage.Backend, lock storage.ObjectLock) storage.ObjectInfo
	}{
		{"PutObject", func(t *testing.T, s storage.Backend, lock storage.ObjectLock) storage.ObjectInfo {
			return putLocked(t, s, "k", "body", lock)
		}},
		{"CopyObject", func(t *testing.T, s storage.Backend, lock storage.ObjectLock) storage.ObjectInfo {
			info, err := s.CopyObject(ctx, "bkt", "before", "bkt", "k", storage.CopyObjectOptions{Lock: lock})
			if err != nil {
				t.Fatal(err)
			}
			return info
		}},
		{"CompleteMultipartUpload", func(t *testing.T, s storage.Backend, lock storage.ObjectLock) storage.ObjectInfo {
			return completeLocked(t, s, "k", createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{Lock: lock}))
		}},
	}
	for _, tt := range tests {
		s := withLockBucket(t, newBackend, nil)
		before := putLocked(t, s, "before", "before", storage.ObjectLock{})
		for _, w := range writers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				if err := s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true, DefaultRetention: tt.def}); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				info := w.write(t, s, tt.lock)
				end := time.Now()
				want := tt.lock.Retention
				if tt.mode != "" {
					// LastModified has whole seconds; a backend may count the period from it.
					got := info.Retention
					lo, hi := start.Truncate(time.Second).Add(tt.period), end.Add(tt.period)
					if got.Mode != tt.mode || got.RetainUntil.Before(lo) || got.RetainUntil.After(hi) {
						t.Fatalf("retention %+v, want %s until between %v and %v", got, tt.mode, lo, hi)
					}
					want = got
				}
				expectLock(t, s, "k", info.VersionID, want, tt.lock.LegalHold)
				// Neither the default nor its removal changes a version already written.
				if err := s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true}); err != nil {
					t.Fatal(err)
				}
				expectLock(t, s, "k", info.VersionID, want, tt.lock.LegalHold)
				expectLock(t, s, "before", before.VersionID, storage.Retention{}, false)
				if next := putLocked(t, s, "k", "after", storage.ObjectLock{}); !next.Retention.IsZero() {
					t.Errorf("written after the default was removed: retention %+v", next.Retention)
				}
			})
		}
	}
}

// completeLocked uploads one part of "bkt"/key's upload id and completes it.
func completeLocked(t *testing.T, s storage.Backend, key, id string) storage.ObjectInfo {
	t.Helper()
	part := uploadPart(t, s, "bkt", key, id, 1, []byte("the only part"))
	info, err := s.CompleteMultipartUpload(ctx, "bkt", key, id, []storage.CompletedPart{{PartNumber: 1, ETag: part.ETag}}, storage.CompleteMultipartUploadOptions{})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	return info
}

// An upload keeps the Object Lock settings it was created with (ListParts,
// ListMultipartUploads) and gives them to its object when it completes; without settings, the
// object gets the bucket's default retention as it is at completion, even one set after the
// upload began, on a bucket that had no Object Lock then.
func testLockMultipart(t *testing.T, newBackend NewBackend) {
	t.Run("settings kept", func(t *testing.T) {
		s := withLockBucket(t, newBackend, &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 1})
		lock := storage.ObjectLock{Retention: complianceUntil(untilNear), LegalHold: true}
		id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{Lock: lock})
		listed, err := s.ListParts(ctx, "bkt", "k", id, storage.ListPartsOptions{MaxParts: 1})
		if err != nil || !sameRetention(listed.Upload.Lock.Retention, lock.Retention) || !listed.Upload.Lock.LegalHold {
			t.Errorf("ListParts: upload %+v, %v; want Lock %+v", listed.Upload, err, lock)
		}
		ups, err := s.ListMultipartUploads(ctx, "bkt", storage.ListUploadsOptions{MaxUploads: 10})
		if err != nil || len(ups.Uploads) != 1 || !sameRetention(ups.Uploads[0].Lock.Retention, lock.Retention) || !ups.Uploads[0].Lock.LegalHold {
			t.Errorf("ListMultipartUploads: %+v, %v; want Lock %+v", ups.Uploads, err, lock)
		}
		info := completeLocked(t, s, "k", id)
		expectLock(t, s, "k", info.VersionID, lock.Retention, true)
	})
	t.Run("default set after the upload began", func(t *testing.T) {
		s := withVersioning(t, newBackend)
		id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{})
		def := &storage.DefaultRetention{Mode: storage.RetentionCompliance, Days: 3}
		if err := s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		info := completeLocked(t, s, "k", id)
		if r := info.Retention; r.Mode != storage.RetentionCompliance || r.RetainUntil.Before(start.Truncate(time.Second).Add(72*time.Hour)) || r.RetainUntil.After(time.Now().Add(72*time.Hour)) {
			t.Fatalf("retention %+v, want 3 days of COMPLIANCE from the completion", r)
		}
		expectLock(t, s, "k", info.VersionID, info.Retention, false)
	})
	t.Run("default changed after the upload began", func(t *testing.T) {
		s := withLockBucket(t, newBackend, &storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 1})
		id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{})
		if err := s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 1}}); err != nil {
			t.Fatal(err)
		}
		info := completeLocked(t, s, "k", id)
		if r := info.Retention; r.Mode != storage.RetentionGovernance || r.RetainUntil.After(time.Now().Add(24*time.Hour)) {
			t.Fatalf("retention %+v, want the default at completion, 1 day of GOVERNANCE", r)
		}
	})
	t.Run("default removed after the upload began", func(t *testing.T) {
		s := withLockBucket(t, newBackend, &storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 1})
		id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{})
		if err := s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true}); err != nil {
			t.Fatal(err)
		}
		info := completeLocked(t, s, "k", id)
		expectLock(t, s, "k", info.VersionID, storage.Retention{}, false)
	})
}

// A copy has the Object Lock settings its CopyObject names, never its source's.
func testLockCopy(t *testing.T, newBackend NewBackend) {
	s := withLockBucket(t, newBackend, nil)
	if _, err := s.CreateBucket(ctx, "plain", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	src := putLocked(t, s, "src", "locked source", storage.ObjectLock{Retention: complianceUntil(untilFar), LegalHold: true})
	tests := []struct {
		name, bucket string
		opts         storage.CopyObjectOptions
	}{
		{"none named", "bkt", storage.CopyObjectOptions{}},
		{"the latest, none named", "bkt", storage.CopyObjectOptions{SourceVersionID: src.VersionID}},
		{"another retention", "bkt", storage.CopyObjectOptions{Lock: storage.ObjectLock{Retention: governanceUntil(untilNear)}}},
		{"a legal hold alone", "bkt", storage.CopyObjectOptions{Lock: storage.ObjectLock{LegalHold: true}}},
		{"into a bucket without Object Lock", "plain", storage.CopyObjectOptions{SourceVersionID: src.VersionID}},
	}
	for _, tt := range tests {
		info, err := s.CopyObject(ctx, "bkt", "src", tt.bucket, "dst", tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !sameRetention(info.Retention, tt.opts.Lock.Retention) || info.LegalHold != tt.opts.Lock.LegalHold {
			t.Errorf("%s: the copy's retention %+v, legal hold %v; want %+v", tt.name, info.Retention, info.LegalHold, tt.opts.Lock)
		}
		head, err := s.HeadObject(ctx, tt.bucket, "dst", storage.ReadOptions{VersionID: info.VersionID})
		if err != nil || !sameRetention(head.Retention, tt.opts.Lock.Retention) || head.LegalHold != tt.opts.Lock.LegalHold {
			t.Errorf("%s: HeadObject of the copy = %+v, %v", tt.name, head, err)
		}
	}
	expectLock(t, s, "src", src.VersionID, src.Retention, true)
}

// A DeleteObject naming a version under a retention or a legal hold fails with ErrObjectLocked
// and removes nothing, unless the retention is GOVERNANCE, no legal hold is on and the delete
// bypasses governance; a condition that matches does not unlock it; a DeleteObject naming no
// version adds a delete marker whatever the locks.
func testLockedDelete(t *testing.T, newBackend NewBackend) {
	tests := []struct {
		name   string
		lock   storage.ObjectLock
		bypass bool
		locked bool
	}{
		{"none", storage.ObjectLock{}, false, false},
		{"none, bypass", storage.ObjectLock{}, true, false},
		{"governance", storage.ObjectLock{Retention: governanceUntil(untilNear)}, false, true},
		{"governance, bypass", storage.ObjectLock{Retention: governanceUntil(untilNear)}, true, false},
		{"compliance", storage.ObjectLock{Retention: complianceUntil(untilNear)}, false, true},
		{"compliance, bypass", storage.ObjectLock{Retention: complianceUntil(untilNear)}, true, true},
		{"legal hold", storage.ObjectLock{LegalHold: true}, false, true},
		{"legal hold, bypass", storage.ObjectLock{LegalHold: true}, true, true},
		{"governance and legal hold, bypass", storage.ObjectLock{Retention: governanceUntil(untilNear), LegalHold: true}, true, true},
	}
	s := withLockBucket(t, newBackend, nil)
	for i, tt := range tests {
		for j, ifMatch := range []string{"", "*", MD5Hex([]byte("body"))} {
			key := fmt.Sprintf("%d/%d", i, j)
			t.Run(fmt.Sprintf("%s/if-match %q", tt.name, ifMatch), func(t *testing.T) {
				v := putLocked(t, s, key, "body", tt.lock)
				other := putLocked(t, s, key, "other", storage.ObjectLock{})
				// A delete naming no version adds a marker over both.
				marker, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{BypassGovernance: tt.bypass})
				if err != nil || !marker.DeleteMarker {
					t.Fatalf("DeleteObject naming no version = %+v, %v; want a delete marker", marker, err)
				}
				// IfMatch, when set, matches the version named.
				res, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{VersionID: v.VersionID, BypassGovernance: tt.bypass, IfMatch: ifMatch})
				if tt.locked {
					if !errors.Is(err, storage.ErrObjectLocked) {
						t.Fatalf("DeleteObject of the locked version = %+v, %v; want ErrObjectLocked", res, err)
					}
					expectLock(t, s, key, v.VersionID, tt.lock.Retention, tt.lock.LegalHold)
				} else {
					if err != nil || res.VersionID != v.VersionID {
						t.Fatalf("DeleteObject of the version = %+v, %v", res, err)
					}
					if _, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{VersionID: v.VersionID}); !errors.Is(err, storage.ErrNoSuchVersion) {
						t.Errorf("HeadObject of the removed version = %v, want ErrNoSuchVersion", err)
					}
				}
				// The marker and the unlocked version go without a bypass.
				for _, id := range []string{marker.VersionID, other.VersionID} {
					if _, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{VersionID: id}); err != nil {
						t.Errorf("DeleteObject of version %q without a lock: %v", id, err)
					}
				}
				left, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{Prefix: key, MaxKeys: storage.MaxListKeys})
				if want := map[bool]int{true: 1, false: 0}[tt.locked]; err != nil || len(left.Versions) != want {
					t.Errorf("versions left %v, %v; want %d", listedOf(left.Versions), err, want)
				}
			})
		}
	}
}

// lockedPut writes key with lock as a step of a history.
func lockedPut(key, body string, lock storage.ObjectLock) step {
	return step{fmt.Sprintf("put %s %s with %+v", key, body, lock), func(t *testing.T, s storage.Backend, h *history) {
		info := putLocked(t, s, key, body, lock)
		h.wrote(t, key, body, MD5Hex([]byte(body)), info)
	}}
}

// lockedDelete deletes key's version i (newest 0) by its id, bypassing governance or not, and
// expects ErrObjectLocked when locked, a removal otherwise.
func lockedDelete(key string, i int, bypass, locked bool) step {
	return step{fmt.Sprintf("delete %s version %d, bypass %v, locked %v", key, i, bypass, locked), func(t *testing.T, s storage.Backend, h *history) {
		v := h.at(t, key, i)
		res, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{VersionID: v.id, BypassGovernance: bypass})
		if locked {
			if !errors.Is(err, storage.ErrObjectLocked) {
				t.Errorf("DeleteObject of version %q = %+v, %v; want ErrObjectLocked", v.id, res, err)
			}
			return
		}
		if err != nil || res.VersionID != v.id || res.DeleteMarker != v.marker {
			t.Errorf("DeleteObject of version %q = %+v, %v", v.id, res, err)
		}
		h.drop(key, v.id)
	}}
}

// legalHold puts or lifts the legal hold of key's version i as a step of a history.
func legalHold(key string, i int, on bool) step {
	return step{fmt.Sprintf("legal hold of %s version %d: %v", key, i, on), func(t *testing.T, s storage.Backend, h *history) {
		if err := s.PutObjectLegalHold(ctx, "bkt", key, storage.PutObjectLegalHoldOptions{On: on, VersionID: h.at(t, key, i).id}); err != nil {
			t.Fatal(err)
		}
	}}
}

// Sequences of writes, deletes naming no version and deletes of versions, as a DeleteObjects
// of many keys makes them, leave the versions the locks allow, the others untouched.
func testLockedDeleteSequences(t *testing.T, newBackend NewBackend) {
	gov := storage.ObjectLock{Retention: governanceUntil(untilNear)}
	comp := storage.ObjectLock{Retention: complianceUntil(untilNear)}
	hold := storage.ObjectLock{LegalHold: true}
	h := newHistory()
	h.versioning = storage.VersioningEnabled
	runSteps(t, withLockBucket(t, newBackend, nil), h, []step{
		lockedPut("a", "a1", gov), lockedPut("a", "a2", storage.ObjectLock{}), lockedPut("b", "b1", comp),
		lockedPut("c", "c1", hold), lockedPut("c", "c2", gov),
		deleteKey("a"), deleteKey("b"), deleteKey("c"), deleteKey("d"),
		// One request's entries, in order: each decided on its own.
		lockedDelete("a", 2, false, true), lockedDelete("a", 1, false, false), lockedDelete("b", 1, true, true),
		lockedDelete("c", 1, true, false), lockedDelete("c", 1, true, true), lockedDelete("d", 0, false, false),
		// The markers go, the locked versions stay.
		lockedDelete("a", 0, false, false), lockedDelete("b", 0, false, false), lockedDelete("c", 0, false, false),
		lockedDelete("a", 0, true, false), legalHold("c", 0, false), lockedDelete("c", 0, false, false),
		lockedDelete("b", 0, true, true),
	})
}

// PutObjectRetention changes a version's retention as RetentionChangeAllowed says and changes
// nothing else of it; a refused change leaves the retention as it was.
func testPutObjectRetention(t *testing.T, newBackend NewBackend) {
	none := storage.Retention{}
	tests := []struct {
		name      string
		old, next storage.Retention
		bypass    bool
		locked    bool
	}{
		{"none to governance", none, governanceUntil(untilNear), false, false},
		{"none to compliance", none, complianceUntil(untilNear), false, false},
		{"governance kept", governanceUntil(untilNear), governanceUntil(untilNear), false, false},
		{"governance extended", governanceUntil(untilNear), governanceUntil(untilFar), false, false},
		{"governance shortened", governanceUntil(untilFar), governanceUntil(untilNear), false, true},
		{"governance shortened with bypass", governanceUntil(untilFar), governanceUntil(untilNear), true, false},
		{"governance removed", governanceUntil(untilNear), none, false, true},
		{"governance removed with bypass", governanceUntil(untilNear), none, true, false},
		{"governance to compliance", governanceUntil(untilNear), complianceUntil(untilLater), false, true},
		{"governance to compliance with bypass", governanceUntil(untilNear), complianceUntil(untilLater), true, false},
		{"compliance kept", complianceUntil(untilNear), complianceUntil(untilNear), false, false},
		{"compliance extended", complianceUntil(untilNear), complianceUntil(untilLater), false, false},
		{"compliance shortened with bypass", complianceUntil(untilFar), complianceUntil(untilNear), true, true},
		{"compliance removed with bypass", complianceUntil(untilNear), none, true, true},
		{"compliance to governance with bypass", complianceUntil(untilNear), governanceUntil(untilLater), true, true},
	}
	s := withLockBucket(t, newBackend, nil)
	for i, tt := range tests {
		key := fmt.Sprintf("k%d", i)
		written := putLocked(t, s, key, tt.name, storage.ObjectLock{Retention: tt.old, LegalHold: i%2 == 0})
		Put(t, s, "bkt", key, []byte("a later version"))
		before, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{VersionID: written.VersionID})
		if err != nil {
			t.Fatal(err)
		}
		err = s.PutObjectRetention(ctx, "bkt", key, storage.PutObjectRetentionOptions{Retention: tt.next, BypassGovernance: tt.bypass, VersionID: written.VersionID})
		want := tt.next
		if tt.locked {
			want = tt.old
			wantErr(t, tt.name, err, storage.ErrObjectLocked)
		} else {
			wantErr(t, tt.name, err, nil)
		}
		expectLock(t, s, key, written.VersionID, want, i%2 == 0)
		expectLock(t, s, key, "", storage.Retention{}, false)
		after, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{VersionID: written.VersionID})
		if err != nil {
			t.Fatal(err)
		}
		after.Retention = before.Retention
		if !reflect.DeepEqual(after, before) {
			t.Errorf("%s: PutObjectRetention changed more than the retention: %+v, was %+v", tt.name, after, before)
		}
	}
}

// PutObjectLegalHold puts and lifts a version's legal hold, whatever its retention, and
// changes nothing else of it.
func testPutObjectLegalHold(t *testing.T, newBackend NewBackend) {
	s := withLockBucket(t, newBackend, nil)
	for _, r := range []storage.Retention{{}, governanceUntil(untilNear), complianceUntil(untilNear)} {
		key := "k" + string(r.Mode)
		putLocked(t, s, key, "body", storage.ObjectLock{Retention: r})
		before, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if before.LegalHoldSet {
			t.Errorf("a version written without a legal hold status has one: %+v", before)
		}
		for _, on := range []bool{false, true, true, false, false, true} {
			if err := s.PutObjectLegalHold(ctx, "bkt", key, storage.PutObjectLegalHoldOptions{On: on}); err != nil {
				t.Fatalf("PutObjectLegalHold(%v) over %+v: %v", on, r, err)
			}
			expectLock(t, s, key, "", r, on)
			if info, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{}); err != nil || !info.LegalHoldSet {
				t.Errorf("after PutObjectLegalHold(%v) the version has no legal hold status: %+v, %v", on, info, err)
			}
		}
		after, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		after.LegalHold, after.LegalHoldSet = false, false
		if !reflect.DeepEqual(after, before) {
			t.Errorf("PutObjectLegalHold changed more than the legal hold: %+v, was %+v", after, before)
		}
	}
}

// A write that names a legal hold OFF gives its version that status, which a write naming none
// does not; ON is a status too. Multipart uploads and copies keep what they name.
func testLegalHoldStatus(t *testing.T, newBackend NewBackend) {
	s := withLockBucket(t, newBackend, nil)
	for _, tc := range []struct {
		name      string
		lock      storage.ObjectLock
		hold, set bool
	}{
		{"none", storage.ObjectLock{}, false, false},
		{"OFF", storage.ObjectLock{LegalHoldSet: true}, false, true},
		{"ON", storage.ObjectLock{LegalHold: true, LegalHoldSet: true}, true, true},
		{"ON without the status flag", storage.ObjectLock{LegalHold: true}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			put := putLocked(t, s, "put"+tc.name, "body", tc.lock)
			cp, err := s.CopyObject(ctx, "bkt", "put"+tc.name, "bkt", "copy"+tc.name, storage.CopyObjectOptions{Lock: tc.lock})
			if err != nil {
				t.Fatal(err)
			}
			mp := completeLocked(t, s, "mp"+tc.name, createUpload(t, s, "bkt", "mp"+tc.name, storage.CreateMultipartUploadOptions{Lock: tc.lock}))
			for _, info := range []storage.ObjectInfo{put, cp, mp} {
				got, err := s.HeadObject(ctx, "bkt", info.Key, storage.ReadOptions{})
				if err != nil || got.LegalHold != tc.hold || got.LegalHoldSet != tc.set {
					t.Errorf("%s: legal hold %v, status set %v (%v); want %v, %v", info.Key, got.LegalHold, got.LegalHoldSet, err, tc.hold, tc.set)
				}
			}
		})
	}
}

// PutObjectRetention and PutObjectLegalHold change the version they name, the latest when they
// name none, and fail as PutObjectTags fails on a delete marker, a missing version or key, an
// id no backend issues, and a bucket other than the one they were authorized for.
func testLockVersionIDs(t *testing.T, newBackend NewBackend) {
	setters := []struct {
		name string
		set  func(s storage.Backend, key, id, bucketID string) error
		// r and hold are what a successful call leaves
		r    storage.Retention
		hold bool
	}{
		{"PutObjectRetention", func(s storage.Backend, key, id, bucketID string) error {
			return s.PutObjectRetention(ctx, "bkt", key, storage.PutObjectRetentionOptions{Retention: governanceUntil(untilNear), VersionID: id, BucketID: bucketID})
		}, governanceUntil(untilNear), false},
		{"PutObjectLegalHold", func(s storage.Backend, key, id, bucketID string) error {
			return s.PutObjectLegalHold(ctx, "bkt", key, storage.PutObjectLegalHoldOptions{On: true, VersionID: id, BucketID: bucketID})
		}, storage.Retention{}, true},
	}
	for _, st := range setters {
		t.Run(st.name, func(t *testing.T) {
			s := newBackend(t)
			bucket, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{ObjectLockEnabled: true})
			if err != nil {
				t.Fatal(err)
			}
			v1 := Put(t, s, "bkt", "k", []byte("v1"))
			v2 := Put(t, s, "bkt", "k", []byte("v2"))
			removed := Put(t, s, "bkt", "k", []byte("removed"))
			if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: removed.VersionID}); err != nil {
				t.Fatal(err)
			}
			Put(t, s, "bkt", "gone", []byte("gone"))
			marker, err := s.DeleteObject(ctx, "bkt", "gone", storage.DeleteObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			failures := []struct {
				name, key, id, bucketID string
				err                     error
			}{
				{"the latest, a delete marker", "gone", "", "", storage.ErrNoSuchKey},
				{"a delete marker named", "gone", marker.VersionID, "", storage.ErrDeleteMarker},
				{"a removed version", "k", removed.VersionID, "", storage.ErrNoSuchVersion},
				{"another key's version", "gone", v1.VersionID, "", storage.ErrNoSuchVersion},
				{"a missing key", "absent", "", "", storage.ErrNoSuchKey},
				{"an id never issued", "k", tooLongVersionID, "", storage.ErrInvalidVersionID},
				{"another bucket", "k", v1.VersionID, "another", storage.ErrNoSuchBucket},
			}
			for _, f := range failures {
				err := st.set(s, f.key, f.id, f.bucketID)
				wantErr(t, f.name, err, f.err)
				if f.err == storage.ErrDeleteMarker || f.name == "the latest, a delete marker" {
					wantDeleteMarker(t, f.name, err, "gone", marker.VersionID, f.id == "")
				}
			}
			if err := st.set(s, "k", v1.VersionID, bucket.ID); err != nil {
				t.Fatal(err)
			}
			expectLock(t, s, "k", v1.VersionID, st.r, st.hold)
			expectLock(t, s, "k", v2.VersionID, storage.Retention{}, false)
			if err := st.set(s, "k", "", ""); err != nil {
				t.Fatal(err)
			}
			expectLock(t, s, "k", v2.VersionID, st.r, st.hold)
		})
	}
	s := newBackend(t)
	if err := s.PutObjectRetention(ctx, "missing", "k", storage.PutObjectRetentionOptions{}); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("PutObjectRetention in a missing bucket = %v, want ErrNoSuchBucket", err)
	}
	if err := s.PutObjectLegalHold(ctx, "missing", "k", storage.PutObjectLegalHoldOptions{On: true}); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("PutObjectLegalHold in a missing bucket = %v, want ErrNoSuchBucket", err)
	}
}

// A bucket given Object Lock after versioning was enabled may hold a null version written
// before: it takes a retention and a legal hold like any version, which then protect it.
func testLockNullVersion(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	null := Put(t, s, "bkt", "k", []byte("null"))
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	Put(t, s, "bkt", "k", []byte("latest"))
	if err := s.PutObjectRetention(ctx, "bkt", "k", storage.PutObjectRetentionOptions{Retention: governanceUntil(untilNear), VersionID: storage.NullVersion}); err != nil {
		t.Fatal(err)
	}
	expectLock(t, s, "k", null.VersionID, governanceUntil(untilNear), false)
	_, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: storage.NullVersion})
	wantErr(t, "DeleteObject of the null version", err, storage.ErrObjectLocked)
	if err := s.PutObjectLegalHold(ctx, "bkt", "k", storage.PutObjectLegalHoldOptions{On: true, VersionID: storage.NullVersion}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: storage.NullVersion, BypassGovernance: true})
	wantErr(t, "DeleteObject of the null version under a legal hold, bypass", err, storage.ErrObjectLocked)
	expectLock(t, s, "k", storage.NullVersion, governanceUntil(untilNear), true)
}

// expiryAhead is how far ahead the retentions of testLockExpiry end: long enough for the
// checks made before their date to finish first on a loaded machine, short enough to keep the
// wait of the suite near a second. expiryMargin is how long after that date the checks after
// it start, for clocks that differ by a little.
const (
	expiryAhead  = 900 * time.Millisecond
	expiryMargin = 50 * time.Millisecond
)

// A retention protects its version until its date and no longer: before it, a delete and a
// shortening fail; after it, both succeed, and the retention may be replaced by anything; a
// legal hold protects its version past the date of its retention.
func testLockExpiry(t *testing.T, newBackend NewBackend) {
	s := withLockBucket(t, newBackend, nil)
	until := time.Now().Add(expiryAhead).Truncate(time.Millisecond)
	keys := []struct {
		key  string
		lock storage.ObjectLock
	}{
		{"compliance-deleted", storage.ObjectLock{Retention: complianceUntil(until)}},
		{"compliance-changed", storage.ObjectLock{Retention: complianceUntil(until)}},
		{"governance-removed", storage.ObjectLock{Retention: governanceUntil(until)}},
		{"held", storage.ObjectLock{Retention: complianceUntil(until), LegalHold: true}},
	}
	ids := map[string]string{}
	for _, k := range keys {
		ids[k.key] = putLocked(t, s, k.key, k.key, k.lock).VersionID
	}
	del := func(key string, bypass bool) error {
		_, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{VersionID: ids[key], BypassGovernance: bypass})
		return err
	}
	before := []struct {
		name string
		do   func() error
	}{
		{"delete", func() error { return del("compliance-deleted", true) }},
		{"shorten", func() error {
			return s.PutObjectRetention(ctx, "bkt", "compliance-changed", storage.PutObjectRetentionOptions{Retention: complianceUntil(until.Add(-time.Millisecond)), BypassGovernance: true})
		}},
		{"remove", func() error {
			return s.PutObjectRetention(ctx, "bkt", "governance-removed", storage.PutObjectRetentionOptions{})
		}},
		{"delete under a legal hold", func() error { return del("held", true) }},
	}
	for _, b := range before {
		err := b.do()
		if time.Now().Before(until) {
			wantErr(t, b.name+" before the date", err, storage.ErrObjectLocked)
		} else if err == nil {
			t.Skipf("the machine is too slow: %s ran after the retention's date", b.name)
		}
	}
	time.Sleep(time.Until(until.Add(expiryMargin)))
	wantErr(t, "delete after the date", del("compliance-deleted", false), nil)
	// Replaced in GOVERNANCE, without the bypass: a change an active COMPLIANCE retention
	// forbids whatever the new date. The new date is ahead: S3 refuses a retain-until date
	// in the past (the protocol layer's errPastRetainDate), so no backend over another S3
	// store can be given one.
	wantErr(t, "a retention after the date, replaced in another mode", s.PutObjectRetention(ctx, "bkt", "compliance-changed",
		storage.PutObjectRetentionOptions{Retention: governanceUntil(until.Add(time.Hour))}), nil)
	expectLock(t, s, "compliance-changed", "", governanceUntil(until.Add(time.Hour)), false)
	wantErr(t, "a retention after the date, removed", s.PutObjectRetention(ctx, "bkt", "governance-removed", storage.PutObjectRetentionOptions{}), nil)
	expectLock(t, s, "governance-removed", "", storage.Retention{}, false)
	wantErr(t, "delete under a legal hold after the date", del("held", true), storage.ErrObjectLocked)
	if err := s.PutObjectLegalHold(ctx, "bkt", "held", storage.PutObjectLegalHoldOptions{On: false}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "delete after the legal hold is lifted", del("held", false), nil)
	res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil || len(res.Versions) != 2 {
		t.Errorf("versions left %v, %v; want compliance-changed and governance-removed", listedOf(res.Versions), err)
	}
}

// lockRacers is how many goroutines of each kind testLockConcurrent runs, and lockRounds how
// many calls each makes: enough for the transactions to overlap, few enough for a slow
// backend.
const (
	lockRacers = 4
	lockRounds = 8
)

// lockRaces is how many versions testLockRacingDelete races a delete and a lock on: enough for
// some of the races to interleave, few enough for a slow backend.
const lockRaces = 24

// A delete of a version without a lock racing with a change that locks it is decided by
// whichever commits first: never both succeed, since a version removed cannot be locked and a
// version locked cannot be removed; and the version is left as the one that succeeded says.
func testLockRacingDelete(t *testing.T, newBackend NewBackend) {
	locks := []struct {
		name string
		lock func(s storage.Backend, id string) error
	}{
		{"legal hold", func(s storage.Backend, id string) error {
			return s.PutObjectLegalHold(ctx, "bkt", "k", storage.PutObjectLegalHoldOptions{On: true, VersionID: id})
		}},
		{"retention", func(s storage.Backend, id string) error {
			return s.PutObjectRetention(ctx, "bkt", "k", storage.PutObjectRetentionOptions{Retention: complianceUntil(untilNear), VersionID: id})
		}},
	}
	s := withLockBucket(t, newBackend, nil)
	for _, l := range locks {
		for i := range lockRaces {
			v := putLocked(t, s, "k", "unlocked", storage.ObjectLock{})
			var lockErr, delErr error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				lockErr = l.lock(s, v.VersionID)
			}()
			go func() {
				defer wg.Done()
				_, delErr = s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: v.VersionID, BypassGovernance: true})
			}()
			wg.Wait()
			_, headErr := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: v.VersionID})
			switch {
			case lockErr == nil && delErr == nil:
				t.Fatalf("%s, race %d: both the lock and the delete of the version succeeded", l.name, i)
			case delErr == nil:
				wantErr(t, fmt.Sprintf("%s, race %d: the lock after the delete", l.name, i), lockErr, storage.ErrNoSuchVersion)
				wantErr(t, fmt.Sprintf("%s, race %d: HeadObject after the delete", l.name, i), headErr, storage.ErrNoSuchVersion)
			default:
				wantErr(t, fmt.Sprintf("%s, race %d: the delete after the lock", l.name, i), delErr, storage.ErrObjectLocked)
				wantErr(t, fmt.Sprintf("%s, race %d: HeadObject after the lock", l.name, i), headErr, nil)
			}
		}
	}
}

// Deletes of a locked version racing with attempts to shorten or remove its retention (refused)
// and with extensions of it (allowed) never remove it: every delete fails, and the version is
// left with the latest extension.
func testLockConcurrent(t *testing.T, newBackend NewBackend) {
	for _, mode := range []storage.RetentionMode{storage.RetentionGovernance, storage.RetentionCompliance} {
		t.Run(string(mode), func(t *testing.T) {
			s := withLockBucket(t, newBackend, nil)
			start := storage.Retention{Mode: mode, RetainUntil: untilNear}
			v := putLocked(t, s, "k", "locked", storage.ObjectLock{Retention: start})
			// A governance retention is shortened without the bypass, so that the change is
			// refused; a compliance one with it.
			bypass := mode == storage.RetentionCompliance
			var wg sync.WaitGroup
			var mu sync.Mutex
			latest := start.RetainUntil
			race := func(do func(r int) error, want error) {
				for range lockRacers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for r := range lockRounds {
							if err := do(r); !errors.Is(err, want) || (err == nil) != (want == nil) {
								t.Errorf("%v, want %v", err, want)
								return
							}
						}
					}()
				}
			}
			race(func(int) error {
				_, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: v.VersionID, BypassGovernance: bypass})
				return err
			}, storage.ErrObjectLocked)
			race(func(r int) error {
				shorter := storage.Retention{Mode: mode, RetainUntil: untilNear.Add(-time.Duration(r+1) * time.Millisecond)}
				if r%2 == 1 {
					shorter = storage.Retention{}
				}
				return s.PutObjectRetention(ctx, "bkt", "k", storage.PutObjectRetentionOptions{Retention: shorter, VersionID: v.VersionID, BypassGovernance: bypass})
			}, storage.ErrObjectLocked)
			race(func(int) error {
				mu.Lock()
				defer mu.Unlock()
				latest = latest.Add(time.Millisecond)
				return s.PutObjectRetention(ctx, "bkt", "k", storage.PutObjectRetentionOptions{Retention: storage.Retention{Mode: mode, RetainUntil: latest}, VersionID: v.VersionID})
			}, nil)
			wg.Wait()
			expectLock(t, s, "k", v.VersionID, storage.Retention{Mode: mode, RetainUntil: latest}, false)
		})
	}
}
