package gateway_test

import (
	"net/http"
	"slices"
	"testing"
)

// A preflight for a path no resource of an imported REST API matches reaches no OPTIONS method:
// API Gateway answers it 403 {"message":"Missing Authentication Token"} with x-amzn-ErrorType
// MissingAuthenticationTokenException, and the DEFAULT_4XX gateway response's headers if any,
// never the mock's CORS headers (docs/apigw-cors.md#rest-api-missing-authentication-token).
// Nothing reaches the upstream.
func TestRESTMissingResource(t *testing.T) {
	f, up := startAWS(t)
	for _, c := range []struct {
		name, host, target string
		header             http.Header
		status             int
		errorType, body    string
		want               []string
	}{
		{"no resource, DEFAULT_4XX with Allow-Origin (apigw-cors: REST API missing authentication token, REST API gateway responses)", "rest.test", "/nowhere",
			preflight(appOrigin, "GET", ""), 403, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`,
			[]string{"Access-Control-Allow-Origin: " + appOrigin}},
		{"no resource, no DEFAULT_4XX: no CORS header at all (apigw-cors: REST API missing authentication token)", "rest-paths.test", "/orders/42/items",
			preflight(appOrigin, "GET", ""), 403, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`, nil},
		{"an OPTIONS without Origin is answered alike: API Gateway has no OPTIONS method there either", "rest.test", "/nowhere",
			nil, 403, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`,
			[]string{"Access-Control-Allow-Origin: " + appOrigin}},
		{"a resource still answers with its mock OPTIONS method (apigw-cors: REST API mock OPTIONS method)", "rest.test", "/orders",
			preflight(appOrigin, "PUT", ""), 200, "", "", []string{
				"Access-Control-Allow-Headers: Content-Type,Authorization", "Access-Control-Allow-Methods: GET,PUT,OPTIONS",
				"Access-Control-Allow-Origin: " + appOrigin}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := up.hits.Load()
			res, body := f.do(t, "OPTIONS", c.host, c.target, c.header, nil)
			if res.StatusCode != c.status || body != c.body {
				t.Errorf("answer %d %s, want %d %s", res.StatusCode, body, c.status, c.body)
			}
			if got := res.Header.Get("x-amzn-ErrorType"); got != c.errorType {
				t.Errorf("x-amzn-ErrorType %q, want %q", got, c.errorType)
			}
			if c.body != "" && res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
			}
			if up.hits.Load() != before {
				t.Error("the preflight reached the upstream")
			}
			if got := corsHeaders(res.Header); !slices.Equal(got, c.want) {
				t.Errorf("CORS headers\n got %q\nwant %q", got, c.want)
			}
		})
	}
	if got := f.metricIs(t, `doorman_gateway_cors_decisions_total{kind="preflight",outcome="refused",reason="unconfigured",route="rest.test"}`, 2); got != 2 {
		t.Errorf("refused preflights counted %v, want 2", got)
	}
}
