package gateway_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// mainConfig is the configuration most tests run: one API host whose routes exercise every
// switch, behind the defaults' policy.
const mainConfig = `version: 1
limits: { max_body: 1KiB, upstream_timeout: 300ms }
policies:
  web-app:
    origins: [https://app.example.com, "https://*.example.com"]
    methods: [GET, POST, PUT, DELETE]
    request_headers: [authorization, content-type]
    expose_headers: [etag, x-request-id]
    max_age: 600s
    credentials: true
  public-read:
    origins: ["*"]
    methods: [GET, HEAD]
defaults: { cors: { policy: web-app } }
hosts:
  - match: api.test
    upstream: {{UP}}
    routes:
      - path: /public/
        cors: { policy: public-read }
      - path: /wins/
        cors: { policy: web-app, override: { upstream_headers: upstream-wins } }
      - path: /app-owned/
        cors: { policy: web-app, override: { upstream_headers: passthrough } }
      - path: /legacy/
        cors: { policy: web-app, override: { preflight: { mode: passthrough } } }
      - path: /webhooks/
        cors: off
      - path: /shadow/
        cors: { policy: web-app, override: { enforce: shadow } }
      - path: /dead/
        upstream: {{DEAD}}
`

const appOrigin = "https://app.example.com"

func startMain(t testing.TB) (*front, *upstream) {
	up := newUpstream(t)
	return startFront(t, mainConfig, map[string]string{"UP": up.URL, "DEAD": deadUpstream(t)}), up
}

var auth = http.Header{"Authorization": {"Bearer " + token}}

func withOrigin(h http.Header, origin string) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	out.Set("Origin", origin)
	return out
}

// Every response carries the decision's headers, whoever made it: the complaint "no CORS
// headers on errors, so the app only sees a CORS error" (traefik#6918, Kong#1424,
// istio#29425) must be impossible, for the upstream's errors and the gateway's own.
func TestEveryStatusIsDecorated(t *testing.T) {
	f, _ := startMain(t)
	cases := []struct {
		name         string // and the source it answers
		method, host string
		target       string
		header       http.Header
		body         io.Reader
		status       int
		gatewayMade  string // the JSON body of a gateway-made answer
	}{
		{"upstream 200", "GET", "api.test", "/ok", auth, nil, 200, ""},
		{"upstream 401 from its auth (complaint 2)", "GET", "api.test", "/ok", nil, nil, 401, ""},
		{"upstream 429", "GET", "api.test", "/ok?status=429", auth, nil, 429, ""},
		{"upstream 401 before reading the body, as auth layers answer", "POST", "api.test", "/ok?noread=1", nil, strings.NewReader(strings.Repeat("b", 1000)), 401, ""},
		{"upstream 500 (issue: read as a status, not a CORS error)", "GET", "api.test", "/ok?status=500", auth, nil, 500, ""},
		{"gateway 404: no host matches (API Gateway's Not Found)", "GET", "nothing.test", "/x", nil, nil, 404, `{"message":"Not Found"}`},
		{"gateway 413: Content-Length over max_body, before reading", "POST", "api.test", "/ok", auth, strings.NewReader(strings.Repeat("b", 2048)), 413, `{"message":"Request Entity Too Large"}`},
		{"gateway 413: a streamed body grows over max_body", "POST", "api.test", "/ok", auth, io.MultiReader(strings.NewReader(strings.Repeat("b", 2048))), 413, `{"message":"Request Entity Too Large"}`},
		{"gateway 502: upstream unreachable", "GET", "api.test", "/dead/x", auth, nil, 502, `{"message":"Bad Gateway"}`},
		{"gateway 504: upstream does not answer within upstream_timeout", "GET", "api.test", "/ok?sleep=1s", auth, nil, 504, `{"message":"Gateway Timeout"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := f.do(t, c.method, c.host, c.target, withOrigin(c.header, appOrigin), c.body)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, c.status, body)
			}
			if got := res.Header.Values("Access-Control-Allow-Origin"); !slices.Equal(got, []string{appOrigin}) {
				t.Errorf("Access-Control-Allow-Origin %q, want exactly [%s]", got, appOrigin)
			}
			if got := res.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
				t.Errorf("Access-Control-Allow-Credentials %q, want true", got)
			}
			if got := res.Header.Get("Access-Control-Expose-Headers"); got == "" {
				t.Errorf("no Access-Control-Expose-Headers")
			}
			vary := varyNames(res.Header)
			if !slices.Contains(vary, "Origin") {
				t.Errorf("Vary %q lacks Origin", vary)
			}
			if c.gatewayMade == "" {
				if res.Header.Get("X-Upstream") != "yes" || vary[0] != "Accept-Encoding" {
					t.Errorf("not the upstream's answer, or its Vary clobbered: Vary %q", vary)
				}
				return
			}
			if body != c.gatewayMade || res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("body %q (%s), want %q (application/json)", body, res.Header.Get("Content-Type"), c.gatewayMade)
			}
		})
	}
}

// The upstream_headers switch: one explicit answer to complaint 3 (duplicate
// Access-Control-Allow-Origin when proxy and application both add it: traefik#5567,
// caddy#1073, NginxProxyManager#2260).
func TestUpstreamHeaderModes(t *testing.T) {
	f, _ := startMain(t)
	// The upstream sends its own Allow-Origin (twice, as misconfigured stacks do) and
	// Expose-Headers.
	const upstreamCORS = "?acao=*&acao=https://other.test&aceh=x-from-upstream"
	cases := []struct {
		name, path string
		want       []string
	}{
		{"override (default; API Gateway HTTP API ignores backend CORS headers)", "/ok", []string{
			"Access-Control-Allow-Credentials: true",
			"Access-Control-Allow-Origin: " + appOrigin,
			"Access-Control-Expose-Headers: etag, x-request-id"}},
		{"upstream-wins (CloudFront OriginOverride false): upstream kept, duplicate cut, ours where absent", "/wins/x", []string{
			"Access-Control-Allow-Credentials: true",
			"Access-Control-Allow-Origin: *",
			"Access-Control-Expose-Headers: x-from-upstream"}},
		{"passthrough: the application owns CORS, nothing touched", "/app-owned/x", []string{
			"Access-Control-Allow-Origin: *",
			"Access-Control-Allow-Origin: https://other.test",
			"Access-Control-Expose-Headers: x-from-upstream"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, _ := f.do(t, "GET", "api.test", c.path+upstreamCORS, withOrigin(auth, appOrigin), nil)
			if got := corsHeaders(res.Header); !slices.Equal(got, c.want) {
				t.Errorf("CORS headers\n got %q\nwant %q", got, c.want)
			}
		})
	}
	// Whatever the mode, a request from a refused origin gets no Allow-Origin from the
	// gateway, and under override none from the upstream either.
	res, _ := f.do(t, "GET", "api.test", "/ok"+upstreamCORS, withOrigin(auth, "https://evil.test"), nil)
	if got := corsHeaders(res.Header); len(got) != 0 {
		t.Errorf("refused origin under override: CORS headers %q, want none", got)
	}
	if vary := varyNames(res.Header); !slices.Contains(vary, "Origin") {
		t.Errorf("refused origin: Vary %q lacks Origin", vary)
	}
}

// Preflights are answered at the gateway and never reach the upstream, whose
// authentication would answer 401 (complaint 1: envoy#12375, Kong#852, caddy#1568, SAM#717;
// complaint 10: an unmatched preflight forwarded, envoy#14233).
func TestPreflightNeverReachesUpstream(t *testing.T) {
	f, up := startMain(t)
	cases := []struct {
		name             string
		path             string
		header           http.Header
		status           int
		acao, acam, acah string
		maxAge           string
	}{
		{"allowed PUT with Authorization (Fetch CORS-preflight fetch)", "/ok",
			preflight(appOrigin, "PUT", "authorization,content-type"), 204, appOrigin, "PUT", "authorization,content-type", "600"},
		{"subdomain wildcard admits a.example.com", "/ok",
			preflight("https://a.example.com", "DELETE", ""), 204, "https://a.example.com", "DELETE", "", "600"},
		{"refused origin: 403, no CORS headers", "/ok",
			preflight("https://example.com.evil.test", "PUT", ""), 403, "", "", "", ""},
		{"refused method (complaint 9: methods enforced)", "/ok",
			preflight(appOrigin, "PATCH", ""), 403, "", "", "", ""},
		{"refused header (complaint 9)", "/ok",
			preflight(appOrigin, "PUT", "x-secret"), 403, "", "", "", ""},
		{"route with no upstream of its own still answered: the defaults' policy, no host", "/x",
			preflight(appOrigin, "PUT", ""), 204, appOrigin, "PUT", "", "600"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			host := "api.test"
			if c.path == "/x" {
				host = "nothing.test"
			}
			before := up.hits.Load()
			res, _ := f.do(t, "OPTIONS", host, c.path, c.header, nil)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d", res.StatusCode, c.status)
			}
			if n := up.hits.Load() - before; n != 0 {
				t.Fatalf("the upstream received %d requests: a preflight must never be forwarded", n)
			}
			for name, want := range map[string]string{"Access-Control-Allow-Origin": c.acao,
				"Access-Control-Allow-Methods": c.acam, "Access-Control-Allow-Headers": c.acah, "Access-Control-Max-Age": c.maxAge} {
				if got := res.Header.Get(name); got != want {
					t.Errorf("%s %q, want %q", name, got, want)
				}
			}
			if vary := varyNames(res.Header); !slices.Contains(vary, "Origin") {
				t.Errorf("Vary %q lacks Origin", vary)
			}
		})
	}
	if got := f.metricIs(t, `doorman_gateway_preflights_answered_total{route="api.test"}`, 5); got != 5 {
		t.Errorf("preflights answered on route api.test: %v, want 5", got)
	}
	if got := f.metricIs(t, `doorman_gateway_cors_decisions_total{kind="preflight",outcome="refused",reason="method",route="api.test"}`, 1); got != 1 {
		t.Errorf("refused-for-method preflights counted: %v, want 1", got)
	}
}

// preflight.mode passthrough (Kong's preflight_continue) forwards the preflight; the answer
// is the upstream's status, decorated on the way out. An OPTIONS request that is not a
// preflight (no Access-Control-Request-Method) is forwarded on every route.
func TestPreflightPassthrough(t *testing.T) {
	f, up := startMain(t)
	for _, c := range []struct {
		name, path string
		header     http.Header
	}{
		{"preflight.mode passthrough", "/legacy/x", preflight(appOrigin, "PUT", "authorization")},
		{"OPTIONS without Access-Control-Request-Method is no preflight (Fetch)", "/ok", http.Header{"Origin": {appOrigin}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := up.options.Load()
			res, _ := f.do(t, "OPTIONS", "api.test", c.path, c.header, nil)
			if up.options.Load() != before+1 {
				t.Fatalf("the upstream did not receive the OPTIONS request")
			}
			if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Access-Control-Allow-Origin") != appOrigin {
				t.Errorf("status %d, Allow-Origin %q: want the upstream's 401, decorated", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
			}
		})
	}
}

// Shadow mode lets every request through as if the route had no policy, and counts what
// the policy would refuse (Envoy's shadow_enabled; the "roll out a tighter policy").
func TestShadowMode(t *testing.T) {
	f, up := startMain(t)
	before := up.options.Load()
	res, _ := f.do(t, "OPTIONS", "api.test", "/shadow/x", preflight("https://evil.test", "PUT", ""), nil)
	if up.options.Load() != before+1 || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("shadow: the preflight must reach the upstream as without a policy (status %d)", res.StatusCode)
	}
	res, _ = f.do(t, "GET", "api.test", "/shadow/x?acao=https://upstream.test", withOrigin(auth, "https://evil.test"), nil)
	if got := corsHeaders(res.Header); !slices.Equal(got, []string{"Access-Control-Allow-Origin: https://upstream.test"}) {
		t.Errorf("shadow: headers %q, want the upstream's untouched", got)
	}
	res, _ = f.do(t, "GET", "api.test", "/shadow/x", withOrigin(auth, appOrigin), nil)
	if got := corsHeaders(res.Header); len(got) != 0 {
		t.Errorf("shadow, allowed origin: headers %q, want none added", got)
	}
	for series, want := range map[string]float64{
		`doorman_gateway_cors_decisions_total{kind="preflight",outcome="shadow-refused",reason="origin",route="api.test/shadow/"}`: 1,
		`doorman_gateway_cors_decisions_total{kind="actual",outcome="shadow-refused",reason="origin",route="api.test/shadow/"}`:    1,
		`doorman_gateway_cors_decisions_total{kind="actual",outcome="allowed",reason="",route="api.test/shadow/"}`:                 1,
	} {
		if got := f.metricIs(t, series, want); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	const shadowLine = `"cors_outcome":"shadow-refused","cors_reason":"origin","cors_detail":"https://evil.test"`
	if !strings.Contains(f.accessLog(shadowLine, 0), shadowLine) {
		t.Errorf("the access log does not say what shadow mode would refuse:\n%s", f.access)
	}
}

// cors: off and a policy of origin "*" on routes of the same host: precedence route > host >
// defaults (complaint 11: surprising inheritance).
func TestRoutePrecedence(t *testing.T) {
	f, up := startMain(t)
	res, _ := f.do(t, "GET", "api.test", "/public/x", withOrigin(auth, "https://anyone.test"), nil)
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("/public/ (policy public-read): Allow-Origin %q, want *", got)
	}
	before := up.options.Load()
	res, _ = f.do(t, "OPTIONS", "api.test", "/webhooks/x", preflight(appOrigin, "PUT", ""), nil)
	if up.options.Load() != before+1 || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("/webhooks/ (cors: off): the preflight must pass to the upstream untouched")
	}
	// A path that climbs out of a route is routed where the upstream will read it.
	res, _ = f.do(t, "GET", "api.test", "/public/../ok", withOrigin(auth, "https://anyone.test"), nil)
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("/public/../ok: Allow-Origin %q: routed by the raw path, not the clean one", got)
	}
}

// X-Forwarded-For, -Host and -Proto are set by the gateway; a client's own are dropped, so
// it cannot forge its address upstream.
func TestForwardedHeaders(t *testing.T) {
	f, up := startMain(t)
	f.do(t, "GET", "api.test", "/ok", http.Header{"X-Forwarded-For": {"203.0.113.9"}, "Authorization": {"Bearer " + token},
		"Connection": {"X-Hop"}, "X-Hop": {"1"}}, nil)
	r := up.lastRequest()
	for name, want := range map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": "api.test",
		"X-Forwarded-Proto": "http", "X-Hop": ""} {
		if got := strings.Join(r.Header.Values(name), ","); got != want {
			t.Errorf("upstream saw %s %q, want %q", name, got, want)
		}
	}
}

// Every request makes one JSON access-log line with its route, statuses and CORS decision.
func TestAccessLog(t *testing.T) {
	f, _ := startMain(t)
	f.do(t, "OPTIONS", "api.test", "/ok", preflight(appOrigin, "PATCH", ""), nil)
	f.do(t, "GET", "api.test", "/dead/x", withOrigin(nil, appOrigin), nil)
	lines := strings.Split(strings.TrimSpace(f.accessLog("", 2)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d access-log lines, want 2:\n%s", len(lines), f.access)
	}
	want := []map[string]any{
		{"msg": "request", "route": "api.test", "method": "OPTIONS", "status": 403.0, "preflight_answered": true,
			"cors": "preflight", "cors_outcome": "refused", "cors_reason": "method", "cors_detail": "PATCH"},
		{"route": "api.test/dead/", "status": 502.0, "error": "unreachable", "cors": "actual", "cors_outcome": "allowed"},
	}
	for i, l := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		for k, v := range want[i] {
			if got[k] != v {
				t.Errorf("line %d: %s = %v, want %v\n%s", i, k, got[k], v, l)
			}
		}
		if _, ok := got["upstream_status"]; ok {
			t.Errorf("line %d: a gateway-made answer has no upstream_status", i)
		}
	}
}

// An upstream that breaks off its body after the headers: the client's connection is cut
// (the status is already sent), and the access log and metrics say why.
func TestUpstreamBreaksItsBody(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "4096")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "only a part")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // closes the connection mid-body
	}))
	defer up.Close()
	f := startFront(t, strings.ReplaceAll(`version: 1
policies: { p: { origins: ["*"] } }
hosts: [{ match: "*", upstream: "{{UP}}", cors: { policy: p } }]
`, "{{UP}}", up.URL), nil)
	req, _ := http.NewRequest("GET", f.proxy.URL+"/x", nil)
	req.Header.Set("Origin", appOrigin)
	res, err := f.proxy.Client().Do(req)
	if err == nil {
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	if err == nil {
		t.Fatal("the client read a whole body the upstream never sent")
	}
	if f.metricIs(t, `doorman_gateway_upstream_errors_total{kind="aborted",route="*"}`, 1) != 1 {
		t.Fatalf("the aborted body is not counted; access log:\n%s", f.access)
	}
	if log := f.accessLog(`"error":"aborted"`, 0); !strings.Contains(log, `"status":200,"upstream_status":200`) || !strings.Contains(log, `"error":"aborted"`) {
		t.Errorf("access log:\n%s", log)
	}
}

// A client that stops sending its body mid-way is cut off after limits.idle_timeout, with
// the gateway's 400: it holds neither the gateway nor the upstream any longer (no hangs).
func TestClientStallsItsBody(t *testing.T) {
	up := newUpstream(t)
	f := startFront(t, `version: 1
limits: { idle_timeout: 300ms }
policies: { p: { origins: ["*"] } }
hosts: [{ match: "*", upstream: "{{UP}}", cors: { policy: p } }]
`, map[string]string{"UP": up.URL})
	conn, err := net.Dial("tcp", f.proxy.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, _ = io.WriteString(conn, "POST /upload HTTP/1.1\r\nHost: api.test\r\nOrigin: https://a.test\r\nAuthorization: Bearer "+token+
		"\r\nContent-Length: 1000\r\n\r\nonly ten b")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v\n%s", err, f.access)
	}
	if took := time.Since(start); res.StatusCode != http.StatusBadRequest || took > 5*time.Second {
		t.Errorf("status %d after %v, want 400 soon after the 300ms idle timeout", res.StatusCode, took)
	}
	if res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("the 400 is not decorated: %q", res.Header)
	}
}

// Request heads over limits.max_header_bytes are refused by the gateway itself, 431 with the
// route's CORS headers, so the page reads the status instead of a CORS error (complaint 2, for
// the one status net/http used to answer before any handler ran). Sent on a real connection,
// byte-exact, through the server Gateway.Server configures.
func TestOversizedHeadersDecorated(t *testing.T) {
	up := newUpstream(t)
	const limit = 4 << 10
	f := startFront(t, `version: 1
limits: { max_header_bytes: 4KiB }
policies:
  p: { origins: [https://app.example.com] }
hosts:
  - match: "*"
    upstream: {{UP}}
    cors: { policy: p }
`, map[string]string{"UP": up.URL})
	addr := strings.TrimPrefix(f.proxy.URL, "http://")
	// head is a GET whose head is exactly size bytes, its X-Pad header filling the rest.
	head := func(size int) string {
		const start = "GET /x HTTP/1.1\r\nHost: api.test\r\nOrigin: " + appOrigin + "\r\nX-Pad: "
		const end = "\r\n\r\n"
		return start + strings.Repeat("p", size-len(start)-len(end)) + end
	}
	for _, c := range []struct {
		source  string
		size    int
		status  int
		cors    bool
		message string
	}{
		{"at max_header_bytes: proxied, the upstream answers (its auth: 401)", limit, 401, true, ""},
		{"one byte over max_header_bytes: the gateway's 431, decorated", limit + 1, 431, true, `{"message":"Request Header Fields Too Large"}`},
		{"twice max_header_bytes, within the server's bound: the gateway's 431, decorated", 2 * limit, 431, true, `{"message":"Request Header Fields Too Large"}`},
		{"over the server's bound (twice the limit plus net/http's 4 KiB): net/http's bare 431", 2*limit + 4096 + 1024, 431, false, ""},
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, head(c.size)); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: %v", c.source, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		conn.Close()
		acao := res.Header.Get("Access-Control-Allow-Origin")
		if res.StatusCode != c.status || (acao == appOrigin) != c.cors || c.cors && !slices.Contains(varyNames(res.Header), "Origin") {
			t.Errorf("%s: %d, Access-Control-Allow-Origin %q, Vary %q", c.source, res.StatusCode, acao, res.Header.Values("Vary"))
		}
		if c.message != "" && (string(body) != c.message || res.Header.Get("Content-Type") != "application/json") {
			t.Errorf("%s: body %q (%s)", c.source, body, res.Header.Get("Content-Type"))
		}
	}
}
