package cors_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	jub0bs "github.com/jub0bs/cors"
	rs "github.com/rs/cors"

	"github.com/doorman-s3/doorman/cors"
)

// peerCase is one workload run through doorman and through jub0bs/cors and rs/cors, each
// configured to allow the same requests and to send the same kind of headers, so that every
// implementation does the same work: classify, evaluate, write the headers into a reused
// header map. allowed says what all three must decide (checked by TestPeerCasesAgree).
type peerCase struct {
	Name    string
	origins []string // allowed origins, in rule order (doorman: one rule each)
	methods []string
	Headers []string
	Req     *http.Request
	allowed bool
	// peersRefuse: doorman allows, as S3 does, but the peers refuse early because they cap
	// the number of empty list elements.
	peersRefuse bool
}

func newReq(method, origin, acrm, acrh string) *http.Request {
	r, _ := http.NewRequest(method, "http://bucket.s3.test/photo.jpg", nil)
	r.Header.Set("Origin", origin)
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

var peerCases = []peerCase{
	{Name: "preflight/rules=1/match=first", origins: []string{"https://app.example.com"}, methods: []string{"PUT"}, Headers: []string{"content-type"},
		Req: newReq("OPTIONS", "https://app.example.com", "PUT", "content-type"), allowed: true},
	{Name: "preflight-2headers/rules=1/match=first", origins: []string{"https://app.example.com"}, methods: []string{"PUT"}, Headers: []string{"content-type", "x-amz-date"},
		Req: newReq("OPTIONS", "https://app.example.com", "PUT", "content-type,x-amz-date"), allowed: true},
	{Name: "preflight/rules=1/match=none", origins: []string{"https://app.example.com"}, methods: []string{"PUT"}, Headers: []string{"content-type"},
		Req: newReq("OPTIONS", "https://evil.example.com", "PUT", "content-type"), allowed: false},
	{Name: "actual/rules=1/match=first", origins: []string{"https://app.example.com"}, methods: []string{"GET", "PUT"},
		Req: newReq("GET", "https://app.example.com", "", ""), allowed: true},
	{Name: "preflight/rules=100/match=last", origins: manyOrigins("https://app%d.example.com"), methods: []string{"PUT"}, Headers: []string{"content-type"},
		Req: newReq("OPTIONS", "https://app99.example.com", "PUT", "content-type"), allowed: true},
	{Name: "actual/rules=100/match=last", origins: manyOrigins("https://app%d.example.com"), methods: []string{"GET", "PUT"},
		Req: newReq("GET", "https://app99.example.com", "", ""), allowed: true},
	{Name: "preflight-wildcard/rules=100/match=last", origins: manyOrigins("https://*.app%d.example.com"), methods: []string{"PUT"}, Headers: []string{"content-type"},
		Req: newReq("OPTIONS", "https://x.app99.example.com", "PUT", "content-type"), allowed: true},
	{Name: "preflight-acrh=1MiB-commas/rules=1/match=none", origins: []string{"https://app.example.com"}, methods: []string{"PUT"}, Headers: []string{"content-type"},
		Req: newReq("OPTIONS", "https://app.example.com", "PUT", strings.Repeat(",", 1<<20)), allowed: false},
	{Name: "preflight-acrh=8KiB-commas/rules=1/match=first", origins: []string{"https://app.example.com"}, methods: []string{"PUT"}, Headers: []string{"content-type"},
		Req: newReq("OPTIONS", "https://app.example.com", "PUT", strings.Repeat(",", 8<<10-13)+"content-type"), allowed: true, peersRefuse: true},
}

// discardWriter is a ResponseWriter whose header map is reused across requests.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// doormanHandler does what doorman's S3 server does per request: read the facts, evaluate,
// write the headers (a preflight's status and body are the server's business).
func doormanHandler(tb testing.TB, c *peerCase) http.Handler {
	cfg := &cors.Config{}
	for _, o := range c.origins {
		cfg.Rules = append(cfg.Rules, cors.Rule{AllowedOrigins: []string{o}, AllowedMethods: c.methods, AllowedHeaders: c.Headers})
	}
	p, err := cors.Compile(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := cors.FromHTTP(r, true)
		var d cors.Decision
		if r.Method == http.MethodOptions {
			d = p.Preflight(&req)
		} else {
			d = p.Actual(&req)
		}
		d.WriteHeaders(w.Header())
	})
}

func jub0bsHandler(tb testing.TB, c *peerCase) http.Handler {
	m, err := jub0bs.NewMiddleware(jub0bs.Config{Origins: c.origins, Methods: c.methods, RequestHeaders: c.Headers, Credentialed: true})
	if err != nil {
		tb.Fatal(err)
	}
	return m.Wrap(noop)
}

func rsHandler(_ testing.TB, c *peerCase) http.Handler {
	return rs.New(rs.Options{AllowedOrigins: c.origins, AllowedMethods: c.methods, AllowedHeaders: c.Headers, AllowCredentials: true}).Handler(noop)
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
			h.ServeHTTP(w, c.Req)
			want := c.allowed && !(c.peersRefuse && impl.name != "doorman")
			if got := w.h.Get("Access-Control-Allow-Origin") != ""; got != want {
				t.Errorf("%s/%s: allowed=%v; want %v (%v)", c.Name, impl.name, got, want, w.h)
			}
		}
	}
}

// BenchmarkPeers: benchstat -col /impl compares the implementations case by case.
func BenchmarkPeers(b *testing.B) {
	for _, c := range peerCases {
		for _, impl := range impls {
			b.Run(c.Name+"/impl="+impl.name, func(b *testing.B) {
				h := impl.new(b, &c)
				w := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					h.ServeHTTP(w, c.Req)
				}
			})
		}
	}
}

// BenchmarkEvaluate measures evaluation alone (no header writing) over the test table.
func BenchmarkEvaluate(b *testing.B) {
	for _, c := range evalCases {
		b.Run("case="+strings.ReplaceAll(c.Name, "/", "-"), func(b *testing.B) {
			p := c.compile(b)
			b.ReportAllocs()
			for b.Loop() {
				c.run(p)
			}
		})
	}
}
