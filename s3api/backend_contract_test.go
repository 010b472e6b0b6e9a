package s3api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
)

// What the protocol layer does with a backend in front of another store (storage/upstream.go):
// its errors, the caller every call carries, buckets that change behind the server's back, and
// the health of its store. The backend is the embedded store wrapped by contractBackend, which
// records, fails on demand, watches and reports its health as such a backend would.

// contractBackend is a real store (storage/disk, through s3test.Start) that records the
// storage.Caller of the calls it serves, fails the reads of the keys in fail, is a
// storage.BucketWatcher (the callback the server registers is kept for the test to fire) and
// a storage.HealthChecker answering health.
type contractBackend struct {
	storage.Backend

	mu      sync.Mutex
	calls   []call
	fail    map[string]error // by key, for HeadObject and GetObject
	watches []func(bucket string)
	health  error
}

// call is one recorded backend call: the method, its caller, and whether it carried one.
type call struct {
	op     string
	caller storage.Caller
	set    bool
}

func (b *contractBackend) record(ctx context.Context, op string) {
	c, ok := storage.CallerFrom(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, call{op, c, ok})
}

// takeCalls returns the calls recorded since the last take.
func (b *contractBackend) takeCalls() []call {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.calls
	b.calls = nil
	return c
}

func (b *contractBackend) failure(key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fail[key]
}

func (b *contractBackend) ListBuckets(ctx context.Context) ([]storage.BucketInfo, error) {
	b.record(ctx, "ListBuckets")
	return b.Backend.ListBuckets(ctx)
}

func (b *contractBackend) CreateBucket(ctx context.Context, bucket string, opts storage.CreateBucketOptions) (storage.BucketInfo, error) {
	b.record(ctx, "CreateBucket")
	return b.Backend.CreateBucket(ctx, bucket, opts)
}

func (b *contractBackend) PutObject(ctx context.Context, bucket, key string, r io.Reader, opts storage.PutObjectOptions) (storage.ObjectInfo, error) {
	b.record(ctx, "PutObject")
	return b.Backend.PutObject(ctx, bucket, key, r, opts)
}

func (b *contractBackend) HeadObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectInfo, error) {
	b.record(ctx, "HeadObject")
	if err := b.failure(key); err != nil {
		return storage.ObjectInfo{}, err
	}
	return b.Backend.HeadObject(ctx, bucket, key, opts)
}

func (b *contractBackend) GetObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectReader, storage.ObjectInfo, error) {
	b.record(ctx, "GetObject")
	if err := b.failure(key); err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	return b.Backend.GetObject(ctx, bucket, key, opts)
}

func (b *contractBackend) WatchBuckets(changed func(bucket string)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.watches = append(b.watches, changed)
}

// changed tells the server, through the callback it registered, that bucket changed.
func (b *contractBackend) changed(t *testing.T, bucket string) {
	t.Helper()
	b.mu.Lock()
	watches := slices.Clone(b.watches)
	b.mu.Unlock()
	if len(watches) != 1 {
		t.Fatalf("WatchBuckets was called %d times, want once", len(watches))
	}
	watches[0](bucket)
}

func (b *contractBackend) Health(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.health
}

var (
	_ storage.BucketWatcher = (*contractBackend)(nil)
	_ storage.HealthChecker = (*contractBackend)(nil)
)

// startContract starts a server over a contractBackend, and returns both with the store the
// backend wraps, which a test changes behind the server's back.
func startContract(t *testing.T) (*s3test.Server, *contractBackend, storage.Backend) {
	t.Helper()
	b := &contractBackend{fail: map[string]error{}}
	srv := s3test.Start(t, func(cfg *s3api.Config) {
		b.Backend = cfg.Backend
		cfg.Backend = b
	})
	return srv, b, b.Backend
}

// The errors of a backend in front of another store reach the client as S3 answers them: a
// feature the backend does not offer is 501 NotImplemented in the backend's own words, a store
// it cannot reach is S3's 503 ServiceUnavailable, and an error the upstream answered in its
// own words is forwarded as it came. Each is an error answer like any other, with the CORS
// headers of the bucket's rule for a matching Origin. The store's failures are logged.
func TestBackendErrors(t *testing.T) {
	t.Parallel()
	srv, b, _ := startContract(t)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/errs", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/errs?cors", Body: corsAccessRule, As: s3test.Owner,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(corsAccessRule)}}})
	for _, tc := range []struct {
		name          string
		err           error
		status        int
		code, message string
	}{
		{"not implemented, in the backend's words",
			fmt.Errorf("s3 backend: GetObject: %w", storage.NotImplementedError("Object Lock is not available with the s3 backend.")),
			501, "NotImplemented", "Object Lock is not available with the s3 backend."},
		{"not implemented, without words", storage.ErrNotImplemented,
			501, "NotImplemented", "A header you provided implies functionality that is not implemented"},
		{"unavailable", fmt.Errorf("every endpoint failed: %w", storage.ErrUnavailable),
			503, "ServiceUnavailable", "Service is unable to handle request."},
		{"upstream SlowDown", &storage.ServiceError{Status: 503, Code: "SlowDown", Message: "Please reduce your request rate."},
			503, "SlowDown", "Please reduce your request rate."},
		{"upstream AccessDenied, wrapped", fmt.Errorf("s3 backend: %w", &storage.ServiceError{Status: 403, Code: "AccessDenied", Message: "Denied by the upstream's policy"}),
			403, "AccessDenied", "Denied by the upstream's policy"},
		{"upstream code unknown to doorman", &storage.ServiceError{Status: 507, Code: "XMinioStorageFull", Message: "Storage backend has reached its minimum free drive threshold."},
			507, "XMinioStorageFull", "Storage backend has reached its minimum free drive threshold."},
	} {
		key := strings.ReplaceAll(tc.name, " ", "-")
		key = strings.NewReplacer(",", "", "'", "").Replace(key)
		b.mu.Lock()
		b.fail[key] = tc.err
		b.mu.Unlock()
		for _, origin := range []string{corsAccessOrigin, ""} {
			r := s3test.Request{Method: "GET", Path: "/errs/" + key, As: s3test.Owner}
			if origin != "" {
				r.Header = http.Header{"Origin": {origin}}
			}
			res, body := srv.Do(t, r)
			what := tc.name + ", Origin " + origin
			s3test.WantError(t, what, res, body, tc.status, tc.code, tc.message)
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != origin {
				t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", what, got, origin)
			}
		}
	}
	// What is not the client's doing is logged for the operator.
	for _, msg := range []string{"storage unavailable", "upstream store failed the request"} {
		if l := srv.Log.String(); !strings.Contains(l, `"msg":"`+msg+`"`) {
			t.Errorf("no %q in the log:\n%s", msg, l)
		}
	}
}

// Every backend call a request makes carries who it was authenticated as, however it signed
// (SigV4 in the header or the query, SigV2, a form's fields); an anonymous request carries the
// zero Caller, which tells the backend the call is a client's; the server's own calls (its
// first load of the buckets) carry none.
func TestBackendCaller(t *testing.T) {
	t.Parallel()
	srv, b, _ := startContract(t)
	if calls := b.takeCalls(); len(calls) != 1 || calls[0].op != "ListBuckets" || calls[0].set {
		t.Errorf("the server's first load: %+v, want one ListBuckets without a caller", calls)
	}
	owner := storage.Caller{AccessKey: s3test.Owner.AccessKey}
	other := storage.Caller{AccessKey: s3test.Other.AccessKey}
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/callers", As: s3test.Owner,
		Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}})
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/callers?publicAccessBlock", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/callers?acl", As: s3test.Owner, Header: http.Header{"X-Amz-Acl": {"public-read-write"}}})
	b.takeCalls()
	for _, tc := range []struct {
		name string
		r    s3test.Request
		want storage.Caller
	}{
		{"SigV4 PutObject", s3test.Request{Method: "PUT", Path: "/callers/k", Body: []byte("body"), As: s3test.Owner,
			Header: http.Header{"X-Amz-Acl": {"public-read"}}}, owner},
		{"SigV4 GetObject", s3test.Request{Method: "GET", Path: "/callers/k", As: s3test.Other}, other},
		{"presigned GetObject", s3test.Request{Method: "GET", Path: "/callers/k", As: s3test.Other, Auth: s3test.SigV4Query}, other},
		{"SigV2 HeadObject", s3test.Request{Method: "HEAD", Path: "/callers/k", As: s3test.Owner, Auth: s3test.SigV2}, owner},
		{"anonymous GetObject", s3test.Request{Method: "GET", Path: "/callers/k", As: s3test.Anonymous}, storage.Caller{}},
		{"anonymous PutObject", s3test.Request{Method: "PUT", Path: "/callers/anon", Body: []byte("anon"), As: s3test.Anonymous}, storage.Caller{}},
		{"ListBuckets", s3test.Request{Method: "GET", Path: "/", As: s3test.Other}, other},
	} {
		res, body := srv.Do(t, tc.r)
		if res.StatusCode != 200 {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
			continue
		}
		checkCallers(t, tc.name, b.takeCalls(), tc.want)
	}

	// A form upload is anonymous at the HTTP level: its signer is in its fields.
	fields := s3test.PostPolicy(t, s3test.Other, "callers", "", 1<<10, time.Now().Add(time.Hour))
	if res, body := srv.PostForm(t, "/callers", fields, "form", "image/png", []byte("form")); res.StatusCode/100 != 2 {
		t.Fatalf("form upload: %d %s", res.StatusCode, body)
	}
	checkCallers(t, "form upload", b.takeCalls(), other)
}

// checkCallers checks that calls are some, and every one carries want.
func checkCallers(t *testing.T, what string, calls []call, want storage.Caller) {
	t.Helper()
	if len(calls) == 0 {
		t.Errorf("%s: no backend call recorded", what)
	}
	for _, c := range calls {
		if !c.set || c.caller != want {
			t.Errorf("%s: %s carries %+v (set %v), want %+v", what, c.op, c.caller, c.set, want)
		}
	}
}

// A bucket that changes in the store behind the server's back (through another node sharing
// the store) is served as it is once the backend tells (storage.BucketWatcher): its new CORS
// rules answer the next preflight, a CORS configuration that no longer decodes is logged and
// the bucket served without one, a bucket created elsewhere is found, and a deleted one answers
// NoSuchBucket.
func TestBucketWatcher(t *testing.T) {
	t.Parallel()
	srv, b, store := startContract(t)
	ctx := context.Background()
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/watched", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/watched?cors", Body: corsAccessRule, As: s3test.Owner,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(corsAccessRule)}}})
	preflight := func(origin string) int {
		res, _ := srv.Do(t, s3test.Request{Method: "OPTIONS", Path: "/watched/k",
			Header: http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"GET"}}})
		return res.StatusCode
	}
	const elsewhere = "https://elsewhere.test"
	if a, e := preflight(corsAccessOrigin), preflight(elsewhere); a != 200 || e != 403 {
		t.Fatalf("preflights before the change: %d from the rule's origin, %d from another; want 200, 403", a, e)
	}

	// New rules, written by another node.
	rule := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>` + elsewhere + `</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`)
	if err := store.PutBucketConfig(ctx, "watched", "cors", rule); err != nil {
		t.Fatal(err)
	}
	if e := preflight(elsewhere); e != 403 {
		t.Fatalf("the server saw the change before it was told: preflight %d", e)
	}
	b.changed(t, "watched")
	if a, e := preflight(corsAccessOrigin), preflight(elsewhere); a != 403 || e != 200 {
		t.Errorf("preflights after the change: %d from the old rule's origin, %d from the new one's; want 403, 200", a, e)
	}

	// A CORS configuration that does not decode: the bucket stays, without CORS.
	if err := store.PutBucketConfig(ctx, "watched", "cors", []byte("<CORSConfiguration><CORSRule>")); err != nil {
		t.Fatal(err)
	}
	b.changed(t, "watched")
	if e := preflight(elsewhere); e != 403 {
		t.Errorf("preflight with an undecodable configuration: %d, want 403", e)
	}
	srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/watched?list-type=2", As: s3test.Owner})
	if l := srv.Log.String(); !strings.Contains(l, "stored CORS configuration cannot be decoded") || !strings.Contains(l, `"bucket":"watched"`) {
		t.Errorf("the undecodable configuration is not logged:\n%s", l)
	}

	// A bucket created elsewhere, by the same owner.
	info, err := store.HeadBucket(ctx, "watched")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateBucket(ctx, "born", storage.CreateBucketOptions{Owner: info.Owner}); err != nil {
		t.Fatal(err)
	}
	if res, _ := srv.Do(t, s3test.Request{Method: "HEAD", Path: "/born", As: s3test.Owner}); res.StatusCode != 404 {
		t.Errorf("HEAD of a bucket created elsewhere, before the server is told: %d, want 404", res.StatusCode)
	}
	b.changed(t, "born")
	srv.Must(t, 200, s3test.Request{Method: "HEAD", Path: "/born", As: s3test.Owner})

	// A bucket deleted elsewhere.
	if err := store.DeleteBucket(ctx, "watched"); err != nil {
		t.Fatal(err)
	}
	b.changed(t, "watched")
	res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/watched?list-type=2", As: s3test.Owner})
	s3test.WantError(t, "a deleted bucket", res, body, 404, "NoSuchBucket", "The specified bucket does not exist")
	if e := preflight(elsewhere); e == 200 {
		t.Errorf("preflight on a deleted bucket: %d", e)
	}
}

// The health endpoint answers 503 with the backend's reason while its store cannot be reached
// (storage.HealthChecker), and "ok" again once it can.
func TestHealthFollowsBackend(t *testing.T) {
	t.Parallel()
	srv, b, _ := startContract(t)
	check := func(what string, status int, text string) {
		t.Helper()
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: s3api.HealthPath})
		if res.StatusCode != status || string(body) != text {
			t.Errorf("%s: %d %q, want %d %q", what, res.StatusCode, body, status, text)
		}
	}
	check("healthy", 200, "ok\n")
	b.mu.Lock()
	b.health = errors.New("no upstream endpoint answers: 127.0.0.1:9000: connection refused")
	b.mu.Unlock()
	check("unhealthy", 503, "no upstream endpoint answers: 127.0.0.1:9000: connection refused\n")
	b.mu.Lock()
	b.health = nil
	b.mu.Unlock()
	check("healthy again", 200, "ok\n")
}
