package fetch_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/doorman-s3/doorman/cors/fetch"
)

func intp(v int) *int { return &v }

// The policies the table evaluates.
var (
	// web is the web-app policy: credentials, exact, subdomain and port wildcards, a
	// pattern.
	web = &fetch.Config{
		Origins:        []string{"https://app.example.com", "https://*.example.com", "http://localhost:*"},
		OriginPatterns: []string{`^https://pr-[0-9]+\.preview\.example\.net$`},
		Methods:        []string{"PUT", "DELETE", "PATCH"},
		RequestHeaders: []string{"authorization", "content-type"},
		ExposeHeaders:  []string{"etag", "x-request-id"},
		MaxAge:         intp(600),
		Credentials:    true,
	}
	webConfigured = func() *fetch.Config { c := web.Clone(); c.Advertise = fetch.AdvertiseConfigured; return c }()
	// public allows any origin, method and header, without credentials.
	public = &fetch.Config{Origins: []string{"*"}, Methods: []string{"*"}, RequestHeaders: []string{"*"}, ExposeHeaders: []string{"etag"}}
	// starsCredentialed: "*" methods and headers with credentials, advertised in full.
	starsCredentialed = &fetch.Config{Origins: []string{"https://app.example.com"}, Methods: []string{"*"}, RequestHeaders: []string{"*"},
		Credentials: true, Advertise: fetch.AdvertiseConfigured}
	// lenient answers a refused preflight 200, as Envoy, Kong and Traefik do.
	lenient = &fetch.Config{Origins: []string{"https://app.example.com"}, FailureStatus: 200, PreflightStatus: 200}

	httpAPI = &fetch.Config{Semantics: fetch.APIGatewayHTTP,
		Origins: []string{"https://App.Example.com", "http://*"}, Methods: []string{"GET", "post"},
		RequestHeaders: []string{"Content-Type", "X-Api-Key"}, ExposeHeaders: []string{"x-api-id"}, MaxAge: intp(300), Credentials: true}
	// httpAPIOrigins is SAM's CorsConfiguration: true: AllowOrigins ["*"] alone.
	httpAPIOrigins = &fetch.Config{Semantics: fetch.APIGatewayHTTP, Origins: []string{"*"}}
	httpAPIMethods = &fetch.Config{Semantics: fetch.APIGatewayHTTP, Origins: []string{"*"}, Methods: []string{"*"}}
	httpAPIStars   = &fetch.Config{Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://*"}, Methods: []string{"*"}, RequestHeaders: []string{"*"}}

	rest = &fetch.Config{Semantics: fetch.APIGatewayREST,
		Static: []fetch.Header{{"access-control-allow-origin", "*"}, {"Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"},
			{"Access-Control-Allow-Methods", "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"}},
		Errors4XX: []fetch.Header{{"Access-Control-Allow-Origin", "*"}},
		Errors5XX: []fetch.Header{{"Access-Control-Allow-Origin", "*"}, {"Access-Control-Allow-Headers", "*"}}}

	cloudFront = &fetch.Config{Semantics: fetch.CloudFront,
		Origins: []string{"https://app.example.com", "*.example.org"}, Methods: []string{"ALL"},
		RequestHeaders: []string{"content-type", "x-api-key"}, ExposeHeaders: []string{"*"}, MaxAge: intp(600)}
	cloudFrontCredentialed = &fetch.Config{Semantics: fetch.CloudFront,
		Origins: []string{"https://app.example.com"}, Methods: []string{"GET", "PUT"}, RequestHeaders: []string{"content-type"}, Credentials: true}
)

const (
	varyPreflight = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	varyRequest   = "Access-Control-Request-Method, Access-Control-Request-Headers"
)

func preflight(origin, method, headers string) fetch.Request {
	r := fetch.Request{Method: "OPTIONS", Origin: origin, HasOrigin: true, RequestMethod: method, HasRequestMethod: true}
	if headers != "" {
		r.RequestHeaders = []string{headers}
	}
	return r
}

func actual(method, origin string) fetch.Request {
	return fetch.Request{Method: method, Origin: origin, HasOrigin: origin != ""}
}

type H = []fetch.Header

func aco(v string) fetch.Header    { return fetch.Header{"Access-Control-Allow-Origin", v} }
func acm(v string) fetch.Header    { return fetch.Header{"Access-Control-Allow-Methods", v} }
func ach(v string) fetch.Header    { return fetch.Header{"Access-Control-Allow-Headers", v} }
func aceh(v string) fetch.Header   { return fetch.Header{"Access-Control-Expose-Headers", v} }
func maxAge(v string) fetch.Header { return fetch.Header{"Access-Control-Max-Age", v} }
func vary(v string) fetch.Header   { return fetch.Header{"Vary", v} }

var creds = fetch.Header{"Access-Control-Allow-Credentials", "true"}

// evalCase is one request against one policy, with the whole expected answer. Name is the
// benchmark's case name; Source says which rule the row holds the engine to.
type evalCase struct {
	Name    string
	Source  string
	cfg     *fetch.Config
	req     fetch.Request
	kind    fetch.Kind
	allowed bool
	reason  fetch.Reason
	detail  string
	status  int
	headers H
}

var evalCases = []evalCase{
	// Fetch semantics, credentialed policy.
	{Name: "preflight-allowed", Source: "Fetch #cors-preflight-fetch; complaint 9 (method and headers enforced)", cfg: web,
		req: preflight("https://app.example.com", "PUT", "authorization,content-type"), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://app.example.com"), creds, acm("PUT"), ach("authorization,content-type"), maxAge("600"), vary(varyPreflight)}},
	{Name: "preflight-allowed-subdomain", Source: "issue: subdomain wildcard admits https://a.app.test; complaint 6", cfg: web,
		req: preflight("https://a.b.example.com", "DELETE", ""), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://a.b.example.com"), creds, acm("DELETE"), maxAge("600"), vary(varyPreflight)}},
	{Name: "preflight-refused-apex", Source: "issue: a subdomain wildcard never matches the apex; complaint 6", cfg: web,
		req: preflight("https://example.com", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "https://example.com", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-refused-suffix", Source: "issue: never example.com.evil.net; complaint 6", cfg: web,
		req: preflight("https://app.example.com.evil.net", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "https://app.example.com.evil.net", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-refused-lookalike", Source: "Fetch #cors-check: byte-for-byte origin comparison", cfg: web,
		req: preflight("https://evilexample.com", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "https://evilexample.com", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-refused-scheme", Source: "Fetch #origin: the scheme is part of the origin", cfg: web,
		req: preflight("http://app.example.com", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "http://app.example.com", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-refused-empty-label", Source: "a wildcard admits DNS labels only", cfg: web,
		req: preflight("https://x/.example.com", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "https://x/.example.com", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-allowed-port-wildcard", Source: "issue: http://localhost:* (any dev server port)", cfg: web,
		req: preflight("http://localhost:5173", "PATCH", ""), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("http://localhost:5173"), creds, acm("PATCH"), maxAge("600"), vary(varyPreflight)}},
	{Name: "preflight-refused-port-wildcard-host", Source: "a port wildcard keeps the host exact", cfg: web,
		req: preflight("http://localhost.evil.net:5173", "PATCH", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "http://localhost.evil.net:5173", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-allowed-pattern", Source: "origin_patterns: anchored RE2", cfg: web,
		req: preflight("https://pr-42.preview.example.net", "PUT", ""), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://pr-42.preview.example.net"), creds, acm("PUT"), maxAge("600"), vary(varyPreflight)}},
	{Name: "preflight-refused-pattern-suffix", Source: "origin_patterns are anchored: complaint 6", cfg: web,
		req: preflight("https://pr-42.preview.example.net.evil.com", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "https://pr-42.preview.example.net.evil.com", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-allowed-safelisted", Source: "Fetch #cors-safelisted-method: POST needs no listing", cfg: web,
		req: preflight("https://app.example.com", "POST", "content-type"), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://app.example.com"), creds, acm("POST"), ach("content-type"), maxAge("600"), vary(varyPreflight)}},
	{Name: "preflight-refused-method", Source: "Fetch #cors-preflight-fetch: method not in Access-Control-Allow-Methods; complaint 9", cfg: web,
		req: preflight("https://app.example.com", "PROPFIND", ""), kind: fetch.Preflight, reason: fetch.ReasonMethod, detail: "PROPFIND", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-refused-method-case", Source: "Fetch #concept-method-normalize: methods compare byte for byte", cfg: web,
		req: preflight("https://app.example.com", "patch", ""), kind: fetch.Preflight, reason: fetch.ReasonMethod, detail: "patch", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-refused-header", Source: "Fetch #cors-preflight-fetch: every requested header checked; complaint 9", cfg: web,
		req: preflight("https://app.example.com", "PUT", "content-type,x-debug"), kind: fetch.Preflight, reason: fetch.ReasonHeader, detail: "x-debug", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-allowed-header-case", Source: "Fetch #http-access-control-allow-headers: names compare ignoring case", cfg: web,
		req: preflight("https://app.example.com", "PUT", "Content-Type, Authorization"), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://app.example.com"), creds, acm("PUT"), ach("Content-Type, Authorization"), maxAge("600"), vary(varyPreflight)}},
	{Name: "preflight-allowed-header-lines", Source: "Access-Control-Request-Headers split over lines, echoed joined", cfg: web,
		req: func() fetch.Request {
			r := preflight("https://app.example.com", "PUT", "")
			r.RequestHeaders = []string{"Content-Type", " authorization"}
			return r
		}(), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://app.example.com"), creds, acm("PUT"), ach("content-type, authorization"), maxAge("600"), vary(varyPreflight)}},
	{Name: "preflight-refused-acrh-1MiB", Source: "bounds: acrh.MaxBytes", cfg: web,
		req: preflight("https://app.example.com", "PUT", strings.Repeat(",", 1<<20)), kind: fetch.Preflight, reason: fetch.ReasonMalformed, status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-refused-origin-long", Source: "bounds: MaxOriginBytes", cfg: web,
		req: preflight("https://"+strings.Repeat("a", 600)+".example.com", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonMalformed, status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-refused-empty-origin", Source: "an empty Origin is no origin of the list", cfg: web,
		req: preflight("", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "preflight-refused-null", Source: "the null origin is never admitted by a list", cfg: web,
		req: preflight("null", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "null", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "actual-allowed", Source: "Fetch #cors-check; #http-access-control-expose-headers; complaint 4 (one origin, never the list)", cfg: web,
		req: actual("GET", "https://app.example.com"), kind: fetch.Actual, allowed: true,
		headers: H{aco("https://app.example.com"), creds, aceh("etag, x-request-id"), vary("Origin")}},
	{Name: "actual-refused", Source: "Fetch #cors-protocol-and-http-caches: Vary: Origin on refusals too; complaint 5", cfg: web,
		req: actual("GET", "https://evil.test"), kind: fetch.Actual, reason: fetch.ReasonOrigin, detail: "https://evil.test",
		headers: H{vary("Origin")}},
	{Name: "actual-options-without-acrm", Source: "Fetch #cors-preflight-fetch: a preflight carries Access-Control-Request-Method", cfg: web,
		req: actual("OPTIONS", "https://app.example.com"), kind: fetch.Actual, allowed: true,
		headers: H{aco("https://app.example.com"), creds, aceh("etag, x-request-id"), vary("Origin")}},
	{Name: "none", Source: "Fetch #cors-protocol-and-http-caches: Vary: Origin without Origin; complaint 5", cfg: web,
		req: actual("GET", ""), kind: fetch.NotCORS, allowed: true,
		headers: H{vary("Origin")}},
	{Name: "none-options", Source: "Fetch #cors-request: no Origin, not a preflight", cfg: web,
		req: fetch.Request{Method: "OPTIONS", RequestMethod: "PUT", HasRequestMethod: true}, kind: fetch.NotCORS, allowed: true,
		headers: H{vary("Origin")}},
	{Name: "preflight-refused-200", Source: "issue: failure status configurable (200 as Envoy, Kong, Traefik)", cfg: lenient,
		req: preflight("https://evil.test", "PUT", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "https://evil.test", status: 200,
		headers: H{vary(varyPreflight)}},

	// Fetch semantics, any origin.
	{Name: "public-preflight-allowed", Source: "Fetch #cors-preflight-fetch: * origin, ACAM/ACAH echo", cfg: public,
		req: preflight("https://anyone.test", "PATCH", "x-custom"), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("*"), acm("PATCH"), ach("x-custom"), vary(varyRequest)}},
	{Name: "public-preflight-refused-authorization", Source: "Fetch #http-access-control-allow-headers: * never covers Authorization", cfg: public,
		req: preflight("https://anyone.test", "PUT", "content-type,authorization"), kind: fetch.Preflight, reason: fetch.ReasonHeader, detail: "authorization", status: 403,
		headers: H{vary(varyRequest)}},
	{Name: "public-preflight-refused-trace", Source: "Fetch #forbidden-method: * never covers TRACE", cfg: public,
		req: preflight("https://anyone.test", "TRACE", ""), kind: fetch.Preflight, reason: fetch.ReasonMethod, detail: "TRACE", status: 403,
		headers: H{vary(varyRequest)}},
	{Name: "public-actual", Source: "Fetch #cors-protocol-and-http-caches: no Vary when the answer is the same for all", cfg: public,
		req: actual("GET", "https://anyone.test"), kind: fetch.Actual, allowed: true,
		headers: H{aco("*"), aceh("etag")}},
	{Name: "public-none", Source: "Fetch #cors-protocol-and-http-caches: ACAO * on non-CORS responses too; complaint 5", cfg: public,
		req: actual("GET", ""), kind: fetch.NotCORS, allowed: true,
		headers: H{aco("*"), aceh("etag")}},

	// Advertise configured.
	{Name: "configured-preflight-allowed", Source: "advertise: configured (the full lists, as API Gateway sends)", cfg: webConfigured,
		req: preflight("https://app.example.com", "PUT", "content-type"), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://app.example.com"), creds, acm("PUT, DELETE, PATCH"), ach("authorization, content-type"), maxAge("600"), vary(varyPreflight)}},
	{Name: "configured-stars-credentialed", Source: "Fetch #http-access-control-allow-methods: * is literal on credentialed requests, so echo", cfg: starsCredentialed,
		req: preflight("https://app.example.com", "PURGE", "authorization,x-a"), kind: fetch.Preflight, allowed: false, reason: fetch.ReasonHeader, detail: "authorization", status: 403,
		headers: H{vary(varyPreflight)}},
	{Name: "configured-stars-credentialed-echo", Source: "Fetch #http-access-control-allow-headers: * is literal on credentialed requests, so echo", cfg: starsCredentialed,
		req: preflight("https://app.example.com", "PURGE", "x-a,x-b"), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://app.example.com"), creds, acm("PURGE"), ach("x-a,x-b"), vary(varyPreflight)}},

	// API Gateway HTTP API.
	{Name: "apigw-http-preflight-allowed", Source: "docs/apigw-cors.md#http-api-preflight-response: configured lists [UNVERIFIED separator], 204", cfg: httpAPI,
		req: preflight("https://app.example.com", "POST", "content-type"), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://app.example.com"), creds, acm("GET,post"), ach("Content-Type,X-Api-Key"), aceh("x-api-id"), maxAge("300"), vary(varyPreflight)}},
	{Name: "apigw-http-preflight-origin-case", Source: "docs/apigw-cors.md#http-api-origin-matching: origins compare ignoring case; the request's spelling echoed [UNVERIFIED]", cfg: httpAPI,
		req: preflight("HTTPS://app.EXAMPLE.com", "get", ""), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("HTTPS://app.EXAMPLE.com"), creds, acm("GET,post"), ach("Content-Type,X-Api-Key"), aceh("x-api-id"), maxAge("300"), vary(varyPreflight)}},
	{Name: "apigw-http-preflight-scheme-wildcard", Source: "docs/apigw-cors.md#http-api-origin-matching: http://* admits any http origin, echoed", cfg: httpAPI,
		req: preflight("http://localhost:4000", "GET", ""), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("http://localhost:4000"), creds, acm("GET,post"), ach("Content-Type,X-Api-Key"), aceh("x-api-id"), maxAge("300"), vary(varyPreflight)}},
	{Name: "apigw-http-preflight-refused-scheme", Source: "docs/apigw-cors.md#http-api-origin-matching: http://* does not admit https; refusal 204 without CORS headers [UNVERIFIED]", cfg: httpAPI,
		req: preflight("https://localhost:4000", "GET", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "https://localhost:4000", status: 204,
		headers: H{vary(varyPreflight)}},
	{Name: "apigw-http-preflight-refused-method", Source: "docs/apigw-cors.md#http-api-method-and-header-matching: methods listed; no CORS-safelisting in API Gateway", cfg: httpAPI,
		req: preflight("https://app.example.com", "HEAD", ""), kind: fetch.Preflight, reason: fetch.ReasonMethod, detail: "HEAD", status: 204,
		headers: H{vary(varyPreflight)}},
	{Name: "apigw-http-preflight-refused-header", Source: "docs/apigw-cors.md#http-api-method-and-header-matching: every requested header listed", cfg: httpAPI,
		req: preflight("https://app.example.com", "GET", "x-api-key,authorization"), kind: fetch.Preflight, reason: fetch.ReasonHeader, detail: "authorization", status: 204,
		headers: H{vary(varyPreflight)}},
	{Name: "apigw-http-preflight-origins-only", Source: "docs/apigw-cors.md#http-api-method-and-header-matching: a partial configuration never matches (SAM CorsConfiguration: true)", cfg: httpAPIOrigins,
		req: preflight("https://app.example.com", "GET", ""), kind: fetch.Preflight, reason: fetch.ReasonUnconfigured, detail: "GET", status: 204,
		headers: H{vary(varyRequest)}},
	{Name: "apigw-http-preflight-methods-only", Source: "docs/apigw-cors.md#http-api-method-and-header-matching: methods * and no headers requested: match, Allow-Headers present and empty; * answered * [UNVERIFIED]", cfg: httpAPIMethods,
		req: preflight("https://app.example.com", "GET", ""), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("*"), acm("*"), ach(""), vary(varyRequest)}},
	{Name: "apigw-http-preflight-methods-only-headers", Source: "docs/apigw-cors.md#http-api-method-and-header-matching: headers unset and some requested: no match", cfg: httpAPIMethods,
		req: preflight("https://app.example.com", "GET", "test,test2"), kind: fetch.Preflight, reason: fetch.ReasonUnconfigured, detail: "test", status: 204,
		headers: H{vary(varyRequest)}},
	{Name: "apigw-http-preflight-stars", Source: "docs/apigw-cors.md#http-api-method-and-header-matching: headers * match any name, authorization too", cfg: httpAPIStars,
		req: preflight("https://app.example.com", "DELETE", "authorization"), kind: fetch.Preflight, allowed: true, status: 204,
		headers: H{aco("https://app.example.com"), acm("*"), ach("*"), vary(varyPreflight)}},
	{Name: "apigw-http-actual", Source: "docs/apigw-cors.md#http-api-actual-requests: Allow-Origin, -Credentials, -Expose-Headers on integration responses", cfg: httpAPI,
		req: actual("GET", "https://app.example.com"), kind: fetch.Actual, allowed: true,
		headers: H{aco("https://app.example.com"), creds, aceh("x-api-id"), vary("Origin")}},
	{Name: "apigw-http-actual-refused", Source: "docs/apigw-cors.md#http-api-origin-matching: origin not in the list, no CORS headers", cfg: httpAPI,
		req: actual("GET", "https://evil.test"), kind: fetch.Actual, reason: fetch.ReasonOrigin, detail: "https://evil.test",
		headers: H{vary("Origin")}},
	{Name: "apigw-http-none", Source: "docs/apigw-cors.md#http-api-actual-requests: no Origin, no CORS headers", cfg: httpAPI,
		req: actual("GET", ""), kind: fetch.NotCORS, allowed: true, headers: H{vary("Origin")}},

	// API Gateway REST API.
	{Name: "apigw-rest-options", Source: "docs/apigw-cors.md#rest-api-the-mock-options-method: the mock method's answer, 200, application/json, empty", cfg: rest,
		req: preflight("https://app.example.com", "PUT", "authorization"), kind: fetch.Preflight, allowed: true, status: 200,
		headers: H{{"Content-Type", "application/json"}, {"Content-Length", "0"}, aco("*"),
			ach("Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"), acm("DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT")}},
	{Name: "apigw-rest-options-no-origin", Source: "docs/apigw-cors.md#rest-api-no-cors-of-its-own: an OPTIONS without Origin gets the static headers too", cfg: rest,
		req: fetch.Request{Method: "OPTIONS"}, kind: fetch.Preflight, allowed: true, status: 200,
		headers: H{{"Content-Type", "application/json"}, {"Content-Length", "0"}, aco("*"),
			ach("Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"), acm("DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT")}},
	{Name: "apigw-rest-actual", Source: "docs/apigw-cors.md#rest-api-no-cors-of-its-own: a proxy integration's CORS headers are the backend's", cfg: rest,
		req: actual("GET", "https://app.example.com"), kind: fetch.Actual, allowed: true},

	// CloudFront.
	{Name: "cloudfront-preflight", Source: "docs/cloudfront.md#response-headers-policies: preflight-only headers from the configured lists, not evaluated; OPTIONS forwarded (status 0)", cfg: cloudFront,
		req: preflight("https://app.example.com", "PROPFIND", "x-unlisted"), kind: fetch.Preflight, allowed: true,
		headers: H{aco("https://app.example.com"), acm("GET, HEAD, PUT, POST, PATCH, DELETE, OPTIONS"), ach("content-type, x-api-key"), aceh("*"), maxAge("600")}},
	{Name: "cloudfront-preflight-wildcard", Source: "docs/cloudfront.md#response-headers-policies: *.example.org, leftmost label", cfg: cloudFront,
		req: preflight("http://a.example.org", "GET", ""), kind: fetch.Preflight, allowed: true,
		headers: H{aco("http://a.example.org"), acm("GET, HEAD, PUT, POST, PATCH, DELETE, OPTIONS"), ach("content-type, x-api-key"), aceh("*"), maxAge("600")}},
	{Name: "cloudfront-preflight-refused-apex", Source: "docs/cloudfront.md#response-headers-policies: the wildcard admits subdomains only [UNVERIFIED]", cfg: cloudFront,
		req: preflight("https://example.org", "GET", ""), kind: fetch.Preflight, reason: fetch.ReasonOrigin, detail: "https://example.org"},
	{Name: "cloudfront-actual", Source: "docs/cloudfront.md#response-headers-policies: Allow-Origin, -Credentials, -Expose-Headers on every CORS response", cfg: cloudFrontCredentialed,
		req: actual("PUT", "https://app.example.com"), kind: fetch.Actual, allowed: true,
		headers: H{aco("https://app.example.com"), creds}},
	{Name: "cloudfront-none", Source: "docs/cloudfront.md#response-headers-policies: headers only for CORS requests", cfg: cloudFront,
		req: actual("GET", ""), kind: fetch.NotCORS, allowed: true},
}

var (
	compiledMu sync.Mutex
	compiled   = map[*fetch.Config]*fetch.Policy{}
)

func (c *evalCase) compile(tb testing.TB) *fetch.Policy {
	tb.Helper()
	compiledMu.Lock()
	defer compiledMu.Unlock()
	if p, ok := compiled[c.cfg]; ok {
		return p
	}
	p, err := fetch.Compile(c.cfg)
	if err != nil {
		tb.Fatalf("%s: %v", c.Name, err)
	}
	compiled[c.cfg] = p
	return p
}
