package upstream_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// within is how long a change made through one node may take to reach another: two poll
// intervals, as the design promises, and a margin for a loaded machine's scheduling (the
// race detector on two shared cores).
const within = 2*testPollInterval + 400*time.Millisecond

// eventually polls cond until it holds, failing the test with what after d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// watched records the buckets a BucketWatcher reported.
type watched struct {
	mu    sync.Mutex
	names []string
}

func watch(b *upstream.Backend) *watched {
	w := &watched{}
	b.WatchBuckets(func(name string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.names = append(w.names, name)
	})
	return w
}

// take returns how many times name was reported, and forgets it.
func (w *watched) take(name string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	kept := w.names[:0]
	for _, s := range w.names {
		if s == name {
			n++
		} else {
			kept = append(kept, s)
		}
	}
	w.names = kept
	return n
}

const corsDoc = `<CORSConfiguration><CORSRule><AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`

func configOf(b *upstream.Backend, bucket, kind string) string {
	doc, err := b.GetBucketConfig(context.Background(), bucket, kind)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(doc)
}

func TestChangesReachTheOtherNode(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	a, b := newBackend(t, up, nil), newBackend(t, up, nil)
	w := watch(b)

	info, err := a.CreateBucket(ctx, "shared", storage.CreateBucketOptions{Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "B sees the bucket A created", func() bool {
		got, err := b.HeadBucket(ctx, "shared")
		return err == nil && got.ID == info.ID && got.Owner == "alice"
	})
	eventually(t, within, "B's watcher is told of the new bucket", func() bool { return w.take("shared") > 0 })

	if err := a.PutBucketConfig(ctx, "shared", "cors", []byte(corsDoc)); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "B reads the CORS configuration A put", func() bool { return configOf(b, "shared", "cors") == corsDoc })
	eventually(t, within, "B's watcher is told of the CORS configuration", func() bool { return w.take("shared") > 0 })

	if err := a.DeleteBucketConfig(ctx, "shared", "cors"); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "B no longer has the CORS configuration A deleted", func() bool {
		_, err := b.GetBucketConfig(ctx, "shared", "cors")
		return errors.Is(err, storage.ErrNoSuchConfig)
	})
	eventually(t, within, "B's watcher is told of the deletion", func() bool { return w.take("shared") > 0 })

	if err := a.DeleteBucket(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "B no longer has the bucket A deleted", func() bool {
		_, err := b.HeadBucket(ctx, "shared")
		return errors.Is(err, storage.ErrNoSuchBucket)
	})
	eventually(t, within, "B's watcher is told of the deleted bucket", func() bool { return w.take("shared") > 0 })
	list, _ := b.ListBuckets(ctx)
	if len(list) != 0 {
		t.Errorf("B lists %v after the delete", list)
	}
}

// metaKeys lists the meta bucket's keys straight from the upstream.
func metaKeys(t *testing.T, up *testUpstream) []string {
	t.Helper()
	out, err := up.S3(up.Service).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(upstream.DefaultMetaBucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	return keys
}

func TestBucketMadeAgainUpstreamInheritsNothing(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	adopt := func(c *upstream.Config) { c.AdoptOwner = "adopted-owner" }
	a, b := newBackend(t, up, adopt), newBackend(t, up, adopt)
	old, err := a.CreateBucket(ctx, "reborn", storage.CreateBucketOptions{Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.PutBucketConfig(ctx, "reborn", "cors", []byte(corsDoc)); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "B reads the CORS configuration", func() bool { return configOf(b, "reborn", "cors") == corsDoc })

	// Behind doorman's back: deleted and made again, in a later second (the upstream's
	// creation dates have whole seconds). A node tells a bucket made again from the old one
	// by having seen it missing in a poll (a bucket deleted and made again between two polls
	// is the window meta.go documents), so the test waits for both nodes to see it gone.
	cl := up.S3(up.Service)
	if _, err := cl.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("reborn")}); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]*upstream.Backend{"A": a, "B": b} {
		eventually(t, within, name+" sees the bucket gone", func() bool {
			_, err := n.HeadBucket(ctx, "reborn")
			return errors.Is(err, storage.ErrNoSuchBucket)
		})
	}
	time.Sleep(time.Until(old.CreationDate.Truncate(time.Second).Add(1100 * time.Millisecond)))
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("reborn")}); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]*upstream.Backend{"A": a, "B": b} {
		eventually(t, within+time.Second+upstream.AdoptAfter, name+" sees the new bucket, adopted, without the old CORS", func() bool {
			info, err := n.HeadBucket(ctx, "reborn")
			_, cerr := n.GetBucketConfig(ctx, "reborn", "cors")
			return err == nil && info.ID != old.ID && info.Owner == "adopted-owner" && errors.Is(cerr, storage.ErrNoSuchConfig)
		})
	}
	eventually(t, 20*testPollInterval, "the stale record and its configuration are deleted from the meta bucket", func() bool {
		for _, k := range metaKeys(t, up) {
			if strings.Contains(k, old.ID) {
				return false
			}
		}
		return true
	})
}

func TestUpstreamBucketIsAdoptedAlikeOnEveryNode(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	adopt := func(c *upstream.Config) { c.AdoptOwner = "adopted-owner" }
	if _, err := up.S3(up.Service).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("before")}); err != nil {
		t.Fatal(err)
	}
	a, b := newBackend(t, up, adopt), newBackend(t, up, adopt)
	ia, err := a.HeadBucket(ctx, "before")
	if err != nil {
		t.Fatal(err)
	}
	ib, err := b.HeadBucket(ctx, "before")
	if err != nil {
		t.Fatal(err)
	}
	if ia != ib || len(ia.ID) != 32 || ia.Owner != "adopted-owner" || ia.ACL != storage.DefaultACL {
		t.Errorf("adopted as %+v on A and %+v on B", ia, ib)
	}
	if _, err := a.GetBucketConfig(ctx, "before", "cors"); !errors.Is(err, storage.ErrNoSuchConfig) {
		t.Errorf("an adopted bucket's CORS: %v", err)
	}
	// A change through A keeps the ID the nodes agreed on.
	if err := a.PutBucketACL(ctx, "before", "public-read"); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "B sees the ACL on the same bucket", func() bool {
		got, err := b.HeadBucket(ctx, "before")
		return err == nil && got.ACL == "public-read" && got.ID == ia.ID
	})
}

// loads counts the complete loads a backend reports.
type loads struct{ ch chan time.Time }

func (l *loads) UpstreamRequest(string, string, int, time.Duration) {}
func (l *loads) EndpointHealth(string, bool)                        {}
func (l *loads) SnapshotLoaded(at time.Time) {
	select {
	case l.ch <- at:
	default:
	}
}

func TestPollNeverReplacesANewerWriteThrough(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	l := &loads{ch: make(chan time.Time, 1)}
	a := newBackend(t, up, func(c *upstream.Config) { c.Metrics = l })
	b := newBackend(t, up, nil)
	if _, err := b.CreateBucket(ctx, "race", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "A sees the bucket", func() bool { _, err := a.HeadBucket(ctx, "race"); return err == nil })

	// A's next poll reads B's first CORS document, and is held after reading it: its answer
	// reaches A only after A itself has put another.
	var once sync.Once
	read, release := make(chan struct{}), make(chan struct{})
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/"+upstream.DefaultMetaBucket+"/configs/race/") {
			return false
		}
		held := false
		once.Do(func() { held = true })
		if !held {
			return false
		}
		rec := httptest.NewRecorder()
		up.s3.ServeHTTP(rec, r)
		close(read)
		<-release
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return true
	})
	older := strings.Replace(corsDoc, "a.example", "older.example", 1)
	if err := b.PutBucketConfig(ctx, "race", "cors", []byte(older)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-read:
	case <-time.After(5 * time.Second):
		t.Fatal("A's poll never read the configuration")
	}
	if err := a.PutBucketConfig(ctx, "race", "cors", []byte(corsDoc)); err != nil {
		t.Fatal(err)
	}
	for len(l.ch) > 0 {
		<-l.ch
	}
	close(release)
	select {
	case <-l.ch:
	case <-time.After(5 * time.Second):
		t.Fatal("A's held poll never completed")
	}
	// The held poll has installed what it read; later polls read the newest document.
	for end := time.Now().Add(3 * testPollInterval); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if got := configOf(a, "race", "cors"); got != corsDoc {
			t.Fatalf("after a poll that began before A's put, A answers %s", got)
		}
	}
}

func TestNewWaitsForTheUpstream(t *testing.T) {
	up := newUpstream(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	type result struct {
		b   *upstream.Backend
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := upstream.New(context.Background(), upstream.Config{
			Endpoints: []string{"http://" + addr}, Service: up.Service,
			PollInterval: testPollInterval, HealthInterval: testHealthInterval,
		})
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("New returned before the upstream answered: %v", r.err)
	case <-time.After(500 * time.Millisecond):
	}
	if l, err = net.Listen("tcp", addr); err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	srv := &http.Server{Handler: up.s3}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		defer r.b.Close()
		if _, err := r.b.HeadBucket(context.Background(), upstream.DefaultMetaBucket); !errors.Is(err, storage.ErrNoSuchBucket) {
			t.Errorf("the meta bucket: %v", err)
		}
		if _, err := up.S3(up.Service).HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String(upstream.DefaultMetaBucket)}); err != nil {
			t.Errorf("New did not make the meta bucket: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("New did not return once the upstream answered")
	}

	// A context done before the upstream answers ends New with its error.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := upstream.New(ctx, upstream.Config{Endpoints: []string{deadURL(t)}, Service: up.Service, PollInterval: testPollInterval}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("New against a dead upstream: %v", err)
	}
}

func TestMetaBucketIsNeverNamed(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	if _, err := b.CreateBucket(ctx, "visible", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	list, err := b.ListBuckets(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "visible" {
		t.Fatalf("ListBuckets: %v, %v", list, err)
	}
	const mb = upstream.DefaultMetaBucket
	for name, call := range map[string]func() error{
		"HeadBucket":          func() error { _, err := b.HeadBucket(ctx, mb); return err },
		"DeleteBucket":        func() error { return b.DeleteBucket(ctx, mb) },
		"PutBucketACL":        func() error { return b.PutBucketACL(ctx, mb, "public-read") },
		"PutBucketVersioning": func() error { return b.PutBucketVersioning(ctx, mb, storage.VersioningEnabled) },
		"PutBucketObjectLock": func() error {
			return b.PutBucketObjectLock(ctx, mb, storage.ObjectLockConfig{Enabled: true})
		},
		"PutBucketConfig":    func() error { return b.PutBucketConfig(ctx, mb, "cors", []byte(corsDoc)) },
		"GetBucketConfig":    func() error { _, err := b.GetBucketConfig(ctx, mb, "cors"); return err },
		"DeleteBucketConfig": func() error { return b.DeleteBucketConfig(ctx, mb, "cors") },
		"ListObjects":        func() error { _, err := b.ListObjects(ctx, mb, storage.ListObjectsOptions{MaxKeys: 10}); return err },
	} {
		if err := call(); !errors.Is(err, storage.ErrNoSuchBucket) {
			t.Errorf("%s of the meta bucket: %v, want ErrNoSuchBucket", name, err)
		}
	}
	_, err = b.CreateBucket(ctx, mb, storage.CreateBucketOptions{})
	var se *storage.ServiceError
	if !errors.As(err, &se) || se.Status != http.StatusConflict || se.Code != "BucketAlreadyExists" ||
		!strings.HasPrefix(se.Message, "The requested bucket name is not available.") {
		t.Errorf("CreateBucket of the meta bucket: %v", err)
	}
	if _, err := up.S3(up.Service).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(mb)}); err != nil {
		t.Errorf("the meta bucket after the calls: %v", err)
	}
	if keys := metaKeys(t, up); len(keys) != 2 || !bytes.HasPrefix([]byte(keys[0]), []byte("buckets/visible/")) ||
		!bytes.HasPrefix([]byte(keys[1]), []byte("claims/visible/")) {
		t.Errorf("the meta bucket holds %v", keys)
	}
}

// An upstream bucket adopted reads the versioning the upstream answers for it (Enabled,
// Suspended, or none), read once, when the poller first finds it; the record written at the
// first change through doorman keeps it.
func TestAdoptedBucketVersioning(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	c := up.S3(up.Service)
	for name, status := range map[string]types.BucketVersioningStatus{"enabled": types.BucketVersioningStatusEnabled,
		"suspended": types.BucketVersioningStatusSuspended, "never": ""} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		if status != "" {
			if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name),
				VersioningConfiguration: &types.VersioningConfiguration{Status: status}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	b := newBackend(t, up, nil)
	want := map[string]string{"enabled": storage.VersioningEnabled, "suspended": storage.VersioningSuspended, "never": ""}
	for name, v := range want {
		if info, err := b.HeadBucket(ctx, name); err != nil || info.Versioning != v {
			t.Errorf("HeadBucket(%s) = %+v, %v; want versioning %q", name, info, err, v)
		}
	}
	// Read once: later polls ask no more.
	up.Reset()
	time.Sleep(3 * testPollInterval)
	for _, r := range up.Requests() {
		if r.Query().Has("versioning") {
			t.Errorf("versioning read again by a later poll: %s %s", r.Method, r.URI)
		}
	}
	// A change through doorman writes the record with the versioning read.
	if err := b.PutBucketACL(ctx, "enabled", "public-read"); err != nil {
		t.Fatal(err)
	}
	other := newBackend(t, up, nil)
	if info, err := other.HeadBucket(ctx, "enabled"); err != nil || info.Versioning != storage.VersioningEnabled || info.ACL != "public-read" {
		t.Errorf("another node reads %+v, %v; want Enabled and public-read", info, err)
	}
}

// TestZeroCreationDateIsUnknown: an upstream that lists some of its buckets with the creation
// date 0001-01-01T00:00:00Z now and then (MinIO in distributed mode does, from a node that has
// not loaded a bucket's metadata) neither hides a bucket from a node nor has nodes rewrite
// its record back and forth: a bucket made through A, with a CORS configuration, is held by
// both nodes through polls where every other ListBuckets answers the zero date, and its
// record is written once, by its creation.
func TestZeroCreationDateIsUnknown(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	var (
		mu    sync.Mutex
		calls int
	)
	dateRe := regexp.MustCompile(`<CreationDate>[^<]*</CreationDate>`)
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/" {
			return false
		}
		mu.Lock()
		calls++
		zero := calls%2 == 0
		mu.Unlock()
		if !zero {
			return false
		}
		rec := httptest.NewRecorder()
		up.s3.ServeHTTP(rec, r)
		body := dateRe.ReplaceAll(rec.Body.Bytes(), []byte("<CreationDate>0001-01-01T00:00:00Z</CreationDate>"))
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body)
		return true
	})
	a, b := newBackend(t, up, nil), newBackend(t, up, nil)
	info, err := a.CreateBucket(ctx, "flaky", storage.CreateBucketOptions{Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.PutBucketConfig(ctx, "flaky", "cors", []byte(corsDoc)); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "B reads the CORS configuration A put", func() bool { return configOf(b, "flaky", "cors") == corsDoc })
	for end := time.Now().Add(12 * testPollInterval); time.Now().Before(end); time.Sleep(testPollInterval / 4) {
		for name, n := range map[string]*upstream.Backend{"A": a, "B": b} {
			if got, err := n.HeadBucket(ctx, "flaky"); err != nil || got.ID != info.ID {
				t.Fatalf("%s: HeadBucket of the bucket = %+v, %v; want its ID %s", name, got, err, info.ID)
			}
			if got := configOf(n, "flaky", "cors"); got != corsDoc {
				t.Fatalf("%s: the bucket's CORS configuration = %q", name, got)
			}
		}
	}
	writes := 0
	for _, r := range up.Requests() {
		if r.Method == http.MethodPut && strings.HasPrefix(r.Path, "/"+upstream.DefaultMetaBucket+"/buckets/flaky/") {
			writes++
		}
	}
	if writes != 1 {
		t.Errorf("the bucket's record was written %d times, want once (its creation)", writes)
	}
}

// TestUnrecordedBucketIsHeldBack: a bucket made through another node exists upstream before
// its record is written, and a poll between the two must not serve it as adopted (with the
// adopted owner and ID, and settings written under that ID lost once the record appears):
// a poll that finds a bucket without a record holds it back, the next one binds it to the
// record that appeared meanwhile. The first load adopts at once.
func TestUnrecordedBucketIsHeldBack(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	makeBucket(t, up, "before", nil)
	n := newBackend(t, up, func(c *upstream.Config) {
		c.PollInterval = time.Hour
		c.AdoptOwner = adoptOwner
	})
	if got, err := n.HeadBucket(ctx, "before"); err != nil || got.Owner != adoptOwner {
		t.Fatalf("a bucket made before the first load: %+v, %v; want it adopted", got, err)
	}
	// The record of the bucket the other node makes waits until released.
	recordHeld, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/"+upstream.DefaultMetaBucket+"/buckets/racing/") {
			once.Do(func() { close(recordHeld) })
			<-release
		}
		return false
	})
	other := newBackend(t, up, nil)
	made := make(chan storage.BucketInfo, 1)
	go func() {
		info, err := other.CreateBucket(ctx, "racing", storage.CreateBucketOptions{Owner: "alice"})
		if err != nil {
			t.Error(err)
		}
		made <- info
	}()
	<-recordHeld
	if err := n.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := n.HeadBucket(ctx, "racing"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("a poll between the bucket and its record: %+v, %v; want it held back (NoSuchBucket)", got, err)
	}
	close(release)
	info := <-made
	if err := n.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := n.HeadBucket(ctx, "racing"); err != nil || got.ID != info.ID || got.Owner != "alice" {
		t.Errorf("the next poll: %+v, %v; want the record's ID %s and owner alice", got, err, info.ID)
	}
}
