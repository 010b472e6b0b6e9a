package gateway_test

import (
	"bufio"
	"bytes"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/gateway"
	"github.com/doorman-s3/doorman/internal/prommetrics"
	"github.com/doorman-s3/doorman/internal/s3test"
)

// token is what the auth upstream accepts: "Authorization: Bearer <token>".
const token = "s3cret"

// upstream is an HTTP server behind the gateway. Like the APIs users complain about, it
// requires authentication on every request, OPTIONS included (401 otherwise), and it can add
// its own CORS headers. Every request it receives is counted and recorded.
type upstream struct {
	*httptest.Server
	hits    atomic.Int64
	mu      sync.Mutex
	last    *http.Request
	options atomic.Int64 // OPTIONS requests received
}

// newUpstream starts an upstream. Its answer is steered by the query: status=N, sleep=D,
// acao=V (repeatable: its own Access-Control-Allow-Origin lines), aceh=V, noread=1 (answer
// without reading the body, as an authentication layer does).
func newUpstream(t testing.TB) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.hits.Add(1)
	if r.Method == http.MethodOptions {
		u.options.Add(1)
	}
	u.mu.Lock()
	u.last = r.Clone(r.Context())
	u.mu.Unlock()
	if r.URL.Query().Get("noread") == "" {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	h := w.Header()
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Upstream", "yes")
	for _, v := range r.URL.Query()["acao"] { // the upstream adds its own Allow-Origin lines
		h.Add("Access-Control-Allow-Origin", v)
	}
	if r.URL.Query().Get("aceh") != "" {
		h.Set("Access-Control-Expose-Headers", r.URL.Query().Get("aceh"))
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"unauthorized"}`)
		return
	}
	if d := r.URL.Query().Get("sleep"); d != "" {
		p, _ := time.ParseDuration(d)
		time.Sleep(p)
	}
	status := http.StatusOK
	if s := r.URL.Query().Get("status"); s != "" {
		status, _ = strconv.Atoi(s)
	}
	w.WriteHeader(status)
	_, _ = w.Write(bytes.Repeat([]byte("x"), 4096))
}

func (u *upstream) lastRequest() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last
}

// deadUpstream is the URL of a port nothing listens on.
func deadUpstream(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// front is a running gateway: the proxy and its admin handler, each behind a test server.
type front struct {
	g      *gateway.Gateway
	proxy  *httptest.Server
	admin  *httptest.Server
	file   string
	access *syncBuffer
}

// syncBuffer collects an access log while the test reads it.
type syncBuffer = s3test.SyncBuffer

// writeConfig writes a configuration file, replacing each key of vars (e.g. "UP") written
// as {{UP}}.
func writeConfig(t testing.TB, dir, text string, vars map[string]string) string {
	t.Helper()
	for k, v := range vars {
		text = strings.ReplaceAll(text, "{{"+k+"}}", v)
	}
	path := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startFront loads the configuration and serves it.
func startFront(t testing.TB, text string, vars map[string]string) *front {
	t.Helper()
	return startFrontIn(t, t.TempDir(), text, vars)
}

// startFrontIn is startFront with the configuration file in dir.
func startFrontIn(t testing.TB, dir, text string, vars map[string]string) *front {
	t.Helper()
	return startFrontWith(t, dir, text, vars, prommetrics.NewGateway())
}

// startFrontWith is startFrontIn with the metrics m (nil: none), as the command wires them.
func startFrontWith(t testing.TB, dir, text string, vars map[string]string, m gateway.Metrics) *front {
	t.Helper()
	f := &front{file: writeConfig(t, dir, text, vars), access: &syncBuffer{}}
	cfg, err := gateway.LoadFile(f.file)
	if err != nil {
		t.Fatalf("loading the configuration:\n%v", err)
	}
	f.g, err = gateway.New(cfg, gateway.Options{Stderr: f.access, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	f.proxy = httptest.NewUnstartedServer(f.g)
	f.proxy.Config = f.g.Server()
	f.proxy.Start()
	f.admin = httptest.NewServer(f.g.AdminHandler())
	t.Cleanup(func() {
		f.proxy.Close()
		f.admin.Close()
		f.g.Close()
	})
	return f
}

// do sends a request for host and target through the gateway and returns the response with
// its body read.
func (f *front) do(t testing.TB, method, host, target string, header http.Header, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.proxy.URL+target, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := f.proxy.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// metric returns the value of one series of the admin listener's metrics, 0 if absent.
func (f *front) metric(t testing.TB, series string) float64 {
	t.Helper()
	res, err := http.Get(f.admin.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return n
		}
	}
	return 0
}

// settle is how long a test waits for what the gateway records after an answer is sent (the
// access-log line and the metrics are written once the response is out).
const settle = 5 * time.Second

// metricIs waits until the series has the value want, and returns the value it last read.
func (f *front) metricIs(t testing.TB, series string, want float64) float64 {
	t.Helper()
	deadline := time.Now().Add(settle)
	for {
		got := f.metric(t, series)
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// accessLog waits until the access log holds s (or n lines, when s is ""), and returns it.
func (f *front) accessLog(s string, n int) string {
	deadline := time.Now().Add(settle)
	for {
		log := f.access.String()
		if (s != "" && strings.Contains(log, s)) || (s == "" && strings.Count(log, "\n") >= n) || time.Now().After(deadline) {
			return log
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// preflight is the header of a preflight from origin for method and request headers.
func preflight(origin, method, headers string) http.Header {
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	return h
}

// corsHeaders lists a response's Access-Control-* headers as "Name: value" lines, sorted,
// one per value, so that duplicates show.
func corsHeaders(h http.Header) []string {
	var out []string
	for k, vs := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			for _, v := range vs {
				out = append(out, k+": "+v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// varyNames lists the names of every Vary line, in order.
func varyNames(h http.Header) []string {
	var out []string
	for _, l := range h.Values("Vary") {
		for n := range strings.SplitSeq(l, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// bigBody is a request body of n bytes with a Content-Length.
type bigBody struct{ n int }

func (b *bigBody) reader() io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(make([]byte, b.n))
}

var update = flag.Bool("update", false, "rewrite the golden files of testdata with what the code produces")

// checkGolden compares got with testdata/name (rewritten with -update).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs\n--- got\n%s--- want\n%s", name, got, want)
	}
}
