package gateway_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/gateway"
)

// configErrorCases are bad configurations and every error each must report, all at once,
// as file:line:col: field: message (the "bad input" section). They seed FuzzLoadConfig.
var configErrorCases = []struct {
	name, yaml string
	want       string
}{
	{"typos in keys at every level get a did-you-mean", `version: 1
listn: 127.0.0.1:8080
limits: { max_bdy: 1MiB }
policies:
  web-app:
    origins: [https://app.example.com]
    upstream_header: override
    preflight: { mod: answer }
hosts:
  - match: api.test
    upstrem: http://127.0.0.1:1
`, `gateway.yaml:2:1: listn: unknown key (did you mean "listen"?)
gateway.yaml:3:11: limits.max_bdy: unknown key (did you mean "max_body"?)
gateway.yaml:7:5: policies.web-app.upstream_header: unknown key (did you mean "upstream_headers"?)
gateway.yaml:8:18: policies.web-app.preflight.mod: unknown key (did you mean "mode"?)
gateway.yaml:11:5: hosts[0].upstrem: unknown key (did you mean "upstream"?)`},

	{"policy-model errors land on the list item they are about", `version: 1
policies:
  web-app:
    origins:
      - https://app.example.com
      - "https://*.com"
      - "*"
    origin_patterns: ['https://.*\.example\.com']
    methods: [GET, TRACE]
    credentials: true
`, `gateway.yaml:6:9: policies.web-app.origins[1]: "com" is a public suffix: the wildcard admits every site anyone can register under it; name a domain you control, e.g. "https://*.example.com"
gateway.yaml:7:9: policies.web-app.origins[2]: "*": browsers refuse Access-Control-Allow-Origin: * on a credentialed request, and answering any origin with itself would let every site read your users' data; list the origins (e.g. https://app.example.com), or set credentials: false
gateway.yaml:8:23: policies.web-app.origin_patterns[0]: not anchored: an expression without ^ and $ on every branch (and without the m flag) also matches origins that merely contain what it describes, such as https://example.com.evil.net; write "^https://.*\\.example\\.com$"
gateway.yaml:9:20: policies.web-app.methods[1]: "TRACE": a forbidden method: browsers never send it (https://fetch.spec.whatwg.org/#forbidden-method); remove it`},

	{"an override's own error is placed in the override; the policy's in the policy", `version: 1
policies:
  web-app:
    origins: [https://app.example.com]
    credentials: true
hosts:
  - match: api.test
    upstream: http://127.0.0.1:1
    routes:
      - path: /x/
        cors: { policy: web-app, override: { expose_headers: ["*"] } }
      - path: /y/
        cors: { policy: web-ap }
`, `gateway.yaml:11:63: hosts[0].routes[0].cors.override.expose_headers[0]: browsers read "*" as a header named * on a credentialed response, so it exposes nothing; list the headers, or set credentials: false
gateway.yaml:13:25: hosts[0].routes[1].cors.policy: no policy is named "web-ap" (did you mean "web-app"?)`},

	{"a valid policy made invalid by an override names the override", `version: 1
policies:
  public: { origins: ["*"] }
hosts:
  - match: api.test
    upstream: http://127.0.0.1:1
    cors: { policy: public, override: { credentials: true } }
`, `gateway.yaml:3:23: policies.public.origins[0]: "*": browsers refuse Access-Control-Allow-Origin: * on a credentialed request, and answering any origin with itself would let every site read your users' data; list the origins (e.g. https://app.example.com), or set credentials: false (policy public as overridden at gateway.yaml:7:11)`},

	{"values: durations need units, sizes units, enums their words", `version: 1
limits: { max_body: 10 parsecs, upstream_timeout: 30, idle_timeout: 0s, max_header_bytes: 1KiB }
policies:
  p:
    origins: https://app.example.com
    max_age: 1.5s
    credentials: yes
    semantics: apigw
    enforce: maybe
    upstream_headers: upstream-win
`, `gateway.yaml:2:21: limits.max_body: "10 parsecs" is not a size such as 10MiB or 64KiB, at most 5368709120 bytes
gateway.yaml:2:51: limits.upstream_timeout: "30" has no unit; write 30s
gateway.yaml:2:69: limits.idle_timeout: must be more than 0s
gateway.yaml:2:91: limits.max_header_bytes: 1KiB is below the least allowed, 4096 bytes
gateway.yaml:5:14: policies.p.origins: must be a list, e.g. [a, b]
gateway.yaml:6:14: policies.p.max_age: 1.5s is not a whole number of seconds
gateway.yaml:7:18: policies.p.credentials: must be true or false, not "yes"
gateway.yaml:8:16: policies.p.semantics: unknown CORS semantics "apigw": want one of fetch, apigw-http, apigw-rest, cloudfront
gateway.yaml:9:14: policies.p.enforce: "maybe" is not one of on, shadow, off
gateway.yaml:10:23: policies.p.upstream_headers: "upstream-win" is not one of override, upstream-wins, passthrough (did you mean "upstream-wins"?)`},

	{"hosts and routes: matches, paths, upstreams", `version: 1
hosts:
  - match: https://api.test/
    upstream: ftp://127.0.0.1
  - match: api.test
    routes:
      - path: api/
      - path: /b/
      - path: /b/
  - match: API.test
    upstream: http://127.0.0.1:1
`, `gateway.yaml:3:12: hosts[0].match: "https://api.test/" is not a host name (no scheme, port or path), "*", or "{tenant}.suffix"
gateway.yaml:4:15: hosts[0].upstream: "ftp://127.0.0.1" is not an upstream URL such as http://127.0.0.1:8081
gateway.yaml:7:9: hosts[1].routes[0].upstream: missing: neither the route nor its host names an upstream
gateway.yaml:7:15: hosts[1].routes[0].path: "api/" is not a path prefix such as /api/
gateway.yaml:8:9: hosts[1].routes[1].upstream: missing: neither the route nor its host names an upstream
gateway.yaml:9:9: hosts[1].routes[2].upstream: missing: neither the route nor its host names an upstream
gateway.yaml:9:15: hosts[1].routes[2].path: "/b/" is a path of the route at line 8 already
gateway.yaml:10:12: hosts[2].match: "API.test" is matched already by the host at line 5`},

	{"the document itself", `version: 2
version: 1
x: &a [1]
`, `gateway.yaml:3: anchors and aliases are not supported: name a policy and refer to it instead`},

	{"YAML syntax", "version: 1\npolicies: [\n", `gateway.yaml:2: did not find expected node content`},

	{"origins_from needs a {tenant} host", `version: 1
policies:
  p: { origins: [https://a.test] }
defaults: { cors: { policy: p, origins_from: { file: "t/{tenant}.yaml" } } }
hosts:
  - match: "{tenant}.t.test"
    upstream: http://127.0.0.1:1
`, `gateway.yaml:4:46: defaults.cors.origins_from: only a {tenant} host has a tenant to read the origins of, and this block applies to requests that match no host`},

	{"an unquoted {tenant} gets a hint", `version: 1
hosts:
  - match: {tenant}.t.test
`, `gateway.yaml:2: did not find expected key (quote a value holding {tenant}: YAML reads a { as the start of a mapping, e.g. match: "{tenant}.example.com")`},

	{"version missing; cors neither off nor a mapping", `hosts:
  - match: "*"
    upstream: http://127.0.0.1:1
    cors: on
`, `gateway.yaml:1:1: version: missing; write version: 1 at the top
gateway.yaml:4:11: hosts[0].cors: must be off, or a mapping such as {policy: web-app}`},

	{"a CloudFront managed policy: named, of format cloudfront, instead of a file", `version: 1
policies:
  a: { import: { format: cloudfront, managed: CORS-With-Prefligt } }
  b: { import: { format: sam, managed: CORS-With-Preflight } }
  c: { import: { format: cloudfront, managed: SimpleCORS, file: policy.json } }
`, `gateway.yaml:3:16: policies.a.import.managed: no managed response headers policy with CORS is named "CORS-With-Prefligt" (the managed policies with CORS: SimpleCORS, CORS-With-Preflight, CORS-and-SecurityHeadersPolicy, CORS-with-preflight-and-SecurityHeadersPolicy)
gateway.yaml:4:16: policies.b.import.managed: names a CloudFront managed response headers policy: write format: cloudfront
gateway.yaml:5:16: policies.c.import.managed: a managed policy is read from no file: give managed or file, not both`},
}

func TestConfigErrors(t *testing.T) {
	for _, c := range configErrorCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := gateway.Load("gateway.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatal("loaded without error")
			}
			if got := err.Error(); got != c.want {
				t.Errorf("errors\n--- got\n%s\n--- want\n%s", got, c.want)
			}
		})
	}
}

// A good file loads, with its limits and relative paths resolved.
func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := writeConfig(t, dir, `version: 1
listen: 127.0.0.1:0
admin: { listen: 127.0.0.1:9901 }
limits: { max_body: 2MiB, upstream_timeout: 5s, header_timeout: 2s, idle_timeout: 1m, max_header_bytes: 16KiB }
access_log: logs/access.json
hosts:
  - match: "*"
    upstream: http://127.0.0.1:1
`, nil)
	cfg, err := gateway.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Limits{MaxBody: 2 << 20, UpstreamTimeout: 5 * time.Second, HeaderTimeout: 2 * time.Second,
		IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10}
	if cfg.Limits != want || cfg.Listen != "127.0.0.1:0" || cfg.AdminListen != "127.0.0.1:9901" ||
		cfg.AccessLog != filepath.Join(dir, "logs/access.json") {
		t.Errorf("got %+v", cfg)
	}
	big := strings.Repeat("#", 1<<20+1)
	if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := gateway.LoadFile(path); err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("an oversized file: %v", err)
	}
}

// The one-liner builds what a file with one host "*" and one policy builds, and its errors
// name the flag.
func TestFromFlags(t *testing.T) {
	maxAge := 10 * time.Minute
	cfg, err := gateway.FromFlags(gateway.Flags{Upstream: "http://127.0.0.1:1", AllowOrigins: []string{"http://localhost:5173"},
		AllowMethods: []string{"PUT"}, MaxAge: &maxAge, AllowCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	e := gateway.Explain(cfg, "anything.test", "/x")
	if e.Upstream != "http://127.0.0.1:1" || e.Policy != "flags" || e.Route != "*" {
		t.Fatalf("explain: %+v", e)
	}
	got := map[string]string{}
	for _, f := range e.Fields {
		got[f.Name] = f.Value + " | " + f.Source
	}
	for name, want := range map[string]string{
		"origins":          "[http://localhost:5173] | flag --allow-origin",
		"methods":          "[PUT] | flag --allow-method",
		"max_age":          "600s | flag --max-age",
		"credentials":      "true | flag --allow-credentials",
		"upstream_headers": "override | default",
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
	if cfg.Listen != gateway.DefaultListen {
		t.Errorf("listen %q", cfg.Listen)
	}

	_, err = gateway.FromFlags(gateway.Flags{Upstream: "localhost:8080", AllowOrigins: []string{"*", "https://*.com"}, AllowCredentials: true})
	want := `--upstream: "localhost:8080" is not an upstream URL such as http://127.0.0.1:8081`
	if err == nil || err.Error() != want {
		t.Errorf("bad flags:\n got %v\nwant %s", err, want)
	}
	_, err = gateway.FromFlags(gateway.Flags{Upstream: "http://127.0.0.1:1", AllowOrigins: []string{"*", "https://*.com"}, AllowCredentials: true})
	if err == nil || !strings.HasPrefix(err.Error(), `--allow-origin "*": browsers refuse`) ||
		!strings.Contains(err.Error(), "\n--allow-origin \"https://*.com\": \"com\" is a public suffix") {
		t.Errorf("policy errors from flags: %v", err)
	}
}
