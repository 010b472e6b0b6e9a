package edge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/edge"
)

func optimized(t testing.TB) edge.BehaviorConfig {
	return edge.BehaviorConfig{Cache: managedCache(t, "CachingOptimized")}
}

func TestHitMissHeaders(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	a := f.do("GET", "/o")
	if a.header.Get("X-Cache") != "Miss from doorman" || a.header.Get("Age") != "" || a.body != "object body" {
		t.Fatalf("first GET: X-Cache %q Age %q body %q; want a Miss without Age", a.header.Get("X-Cache"), a.header.Get("Age"), a.body)
	}
	f.clock.Advance(5 * time.Second)
	a = f.do("GET", "/o")
	if a.header.Get("X-Cache") != "Hit from doorman" || a.header.Get("Age") != "5" || a.body != "object body" {
		t.Fatalf("second GET: X-Cache %q Age %q body %q; want a Hit, Age 5", a.header.Get("X-Cache"), a.header.Get("Age"), a.body)
	}
	if n := f.o.hits.Load(); n != 1 {
		t.Errorf("origin asked %d times, want 1", n)
	}
	if f.metric("doorman_gateway_cache_requests_total", "result", "hit") != 1 || f.metric("doorman_gateway_cache_requests_total", "result", "miss") != 1 {
		t.Errorf("metrics: hits %v misses %v", f.metric("doorman_gateway_cache_requests_total", "result", "hit"), f.metric("doorman_gateway_cache_requests_total", "result", "miss"))
	}
	if f.metric("doorman_gateway_cache_entries") != 1 || f.metric("doorman_gateway_cache_bytes") < float64(len("object body")) {
		t.Errorf("entries %v bytes %v", f.metric("doorman_gateway_cache_entries"), f.metric("doorman_gateway_cache_bytes"))
	}
	// Expired without a validator: fetched again.
	f.clock.Advance(time.Minute)
	if a = f.do("GET", "/o"); a.header.Get("X-Cache") != "Miss from doorman" || f.o.hits.Load() != 2 {
		t.Errorf("after max-age: %q, origin %d; want a Miss", a.header.Get("X-Cache"), f.o.hits.Load())
	}
}

func TestHeadFillsWithGet(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	// Go's client asks for gzip on GET but not on HEAD: the same Accept-Encoding is sent on
	// both, so that they share the key (the normalised Accept-Encoding is in it).
	a := f.do("HEAD", "/o", "Accept-Encoding", "gzip")
	if a.body != "" || a.header.Get("X-Cache") != "Miss from doorman" {
		t.Fatalf("HEAD: %q %q", a.body, a.header.Get("X-Cache"))
	}
	if m := f.o.lastRequest().Method; m != "GET" {
		t.Errorf("a HEAD miss reached the origin as %s; want GET, so that the entry has its body", m)
	}
	if a = f.do("GET", "/o", "Accept-Encoding", "gzip"); a.body != "object body" || a.header.Get("X-Cache") != "Hit from doorman" {
		t.Errorf("GET after HEAD: %q %q; want the body from the store", a.body, a.header.Get("X-Cache"))
	}
}

// TestForwarded: what reaches the origin is what the policies name
// (docs/cloudfront.md#cache-and-origin-request-policies).
func TestForwarded(t *testing.T) {
	cases := []struct {
		name   string
		source string
		origin string // managed origin request policy, "" = none
		sent   []string
		query  string
		want   map[string]string // header → value at the origin ("" = absent)
		wantQ  string
	}{
		{"optimized alone", "docs/cloudfront.md#the-stale-cors-trap case 1: neither policy has Origin → never forwarded", "",
			[]string{"Origin", "https://a.example", "Authorization", "x", "Cookie", "s=1", "Accept-Encoding", "gzip, br"}, "v=1",
			map[string]string{"Origin": "", "Authorization": "", "Cookie": "", "Accept-Encoding": "br,gzip", "User-Agent": "doorman"}, ""},
		{"CORS-S3Origin", "docs/cloudfront.md#cache-and-origin-request-policies: CORS-S3Origin forwards Origin and the ACR* headers", "CORS-S3Origin",
			[]string{"Origin", "https://a.example", "Access-Control-Request-Method", "PUT", "Referer", "x"}, "",
			map[string]string{"Origin": "https://a.example", "Access-Control-Request-Method": "PUT", "Referer": ""}, ""},
		{"AllViewer", "docs/cloudfront.md#cache-and-origin-request-policies: AllViewer forwards every header, cookie and query string", "AllViewer",
			[]string{"Origin", "https://a.example", "Cookie", "s=1", "X-Any", "y"}, "v=1&w=2",
			map[string]string{"Origin": "https://a.example", "Cookie": "s=1", "X-Any": "y"}, "v=1&w=2"},
		{"AllViewer never Authorization", "controlling-origin-requests: Authorization is forwarded only from the cache policy's key", "AllViewer",
			[]string{"Authorization", "Bearer user-a", "X-Any", "y"}, "",
			map[string]string{"Authorization": "", "X-Any": "y"}, ""},
		{"UserAgentRefererHeaders", "using-managed-origin-request-policies", "UserAgentRefererHeaders",
			[]string{"User-Agent", "browser", "Referer", "https://r.example/"}, "v=1",
			map[string]string{"User-Agent": "browser", "Referer": "https://r.example/"}, "v=1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := optimized(t)
			if tc.origin != "" {
				cfg.Origin = managedOrigin(t, tc.origin)
			}
			f := newFixture(t, edge.Options{}, cfg)
			path := "/o"
			if tc.query != "" {
				path += "?" + tc.query
			}
			f.do("GET", path, tc.sent...)
			got := f.o.lastRequest()
			for h, v := range tc.want {
				if g := got.Header.Get(h); g != v {
					t.Errorf("%s: %s at the origin %q, want %q", tc.source, h, g, v)
				}
			}
			if got.URL.RawQuery != tc.wantQ {
				t.Errorf("%s: query %q, want %q", tc.source, got.URL.RawQuery, tc.wantQ)
			}
		})
	}
}

// TestStaleCORSTrap reproduces docs/cloudfront.md#the-stale-cors-trap and its cures against an
// origin that answers CORS as S3 does.
func TestStaleCORSTrap(t *testing.T) {
	cfPolicy := func(t testing.TB) *fetch.Policy {
		p, err := fetch.Compile(&fetch.Config{Semantics: fetch.CloudFront, Origins: []string{"https://a.example", "https://b.example"},
			Methods: []string{"GET", "HEAD"}, RequestHeaders: []string{"content-type"}, Advertise: fetch.AdvertiseConfigured})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mediaKey := func(t testing.TB) *edge.CachePolicy {
		p := managedCache(t, "CachingOptimized")
		p.Headers = edge.Values{Mode: edge.Whitelist, Names: []string{"Origin"}}
		return p
	}
	type step struct {
		origin   string // the viewer's Origin, "" = none
		wantACAO string
		wantX    string
	}
	cases := []struct {
		name   string
		source string
		cfg    func(t testing.TB) edge.BehaviorConfig
		steps  []step
	}{
		{"optimized alone: never CORS", "docs/cloudfront.md#the-stale-cors-trap case 1", func(t testing.TB) edge.BehaviorConfig { return optimized(t) },
			[]step{{"https://a.example", "", "Miss"}, {"https://a.example", "", "Hit"}}},
		{"S3Origin: img first, then fetch fails", "docs/cloudfront.md#the-stale-cors-trap case 2 (the seeds' scenario)",
			func(t testing.TB) edge.BehaviorConfig {
				c := optimized(t)
				c.Origin = managedOrigin(t, "CORS-S3Origin")
				return c
			},
			[]step{{"", "", "Miss"}, {"https://a.example", "", "Hit"}}},
		{"S3Origin: A first, then B gets A's", "docs/cloudfront.md#the-stale-cors-trap case 2",
			func(t testing.TB) edge.BehaviorConfig {
				c := optimized(t)
				c.Origin = managedOrigin(t, "CORS-S3Origin")
				return c
			},
			[]step{{"https://a.example", "https://a.example", "Miss"}, {"https://b.example", "https://a.example", "Hit"}}},
		{"Origin in the key: cured", "docs/cloudfront.md#the-stale-cors-trap case 3",
			func(t testing.TB) edge.BehaviorConfig {
				return edge.BehaviorConfig{Cache: mediaKey(t), Origin: managedOrigin(t, "CORS-S3Origin")}
			},
			[]step{{"", "", "Miss"}, {"https://a.example", "https://a.example", "Miss"}, {"https://b.example", "https://b.example", "Miss"},
				{"https://a.example", "https://a.example", "Hit"}, {"", "", "Hit"}}},
		{"Elemental-MediaPackage: cured", "docs/cloudfront.md#cache-and-origin-request-policies: its key includes Origin",
			func(t testing.TB) edge.BehaviorConfig {
				return edge.BehaviorConfig{Cache: managedCache(t, "Elemental-MediaPackage")}
			},
			[]step{{"", "", "Miss"}, {"https://a.example", "https://a.example", "Miss"}}},
		{"OriginOverride true cures hits", "docs/cloudfront.md#the-stale-cors-trap case 4, docs/cloudfront.md#applied-on-cache-hits [UNVERIFIED]: evaluated per viewer request",
			func(t testing.TB) edge.BehaviorConfig {
				c := optimized(t)
				c.Origin = managedOrigin(t, "CORS-S3Origin")
				c.ResponseHeaders = &edge.ResponseHeadersPolicy{CORS: cfPolicy(t), OriginOverride: true}
				return c
			},
			[]step{{"", "", "Miss"}, {"https://b.example", "https://b.example", "Hit"}, {"https://a.example", "https://a.example", "Hit"}}},
		{"OriginOverride true replaces a cached ACAO", "docs/cloudfront.md#originoverride: true → the policy's header replaces the origin's",
			func(t testing.TB) edge.BehaviorConfig {
				c := optimized(t)
				c.Origin = managedOrigin(t, "CORS-S3Origin")
				c.ResponseHeaders = &edge.ResponseHeadersPolicy{CORS: cfPolicy(t), OriginOverride: true}
				return c
			},
			[]step{{"https://a.example", "https://a.example", "Miss"}, {"https://b.example", "https://b.example", "Hit"}}},
		{"OriginOverride false keeps the cached ACAO", "docs/cloudfront.md#originoverride: false → the origin's header is kept",
			func(t testing.TB) edge.BehaviorConfig {
				c := optimized(t)
				c.Origin = managedOrigin(t, "CORS-S3Origin")
				c.ResponseHeaders = &edge.ResponseHeadersPolicy{CORS: cfPolicy(t), OriginOverride: false}
				return c
			},
			[]step{{"https://a.example", "https://a.example", "Miss"}, {"https://b.example", "https://a.example", "Hit"}}},
		{"OriginOverride false adds what the cache lacks", "docs/cloudfront.md#originoverride: origin lacks it → the policy's is added",
			func(t testing.TB) edge.BehaviorConfig {
				c := optimized(t)
				c.ResponseHeaders = &edge.ResponseHeadersPolicy{CORS: cfPolicy(t), OriginOverride: false}
				return c
			},
			[]step{{"", "", "Miss"}, {"https://b.example", "https://b.example", "Hit"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, edge.Options{}, tc.cfg(t))
			for i, s := range tc.steps {
				var hdr []string
				if s.origin != "" {
					hdr = []string{"Origin", s.origin}
				}
				a := f.do("GET", "/bucket/photo.jpg", hdr...)
				if got := a.header.Get("Access-Control-Allow-Origin"); got != s.wantACAO {
					t.Errorf("%s: step %d (Origin %q): ACAO %q, want %q", tc.source, i, s.origin, got, s.wantACAO)
				}
				if got := a.header.Get("X-Cache"); got != s.wantX+" from doorman" {
					t.Errorf("%s: step %d: X-Cache %q, want %s", tc.source, i, got, s.wantX)
				}
			}
		})
	}
}

func TestVaryFiltered(t *testing.T) {
	cases := []struct {
		name, source string
		origin       string
		want         string
	}{
		{"nothing forwarded", "RequestAndResponseBehaviorCustomOrigin: other Vary values removed", "", "Accept-Encoding"},
		{"Origin forwarded", "forwarded headers' names stay (docs/cloudfront.md#vary-from-the-origin [UNVERIFIED]: origin request policy counts)", "CORS-CustomOrigin", "Origin, Accept-Encoding"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := optimized(t)
			if tc.origin != "" {
				cfg.Origin = managedOrigin(t, tc.origin)
			}
			f := newFixture(t, edge.Options{}, cfg)
			f.o.set(func(o *origin) { o.header.Set("Vary", "Origin, Accept-Encoding, User-Agent, *") })
			for _, x := range []string{"Miss", "Hit"} {
				a := f.do("GET", "/v")
				if got := a.header.Get("Vary"); got != tc.want || !strings.HasPrefix(a.header.Get("X-Cache"), x) {
					t.Errorf("%s (%s): Vary %q X-Cache %q, want %q", tc.source, x, got, a.header.Get("X-Cache"), tc.want)
				}
			}
		})
	}
}

func TestNotStored(t *testing.T) {
	cases := []struct {
		name, source string
		header       string
		body         int
	}{
		{"no-store", "issue 10: no-store never stored", "no-store", 10},
		{"private", "issue 10: private never stored", "private", 10},
		{"too large", "the entry size cap: streamed, not kept", "max-age=60", 5000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, edge.Options{MaxBytes: 1 << 20, MaxEntryBytes: 4096}, optimized(t))
			body := strings.Repeat("x", tc.body)
			f.o.set(func(o *origin) { o.header.Set("Cache-Control", tc.header); o.body = body })
			for i := range 2 {
				a := f.do("GET", "/n")
				if a.body != body || a.header.Get("X-Cache") != "Miss from doorman" {
					t.Errorf("%s: request %d: %d bytes, X-Cache %q; want the whole body and a Miss", tc.source, i, len(a.body), a.header.Get("X-Cache"))
				}
			}
			if f.o.hits.Load() != 2 || f.cache.Len() != 0 {
				t.Errorf("%s: origin asked %d times, %d entries; want 2 and 0", tc.source, f.o.hits.Load(), f.cache.Len())
			}
		})
	}
}

func TestBypassAndDisabled(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	for range 2 {
		if a := f.do("POST", "/p", "Origin", "https://a.example"); a.header.Get("X-Cache") != "Miss from doorman" {
			t.Errorf("POST: X-Cache %q", a.header.Get("X-Cache"))
		}
	}
	if f.o.hits.Load() != 2 || f.o.lastRequest().Header.Get("Origin") != "https://a.example" {
		t.Errorf("POST is never cached and reaches the origin as sent (RequestAndResponseBehaviorS3Origin: other methods not cached)")
	}
	if f.metric("doorman_gateway_cache_requests_total", "result", "bypass") != 2 {
		t.Errorf("bypass count %v", f.metric("doorman_gateway_cache_requests_total", "result", "bypass"))
	}
	// A WebSocket upgrade is a GET that passes as sent, never stored.
	for range 2 {
		f.do("GET", "/ws", "Upgrade", "websocket", "Connection", "Upgrade")
	}
	if f.o.hits.Load() != 4 || f.o.lastRequest().Header.Get("Upgrade") != "websocket" {
		t.Errorf("an upgrade request was cached or lost its Upgrade header")
	}
	// OPTIONS is forwarded each time unless cached methods include it.
	f.do("OPTIONS", "/p")
	f.do("OPTIONS", "/p")
	if f.o.hits.Load() != 6 {
		t.Errorf("OPTIONS without CacheOptions was cached (docs/cloudfront.md#options-requests)")
	}

	d := newFixture(t, edge.Options{}, edge.BehaviorConfig{Cache: managedCache(t, "CachingDisabled"), Origin: managedOrigin(t, "CORS-CustomOrigin")})
	for range 2 {
		d.do("GET", "/d?v=1", "Origin", "https://a.example", "Cookie", "s=1")
	}
	got := d.o.lastRequest()
	if d.o.hits.Load() != 2 || got.Header.Get("Origin") != "https://a.example" || got.Header.Get("Cookie") != "" || got.URL.RawQuery != "" {
		t.Errorf("CachingDisabled + CORS-CustomOrigin: %d origin requests, Origin %q Cookie %q query %q; want 2, forwarded Origin only",
			d.o.hits.Load(), got.Header.Get("Origin"), got.Header.Get("Cookie"), got.URL.RawQuery)
	}
}

func TestOptionsCached(t *testing.T) {
	cfg := optimized(t)
	cfg.CacheOptions = true
	cfg.Origin = managedOrigin(t, "CORS-S3Origin")
	f := newFixture(t, edge.Options{}, cfg)
	f.o.set(func(o *origin) { o.body = "" })
	f.do("OPTIONS", "/x", "Origin", "https://a.example", "Access-Control-Request-Method", "GET")
	a := f.do("OPTIONS", "/x", "Origin", "https://b.example", "Access-Control-Request-Method", "GET")
	if a.header.Get("X-Cache") != "Hit from doorman" || a.header.Get("Access-Control-Allow-Origin") != "https://a.example" {
		t.Errorf("docs/cloudfront.md#options-requests: a cached OPTIONS without Origin in the key serves A's preflight to B: %q %q", a.header.Get("X-Cache"), a.header.Get("Access-Control-Allow-Origin"))
	}
	if a = f.do("GET", "/x"); a.header.Get("X-Cache") != "Miss from doorman" {
		t.Errorf("GET after OPTIONS: %q; OPTIONS is cached apart", a.header.Get("X-Cache"))
	}
}

func TestCoalescing(t *testing.T) {
	const n = 20
	f := newFixture(t, edge.Options{}, optimized(t))
	hold := make(chan struct{})
	f.o.set(func(o *origin) { o.hold = hold })
	var wg sync.WaitGroup
	answers := make([]answer, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = f.do("GET", "/burst")
		}()
	}
	// The first request reaches the origin and waits; the others join its flight.
	deadline := time.Now().Add(5 * time.Second)
	for f.o.hits.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	close(hold)
	wg.Wait()
	if got := f.o.hits.Load(); got != 1 {
		t.Errorf("%d concurrent misses made %d origin requests, want 1", n, got)
	}
	for i, a := range answers {
		if a.body != "object body" || a.status != 200 {
			t.Errorf("request %d: %d %q", i, a.status, a.body)
		}
	}
	if c := f.metric("doorman_gateway_cache_coalesced_total"); c != n-1 {
		t.Errorf("coalesced %v, want %d", c, n-1)
	}
}

// TestCoalescingUnshareable: a burst on a no-store object: the others ask the origin
// themselves, and each gets the whole body.
func TestCoalescingUnshareable(t *testing.T) {
	const n = 5
	f := newFixture(t, edge.Options{}, optimized(t))
	hold := make(chan struct{})
	f.o.set(func(o *origin) { o.hold = hold; o.header.Set("Cache-Control", "no-store") })
	var wg sync.WaitGroup
	bodies := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); bodies[i] = f.do("GET", "/private").body }()
	}
	time.Sleep(300 * time.Millisecond)
	close(hold)
	wg.Wait()
	for i, b := range bodies {
		if b != "object body" {
			t.Errorf("request %d: %q", i, b)
		}
	}
	if f.o.hits.Load() != n {
		t.Errorf("origin asked %d times, want %d: a no-store answer is never shared", f.o.hits.Load(), n)
	}
}

func TestRevalidation(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	var conditional []string
	f.o.set(func(o *origin) {
		o.header.Set("ETag", `"v1"`)
		o.header.Set("Last-Modified", "Fri, 02 Jan 2026 00:00:00 GMT")
		o.handlers = func(w http.ResponseWriter, r *http.Request) bool {
			conditional = append(conditional, r.Header.Get("If-None-Match")+"|"+r.Header.Get("If-Modified-Since"))
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.Header().Set("ETag", `"v1"`)
				w.Header().Set("Cache-Control", "max-age=120")
				w.WriteHeader(http.StatusNotModified)
				return true
			}
			return false
		}
	})
	f.do("GET", "/r")
	f.clock.Advance(2 * time.Minute)
	a := f.do("GET", "/r")
	if a.header.Get("X-Cache") != "RefreshHit from doorman" || a.body != "object body" || a.status != 200 || a.header.Get("Age") != "0" {
		t.Fatalf("after expiry: %d %q X-Cache %q Age %q; want the stored body, RefreshHit, Age 0", a.status, a.body, a.header.Get("X-Cache"), a.header.Get("Age"))
	}
	if len(conditional) != 2 || conditional[1] != `"v1"|Fri, 02 Jan 2026 00:00:00 GMT` {
		t.Errorf("origin saw %q; want the second request conditional on the ETag and Last-Modified", conditional)
	}
	// The 304's max-age=120 now applies.
	f.clock.Advance(100 * time.Second)
	if a = f.do("GET", "/r"); a.header.Get("X-Cache") != "Hit from doorman" {
		t.Errorf("within the refreshed TTL: %q", a.header.Get("X-Cache"))
	}
	if f.metric("doorman_gateway_cache_requests_total", "result", "refresh_hit") != 1 {
		t.Errorf("refresh_hit count %v", f.metric("doorman_gateway_cache_requests_total", "result", "refresh_hit"))
	}
	// The viewer's own conditional request is answered from the store.
	if a = f.do("GET", "/r", "If-None-Match", `"v1"`); a.status != http.StatusNotModified {
		t.Errorf("viewer If-None-Match: %d, want 304 from the store", a.status)
	}
	// A changed object: the origin answers 200, which replaces the entry.
	f.clock.Advance(time.Hour)
	f.o.set(func(o *origin) { o.body = "new body"; o.header.Set("ETag", `"v2"`); o.handlers = nil })
	if a = f.do("GET", "/r"); a.body != "new body" || a.header.Get("X-Cache") != "Miss from doorman" {
		t.Errorf("changed object: %q %q", a.body, a.header.Get("X-Cache"))
	}
}

func TestStaleOnOriginError(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	f.o.set(func(o *origin) { o.header.Set("ETag", `"v1"`) })
	f.do("GET", "/s")
	f.clock.Advance(2 * time.Minute)
	f.o.set(func(o *origin) { o.status = 503; o.body = "down" })
	if a := f.do("GET", "/s"); a.status != 200 || a.body != "object body" {
		t.Errorf("origin 503 on revalidation: %d %q; want the stale object (HTTPStatusCodes: CloudFront serves cached content)", a.status, a.body)
	}
}

func TestInvalidate(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	for _, p := range []string{"/img/a", "/img/b", "/img/b?x=1", "/imgx", "/css/a"} {
		f.do("GET", p)
	}
	n, err := f.cache.Invalidate([]string{"/img/*", "/css/a"})
	if err != nil || n != 3 {
		t.Fatalf("Invalidate: %d %v; want 3: /img/a, /img/b (one entry with /img/b?x=1: no query in the key), /css/a; not /imgx", n, err)
	}
	for p, want := range map[string]string{"/img/a": "Miss", "/imgx": "Hit", "/css/a": "Miss"} {
		if a := f.do("GET", p); !strings.HasPrefix(a.header.Get("X-Cache"), want) {
			t.Errorf("%s after invalidation: %q, want %s", p, a.header.Get("X-Cache"), want)
		}
	}
	if f.metric("doorman_gateway_cache_invalidated_total") != 3 {
		t.Errorf("invalidated %v", f.metric("doorman_gateway_cache_invalidated_total"))
	}
	if n, _ := f.cache.Invalidate([]string{"/*"}); n != 3 || f.cache.Len() != 0 {
		t.Errorf("/* removed %d and left %d entries; want 3 and 0", n, f.cache.Len())
	}
}

func TestInvalidationPaths(t *testing.T) {
	cases := []struct {
		in     string
		path   string
		prefix bool
		ok     bool
		source string
	}{
		{"/a/b.jpg", "/a/b.jpg", false, true, "Invalidation.html: one file"},
		{"/a/*", "/a/", true, true, "Invalidation.html: * at the end"},
		{"/*", "/", true, true, "Invalidation.html: everything"},
		{"/a*", "/a", true, true, "Invalidation.html: /images/image* is allowed"},
		{"/a/*/b", "", false, false, "Invalidation.html: * only at the end"},
		{"a/b", "", false, false, "a path starts with /"},
		{"/a?x=1", "/a", false, true, "query string ignored: every variant goes"},
		{"/a\x00", "", false, false, "no control characters"},
	}
	for _, tc := range cases {
		p, prefix, err := edge.ParseInvalidationPath(tc.in)
		if p != tc.path || prefix != tc.prefix || (err == nil) != tc.ok {
			t.Errorf("%q (%s): %q %v %v", tc.in, tc.source, p, prefix, err)
		}
	}
}

func TestInvalidationHandler(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	f.do("GET", "/a")
	post := func(body string) (int, map[string]any) {
		r, _ := http.NewRequest("POST", "/cache/invalidations", strings.NewReader(body))
		w := &recorderW{header: http.Header{}}
		f.cache.InvalidationHandler().ServeHTTP(w, r)
		var out map[string]any
		_ = json.Unmarshal(w.body.Bytes(), &out)
		return w.status, out
	}
	status, out := post(`{"Paths":{"Quantity":1,"Items":["/a"]},"CallerReference":"ref-1"}`)
	inv, _ := out["Invalidation"].(map[string]any)
	if status != 201 || out["EntriesRemoved"] != 1.0 || inv["Status"] != "Completed" || len(inv["Id"].(string)) != 14 {
		t.Errorf("InvalidationBatch (create-invalidation --invalidation-batch): %d %v", status, out)
	}
	if status, _ = post(`{"InvalidationBatch":{"Paths":{"Quantity":1,"Items":["/*"]},"CallerReference":"r"}}`); status != 201 {
		t.Errorf("wrapped batch: %d", status)
	}
	status, out = post(`{"Paths":{"Quantity":2,"Items":["/a"]},"CallerReference":"r"}`)
	if e, _ := out["Error"].(map[string]any); status != 400 || e["Code"] != "InconsistentQuantities" {
		t.Errorf("Quantity mismatch: %d %v", status, out)
	}
	if status, _ = post(`{"Paths":{"Quantity":1,"Items":["/a*b"]}}`); status != 400 {
		t.Errorf("bad path: %d", status)
	}
	if status, _ = post(`not json`); status != 400 {
		t.Errorf("bad document: %d", status)
	}
}

type recorderW struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorderW) Header() http.Header         { return w.header }
func (w *recorderW) WriteHeader(s int)           { w.status = s }
func (w *recorderW) Write(p []byte) (int, error) { return w.body.Write(p) }

// TestInvalidationDuringFill: an object fetched while an invalidation runs is not stored.
func TestInvalidationDuringFill(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	hold := make(chan struct{})
	f.o.set(func(o *origin) { o.hold = hold })
	done := make(chan struct{})
	go func() { f.do("GET", "/f"); close(done) }()
	for f.o.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if _, err := f.cache.Invalidate([]string{"/f"}); err != nil {
		t.Fatal(err)
	}
	close(hold)
	<-done
	f.o.set(func(o *origin) { o.hold = nil })
	if a := f.do("GET", "/f"); a.header.Get("X-Cache") != "Miss from doorman" {
		t.Errorf("the fill begun before the invalidation was stored: %q", a.header.Get("X-Cache"))
	}
}

func TestMemoryBound(t *testing.T) {
	const budget, object = 64 << 10, 4 << 10
	f := newFixture(t, edge.Options{MaxBytes: budget, MaxEntryBytes: 8 << 10}, optimized(t))
	f.o.set(func(o *origin) { o.body = strings.Repeat("y", object) })
	for i := range 100 {
		if a := f.do("GET", fmt.Sprintf("/m/%d", i)); len(a.body) != object {
			t.Fatalf("object %d: %d bytes", i, len(a.body))
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.cache.Bytes() > budget && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if b := f.cache.Bytes(); b > budget || b < budget/4 {
		t.Errorf("store holds %d bytes after 100 objects of %d; want at most the budget %d (and not empty)", b, object, budget)
	}
	if e := f.metric("doorman_gateway_cache_evictions_total", "cause", "size"); e < 80 {
		t.Errorf("size evictions %v, want most of 100 objects of 4 KiB in 64 KiB", e)
	}
	if _, err := edge.New(edge.Options{MaxBytes: 1 << 10, MaxEntryBytes: 1 << 20}); err == nil {
		t.Errorf("an entry cap above the budget was accepted")
	}
}

func TestResponseHeadersManaged(t *testing.T) {
	p, _, err := edge.ManagedResponseHeadersPolicy("SimpleCORS")
	if err != nil {
		t.Fatal(err)
	}
	if p.OriginOverride {
		t.Errorf("SimpleCORS: OriginOverride true; docs/cloudfront.md#managed-response-headers-policies says No")
	}
	cfg := optimized(t)
	cfg.ResponseHeaders = p
	f := newFixture(t, edge.Options{}, cfg)
	for _, x := range []string{"Miss", "Hit"} {
		a := f.do("GET", "/s", "Origin", "https://z.example")
		if a.header.Get("Access-Control-Allow-Origin") != "*" || !strings.HasPrefix(a.header.Get("X-Cache"), x) {
			t.Errorf("SimpleCORS on a %s: ACAO %q", x, a.header.Get("Access-Control-Allow-Origin"))
		}
	}
	if a := f.do("GET", "/s"); a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("SimpleCORS without Origin added %q: CloudFront adds CORS headers to CORS requests only", a.header.Get("Access-Control-Allow-Origin"))
	}
	if _, _, err := edge.ManagedResponseHeadersPolicy("SecurityHeadersPolicy"); err == nil {
		t.Errorf("SecurityHeadersPolicy has no CORS section")
	}
}

// TestRangeFromStore: a range request is answered from the stored object.
func TestRangeFromStore(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	f.do("GET", "/range")
	a := f.do("GET", "/range", "Range", "bytes=0-5")
	if a.status != http.StatusPartialContent || a.body != "object" {
		t.Errorf("Range: %d %q", a.status, a.body)
	}
	if f.o.lastRequest().Header.Get("Range") != "" {
		t.Errorf("Range forwarded to the origin")
	}
}

func TestSetCookieNotShared(t *testing.T) {
	cases := []struct {
		name, source string
		cookies      edge.Values
		want         string
	}{
		{"no cookie forwarded", "Cookies.html: without forwarded cookies, Set-Cookie is removed", edge.Values{}, ""},
		{"cookies in the key", "cookies forwarded: the origin's Set-Cookie is kept", edge.Values{Mode: edge.All}, "s=viewer1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := optimized(t)
			cfg.Cache.Cookies = tc.cookies
			f := newFixture(t, edge.Options{}, cfg)
			f.o.set(func(o *origin) { o.header.Set("Set-Cookie", "s=viewer1") })
			for _, x := range []string{"Miss", "Hit"} {
				if a := f.do("GET", "/c"); a.header.Get("Set-Cookie") != tc.want {
					t.Errorf("%s: %s carries Set-Cookie %q, want %q", tc.source, x, a.header.Get("Set-Cookie"), tc.want)
				}
			}
		})
	}
}

// TestLeaderPanics: an origin handler that aborts (as httputil.ReverseProxy does with
// http.ErrAbortHandler when the upstream breaks off a body) lets the waiting requests go.
func TestLeaderPanics(t *testing.T) {
	c, err := edge.New(edge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := c.Behavior(optimized(t))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var calls sync.WaitGroup
	calls.Add(1)
	first := true
	var mu sync.Mutex
	h := b.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		isFirst := first
		first = false
		mu.Unlock()
		if isFirst {
			calls.Done()
			<-release
			panic(http.ErrAbortHandler)
		}
		_, _ = w.Write([]byte("second"))
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	go func() { _, _ = http.Get(srv.URL + "/p") }()
	calls.Wait()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/p")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		got <- string(body)
	}()
	time.Sleep(100 * time.Millisecond)
	close(release)
	select {
	case s := <-got:
		if s != "second" {
			t.Errorf("the waiting request got %q, want its own fetch", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting request never went: the leader's panic left the flight open")
	}
}

// TestWaiterLeaves: a request waiting for another's fetch returns when its viewer goes away,
// without waiting for the origin.
func TestWaiterLeaves(t *testing.T) {
	f := newFixture(t, edge.Options{}, optimized(t))
	hold := make(chan struct{})
	defer close(hold)
	f.o.set(func(o *origin) { o.hold = hold })
	go func() { _, _ = http.Get(f.srv.URL + "/w") }()
	for f.o.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, "GET", "http://edge.test/w", nil)
	r.Header.Set("Accept-Encoding", "gzip") // the key Go's client used for the first
	done := make(chan struct{})
	go func() { f.b.Serve(httptest.NewRecorder(), r, f.o.proxy()); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter stayed after its viewer left")
	}
	if n := f.o.hits.Load(); n != 1 {
		t.Errorf("origin asked %d times; the waiter asked it itself", n)
	}
}
