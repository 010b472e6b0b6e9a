package expiry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/expiry"
	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/internal/testclock"
	"github.com/doorman-s3/doorman/lifecycle"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/tagging"
)

var ctx = context.Background()

// day is the tests' lifecycle day (lifecycle.Clock.Day): an hour of the test clock, so that a
// rule of N days falls due exactly N hours after its time, without S3's midnight rounding.
const day = time.Hour

// maxTicks bounds the ticks a test waits for a pass to end: far more than any test's pass
// takes, so that a worker that never ends its pass fails the test instead of hanging it.
const maxTicks = 1000

// counts is a real expiry.Metrics that counts what it is told.
type counts struct {
	mu      sync.Mutex
	actions map[string]int
	skipped map[string]int
	errors  int
	passes  int
}

func newCounts() *counts { return &counts{actions: map[string]int{}, skipped: map[string]int{}} }

func (c *counts) Action(kind string) { c.mu.Lock(); c.actions[kind]++; c.mu.Unlock() }
func (c *counts) Skipped(r string)   { c.mu.Lock(); c.skipped[r]++; c.mu.Unlock() }
func (c *counts) Error()             { c.mu.Lock(); c.errors++; c.mu.Unlock() }
func (c *counts) Pass(time.Duration) { c.mu.Lock(); c.passes++; c.mu.Unlock() }

// env is a store in a temporary directory, a clock and a worker's settings.
type env struct {
	dir     string
	store   *disk.Store
	clock   *testclock.Clock
	metrics *counts
	day     time.Duration // the lifecycle day; the constant day unless a test sets another
	// maxListed is the workers' bound on the entries a tick lists; none of the test's when 0.
	maxListed int
	// maxBuckets is the workers' bound on the buckets a tick goes into; none of the test's
	// when 0.
	maxBuckets int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{dir: t.TempDir(), clock: testclock.New(time.Now()), metrics: newCounts(), day: day}
	e.open(t)
	return e
}

// open opens the store in e.dir, closed when the test ends.
func (e *env) open(t *testing.T) {
	t.Helper()
	s, err := disk.Open(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	e.store = s
	t.Cleanup(func() { s.Close() })
}

// worker is a worker and the bounds it was given.
type worker struct {
	*expiry.Worker
	maxActions, maxListed, maxBuckets int
}

// worker is a new worker on b (e.store when nil) with the per-tick bound of maxActions (none
// of the test's when 0).
func (e *env) worker(b storage.Backend, maxActions int) *worker {
	if b == nil {
		b = e.store
	}
	return &worker{expiry.New(expiry.Config{Backend: b, Clock: lifecycle.Clock{Day: e.day}, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: e.metrics, MaxActions: maxActions, MaxListed: e.maxListed, MaxBuckets: e.maxBuckets}),
		maxActions, e.maxListed, e.maxBuckets}
}

// pass ticks w until its pass ends, checking that no tick goes past w's bounds, and returns
// how many ticks that took.
func pass(t *testing.T, w *worker) int {
	t.Helper()
	for i := 1; i <= maxTicks; i++ {
		st, err := w.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if w.maxActions > 0 && st.Actions > w.maxActions || w.maxListed > 0 && st.Listed > w.maxListed ||
			w.maxBuckets > 0 && st.Buckets > w.maxBuckets {
			t.Fatalf("tick %d: %+v, past the bounds of %d actions, %d listed and %d buckets", i, st, w.maxActions, w.maxListed, w.maxBuckets)
		}
		if st.PassDone {
			return i
		}
	}
	t.Fatalf("no pass ended in %d ticks", maxTicks)
	return 0
}

// bucket creates a bucket in the versioning state given ("" for never set), with rules (a
// LifecycleConfiguration's Rule elements) as its lifecycle configuration.
func (e *env) bucket(t *testing.T, name, versioning string, lock bool, rules string) storage.BucketInfo {
	t.Helper()
	b, err := e.store.CreateBucket(ctx, name, storage.CreateBucketOptions{ObjectLockEnabled: lock})
	if err != nil {
		t.Fatal(err)
	}
	if versioning != "" && !lock {
		if err := e.store.PutBucketVersioning(ctx, name, versioning); err != nil {
			t.Fatal(err)
		}
	}
	e.configure(t, name, rules)
	return b
}

// configure stores rules as the bucket's lifecycle configuration, checked by lifecycle.Parse
// as s3api checks what it stores.
func (e *env) configure(t *testing.T, bucket, rules string) {
	t.Helper()
	doc := []byte("<LifecycleConfiguration>" + rules + "</LifecycleConfiguration>")
	if _, err := lifecycle.Parse(doc); err != nil {
		t.Fatalf("configuration %s: %v", doc, err)
	}
	if err := e.store.PutBucketConfig(ctx, bucket, lifecycle.ConfigKind, doc); err != nil {
		t.Fatal(err)
	}
}

func (e *env) put(t *testing.T, bucket, key, body string, opts storage.PutObjectOptions) storage.ObjectInfo {
	t.Helper()
	opts.Size = int64(len(body))
	info, err := e.store.PutObject(ctx, bucket, key, strings.NewReader(body), opts)
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return info
}

// versions lists bucket's versions as "key:body-or-marker", newest first per key.
func (e *env) versions(t *testing.T, bucket string) []string {
	t.Helper()
	var out []string
	opts := storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys}
	for {
		page, err := e.store.ListObjectVersions(ctx, bucket, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			if v.DeleteMarker {
				out = append(out, v.Key+":marker")
				continue
			}
			r, _, err := e.store.GetObject(ctx, bucket, v.Key, storage.ReadOptions{VersionID: v.VersionID})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			r.Close()
			out = append(out, v.Key+":"+string(b))
		}
		if !page.IsTruncated {
			return out
		}
		opts.KeyMarker, opts.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
}

func rule(id, filter, actions string) string {
	return "<Rule><ID>" + id + "</ID><Filter>" + filter + "</Filter><Status>Enabled</Status>" + actions + "</Rule>"
}

func prefix(p string) string { return "<Prefix>" + p + "</Prefix>" }

func expireDays(n int) string { return fmt.Sprintf("<Expiration><Days>%d</Days></Expiration>", n) }

func noncurrentDays(n, newer int) string {
	keep := ""
	if newer > 0 {
		keep = fmt.Sprintf("<NewerNoncurrentVersions>%d</NewerNoncurrentVersions>", newer)
	}
	return fmt.Sprintf("<NoncurrentVersionExpiration><NoncurrentDays>%d</NoncurrentDays>%s</NoncurrentVersionExpiration>", n, keep)
}

func check(t *testing.T, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// Expiration's Days expire the current versions of the keys its filter selects, once due and
// not before: a bucket whose versioning was never set loses the object, an Enabled one keeps
// it behind a delete marker, a Suspended one replaces its null version with a null marker
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-and-other-bucket-config.html).
func TestCurrentExpiration(t *testing.T) {
	for _, tc := range []struct {
		versioning string
		want       []string
		// again is what a pass more leaves: a delete marker left alone is removed as well
		// once as old as the rule's Days (lifecycle-configuration-examples.html).
		again []string
	}{
		{"", []string{"keep/b:b"}, []string{"keep/b:b"}},
		{storage.VersioningEnabled, []string{"keep/b:b", "tmp/a:marker", "tmp/a:a"}, []string{"keep/b:b", "tmp/a:marker", "tmp/a:a"}},
		{storage.VersioningSuspended, []string{"keep/b:b", "tmp/a:marker"}, []string{"keep/b:b"}},
	} {
		t.Run(fmt.Sprintf("%q", tc.versioning), func(t *testing.T) {
			e := newEnv(t)
			e.bucket(t, "bkt", tc.versioning, false, rule("tmp", prefix("tmp/"), expireDays(2)))
			e.put(t, "bkt", "tmp/a", "a", storage.PutObjectOptions{})
			e.put(t, "bkt", "keep/b", "b", storage.PutObjectOptions{})
			w := e.worker(nil, 0)
			e.clock.Advance(2*day - time.Minute)
			pass(t, w)
			check(t, "before the rule falls due", e.versions(t, "bkt"), []string{"keep/b:b", "tmp/a:a"})
			e.clock.Advance(2 * time.Minute)
			pass(t, w)
			check(t, "after", e.versions(t, "bkt"), tc.want)
			check(t, "actions", e.metrics.actions, map[string]int{expiry.KindExpireCurrent: 1})
			pass(t, w)
			check(t, "a pass more", e.versions(t, "bkt"), tc.again)
			check(t, "errors and skips", []any{e.metrics.errors, e.metrics.skipped}, []any{0, map[string]int{}})
		})
	}
}

// NoncurrentVersionExpiration removes noncurrent versions NoncurrentDays after they became
// noncurrent, keeping the NewerNoncurrentVersions newest
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html).
func TestNoncurrentExpiration(t *testing.T) {
	for _, tc := range []struct {
		name  string
		newer int
		want  []string
	}{
		{"all", 0, []string{"k:v5"}},
		{"newest two kept", 2, []string{"k:v5", "k:v4", "k:v3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.bucket(t, "bkt", storage.VersioningEnabled, false, rule("nc", "", noncurrentDays(1, tc.newer)))
			for i := 1; i <= 5; i++ {
				e.put(t, "bkt", "k", fmt.Sprintf("v%d", i), storage.PutObjectOptions{})
			}
			w := e.worker(nil, 0)
			pass(t, w)
			check(t, "before due", len(e.versions(t, "bkt")), 5)
			e.clock.Advance(day + time.Minute)
			pass(t, w)
			check(t, "after", e.versions(t, "bkt"), tc.want)
			check(t, "deleted", e.metrics.actions[expiry.KindDeleteVersion], 5-len(tc.want))
		})
	}
}

// A version is noncurrent from the time of the version after it, not from its own: with a day
// of a second, a version written two seconds before the next is not due a second after its
// own time, only a day after the next's.
func TestNoncurrentSince(t *testing.T) {
	e := newEnv(t)
	e.day = time.Second
	e.bucket(t, "bkt", storage.VersioningEnabled, false, rule("nc", "", noncurrentDays(1, 0)))
	e.put(t, "bkt", "k", "old", storage.PutObjectOptions{})
	time.Sleep(2 * time.Second) // LastModified has whole seconds
	next := e.put(t, "bkt", "k", "new", storage.PutObjectOptions{})
	e.clock = testclock.New(next.LastModified.Add(e.day / 2))
	w := e.worker(nil, 0)
	pass(t, w)
	check(t, "half a day after the next version", e.versions(t, "bkt"), []string{"k:new", "k:old"})
	e.clock.Advance(e.day)
	pass(t, w)
	check(t, "a day after", e.versions(t, "bkt"), []string{"k:new"})
}

// A delete marker that is its key's only version is removed by ExpiredObjectDeleteMarker; one
// with versions behind it stays; once the noncurrent version goes, the next pass removes it
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html).
func TestExpiredDeleteMarkers(t *testing.T) {
	// A tick of one action at most resolves a marker whose fate waits for the next entry
	// too, one action at a time.
	for _, perTick := range []int{0, 1} {
		t.Run(fmt.Sprintf("perTick=%d", perTick), func(t *testing.T) { testExpiredDeleteMarkers(t, perTick) })
	}
}

func testExpiredDeleteMarkers(t *testing.T, perTick int) {
	e := newEnv(t)
	e.bucket(t, "bkt", storage.VersioningEnabled, false,
		rule("markers", "", "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"+noncurrentDays(1, 0)))
	for _, k := range []string{"alone", "behind", "kept"} {
		e.put(t, "bkt", k, k, storage.PutObjectOptions{})
		if _, err := e.store.DeleteObject(ctx, "bkt", k, storage.DeleteObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// "alone" loses its object at once (a version removed by id): its marker is alone.
	if _, err := e.store.DeleteObject(ctx, "bkt", "alone", storage.DeleteObjectOptions{VersionID: versionOf(t, e, "alone")}); err != nil {
		t.Fatal(err)
	}
	e.put(t, "bkt", "kept", "again", storage.PutObjectOptions{})
	w := e.worker(nil, perTick)
	e.clock.Advance(time.Minute) // past the markers' times, which the clock started before
	pass(t, w)
	check(t, "at once", e.versions(t, "bkt"), []string{"behind:marker", "behind:behind", "kept:again", "kept:marker", "kept:kept"})
	e.clock.Advance(day + time.Minute)
	pass(t, w)
	check(t, "noncurrent removed", e.versions(t, "bkt"), []string{"behind:marker", "kept:again"})
	pass(t, w)
	check(t, "then the marker left alone", e.versions(t, "bkt"), []string{"kept:again"})
	check(t, "deleted", e.metrics.actions[expiry.KindDeleteVersion], 5)
}

// versionOf is the id of key's one object version in bkt.
func versionOf(t *testing.T, e *env, key string) string {
	t.Helper()
	page, err := e.store.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{Prefix: key, MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range page.Versions {
		if !v.DeleteMarker {
			return v.VersionID
		}
	}
	t.Fatalf("%s has no object version", key)
	return ""
}

// AbortIncompleteMultipartUpload aborts the uploads its prefix selects DaysAfterInitiation
// after they were initiated
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortIncompleteMultipartUpload.html).
func TestAbortUploads(t *testing.T) {
	// A tick listing one upload at most goes on from the last one it listed.
	for _, maxListed := range []int{0, 1} {
		t.Run(fmt.Sprintf("maxListed=%d", maxListed), func(t *testing.T) { testAbortUploads(t, maxListed) })
	}
}

func testAbortUploads(t *testing.T, maxListed int) {
	e := newEnv(t)
	e.maxListed = maxListed
	e.bucket(t, "bkt", "", false, rule("abort", prefix("tmp/"), "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"))
	for _, k := range []string{"tmp/a", "tmp/b", "keep/c"} {
		if _, err := e.store.CreateMultipartUpload(ctx, "bkt", k, storage.CreateMultipartUploadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	uploads := func() []string {
		res, err := e.store.ListMultipartUploads(ctx, "bkt", storage.ListUploadsOptions{MaxUploads: storage.MaxListKeys})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, u := range res.Uploads {
			keys = append(keys, u.Key)
		}
		return keys
	}
	w := e.worker(nil, 0)
	pass(t, w)
	check(t, "before due", uploads(), []string{"keep/c", "tmp/a", "tmp/b"})
	e.clock.Advance(day + time.Minute)
	pass(t, w)
	check(t, "after", uploads(), []string{"keep/c"})
	check(t, "aborted", e.metrics.actions[expiry.KindAbortUpload], 2)
}

// A rule acts on the objects its filter selects (prefix, tags, sizes, all of them with And)
// and a Disabled rule on none
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRuleFilter.html).
func TestFilters(t *testing.T) {
	tags := func(kv ...string) string {
		var s tagging.Set
		for i := 0; i < len(kv); i += 2 {
			s = append(s, tagging.Tag{Key: kv[i], Value: kv[i+1]})
		}
		return s.Encode()
	}
	objects := []struct {
		key, body, tags string
	}{
		{"logs/small", "x", tags("class", "temp")},
		{"logs/big", strings.Repeat("x", 100), tags("class", "temp", "owner", "a")},
		{"logs/untagged", strings.Repeat("x", 100), ""},
		{"data/big", strings.Repeat("x", 100), tags("class", "temp")},
	}
	for _, tc := range []struct {
		name, rules string
		left        []string // the keys left
	}{
		{"prefix", rule("r", prefix("logs/"), expireDays(1)), []string{"data/big"}},
		{"tag", rule("r", "<Tag><Key>class</Key><Value>temp</Value></Tag>", expireDays(1)), []string{"logs/untagged"}},
		{"size", rule("r", "<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan>", expireDays(1)), []string{"logs/small"}},
		{"and", rule("r", "<And><Prefix>logs/</Prefix><Tag><Key>class</Key><Value>temp</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And>", expireDays(1)),
			[]string{"data/big", "logs/small", "logs/untagged"}},
		{"disabled", strings.Replace(rule("r", "", expireDays(1)), "Enabled", "Disabled", 1),
			[]string{"data/big", "logs/big", "logs/small", "logs/untagged"}},
		{"disabled beside enabled", strings.Replace(rule("off", "", expireDays(1)), "Enabled", "Disabled", 1) + rule("on", prefix("data/"), expireDays(1)),
			[]string{"logs/big", "logs/small", "logs/untagged"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.bucket(t, "bkt", "", false, tc.rules)
			for _, o := range objects {
				e.put(t, "bkt", o.key, o.body, storage.PutObjectOptions{Tags: o.tags})
			}
			e.clock.Advance(day + time.Minute)
			pass(t, e.worker(nil, 0))
			var left []string
			for _, v := range e.versions(t, "bkt") {
				left = append(left, strings.SplitN(v, ":", 2)[0])
			}
			check(t, "keys left", left, tc.left)
		})
	}
}

// In a bucket with Object Lock, expiring a locked current version adds a delete marker and
// removes nothing, and the removal of a noncurrent version under a GOVERNANCE or COMPLIANCE
// retention or a legal hold is refused, counted, and never retried within the pass; the
// version stays, while an unlocked one beside it goes
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html).
func TestObjectLockRespected(t *testing.T) {
	e := newEnv(t)
	e.bucket(t, "bkt", "", true, rule("all", "", expireDays(1)+noncurrentDays(1, 0)))
	until := time.Now().AddDate(1, 0, 0)
	locks := map[string]storage.ObjectLock{
		"governance": {Retention: storage.Retention{Mode: storage.RetentionGovernance, RetainUntil: until}},
		"compliance": {Retention: storage.Retention{Mode: storage.RetentionCompliance, RetainUntil: until}},
		"hold":       {LegalHold: true},
		"free":       {},
	}
	for k, l := range locks {
		e.put(t, "bkt", k, k, storage.PutObjectOptions{Lock: l})
	}
	w := e.worker(nil, 0)
	e.clock.Advance(day + time.Minute)
	pass(t, w)
	check(t, "current versions expired", e.metrics.actions[expiry.KindExpireCurrent], 4)
	e.clock.Advance(day + time.Minute)
	pass(t, w)
	check(t, "versions left", e.versions(t, "bkt"), []string{"compliance:marker", "compliance:compliance", "free:marker",
		"governance:marker", "governance:governance", "hold:marker", "hold:hold"})
	check(t, "skipped", e.metrics.skipped, map[string]int{expiry.SkipLocked: 3})
	check(t, "deleted", e.metrics.actions[expiry.KindDeleteVersion], 1)
	pass(t, w)
	check(t, "skipped after a pass more", e.metrics.skipped, map[string]int{expiry.SkipLocked: 6})
	check(t, "errors", e.metrics.errors, 0)
}

// racer is the real store with a writer that, once per key it names, writes the key again
// right after a listing that showed it, before the worker deletes what it listed.
type racer struct {
	storage.Backend
	t       *testing.T
	mu      sync.Mutex
	rewrite map[string]bool // keys still to write again
}

func (r *racer) ListObjectVersions(ctx context.Context, bucket string, opts storage.ListVersionsOptions) (storage.ListVersionsResult, error) {
	res, err := r.Backend.ListObjectVersions(ctx, bucket, opts)
	for _, v := range res.Versions {
		r.mu.Lock()
		again := r.rewrite[v.Key]
		delete(r.rewrite, v.Key)
		r.mu.Unlock()
		if again {
			body := "rewritten " + v.Key
			if _, err := r.Backend.PutObject(ctx, bucket, v.Key, strings.NewReader(body), storage.PutObjectOptions{Size: int64(len(body))}); err != nil {
				r.t.Errorf("the racing write: %v", err)
			}
		}
	}
	return res, err
}

// An object written between the worker's listing and its delete is neither removed nor hidden
// behind a delete marker, in any versioning state; the next pass decides on it afresh.
func TestRacingWriteSurvives(t *testing.T) {
	for _, tc := range []struct {
		versioning string
		want       []string
	}{
		{"", []string{"a:rewritten a", "b:rewritten b"}},
		{storage.VersioningEnabled, []string{"a:rewritten a", "b:rewritten b"}},
		{storage.VersioningSuspended, []string{"a:rewritten a", "b:rewritten b"}},
	} {
		t.Run(fmt.Sprintf("%q", tc.versioning), func(t *testing.T) {
			e := newEnv(t)
			// Current versions expire, and noncurrent ones at once: the rewrite makes the
			// listed current version noncurrent in an Enabled bucket, where its removal is
			// still due.
			e.bucket(t, "bkt", tc.versioning, false, rule("all", "", expireDays(1)))
			e.put(t, "bkt", "a", "a", storage.PutObjectOptions{})
			e.put(t, "bkt", "b", "b", storage.PutObjectOptions{})
			if tc.versioning == storage.VersioningEnabled {
				tc.want = []string{"a:rewritten a", "a:a", "b:rewritten b", "b:b"}
			}
			e.clock.Advance(day + time.Minute)
			r := &racer{Backend: e.store, t: t, rewrite: map[string]bool{"a": true, "b": true}}
			pass(t, e.worker(r, 0))
			check(t, "versions", e.versions(t, "bkt"), tc.want)
			check(t, "skipped", e.metrics.skipped, map[string]int{expiry.SkipChanged: 2})
			check(t, "actions", e.metrics.actions, map[string]int{})
		})
	}
}

// A tick acts at most MaxActions times: a bucket with more due objects is finished over several
// ticks, each resuming where the last stopped, none acting on an object twice.
func TestTickBound(t *testing.T) {
	const objects, perTick = 10, 3
	e := newEnv(t)
	e.bucket(t, "bkt", "", false, rule("all", "", expireDays(1)))
	for i := range objects {
		e.put(t, "bkt", fmt.Sprintf("k%02d", i), "x", storage.PutObjectOptions{})
	}
	e.clock.Advance(day + time.Minute)
	w := e.worker(nil, perTick)
	var ticks []int
	for {
		st, err := w.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ticks = append(ticks, st.Actions)
		if st.PassDone || len(ticks) > maxTicks {
			break
		}
		if st.Actions > perTick {
			t.Fatalf("a tick acted %d times, bound %d", st.Actions, perTick)
		}
	}
	check(t, "actions per tick", ticks, []int{3, 3, 3, 1})
	check(t, "left", e.versions(t, "bkt"), []string(nil))
	check(t, "skipped and errors", []any{e.metrics.skipped, e.metrics.errors}, []any{map[string]int{}, 0})
}

// A tick lists at most MaxListed entries: a bucket where nothing is due but the last keys is
// gone through over several ticks, each resuming after the entries the last one listed.
func TestTickListingBound(t *testing.T) {
	e := newEnv(t)
	e.maxListed = 4
	e.bucket(t, "bkt", "", false, rule("late", prefix("z"), expireDays(1)))
	for i := range 10 {
		e.put(t, "bkt", fmt.Sprintf("k%02d", i), "x", storage.PutObjectOptions{})
	}
	e.put(t, "bkt", "z", "x", storage.PutObjectOptions{})
	e.clock.Advance(day + time.Minute)
	w := e.worker(nil, 0)
	var listed []int
	for len(listed) < maxTicks {
		st, err := w.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, st.Listed)
		if st.PassDone {
			break
		}
	}
	check(t, "listed per tick", listed, []int{4, 4, 3})
	check(t, "expired", e.metrics.actions[expiry.KindExpireCurrent], 1)
}

// A worker stopped mid-pass (the server restarted) and a new one on the reopened store finish
// the work between them, with no delete repeated or done that was not due: each key keeps its
// latest version and its newest noncurrent one.
func TestRestartMidPass(t *testing.T) {
	const keys = 6
	e := newEnv(t)
	e.bucket(t, "bkt", storage.VersioningEnabled, false, rule("nc", "", noncurrentDays(1, 1)))
	var want []string
	for i := range keys {
		k := fmt.Sprintf("k%d", i)
		for v := 1; v <= 4; v++ {
			e.put(t, "bkt", k, fmt.Sprintf("v%d", v), storage.PutObjectOptions{})
		}
		want = append(want, k+":v4", k+":v3")
	}
	e.clock.Advance(day + time.Minute)
	w := e.worker(nil, 5)
	for range 2 {
		if st, err := w.Tick(ctx); err != nil || st.PassDone {
			t.Fatalf("tick: %+v %v, want a pass under way", st, err)
		}
	}
	check(t, "deleted before the restart", e.metrics.actions[expiry.KindDeleteVersion], 10)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e.open(t)
	pass(t, e.worker(nil, 5))
	check(t, "versions", e.versions(t, "bkt"), want)
	check(t, "deleted in all", e.metrics.actions[expiry.KindDeleteVersion], keys*2)
	check(t, "skipped and errors", []any{e.metrics.skipped, e.metrics.errors}, []any{map[string]int{}, 0})
}

// A bucket whose configuration is removed mid-pass is left alone from the next tick on, and a
// bucket deleted mid-pass (and one created again under its name, without rules) is passed
// over without an error; the buckets after it are still done.
func TestBucketChangesMidPass(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, e *env)
		wantA  []string
	}{
		{"configuration removed", func(t *testing.T, e *env) {
			if err := e.store.DeleteBucketConfig(ctx, "first", lifecycle.ConfigKind); err != nil {
				t.Fatal(err)
			}
		}, []string{"k3:x", "k4:x", "k5:x"}},
		{"bucket deleted and created again", func(t *testing.T, e *env) {
			recreate(t, e, "first", "")
			e.put(t, "first", "k9", "x", storage.PutObjectOptions{})
		}, []string{"k9:x"}},
		{"bucket deleted and created again with rules", func(t *testing.T, e *env) {
			// The new bucket's keys sort before the cursor too: its pass starts over.
			recreate(t, e, "first", "")
			e.configure(t, "first", rule("all", "", expireDays(1)))
			for i := range 6 {
				e.put(t, "first", fmt.Sprintf("k%d", i), "x", storage.PutObjectOptions{})
			}
		}, []string(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			for _, b := range []string{"first", "second"} {
				e.bucket(t, b, "", false, rule("all", "", expireDays(1)))
				for i := range 6 {
					e.put(t, b, fmt.Sprintf("k%d", i), "x", storage.PutObjectOptions{})
				}
			}
			e.clock.Advance(day + time.Minute)
			w := e.worker(nil, 3)
			if st, err := w.Tick(ctx); err != nil || st.Actions != 3 {
				t.Fatalf("first tick: %+v %v", st, err)
			}
			tc.change(t, e)
			pass(t, w)
			check(t, "bucket first", e.versions(t, "first"), tc.wantA)
			check(t, "bucket second", e.versions(t, "second"), []string(nil))
			check(t, "skipped and errors", []any{e.metrics.skipped, e.metrics.errors}, []any{map[string]int{}, 0})
		})
	}
}

// recreate empties bucket, deletes it and creates it again under its name, in the versioning
// state given ("" for never set), without rules.
func recreate(t *testing.T, e *env, bucket, versioning string) {
	t.Helper()
	page, err := e.store.ListObjectVersions(ctx, bucket, storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range page.Versions {
		if _, err := e.store.DeleteObject(ctx, bucket, v.Key, storage.DeleteObjectOptions{VersionID: v.VersionID}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.DeleteBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateBucket(ctx, bucket, storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if versioning != "" {
		if err := e.store.PutBucketVersioning(ctx, bucket, versioning); err != nil {
			t.Fatal(err)
		}
	}
}

// recreator is the real store with a client that, right after the first listing, deletes the
// bucket listed, creates it again under its name (versioning Suspended) and writes there what
// write does, before the worker acts on the listing.
type recreator struct {
	storage.Backend
	t     *testing.T
	e     *env
	write func(t *testing.T, e *env)
	done  bool
}

func (r *recreator) ListObjectVersions(ctx context.Context, bucket string, opts storage.ListVersionsOptions) (storage.ListVersionsResult, error) {
	res, err := r.Backend.ListObjectVersions(ctx, bucket, opts)
	if !r.done {
		r.done = true
		recreate(r.t, r.e, bucket, storage.VersioningSuspended)
		r.write(r.t, r.e)
	}
	return res, err
}

// A bucket deleted and created again under its name between the listing and the delete is
// not the bucket the delete was decided for: a lone null delete marker written there again,
// with the same revision as the one listed (a marker's revision is its number in its bucket,
// which starts over), is not removed.
func TestBucketRecreatedBeforeDelete(t *testing.T) {
	e := newEnv(t)
	e.bucket(t, "bkt", storage.VersioningSuspended, false,
		rule("markers", "", "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"))
	lone := func(t *testing.T, e *env) {
		e.put(t, "bkt", "k", "x", storage.PutObjectOptions{})
		if _, err := e.store.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	lone(t, e)
	e.clock.Advance(time.Minute)
	pass(t, e.worker(&recreator{Backend: e.store, t: t, e: e, write: lone}, 0))
	check(t, "versions of the new bucket", e.versions(t, "bkt"), []string{"k:marker"})
	check(t, "skipped as changed", e.metrics.skipped[expiry.SkipChanged], 1)
}

// A key of more versions than a tick lists is gone through over many ticks, each listing at
// most its bound and resuming inside the key where the last stopped, with the key's newer
// versions counted across them: the latest and the NewerNoncurrentVersions newest noncurrent
// versions are kept, every older one removed once, none skipped.
func TestKeyOfManyVersions(t *testing.T) {
	const versions, keep, perTick = 40, 3, 4
	e := newEnv(t)
	e.maxListed = perTick
	e.bucket(t, "bkt", storage.VersioningEnabled, false, rule("nc", "", noncurrentDays(1, keep)))
	for i := 1; i <= versions; i++ {
		e.put(t, "bkt", "k", fmt.Sprintf("v%02d", i), storage.PutObjectOptions{})
	}
	e.clock.Advance(day + time.Minute)
	ticks := pass(t, e.worker(nil, 0))
	check(t, "versions", e.versions(t, "bkt"), []string{"k:v40", "k:v39", "k:v38", "k:v37"})
	check(t, "removed", e.metrics.actions[expiry.KindDeleteVersion], versions-1-keep)
	check(t, "skipped and errors", []any{e.metrics.skipped, e.metrics.errors}, []any{map[string]int{}, 0})
	if ticks < versions/perTick {
		t.Errorf("the pass took %d ticks of %d entries listed for %d versions", ticks, perTick, versions)
	}
}

// Run ticks at once and then every interval, and returns when its context is done.
func TestRun(t *testing.T) {
	e := newEnv(t)
	e.bucket(t, "bkt", "", false, rule("all", "", expireDays(1)))
	e.put(t, "bkt", "k", "x", storage.PutObjectOptions{})
	e.clock.Advance(day + time.Minute)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); e.worker(nil, 0).Run(runCtx, time.Millisecond) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := e.store.HeadObject(ctx, "bkt", "k", storage.ReadOptions{}); errors.Is(err, storage.ErrNoSuchKey) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the object was not expired in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	e.metrics.mu.Lock()
	defer e.metrics.mu.Unlock()
	if e.metrics.passes < 1 {
		t.Errorf("passes %d", e.metrics.passes)
	}
}

// A tick that stops inside a key leaves a cursor naming the null version; before the next
// tick a write while versioning is Suspended replaces that null version with a new one, the
// latest. The next tick resumes below the new null version, so the versions it lists first
// were listed before, and what the first tick counted of the key no longer holds: the
// version made noncurrent just now by the null write is not removed early, and no version
// is removed for newer noncurrent versions counted twice
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html).
func TestResumeAfterNullVersionReplaced(t *testing.T) {
	for _, tc := range []struct {
		name string
		// rule is the bucket's NoncurrentVersionExpiration; the test's day is a second.
		rule string
		// after is how long after the null write the pass resumes.
		after time.Duration
	}{
		// Every version is past its NoncurrentDays; A3 and A1 are the two kept.
		{"newer noncurrent versions kept", noncurrentDays(1, 2), 2 * time.Second},
		// A3 is noncurrent for half a day, and A1 (from A3's time) for as little.
		{"noncurrent from the null write", noncurrentDays(2, 0), time.Second / 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.day = time.Second
			e.maxListed = 2
			e.bucket(t, "bkt", storage.VersioningEnabled, false, rule("nc", "", tc.rule))
			e.put(t, "bkt", "k", "A1", storage.PutObjectOptions{})
			versioning(t, e, storage.VersioningSuspended)
			e.put(t, "bkt", "k", "null-old", storage.PutObjectOptions{})
			time.Sleep(3 * time.Second) // LastModified has whole seconds: A3 is 3 days younger
			versioning(t, e, storage.VersioningEnabled)
			a3 := e.put(t, "bkt", "k", "A3", storage.PutObjectOptions{})
			e.clock = testclock.New(a3.LastModified)
			w := e.worker(nil, 0)
			// Lists A3, the latest, and the null version: the cursor names "null".
			if st, err := w.Tick(ctx); err != nil || st.PassDone || st.Listed != 2 {
				t.Fatalf("first tick: %+v %v, want two entries listed and the pass under way", st, err)
			}
			versioning(t, e, storage.VersioningSuspended)
			nn := e.put(t, "bkt", "k", "null-new", storage.PutObjectOptions{})
			e.clock.Advance(nn.LastModified.Add(tc.after).Sub(e.clock.Now()))
			pass(t, w)
			check(t, "versions", e.versions(t, "bkt"), []string{"k:null-new", "k:A3", "k:A1"})
			check(t, "removed", e.metrics.actions[expiry.KindDeleteVersion], 0)
		})
	}
}

func versioning(t *testing.T, e *env, state string) {
	t.Helper()
	if err := e.store.PutBucketVersioning(ctx, "bkt", state); err != nil {
		t.Fatal(err)
	}
}

// remover is the real store with a client that, right after the first listing, removes the
// versions of "k" it names, before the worker acts on the listing.
type remover struct {
	storage.Backend
	t   *testing.T
	ids map[string]bool // the versions still to remove
}

func (r *remover) ListObjectVersions(ctx context.Context, bucket string, opts storage.ListVersionsOptions) (storage.ListVersionsResult, error) {
	res, err := r.Backend.ListObjectVersions(ctx, bucket, opts)
	for id := range r.ids {
		if _, err := r.Backend.DeleteObject(ctx, bucket, "k", storage.DeleteObjectOptions{VersionID: id}); err != nil {
			r.t.Errorf("the racing delete: %v", err)
		}
		delete(r.ids, id)
	}
	return res, err
}

// A noncurrent version is removed only while the facts its removal was decided on hold when
// the delete is done: a client deleting the latest version between the listing and the
// delete, which restores the version before it
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RestoringPreviousVersions.html), keeps
// it; a newer noncurrent version deleted meanwhile leaves one fewer to count, and the version
// it counted is kept by NewerNoncurrentVersions.
func TestNoncurrentChangedSinceListed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		newer   int      // the rule's NewerNoncurrentVersions
		removed []string // the versions the client removes after the listing
		want    []string
		skipped int
	}{
		{"latest deleted: the version before it restored", 0, []string{"v3"}, []string{"k:v2", "k:v1"}, 2},
		{"a newer noncurrent version deleted", 1, []string{"v2"}, []string{"k:v3", "k:v1"}, 1},
		{"nothing changed", 1, nil, []string{"k:v3", "k:v2"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.bucket(t, "bkt", storage.VersioningEnabled, false, rule("nc", "", noncurrentDays(1, tc.newer)))
			r := &remover{Backend: e.store, t: t, ids: map[string]bool{}}
			for _, body := range []string{"v1", "v2", "v3"} {
				v := e.put(t, "bkt", "k", body, storage.PutObjectOptions{})
				if slices.Contains(tc.removed, body) {
					r.ids[v.VersionID] = true
				}
			}
			e.clock.Advance(day + time.Minute)
			pass(t, e.worker(r, 0))
			check(t, "versions", e.versions(t, "bkt"), tc.want)
			check(t, "skipped as changed", e.metrics.skipped[expiry.SkipChanged], tc.skipped)
			check(t, "errors", e.metrics.errors, 0)
		})
	}
}

// configReads is the disk store counting, per bucket, the lifecycle configurations read.
type configReads struct {
	*disk.Store
	mu    sync.Mutex
	reads map[string]int
}

func (c *configReads) GetBucketConfig(ctx context.Context, bucket, kind string) ([]byte, error) {
	c.mu.Lock()
	c.reads[bucket]++
	c.mu.Unlock()
	return c.Store.GetBucketConfig(ctx, bucket, kind)
}

// take returns the reads counted since the last take.
func (c *configReads) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.reads
	c.reads = map[string]int{}
	return r
}

// A tick starts at its cursor's bucket: it reads the configurations of that bucket and of the
// ones after it it goes on to, never those of the buckets before, which the pass has done, nor
// that of a bucket it has no budget left to act in. It goes into at most MaxBuckets buckets,
// with rules or without.
func TestTickStartsAtCursor(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		maxActions, maxBuckets int
		want                   []map[string]int
	}{
		// Three actions a tick: bkt0's two and bkt1's first; bkt1's second and bkt2's two;
		// bkt3's two, and the bucket without rules.
		{"actions", 3, 0, []map[string]int{{"bkt0": 1, "bkt1": 1}, {"bkt1": 1, "bkt2": 1}, {"bkt3": 1, "none": 1}}},
		{"buckets", 0, 2, []map[string]int{{"bkt0": 1, "bkt1": 1}, {"bkt2": 1, "bkt3": 1}, {"none": 1}}},
		{"both", 3, 1, []map[string]int{{"bkt0": 1}, {"bkt1": 1}, {"bkt2": 1}, {"bkt3": 1}, {"none": 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			for _, b := range []string{"bkt0", "bkt1", "bkt2", "bkt3"} {
				e.bucket(t, b, "", false, rule("all", "", expireDays(1)))
				for i := range 2 {
					e.put(t, b, fmt.Sprintf("k%d", i), "x", storage.PutObjectOptions{})
				}
			}
			if _, err := e.store.CreateBucket(ctx, "none", storage.CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(day + time.Minute)
			reads := &configReads{Store: e.store, reads: map[string]int{}}
			e.maxBuckets = tc.maxBuckets
			w := e.worker(reads, tc.maxActions)
			var got []map[string]int
			for range maxTicks {
				st, err := w.Tick(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, reads.take())
				if st.PassDone {
					break
				}
			}
			check(t, "configurations read per tick", got, tc.want)
			check(t, "expired", e.metrics.actions[expiry.KindExpireCurrent], 8)
		})
	}
}

// logLines is a worker's log, as slog's JSON handler writes it at every level.
type logLines struct {
	s3test.SyncBuffer
	taken int // the length of the log already taken
}

// take returns the lines logged since the last take, each its level and message and, for the
// pass's line, its counts.
func (l *logLines) take(t *testing.T) []string {
	t.Helper()
	all := l.String()
	fresh := all[l.taken:]
	l.taken = len(all)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(fresh), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		s := fmt.Sprint(r["level"], " ", r["msg"])
		if r["msg"] == "lifecycle: pass done" {
			s += fmt.Sprint(" buckets=", r["buckets"], " listed=", r["listed"], " expire_current=", r[expiry.KindExpireCurrent],
				" delete_version=", r[expiry.KindDeleteVersion], " abort_upload=", r[expiry.KindAbortUpload],
				" locked=", r["skipped_"+expiry.SkipLocked], " changed=", r["skipped_"+expiry.SkipChanged], " errors=", r["errors"])
		}
		out = append(out, s)
	}
	return out
}

// The worker logs each action and each skip at Debug, and one line at Info for a pass that
// did anything, with its counts, whatever the ticks it took; a pass that did nothing is a
// Debug line, so that an idle server's log stays quiet.
func TestLogs(t *testing.T) {
	e := newEnv(t)
	e.bucket(t, "bkt", "", true, rule("all", "", expireDays(1)+noncurrentDays(1, 0)))
	e.put(t, "bkt", "a", "x", storage.PutObjectOptions{})
	e.put(t, "bkt", "b", "x", storage.PutObjectOptions{Lock: storage.ObjectLock{LegalHold: true}})
	e.put(t, "bkt", "b", "y", storage.PutObjectOptions{})
	lines := &logLines{}
	w := expiry.New(expiry.Config{Backend: e.store, Clock: lifecycle.Clock{Day: e.day}, Now: e.clock.Now, MaxActions: 1,
		Logger: slog.New(slog.NewJSONHandler(lines, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	for _, tc := range []struct {
		name    string
		advance time.Duration
		want    []string
	}{
		{"nothing due", 0, []string{"DEBUG lifecycle: pass done buckets=1 listed=3 expire_current=0 delete_version=0 abort_upload=0 locked=0 changed=0 errors=0"}},
		// a and b expire (a marker each) and b's first version, noncurrent two days, is
		// under a legal hold: one action a tick, three ticks, each listing from its cursor
		// to the end (3, 2 and 1 entries).
		{"acted", 2*day + time.Minute, []string{
			"DEBUG lifecycle: expire_current", "DEBUG lifecycle: expire_current", "DEBUG lifecycle: skipped, under Object Lock",
			"INFO lifecycle: pass done buckets=3 listed=6 expire_current=2 delete_version=0 abort_upload=0 locked=1 changed=0 errors=0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Advance(tc.advance)
			for range maxTicks {
				st, err := w.Tick(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if st.PassDone {
					break
				}
			}
			check(t, "log", lines.take(t), tc.want)
		})
	}
}

// retagger is the real store with a user who, right after a listing that showed a tagged
// version of a key it names, sets that version's tags, before the worker deletes it.
type retagger struct {
	storage.Backend
	t     *testing.T
	mu    sync.Mutex
	retag map[string]string // key: the tags to set
}

func (r *retagger) ListObjectVersions(ctx context.Context, bucket string, opts storage.ListVersionsOptions) (storage.ListVersionsResult, error) {
	res, err := r.Backend.ListObjectVersions(ctx, bucket, opts)
	for _, v := range res.Versions {
		r.mu.Lock()
		tags, ok := r.retag[v.Key]
		if ok && v.Tags != "" {
			delete(r.retag, v.Key)
		}
		r.mu.Unlock()
		if ok && v.Tags != "" {
			if err := r.Backend.PutObjectTags(ctx, bucket, v.Key, storage.PutObjectTagsOptions{Tags: tags, VersionID: v.VersionID}); err != nil {
				r.t.Errorf("the racing change of tags: %v", err)
			}
		}
	}
	return res, err
}

// A version whose tags are changed between the worker's listing and its delete, so that the
// rule's Tag filter no longer selects it, is kept: the change writes no data and keeps the
// Revision the delete is conditional on, but not the tags it is conditional on too. The next
// pass decides on the new tags.
func TestRetaggedSinceListed(t *testing.T) {
	temp := tagging.Set{{Key: "class", Value: "temp"}}.Encode()
	keep := tagging.Set{{Key: "class", Value: "keep"}}.Encode()
	filter := "<Tag><Key>class</Key><Value>temp</Value></Tag>"
	for _, tc := range []struct {
		name       string
		versioning string
		actions    string
		want       []string
	}{
		{"current", "", expireDays(1), []string{"a:a"}},
		{"current, versioned", storage.VersioningEnabled, expireDays(1), []string{"a:a"}},
		{"noncurrent", storage.VersioningEnabled, noncurrentDays(1, 0), []string{"a:new a", "a:a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.bucket(t, "bkt", tc.versioning, false, rule("r", filter, tc.actions))
			e.put(t, "bkt", "a", "a", storage.PutObjectOptions{Tags: temp})
			if tc.actions != expireDays(1) {
				e.put(t, "bkt", "a", "new a", storage.PutObjectOptions{})
			}
			e.clock.Advance(day + time.Minute)
			pass(t, e.worker(&retagger{Backend: e.store, t: t, retag: map[string]string{"a": keep}}, 0))
			check(t, "versions", e.versions(t, "bkt"), tc.want)
			check(t, "skipped", e.metrics.skipped, map[string]int{expiry.SkipChanged: 1})
			check(t, "actions", e.metrics.actions, map[string]int{})
			// The next pass decides on the tags the version has now: it keeps it.
			pass(t, e.worker(nil, 0))
			check(t, "versions after a pass more", e.versions(t, "bkt"), tc.want)
		})
	}
}

// A delete marker listed as its key's only version, and so expired, is kept when a version of
// the key is written between the listing and the delete: it is then no longer alone, and S3
// removes only "a delete marker with zero noncurrent versions"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html).
func TestLoneMarkerChangedSinceListed(t *testing.T) {
	for _, tc := range []struct {
		name       string
		versioning string
		expiration string
		want       []string
	}{
		{"ExpiredObjectDeleteMarker", storage.VersioningEnabled, "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
			[]string{"a:rewritten a", "a:marker"}},
		{"Days", storage.VersioningEnabled, expireDays(1), []string{"a:rewritten a", "a:marker"}},
		// The write replaces the null marker: another revision.
		{"suspended", storage.VersioningSuspended, expireDays(1), []string{"a:rewritten a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.bucket(t, "bkt", tc.versioning, false, rule("markers", "", tc.expiration))
			if _, err := e.store.DeleteObject(ctx, "bkt", "a", storage.DeleteObjectOptions{}); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(day + time.Minute)
			pass(t, e.worker(&racer{Backend: e.store, t: t, rewrite: map[string]bool{"a": true}}, 0))
			check(t, "versions", e.versions(t, "bkt"), tc.want)
			check(t, "skipped", e.metrics.skipped, map[string]int{expiry.SkipChanged: 1})
			check(t, "actions", e.metrics.actions, map[string]int{})
		})
	}
}
