// Package corsspec is the table of recorded Amazon S3 CORS behaviours (docs/s3-cors.md): each
// case a configuration, a request and the exact answer S3 gives, with the record it comes
// from. The engine's tests run it against the cors package; the integration tests run it
// over HTTP against a running server, so both are held to the same answers.
package corsspec

import (
	"strings"

	"github.com/doorman-s3/doorman/cors"
)

// Case is one request against one configuration with the exact answer Amazon S3 gives. Src
// names the record the expectation comes from, with the labels of
// docs/README.md#evidence-labels.
type Case struct {
	Name      string
	Src       string
	Config    string // AWS CLI JSON; "" = the bucket has no configuration
	NoBucket  bool
	Preflight bool
	Req       cors.Request
	Status    int // preflights only
	Outcome   cors.Outcome
	Rule      int
	Headers   []cors.Header
	Err       *Err
}

// Err is the refusal a preflight gets.
type Err struct{ Code, Message, Method, ResourceType string }

// Configurations used by the cases and by other tests.
const (
	CfgLocalhost = `{"CORSRules":[{"AllowedHeaders":["*"],"AllowedMethods":["GET","PUT"],"AllowedOrigins":["https://localhost:4200"],"MaxAgeSeconds":3000}]}`
	CfgStar      = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`
	CfgPartial   = `{"CORSRules":[{"AllowedMethods":["GET","PUT"],"AllowedOrigins":["http://*.origin.com"]}]}`
	CfgHeaders   = `{"CORSRules":[{"AllowedHeaders":["x-AMZ-server-SIDE-encryption","x-amz-expected-bucket-owner"],"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`
	CfgPrefix    = `{"CORSRules":[{"AllowedHeaders":["x-amz-*","content-type","expires"],"AllowedMethods":["GET","PUT"],"AllowedOrigins":["https://app.example.com"]}]}`
	CfgNoHeaders = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`
	CfgExpose    = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"],"ExposeHeaders":["ETag","x-amz-meta-custom-header"]}]}`
	CfgTwoRules  = `{"CORSRules":[{"ID":"get-only","AllowedMethods":["GET"],"AllowedOrigins":["https://a.example"]},{"ID":"writes","AllowedMethods":["PUT","POST","DELETE"],"AllowedOrigins":["https://a.example","https://b.example"],"AllowedHeaders":["*"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":600}]}`
	CfgMixedStar = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://a.com","*"]}]}`
	CfgStarFirst = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*","http://a.com"]}]}`
	CfgMaxAge0   = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://a.com"],"MaxAgeSeconds":0}]}`
	CfgEmptyStar = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://*.allowedorigin.com"]}]}`
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

// NotAllowed is the message of a preflight no rule allows, typo included.
const NotAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."

// Cases is the table.
var Cases = []Case{
	// docs/s3-cors.md#preflight-evaluation step 1: no Origin.
	{Name: "preflight/no-origin", Src: "SNAP:test_cors_match_origins/opt-no-origin", Config: CfgLocalhost, Preflight: true,
		Req: opt("", "PUT"), Status: 400, Outcome: cors.NoOrigin, Rule: -1,
		Headers: []cors.Header{{Name: "Connection", Value: "close"}},
		Err:     &Err{"BadRequest", "Insufficient information. Origin request header needed.", "", ""}},
	{Name: "preflight/no-origin-no-config", Src: "SNAP:test_cors_http_options_no_config/options-no-origin", Preflight: true,
		Req: opt("", ""), Status: 400, Outcome: cors.NoOrigin, Rule: -1,
		Headers: []cors.Header{{Name: "Connection", Value: "close"}},
		Err:     &Err{"BadRequest", "Insufficient information. Origin request header needed.", "", ""}},
	{Name: "preflight/no-origin-no-bucket", Src: "SNAP:test_cors_http_options_non_existent_bucket/options-no-origin", NoBucket: true, Preflight: true,
		Req: opt("", ""), Status: 400, Outcome: cors.NoOrigin, Rule: -1,
		Headers: []cors.Header{{Name: "Connection", Value: "close"}},
		Err:     &Err{"BadRequest", "Insufficient information. Origin request header needed.", "", ""}},
	// Step 2: no bucket.
	{Name: "preflight/no-bucket", Src: "SNAP:test_cors_http_options_non_existent_bucket/options-with-origin", NoBucket: true, Preflight: true,
		Req: opt("http://localhost:4200", ""), Status: 403, Outcome: cors.NoBucket, Rule: -1,
		Err: &Err{"AccessForbidden", "CORSResponse: Bucket not found", "OPTIONS", "BUCKET"}},
	{Name: "preflight/no-bucket-acrm", Src: "UNVERIFIED: Method = ACRM by analogy with step 3", NoBucket: true, Preflight: true,
		Req: opt("http://localhost:4200", "PUT"), Status: 403, Outcome: cors.NoBucket, Rule: -1,
		Err: &Err{"AccessForbidden", "CORSResponse: Bucket not found", "PUT", "BUCKET"}},
	// Step 3: no configuration.
	{Name: "preflight/not-enabled", Src: "SNAP:test_cors_http_options_no_config/options-with-origin-and-method", Preflight: true,
		Req: opt("whatever", "PUT"), Status: 403, Outcome: cors.NoConfiguration, Rule: -1,
		Err: &Err{"AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "PUT", "BUCKET"}},
	{Name: "preflight/not-enabled-no-acrm", Src: "SNAP:test_cors_http_options_no_config/options-with-origin-no-method", Preflight: true,
		Req: opt("whatever", ""), Status: 403, Outcome: cors.NoConfiguration, Rule: -1,
		Err: &Err{"AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "OPTIONS", "BUCKET"}},
	// Step 4: ACRM missing or invalid.
	{Name: "preflight/acrm-missing", Src: "UNVERIFIED: 3P Eucalyptus, s3rver; S3T status 400", Config: CfgLocalhost, Preflight: true,
		Req: opt("https://localhost:4200", ""), Status: 400, Outcome: cors.BadRequest, Rule: -1,
		Err: &Err{"BadRequest", "Invalid Access-Control-Request-Method: null", "", ""}},
	{Name: "preflight/acrm-options", Src: "UNVERIFIED: 3P Eucalyptus, versitygw", Config: CfgLocalhost, Preflight: true,
		Req: opt("https://localhost:4200", "OPTIONS"), Status: 400, Outcome: cors.BadRequest, Rule: -1,
		Err: &Err{"BadRequest", "Invalid Access-Control-Request-Method: OPTIONS", "", ""}},
	{Name: "preflight/acrm-lower-case", Src: "UNVERIFIED: 3P Eucalyptus, versitygw", Config: CfgLocalhost, Preflight: true,
		Req: opt("https://localhost:4200", "get"), Status: 400, Outcome: cors.BadRequest, Rule: -1,
		Err: &Err{"BadRequest", "Invalid Access-Control-Request-Method: get", "", ""}},
	// Steps 5 and 6.
	{Name: "preflight/right-origin", Src: "SNAP:test_cors_match_origins/opt-right-origin", Config: CfgLocalhost, Preflight: true,
		Req: opt("https://localhost:4200", "PUT"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), maxAge("3000"), hdrCred, hdrVary}},
	{Name: "preflight/wrong-scheme", Src: "SNAP:test_cors_match_origins/opt-wrong-origin", Config: CfgLocalhost, Preflight: true,
		Req: opt("http://localhost:4200", "PUT"), Status: 403, Outcome: cors.NoMatchingRule, Rule: -1,
		Err: &Err{"AccessForbidden", NotAllowed, "PUT", "OBJECT"}},
	{Name: "preflight/star", Src: "SNAP:test_cors_match_origins/opt-random-wildcard-origin", Config: CfgStar, Preflight: true,
		Req: opt("http://random:1234", "GET"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{Name: "preflight/partial-origin", Src: "SNAP:test_cors_options_match_partial_origin", Config: CfgPartial, Preflight: true,
		Req: bucketLevel(opt("http://test.origin.com", "GET")), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("http://test.origin.com"), acam("GET, PUT"), hdrCred, hdrVary}},
	{Name: "preflight/partial-origin-trailing-slash", Src: "SNAP:test_cors_options_fails_partial_origin", Config: CfgPartial, Preflight: true,
		Req: bucketLevel(opt("http://test.origin.com/", "GET")), Status: 403, Outcome: cors.NoMatchingRule, Rule: -1,
		Err: &Err{"AccessForbidden", NotAllowed, "GET", "BUCKET"}},
	{Name: "preflight/star-matches-empty", Src: "SCAL http://.allowedorigin.com; UNVERIFIED", Config: CfgEmptyStar, Preflight: true,
		Req: opt("http://.allowedorigin.com", "GET"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("http://.allowedorigin.com"), acam("GET"), hdrCred, hdrVary}},
	{Name: "preflight/origin-case-sensitive", Src: "UNVERIFIED: 3P MinIO", Config: CfgPartial, Preflight: true,
		Req: opt("HTTP://test.origin.com", "GET"), Status: 403, Outcome: cors.NoMatchingRule, Rule: -1,
		Err: &Err{"AccessForbidden", NotAllowed, "GET", "OBJECT"}},
	{Name: "preflight/method-not-allowed", Src: "SNAP:test_cors_match_methods", Config: CfgStar, Preflight: true,
		Req: opt("http://x.test", "PUT"), Status: 403, Outcome: cors.NoMatchingRule, Rule: -1,
		Err: &Err{"AccessForbidden", NotAllowed, "PUT", "OBJECT"}},
	{Name: "preflight/header-case", Src: "SNAP:test_cors_match_headers/opt-get-allowed-diff-casing", Config: CfgHeaders, Preflight: true,
		Req: opt("http://x.test", "GET", "x-amz-server-side-encryption,x-AMZ-expected-BUCKET-owner"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), acah("x-amz-server-side-encryption, x-amz-expected-bucket-owner"), hdrVary}},
	{Name: "preflight/header-no-space", Src: "SNAP:test_cors_match_headers/opt-get-allowed-no-space", Config: CfgHeaders, Preflight: true,
		Req: opt("http://x.test", "GET", "x-amz-server-side-encryption, x-amz-expected-bucket-owner"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), acah("x-amz-server-side-encryption, x-amz-expected-bucket-owner"), hdrVary}},
	{Name: "preflight/header-not-allowed", Src: "SNAP:test_cors_match_headers/opt-get-non-allowed", Config: CfgHeaders, Preflight: true,
		Req: opt("http://x.test", "GET", "x-amz-server-side-encryption,x-amz-request-payer"), Status: 403, Outcome: cors.NoMatchingRule, Rule: -1,
		Err: &Err{"AccessForbidden", NotAllowed, "GET", "OBJECT"}},
	{Name: "preflight/star-header-echoes", Src: "SNAP:test_cors_match_headers/opt-get; SCAL", Config: CfgLocalhost, Preflight: true,
		Req: opt("https://localhost:4200", "GET", "Content-Type,X-Amz-Date"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), acah("content-type, x-amz-date"), maxAge("3000"), hdrCred, hdrVary}},
	{Name: "preflight/header-prefix-pattern", Src: "DOC:cors.md AllowedHeader; SCAL amz-*", Config: CfgPrefix, Preflight: true,
		Req: opt("https://app.example.com", "PUT", "content-type,x-amz-meta-foo"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("https://app.example.com"), acam("GET, PUT"), acah("content-type, x-amz-meta-foo"), hdrCred, hdrVary}},
	{Name: "preflight/header-prefix-pattern-miss", Src: "DOC:cors.md AllowedHeader", Config: CfgPrefix, Preflight: true,
		Req: opt("https://app.example.com", "PUT", "x-custom"), Status: 403, Outcome: cors.NoMatchingRule, Rule: -1,
		Err: &Err{"AccessForbidden", NotAllowed, "PUT", "OBJECT"}},
	{Name: "preflight/empty-items-dropped", Src: "SCAL content-type,,expires", Config: CfgPrefix, Preflight: true,
		Req: opt("https://app.example.com", "PUT", "content-type,,expires"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("https://app.example.com"), acam("GET, PUT"), acah("content-type, expires"), hdrCred, hdrVary}},
	{Name: "preflight/acrh-split-lines", Src: "RFC 9110 list header; proxies split lines", Config: CfgPrefix, Preflight: true,
		Req: opt("https://app.example.com", "PUT", "content-type", " x-amz-date "), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("https://app.example.com"), acam("GET, PUT"), acah("content-type, x-amz-date"), hdrCred, hdrVary}},
	{Name: "preflight/no-allowed-header", Src: "SNAP:test_put_cors_default_values/opt-get-headers", Config: CfgNoHeaders, Preflight: true,
		Req: opt("http://x.test", "GET", "content-type"), Status: 403, Outcome: cors.NoMatchingRule, Rule: -1,
		Err: &Err{"AccessForbidden", NotAllowed, "GET", "OBJECT"}},
	{Name: "preflight/no-max-age", Src: "SNAP:test_put_cors_default_values/opt-get", Config: CfgNoHeaders, Preflight: true,
		Req: opt("http://x.test", "GET"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{Name: "preflight/expose", Src: "SNAP:test_cors_expose_headers/opt-get", Config: CfgExpose, Preflight: true,
		Req: opt("localhost:4566", "GET"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), aceh("ETag, x-amz-meta-custom-header"), hdrVary}},
	{Name: "preflight/first-rule-wins", Src: "DOC:cors.md evaluation", Config: CfgTwoRules, Preflight: true,
		Req: opt("https://b.example", "PUT", "content-type"), Status: 200, Outcome: cors.Allowed, Rule: 1,
		Headers: []cors.Header{acao("https://b.example"), acam("PUT, POST, DELETE"), acah("content-type"), aceh("ETag"), maxAge("600"), hdrCred, hdrVary}},
	{Name: "preflight/first-rule-wins-get", Src: "DOC:cors.md evaluation", Config: CfgTwoRules, Preflight: true,
		Req: opt("https://a.example", "GET"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("https://a.example"), acam("GET"), hdrCred, hdrVary}},
	{Name: "preflight/mixed-star-exact-first", Src: "UNVERIFIED: first matching AllowedOrigin decides", Config: CfgMixedStar, Preflight: true,
		Req: opt("http://a.com", "GET"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("http://a.com"), acam("GET"), hdrCred, hdrVary}},
	{Name: "preflight/mixed-star-other", Src: "UNVERIFIED: first matching AllowedOrigin decides", Config: CfgMixedStar, Preflight: true,
		Req: opt("http://b.com", "GET"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{Name: "preflight/star-first", Src: "SNAP:…/opt-random-wildcard-origin", Config: CfgStarFirst, Preflight: true,
		Req: opt("http://a.com", "GET"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{Name: "preflight/max-age-zero", Src: "UNVERIFIED: a configured 0 is sent", Config: CfgMaxAge0, Preflight: true,
		Req: opt("http://a.com", "GET"), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("http://a.com"), acam("GET"), maxAge("0"), hdrCred, hdrVary}},
	{Name: "preflight/acrh-1MiB-commas", Src: "bounds: acrh.MaxBytes", Config: CfgLocalhost, Preflight: true,
		Req: opt("https://localhost:4200", "PUT", strings.Repeat(",", 1<<20)), Status: 403, Outcome: cors.NoMatchingRule, Rule: -1,
		Err: &Err{"AccessForbidden", NotAllowed, "PUT", "OBJECT"}},
	{Name: "preflight/acrh-8KiB-commas", Src: "bounds: empty items within acrh.MaxBytes are dropped", Config: CfgLocalhost, Preflight: true,
		Req: opt("https://localhost:4200", "PUT", strings.Repeat(",", 8<<10)), Status: 200, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), maxAge("3000"), hdrCred, hdrVary}},
	{Name: "preflight/acrh-too-many-names", Src: "bounds: acrh.MaxNames", Config: CfgLocalhost, Preflight: true,
		Req: opt("https://localhost:4200", "PUT", strings.Repeat("x-a,", 129)), Status: 403, Outcome: cors.NoMatchingRule, Rule: -1,
		Err: &Err{"AccessForbidden", NotAllowed, "PUT", "OBJECT"}},

	// docs/s3-cors.md#actual-requests.
	{Name: "actual/no-origin", Src: "SNAP:test_cors_match_origins/get-no-origin", Config: CfgLocalhost,
		Req: get(""), Outcome: cors.NoOrigin, Rule: -1},
	{Name: "actual/no-config", Src: "SNAP:test_cors_http_get_no_config", Req: get("https://localhost:4200"),
		Outcome: cors.NoConfiguration, Rule: -1},
	{Name: "actual/right-origin", Src: "SNAP:test_cors_match_origins/get-right-origin", Config: CfgLocalhost,
		Req: get("https://localhost:4200"), Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), maxAge("3000"), hdrCred, hdrVary}},
	{Name: "actual/wrong-origin", Src: "SNAP:test_cors_match_origins/get-wrong-origin", Config: CfgLocalhost,
		Req: get("http://localhost:4200"), Outcome: cors.NoMatchingRule, Rule: -1},
	{Name: "actual/star", Src: "SNAP:test_cors_match_origins/get-random-wildcard-origin", Config: CfgStar,
		Req: get("http://random:1234"), Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{Name: "actual/acrm-overrides-method", Src: "SNAP:test_cors_match_methods/get-wrong-op", Config: CfgStar,
		Req: cors.Request{Method: "GET", Origin: "http://x.test", RequestMethod: "PUT"}, Outcome: cors.NoMatchingRule, Rule: -1},
	{Name: "actual/put-with-acrm-get", Src: "S3T: PUT with ACRM GET gets ACAM GET", Config: CfgStar,
		Req: cors.Request{Method: "PUT", Origin: "http://x.test", RequestMethod: "GET"}, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), hdrVary}},
	{Name: "actual/put-not-allowed", Src: "SNAP:test_cors_match_methods/put-op", Config: CfgStar,
		Req: cors.Request{Method: "PUT", Origin: "http://x.test"}, Outcome: cors.NoMatchingRule, Rule: -1},
	{Name: "actual/acrh-allowed-echoed", Src: "VGW-D allowed headers", Config: CfgLocalhost,
		Req: cors.Request{Method: "GET", Origin: "https://localhost:4200", RequestHeaders: []string{"dummy-header-one"}}, Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("https://localhost:4200"), acam("GET, PUT"), acah("dummy-header-one"), maxAge("3000"), hdrCred, hdrVary}},
	{Name: "actual/acrh-not-allowed", Src: "SNAP:test_cors_match_headers/get-non-allowed-with-acl", Config: CfgHeaders,
		Req: cors.Request{Method: "GET", Origin: "http://x.test", RequestHeaders: []string{"x-amz-request-payer"}}, Outcome: cors.NoMatchingRule, Rule: -1},
	{Name: "actual/unknown-method", Src: "docs/s3-cors.md#matching-rules: methods are exact", Config: CfgStar,
		Req: cors.Request{Method: "PATCH", Origin: "http://x.test"}, Outcome: cors.NoMatchingRule, Rule: -1},
	{Name: "actual/expose", Src: "SNAP:test_cors_expose_headers; presigned GET: docs/s3-cors.md#cors-is-not-access-control", Config: CfgExpose,
		Req: get("localhost:4566"), Outcome: cors.Allowed, Rule: 0,
		Headers: []cors.Header{acao("*"), acam("GET"), aceh("ETag, x-amz-meta-custom-header"), hdrVary}},
	{Name: "actual/second-origin-echoed", Src: "SNAP-2022:raw-response-headers-3", Config: CfgTwoRules,
		Req: cors.Request{Method: "PUT", Origin: "https://b.example"}, Outcome: cors.Allowed, Rule: 1,
		Headers: []cors.Header{acao("https://b.example"), acam("PUT, POST, DELETE"), aceh("ETag"), maxAge("600"), hdrCred, hdrVary}},
}
