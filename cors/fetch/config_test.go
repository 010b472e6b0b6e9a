package fetch_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// want is one expected *ConfigError: its field, index, and words of its message and fix.
type want struct {
	field string
	index int
	msg   string
	fix   string
}

func configErrors(t *testing.T, err error) []*fetch.ConfigError {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []*fetch.ConfigError
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v is not joined", err)
	}
	for _, e := range joined.Unwrap() {
		var ce *fetch.ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *ConfigError", e)
		}
		out = append(out, ce)
	}
	return out
}

func TestCompileErrors(t *testing.T) {
	long := strings.Repeat("a", 600)
	cases := []struct {
		source string
		cfg    fetch.Config
		want   []want
	}{
		{"complaint 8: * with credentials", fetch.Config{Origins: []string{"*"}, Credentials: true},
			[]want{{"origins", 0, "credentialed", "list the origins"}}},
		{"complaint 8: expose * with credentials (Fetch #http-access-control-expose-headers)", fetch.Config{Origins: []string{"https://a.test"}, ExposeHeaders: []string{"etag", "*"}, Credentials: true},
			[]want{{"expose_headers", 1, "exposes nothing", "list the headers"}}},
		{"not serialised: trailing slash", fetch.Config{Origins: []string{"https://app.example.com/"}},
			[]want{{"origins", 0, "no trailing slash", `"https://app.example.com"`}}},
		{"not serialised: path", fetch.Config{Origins: []string{"https://app.example.com/login?x"}},
			[]want{{"origins", 0, "no path", `"https://app.example.com"`}}},
		{"not serialised: upper case", fetch.Config{Origins: []string{"HTTPS://App.Example.com"}},
			[]want{{"origins", 0, "lower case", `"https://app.example.com"`}}},
		{"not serialised: default port", fetch.Config{Origins: []string{"https://app.example.com:443", "http://a.test:80"}},
			[]want{{"origins", 0, "default port", `"https://app.example.com"`}, {"origins", 1, "default port", `"http://a.test"`}}},
		{"not serialised: leading zeros", fetch.Config{Origins: []string{"http://localhost:08080"}},
			[]want{{"origins", 0, "leading zeros", `"http://localhost:8080"`}}},
		{"not serialised: user info", fetch.Config{Origins: []string{"https://me@app.example.com"}},
			[]want{{"origins", 0, "user name", `"https://app.example.com"`}}},
		{"not serialised: international name", fetch.Config{Origins: []string{"https://bücher.example"}},
			[]want{{"origins", 0, "punycode", `"https://xn--bcher-kva.example"`}}},
		{"not serialised: IPv6 long form", fetch.Config{Origins: []string{"http://[0:0:0:0:0:0:0:1]:8080"}},
			[]want{{"origins", 0, "IPv6", `"http://[::1]:8080"`}}},
		{"no scheme", fetch.Config{Origins: []string{"app.example.com"}},
			[]want{{"origins", 0, "not an origin", `"https://app.example.com"`}}},
		{"garbage", fetch.Config{Origins: []string{"https://", "https://a b", "https://a:99999", "ftp//x", long}},
			[]want{{"origins", 0, "not an origin", "scheme://host"}, {"origins", 1, "not an origin", ""}, {"origins", 2, "not an origin", ""},
				{"origins", 3, "not an origin", ""}, {"origins", 4, "longer than 512", ""}}},
		{"null origin refused", fetch.Config{Origins: []string{"null"}},
			[]want{{"origins", 0, "sandboxed", "own origin"}}},
		{"complaint 6: public-suffix wildcards", fetch.Config{Origins: []string{"https://*.com", "https://*.co.uk", "https://*.github.io", "http://*.test"}},
			[]want{{"origins", 0, "public suffix", `"https://*.example.com"`}, {"origins", 1, "public suffix", `"https://*.example.co.uk"`},
				{"origins", 2, "public suffix", ""}, {"origins", 3, "public suffix", ""}}},
		{"wildcards only as the leftmost label", fetch.Config{Origins: []string{"https://a*.example.com", "https://*example.com", "https://a.*.example.com", "https://*.*.example.com", "https://*.1.2.3.4"}},
			[]want{{"origins", 0, "not an origin", ""}, {"origins", 1, "not an origin", ""}, {"origins", 2, "not an origin", ""},
				{"origins", 3, "not an origin", ""}, {"origins", 4, "not an origin", ""}}},
		{"scheme wildcards are API Gateway's", fetch.Config{Origins: []string{"https://*"}},
			[]want{{"origins", 0, "API Gateway", `"*"`}}},
		{"unanchored patterns", fetch.Config{OriginPatterns: []string{`https://app\.example\.com`, `^https://a\.test$|https://b\.test`, `(?m)^https://a\.test$`, `^https://(a|b`}},
			[]want{{"origin_patterns", 0, "not anchored", `"^https://app\\.example\\.com$"`}, {"origin_patterns", 1, "not anchored", ""},
				{"origin_patterns", 2, "not anchored", ""}, {"origin_patterns", 3, "not an RE2 expression", ""}}},
		{"forbidden and never-matching methods", fetch.Config{Methods: []string{"CONNECT", "trace", "TRACK", "put", "GET ", "patch"}},
			[]want{{"methods", 0, "forbidden", "remove"}, {"methods", 1, "forbidden", ""}, {"methods", 2, "forbidden", ""},
				{"methods", 3, "upper-case", `"PUT"`}, {"methods", 4, "not a method", ""}}},
		{"header names", fetch.Config{RequestHeaders: []string{"x-ok", "x bad", ""}, ExposeHeaders: []string{"etag:"}},
			[]want{{"request_headers", 1, "not a header name", ""}, {"request_headers", 2, "not a header name", ""}, {"expose_headers", 0, "not a header name", ""}}},
		{"max_age below 0", fetch.Config{MaxAge: intp(-1)}, []want{{"max_age", -1, "out of range 0..86400", ""}}},
		{"max_age above a day", fetch.Config{MaxAge: intp(86401)}, []want{{"max_age", -1, "out of range 0..86400", ""}}},
		{"statuses", fetch.Config{PreflightStatus: 302, FailureStatus: 302},
			[]want{{"preflight_status", -1, "not 2xx", "204"}, {"failure_status", -1, "4xx", "403"}}},
		{"static headers outside apigw-rest", fetch.Config{Static: []fetch.Header{{"A", "b"}}, Errors5XX: []fetch.Header{{"A", "b"}}},
			[]want{{"static", -1, "no such setting", "remove"}, {"errors_5xx", -1, "no such setting", ""}}},
		{"bounds", fetch.Config{Origins: make([]string, fetch.MaxOrigins+1), Methods: make([]string, fetch.MaxListItems+1), OriginPatterns: []string{"^" + strings.Repeat("a", fetch.MaxPatternBytes) + "$"}},
			[]want{{"origins", -1, "more than the 1000", ""}, {"origin_patterns", 0, "longer than 1024", ""}, {"methods", -1, "more than the 128", ""}}},
		{"unknown semantics", fetch.Config{Semantics: 9}, []want{{"semantics", -1, "unknown", "fetch"}}},
		{"unknown advertise", fetch.Config{Advertise: 9}, []want{{"advertise", -1, "unknown", "requested"}}},

		// API Gateway HTTP API (docs/apigw-cors.md#http-api-validation).
		{"* with credentials, AWS's message (apigw-cors: HTTP API validation)", fetch.Config{Semantics: fetch.APIGatewayHTTP, Origins: []string{"http://localhost:3000", "*"}, Credentials: true},
			[]want{{"origins", 1, "allow-credentials is not supported if 'allow-origin' is *", ""}}},
		{"partial wildcard, AWS's message (apigw-cors: HTTP API validation)", fetch.Config{Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://*.vercel.app"}},
			[]want{{"origins", 0, "allow-origin https://*.vercel.app can not have wildcards", ""}}},
		{"malformed origin [UNVERIFIED message] (apigw-cors: HTTP API validation)", fetch.Config{Semantics: fetch.APIGatewayHTTP, Origins: []string{"https:/"}},
			[]want{{"origins", 0, "allow-origin https:/ is not a valid origin", ""}}},
		{"bad method, AWS's message for ANY (aws-cdk 13643, 10230) [UNVERIFIED for other names] (apigw-cors: HTTP API validation)", fetch.Config{Semantics: fetch.APIGatewayHTTP, Methods: []string{"BAD", "put", "*", "ANY", "GE T"}},
			[]want{{"methods", 0, "Method BAD is not supported", "write one of"}, {"methods", 3, "Method ANY is not supported", ""}, {"methods", 4, "Method GE T is not supported", ""}}},
		{"max_age -1..86400 (apigw-cors: HTTP API configuration)", fetch.Config{Semantics: fetch.APIGatewayHTTP, MaxAge: intp(-2)},
			[]want{{"max_age", -1, "out of range -1..86400", ""}}},
		{"origin patterns are doorman's own", fetch.Config{Semantics: fetch.APIGatewayHTTP, OriginPatterns: []string{"^a$"}},
			[]want{{"origin_patterns", -1, "apigw-http semantics has no such setting", ""}}},

		// API Gateway REST API.
		{"the mock method has static headers only (apigw-cors: REST API mock OPTIONS method)", fetch.Config{Semantics: fetch.APIGatewayREST, Origins: []string{"https://a.test"}, Methods: []string{"GET"},
			RequestHeaders: []string{"a"}, ExposeHeaders: []string{"a"}, MaxAge: intp(1), Credentials: true, FailureStatus: 403},
			[]want{{"origins", -1, "static headers only", ""}, {"methods", -1, "", ""}, {"request_headers", -1, "", ""}, {"expose_headers", -1, "", ""},
				{"max_age", -1, "", ""}, {"credentials", -1, "", ""}, {"failure_status", -1, "refuses nothing", ""}}},
		{"static header names and values", fetch.Config{Semantics: fetch.APIGatewayREST, Static: []fetch.Header{{"Access-Control-Allow-Origin", "*"}, {"access-control-allow-origin", "x"}, {"Bad Name", "x"}, {"X", "a\r\nb"}},
			Errors4XX: []fetch.Header{{"X", strings.Repeat("v", fetch.MaxHeaderValueBytes+1)}}},
			[]want{{"static", 1, "mapped twice", ""}, {"static", 2, "not a header name", ""}, {"static", 3, "control character", ""}, {"errors_4xx", 0, "longer than 4096", ""}}},

		// CloudFront (docs/cloudfront.md#response-headers-policies).
		{"Allow-Headers * with credentials, CloudFront's message (cloudfront: response headers policies)", fetch.Config{Semantics: fetch.CloudFront, Origins: []string{"https://a.test"}, RequestHeaders: []string{"*"}, Credentials: true},
			[]want{{"request_headers", 0, "The parameter Access-Control-Allow-Headers cannot contain * when allowCredentials is true.", ""}}},
		{"* origin and expose * with credentials [UNVERIFIED messages] (cloudfront: response headers policies)", fetch.Config{Semantics: fetch.CloudFront, Origins: []string{"*"}, RequestHeaders: []string{"a"}, ExposeHeaders: []string{"*"}, Credentials: true},
			[]want{{"origins", 0, "Access-Control-Allow-Origin cannot contain *", ""}, {"expose_headers", 0, "Access-Control-Expose-Headers cannot contain *", ""}}},
		{"empty Allow-Headers, ALL origin, wildcard placement (cloudfront: response headers policies)", fetch.Config{Semantics: fetch.CloudFront, Origins: []string{"ALL", "example.*", "test.*.example.org", "exa*mple.org", "https://*"}},
			[]want{{"origins", 0, "ALL is not a valid value", ""}, {"origins", 1, "leftmost", ""}, {"origins", 2, "leftmost", ""}, {"origins", 3, "leftmost", ""},
				{"origins", 4, "leftmost", ""}, {"request_headers", -1, "cannot be an empty list", ""}}},
		{"method values (cloudfront: response headers policies)", fetch.Config{Semantics: fetch.CloudFront, Methods: []string{"get", "PROPFIND", "*"}, RequestHeaders: []string{"a"}},
			[]want{{"methods", 0, "CloudFront's values", ""}, {"methods", 1, "", ""}, {"methods", 2, "", ""}}},
		{"CloudFront answers no preflight (cloudfront: OPTIONS requests)", fetch.Config{Semantics: fetch.CloudFront, RequestHeaders: []string{"a"}, PreflightStatus: 204, FailureStatus: 403},
			[]want{{"preflight_status", -1, "forwards OPTIONS", ""}, {"failure_status", -1, "forwards OPTIONS", ""}}},
	}
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			_, err := fetch.Compile(&c.cfg)
			got := configErrors(t, err)
			if len(got) != len(c.want) {
				t.Fatalf("%d errors; want %d:\n%v", len(got), len(c.want), err)
			}
			for i, w := range c.want {
				g := got[i]
				if g.Field != w.field || g.Index != w.index || !strings.Contains(g.Message, w.msg) || !strings.Contains(g.Fix, w.fix) {
					t.Errorf("error %d = %+v; want field %s index %d message ~%q fix ~%q", i, *g, w.field, w.index, w.msg, w.fix)
				}
				if s := g.Error(); !strings.HasPrefix(s, g.Field) || !strings.Contains(s, g.Message) {
					t.Errorf("Error() = %q", s)
				}
			}
		})
	}
}

// The configurations each semantics must accept.
func TestCompileAccepts(t *testing.T) {
	for i, c := range []fetch.Config{
		{Origins: []string{"https://*.localhost", "http://[::1]:*", "http://127.0.0.1:8080", "capacitor://localhost", "chrome-extension://abcdefghijklmnop",
			"https://*.example.com:*", "https://app.example.com", "https://app.example.com"}},
		{Origins: nil}, // refuses every CORS request: a tenant without origins
		{Origins: []string{"*"}, Methods: []string{"*", "PURGE", "patch"}, RequestHeaders: []string{"*", "Authorization"}, ExposeHeaders: []string{"*"}, MaxAge: intp(0)},
		{OriginPatterns: []string{`^https://(a|b)\.test$`, `\Ahttps://c\.test\z`, `^https://d\.test$|^https://e\.test$`, `(?i)^https://f\.test$`}},
		{Semantics: fetch.APIGatewayHTTP, Origins: []string{"HTTP://WWW.EXAMPLE.ORG", "http://MyORIGIN.com", "HTTPS://*"}, Methods: []string{"put", "*"}, MaxAge: intp(-1),
			RequestHeaders: []string{"*"}, ExposeHeaders: []string{"*"}, Credentials: true},
		{Semantics: fetch.APIGatewayREST, PreflightStatus: 200},
		{Semantics: fetch.CloudFront, Origins: []string{"*.example.org", "https://*.example.org", "http://www.example.com", "www.example.net"},
			Methods: []string{"GET", "OPTIONS", "ALL"}, RequestHeaders: []string{"*"}, ExposeHeaders: []string{"*"}, MaxAge: intp(31536000)},
	} {
		if _, err := fetch.Compile(&c); err != nil {
			t.Errorf("config %d: %v", i, err)
		}
	}
}

func ExampleCompile() {
	_, err := fetch.Compile(&fetch.Config{
		Origins:     []string{"*", "https://App.example.com/"},
		Credentials: true,
	})
	fmt.Println(err)
	// Output:
	// origins[0] "*": browsers refuse Access-Control-Allow-Origin: * on a credentialed request, and answering any origin with itself would let every site read your users' data (fix: list the origins (e.g. https://app.example.com), or set credentials: false)
	// origins[1] "https://App.example.com/": never matches: an origin has no trailing slash; browsers send the host in lower case, and compare origins byte for byte (fix: write "https://app.example.com")
}

// ConfigErrors finds every problem however the error is joined or wrapped, in order, and
// stops when asked.
func TestConfigErrors(t *testing.T) {
	a := &fetch.ConfigError{Field: "origins", Index: 0}
	b := &fetch.ConfigError{Field: "methods", Index: 1}
	c := &fetch.ConfigError{Field: "max_age", Index: -1}
	for _, tc := range []struct {
		name string
		err  error
		want []*fetch.ConfigError
	}{
		{"nil", nil, nil},
		{"one", a, []*fetch.ConfigError{a}},
		{"joined (Compile)", errors.Join(a, b), []*fetch.ConfigError{a, b}},
		{"nested joins and wrapping", fmt.Errorf("policy x: %w", errors.Join(a, fmt.Errorf("import: %w", errors.Join(b, errors.New("not a config error"))), c)),
			[]*fetch.ConfigError{a, b, c}},
		{"no config error", errors.New("other"), nil},
	} {
		var got []*fetch.ConfigError
		for e := range fetch.ConfigErrors(tc.err) {
			got = append(got, e)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	_, err := fetch.Compile(&fetch.Config{Origins: []string{"null", "https://*.com", "ftp://x"}})
	n := 0
	for range fetch.ConfigErrors(err) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("the walk went on after the loop stopped")
	}
}
