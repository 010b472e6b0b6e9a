package gateway_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway"
)

// inspectConfig has one field of each provenance: a policy's own list written over several
// lines, an import, an override, a default, apigw-rest's default upstream_headers, and a
// tenant host's origins_from.
const inspectConfig = `version: 1
policies:
  web-app:
    origins:
      - https://app.example.com
      - "https://*.example.com"
    methods: [GET, PUT]
  rest: { import: { format: sam, file: {{TD}}/sam-rest.yaml, resource: RestApi } }
  spare: { origins: [https://spare.example.com], max_age: 600s }
defaults: { cors: { policy: web-app } }
hosts:
  - match: api.example.com
    upstream: http://127.0.0.1:8081
    routes:
      - path: /legacy/
        cors: { policy: web-app, override: { methods: [GET, DELETE], preflight: { mode: passthrough } } }
      - path: /rest/
        cors: { policy: rest }
  - match: "{tenant}.example.net"
    upstream: http://127.0.0.1:8082
    cors: { policy: web-app, origins_from: { file: "tenants/{tenant}.yaml", on_error: deny-all } }
`

func loadInspect(t *testing.T) (*gateway.Config, string) {
	t.Helper()
	td, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg, err := gateway.LoadFile(writeConfig(t, dir, inspectConfig, map[string]string{"TD": td}))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, filepath.Join(dir, "gateway.yaml")
}

// The named policies, in file order, each with where every field was written, down to the
// list entry (what doorman lint places its findings with; complaint 11: where a route's
// CORS comes from must be visible).
func TestInspectPolicies(t *testing.T) {
	cfg, file := loadInspect(t)
	ps := cfg.Policies()
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"web-app", "rest", "spare"}) {
		t.Fatalf("policies %v, want web-app, rest, spare in file order", names)
	}
	web, rest := ps[0], ps[1]
	if web.At != (gateway.Position{File: file, Line: 3, Col: 3}) {
		t.Errorf("web-app at %v", web.At)
	}
	if !slices.Equal(web.Config.Origins, []string{"https://app.example.com", "https://*.example.com"}) {
		t.Errorf("web-app origins %v", web.Config.Origins)
	}
	o := web.Field("origins")
	if o.Source != gateway.SourcePolicy || o.Path != "policies.web-app.origins" || len(o.Items) != 2 ||
		o.Items[0] != (gateway.Position{File: file, Line: 5, Col: 9}) || o.Items[1] != (gateway.Position{File: file, Line: 6, Col: 9}) {
		t.Errorf("web-app origins: %+v, want each entry's line and column", o)
	}
	if m := web.Field("max_age"); m.Source != gateway.SourceDefault || m.Path != "" || m.At != (gateway.Position{}) {
		t.Errorf("web-app max_age, never written: %+v", m)
	}
	if web.Preflight != "answer" || web.UpstreamHeaders != "override" || web.Enforce != "on" {
		t.Errorf("web-app switches %q %q %q", web.Preflight, web.UpstreamHeaders, web.Enforce)
	}

	// An import: its fields are the import's, at the import key; apigw-rest's
	// upstream_headers is a default, though not the general one.
	if rest.Config.Semantics != fetch.APIGatewayREST {
		t.Errorf("rest semantics %v", rest.Config.Semantics)
	}
	for _, name := range []string{"origins", "methods", "semantics", "static"} {
		f := rest.Field(name)
		if f == nil || f.Source != gateway.SourceImport || f.Path != "policies.rest.import" || f.At.Line != 8 || f.Items != nil {
			t.Errorf("rest %s: %+v, want the import at line 8", name, f)
		}
	}
	if f := rest.Field("upstream_headers"); rest.UpstreamHeaders != "passthrough" || f.Source != gateway.SourceDefault {
		t.Errorf("rest upstream_headers %q from %+v, want apigw-rest's default passthrough", rest.UpstreamHeaders, f)
	}
	// The view is a copy: changing it changes nothing loaded.
	web.Config.Origins[0], *ps[2].Config.MaxAge = "https://changed.example", -1
	if again := cfg.Policies(); again[0].Config.Origins[0] != "https://app.example.com" || *again[2].Config.MaxAge == -1 {
		t.Errorf("the configuration changed with its view: %q", again[0].Config.Origins[0])
	}
}

// Every route of the routing table, with its effective block: shared by the routes it
// covers, overridden field by field, and origins_from for a tenant host.
func TestInspectRoutes(t *testing.T) {
	cfg, file := loadInspect(t)
	byName := map[string]*gateway.RouteView{}
	var names []string
	for _, r := range cfg.Routes() {
		byName[r.Name] = r
		names = append(names, r.Name)
	}
	want := []string{"-", "api.example.com", "api.example.com/legacy/", "api.example.com/rest/", "{tenant}.example.net"}
	if !slices.Equal(names, want) {
		t.Fatalf("routes %v, want %v", names, want)
	}
	for _, tc := range []struct {
		route, block, level, policy string
		override                    bool
	}{
		{"-", "defaults.cors", "defaults", "web-app", false},
		{"api.example.com", "defaults.cors", "defaults", "web-app", false},
		{"api.example.com/legacy/", "hosts[0].routes[0].cors", "route hosts[0].routes[0]", "web-app", true},
		{"api.example.com/rest/", "hosts[0].routes[1].cors", "route hosts[0].routes[1]", "rest", false},
		{"{tenant}.example.net", "hosts[1].cors", "host hosts[1]", "web-app", false},
	} {
		r := byName[tc.route]
		if r.CORS != "on" || r.Block != tc.block || r.Level != tc.level || r.Policy.Name != tc.policy || r.Override != tc.override {
			t.Errorf("%s: cors %s, block %q %q, policy %q, override %v; want %+v", tc.route, r.CORS, r.Block, r.Level, r.Policy.Name, r.Override, tc)
		}
	}
	legacy := byName["api.example.com/legacy/"]
	m := legacy.Policy.Field("methods")
	if !slices.Equal(legacy.Policy.Config.Methods, []string{"GET", "DELETE"}) || m.Source != gateway.SourceOverride ||
		m.Path != "hosts[0].routes[0].cors.override.methods" || len(m.Items) != 2 || m.Items[1] != (gateway.Position{File: file, Line: 16, Col: 61}) {
		t.Errorf("legacy methods %v from %+v, want the override's list, replacing the policy's", legacy.Policy.Config.Methods, m)
	}
	if o := legacy.Policy.Field("origins"); o.Source != gateway.SourcePolicy || legacy.Policy.Preflight != "passthrough" {
		t.Errorf("legacy: origins from %+v, preflight %q", o, legacy.Policy.Preflight)
	}
	if legacy.BlockAt != (gateway.Position{File: file, Line: 16, Col: 15}) || legacy.Upstream != "http://127.0.0.1:8081" {
		t.Errorf("legacy block at %v, upstream %q", legacy.BlockAt, legacy.Upstream)
	}
	of := byName["{tenant}.example.net"].OriginsFrom
	if of == nil || of.File != filepath.Join(filepath.Dir(file), "tenants", "{tenant}.yaml") || of.OnError != "deny-all" || of.At.Line != 21 {
		t.Errorf("origins_from %+v", of)
	}
	if byName["api.example.com"].OriginsFrom != nil {
		t.Error("origins_from on a host without it")
	}
}

// A load error is every problem at once; Errors yields each, with its place.
func TestInspectErrors(t *testing.T) {
	_, err := gateway.Load("gateway.yaml", []byte(`version: 1
policies:
  p: { origins: [https://a.example.com/], max_ag: 1s }
`))
	var got []string
	for e := range gateway.Errors(err) {
		got = append(got, e.Field)
		if e.File != "gateway.yaml" || e.Line != 3 || e.Col == 0 {
			t.Errorf("%v: no place", e)
		}
	}
	if !slices.Equal(got, []string{"policies.p.origins[0]", "policies.p.max_ag"}) {
		t.Errorf("errors %v, want the origin's and the unknown key's", got)
	}
	for range gateway.Errors(nil) {
		t.Error("an error yielded for nil")
	}
}
