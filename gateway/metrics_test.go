package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without metrics (Options.Metrics nil) nothing is counted: every path that counts serves as
// it does with them (a preflight answered, a decision, an upstream failure, a cache hit, a
// tenant file load, reloads and an invalidation), and the admin listener has no /metrics.
func TestWithoutMetrics(t *testing.T) {
	up := newUpstream(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "photo") // stored: CachingOptimized's default TTL applies
	}))
	t.Cleanup(origin.Close)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tenants"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tenants", "acme.yaml"), []byte("origins: [https://shop.acme.test]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := startFrontWith(t, dir, `version: 1
policies:
  web-app: { origins: [https://app.example.com], methods: [GET, PUT], request_headers: [authorization] }
  tenant-app: { methods: [PUT] }
hosts:
  - match: api.test
    upstream: {{UP}}
    cors: { policy: web-app }
    routes:
      - path: /dead/
        upstream: {{DEAD}}
  - match: cdn.test
    upstream: {{ORIGIN}}
    cors: { policy: web-app }
    cache: { policy: CachingOptimized }
  - match: "{tenant}.t.test"
    upstream: {{UP}}
    cors: { policy: tenant-app, origins_from: { file: "tenants/{tenant}.yaml" } }
`, map[string]string{"UP": up.URL, "ORIGIN": origin.URL, "DEAD": deadUpstream(t)}, nil)
	app := http.Header{"Origin": {appOrigin}, "Authorization": auth["Authorization"]}
	for _, c := range []struct {
		name, host, method, target string
		header                     http.Header
		status                     int
		xCache                     string
	}{
		{"preflight answered", "api.test", "OPTIONS", "/", preflight(appOrigin, "PUT", "authorization"), 204, ""},
		{"preflight refused", "api.test", "OPTIONS", "/", preflight(appOrigin, "DELETE", ""), 403, ""},
		{"actual allowed", "api.test", "GET", "/", app, 200, ""},
		{"upstream unreachable", "api.test", "GET", "/dead/", app, 502, ""},
		{"no host", "nowhere.test", "GET", "/", nil, 404, ""},
		{"cache miss", "cdn.test", "GET", "/object", app, 200, "Miss from doorman"},
		{"cache hit", "cdn.test", "GET", "/object", app, 200, "Hit from doorman"},
		{"cache bypass", "cdn.test", "PUT", "/object", app, 200, "Miss from doorman"},
		{"tenant", "acme.t.test", "OPTIONS", "/", preflight("https://shop.acme.test", "PUT", ""), 204, ""},
	} {
		res, _ := f.do(t, c.method, c.host, c.target, c.header, nil)
		if res.StatusCode != c.status || res.Header.Get("X-Cache") != c.xCache {
			t.Errorf("%s: status %d, X-Cache %q; want %d, %q", c.name, res.StatusCode, res.Header.Get("X-Cache"), c.status, c.xCache)
		}
	}
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/metrics", "", 404},
		{"GET", "/healthz", "", 200},
		{"POST", "/reload", "", 200},
		{"POST", "/cache/invalidations", `{"Paths":{"Quantity":1,"Items":["/object"]},"CallerReference":"t"}`, 201},
	} {
		req, err := http.NewRequest(c.method, f.admin.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, res.StatusCode, c.status)
		}
	}
}
