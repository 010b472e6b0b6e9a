package edge_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/edge"
	"github.com/doorman-s3/doorman/internal/prommetrics"
	"github.com/doorman-s3/doorman/internal/testclock"
)

// newClock is a settable clock for TTL tests.
func newClock() *testclock.Clock { return testclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) }

// origin is a real HTTP server standing for the origin, recording what reaches it. Its handler
// answers as S3 answers a bucket with CORS rules for https://a.example and https://b.example
// (docs/cloudfront.md#the-stale-cors-trap, [LS:s3cors]): with an allowed Origin, the same body
// plus Access-Control-Allow-Origin and Vary; without Origin, no CORS header and no Vary.
type origin struct {
	srv      *httptest.Server
	hits     atomic.Int64
	mu       sync.Mutex
	last     *http.Request
	header   http.Header // extra response headers
	body     string
	status   int
	hold     chan struct{} // when non-nil, each request waits for it to close
	handlers func(w http.ResponseWriter, r *http.Request) bool
}

func newOrigin(t testing.TB) *origin {
	o := &origin{header: http.Header{"Cache-Control": {"max-age=60"}}, body: "object body", status: 200}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		o.mu.Lock()
		o.last = r.Clone(r.Context())
		hold, custom := o.hold, o.handlers
		hdr, body, status := o.header.Clone(), o.body, o.status
		o.mu.Unlock()
		if hold != nil {
			<-hold
		}
		if custom != nil && custom(w, r) {
			return
		}
		for k, v := range hdr {
			w.Header()[k] = v
		}
		if org := r.Header.Get("Origin"); org == "https://a.example" || org == "https://b.example" {
			w.Header().Set("Access-Control-Allow-Origin", org)
			w.Header().Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *origin) set(fn func(o *origin)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fn(o)
}

func (o *origin) lastRequest() *http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// proxy forwards to the origin, as the gateway's reverse proxy does.
func (o *origin) proxy() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, o.srv.URL+r.URL.RequestURI(), nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := o.srv.Client().Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
}

type fixture struct {
	t     testing.TB
	cache *edge.Cache
	m     *prommetrics.Gateway // the metrics the gateway exports for its cache
	clock *testclock.Clock
	o     *origin
	srv   *httptest.Server
	b     *edge.Behavior
}

// newFixture runs a real server: the behaviour cfg in front of a real origin.
func newFixture(t testing.TB, opts edge.Options, cfg edge.BehaviorConfig) *fixture {
	f := &fixture{t: t, m: prommetrics.NewGateway(), clock: newClock(), o: newOrigin(t)}
	opts.Metrics, opts.Now = f.m, f.clock.Now
	c, err := edge.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if cfg.Name == "" {
		cfg.Name = "test/"
	}
	b, err := c.Behavior(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.cache, f.b = c, b
	f.srv = httptest.NewServer(b.Handler(f.o.proxy()))
	t.Cleanup(f.srv.Close)
	return f
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(method, path string, hdr ...string) answer {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(body)}
}

// metric reads a counter or gauge from a scrape of the metrics: the first series of that
// name with the labels given, as name, value pairs; 0 when there is none.
func (f *fixture) metric(name string, labels ...string) float64 {
	f.t.Helper()
	rec := httptest.NewRecorder()
	f.m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
next:
	for line := range strings.Lines(rec.Body.String()) {
		series, value, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		if !ok || series != name && !strings.HasPrefix(series, name+"{") {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(series, labels[i]+"="+strconv.Quote(labels[i+1])) {
				continue next
			}
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			f.t.Fatalf("%s: %v", line, err)
		}
		return v
	}
	return 0
}

func managedCache(t testing.TB, name string) *edge.CachePolicy {
	t.Helper()
	p, err := edge.ManagedCachePolicy(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func managedOrigin(t testing.TB, name string) *edge.OriginRequestPolicy {
	t.Helper()
	p, err := edge.ManagedOriginRequestPolicy(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
