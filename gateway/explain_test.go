package gateway_test

import (
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway"
)

const explainConfig = `version: 1
policies:
  web-app:
    origins: [https://app.example.com]
    methods: [GET, PUT]
    credentials: true
    max_age: 600s
defaults: { cors: { policy: web-app } }
hosts:
  - match: api.test
    upstream: http://127.0.0.1:8081
    routes:
      - path: /legacy/
        cors: { policy: web-app, override: { methods: [GET], upstream_headers: upstream-wins, preflight: { mode: passthrough } } }
      - path: /webhooks/
        cors: off
`

// explain prints each effective field and where it came from (complaint 11: surprising
// inheritance, "doorman gateway explain" in the issue). An override replaces a list, never
// merges it.
func TestExplain(t *testing.T) {
	cfg, err := gateway.Load("gateway.yaml", []byte(explainConfig))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, host, path, golden string }{
		{"route override beats the policy, field by field", "api.test:8443", "/legacy/v1", "explain-override.golden"},
		{"cors: off on a route", "api.test", "/webhooks/x", "explain-off.golden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkGolden(t, c.golden, gateway.Explain(cfg, c.host, c.path).String())
		})
	}
	e := gateway.Explain(cfg, "elsewhere.test", "/")
	if e.Route != "-" || e.Level != "defaults" || e.Upstream != "" {
		t.Errorf("no host: %+v", e)
	}
	d, ok := e.Evaluate(&fetch.Request{Method: "OPTIONS", Origin: appOrigin, HasOrigin: true, RequestMethod: "DELETE", HasRequestMethod: true})
	if !ok || d.Allowed || !strings.Contains(d.Explain(), "method") {
		t.Errorf("evaluate DELETE: %v %+v %s", ok, d, d.Explain())
	}
}
