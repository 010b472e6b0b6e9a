package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/gateway"
)

// discardWriter is a ResponseWriter that keeps nothing but its header map, reset between
// requests, so that the benchmarks count the gateway's allocations, not a recorder's.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// The deadlines the server's own writer takes, as http.ResponseController sets them.
func (w *discardWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *discardWriter) SetWriteDeadline(time.Time) error { return nil }

func (w *discardWriter) reset() {
	clear(w.h)
	w.status = 0
}

// BenchmarkGateway measures the gateway's work per request, in process: a preflight
// answered at the gateway (no upstream involved), a GET of 4 KiB proxied to an upstream
// over loopback, and the same GET served from the edge cache (cache-hit-4KiB, a route with
// CachingOptimized). The cases named -logged are served by a second gateway that writes
// its access log to a file, as a deployed one does. Names as benchstat reads them:
// BenchmarkGateway/case=preflight.
func BenchmarkGateway(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(make([]byte, 4096))
	}))
	defer up.Close()
	cfg := strings.ReplaceAll(`version: 1
access_log: {{LOG}}
policies:
  web-app:
    origins: [https://app.example.com, "https://*.example.com"]
    methods: [GET, PUT]
    request_headers: [authorization, content-type]
    max_age: 600s
    credentials: true
hosts:
  - match: api.test
    upstream: {{UP}}
    cors: { policy: web-app }
  - match: cdn.test
    upstream: {{UP}}
    cors: { policy: web-app }
    cache: { policy: CachingOptimized }
`, "{{UP}}", up.URL)
	f := startFront(b, cfg, map[string]string{"LOG": `"off"`})
	logged := startFront(b, cfg, map[string]string{"LOG": filepath.Join(b.TempDir(), "access.json")})
	cases := []struct {
		name   string
		g      *gateway.Gateway
		host   string
		method string
		header http.Header
		status int
	}{
		{"preflight", f.g, "api.test", "OPTIONS", preflight(appOrigin, "PUT", "authorization,content-type"), 204},
		{"get-4KiB", f.g, "api.test", "GET", http.Header{"Origin": {appOrigin}}, 200},
		{"cache-hit-4KiB", f.g, "cdn.test", "GET", http.Header{"Origin": {appOrigin}}, 200},
		{"preflight-logged", logged.g, "api.test", "OPTIONS", preflight(appOrigin, "PUT", "authorization,content-type"), 204},
		{"cache-hit-4KiB-logged", logged.g, "cdn.test", "GET", http.Header{"Origin": {appOrigin}}, 200},
	}
	for _, c := range cases {
		b.Run("case="+c.name, func(b *testing.B) {
			r := httptest.NewRequest(c.method, "http://"+c.host+"/v1/orders", nil)
			r.Header = c.header
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				c.g.ServeHTTP(w, r)
				if w.status != c.status {
					b.Fatalf("status %d, want %d", w.status, c.status)
				}
			}
		})
	}
}
