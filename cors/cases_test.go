package cors_test

import (
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
)

// evalCase is one request against one configuration with the exact answer Amazon S3 gives.
// The table drives the tests, the fuzz seeds and the benchmarks. src names the record the
// expectation comes from (see the package documentation's sources).
type evalCase struct {
	name      string
	src       string
	config    string // AWS CLI JSON; "" = the bucket has no configuration
	noBucket  bool
	preflight bool
	req       cors.Request
	status    int // preflights only
	outcome   cors.Outcome
	rule      int
	headers   []cors.Header
	err       *wantErr
}

type wantErr struct{ code, message, method, resourceType string }

const (
	cfgLocalhost = `{"CORSRules":[{"AllowedHeaders":["*"],"AllowedMethods":["GET","PUT"],"AllowedOrigins":["https://localhost:4200"],"MaxAgeSeconds":3000}]}`
	cfgStar      = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`
	cfgPartial   = `{"CORSRules":[{"AllowedMethods":["GET","PUT"],"AllowedOrigins":["http://*.origin.com"]}]}`
	cfgHeaders   = `{"CORSRules":[{"AllowedHeaders":["x-AMZ-server-SIDE-encryption","x-amz-expected-bucket-owner"],"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`
	cfgPrefix    = `{"CORSRules":[{"AllowedHeaders":["x-amz-*","content-type","expires"],"AllowedMethods":["GET","PUT"],"AllowedOrigins":["https://app.example.com"]}]}`
	cfgNoHeaders = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`
	cfgExpose    = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"],"ExposeHeaders":["ETag","x-amz-meta-custom-header"]}]}`
	cfgTwoRules  = `{"CORSRules":[{"ID":"get-only","AllowedMethods":["GET"],"AllowedOrigins":["https://a.example"]},{"ID":"writes","AllowedMethods":["PUT","POST","DELETE"],"AllowedOrigins":["https://a.example","https://b.example"],"AllowedHeaders":["*"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":600}]}`
	cfgMixedStar = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://a.com","*"]}]}`
	cfgStarFirst = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*","http://a.com"]}]}`
	cfgMaxAge0   = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://a.com"],"MaxAgeSeconds":0}]}`
	cfgEmptyStar = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://*.allowedorigin.com"]}]}`
)

var (
	hdrVary = cors.Header{Name: "Vary", Value: cors.Vary}
	hdrCred = cors.Header{Name: "Access-Control-Allow-Credentials", Value: "true"}
)

func acao(v string) cors.Header { return cors.Header{Name: "Access-Control-Allow-Origin", Value: v} }
func acam(v string) cors.Header { return cors.Header{Name: "Access-Control-Allow-Methods", Value: v} }
func acah(v string) cors.Header { return cors.Header{Name: "Access-Control-Allow-Headers", Value: v} }
func aceh(v string) cors.Header { return cors.Header{Name: "Access-Control-Expose-Headers", Value: v} }
func maxAge(v string) cors.Header {
	return cors.Header{Name: "Access-Control-Max-Age", Value: v}
}

func opt(origin, acrm string, acrh ...string) cors.Request {
	return cors.Request{Method: "OPTIONS", Origin: origin, RequestMethod: acrm, RequestHeaders: acrh, Object: true}
}

func get(origin string) cors.Request {
	return cors.Request{Method: "GET", Origin: origin, Object: true}
}

func bucketLevel(r cors.Request) cors.Request { r.Object = false; return r }

const notAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."

var evalCases = []evalCase{
	// C.1 step 1: no Origin.
	{name: "preflight/no-origin", src: "SNAP:test_cors_match_origins/opt-no-origin", config: cfgLocalhost, preflight: true,
		req: opt("", "PUT"), status: 400, outcome: cors.NoOrigin, rule: -1,
		headers: []cors.Header{{Name: "Connection", Value: "close"}},
		err:     &wantErr{"BadRequest", "Insufficient information. Origin request header needed.", "", ""}},
	{name: "preflight/no-origin-no-config", src: "SNAP:test_cors_http_options_no_config/options-no-origin", preflight: true,
		req: opt("", ""), status: 400, outcome: cors.NoOrigin, rule: -1,
		headers: []cors.Header{{Name: "Connection", Value: "close"}},
		err:     &wantErr{"BadRequest", "Insufficient information. Origin request header needed.", "", ""}},
	{name: "preflight/no-origin-no-bucket", src: "SNAP:test_cors_http_options_non_existent_bucket/options-no-origin", noBucket: true, preflight: true,
		req: opt("", ""), status: 400, outcome: cors.NoOrigin, rule: -1,
		headers: []cors.Header{{Name: "Connection", Value: "close"}},
		err:     &wantErr{"BadRequest", "Insufficient information. Origin request header needed.", "", ""}},
	// Step 2: no bucket.
	{name: "preflight/no-bucket", src: "SNAP:test_cors_http_options_non_existent_bucket/options-with-origin", noBucket: true, preflight: true,
		req: opt("http://localhost:4200", ""), status: 403, outcome: cors.NoBucket, rule: -1,
		err: &wantErr{"AccessForbidden", "CORSResponse: Bucket not found", "OPTIONS", "BUCKET"}},
	{name: "preflight/no-bucket-acrm", src: "UNVERIFIED: Method = ACRM by analogy with step 3", noBucket: true, preflight: true,
		req: opt("http://localhost:4200", "PUT"), status: 403, outcome: cors.NoBucket, rule: -1,
		err: &wantErr{"AccessForbidden", "CORSResponse: Bucket not found", "PUT", "BUCKET"}},
	// Step 3: no configuration.
	{name: "preflight/not-enabled", src: "SNAP:test_cors_http_options_no_config/options-with-origin-and-method", preflight: true,
		req: opt("whatever", "PUT"), status: 403, outcome: cors.NoConfiguration, rule: -1,
		err: &wantErr{"AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "PUT", "BUCKET"}},
	{name: "preflight/not-enabled-no-acrm", src: "SNAP:test_cors_http_options_no_config/options-with-origin-no-method", preflight: true,
		req: opt("whatever", ""), status: 403, outcome: cors.NoConfiguration, rule: -1,
		err: &wantErr{"AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "OPTIONS", "BUCKET"}},
	// Step 4: ACRM missing or invalid.
	{name: "preflight/acrm-missing", src: "UNVERIFIED: 3P Eucalyptus, s3rver; S3T status 400", config: cfgLocalhost, preflight: true,
		req: opt("https://localhost:4200", ""), status: 400, outcome: cors.BadRequest, rule: -1,
		err: &wantErr{"BadRequest", "Invalid Access-Control-Request-Method: null", "", ""}},
	{name: "preflight/acrm-options", src: "UNVERIFIED: 3P Eucalyptus, versitygw", config: cfgLocalhost, preflight: true,
		req: opt("https://localhost:4200", "OPTIONS"), status: 400, outcome: cors.BadRequest, rule: -1,
		err: &wantErr{"BadRequest", "Invalid Access-Control-Request-Method: OPTIONS", "", ""}},
	{name: "preflight/acrm-lower-case", src: "UNVERIFIED: 3P Eucalyptus, versitygw", config: cfgLocalhost, preflight: true,
		req: opt("https://localhost:4200", "get"), status: 400, outcome: cors.BadRequest, rule: -1,
		err: &wantErr{"BadRequest", "Invalid Access-Control-Request-Method: get", "", ""}},
	// Steps 5 and 6.
	{name: "preflight/right-origin", src: "SNAP:test_cors_match_origins/opt-right-origin", config: cfgLocalhost, preflight: true,
		req: opt("https://localhost:4200", "PUT"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), maxAge("3000"), hdrCred, hdrVary}},
	{name: "preflight/wrong-scheme", src: "SNAP:test_cors_match_origins/opt-wrong-origin", config: cfgLocalhost, preflight: true,
		req: opt("http://localhost:4200", "PUT"), status: 403, outcome: cors.NoMatchingRule, rule: -1,
		err: &wantErr{"AccessForbidden", notAllowed, "PUT", "OBJECT"}},
	{name: "preflight/star", src: "SNAP:test_cors_match_origins/opt-random-wildcard-origin", config: cfgStar, preflight: true,
		req: opt("http://random:1234", "GET"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{name: "preflight/partial-origin", src: "SNAP:test_cors_options_match_partial_origin", config: cfgPartial, preflight: true,
		req: bucketLevel(opt("http://test.origin.com", "GET")), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("http://test.origin.com"), acam("GET, PUT"), hdrCred, hdrVary}},
	{name: "preflight/partial-origin-trailing-slash", src: "SNAP:test_cors_options_fails_partial_origin", config: cfgPartial, preflight: true,
		req: bucketLevel(opt("http://test.origin.com/", "GET")), status: 403, outcome: cors.NoMatchingRule, rule: -1,
		err: &wantErr{"AccessForbidden", notAllowed, "GET", "BUCKET"}},
	{name: "preflight/star-matches-empty", src: "SCAL http://.allowedorigin.com; UNVERIFIED", config: cfgEmptyStar, preflight: true,
		req: opt("http://.allowedorigin.com", "GET"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("http://.allowedorigin.com"), acam("GET"), hdrCred, hdrVary}},
	{name: "preflight/origin-case-sensitive", src: "UNVERIFIED: 3P MinIO", config: cfgPartial, preflight: true,
		req: opt("HTTP://test.origin.com", "GET"), status: 403, outcome: cors.NoMatchingRule, rule: -1,
		err: &wantErr{"AccessForbidden", notAllowed, "GET", "OBJECT"}},
	{name: "preflight/method-not-allowed", src: "SNAP:test_cors_match_methods", config: cfgStar, preflight: true,
		req: opt("http://x.test", "PUT"), status: 403, outcome: cors.NoMatchingRule, rule: -1,
		err: &wantErr{"AccessForbidden", notAllowed, "PUT", "OBJECT"}},
	{name: "preflight/header-case", src: "SNAP:test_cors_match_headers/opt-get-allowed-diff-casing", config: cfgHeaders, preflight: true,
		req: opt("http://x.test", "GET", "x-amz-server-side-encryption,x-AMZ-expected-BUCKET-owner"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), acah("x-amz-server-side-encryption, x-amz-expected-bucket-owner"), hdrVary}},
	{name: "preflight/header-no-space", src: "SNAP:test_cors_match_headers/opt-get-allowed-no-space", config: cfgHeaders, preflight: true,
		req: opt("http://x.test", "GET", "x-amz-server-side-encryption, x-amz-expected-bucket-owner"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), acah("x-amz-server-side-encryption, x-amz-expected-bucket-owner"), hdrVary}},
	{name: "preflight/header-not-allowed", src: "SNAP:test_cors_match_headers/opt-get-non-allowed", config: cfgHeaders, preflight: true,
		req: opt("http://x.test", "GET", "x-amz-server-side-encryption,x-amz-request-payer"), status: 403, outcome: cors.NoMatchingRule, rule: -1,
		err: &wantErr{"AccessForbidden", notAllowed, "GET", "OBJECT"}},
	{name: "preflight/star-header-echoes", src: "SNAP:test_cors_match_headers/opt-get; SCAL", config: cfgLocalhost, preflight: true,
		req: opt("https://localhost:4200", "GET", "Content-Type,X-Amz-Date"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), acah("content-type, x-amz-date"), maxAge("3000"), hdrCred, hdrVary}},
	{name: "preflight/header-prefix-pattern", src: "DOC:cors.md AllowedHeader; SCAL amz-*", config: cfgPrefix, preflight: true,
		req: opt("https://app.example.com", "PUT", "content-type,x-amz-meta-foo"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("https://app.example.com"), acam("GET, PUT"), acah("content-type, x-amz-meta-foo"), hdrCred, hdrVary}},
	{name: "preflight/header-prefix-pattern-miss", src: "DOC:cors.md AllowedHeader", config: cfgPrefix, preflight: true,
		req: opt("https://app.example.com", "PUT", "x-custom"), status: 403, outcome: cors.NoMatchingRule, rule: -1,
		err: &wantErr{"AccessForbidden", notAllowed, "PUT", "OBJECT"}},
	{name: "preflight/empty-items-dropped", src: "SCAL content-type,,expires", config: cfgPrefix, preflight: true,
		req: opt("https://app.example.com", "PUT", "content-type,,expires"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("https://app.example.com"), acam("GET, PUT"), acah("content-type, expires"), hdrCred, hdrVary}},
	{name: "preflight/acrh-split-lines", src: "RFC 9110 list header; proxies split lines", config: cfgPrefix, preflight: true,
		req: opt("https://app.example.com", "PUT", "content-type", " x-amz-date "), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("https://app.example.com"), acam("GET, PUT"), acah("content-type, x-amz-date"), hdrCred, hdrVary}},
	{name: "preflight/no-allowed-header", src: "SNAP:test_put_cors_default_values/opt-get-headers", config: cfgNoHeaders, preflight: true,
		req: opt("http://x.test", "GET", "content-type"), status: 403, outcome: cors.NoMatchingRule, rule: -1,
		err: &wantErr{"AccessForbidden", notAllowed, "GET", "OBJECT"}},
	{name: "preflight/no-max-age", src: "SNAP:test_put_cors_default_values/opt-get", config: cfgNoHeaders, preflight: true,
		req: opt("http://x.test", "GET"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{name: "preflight/expose", src: "SNAP:test_cors_expose_headers/opt-get", config: cfgExpose, preflight: true,
		req: opt("localhost:4566", "GET"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), aceh("ETag, x-amz-meta-custom-header"), hdrVary}},
	{name: "preflight/first-rule-wins", src: "DOC:cors.md evaluation", config: cfgTwoRules, preflight: true,
		req: opt("https://b.example", "PUT", "content-type"), status: 200, outcome: cors.Allowed, rule: 1,
		headers: []cors.Header{acao("https://b.example"), acam("PUT, POST, DELETE"), acah("content-type"), aceh("ETag"), maxAge("600"), hdrCred, hdrVary}},
	{name: "preflight/first-rule-wins-get", src: "DOC:cors.md evaluation", config: cfgTwoRules, preflight: true,
		req: opt("https://a.example", "GET"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("https://a.example"), acam("GET"), hdrCred, hdrVary}},
	{name: "preflight/mixed-star-exact-first", src: "UNVERIFIED: first matching AllowedOrigin decides", config: cfgMixedStar, preflight: true,
		req: opt("http://a.com", "GET"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("http://a.com"), acam("GET"), hdrCred, hdrVary}},
	{name: "preflight/mixed-star-other", src: "UNVERIFIED: first matching AllowedOrigin decides", config: cfgMixedStar, preflight: true,
		req: opt("http://b.com", "GET"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{name: "preflight/star-first", src: "SNAP:…/opt-random-wildcard-origin", config: cfgStarFirst, preflight: true,
		req: opt("http://a.com", "GET"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{name: "preflight/max-age-zero", src: "UNVERIFIED: a configured 0 is sent", config: cfgMaxAge0, preflight: true,
		req: opt("http://a.com", "GET"), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("http://a.com"), acam("GET"), maxAge("0"), hdrCred, hdrVary}},
	{name: "preflight/acrh-1MiB-commas", src: "bounds: acrh.MaxBytes", config: cfgLocalhost, preflight: true,
		req: opt("https://localhost:4200", "PUT", strings.Repeat(",", 1<<20)), status: 403, outcome: cors.NoMatchingRule, rule: -1,
		err: &wantErr{"AccessForbidden", notAllowed, "PUT", "OBJECT"}},
	{name: "preflight/acrh-8KiB-commas", src: "bounds: empty items within acrh.MaxBytes are dropped", config: cfgLocalhost, preflight: true,
		req: opt("https://localhost:4200", "PUT", strings.Repeat(",", 8<<10)), status: 200, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), maxAge("3000"), hdrCred, hdrVary}},
	{name: "preflight/acrh-too-many-names", src: "bounds: acrh.MaxNames", config: cfgLocalhost, preflight: true,
		req: opt("https://localhost:4200", "PUT", strings.Repeat("x-a,", 129)), status: 403, outcome: cors.NoMatchingRule, rule: -1,
		err: &wantErr{"AccessForbidden", notAllowed, "PUT", "OBJECT"}},

	// D: actual requests.
	{name: "actual/no-origin", src: "SNAP:test_cors_match_origins/get-no-origin", config: cfgLocalhost,
		req: get(""), outcome: cors.NoOrigin, rule: -1},
	{name: "actual/no-config", src: "SNAP:test_cors_http_get_no_config", req: get("https://localhost:4200"),
		outcome: cors.NoConfiguration, rule: -1},
	{name: "actual/right-origin", src: "SNAP:test_cors_match_origins/get-right-origin", config: cfgLocalhost,
		req: get("https://localhost:4200"), outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), maxAge("3000"), hdrCred, hdrVary}},
	{name: "actual/wrong-origin", src: "SNAP:test_cors_match_origins/get-wrong-origin", config: cfgLocalhost,
		req: get("http://localhost:4200"), outcome: cors.NoMatchingRule, rule: -1},
	{name: "actual/star", src: "SNAP:test_cors_match_origins/get-random-wildcard-origin", config: cfgStar,
		req: get("http://random:1234"), outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{name: "actual/acrm-overrides-method", src: "SNAP:test_cors_match_methods/get-wrong-op", config: cfgStar,
		req: cors.Request{Method: "GET", Origin: "http://x.test", RequestMethod: "PUT"}, outcome: cors.NoMatchingRule, rule: -1},
	{name: "actual/put-with-acrm-get", src: "S3T: PUT with ACRM GET gets ACAM GET", config: cfgStar,
		req: cors.Request{Method: "PUT", Origin: "http://x.test", RequestMethod: "GET"}, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{name: "actual/put-not-allowed", src: "SNAP:test_cors_match_methods/put-op", config: cfgStar,
		req: cors.Request{Method: "PUT", Origin: "http://x.test"}, outcome: cors.NoMatchingRule, rule: -1},
	{name: "actual/acrh-allowed-echoed", src: "VGW-D allowed headers", config: cfgLocalhost,
		req: cors.Request{Method: "GET", Origin: "https://localhost:4200", RequestHeaders: []string{"dummy-header-one"}}, outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), acah("dummy-header-one"), maxAge("3000"), hdrCred, hdrVary}},
	{name: "actual/acrh-not-allowed", src: "SNAP:test_cors_match_headers/get-non-allowed-with-acl", config: cfgHeaders,
		req: cors.Request{Method: "GET", Origin: "http://x.test", RequestHeaders: []string{"x-amz-request-payer"}}, outcome: cors.NoMatchingRule, rule: -1},
	{name: "actual/unknown-method", src: "B: methods are exact", config: cfgStar,
		req: cors.Request{Method: "PATCH", Origin: "http://x.test"}, outcome: cors.NoMatchingRule, rule: -1},
	{name: "actual/expose", src: "SNAP:test_cors_expose_headers; E presigned GET", config: cfgExpose,
		req: get("localhost:4566"), outcome: cors.Allowed, rule: 0,
		headers: []cors.Header{acao("*"), acam("GET"), aceh("ETag, x-amz-meta-custom-header"), hdrVary}},
	{name: "actual/second-origin-echoed", src: "SNAP-2022:raw-response-headers-3", config: cfgTwoRules,
		req: cors.Request{Method: "PUT", Origin: "https://b.example"}, outcome: cors.Allowed, rule: 1,
		headers: []cors.Header{acao("https://b.example"), acam("PUT, POST, DELETE"), aceh("ETag"), maxAge("600"), hdrCred, hdrVary}},
}

// compile builds the case's policy; nil when the bucket has no configuration.
func (c *evalCase) compile(tb testing.TB) *cors.Policy {
	tb.Helper()
	if c.config == "" {
		return nil
	}
	cfg, err := cors.DecodeJSON([]byte(c.config))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := cors.Compile(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func (c *evalCase) run(p *cors.Policy) cors.Decision {
	switch {
	case c.noBucket:
		return cors.PreflightNoBucket(&c.req)
	case c.preflight:
		return p.Preflight(&c.req)
	}
	return p.Actual(&c.req)
}
