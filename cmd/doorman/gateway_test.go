package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/")

// testdataDir and exampleConfig are found before any test changes the working directory.
var (
	testdataDir   = absPath("testdata")
	exampleConfig = absPath(filepath.Join("..", "..", "examples", "gateway.yaml"))
)

func absPath(p string) string {
	d, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return d
}

// gatewayStartWait bounds the gateway's start in the tests: it binds two loopback ports.
const gatewayStartWait = 10 * time.Second

// runningGateway is `doorman gateway` running in the test's process.
type runningGateway struct {
	URL, AdminURL string
	out           *s3test.SyncBuffer // the command's output, read while it runs
	cancel        context.CancelFunc
	done          chan error
}

// startGateway runs the command with args and waits for its start line.
func startGateway(t *testing.T, args ...string) *runningGateway {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	g := &runningGateway{out: new(s3test.SyncBuffer), cancel: cancel, done: make(chan error, 1)}
	root := newRootCmd()
	root.SetOut(g.out)
	root.SetErr(g.out)
	root.SetArgs(append([]string{"gateway"}, args...))
	go func() { g.done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() { g.stop(t) })
	deadline := time.Now().Add(gatewayStartWait)
	for g.URL == "" {
		for _, line := range strings.Split(g.out.String(), "\n") {
			if _, rest, ok := strings.Cut(line, " listening on "); ok {
				g.URL = strings.Fields(rest)[0]
			}
			if _, rest, ok := strings.Cut(line, " admin on "); ok {
				g.AdminURL = strings.Fields(rest)[0]
			}
		}
		select {
		case err := <-g.done:
			t.Fatalf("the gateway exited at start: %v\n%s", err, g.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway did not start:\n%s", g.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return g
}

// stop asks the command to stop, as SIGTERM does, and checks that it ends cleanly in time.
func (g *runningGateway) stop(t *testing.T) {
	if g.cancel == nil {
		return
	}
	g.cancel()
	g.cancel = nil
	select {
	case err := <-g.done:
		if err != nil {
			t.Errorf("the gateway stopped with %v\n%s", err, g.out)
		}
	case <-time.After(gatewayShutdownTimeout):
		t.Errorf("the gateway did not stop within %v", gatewayShutdownTimeout)
	}
}

// authUpstream is an API behind authentication: 401 for anything without a bearer token,
// OPTIONS included, as the integration case asks. It records the methods it sees.
func authUpstream(t *testing.T) (url string, seen func() []string) {
	t.Helper()
	var mu sync.Mutex
	var methods []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		methods = append(methods, r.Method)
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("X-Request-Id", "r1")
		_, _ = io.WriteString(w, "ok")
	}), ReadHeaderTimeout: time.Second}
	ln := listenLoopback(t)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), methods...)
	}
}

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// do sends a request and returns the response, its body read.
func do(t *testing.T, method, url string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// response is what a test expects of one exchange through the gateway.
type response struct {
	status int
	header map[string]string // "" = absent
}

func checkResponse(t *testing.T, what string, res *http.Response, want response) {
	t.Helper()
	if res.StatusCode != want.status {
		t.Errorf("%s: status %d, want %d", what, res.StatusCode, want.status)
	}
	for name, v := range want.header {
		if got := strings.Join(res.Header.Values(name), ", "); got != v {
			t.Errorf("%s: %s %q, want %q", what, name, got, v)
		}
	}
}

const appOrigin = "http://localhost:5173"

// The one-line start of the issue proxies every host to the upstream with the flags' policy:
// preflights answered at the gateway though the upstream refuses unauthenticated OPTIONS,
// upstream errors decorated, and an admin listener.
func TestGatewayOneLiner(t *testing.T) {
	up, seen := authUpstream(t)
	g := startGateway(t, "--upstream", up, "--allow-origin", appOrigin, "--allow-credentials",
		"--allow-method", "PUT", "--allow-header", "authorization,content-type", "--expose-header", "x-request-id",
		"--max-age", "10m", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--access-log", "off")
	for _, tc := range []struct {
		source, method string
		header         []string
		want           response
	}{
		{"complaint 1: the preflight of an authenticated PUT never reaches upstream auth", "OPTIONS",
			[]string{"Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "authorization,content-type"},
			response{204, map[string]string{"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": "PUT", "Access-Control-Allow-Headers": "authorization,content-type", "Access-Control-Max-Age": "600"}}},
		{"issue item 5: a refused preflight is answered at the gateway, 403 without CORS headers", "OPTIONS",
			[]string{"Origin", "https://evil.test", "Access-Control-Request-Method", "PUT"},
			response{403, map[string]string{"Access-Control-Allow-Origin": ""}}},
		{"the credentialed request from the allowed origin, expose headers", "PUT",
			[]string{"Origin", appOrigin, "Authorization", "Bearer token"},
			response{200, map[string]string{"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": "x-request-id", "Vary": "Origin"}}},
		{"complaint 2: the upstream's 401 carries the CORS headers", "GET",
			[]string{"Origin", appOrigin},
			response{401, map[string]string{"Access-Control-Allow-Origin": appOrigin, "Vary": "Origin"}}},
	} {
		checkResponse(t, tc.source, do(t, tc.method, g.URL+"/items/1", tc.header...), tc.want)
	}
	if got := strings.Join(seen(), " "); got != "PUT GET" {
		t.Errorf("the upstream saw %q: a preflight was forwarded", got)
	}
	checkResponse(t, "admin /healthz", do(t, "GET", g.AdminURL+"/healthz"), response{status: 200})
	res, err := http.Get(g.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `doorman_gateway_preflights_answered_total{route="*"} 2`) {
		t.Errorf("metrics do not count the two preflights answered:\n%s", body)
	}
	g.stop(t)
}

const gatewayTestConfig = `version: 1
listen: 127.0.0.1:9
access_log: "off"
policies:
  web-app:
    origins: [https://app.example.com, "https://*.example.com"]
    methods: [GET, PUT]
    request_headers: [authorization, content-type]
    expose_headers: [x-request-id]
    max_age: 600s
    credentials: true
defaults: { cors: { policy: web-app } }
hosts:
  - match: "*"
    upstream: UPSTREAM
    routes:
      - path: /legacy/
        cors: { policy: web-app, override: { methods: [GET], upstream_headers: upstream-wins } }
      - path: /webhooks/
        cors: off
      - path: /v2/
        cors: { policy: web-app, override: { enforce: shadow } }
      - path: /app-owned/
        cors: { policy: web-app, override: { upstream_headers: passthrough, preflight: { mode: passthrough } } }
`

// writeGatewayConfig writes content as gateway.yaml in a new folder, which becomes the working
// directory so that messages name the file as an editor would.
func writeGatewayConfig(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, "gateway.yaml"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return "gateway.yaml"
}

// --config serves the file's routes; --listen replaces its address; SIGHUP applies an edit,
// and an invalid edit keeps the running configuration.
func TestGatewayConfigFile(t *testing.T) {
	up, _ := authUpstream(t)
	cfg := writeGatewayConfig(t, strings.Replace(gatewayTestConfig, "UPSTREAM", up, 1))
	g := startGateway(t, "--config", cfg, "--listen", "127.0.0.1:0")
	if !strings.Contains(g.out.String(), "(configuration gateway.yaml)") {
		t.Errorf("the start line does not name the configuration:\n%s", g.out)
	}
	preflight := func(origin, path string) *http.Response {
		return do(t, "OPTIONS", g.URL+path, "Origin", origin, "Access-Control-Request-Method", "PUT")
	}
	checkResponse(t, "policy on the host", preflight("https://a.example.com", "/v1"),
		response{204, map[string]string{"Access-Control-Allow-Origin": "https://a.example.com"}})
	checkResponse(t, "complaint 11: the route's override replaces methods", preflight("https://a.example.com", "/legacy/x"),
		response{403, map[string]string{"Access-Control-Allow-Origin": ""}})
	checkResponse(t, "complaint 6: a subdomain wildcard never admits a look-alike", preflight("https://app.example.com.evil.test", "/v1"),
		response{403, map[string]string{"Access-Control-Allow-Origin": ""}})

	// An invalid edit: SIGHUP keeps the running configuration.
	if err := os.WriteFile(cfg, []byte("version: 1\nhosts: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sighup(t)
	waitFor(t, "the refused reload logged", func() bool { return strings.Contains(g.out.String(), "reload refused") })
	checkResponse(t, "after an invalid edit", preflight("https://a.example.com", "/v1"),
		response{204, map[string]string{"Access-Control-Allow-Origin": "https://a.example.com"}})

	// A valid edit: SIGHUP applies it.
	edited := strings.Replace(gatewayTestConfig, "UPSTREAM", up, 1)
	edited = strings.Replace(edited, `"https://*.example.com"`, "https://b.example.com", 1)
	if err := os.WriteFile(cfg, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	sighup(t)
	waitFor(t, "the edit applied", func() bool {
		return preflight("https://a.example.com", "/v1").StatusCode == 403 && preflight("https://b.example.com", "/v1").StatusCode == 204
	})
	g.stop(t)
	if !strings.Contains(g.out.String(), "shutting down") {
		t.Errorf("no shutdown logged:\n%s", g.out)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(gatewayStartWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, gatewayStartWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Bad configurations and flags exit 2 before listening, with every error at once, each as
// file:line:col: field: message (issue item 10).
func TestGatewayBadInput(t *testing.T) {
	const badConfig = `version: 1
polices:
  x: {}
policies:
  web-app:
    origins: ["*", https://app.example.com/]
    origin_patterns: ['https://pr-[0-9]+\.example\.com']
    credentials: true
    max_ag: 600s
hosts:
  - match: "*"
    upstream: ftp://x
    cors: { policy: web-ap }
`
	cfg := writeGatewayConfig(t, badConfig)
	for _, tc := range []struct {
		source string
		args   []string
		want   []string // each line must appear, in order; nothing else but them
	}{
		{"issue item 10: every error of the file at once, with did-you-mean", []string{"--config", cfg}, []string{
			`gateway.yaml:2:1: polices: unknown key (did you mean "policies"?)`,
			`gateway.yaml:6:15: policies.web-app.origins[0]: "*": browsers refuse`,
			`gateway.yaml:6:20: policies.web-app.origins[1]: never matches`,
			`gateway.yaml:7:23: policies.web-app.origin_patterns[0]: not anchored`,
			`gateway.yaml:9:5: policies.web-app.max_ag: unknown key (did you mean "max_age"?)`,
			`gateway.yaml:12:15: hosts[0].upstream: "ftp://x" is not an upstream URL`,
			`gateway.yaml:13:21: hosts[0].cors.policy: no policy is named "web-ap" (did you mean "web-app"?)`,
		}},
		{"a missing file", []string{"--config", "missing.yaml"}, []string{"missing.yaml"}},
		{"neither --config nor --upstream", nil, []string{"give --config gateway.yaml, or --upstream URL"}},
		{"--config with the one-liner's flags", []string{"--config", cfg, "--upstream", "http://127.0.0.1:1", "--allow-credentials"},
			[]string{"--upstream, --allow-credentials cannot be combined with --config"}},
		{"one-liner: * with credentials", []string{"--upstream", "http://127.0.0.1:1", "--allow-origin", "*", "--allow-credentials"},
			[]string{`--allow-origin "*": browsers refuse`}},
		{"one-liner: no origin", []string{"--upstream", "http://127.0.0.1:1"}, []string{"--allow-origin: give at least one origin"}},
		{"one-liner: a bad upstream", []string{"--upstream", "127.0.0.1:1", "--allow-origin", appOrigin}, []string{"--upstream: "}},
		{"a bad log format", []string{"--upstream", "http://127.0.0.1:1", "--allow-origin", appOrigin, "--log-format", "xml"},
			[]string{"--log-format must be text or json"}},
		{"a negative connection bound", []string{"--upstream", "http://127.0.0.1:1", "--allow-origin", appOrigin, "--max-connections", "-1"},
			[]string{"--max-connections must not be negative"}},
	} {
		t.Run(tc.source, func(t *testing.T) {
			out, code := execute(t, append([]string{"gateway"}, tc.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, out)
			}
			if strings.Contains(out, "listening") {
				t.Errorf("listened despite the error:\n%s", out)
			}
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			if len(lines) != len(tc.want) {
				t.Errorf("%d lines, want %d:\n%s", len(lines), len(tc.want), out)
			}
			for i, want := range tc.want {
				if i >= len(lines) || !strings.Contains(lines[i], want) {
					t.Errorf("line %d does not contain %q:\n%s", i+1, want, out)
				}
			}
		})
	}
}

// explain prints the effective policy of a host and path, where each field comes from, and
// the answers to a request (complaint 11: surprising inheritance).
func TestGatewayExplain(t *testing.T) {
	cfg := writeGatewayConfig(t, strings.Replace(gatewayTestConfig, "UPSTREAM", "http://127.0.0.1:8081", 1))
	for _, tc := range []struct {
		golden string
		args   []string
		code   int
	}{
		{"gateway-explain-allowed.golden", []string{"--host", "api.test", "--path", "/v1/items", "--origin", "https://a.example.com",
			"--method", "PUT", "--request-headers", "authorization,content-type"}, 0},
		{"gateway-explain-override.golden", []string{"--host", "api.test:8443", "--path", "/legacy/x", "--origin", "https://app.example.com",
			"--method", "PUT"}, 1},
		{"gateway-explain-off.golden", []string{"--host", "api.test", "--path", "/webhooks/github", "--origin", "https://app.example.com"}, 1},
		{"gateway-explain-policy.golden", []string{"--host", "api.test", "--path", "/v1"}, 0},
		{"gateway-explain-passthrough.golden", []string{"--host", "api.test", "--path", "/app-owned/x", "--origin", "https://app.example.com", "--method", "PUT"}, 0},
		{"gateway-explain-shadow.golden", []string{"--host", "api.test", "--path", "/v2/x", "--origin", "https://evil.test", "--method", "DELETE"}, 1},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, code := execute(t, append([]string{"gateway", "explain", "--config", cfg}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			checkGatewayGolden(t, tc.golden, out)
		})
	}
	for _, args := range [][]string{
		{"--host", "api.test"}, // no --config
		{"--config", cfg},      // no --host
		{"--config", cfg, "--host", "api.test", "--path", "v1"}, // not a path
	} {
		if out, code := execute(t, append([]string{"gateway", "explain"}, args...)...); code != 2 {
			t.Errorf("explain %q: exit %d, want 2\n%s", args, code, out)
		}
	}
}

// checkGatewayGolden compares got with testdata/name; -update rewrites it.
func checkGatewayGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdataDir, name)
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -run %s -update rewrites it):\n got:\n%s\nwant:\n%s", name, t.Name(), got, want)
	}
}

// The shipped example configuration loads without an error or a warning, imports and tenant
// files included, and answers as its comments say.
func TestGatewayExampleConfig(t *testing.T) {
	g := startGateway(t, "--config", exampleConfig, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--access-log", "off")
	if strings.Contains(g.out.String(), "warning") {
		t.Errorf("the example has warnings:\n%s", g.out)
	}
	for _, tc := range []struct {
		source, host, origin string
		want                 response
	}{
		{"policy web-app on api.example.com", "api.example.com", "https://app.example.com",
			response{204, map[string]string{"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true"}}},
		{"the tenant acme's own origins, from gateway-tenants/acme.yaml", "acme.tenants.example.com", "https://shop.acme.example",
			response{204, map[string]string{"Access-Control-Allow-Origin": "https://shop.acme.example"}}},
		{"a tenant's file replaces the policy's origins", "acme.tenants.example.com", "https://app.example.com",
			response{403, map[string]string{"Access-Control-Allow-Origin": ""}}},
		{"a tenant without a file allows no origin", "nobody.tenants.example.com", "https://shop.acme.example",
			response{403, map[string]string{"Access-Control-Allow-Origin": ""}}},
		{"the imported SAM HttpApi CorsConfiguration", "orders.example.com", "https://app.example.com",
			response{204, map[string]string{"Access-Control-Allow-Origin": "https://app.example.com"}}},
	} {
		req, err := http.NewRequest("OPTIONS", g.URL+"/orders", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = tc.host
		req.Header.Set("Origin", tc.origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		checkResponse(t, tc.source, res, tc.want)
	}
}

// With the one-line start there is no file to reload, but SIGHUP still reopens the access-log
// file, as log rotation (logrotate's move, then SIGHUP) needs; the help says so.
func TestGatewaySighupReopensAccessLog(t *testing.T) {
	up, _ := authUpstream(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "access.log")
	g := startGateway(t, "--upstream", up, "--allow-origin", appOrigin, "--listen", "127.0.0.1:0", "--access-log", logFile)
	do(t, "GET", g.URL+"/before")
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		t.Fatal(err)
	}
	sighup(t)
	waitFor(t, "SIGHUP handled", func() bool { return strings.Contains(g.out.String(), "access log reopened") })
	do(t, "GET", g.URL+"/after")
	waitFor(t, "the request logged in a new access-log file", func() bool {
		b, err := os.ReadFile(logFile)
		return err == nil && strings.Contains(string(b), "/after")
	})
	g.stop(t)

	var help bytes.Buffer
	root := newRootCmd()
	root.SetOut(&help)
	root.SetArgs([]string{"gateway", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if s := strings.Join(strings.Fields(help.String()), " "); !strings.Contains(s, "reopens the access-log file") || !strings.Contains(s, "every tenant file") {
		t.Errorf("the help does not say what SIGHUP does:\n%s", help.String())
	}
}
