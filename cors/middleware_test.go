package cors_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/internal/corsspec"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	cfg, _ := cors.DecodeJSON([]byte(corsspec.CfgTwoRules))
	m, err := cors.NewMiddleware(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int32
	srv := httptest.NewServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusNotFound) // CORS headers ride on errors too
		_, _ = io.WriteString(w, "missing")
	})))
	defer srv.Close()

	do := func(method, path string, h map[string]string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		res.Header.Set("X-Test-Body", string(body))
		return res
	}

	res := do("OPTIONS", "/photo.jpg", map[string]string{"Origin": "https://b.example", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"})
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://b.example" ||
		res.Header.Get("Access-Control-Allow-Methods") != "PUT, POST, DELETE" || res.Header.Get("Content-Length") != "0" {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
	res = do("OPTIONS", "/", map[string]string{"Origin": "https://c.example", "Access-Control-Request-Method": "PUT"})
	if res.StatusCode != 403 || res.Header.Get("Content-Type") != "application/xml" ||
		!strings.Contains(res.Header.Get("X-Test-Body"), "<Method>PUT</Method><ResourceType>BUCKET</ResourceType>") ||
		res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("refused preflight: %d %v", res.StatusCode, res.Header)
	}
	res = do("OPTIONS", "/k", nil)
	if res.StatusCode != 400 || !res.Close {
		t.Fatalf("preflight without Origin: %d close=%v", res.StatusCode, res.Close)
	}
	if reached.Load() != 0 {
		t.Fatal("a preflight reached the handler")
	}
	res = do("GET", "/k", map[string]string{"Origin": "https://a.example"})
	if res.StatusCode != 404 || res.Header.Get("Access-Control-Allow-Origin") != "https://a.example" || res.Header.Get("Vary") != cors.Vary {
		t.Fatalf("actual request: %d %v", res.StatusCode, res.Header)
	}
	res = do("GET", "/k", map[string]string{"Origin": "https://evil.example"})
	if res.StatusCode != 404 || res.Header.Get("Access-Control-Allow-Origin") != "" || reached.Load() != 2 {
		t.Fatalf("unmatched actual request must still be served, without CORS: %d %v", res.StatusCode, res.Header)
	}
}

// Many goroutines evaluate while the configuration flips; every answer must be the whole
// answer of one configuration or the other.
func TestReconfigureIsAtomic(t *testing.T) {
	t.Parallel()
	a, _ := cors.DecodeJSON([]byte(`{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["https://x.example"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":1}]}`))
	b, _ := cors.DecodeJSON([]byte(`{"CORSRules":[{"AllowedMethods":["GET","PUT"],"AllowedOrigins":["*"],"MaxAgeSeconds":2}]}`))
	m, err := cors.NewMiddleware(a)
	if err != nil {
		t.Fatal(err)
	}
	h := m.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	valid := map[string]bool{
		"https://x.example|GET|ETag|1": true,
		"*|GET, PUT||2":                true,
		"|||":                          true, // no configuration at all
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var err error
			switch i % 3 {
			case 0:
				err = m.Reconfigure(a)
			case 1:
				err = m.Reconfigure(b)
			case 2:
				err = m.Reconfigure(nil)
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	var readers sync.WaitGroup
	for range 8 {
		readers.Go(func() {
			for range 2000 {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", "/k", nil)
				req.Header.Set("Origin", "https://x.example")
				h.ServeHTTP(rec, req)
				hd := rec.Header()
				key := hd.Get("Access-Control-Allow-Origin") + "|" + hd.Get("Access-Control-Allow-Methods") + "|" +
					hd.Get("Access-Control-Expose-Headers") + "|" + hd.Get("Access-Control-Max-Age")
				if !valid[key] {
					t.Errorf("mixed answer %q", key)
					return
				}
			}
		})
	}
	readers.Wait()
	close(stop)
	wg.Wait()
	if err := m.Reconfigure(a); err != nil {
		t.Fatal(err)
	}
	before := m.Policy()
	if err := m.Reconfigure(&cors.Config{}); err == nil {
		t.Fatal("an invalid configuration was accepted")
	}
	if m.Policy() != before {
		t.Fatal("a refused configuration replaced the rules in force")
	}
}
