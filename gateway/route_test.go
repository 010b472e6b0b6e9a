package gateway_test

import (
	"testing"

	"github.com/doorman-s3/doorman/gateway"
)

const routingConfig = `version: 1
hosts:
  - match: api.test
    upstream: http://127.0.0.1:1
    routes:
      - path: /v1/
      - path: /v1/admin/
      - path: /v1/admin
  - match: "{tenant}.t.test"
    upstream: http://127.0.0.1:2
  - match: "{tenant}.deep.t.test"
    upstream: http://127.0.0.1:3
  - match: "*"
    upstream: http://127.0.0.1:4
`

// Routing: exact host, then {tenant} patterns (longest suffix first, one label captured),
// then "*"; within a host the longest path prefix, on the path as the upstream reads it.
func TestRouting(t *testing.T) {
	cfg, err := gateway.Load("gateway.yaml", []byte(routingConfig))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, host, path, route string }{
		{"exact host, port ignored", "api.test:8443", "/x", "api.test"},
		{"host names ignore case and a trailing dot (RFC 4343)", "API.Test.", "/x", "api.test"},
		{"longest prefix wins", "api.test", "/v1/admin/users", "api.test/v1/admin/"},
		{"a prefix is a string prefix", "api.test", "/v1/administrators", "api.test/v1/admin"},
		{"shorter prefix", "api.test", "/v1/orders", "api.test/v1/"},
		{"dot segments resolved before routing", "api.test", "/v1/admin/../orders", "api.test/v1/"},
		{"climbing out of every route", "api.test", "/v1/../../x", "api.test"},
		{"repeated slashes collapse", "api.test", "//v1//admin/x", "api.test/v1/admin/"},
		{"one tenant label", "acme.t.test", "/", "{tenant}.t.test (tenant acme)"},
		{"the longer tenant suffix first", "acme.deep.t.test", "/", "{tenant}.deep.t.test (tenant acme)"},
		{"two labels are no tenant", "a.b.t.test", "/", "*"},
		{"the bare suffix is no tenant", "t.test", "/", "*"},
		{"IPv6 literal", "[::1]:8080", "/", "*"},
		{"anything else", "other.test", "/", "*"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := gateway.Explain(cfg, c.host, c.path).Route; got != c.route {
				t.Errorf("route %q, want %q", got, c.route)
			}
		})
	}
}
