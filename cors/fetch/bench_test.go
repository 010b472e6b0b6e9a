package fetch_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	jub0bs "github.com/jub0bs/cors"
	rs "github.com/rs/cors"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// BenchmarkEvaluate measures the decision alone over the test table.
func BenchmarkEvaluate(b *testing.B) {
	for _, c := range evalCases {
		b.Run("case="+c.Name, func(b *testing.B) {
			p := c.compile(b)
			b.ReportAllocs()
			for b.Loop() {
				sink = p.Evaluate(&c.req)
			}
		})
	}
}

// peerCase is one workload run through doorman and through jub0bs/cors and rs/cors, each
// configured alike (credentials, the same origins, methods and headers), so that each does
// the same work per request: classify, evaluate, write the headers into a reused map, and
// answer a preflight or call the next handler. allowed is what all three must decide
// (TestPeerCasesAgree).
type peerCase struct {
	Name    string
	origins []string
	req     *http.Request
	allowed bool
}

func newReq(method, origin, acrm, acrh string) *http.Request {
	r, _ := http.NewRequest(method, "http://api.test/v1/items", nil)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	if acrm != "" {
		r.Header.Set("Access-Control-Request-Method", acrm)
	}
	if acrh != "" {
		r.Header.Set("Access-Control-Request-Headers", acrh)
	}
	return r
}

func manyOrigins(format string) []string {
	o := make([]string, 100)
	for i := range o {
		o[i] = fmt.Sprintf(format, i)
	}
	return o
}

var (
	peerMethods = []string{"GET", "PUT", "DELETE"}
	peerHeaders = []string{"authorization", "content-type"}
	one         = []string{"https://app.example.com"}
)

var peerCases = []peerCase{
	{"preflight-allowed", one, newReq("OPTIONS", "https://app.example.com", "PUT", "authorization,content-type"), true},
	{"preflight-refused-origin", one, newReq("OPTIONS", "https://evil.test", "PUT", "content-type"), false},
	{"preflight-refused-header", one, newReq("OPTIONS", "https://app.example.com", "PUT", "content-type,x-debug"), false},
	{"preflight-allowed-subdomain", []string{"https://*.example.com"}, newReq("OPTIONS", "https://a.b.example.com", "PUT", "content-type"), true},
	{"preflight-allowed-origins=100", manyOrigins("https://app%d.example.com"), newReq("OPTIONS", "https://app99.example.com", "PUT", "content-type"), true},
	{"preflight-refused-acrh=1MiB", one, newReq("OPTIONS", "https://app.example.com", "PUT", strings.Repeat(",", 1<<20)), false},
	{"actual-allowed", one, newReq("GET", "https://app.example.com", "", ""), true},
	{"actual-refused", one, newReq("GET", "https://evil.test", "", ""), false},
	{"none", one, newReq("GET", "", "", ""), false},
}

// discardWriter is a ResponseWriter whose header map is reused across requests.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// doormanHandler does what the gateway does per request: read the facts, evaluate, write
// the headers, answer a preflight or pass the request on.
func doormanHandler(tb testing.TB, c *peerCase) http.Handler {
	p, err := fetch.Compile(&fetch.Config{Origins: c.origins, Methods: peerMethods, RequestHeaders: peerHeaders, Credentials: true})
	if err != nil {
		tb.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := fetch.FromHTTP(r)
		d := p.Evaluate(&req)
		d.WriteHeaders(w.Header())
		if d.Kind == fetch.Preflight {
			w.WriteHeader(d.Status)
			return
		}
		noop.ServeHTTP(w, r)
	})
}

func jub0bsHandler(tb testing.TB, c *peerCase) http.Handler {
	m, err := jub0bs.NewMiddleware(jub0bs.Config{Origins: c.origins, Methods: peerMethods, RequestHeaders: peerHeaders, Credentialed: true})
	if err != nil {
		tb.Fatal(err)
	}
	return m.Wrap(noop)
}

func rsHandler(_ testing.TB, c *peerCase) http.Handler {
	return rs.New(rs.Options{AllowedOrigins: c.origins, AllowedMethods: peerMethods, AllowedHeaders: peerHeaders, AllowCredentials: true}).Handler(noop)
}

var impls = []struct {
	name string
	new  func(testing.TB, *peerCase) http.Handler
}{{"doorman", doormanHandler}, {"jub0bs", jub0bsHandler}, {"rs", rsHandler}}

// Every implementation must reach the same verdict, or the benchmark compares unequal work.
func TestPeerCasesAgree(t *testing.T) {
	for _, c := range peerCases {
		for _, impl := range impls {
			h := impl.new(t, &c)
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, c.req)
			if got := w.h.Get("Access-Control-Allow-Origin") != ""; got != c.allowed {
				t.Errorf("%s/%s: allowed=%v; want %v (%v)", c.Name, impl.name, got, c.allowed, w.h)
			}
		}
	}
}

// BenchmarkPeers: benchstat -col /impl compares the implementations case by case.
func BenchmarkPeers(b *testing.B) {
	for _, c := range peerCases {
		for _, impl := range impls {
			b.Run("case="+c.Name+"/impl="+impl.name, func(b *testing.B) {
				h := impl.new(b, &c)
				w := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					h.ServeHTTP(w, c.req)
				}
			})
		}
	}
}
