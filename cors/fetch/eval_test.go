package fetch_test

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors/fetch"
)

func TestEvaluate(t *testing.T) {
	names := map[string]bool{}
	for _, c := range evalCases {
		if names[c.Name] {
			t.Fatalf("duplicate case name %s", c.Name)
		}
		names[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			p := c.compile(t)
			d := p.Evaluate(&c.req)
			if d.Kind != c.kind || d.Allowed != c.allowed || d.Reason != c.reason || d.Detail != c.detail || d.Status != c.status {
				t.Errorf("%s\ngot  kind=%v allowed=%v reason=%q detail=%q status=%d\nwant kind=%v allowed=%v reason=%q detail=%q status=%d",
					c.Source, d.Kind, d.Allowed, d.Reason, d.Detail, d.Status, c.kind, c.allowed, c.reason, c.detail, c.status)
			}
			if got := d.Headers(); !reflect.DeepEqual(got, c.headers) && !(len(got) == 0 && len(c.headers) == 0) {
				t.Errorf("%s\nheaders %q\nwant    %q", c.Source, got, c.headers)
			}
			if e := d.Explain(); e == "" || (!d.Allowed && !strings.Contains(e, "refused")) {
				t.Errorf("Explain() = %q", e)
			}
		})
	}
}

// TestEvaluateAllocs: the decision path allocates nothing, allowed or refused, except for
// the one row whose Allow-Headers echo must be rebuilt.
func TestEvaluateAllocs(t *testing.T) {
	for _, c := range evalCases {
		p := c.compile(t)
		allocs := testing.AllocsPerRun(100, func() { sink = p.Evaluate(&c.req) })
		want := 0.0
		if c.Name == "preflight-allowed-header-lines" {
			want = 1
		}
		if allocs != want {
			t.Errorf("%s: %v allocations; want %v", c.Name, allocs, want)
		}
	}
}

var sink fetch.Decision

func TestWriteHeadersMergesVary(t *testing.T) {
	p, err := fetch.Compile(web)
	if err != nil {
		t.Fatal(err)
	}
	pre := preflight("https://app.example.com", "PUT", "")
	for _, c := range []struct {
		source     string
		have, want []string
	}{
		{"no Vary yet", nil, []string{varyPreflight}},
		{"complaint 5: the upstream's Vary kept, ours appended", []string{"Accept-Encoding"}, []string{"Accept-Encoding", varyPreflight}},
		{"names already there are not repeated, whatever their case", []string{"accept-encoding, origin", "ACCESS-CONTROL-REQUEST-METHOD"},
			[]string{"accept-encoding, origin", "ACCESS-CONTROL-REQUEST-METHOD", "Access-Control-Request-Headers"}},
		{"all there: unchanged", []string{varyPreflight}, []string{varyPreflight}},
		{"Vary: * covers everything", []string{"*"}, []string{"*"}},
	} {
		h := http.Header{}
		if c.have != nil {
			h["Vary"] = slices.Clone(c.have)
		}
		d := p.Evaluate(&pre)
		d.WriteHeaders(h)
		if !reflect.DeepEqual(h["Vary"], c.want) {
			t.Errorf("%s: Vary %q; want %q", c.source, h["Vary"], c.want)
		}
	}
}

// An upstream's own Access-Control-Allow-Origin is replaced, never doubled (complaint 3).
func TestWriteHeadersReplaces(t *testing.T) {
	p, err := fetch.Compile(web)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Credentials": {"false"}}
	r := actual("GET", "https://app.example.com")
	d := p.Evaluate(&r)
	d.WriteHeaders(h)
	if got := h["Access-Control-Allow-Origin"]; !reflect.DeepEqual(got, []string{"https://app.example.com"}) {
		t.Errorf("ACAO %q", got)
	}
	if got := h["Access-Control-Allow-Credentials"]; !reflect.DeepEqual(got, []string{"true"}) {
		t.Errorf("ACAC %q", got)
	}
	// The values are the header map's own: changing one leaves the next decision alone.
	h["Access-Control-Allow-Origin"][0] = "changed"
	h2 := http.Header{}
	d.WriteHeaders(h2)
	if h2.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("values shared between header maps")
	}
}

func TestErrorHeaders(t *testing.T) {
	p, err := fetch.Compile(rest)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		status int
		want   []fetch.Header
	}{
		{401, []fetch.Header{aco("*")}},
		{404, []fetch.Header{aco("*")}},
		{502, []fetch.Header{aco("*"), ach("*")}},
		{200, nil},
		{302, nil},
	} {
		if got := p.ErrorHeaders(c.status); !reflect.DeepEqual(got, c.want) {
			t.Errorf("docs/apigw-cors.md#rest-api-gateway-responses: ErrorHeaders(%d) = %q; want %q", c.status, got, c.want)
		}
	}
	w, _ := fetch.Compile(web)
	if got := w.ErrorHeaders(502); got != nil {
		t.Errorf("fetch semantics: ErrorHeaders = %q; want nil (the decision decorates errors)", got)
	}
}

func TestAnswersPreflights(t *testing.T) {
	for cfg, want := range map[*fetch.Config]bool{web: true, httpAPI: true, rest: true, cloudFront: false} {
		p, err := fetch.Compile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.AnswersPreflights(); got != want {
			t.Errorf("%s: AnswersPreflights() = %v; want %v (docs/cloudfront.md#options-requests: CloudFront forwards OPTIONS)", cfg.Semantics, got, want)
		}
	}
}

func TestParseSemantics(t *testing.T) {
	for _, s := range []fetch.Semantics{fetch.Fetch, fetch.APIGatewayHTTP, fetch.APIGatewayREST, fetch.CloudFront} {
		got, err := fetch.ParseSemantics(s.String())
		if err != nil || got != s {
			t.Errorf("ParseSemantics(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := fetch.ParseSemantics("apigw"); err == nil {
		t.Error("ParseSemantics(apigw): no error")
	}
	for _, a := range []fetch.Advertise{fetch.AdvertiseRequested, fetch.AdvertiseConfigured} {
		if got, err := fetch.ParseAdvertise(a.String()); err != nil || got != a {
			t.Errorf("ParseAdvertise(%q) = %v, %v", a.String(), got, err)
		}
	}
}

func TestFromHTTP(t *testing.T) {
	r, _ := http.NewRequest("OPTIONS", "http://api.test/x", nil)
	r.Header["Origin"] = []string{""}
	r.Header["Access-Control-Request-Method"] = []string{"PUT"}
	r.Header["Access-Control-Request-Headers"] = []string{"a", "b"}
	got := fetch.FromHTTP(r)
	want := fetch.Request{Method: "OPTIONS", HasOrigin: true, RequestMethod: "PUT", HasRequestMethod: true, RequestHeaders: []string{"a", "b"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromHTTP = %+v; want %+v", got, want)
	}
	r.Header = http.Header{}
	if got := fetch.FromHTTP(r); got.HasOrigin || got.HasRequestMethod {
		t.Errorf("FromHTTP without headers = %+v", got)
	}
}

func TestConfigIsCopied(t *testing.T) {
	c := web.Clone()
	p, err := fetch.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Origins[0] = "https://evil.test"
	*c.MaxAge = 1
	got := p.Config()
	if got.Origins[0] != "https://app.example.com" || *got.MaxAge != 600 {
		t.Errorf("Config() follows the caller's changes: %v %d", got.Origins, *got.MaxAge)
	}
	got.Origins[0] = "x"
	if p.Config().Origins[0] != "https://app.example.com" {
		t.Error("Config() is not a copy")
	}
}

// Explain names the check that decided, what it looked at, and where the rule comes from.
func TestExplain(t *testing.T) {
	for _, c := range []struct {
		name string
		want []string
	}{
		{"preflight-allowed", []string{"fetch preflight allowed", `origins[0] "https://app.example.com"`, "https://fetch.spec.whatwg.org/"}},
		{"preflight-allowed-pattern", []string{`origin_patterns[0] "^https://pr-[0-9]+\\.preview\\.example\\.net$"`}},
		{"preflight-refused-suffix", []string{"refused at the origin check", `"https://app.example.com.evil.net"`}},
		{"preflight-refused-method", []string{"refused at the method check", `"PROPFIND"`, "GET, HEAD and POST always are"}},
		{"public-preflight-refused-authorization", []string{"refused at the header check", `"*" never covers authorization`}},
		{"preflight-refused-acrh-1MiB", []string{"refused at the malformed check", "8192 bytes"}},
		{"public-none", []string{"Access-Control-Allow-Origin: * sent anyway", "#cors-protocol-and-http-caches"}},
		{"apigw-http-preflight-origins-only", []string{"apigw-http preflight refused at the unconfigured check", "methods is unset", "docs.aws.amazon.com"}},
		{"apigw-http-preflight-methods-only-headers", []string{"request_headers is unset", `"test" asked`}},
		{"apigw-rest-options", []string{"answered 200 by the mock method"}},
		{"cloudfront-preflight", []string{"cloudfront preflight allowed", "AmazonCloudFront"}},
	} {
		i := slices.IndexFunc(evalCases, func(e evalCase) bool { return e.Name == c.name })
		if i < 0 {
			t.Fatalf("no case %s", c.name)
		}
		ec := &evalCases[i]
		d := ec.compile(t).Evaluate(&ec.req)
		e := d.Explain()
		for _, w := range c.want {
			if !strings.Contains(e, w) {
				t.Errorf("%s: Explain() = %q; want it to say %q", c.name, e, w)
			}
		}
	}
}

// WriteHeaders allocates once, for all the values, into a header map it has written before.
func TestWriteHeadersAllocs(t *testing.T) {
	p, err := fetch.Compile(web)
	if err != nil {
		t.Fatal(err)
	}
	r := preflight("https://app.example.com", "PUT", "content-type")
	d := p.Evaluate(&r)
	h := http.Header{}
	if a := testing.AllocsPerRun(100, func() { clear(h); d.WriteHeaders(h) }); a != 1 {
		t.Errorf("WriteHeaders: %v allocations; want 1", a)
	}
}
