package cors_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/internal/corsspec"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()
	for _, c := range evalCases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			p := c.compile(t)
			d := c.run(p)
			if d.Outcome != c.Outcome || d.Rule != c.Rule || d.Status != c.Status {
				t.Fatalf("[%s] got outcome %v rule %d status %d; want %v rule %d status %d",
					c.Src, d.Outcome, d.Rule, d.Status, c.Outcome, c.Rule, c.Status)
			}
			if got := d.Headers(); !slices.Equal(got, c.Headers) {
				t.Errorf("[%s] headers\n got %q\nwant %q", c.Src, got, c.Headers)
			}
			switch {
			case c.Err == nil && d.Err() != nil:
				t.Errorf("[%s] unexpected error %v", c.Src, d.Err())
			case c.Err != nil && d.Err() == nil:
				t.Errorf("[%s] no error; want %s", c.Src, c.Err.Code)
			case c.Err != nil:
				e := refusal(t, &d)
				got := corsspec.Err{Code: e.Code, Message: e.Message, Method: e.Method, ResourceType: e.ResourceType}
				if got != *c.Err {
					t.Errorf("[%s] error\n got %+v\nwant %+v", c.Src, got, *c.Err)
				}
				if e.Status != c.Status {
					t.Errorf("[%s] error status %d, decision status %d", c.Src, e.Status, c.Status)
				}
			}
		})
	}
}

// The written header map must equal the ordered list, and no value may have spare capacity.
func TestWriteHeaders(t *testing.T) {
	t.Parallel()
	for _, c := range evalCases {
		d := c.run(c.compile(t))
		h := http.Header{}
		d.WriteHeaders(h)
		want := http.Header{}
		for _, kv := range c.Headers {
			want.Add(kv.Name, kv.Value)
		}
		if !equalHeader(h, want) {
			t.Errorf("%s: wrote %v; want %v", c.Name, h, want)
		}
		for k := range h {
			if cap(h[k]) != len(h[k]) {
				t.Errorf("%s: %s shares spare capacity: an append by a handler would write into another header", c.Name, k)
			}
		}
	}
}

// WriteHeaders shares values between responses: a handler appending to or replacing any
// header of one response must leave every other response's headers as they were written.
func TestWriteHeadersResponsesStayApart(t *testing.T) {
	t.Parallel()
	age := int32(600)
	p, err := cors.Compile(&cors.Config{Rules: []cors.Rule{
		{AllowedOrigins: []string{"https://app.example.com", "https://*.example.net"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"content-type", "x-amz-*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: &age},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, AllowedHeaders: []string{"*"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := []cors.Request{
		{Method: "OPTIONS", Origin: "https://app.example.com", RequestMethod: "PUT", RequestHeaders: []string{"Content-Type"}},
		{Method: "OPTIONS", Origin: "https://a.example.net", RequestMethod: "PUT", RequestHeaders: []string{"content-type,x-amz-date"}},
		{Method: "OPTIONS", Origin: "https://b.example.org", RequestMethod: "GET", RequestHeaders: []string{"X-Custom"}},
		{Method: "GET", Origin: "https://app.example.com"},
		{Method: "GET", Origin: "https://b.example.org"},
		{Method: "OPTIONS"},
	}
	tampers := map[string]func(h http.Header, k string){
		"Add":    func(h http.Header, k string) { h.Add(k, "tampered") },
		"append": func(h http.Header, k string) { h[k] = append(h[k], "tampered") },
		"Set":    func(h http.Header, k string) { h.Set(k, "tampered") },
	}
	decide := func(r *cors.Request) cors.Decision {
		if r.Method == http.MethodOptions {
			return p.Preflight(r)
		}
		return p.Actual(r)
	}
	for _, r := range reqs {
		for name, tamper := range tampers {
			a, b := http.Header{}, http.Header{}
			d := decide(&r)
			d.WriteHeaders(a)
			d.WriteHeaders(b)
			want := b.Clone()
			for k := range a {
				tamper(a, k)
			}
			again := http.Header{}
			d2 := decide(&r)
			d2.WriteHeaders(again)
			if !equalHeader(b, want) || !equalHeader(again, want) {
				t.Errorf("%+v: %s on one response changed another: %v, then %v; want %v", r, name, b, again, want)
			}
		}
	}
}

func TestWriteHeadersAppendsVary(t *testing.T) {
	t.Parallel()
	c := evalCases[slices.IndexFunc(evalCases, func(c evalCase) bool { return c.Name == "actual/star" })]
	d := c.run(c.compile(t))
	h := http.Header{"Vary": {"Accept-Encoding"}}
	d.WriteHeaders(h)
	if want := []string{"Accept-Encoding", cors.Vary}; !slices.Equal(h["Vary"], want) {
		t.Fatalf("Vary = %q; want %q", h["Vary"], want)
	}
}

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// Explain must reach the same verdict as the evaluation it explains: the first rule it marks
// as matched is the rule the decision names.
func TestExplainAgreesWithDecision(t *testing.T) {
	t.Parallel()
	for _, c := range evalCases {
		if c.NoBucket {
			continue
		}
		p := c.compile(t)
		e := p.Explain(&c.Req, c.Preflight)
		if e.Decision.Outcome != c.Outcome || e.Decision.Rule != c.Rule {
			t.Errorf("%s: explained decision %v/%d; want %v/%d", c.Name, e.Decision.Outcome, e.Decision.Rule, c.Outcome, c.Rule)
		}
		if c.Outcome != cors.Allowed && c.Outcome != cors.NoMatchingRule {
			continue
		}
		first := slices.IndexFunc(e.Rules, func(r cors.RuleTrace) bool { return r.Matched })
		if first != c.Rule {
			t.Errorf("%s: first matched rule in trace %d; decision %d", c.Name, first, c.Rule)
		}
	}
}

func TestExplainTrace(t *testing.T) {
	t.Parallel()
	cfg, err := cors.DecodeJSON([]byte(corsspec.CfgTwoRules))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cors.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := p.Explain(&cors.Request{Method: "OPTIONS", Origin: "https://a.example", RequestMethod: "PUT", RequestHeaders: []string{"Content-Type"}}, true)
	want := []cors.RuleTrace{
		{Index: 0, ID: "get-only", Origin: "https://a.example", OriginMatched: true, MethodMatched: false,
			Headers: []cors.HeaderTrace{{Name: "Content-Type"}}},
		{Index: 1, ID: "writes", Origin: "https://a.example", OriginMatched: true, MethodMatched: true,
			Headers: []cors.HeaderTrace{{Name: "Content-Type", AllowedBy: "*"}}, Matched: true},
	}
	if len(e.Rules) != len(want) {
		t.Fatalf("%d rules traced", len(e.Rules))
	}
	for i := range want {
		g, w := e.Rules[i], want[i]
		if g.Index != w.Index || g.ID != w.ID || g.Origin != w.Origin || g.OriginMatched != w.OriginMatched ||
			g.MethodMatched != w.MethodMatched || g.Matched != w.Matched || !slices.Equal(g.Headers, w.Headers) {
			t.Errorf("rule %d: got %+v; want %+v", i, g, w)
		}
	}
	if e.Method != "PUT" || !slices.Equal(e.Headers, []string{"Content-Type"}) {
		t.Errorf("method %q headers %q", e.Method, e.Headers)
	}
}

func TestRefusalBody(t *testing.T) {
	t.Parallel()
	d := (*cors.Policy)(nil).Preflight(&cors.Request{Method: "OPTIONS", Origin: "https://x", RequestMethod: "PUT"})
	got := string(refusal(t, &d).XML("REQID", "HOSTID"))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>AccessForbidden</Code><Message>CORSResponse: CORS is not enabled for this bucket.</Message>` +
		`<Method>PUT</Method><ResourceType>BUCKET</ResourceType><RequestId>REQID</RequestId><HostId>HOSTID</HostId></Error>`
	if got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
	p, _ := cors.Compile(&cors.Config{Rules: []cors.Rule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://a"}}}})
	d = p.Preflight(&cors.Request{Method: "OPTIONS", Origin: "https://b", RequestMethod: "GET"})
	if got := string(refusal(t, &d).XML("", "")); !strings.Contains(got, "<Message>"+corsspec.NotAllowed+"</Message><Method>GET</Method><ResourceType>BUCKET</ResourceType></Error>") {
		t.Fatalf("no-match body (the apostrophe goes out literally, as S3 sends it): %s", got)
	}
	d = (*cors.Policy)(nil).Preflight(&cors.Request{Method: "OPTIONS"})
	if got := string(refusal(t, &d).XML("R", "H")); !strings.HasSuffix(got, `<Error><Code>BadRequest</Code><Message>Insufficient information. Origin request header needed.</Message><RequestId>R</RequestId><HostId>H</HostId></Error>`) {
		t.Fatalf("no-origin body %s", got)
	}
}

// A refusal by the rules says which check refused it, and agrees with Explain's trace.
// refusal is d's error as the *corserr.Error it holds; the test fails when it holds none.
func refusal(t testing.TB, d *cors.Decision) *corserr.Error {
	t.Helper()
	var e *corserr.Error
	if !errors.As(d.Err(), &e) {
		t.Fatalf("Err() = %v; want a *corserr.Error", d.Err())
	}
	return e
}

// TestErrNilInterface: a decision that refuses nothing gives a nil error, also once stored in
// an error variable (no typed nil), and a refusal gives a *corserr.Error through errors.As.
func TestErrNilInterface(t *testing.T) {
	t.Parallel()
	p, err := cors.Compile(&cors.Config{Rules: []cors.Rule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://a.test"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		d       cors.Decision
		refused bool
	}{
		{"allowed preflight", p.Preflight(&cors.Request{Method: "OPTIONS", Origin: "https://a.test", RequestMethod: "GET"}), false},
		{"allowed actual request", p.Actual(&cors.Request{Method: "GET", Origin: "https://a.test"}), false},
		{"actual request refused by the rules", p.Actual(&cors.Request{Method: "GET", Origin: "https://b.test"}), false},
		{"actual request without Origin", p.Actual(&cors.Request{Method: "GET"}), false},
		{"refused preflight", p.Preflight(&cors.Request{Method: "OPTIONS", Origin: "https://b.test", RequestMethod: "GET"}), true},
		{"preflight without Origin", p.Preflight(&cors.Request{Method: "OPTIONS"}), true},
	} {
		var err error = c.d.Err()
		if got := err != nil; got != c.refused {
			t.Errorf("%s: (error)(Err()) != nil is %v; want %v (Err() = %#v)", c.name, got, c.refused, err)
		}
		var e *corserr.Error
		if got := errors.As(err, &e); got != c.refused {
			t.Errorf("%s: errors.As(Err(), *corserr.Error) = %v; want %v", c.name, got, c.refused)
		}
	}
}

func TestRefusedCheck(t *testing.T) {
	t.Parallel()
	cfg, err := cors.DecodeXML([]byte(`<CORSConfiguration>` +
		`<CORSRule><AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-a</AllowedHeader></CORSRule>` +
		`<CORSRule><AllowedOrigin>https://*.b.example</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>x-b-*</AllowedHeader></CORSRule>` +
		`<CORSRule><AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-c</AllowedHeader></CORSRule>` +
		`</CORSConfiguration>`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cors.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		origin, method, headers string
		check                   cors.Check
		refusedHeaders          string
	}{
		{"https://a.example", "GET", "X-A", cors.CheckNone, ""},
		{"https://c.example", "GET", "", cors.CheckOrigin, ""},
		{"https://b.example", "PUT", "", cors.CheckOrigin, ""}, // the pattern needs a subdomain
		// Origins compare case-sensitively, as literals and as patterns (docs/s3-cors.md#matching-rules).
		{"https://A.example", "GET", "", cors.CheckOrigin, ""},
		{"https://x.B.example", "PUT", "", cors.CheckOrigin, ""},
		{"https://a.example", "PUT", "", cors.CheckMethod, ""},
		{"https://x.b.example", "GET", "", cors.CheckMethod, ""},
		{"https://a.example", "GET", "x-a, X-Z, x-y", cors.CheckHeaders, "X-Z, x-y"},
		{"https://x.b.example", "PUT", "x-b-1, x-a", cors.CheckHeaders, "x-a"},
		// Each name is admitted by one rule, no rule admits both.
		{"https://a.example", "GET", "x-a, x-c", cors.CheckHeaders, ""},
		{"https://a.example", "GET", strings.Repeat("x,", 200), cors.CheckHeaderLimits, ""},
	} {
		r := cors.Request{Method: "OPTIONS", Origin: c.origin, RequestMethod: c.method}
		if c.headers != "" {
			r.RequestHeaders = []string{c.headers}
		}
		for _, d := range []cors.Decision{p.Preflight(&r), p.Actual(&r)} {
			if d.Refused != c.check || d.RefusedHeaders != c.refusedHeaders {
				t.Errorf("%s %s %q: refused by %v %q, want %v %q", c.origin, c.method, c.headers, d.Refused, d.RefusedHeaders, c.check, c.refusedHeaders)
			}
		}
		e := p.Explain(&r, true)
		originOK, methodOK := false, false
		for _, rt := range e.Rules {
			originOK = originOK || rt.OriginMatched
			methodOK = methodOK || rt.OriginMatched && rt.MethodMatched
		}
		if originOK != (c.check != cors.CheckOrigin) || methodOK != (c.check != cors.CheckOrigin && c.check != cors.CheckMethod) {
			t.Errorf("%s %s: refused by %v, trace origin %t method %t", c.origin, c.method, c.check, originOK, methodOK)
		}
	}
}

// An exact AllowedOrigin matches the whole Origin, byte for byte, whether the policy finds it
// by comparing each of a few exact origins or through its index of many.
func TestExactOriginsMatchWhole(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 20} {
		cfg := &cors.Config{}
		for i := range n {
			cfg.Rules = append(cfg.Rules, cors.Rule{AllowedOrigins: []string{fmt.Sprintf("https://app%d.example.com", i)}, AllowedMethods: []string{"GET"}})
		}
		p, err := cors.Compile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for origin, want := range map[string]bool{
			"https://app0.example.com":           true,
			"https://app0.example.com.evil.test": false,
			"https://app0.example.co":            false,
			"https://APP0.example.com":           false,
		} {
			d := p.Actual(&cors.Request{Method: "GET", Origin: origin})
			if got := d.Outcome == cors.Allowed; got != want {
				t.Errorf("%d exact origins, Origin %s: allowed=%v; want %v", n, origin, got, want)
			}
		}
	}
}
