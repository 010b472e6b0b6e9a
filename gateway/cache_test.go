package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/doorman-s3/doorman/gateway"
)

// s3Origin answers as S3 answers a bucket whose CORS rule allows https://a.test and https://b.test
// (docs/cloudfront.md#the-stale-cors-trap): Allow-Origin and Vary only for those origins.
func s3Origin(t testing.TB) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if o := r.Header.Get("Origin"); o == "https://a.test" || o == "https://b.test" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
		}
		w.Header().Set("ETag", `"e1"`)
		_, _ = io.WriteString(w, "photo")
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

const cacheConfig = `version: 1
policies:
  web: { origins: [https://a.test, https://b.test], methods: [GET] }
hosts:
  - match: trap.test
    upstream: {{UP}}
    cache: { policy: CachingOptimized, origin_request_policy: CORS-S3Origin }
  - match: keyed.test
    upstream: {{UP}}
    cache:
      policy: { min_ttl: 0s, default_ttl: 1h, max_ttl: 24h, headers: [origin], accept_encoding: [gzip, br] }
      origin_request_policy: { headers: [access-control-request-method, access-control-request-headers] }
  - match: override.test
    upstream: {{UP}}
    cache:
      policy: CachingOptimized
      origin_request_policy: CORS-S3Origin
      response_headers_policy: { origins: [https://a.test, https://b.test], methods: [GET], headers: [content-type], origin_override: true }
  - match: managed.test
    upstream: {{UP}}
    cache: { policy: CachingOptimized, response_headers_policy: SimpleCORS }
  - match: gatewaycors.test
    upstream: {{UP}}
    cors: { policy: web }
    cache: { policy: CachingOptimized, origin_request_policy: CORS-S3Origin }
    routes:
      - path: /nocache/
        cache: off
`

func TestCacheThroughGateway(t *testing.T) {
	up, hits := s3Origin(t)
	f := startFront(t, cacheConfig, map[string]string{"UP": up.URL})
	type step struct {
		host, path, origin string
		acao, xcache       string
	}
	cases := []struct {
		name, source string
		steps        []step
	}{
		{"trap", "docs/cloudfront.md#the-stale-cors-trap case 2: CachingOptimized + CORS-S3Origin", []step{
			{"trap.test", "/p.jpg", "", "", "Miss"}, {"trap.test", "/p.jpg", "https://a.test", "", "Hit"}}},
		{"keyed", "docs/cloudfront.md#the-stale-cors-trap case 3: Origin in the key", []step{
			{"keyed.test", "/p.jpg", "", "", "Miss"}, {"keyed.test", "/p.jpg", "https://a.test", "https://a.test", "Miss"},
			{"keyed.test", "/p.jpg", "https://a.test", "https://a.test", "Hit"}}},
		{"OriginOverride true", "docs/cloudfront.md#the-stale-cors-trap case 4: the policy's Allow-Origin per viewer, hits included", []step{
			{"override.test", "/p.jpg", "", "", "Miss"}, {"override.test", "/p.jpg", "https://b.test", "https://b.test", "Hit"}}},
		{"SimpleCORS", "docs/cloudfront.md#managed-response-headers-policies: Allow-Origin * on CORS requests, hits included", []step{
			{"managed.test", "/p.jpg", "https://z.test", "*", "Miss"}, {"managed.test", "/p.jpg", "https://y.test", "*", "Hit"}}},
		{"gateway policy over a cache", "upstream_headers override: the gateway writes CORS per request", []step{
			{"gatewaycors.test", "/p.jpg", "", "", "Miss"}, {"gatewaycors.test", "/p.jpg", "https://b.test", "https://b.test", "Hit"}}},
		{"cache: off on a route", "a route's cache: off wins over its host's cache", []step{
			{"gatewaycors.test", "/nocache/p.jpg", "", "", ""}, {"gatewaycors.test", "/nocache/p.jpg", "", "", ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i, s := range tc.steps {
				h := http.Header{}
				if s.origin != "" {
					h.Set("Origin", s.origin)
				}
				res, body := f.do(t, "GET", s.host, s.path, h, nil)
				if res.StatusCode != 200 || body != "photo" {
					t.Fatalf("step %d: %d %q", i, res.StatusCode, body)
				}
				if got := res.Header.Get("Access-Control-Allow-Origin"); got != s.acao {
					t.Errorf("%s: step %d: Allow-Origin %q, want %q", tc.source, i, got, s.acao)
				}
				want := s.xcache
				if want != "" {
					want += " from doorman"
				}
				if got := res.Header.Get("X-Cache"); got != want {
					t.Errorf("%s: step %d: X-Cache %q, want %q", tc.source, i, got, want)
				}
			}
		})
	}
	if got := f.metric(t, `doorman_gateway_cache_requests_total{result="hit",route="trap.test"}`); got != 1 {
		t.Errorf("hits of trap.test: %v", got)
	}
	if log := f.accessLog(`"cache":"Hit from doorman"`, 0); !strings.Contains(log, `"route":"trap.test"`) || !strings.Contains(log, `"cache":"Hit from doorman"`) {
		t.Errorf("the access log does not say which answers were hits:\n%s", log)
	}
	// The effective configuration shows each route's cache and key.
	cres, err := http.Get(f.admin.URL + "/config")
	if err != nil {
		t.Fatal(err)
	}
	cfgJSON, _ := io.ReadAll(cres.Body)
	cres.Body.Close()
	if !strings.Contains(string(cfgJSON), `"key": "keyed.test |  | / | h:origin=\u003cOrigin\u003e | ae:br,gzip"`) {
		t.Errorf("GET /config lacks the cache key of keyed.test:\n%s", cfgJSON)
	}
	// Invalidation on the admin listener, in CloudFront's InvalidationBatch shape.
	before := hits.Load()
	res, err := http.Post(f.admin.URL+"/cache/invalidations", "application/json",
		strings.NewReader(`{"Paths":{"Quantity":1,"Items":["/p*"]},"CallerReference":"t"}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		EntriesRemoved int
		Invalidation   struct{ Status string }
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if res.StatusCode != 201 || out.EntriesRemoved < 5 || out.Invalidation.Status != "Completed" {
		t.Errorf("invalidation: %d %+v", res.StatusCode, out)
	}
	if res, _ := f.do(t, "GET", "trap.test", "/p.jpg", nil, nil); res.Header.Get("X-Cache") != "Miss from doorman" || hits.Load() != before+1 {
		t.Errorf("after the invalidation: %q", res.Header.Get("X-Cache"))
	}
}

func TestCacheUpstreamDown(t *testing.T) {
	f := startFront(t, `version: 1
hosts:
  - match: "*"
    upstream: {{UP}}
    cache: { policy: CachingOptimized }
`, map[string]string{"UP": deadUpstream(t)})
	for i, want := range []string{"Miss from doorman", "Hit from doorman"} {
		res, body := f.do(t, "GET", "x.test", "/a", nil, nil)
		if res.StatusCode != 502 || body != `{"message":"Bad Gateway"}` || res.Header.Get("X-Cache") != want {
			t.Errorf("request %d: %d %q %q; want the gateway's 502, cached for the error caching TTL as CloudFront caches an origin's failure",
				i, res.StatusCode, body, res.Header.Get("X-Cache"))
		}
	}
	if got := f.metric(t, `doorman_gateway_upstream_errors_total{kind="unreachable",route="*"}`); got != 1 {
		t.Errorf("upstream errors counted %v, want 1 (the second answer came from the cache)", got)
	}
}

var cacheErrorCases = []struct {
	name, yaml, want string
}{
	{"unknown managed policy", `version: 1
hosts:
  - match: a.test
    upstream: http://127.0.0.1:1
    cache: { policy: CachingOptimised }
`, `gateway.yaml:5:22: hosts[0].cache.policy: no managed policy is named "CachingOptimised" (did you mean "CachingOptimized"?)`},
	{"policy errors at their block", `version: 1
hosts:
  - match: a.test
    upstream: http://127.0.0.1:1
    cache:
      policy: { min_ttl: 1h, default_ttl: 1s, cookies: [] , headers: [origin], query_strings: maybe }
      cached_methods: [GET]
      origin_request_policy: AllViewers
`, `gateway.yaml:6:95: hosts[0].cache.policy.query_strings: "maybe" is not none, all, a list of names, or {all_except: [names]}
gateway.yaml:7:23: hosts[0].cache.cached_methods: cached methods are [GET, HEAD] or [GET, HEAD, OPTIONS], as in CloudFront, not [GET]
gateway.yaml:8:30: hosts[0].cache.origin_request_policy: no managed policy is named "AllViewers" (did you mean "AllViewer"?)`},
	{"ttl order", `version: 1
hosts:
  - match: a.test
    upstream: http://127.0.0.1:1
    cache: { policy: { min_ttl: 1h, default_ttl: 1s } }
`, `gateway.yaml:5:22: hosts[0].cache.policy: min_ttl (1h0m0s) <= default_ttl (1s) <= max_ttl (8760h0m0s) does not hold`},
	{"response headers policy as CloudFront validates it", `version: 1
hosts:
  - match: a.test
    upstream: http://127.0.0.1:1
    cache:
      policy: CachingDisabled
      response_headers_policy: { origins: ["*"], methods: [GET], headers: ["*"], credentials: true }
`, `gateway.yaml:7:32: hosts[0].cache.response_headers_policy.origin_override: missing: CloudFront's CorsConfig requires OriginOverride (true: the policy's headers replace the origin's)`},
	{"missing policy and unknown key", `version: 1
edge: { memory: 1KiB }
hosts:
  - match: a.test
    upstream: http://127.0.0.1:1
    cache: { origin_request_policy: CORS-S3Origin, ttl: 5s }
`, `gateway.yaml:2:17: edge.memory: 1KiB is below the least allowed, 65536 bytes
gateway.yaml:6:12: hosts[0].cache.policy: missing: a cache behaviour has a cache policy, e.g. policy: CachingOptimized (or CachingDisabled)
gateway.yaml:6:52: hosts[0].cache.ttl: unknown key (known keys: policy, origin_request_policy, cached_methods, response_headers_policy)`},
}

func TestCacheConfigErrors(t *testing.T) {
	for _, tc := range cacheErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.Load("gateway.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestCacheExplain(t *testing.T) {
	cfg, err := gateway.Load("gateway.yaml", []byte(strings.ReplaceAll(cacheConfig, "{{UP}}", "http://127.0.0.1:1")))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ host, label, want string }{
		{"keyed.test", "cache key (GET)", "keyed.test |  | /img/a.png | h:origin=<Origin> | ae:br,gzip"},
		{"trap.test", "origin request policy", "CORS-S3Origin (managed, 88a5eaf4-2fd4-4709-b370-b4c650ea3fcf): forwards headers whitelist [origin, access-control-request-headers, access-control-request-method], cookies none, query strings none"},
		{"override.test", "response headers policy", "custom (gateway.yaml:18:32), OriginOverride true"},
	} {
		e := gateway.Explain(cfg, tc.host, "/img/a.png")
		found := false
		for _, line := range strings.Split(e.String(), "\n") {
			label, value, _ := strings.Cut(strings.TrimSpace(line), "  ")
			found = found || label == tc.label && strings.TrimSpace(value) == tc.want
		}
		if e.Cache == nil || !found {
			t.Errorf("%s: explain lacks %s %q:\n%s", tc.host, tc.label, tc.want, e)
		}
	}
	// What lint reads of each route (lint.EdgeRoute).
	for _, tc := range []struct {
		host, field                       string
		perRequest, byOverride, preflight bool
		source                            string
	}{
		{"trap.test", "hosts[0].cache", false, false, true, "no policy: the cached Allow-Origin is what viewers get"},
		{"override.test", "hosts[2].cache", true, true, true, "OriginOverride true writes it per viewer"},
		{"gatewaycors.test", "hosts[4].cache", true, false, false, "an enforced policy with upstream_headers override answers preflights and writes CORS per request"},
	} {
		c := gateway.Explain(cfg, tc.host, "/a").Cache
		if c == nil || c.Field != tc.field || c.PerRequestCORS != tc.perRequest || c.ByOriginOverride != tc.byOverride || c.PreflightsForwarded != tc.preflight {
			t.Errorf("%s (%s): %+v", tc.host, tc.source, c)
		}
	}
	cached := 0
	for _, rv := range cfg.Routes() {
		if rv.Cache != nil {
			cached++
		}
	}
	if cached != 5 {
		t.Errorf("Config.Routes: %d routes with a cache, want the 5 hosts (the route with cache: off has none)", cached)
	}
	if e := gateway.Explain(cfg, "gatewaycors.test", "/nocache/x"); e.Cache != nil {
		t.Errorf("cache: off explained as %+v", e.Cache)
	}
}

// TestCacheConcurrentHits: hits share the stored entry's header values while each viewer's
// answer is decorated for its own Origin; run under -race, nothing is shared that one
// viewer's decoration changes for another.
func TestCacheConcurrentHits(t *testing.T) {
	up, _ := s3Origin(t)
	f := startFront(t, cacheConfig, map[string]string{"UP": up.URL})
	f.do(t, "GET", "override.test", "/c.jpg", nil, nil)
	f.do(t, "GET", "gatewaycors.test", "/c.jpg", nil, nil)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			origin := []string{"https://a.test", "https://b.test"}[i%2]
			host := []string{"override.test", "gatewaycors.test"}[i/2%2]
			res, _ := f.do(t, "GET", host, "/c.jpg", http.Header{"Origin": {origin}}, nil)
			if got := res.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != origin || res.Header.Get("X-Cache") != "Hit from doorman" {
				t.Errorf("%s from %s: Allow-Origin %q, X-Cache %q", host, origin, got, res.Header.Get("X-Cache"))
			}
		}()
	}
	wg.Wait()
}

// TestEdgeExample loads examples/edge.yaml, and checks the cache key of each of its hosts.
func TestEdgeExample(t *testing.T) {
	cfg, err := gateway.LoadFile("../examples/edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{
		"trap.localhost":       "trap.localhost |  | /bucket/photo.jpg | ae:br,gzip",
		"fixed.localhost":      "fixed.localhost |  | /bucket/photo.jpg | h:origin=<Origin> | ae:br,gzip",
		"preflights.localhost": "preflights.localhost |  | /bucket/photo.jpg | h:origin=<Origin> | h:access-control-request-method=<Access-Control-Request-Method> | h:access-control-request-headers=<Access-Control-Request-Headers>",
	} {
		if c := gateway.Explain(cfg, host, "/bucket/photo.jpg").Cache; c == nil || c.Key != want {
			t.Errorf("%s: key %+v, want %q", host, c, want)
		}
	}
}
