package cors_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()
	for _, c := range evalCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := c.compile(t)
			d := c.run(p)
			if d.Outcome != c.outcome || d.Rule != c.rule || d.Status != c.status {
				t.Fatalf("[%s] got outcome %v rule %d status %d; want %v rule %d status %d",
					c.src, d.Outcome, d.Rule, d.Status, c.outcome, c.rule, c.status)
			}
			if got := d.Headers(); !slices.Equal(got, c.headers) {
				t.Errorf("[%s] headers\n got %q\nwant %q", c.src, got, c.headers)
			}
			switch {
			case c.err == nil && d.Err() != nil:
				t.Errorf("[%s] unexpected error %v", c.src, d.Err())
			case c.err != nil && d.Err() == nil:
				t.Errorf("[%s] no error; want %s", c.src, c.err.code)
			case c.err != nil:
				e := d.Err()
				got := wantErr{e.Code, e.Message, e.Method, e.ResourceType}
				if got != *c.err {
					t.Errorf("[%s] error\n got %+v\nwant %+v", c.src, got, *c.err)
				}
				if e.Status != c.status {
					t.Errorf("[%s] error status %d, decision status %d", c.src, e.Status, c.status)
				}
			}
		})
	}
}

// The written header map must equal the ordered list, each value in memory of its own.
func TestWriteHeaders(t *testing.T) {
	t.Parallel()
	for _, c := range evalCases {
		d := c.run(c.compile(t))
		h := http.Header{}
		d.WriteHeaders(h)
		want := http.Header{}
		for _, kv := range c.headers {
			want.Add(kv.Name, kv.Value)
		}
		if !equalHeader(h, want) {
			t.Errorf("%s: wrote %v; want %v", c.name, h, want)
		}
		for k := range h {
			if cap(h[k]) != len(h[k]) {
				t.Errorf("%s: %s shares spare capacity: an append by a handler would write into another header", c.name, k)
			}
		}
	}
}

func TestWriteHeadersAppendsVary(t *testing.T) {
	t.Parallel()
	c := evalCases[slices.IndexFunc(evalCases, func(c evalCase) bool { return c.name == "actual/star" })]
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
		if c.noBucket {
			continue
		}
		p := c.compile(t)
		e := p.Explain(&c.req, c.preflight)
		if e.Decision.Outcome != c.outcome || e.Decision.Rule != c.rule {
			t.Errorf("%s: explained decision %v/%d; want %v/%d", c.name, e.Decision.Outcome, e.Decision.Rule, c.outcome, c.rule)
		}
		if c.outcome != cors.Allowed && c.outcome != cors.NoMatchingRule {
			continue
		}
		first := slices.IndexFunc(e.Rules, func(r cors.RuleTrace) bool { return r.Matched })
		if first != c.rule {
			t.Errorf("%s: first matched rule in trace %d; decision %d", c.name, first, c.rule)
		}
	}
}

func TestExplainTrace(t *testing.T) {
	t.Parallel()
	cfg, err := cors.DecodeJSON([]byte(cfgTwoRules))
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
	got := string(d.Err().XML("REQID", "HOSTID"))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>AccessForbidden</Code><Message>CORSResponse: CORS is not enabled for this bucket.</Message>` +
		`<Method>PUT</Method><ResourceType>BUCKET</ResourceType><RequestId>REQID</RequestId><HostId>HOSTID</HostId></Error>`
	if got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
	p, _ := cors.Compile(&cors.Config{Rules: []cors.Rule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://a"}}}})
	d = p.Preflight(&cors.Request{Method: "OPTIONS", Origin: "https://b", RequestMethod: "GET"})
	if got := string(d.Err().XML("", "")); !strings.Contains(got, "<Message>"+notAllowed+"</Message><Method>GET</Method><ResourceType>BUCKET</ResourceType></Error>") {
		t.Fatalf("no-match body (the apostrophe goes out literally, as S3 sends it): %s", got)
	}
	d = (*cors.Policy)(nil).Preflight(&cors.Request{Method: "OPTIONS"})
	if got := string(d.Err().XML("R", "H")); !strings.HasSuffix(got, `<Error><Code>BadRequest</Code><Message>Insufficient information. Origin request header needed.</Message><RequestId>R</RequestId><HostId>H</HostId></Error>`) {
		t.Fatalf("no-origin body %s", got)
	}
}
