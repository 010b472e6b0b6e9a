package edge_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/edge"
)

// BenchmarkCache measures the cache in process, without a network: case=hit serves a stored
// object, case=miss fetches from an in-process origin each time (CachingDisabled), and
// case=key builds a key (CachingOptimized with Origin in the key).
func BenchmarkCache(b *testing.B) {
	body := strings.Repeat("b", 1024)
	originH := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, body)
	})
	c, err := edge.New(edge.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	keyed := managedCache(b, "CachingOptimized")
	keyed.Headers = edge.Values{Mode: edge.Whitelist, Names: []string{"origin"}}
	cases := []struct {
		name string
		cfg  edge.BehaviorConfig
	}{
		{"hit", edge.BehaviorConfig{Name: "hit", Cache: managedCache(b, "CachingOptimized")}},
		{"miss", edge.BehaviorConfig{Name: "miss", Cache: managedCache(b, "CachingDisabled")}},
		{"hit-origin-key", edge.BehaviorConfig{Name: "keyed", Cache: keyed, Origin: managedOrigin(b, "CORS-S3Origin")}},
	}
	for _, tc := range cases {
		bh, err := c.Behavior(tc.cfg)
		if err != nil {
			b.Fatal(err)
		}
		h := bh.Handler(originH)
		req := httptest.NewRequest("GET", "http://edge.test/obj.txt", nil)
		req.Header.Set("Origin", "https://a.example")
		req.Header.Set("Accept-Encoding", "gzip, br")
		h.ServeHTTP(httptest.NewRecorder(), req)
		b.Run("case="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := &discardW{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.status != 200 {
					b.Fatal(w.status)
				}
			}
		})
	}
}

type discardW struct {
	h      http.Header
	status int
}

func (w *discardW) Header() http.Header         { return w.h }
func (w *discardW) WriteHeader(s int)           { w.status = s }
func (w *discardW) Write(p []byte) (int, error) { return len(p), nil }
