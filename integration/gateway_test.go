package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// The gateway's integration tests: `doorman gateway` as a process, in front of real upstream
// processes: an API that requires authentication on everything (testdata/authapi), a real
// `doorman serve`, and upstreams that are down or hang.

// apiToken is the bearer token the auth API accepts.
const apiToken = "integration-token"

// gwAllowedOrigin is the origin the gateways' policies allow.
const gwAllowedOrigin = "https://app.example.com"

// processStart bounds the wait for a child process to say it is listening.
const processStart = 20 * time.Second

// child is a running child process whose stdout announces its address.
type child struct {
	cmd  *exec.Cmd
	logs *s3test.SyncBuffer // stderr
	done chan struct{}
}

// startChild runs bin with args and returns the process and the URLs its stdout announces
// after each of the markers, in order ("listening on ", "admin on ").
func startChild(t testing.TB, bin string, args []string, markers ...string) (*child, []string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, logs: &s3test.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = c.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(c.done) }()
	t.Cleanup(c.stop)
	urlc := make(chan string, len(markers))
	go func() {
		lines := bufio.NewScanner(stdout)
		next := 0
		for lines.Scan() {
			if next < len(markers) {
				if _, rest, ok := strings.Cut(lines.Text(), markers[next]); ok {
					urlc <- strings.Fields(rest)[0]
					next++
				}
			}
		}
	}()
	var urls []string
	for range markers {
		select {
		case u := <-urlc:
			urls = append(urls, u)
		case <-c.done:
			t.Fatalf("%s exited at start:\n%s", filepath.Base(bin), c.logs)
		case <-time.After(processStart):
			t.Fatalf("%s did not start:\n%s", filepath.Base(bin), c.logs)
		}
	}
	return c, urls
}

// stop ends the process with SIGTERM, then SIGKILL, and waits for it.
func (c *child) stop() { terminate(c.cmd, c.done, 10*time.Second) }

var (
	authAPIOnce sync.Once
	authAPIBin  string
	authAPIErr  error
)

// startAuthAPI builds (once) and starts the auth API; it returns the process and its URL.
func startAuthAPI(t testing.TB) (*child, string) {
	t.Helper()
	authAPIOnce.Do(func() {
		authAPIBin = filepath.Join(filepath.Dir(binary), "authapi")
		out, err := exec.Command("go", "build", "-o", authAPIBin, "./testdata/authapi").CombinedOutput()
		if err != nil {
			authAPIErr = err
			t.Logf("%s", out)
		}
	})
	if authAPIErr != nil {
		t.Fatalf("building the auth API: %v", authAPIErr)
	}
	c, urls := startChild(t, authAPIBin, []string{"-token", apiToken}, "listening on ")
	return c, urls[0]
}

// gatewayProc is a running `doorman gateway`.
type gatewayProc struct {
	*child
	URL, Admin, file string
}

// startGateway writes the configuration (with listen and admin on free ports) and runs
// `doorman gateway --config` on it.
func startGateway(t testing.TB, config string) *gatewayProc {
	t.Helper()
	file := filepath.Join(t.TempDir(), "gateway.yaml")
	text := "version: 1\nlisten: 127.0.0.1:0\nadmin: { listen: 127.0.0.1:0 }\n" + config
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, urls := startChild(t, binary, []string{"gateway", "--config", file}, " listening on ", " admin on ")
	return &gatewayProc{child: c, URL: urls[0], Admin: urls[1], file: file}
}

// do sends a request with the Host host through the gateway, with a bounded wait, and
// returns the response with its body and how long it took.
func (g *gatewayProc) do(t testing.TB, method, host, path string, header http.Header) (*http.Response, string, time.Duration) {
	t.Helper()
	c := &s3test.Client{URL: g.URL, HTTP: &http.Client{Timeout: 30 * time.Second}}
	start := time.Now()
	res, body := c.Do(t, s3test.Request{Method: method, Path: path, Host: host, Header: header})
	return res, string(body), time.Since(start)
}

// metric reads one series from the gateway's admin listener (0 when absent).
func (g *gatewayProc) metric(t testing.TB, series string) float64 {
	t.Helper()
	res, err := http.Get(g.Admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return n
		}
	}
	return 0
}

// metricIs waits until the series has the value want (the gateway counts a request once its
// answer is sent), and returns the value it last read.
func (g *gatewayProc) metricIs(t testing.TB, series string, want float64) float64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := g.metric(t, series)
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// accessLog returns the gateway's access-log lines (JSON lines with a route).
func (g *gatewayProc) accessLog(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.SplitSeq(g.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["route"] != nil {
			out = append(out, m)
		}
	}
	return out
}

func gwPreflight(origin, method, headers string) http.Header {
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	return h
}

var bearer = http.Header{"Authorization": {"Bearer " + apiToken}}

func originHeader(h http.Header, origin string) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	out.Set("Origin", origin)
	return out
}

// checkDecorated fails unless res carries exactly one Access-Control-Allow-Origin, the
// allowed origin, with credentials, and a Vary naming Origin.
func checkDecorated(t testing.TB, what string, res *http.Response) {
	t.Helper()
	if got := res.Header.Values("Access-Control-Allow-Origin"); !slices.Equal(got, []string{gwAllowedOrigin}) {
		t.Errorf("%s: Access-Control-Allow-Origin %q, want exactly [%s]", what, got, gwAllowedOrigin)
	}
	if got := res.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("%s: Access-Control-Allow-Credentials %q", what, got)
	}
	if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Origin") {
		t.Errorf("%s: Vary %q lacks Origin", what, res.Header.Values("Vary"))
	}
}

const authAPIConfig = `policies:
  web-app:
    origins: [{{ORIGIN}}]
    methods: [GET, PUT, DELETE]
    request_headers: [authorization, content-type]
    expose_headers: [x-request-id]
    max_age: 600s
    credentials: true
hosts:
  - match: api.test
    upstream: {{UP}}
    cors: { policy: web-app }
    routes:
      - path: /legacy/
        cors: { policy: web-app, override: { preflight: { mode: passthrough } } }
`

// The gateway in front of an API that answers 401 to anything unauthenticated, OPTIONS
// included, and adds its own Access-Control-Allow-Origin: * (complaints 1, 2 and 3 of the
// issue, with real processes on both sides).
func TestGatewayInFrontOfAuthAPI(t *testing.T) {
	api, apiURL := startAuthAPI(t)
	cfg := strings.NewReplacer("{{UP}}", apiURL, "{{ORIGIN}}", gwAllowedOrigin).Replace(authAPIConfig)
	gw := startGateway(t, cfg)

	res, _, _ := gw.do(t, "OPTIONS", "api.test", "/orders/1", gwPreflight(gwAllowedOrigin, "PUT", "authorization,content-type"))
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight: status %d, want 204 answered by the gateway", res.StatusCode)
	}
	checkDecorated(t, "preflight", res)
	if got := res.Header.Get("Access-Control-Allow-Headers"); got != "authorization,content-type" {
		t.Errorf("preflight: Access-Control-Allow-Headers %q", got)
	}
	res, _, _ = gw.do(t, "OPTIONS", "api.test", "/orders/1", gwPreflight("https://evil.test", "PUT", ""))
	if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("refused preflight: status %d, Allow-Origin %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
	}

	for _, c := range []struct {
		name, path string
		header     http.Header
		status     int
	}{
		{"authenticated GET: the API's own * dropped, one Allow-Origin", "/orders/1", bearer, 200},
		{"unauthenticated GET: the API's 401 is readable", "/orders/1", nil, 401},
		{"the API's 500 is readable", "/status/500", bearer, 500},
	} {
		res, body, _ := gw.do(t, "GET", "api.test", c.path, originHeader(c.header, gwAllowedOrigin))
		if res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, res.StatusCode, c.status, body)
		}
		checkDecorated(t, c.name, res)
	}

	// preflight.mode passthrough sends the preflight on: the API's 401, decorated.
	res, _, _ = gw.do(t, "OPTIONS", "api.test", "/legacy/x", gwPreflight(gwAllowedOrigin, "PUT", "authorization"))
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("passthrough preflight: status %d, want the API's 401", res.StatusCode)
	}
	checkDecorated(t, "passthrough preflight", res)

	// Only the passthrough preflight reached the API (its log line may trail its answer).
	options := func() int { return strings.Count(api.logs.String(), "authapi OPTIONS ") }
	for deadline := time.Now().Add(5 * time.Second); options() < 1 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if got := options(); got != 1 {
		t.Errorf("the API received %d OPTIONS requests, want 1 (the passthrough route's):\n%s", got, api.logs)
	}
	if got := gw.metricIs(t, `doorman_gateway_preflights_answered_total{route="api.test"}`, 2); got != 2 {
		t.Errorf("preflights answered: %v, want 2", got)
	}

	// SIGHUP applies a new file; an invalid one is refused and counted, the last good kept.
	newCfg := strings.NewReplacer("{{UP}}", apiURL, "{{ORIGIN}}", "https://new.example.com").Replace(authAPIConfig)
	if err := os.WriteFile(gw.file, []byte("version: 1\nlisten: 127.0.0.1:0\n"+newCfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = gw.cmd.Process.Signal(syscall.SIGHUP)
	allowed := func(origin string) bool {
		res, _, _ := gw.do(t, "OPTIONS", "api.test", "/x", gwPreflight(origin, "PUT", ""))
		return res.StatusCode == http.StatusNoContent
	}
	for deadline := time.Now().Add(5 * time.Second); !allowed("https://new.example.com"); {
		if time.Now().After(deadline) {
			t.Fatalf("the reloaded configuration is not served:\n%s", gw.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.WriteFile(gw.file, []byte("version: 1\npolicies: {web-app: {origins: [\"*\"], credentials: true}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = gw.cmd.Process.Signal(syscall.SIGHUP)
	for deadline := time.Now().Add(5 * time.Second); gw.metric(t, `doorman_gateway_config_reloads_total{result="error"}`) != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("the invalid file's reload is not counted:\n%s", gw.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !allowed("https://new.example.com") || allowed(gwAllowedOrigin) {
		t.Error("an invalid file changed the configuration served")
	}
}

// hangingUpstream accepts connections and never answers: an upstream that is up but stuck.
func hangingUpstream(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// gwDeadAddr is a loopback address nothing listens on.
func gwDeadAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// With the upstream down, hung, or killed mid-run, the gateway answers 502 or 504 with CORS
// headers, in bounded time, and logs why: never a hang, never a bare error the browser hides
// (the "bad input" section).
func TestGatewayUpstreamDown(t *testing.T) {
	api, apiURL := startAuthAPI(t)
	gw := startGateway(t, strings.NewReplacer("{{API}}", apiURL, "{{DEAD}}", "http://"+gwDeadAddr(t), "{{HANG}}", hangingUpstream(t),
		"{{ORIGIN}}", gwAllowedOrigin).Replace(`limits: { upstream_timeout: 1s }
policies:
  web-app: { origins: [{{ORIGIN}}], credentials: true }
hosts:
  - match: api.test
    upstream: {{API}}
    cors: { policy: web-app }
    routes:
      - path: /dead/
        upstream: {{DEAD}}
      - path: /hang/
        upstream: {{HANG}}
`))
	// bound is how long any of these answers may take: the 1 s upstream timeout, with room
	// for a loaded machine; a hang would take the client's 30 s.
	const bound = 10 * time.Second
	cases := []struct {
		name, path, route string
		status            int
		kind              string
	}{
		{"nothing listens: 502", "/dead/x", "api.test/dead/", 502, "unreachable"},
		{"the upstream accepts and never answers: 504", "/hang/x", "api.test/hang/", 504, "timeout"},
		{"the upstream answers its headers too late: 504", "/slow", "api.test", 504, "timeout"},
	}
	for _, c := range cases {
		res, body, took := gw.do(t, "GET", "api.test", c.path, originHeader(bearer, gwAllowedOrigin))
		if res.StatusCode != c.status || took > bound {
			t.Errorf("%s: status %d in %v, want %d within %v (%s)", c.name, res.StatusCode, took, c.status, bound, body)
		}
		if res.Header.Get("Content-Type") != "application/json" || !strings.HasPrefix(body, `{"message":`) {
			t.Errorf("%s: body %q (%s)", c.name, body, res.Header.Get("Content-Type"))
		}
		checkDecorated(t, c.name, res)
		if got := gw.metricIs(t, `doorman_gateway_upstream_errors_total{kind="`+c.kind+`",route="`+c.route+`"}`, 1); got != 1 {
			t.Errorf("%s: upstream errors of kind %s counted %v times, want 1", c.name, c.kind, got)
		}
	}
	// The API process dies: the next request is a 502, decorated.
	api.cmd.Process.Kill()
	<-api.done
	res, _, took := gw.do(t, "GET", "api.test", "/orders", originHeader(bearer, gwAllowedOrigin))
	if res.StatusCode != http.StatusBadGateway || took > bound {
		t.Errorf("API killed: status %d in %v, want 502", res.StatusCode, took)
	}
	checkDecorated(t, "API killed", res)
	// The log line is written once the answer is sent: it may lag the client a little.
	want := []string{"unreachable", "timeout", "timeout", "unreachable"}
	var kinds []string
	for deadline := time.Now().Add(5 * time.Second); !slices.Equal(kinds, want) && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		kinds = kinds[:0]
		for _, l := range gw.accessLog(t) {
			if e, ok := l["error"].(string); ok {
				kinds = append(kinds, e)
			}
		}
	}
	if !slices.Equal(kinds, want) {
		t.Errorf("access-log errors %q, want %q", kinds, want)
	}
}

// The gateway in front of a real `doorman serve`: the bucket's own CORS rules answer other
// origins than the gateway's policy, and under upstream_headers: override only the
// gateway's answer reaches the browser, on S3's errors too; preflights never reach S3.
func TestGatewayInFrontOfDoormanServe(t *testing.T) {
	srv := startServer(t, "")
	bucket := srv.createACLBucket(t, "gateway-upstream")
	c := srv.client()
	ctx := context.Background()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("hello.txt"),
		Body: bytes.NewReader([]byte("hello")), ACL: s3types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://s3-only.test"}}}}}); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, strings.NewReplacer("{{S3}}", srv.URL, "{{ORIGIN}}", gwAllowedOrigin).Replace(`policies:
  web-app: { origins: [{{ORIGIN}}], methods: [GET, PUT], request_headers: [content-type], credentials: true }
hosts:
  - match: "*"
    upstream: {{S3}}
    cors: { policy: web-app }
`))
	res, body, _ := gw.do(t, "GET", "files.test", "/"+bucket+"/hello.txt", originHeader(nil, gwAllowedOrigin))
	if res.StatusCode != 200 || body != "hello" {
		t.Fatalf("GET through the gateway: %d %q", res.StatusCode, body)
	}
	checkDecorated(t, "GET", res)
	// An origin only the bucket's rules allow: S3 answers it, the gateway's override drops it.
	res, _, _ = gw.do(t, "GET", "files.test", "/"+bucket+"/hello.txt", originHeader(nil, "https://s3-only.test"))
	if got := res.Header.Values("Access-Control-Allow-Origin"); res.StatusCode != 200 || len(got) != 0 {
		t.Errorf("origin of the bucket's rules only: status %d, Allow-Origin %q: want S3's header dropped", res.StatusCode, got)
	}
	direct, _ := srv.Do(t, s3test.Request{Method: "GET", Path: "/" + bucket + "/hello.txt", Header: http.Header{"Origin": {"https://s3-only.test"}}})
	if direct.Header.Get("Access-Control-Allow-Origin") != "https://s3-only.test" {
		t.Fatalf("the bucket's own CORS does not answer directly: the test proves nothing")
	}
	// S3's own error (an anonymous read of a missing key is AccessDenied, as S3 answers
	// without ListBucket), decorated.
	res, body, _ = gw.do(t, "GET", "files.test", "/"+bucket+"/missing.txt", originHeader(nil, gwAllowedOrigin))
	if res.StatusCode != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Errorf("missing key: %d %s", res.StatusCode, body)
	}
	checkDecorated(t, "AccessDenied", res)
	// A preflight for a PUT is answered at the gateway; S3 never logs it.
	gets := func() int { return strings.Count(srv.logs.String(), `"op":"GetObject"`) }
	for deadline := time.Now().Add(5 * time.Second); gets() < 4 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond) // the four GETs so far, logged
	}
	before := gets()
	res, _, _ = gw.do(t, "OPTIONS", "files.test", "/"+bucket+"/new.txt", gwPreflight(gwAllowedOrigin, "PUT", "content-type"))
	if res.StatusCode != http.StatusNoContent {
		t.Errorf("preflight: %d", res.StatusCode)
	}
	checkDecorated(t, "preflight", res)
	// A request after the preflight, once logged by S3, shows the log is complete up to it.
	gw.do(t, "GET", "files.test", "/"+bucket+"/hello.txt", nil)
	for deadline := time.Now().Add(5 * time.Second); gets() <= before; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("doorman serve did not log the requests:\n%s", srv.logs)
		}
	}
	if strings.Contains(srv.logs.String(), `"method":"OPTIONS"`) {
		t.Errorf("the preflight reached doorman serve:\n%s", srv.logs)
	}
}

// A request head over limits.max_header_bytes (an oversized cookie, typically) is answered 431
// by the gateway process itself with the route's CORS headers, so the page reads the status
// instead of a CORS error; the upstream never sees it.
func TestGatewayOversizedHeaders(t *testing.T) {
	api, apiURL := startAuthAPI(t)
	cfg := "limits: { max_header_bytes: 4KiB }\n" + strings.NewReplacer("{{UP}}", apiURL, "{{ORIGIN}}", gwAllowedOrigin).Replace(authAPIConfig)
	gw := startGateway(t, cfg)
	h := originHeader(bearer, gwAllowedOrigin)
	h.Set("Cookie", "session="+strings.Repeat("c", 6000))
	res, body, _ := gw.do(t, "GET", "api.test", "/orders/1", h)
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || body != `{"message":"Request Header Fields Too Large"}` {
		t.Fatalf("oversized head: %d %q, want 431 and the gateway's message", res.StatusCode, body)
	}
	checkDecorated(t, "431", res)
	if got := gw.metricIs(t, `doorman_gateway_requests_total{code="431",route="api.test"}`, 1); got != 1 {
		t.Errorf("431 counted %v times, want 1", got)
	}
	res, _, _ = gw.do(t, "GET", "api.test", "/orders/1", originHeader(bearer, gwAllowedOrigin))
	if res.StatusCode != http.StatusOK {
		t.Errorf("a head within the limit: %d, want the API's 200", res.StatusCode)
	}
	// The API logs each request it answers: the one within the limit only.
	seen := func() int { return strings.Count(api.logs.String(), "authapi GET /orders/1 ") }
	for deadline := time.Now().Add(5 * time.Second); seen() < 1 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := seen(); got != 1 {
		t.Errorf("the API answered %d GETs, want 1: the oversized request reached it\n%s", got, api.logs)
	}
}
