package lint_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors/awsconfig"
	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/lint"
)

func ip(n int) *int { return &n }

// pw is a finding expected from Policy: its code at a field.
type pw struct{ code, field string }

func (w pw) String() string { return w.code + " " + w.field }

var policyCases = []struct {
	name string // the complaint or rule the row prevents
	c    fetch.Config
	want []pw
}{
	{"a sound Fetch policy has no finding",
		fetch.Config{Origins: []string{"https://app.example.com", "https://*.example.com", "http://localhost:*"},
			Methods: []string{"GET", "PUT"}, RequestHeaders: []string{"authorization", "content-type"}, MaxAge: ip(600), Credentials: true},
		nil},
	{"the gateway refuses * with credentials (Fetch: browsers refuse it)",
		fetch.Config{Origins: []string{"*"}, Credentials: true},
		[]pw{{lint.CodeRejected, "origins[0]"}}},
	{"unanchored pattern refused, and still judged",
		fetch.Config{OriginPatterns: []string{`https://.*`}},
		[]pw{{lint.CodeRejected, "origin_patterns[0]"}, {lint.CodeAnyHostOrigin, "origin_patterns[0]"}}},
	{"a pattern admitting any host (regex too broad)",
		fetch.Config{OriginPatterns: []string{`^https://.+$`}},
		[]pw{{lint.CodeAnyHostOrigin, "origin_patterns[0]"}}},
	{"an unescaped dot admits appXexample.com",
		fetch.Config{OriginPatterns: []string{`^https://app.example\.com$`}},
		[]pw{{lint.CodePartialLabelOrigin, "origin_patterns[0]"}}},
	{"a repeat without a dot before the domain admits evilexample.com",
		fetch.Config{OriginPatterns: []string{`^https://[a-z]+\.(.*example)\.com$`, `^https://.*example\.com$`}},
		[]pw{{lint.CodePartialLabelOrigin, "origin_patterns[0]"}, {lint.CodePartialLabelOrigin, "origin_patterns[1]"}}},
	{"a pattern admitting http as well",
		fetch.Config{OriginPatterns: []string{`^https?://app\.example\.com$`}},
		[]pw{{lint.CodeAnySchemeOrigin, "origin_patterns[0]"}}},
	{"a sound pattern has no finding",
		fetch.Config{OriginPatterns: []string{`^https://pr-[0-9]+\.preview\.example\.com$`}},
		nil},
	{"http origin with credentials beside its https twin",
		fetch.Config{Origins: []string{"https://app.example.com", "http://app.example.com"}, Credentials: true},
		[]pw{{lint.CodeHTTPBesideHTTPS, "origins[1]"}}},
	{"http origin alone",
		fetch.Config{Origins: []string{"http://intranet.example.com"}},
		[]pw{{lint.CodeHTTPOrigin, "origins[0]"}}},
	{"writes from any origin",
		fetch.Config{Origins: []string{"*"}, Methods: []string{"GET", "DELETE"}, MaxAge: ip(600)},
		[]pw{{lint.CodeWriteFromAnyOrigin, "origins[0]"}}},
	{"max-age above Chromium's 7200 cap",
		fetch.Config{Origins: []string{"https://app.example.com"}, MaxAge: ip(86400)},
		[]pw{{lint.CodeMaxAgeCapped, "max_age"}}},
	{"max-age 0: every request preflighted",
		fetch.Config{Origins: []string{"https://app.example.com"}, MaxAge: ip(0)},
		[]pw{{lint.CodeMaxAgeNegative, "max_age"}}},
	{"no max-age where preflights are needed",
		fetch.Config{Origins: []string{"https://app.example.com"}, Methods: []string{"PUT"}},
		[]pw{{lint.CodeMaxAgeAbsent, "max_age"}}},
	{"Authorization under * (Fetch: * never covers it)",
		fetch.Config{Origins: []string{"https://app.example.com"}, RequestHeaders: []string{"*"}, MaxAge: ip(600)},
		[]pw{{lint.CodeAnyAllowedHeader, "request_headers[0]"}}},
	{"apigw-http: whole-scheme wildcard, partial configuration (apigw-cors: HTTP API method and header matching)",
		fetch.Config{Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://*"}},
		[]pw{{lint.CodeAnyHostOrigin, "origins[0]"}, {lint.CodePreflightNeverMatches, "methods"}}},
	{"apigw-http: * sent as it is with credentials, -1 max-age",
		fetch.Config{Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://app.example.com"}, Methods: []string{"*"},
			RequestHeaders: []string{"authorization", "*"}, Credentials: true, MaxAge: ip(-1)},
		[]pw{{lint.CodeStarWithCredentials, "methods[0]"}, {lint.CodeStarWithCredentials, "request_headers[1]"}, {lint.CodeMaxAgeNegative, "max_age"}}},
	{"cloudfront: null, scheme-less wildcard, public-suffix wildcard",
		fetch.Config{Semantics: fetch.CloudFront, Origins: []string{"null", "*.example.org", "https://*.github.io"}, Methods: []string{"GET"},
			RequestHeaders: []string{"content-type"}, MaxAge: ip(600)},
		[]pw{{lint.CodeNullOrigin, "origins[0]"}, {lint.CodeAnySchemeOrigin, "origins[1]"}, {lint.CodePublicSuffixOrigin, "origins[2]"}}},
	{"apigw-rest: an origin list, credentials with *, no CORS on errors (the SAM/console mock method)",
		fetch.Config{Semantics: fetch.APIGatewayREST, Static: []fetch.Header{
			{Name: "Access-Control-Allow-Origin", Value: "https://a.example.com,https://b.example.com"},
			{Name: "Access-Control-Allow-Headers", Value: "Content-Type,*"},
			{Name: "Access-Control-Max-Age", Value: "86400"}},
			Errors4XX: []fetch.Header{{Name: "Access-Control-Allow-Origin", Value: "*"}, {Name: "Access-Control-Allow-Credentials", Value: "true"}}},
		[]pw{{lint.CodeOriginNeverMatches, "static[0]"}, {lint.CodeAnyAllowedHeader, "static[1]"}, {lint.CodeMaxAgeCapped, "static[2]"},
			{lint.CodeStarWithCredentials, "errors_4xx[0]"}, {lint.CodeErrorsWithoutCORS, "errors_5xx"}}},
	{"apigw-rest: origins written as no browser sends them",
		fetch.Config{Semantics: fetch.APIGatewayREST, Static: []fetch.Header{{Name: "Access-Control-Allow-Origin", Value: "https://App.example.com/"}},
			Errors4XX: []fetch.Header{{Name: "Access-Control-Allow-Origin", Value: "null"}},
			Errors5XX: []fetch.Header{{Name: "Access-Control-Allow-Origin", Value: "http://app.example.com"}}},
		[]pw{{lint.CodeOriginNeverMatches, "static[0]"}, {lint.CodeNullOrigin, "errors_4xx[0]"}, {lint.CodeHTTPOrigin, "errors_5xx[0]"}}},
}

func TestPolicy(t *testing.T) {
	for _, tc := range policyCases {
		t.Run(tc.name, func(t *testing.T) {
			got := lint.Policy("web-app", &tc.c)
			var codes []pw
			for _, f := range got {
				codes = append(codes, pw{f.Code, f.Field})
				chk, ok := lint.CheckFor(f.Code)
				if !ok {
					i := slices.IndexFunc(lint.PolicyChecks, func(c lint.Check) bool { return c.Code == f.Code })
					ok = i >= 0
					if ok {
						chk = lint.PolicyChecks[i]
					}
				}
				if !ok || f.Name != chk.Name || f.Severity != chk.Severity || f.ID != "web-app" || f.Rule != -1 || f.Message == "" {
					t.Errorf("finding %+v does not carry its check", f)
				}
			}
			if !slices.Equal(codes, tc.want) {
				t.Errorf("findings %v, want %v\n%s", codes, tc.want, describe(got))
			}
		})
	}
}

func describe(fs []lint.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s %s %q: %s\n", f.Code, f.Severity, f.Field, f.Value, f.Message)
	}
	return b.String()
}

func TestPolicyChecksDistinct(t *testing.T) {
	for _, c := range lint.PolicyChecks {
		if _, dup := lint.CheckFor(c.Code); dup || c.Name == "" || c.Summary == "" || c.Why == "" {
			t.Errorf("check %+v", c)
		}
	}
}

// FuzzPolicy lints policies built from arbitrary values in every semantics: no panic, and
// every finding carries a known check.
func FuzzPolicy(f *testing.F) {
	f.Add("https://app.example.com", `^https://.*example\.com$`, "*", "Access-Control-Allow-Origin", "https://a.example.com, null", 7201)
	f.Add("http://*", `^https?://x\.y$`, "authorization", "Access-Control-Max-Age", "0", -1)
	f.Fuzz(func(t *testing.T, origin, pattern, header, name, value string, maxAge int) {
		for s := fetch.Fetch; s <= fetch.CloudFront; s++ {
			c := fetch.Config{Semantics: s, Origins: []string{origin, "*"}, OriginPatterns: []string{pattern},
				Methods: []string{header, "PUT"}, RequestHeaders: []string{header}, ExposeHeaders: []string{header},
				MaxAge: &maxAge, Credentials: maxAge%2 == 0,
				Static: []fetch.Header{{Name: name, Value: value}}, Errors4XX: []fetch.Header{{Name: name, Value: value}}}
			for _, fd := range lint.Policy("p", &c) {
				if _, ok := lint.CheckFor(fd.Code); !ok && !slices.ContainsFunc(lint.PolicyChecks, func(k lint.Check) bool { return k.Code == fd.Code }) {
					t.Fatalf("finding with an unknown code: %+v", fd)
				}
			}
		}
	})
}

// TestPolicyImported lints what teams deploy: SAM's CorsConfiguration: true configures an HTTP API
// whose preflights never match (docs/apigw-cors.md#http-api-method-and-header-matching), which the
// import accepts as AWS does and the linter reports.
func TestPolicyImported(t *testing.T) {
	doc := []byte("Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      CorsConfiguration: true\n")
	imp, err := awsconfig.Read(awsconfig.SAM, doc, "")
	if err != nil {
		t.Fatal(err)
	}
	got := lint.Policy("Api", imp.Config)
	if len(got) != 1 || got[0].Code != lint.CodePreflightNeverMatches {
		t.Errorf("findings:\n%s", describe(got))
	}
}

// GatewayModes judges where a route's preflights go and who writes its CORS headers.
func TestGatewayModes(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    lint.Modes
		want []pw
	}{
		{"defaults: answered at the gateway, override", lint.Modes{Preflight: "answer", UpstreamHeaders: "override", Enforce: "on"}, nil},
		{"complaint 1: preflights to upstream auth (401)", lint.Modes{Preflight: "passthrough", UpstreamHeaders: "override", Enforce: "on"},
			[]pw{{lint.CodePreflightToUpstream, "preflight.mode"}}},
		{"complaint 3: the upstream's headers on responses whose preflight the gateway answered", lint.Modes{Preflight: "answer", UpstreamHeaders: "passthrough", Enforce: "on"},
			[]pw{{lint.CodeUpstreamOwnsCORS, "upstream_headers"}}},
		{"the application owns CORS, preflights included", lint.Modes{Preflight: "passthrough", UpstreamHeaders: "passthrough", Enforce: "on"},
			[]pw{{lint.CodePreflightToUpstream, "preflight.mode"}}},
		{"upstream-wins is CloudFront's OriginOverride: false, not a split", lint.Modes{Preflight: "answer", UpstreamHeaders: "upstream-wins", Enforce: "on"}, nil},
		{"an apigw-rest default (not written) is not judged", lint.Modes{Preflight: "answer", Enforce: "on"}, nil},
		{"shadow changes no response", lint.Modes{Preflight: "passthrough", UpstreamHeaders: "passthrough", Enforce: "shadow"}, nil},
		{"off changes no response", lint.Modes{Preflight: "passthrough", Enforce: "off"}, nil},
	} {
		var got []pw
		for _, f := range lint.GatewayModes("web-app", tc.m) {
			got = append(got, pw{f.Code, f.Field})
			if f.ID != "web-app" || f.Location() != "policies.web-app."+f.Field || f.Fix == "" {
				t.Errorf("%s: finding %+v", tc.name, f)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestUnusedPolicy(t *testing.T) {
	f := lint.UnusedPolicy("spare")
	if f.Code != lint.CodeUnusedPolicy || f.Severity != lint.Info || f.Location() != "policies.spare" || !strings.Contains(f.Message, `"spare"`) {
		t.Errorf("%+v", f)
	}
}
