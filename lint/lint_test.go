package lint

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
)

// want is a finding expected at a rule (0-based, -1 for the document), field and value.
type want struct {
	code  string
	sev   Severity
	rule  int
	field string
	value string
}

func (w want) String() string {
	return fmt.Sprintf("%s %s rule %d %s %q", w.code, w.sev, w.rule, w.field, w.value)
}

func decode(t *testing.T, doc string) *cors.Config {
	t.Helper()
	c, err := cors.Decode([]byte(doc))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return c
}

var findingCases = []struct {
	name string
	doc  string
	want []want
}{
	{"no rules", `{"CORSRules":[]}`, []want{
		{CodeRejected, Error, -1, "CORSRule", ""},
	}},
	{"rejected, every fault", `{"CORSRules":[
		{"AllowedMethods":["get","OPTIONS"],"AllowedOrigins":["*a*"],"ExposeHeaders":["x-*"]},
		{"AllowedMethods":["GET"]}]}`, []want{
		{CodeRejected, Error, 0, "AllowedMethod", "get"},
		{CodeRejected, Error, 0, "AllowedMethod", "OPTIONS"},
		{CodeRejected, Error, 0, "AllowedOrigin", "*a*"},
		{CodeRejected, Error, 0, "ExposeHeader", "x-*"},
		{CodeRejected, Error, 1, "AllowedOrigin", ""},
	}},
	{"writes from any origin", `{"CORSRules":[
		{"AllowedMethods":["GET","PUT","DELETE"],"AllowedOrigins":["*"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":3000}]}`, []want{
		{CodeWriteFromAnyOrigin, Warning, 0, "AllowedMethod", "PUT, DELETE"},
	}},
	{"origins", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":[
		"null",
		"https://*.com", "https://*.github.io", "https://*.co.uk", "https://*.s3.amazonaws.com",
		"https://*example.com", "*example.org",
		"h*", "https://*", "https://example.*", "https://example.net*",
		"*.example.com", "http*://example.org",
		"file:///index.html", "https://a.example.com/", "https://b.example.com/app", "HTTPS://C.example.com",
		"https://d.example.com:443", "http://e.example.com:80", "example.com", "", "https://bücher.example",
		"https://user@f.example.com", "https://*.example.com/",
		"http://plain.example.net",
		"http://g.example.com", "https://g.example.com",
		"http://localhost:3000", "http://127.0.0.1:8080", "http://dev.localhost", "http://[::1]:5173",
		"https://*.example.com", "https://app-*.example.com", "https://h.example.com:*", "https://*-cdn.example.com",
		"http://*.localhost"
	]}]}`, []want{
		{CodeNullOrigin, Error, 0, "AllowedOrigin", "null"},
		{CodePublicSuffixOrigin, Error, 0, "AllowedOrigin", "https://*.com"},
		{CodePublicSuffixOrigin, Error, 0, "AllowedOrigin", "https://*.github.io"},
		{CodePublicSuffixOrigin, Error, 0, "AllowedOrigin", "https://*.co.uk"},
		{CodePublicSuffixOrigin, Error, 0, "AllowedOrigin", "https://*.s3.amazonaws.com"},
		{CodePartialLabelOrigin, Error, 0, "AllowedOrigin", "https://*example.com"},
		{CodePartialLabelOrigin, Error, 0, "AllowedOrigin", "*example.org"},
		{CodeAnyHostOrigin, Error, 0, "AllowedOrigin", "h*"},
		{CodeAnyHostOrigin, Error, 0, "AllowedOrigin", "https://*"},
		{CodeAnyHostOrigin, Error, 0, "AllowedOrigin", "https://example.*"},
		{CodeAnyHostOrigin, Error, 0, "AllowedOrigin", "https://example.net*"},
		{CodeAnySchemeOrigin, Warning, 0, "AllowedOrigin", "*.example.com"},
		{CodeAnySchemeOrigin, Warning, 0, "AllowedOrigin", "http*://example.org"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "file:///index.html"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "https://a.example.com/"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "https://b.example.com/app"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "HTTPS://C.example.com"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "https://d.example.com:443"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "http://e.example.com:80"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "example.com"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", ""},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "https://bücher.example"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "https://user@f.example.com"},
		{CodeOriginNeverMatches, Warning, 0, "AllowedOrigin", "https://*.example.com/"},
		{CodeHTTPOrigin, Info, 0, "AllowedOrigin", "http://plain.example.net"},
		{CodeHTTPBesideHTTPS, Warning, 0, "AllowedOrigin", "http://g.example.com"},
	}},
	{"http twin in another rule", `{"CORSRules":[
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://*.example.com"]},
		{"AllowedMethods":["HEAD"],"AllowedOrigins":["http://*.example.com"]}]}`, []want{
		{CodeHTTPBesideHTTPS, Warning, 1, "AllowedOrigin", "http://*.example.com"},
	}},
	{"headers", `{"CORSRules":[{"AllowedMethods":["PUT"],"AllowedOrigins":["https://app.example.com"],
		"AllowedHeaders":["*","Cookie","Sec-Fetch-Site","proxy-*","Host","Accept","content-type","Range","x-amz-*"],
		"ExposeHeaders":["ETag","Content-Length","Set-Cookie","x-amz-version-id"],"MaxAgeSeconds":3000}]}`, []want{
		{CodeAnyAllowedHeader, Info, 0, "AllowedHeader", "*"},
		{CodeForbiddenHeader, Info, 0, "AllowedHeader", "Cookie"},
		{CodeForbiddenHeader, Info, 0, "AllowedHeader", "Sec-Fetch-Site"},
		{CodeForbiddenHeader, Info, 0, "AllowedHeader", "proxy-*"},
		{CodeForbiddenHeader, Info, 0, "AllowedHeader", "Host"},
		{CodeSafelistedHeader, Info, 0, "AllowedHeader", "Accept"},
		{CodeSafelistedExpose, Info, 0, "ExposeHeader", "Content-Length"},
		{CodeSetCookieExposed, Error, 0, "ExposeHeader", "Set-Cookie"},
	}},
	{"uploads without ETag", `{"CORSRules":[
		{"AllowedMethods":["PUT"],"AllowedOrigins":["https://app.example.com"],"ExposeHeaders":["x-amz-version-id"],"MaxAgeSeconds":3000},
		{"AllowedMethods":["POST"],"AllowedOrigins":["https://forms.example.com"]},
		{"AllowedMethods":["PUT"],"AllowedOrigins":["https://other.example.com"],"ExposeHeaders":["etag"],"MaxAgeSeconds":3000}]}`, []want{
		{CodeUploadWithoutETag, Warning, 0, "ExposeHeader", ""},
		{CodeUploadWithoutETag, Warning, 1, "ExposeHeader", ""},
	}},
	{"max age", `{"CORSRules":[
		{"AllowedMethods":["DELETE"],"AllowedOrigins":["https://a.example.com"]},
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://b.example.com"],"AllowedHeaders":["x-amz-date"]},
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://c.example.com"]},
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://d.example.com"],"MaxAgeSeconds":7201},
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://e.example.com"],"MaxAgeSeconds":86401},
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://f.example.com"],"MaxAgeSeconds":-1},
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://g.example.com"],"MaxAgeSeconds":7200}]}`, []want{
		{CodeMaxAgeAbsent, Info, 0, "MaxAgeSeconds", ""},
		{CodeMaxAgeAbsent, Info, 1, "MaxAgeSeconds", ""},
		{CodeMaxAgeCapped, Warning, 3, "MaxAgeSeconds", "7201"},
		{CodeMaxAgeCapped, Warning, 4, "MaxAgeSeconds", "86401"},
		{CodeMaxAgeNegative, Warning, 5, "MaxAgeSeconds", "-1"},
	}},
	{"shadowed rules", `{"CORSRules":[
		{"AllowedMethods":["GET","PUT"],"AllowedOrigins":["https://*.example.com"],"AllowedHeaders":["x-amz-*","Content-Type"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":3000},
		{"AllowedMethods":["PUT"],"AllowedOrigins":["https://app.example.com","https://*.cdn.example.com"],"AllowedHeaders":["X-Amz-Meta-*","content-type"],"ExposeHeaders":["ETag","x-amz-version-id"],"MaxAgeSeconds":600},
		{"AllowedMethods":["PUT"],"AllowedOrigins":["https://app.example.com"],"AllowedHeaders":["authorization"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":3000},
		{"AllowedMethods":["DELETE"],"AllowedOrigins":["https://app.example.com"],"MaxAgeSeconds":3000},
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://example.com"]},
		{"AllowedMethods":["GET","HEAD"],"AllowedOrigins":["*"]},
		{"AllowedMethods":["HEAD"],"AllowedOrigins":["https://example.com"]},
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://example.com"],"AllowedHeaders":["range"],"MaxAgeSeconds":3000},
		{"AllowedMethods":["GET","DELETE"],"AllowedOrigins":["https://b.example.com"],"MaxAgeSeconds":3000},
		{"AllowedMethods":["PUT"],"AllowedOrigins":["https://x.example.com","https://other.example.org"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":3000},
		{"AllowedMethods":["GET"],"AllowedOrigins":["https://y.example.com"],"AllowedHeaders":["x-amz-date","x-custom"],"MaxAgeSeconds":3000}]}`, []want{
		{CodeShadowedRule, Warning, 1, "CORSRule", ""},
		{CodeShadowedRule, Warning, 6, "CORSRule", ""},
	}},
	{"duplicates", `{"CORSRules":[
		{"ID":"a","AllowedMethods":["GET","GET"],"AllowedOrigins":["https://a.example.com","https://a.example.com"],
		 "AllowedHeaders":["X-Custom","x-custom"],"ExposeHeaders":["ETag","etag"],"MaxAgeSeconds":3000},
		{"ID":"b","AllowedMethods":["GET"],"AllowedOrigins":["https://a.example.com"],
		 "AllowedHeaders":["x-custom"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":3000}]}`, []want{
		{CodeDuplicateValue, Info, 0, "AllowedOrigin", "https://a.example.com"},
		{CodeDuplicateValue, Info, 0, "AllowedMethod", "GET"},
		{CodeDuplicateValue, Info, 0, "AllowedHeader", "x-custom"},
		{CodeDuplicateValue, Info, 0, "ExposeHeader", "etag"},
		{CodeDuplicateRule, Warning, 1, "CORSRule", ""},
	}},
}

func TestFindings(t *testing.T) {
	for _, tc := range findingCases {
		t.Run(tc.name, func(t *testing.T) {
			c := decode(t, tc.doc)
			var got []want
			for _, f := range Lint(c) {
				got = append(got, want{f.Code, f.Severity, f.Rule, f.Field, f.Value})
				if f.Message == "" || f.Fix == "" {
					t.Errorf("%s: empty message or fix", f.Code)
				}
				if chk, ok := CheckFor(f.Code); !ok || chk.Name != f.Name || chk.Severity != f.Severity {
					t.Errorf("%s: name %q, severity %s disagree with Rules", f.Code, f.Name, f.Severity)
				}
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %v", w)
				}
			}
			for _, g := range got {
				if !slices.Contains(tc.want, g) {
					t.Errorf("unexpected %v", g)
				}
			}
		})
	}
}

// Configurations a careful author writes: no finding at all.
var goodConfigs = map[string]string{
	"exact https origins for uploads": `{"CORSRules":[{"AllowedMethods":["GET","PUT","POST","HEAD"],
		"AllowedOrigins":["https://app.example.com","https://admin.example.com"],
		"AllowedHeaders":["content-type","x-amz-*"],"ExposeHeaders":["ETag","x-amz-version-id"],"MaxAgeSeconds":3000}]}`,
	"public reads with max age": `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"],"MaxAgeSeconds":3000}]}`,
	"public reads, no headers":  `{"CORSRules":[{"AllowedMethods":["GET","HEAD"],"AllowedOrigins":["*"],"ExposeHeaders":["x-amz-meta-title"]}]}`,
	"subdomains and local development": `{"CORSRules":[
		{"ID":"uploads","AllowedMethods":["PUT","POST","DELETE"],"AllowedOrigins":["https://*.example.com","http://localhost:3000","https://example.com:*"],
		 "AllowedHeaders":["content-type","content-md5","x-amz-*"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":7200},
		{"ID":"reads","AllowedMethods":["GET","HEAD"],"AllowedOrigins":["*"],"AllowedHeaders":["range"],"MaxAgeSeconds":600}]}`,
	"xml": `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule>
		<AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>
		<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds>
		</CORSRule></CORSConfiguration>`,
}

func TestGoodConfigs(t *testing.T) {
	for name, doc := range goodConfigs {
		c := decode(t, doc)
		for _, f := range Lint(c) {
			if name == "xml" && f.Code == CodeAnyAllowedHeader {
				continue // AllowedHeader "*" is always noted
			}
			t.Errorf("%s: unexpected %s %s at %s %q: %s", name, f.Code, f.Name, f.Location(), f.Value, f.Message)
		}
	}
}

func TestOriginFixes(t *testing.T) {
	for origin, fix := range map[string]string{
		"https://A.Example.com/":      `Write "https://a.example.com".`,
		"https://x.example.com:443":   `Write "https://x.example.com".`,
		"http://x.example.com:8080/":  `Write "http://x.example.com:8080".`,
		"example.com":                 `Write "https://example.com".`,
		"https://bücher.example":      `Write "https://xn--bcher-kva.example".`,
		"https://*.Example.com":       `Write "https://*.example.com".`,
		"https://*example.com":        `Write "https://example.com" for the domain and "https://*.example.com" for its subdomains, as two entries.`,
		"*.example.com":               `Write "https://*.example.com".`,
		"http*://example.com":         `Write "https://example.com".`,
		"https://user@x.example.com/": `Write "https://x.example.com".`,
	} {
		c := &cors.Config{Rules: []cors.Rule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{origin}}}}
		fs := Lint(c)
		if len(fs) != 1 || fs[0].Fix != fix {
			t.Errorf("%q: got %+v, want the fix %s", origin, fs, fix)
		}
	}
}

func TestOriginMessagesShowAnAttacker(t *testing.T) {
	for origin, site := range map[string]string{
		"https://*example.com":  "https://evilexample.com",
		"https://*.github.io":   "https://attacker.github.io",
		"https://*":             "https://attacker.example",
		"https://example.com*":  "https://example.com.attacker.example",
		"https://example.*":     "https://example.attacker.example",
		"h*":                    "https://attacker.example",
		"https://*com":          "https://attacker.com",
		"https://a.*.co.uk:444": "https://a.attacker.co.uk:444",
	} {
		c := &cors.Config{Rules: []cors.Rule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{origin}}}}
		fs := Lint(c)
		if len(fs) != 1 || !strings.Contains(fs[0].Message, "such as "+site) {
			t.Errorf("%q: got %+v, want a message naming %s", origin, fs, site)
		}
	}
}

func TestRejectFixes(t *testing.T) {
	doc := `{"CORSRules":[{"AllowedMethods":["OPTIONS","put","PATCH"],"AllowedOrigins":["https://*.*.example.com"],
		"AllowedHeaders":["x-*-*","bad header"],"ExposeHeaders":["x-amz-meta-*"]}]}`
	got := map[string]string{}
	for _, f := range Lint(decode(t, doc)) {
		if f.Code == CodeRejected {
			got[f.Value] = f.Fix
		}
	}
	for value, fix := range map[string]string{
		"OPTIONS":                 "Remove OPTIONS",
		"put":                     "Write the method in upper case: PUT.",
		"PATCH":                   "Use only GET, PUT, POST, DELETE and HEAD",
		"https://*.*.example.com": "Keep one '*'",
		"x-*-*":                   "Keep one '*' (x-amz-*)",
		"bad header":              "Write bare header names",
		"x-amz-meta-*":            "Name each header",
	} {
		if !strings.HasPrefix(got[value], fix) {
			t.Errorf("%q: fix %q, want it to begin %q", value, got[value], fix)
		}
	}
}

func TestFindingsOrderedByRule(t *testing.T) {
	doc := `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["null"]},
		{"AllowedMethods":["GET"],"AllowedOrigins":["null"]},{"AllowedMethods":["GET"],"AllowedOrigins":["https://*"]}]}`
	fs := Lint(decode(t, doc))
	if !slices.IsSortedFunc(fs, func(a, b Finding) int { return a.Rule - b.Rule }) {
		t.Fatalf("not ordered by rule: %+v", fs)
	}
	if fs[len(fs)-1].Rule != 2 || fs[len(fs)-1].Location() != "CORSRules[2].AllowedOrigin" {
		t.Fatalf("last finding %+v", fs[len(fs)-1])
	}
}

func TestRulesTable(t *testing.T) {
	codes := []string{CodeRejected, CodeNullOrigin, CodeOriginNeverMatches, CodeAnyHostOrigin, CodePublicSuffixOrigin,
		CodePartialLabelOrigin, CodeAnySchemeOrigin, CodeHTTPBesideHTTPS, CodeHTTPOrigin, CodeWriteFromAnyOrigin,
		CodeShadowedRule, CodeDuplicateRule, CodeDuplicateValue, CodeAnyAllowedHeader, CodeForbiddenHeader,
		CodeSafelistedHeader, CodeSafelistedExpose, CodeSetCookieExposed, CodeUploadWithoutETag, CodeMaxAgeAbsent,
		CodeMaxAgeCapped, CodeMaxAgeNegative}
	if len(Rules) != len(codes) {
		t.Fatalf("%d checks in Rules, %d codes", len(Rules), len(codes))
	}
	names := map[string]bool{}
	for k, c := range Rules {
		if c.Code != codes[k] {
			t.Errorf("Rules[%d] is %s, want %s (code order)", k, c.Code, codes[k])
		}
		if names[c.Name] || c.Summary == "" || c.Why == "" || c.Severity < Info || c.Severity > Error {
			t.Errorf("%s: duplicate name or incomplete description", c.Code)
		}
		names[c.Name] = true
	}
}

func TestSeverityText(t *testing.T) {
	for _, s := range []Severity{Info, Warning, Error} {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%s: round trip gave %v, %v", s, back, err)
		}
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Error("ParseSeverity accepted fatal")
	}
	if _, err := Severity(0).MarshalText(); err == nil {
		t.Error("the zero Severity marshalled")
	}
}
