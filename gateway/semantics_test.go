package gateway_test

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway"
)

// awsConfig runs the AWS semantics from the configurations teams deploy (testdata): an API
// Gateway HTTP API (get-api output), a SAM REST API with "Enable CORS" and DEFAULT_4XX/5XX
// gateway responses, and a CloudFront response headers policy with OriginOverride false.
const awsConfig = `version: 1
policies:
  http: { import: { format: apigw-http, file: {{TD}}/get-api.json } }
  rest: { import: { format: sam, file: {{TD}}/sam-rest.yaml, resource: RestApi } }
  cf:   { import: { format: cloudfront, file: {{TD}}/cloudfront.json } }
  rest-paths: { import: { format: sam, file: {{TD}}/sam-rest-paths.yaml, resource: RestApi } }
  cf-managed: { import: { format: cloudfront, managed: CORS-With-Preflight } }
hosts:
  - match: http.test
    upstream: {{UP}}
    cors: { policy: http }
    routes:
      - path: /options-route/
        cors: { policy: http, override: { preflight: { mode: passthrough } } }
      - path: /dead/
        upstream: {{DEAD}}
  - match: rest.test
    upstream: {{UP}}
    cors: { policy: rest }
    routes:
      - path: /dead/
        upstream: {{DEAD}}
  - match: cf.test
    upstream: {{UP}}
    cors: { policy: cf }
  - match: rest-paths.test
    upstream: {{UP}}
    cors: { policy: rest-paths }
  - match: cf-managed.test
    upstream: {{UP}}
    cors: { policy: cf-managed }
`

func startAWS(t *testing.T) (*front, *upstream) {
	td, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	up := newUpstream(t)
	return startFront(t, awsConfig, map[string]string{"TD": td, "UP": up.URL, "DEAD": deadUpstream(t)}), up
}

func TestAWSSemantics(t *testing.T) {
	f, up := startAWS(t)
	cases := []struct {
		name, method, host, target string
		header                     http.Header
		status                     int
		forwarded                  bool // the upstream received the request
		want                       []string
	}{
		// API Gateway HTTP API (docs/apigw-cors.md#http-api).
		{"apigw-http: preflight answered without an OPTIONS route, configured lists (apigw-cors: HTTP API preflight response)", "OPTIONS", "http.test", "/x",
			preflight(appOrigin, "PUT", "authorization"), 204, false, []string{
				"Access-Control-Allow-Credentials: true", "Access-Control-Allow-Headers: authorization",
				"Access-Control-Allow-Methods: GET,PUT", "Access-Control-Allow-Origin: " + appOrigin, "Access-Control-Max-Age: 300"}},
		{"apigw-http: a preflight that does not match gets no CORS headers (apigw-cors: HTTP API method and header matching)", "OPTIONS", "http.test", "/x",
			preflight(appOrigin, "DELETE", ""), 204, false, nil},
		{"apigw-http: a route taking OPTIONS gets the preflight, decorated (apigw-cors: HTTP API routes that take OPTIONS)", "OPTIONS", "http.test", "/options-route/x",
			preflight(appOrigin, "PUT", ""), 401, true, []string{
				"Access-Control-Allow-Credentials: true", "Access-Control-Allow-Headers: authorization",
				"Access-Control-Allow-Methods: GET,PUT", "Access-Control-Allow-Origin: " + appOrigin, "Access-Control-Max-Age: 300"}},
		{"apigw-http: backend CORS headers ignored (apigw-cors: HTTP API actual requests)", "GET", "http.test", "/x?acao=*",
			withOrigin(auth, appOrigin), 200, true, []string{
				"Access-Control-Allow-Credentials: true", "Access-Control-Allow-Origin: " + appOrigin}},
		// REST API with the console's mock OPTIONS method
		// (docs/apigw-cors.md#rest-api-the-mock-options-method,
		// docs/apigw-cors.md#rest-api-gateway-responses).
		{"apigw-rest: every OPTIONS answered 200 with the static headers, Origin or not (apigw-cors: REST API has no CORS of its own)", "OPTIONS", "rest.test", "/orders",
			nil, 200, false, []string{
				"Access-Control-Allow-Headers: Content-Type,Authorization", "Access-Control-Allow-Methods: GET,PUT,OPTIONS",
				"Access-Control-Allow-Origin: " + appOrigin}},
		{"apigw-rest: a proxy integration's headers pass untouched (apigw-cors: REST API has no CORS of its own)", "GET", "rest.test", "/orders?acao=https://backend.test&status=500",
			withOrigin(auth, appOrigin), 500, true, []string{"Access-Control-Allow-Origin: https://backend.test"}},
		{"apigw-rest: gateway-made 5xx carries DEFAULT_5XX's headers (apigw-cors: REST API gateway responses)", "GET", "rest.test", "/dead/x",
			withOrigin(auth, appOrigin), 502, false, []string{"Access-Control-Allow-Origin: *"}},
		{"apigw-rest: gateway-made 4xx carries DEFAULT_4XX's headers (apigw-cors: REST API gateway responses)", "POST", "rest.test", "/orders?big",
			withOrigin(auth, appOrigin), 413, false, []string{"Access-Control-Allow-Origin: " + appOrigin}},
		// A REST API's OPTIONS answered per resource, as each resource has its own OPTIONS method
		// (SAM computes each path's Allow-Methods from its methods,
		// docs/apigw-cors.md#rest-api-methods-per-resource).
		{"apigw-rest: /orders answers with its own methods (apigw-cors: REST API methods per resource)", "OPTIONS", "rest-paths.test", "/orders",
			preflight(appOrigin, "POST", ""), 200, false, []string{
				"Access-Control-Allow-Headers: Content-Type,Authorization", "Access-Control-Allow-Methods: GET,OPTIONS,POST",
				"Access-Control-Allow-Origin: " + appOrigin}},
		{"apigw-rest: /orders/42 is resource /orders/{id}, with its own methods (apigw-cors: REST API methods per resource)", "OPTIONS", "rest-paths.test", "/orders/42",
			preflight(appOrigin, "DELETE", ""), 200, false, []string{
				"Access-Control-Allow-Headers: Content-Type,Authorization", "Access-Control-Allow-Methods: DELETE,GET,OPTIONS",
				"Access-Control-Allow-Origin: " + appOrigin}},
		{"apigw-rest: /files/a/b.txt is the greedy resource /files/{proxy+}", "OPTIONS", "rest-paths.test", "/files/a/b.txt",
			preflight(appOrigin, "PUT", ""), 200, false, []string{
				"Access-Control-Allow-Headers: Content-Type,Authorization", "Access-Control-Allow-Methods: OPTIONS,PUT",
				"Access-Control-Allow-Origin: " + appOrigin}},
		{"apigw-rest: a resource whose OPTIONS method has a backend integration: the backend answers (apigw-cors: REST API has no CORS of its own)", "OPTIONS", "rest-paths.test", "/hooks",
			preflight(appOrigin, "POST", ""), 401, true, nil},
		// A CloudFront managed policy, by name.
		{"cloudfront managed CORS-With-Preflight: OPTIONS forwarded, any origin (cloudfront: managed response headers policies)", "OPTIONS", "cf-managed.test", "/x",
			preflight(appOrigin, "PUT", ""), 401, true, []string{"Access-Control-Allow-Headers: *",
				"Access-Control-Allow-Methods: GET, HEAD, PUT, POST, PATCH, DELETE, OPTIONS", "Access-Control-Allow-Origin: *"}},
		// CloudFront response headers policy (docs/cloudfront.md#response-headers-policies,
		// docs/cloudfront.md#options-requests).
		{"cloudfront: OPTIONS forwarded to the origin, policy headers added (cloudfront: OPTIONS requests)", "OPTIONS", "cf.test", "/x",
			preflight(appOrigin, "PUT", "authorization"), 401, true, []string{
				"Access-Control-Allow-Headers: authorization", "Access-Control-Allow-Methods: GET, PUT",
				"Access-Control-Allow-Origin: " + appOrigin, "Access-Control-Max-Age: 300"}},
		{"cloudfront: OriginOverride false keeps the origin's header (cloudfront: OriginOverride)", "GET", "cf.test", "/x?acao=*",
			withOrigin(auth, appOrigin), 200, true, []string{"Access-Control-Allow-Origin: *"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := up.hits.Load()
			var body *bigBody
			if c.method == "POST" {
				body = &bigBody{n: 11 << 20}
			}
			res, _ := f.do(t, c.method, c.host, c.target, c.header, body.reader())
			if res.StatusCode != c.status {
				t.Errorf("status %d, want %d", res.StatusCode, c.status)
			}
			if got := up.hits.Load() > before; got != c.forwarded {
				t.Errorf("forwarded to the upstream: %v, want %v", got, c.forwarded)
			}
			if got := corsHeaders(res.Header); !slices.Equal(got, c.want) {
				t.Errorf("CORS headers\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

// explain answers a REST API's preflight as the gateway does: with the OPTIONS method of the
// resource the path reaches, or says the backend answers it (methods "" : not checked), or,
// for a path no resource matches, with no CORS header (methods "none").
func TestExplainRESTPaths(t *testing.T) {
	f, _ := startAWS(t)
	for _, c := range []struct {
		path, methods, mode string
	}{
		{"/orders", "GET,OPTIONS,POST", "answer"},
		{"/orders/42/", "DELETE,GET,OPTIONS", "answer"},
		{"/orders/export", "GET,OPTIONS", "answer"}, // the literal resource, not /orders/{id}
		{"/files/a/b", "OPTIONS,PUT", "answer"},
		{"/hooks", "", "passthrough"},
		{"/elsewhere", "none", "answer"}, // 403 Missing Authentication Token (docs/apigw-cors.md#rest-api-missing-authentication-token)
	} {
		e := gateway.Explain(f.g.Config(), "rest-paths.test", c.path)
		d, ok := e.Evaluate(&fetch.Request{Method: "OPTIONS", Origin: appOrigin, HasOrigin: true, RequestMethod: "GET", HasRequestMethod: true})
		var methods, mode string
		for _, h := range d.Headers() {
			if h.Name == "Access-Control-Allow-Methods" {
				methods = h.Value
			}
		}
		for _, fl := range e.Fields {
			if fl.Name == "preflight.mode" {
				mode = fl.Value
			}
		}
		if c.methods == "none" && !slices.ContainsFunc(d.Headers(), func(h fetch.Header) bool { return strings.HasPrefix(h.Name, "Access-Control-") }) {
			methods = "none"
		}
		if !ok || mode != c.mode || c.methods != "" && methods != c.methods {
			t.Errorf("explain %s: Allow-Methods %q, preflight.mode %q; want %q, %q", c.path, methods, mode, c.methods, c.mode)
		}
	}
}
