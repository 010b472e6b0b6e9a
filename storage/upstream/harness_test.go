package upstream_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// The test upstream is a real S3 server: doorman's own embedded store (s3api over
// storage/disk) behind an httptest server, whose SigV4 verifier checks every request the
// backend signs. It records what it receives, so tests assert on the requests themselves.
//
// Its API, for every test of this package:
//
//	up := newUpstream(t)           // serving at up.URL, stopped at the test's end
//	b := newBackend(t, up, nil)    // an upstream.Backend over it, closed at the test's end
//	up.Requests()                  // what the upstream received, in order
//	up.ClientRequests()            // the same without the backend's background polls and probes
//	up.Reset()                     // forget them (after a test's setup)
//	up.Intercept(f)                // answer some requests yourself (faults, odd answers)
//	url, kill := up.AddEndpoint()  // a second endpoint serving the same store
//	up.Kill()                      // stop serving: connections are refused from then on
//	up.S3(up.Service)              // an aws-sdk-go-v2 S3 client, for setup and checks
//	deadURL(t)                     // an endpoint nothing listens on

// Test identities on the upstream: the service identity the backend signs its own requests
// with, and another user (its own account) for identity mapping.
var (
	serviceCreds = upstream.Credentials{AccessKey: "SERVICEACCESSKEY", SecretKey: "service-secret-key"}
	otherCreds   = upstream.Credentials{AccessKey: "OTHERACCESSKEY", SecretKey: "other-secret-key"}
)

// recorded is one request the test upstream received.
type recorded struct {
	// Endpoint is the base URL of the endpoint that received it (up.URL, or one from
	// AddEndpoint).
	Endpoint string
	Method   string
	// Path is the decoded path (/bucket/key); URI is the request target as sent, with the
	// path's escaping and the raw query.
	Path     string
	URI      string
	RawQuery string
	Header   http.Header
	// ContentLength is the request's Content-Length (-1 when unknown).
	ContentLength int64
}

// Query returns the request's decoded query.
func (r recorded) Query() url.Values {
	q, _ := url.ParseQuery(r.RawQuery)
	return q
}

// testUpstream is a running test upstream; see newUpstream.
type testUpstream struct {
	// URL is the base URL of its first endpoint (http://127.0.0.1:PORT).
	URL string
	// Service and Other are the upstream identities of the two users it knows.
	Service upstream.Credentials
	Other   upstream.Credentials

	t       testing.TB
	s3      http.Handler
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []recorded
	hook    func(w http.ResponseWriter, r *http.Request) bool
	servers []*httptest.Server
}

// newUpstream starts a test upstream serving a fresh store, stopped when the test ends.
func newUpstream(t testing.TB) *testUpstream {
	t.Helper()
	store, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv, err := s3api.New(context.Background(), s3api.Config{
		Backend: store,
		Users: []s3api.User{
			{AccessKey: serviceCreds.AccessKey, SecretKey: serviceCreds.SecretKey},
			{AccessKey: otherCreds.AccessKey, SecretKey: otherCreds.SecretKey},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	up := &testUpstream{Service: serviceCreds, Other: otherCreds, t: t, s3: srv}
	up.URL, _ = up.AddEndpoint()
	up.srv = up.servers[0]
	return up
}

// AddEndpoint starts another endpoint serving the same store (as another node of one S3
// cluster), and returns its base URL and a function that stops it. It stops with the test.
func (up *testUpstream) AddEndpoint() (string, func()) {
	up.t.Helper()
	s := up.startEndpoint(nil)
	return s.URL, s.Close
}

// AddRestartableEndpoint is AddEndpoint, with a function that starts the stopped endpoint
// again at the same base URL (a node of the cluster back after a restart).
func (up *testUpstream) AddRestartableEndpoint() (base string, stop, restart func()) {
	up.t.Helper()
	s := up.startEndpoint(nil)
	addr := s.Listener.Addr().String()
	return s.URL, s.Close, func() {
		up.t.Helper()
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			up.t.Fatalf("listening again at %s: %v", addr, err)
		}
		up.startEndpoint(ln)
	}
}

// startEndpoint starts an endpoint on ln, or on a new port of 127.0.0.1 when ln is nil.
func (up *testUpstream) startEndpoint(ln net.Listener) *httptest.Server {
	var base string
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.serve(base, w, r)
	}))
	if ln != nil {
		s.Listener.Close()
		s.Listener = ln
	}
	s.Start()
	base = s.URL
	up.mu.Lock()
	up.servers = append(up.servers, s)
	up.mu.Unlock()
	up.t.Cleanup(s.Close)
	return s
}

func (up *testUpstream) serve(endpoint string, w http.ResponseWriter, r *http.Request) {
	up.mu.Lock()
	up.reqs = append(up.reqs, recorded{
		Endpoint:      endpoint,
		Method:        r.Method,
		Path:          r.URL.Path,
		URI:           r.RequestURI,
		RawQuery:      r.URL.RawQuery,
		Header:        r.Header.Clone(),
		ContentLength: r.ContentLength,
	})
	hook := up.hook
	up.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	up.s3.ServeHTTP(w, r)
}

// Requests returns the requests received since the start or the last Reset, in order.
func (up *testUpstream) Requests() []recorded {
	up.mu.Lock()
	defer up.mu.Unlock()
	return slices.Clone(up.reqs)
}

// ClientRequests returns Requests without the backend's own background traffic, which a test
// cannot time: the endpoint probes and the poller's ListBuckets (both on /) and the listings
// of the meta bucket that polls and sweeps make.
func (up *testUpstream) ClientRequests() []recorded {
	var out []recorded
	for _, r := range up.Requests() {
		background := r.Path == "/" || (r.Method == http.MethodGet &&
			strings.TrimSuffix(r.Path, "/") == "/"+upstream.DefaultMetaBucket && strings.Contains(r.RawQuery, "list-type=2"))
		if !background {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets the requests received so far.
func (up *testUpstream) Reset() {
	up.mu.Lock()
	defer up.mu.Unlock()
	up.reqs = nil
}

// Intercept makes f see every request (after it is recorded) before the S3 server: f answers
// it itself and returns true, or returns false to let the S3 server answer. nil removes it.
// f runs on the server's goroutines, concurrently with the test.
func (up *testUpstream) Intercept(f func(w http.ResponseWriter, r *http.Request) bool) {
	up.mu.Lock()
	defer up.mu.Unlock()
	up.hook = f
}

// Kill stops the first endpoint: its listener closes, so connections to URL are refused from
// then on (a transport error, not an HTTP answer). It waits for requests in flight.
func (up *testUpstream) Kill() { up.srv.Close() }

// Close stops every endpoint; newUpstream's cleanup does it too.
func (up *testUpstream) Close() {
	up.mu.Lock()
	servers := slices.Clone(up.servers)
	up.mu.Unlock()
	for _, s := range servers {
		s.Close()
	}
}

// S3 returns an S3 client of the upstream signing as creds (path-style, explicit static
// credentials, no retries), for a test's setup and checks made behind the backend's back.
func (up *testUpstream) S3(creds upstream.Credentials) *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(up.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(creds.AccessKey, creds.SecretKey, ""),
		RetryMaxAttempts:           1,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	})
}

// deadURL returns the base URL of a loopback port nothing listens on: connections to it are
// refused.
func deadURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

// Intervals of the backends the tests make: short, so health and polling show within a test.
const (
	testPollInterval   = 100 * time.Millisecond
	testHealthInterval = 100 * time.Millisecond
)

// newBackend returns a Backend over up: its endpoint, its service identity, and short poll and
// health intervals; mutate, when not nil, changes the configuration before New. The backend is
// closed when the test ends.
func newBackend(t testing.TB, up *testUpstream, mutate func(*upstream.Config)) *upstream.Backend {
	t.Helper()
	cfg := upstream.Config{
		Endpoints:      []string{up.URL},
		Service:        up.Service,
		PollInterval:   testPollInterval,
		HealthInterval: testHealthInterval,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	b, err := upstream.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
