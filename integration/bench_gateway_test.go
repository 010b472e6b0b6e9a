package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/doorman-s3/doorman/browsercheck"
	"github.com/doorman-s3/doorman/internal/s3test"
)

// doorman gateway, nginx and Caddy, each configured from testdata/gateway-peers with the same
// CORS policy (one allowed origin; methods GET, PUT, POST and DELETE; request headers
// authorization and content-type; credentials; max-age 600), in front of the same upstream:
// the ceiling server, which answers every request with a 4 KiB body and CORS headers of its
// own, as an application that once handled CORS itself does. "direct" is the upstream itself.
// nginx and Caddy are Debian's packages; `make bench-gateway` installs them when missing.
const (
	gatewayOrigin = "https://app.example.com"
	gatewayPath   = "/v1/items/42"
	// gatewayClients is the number of concurrent clients of the benchmark, as in BenchmarkS3.
	gatewayClients = 8
	// gatewayStartWait bounds the wait for a server to answer: each starts within a second on
	// the project's machine; a loaded CI host may take much longer, a broken one never.
	gatewayStartWait = 20 * time.Second
	// gatewayStopWait bounds a graceful stop (SIGTERM) before the process group is killed;
	// nginx's master must stop its workers itself, or they are left behind.
	gatewayStopWait = 10 * time.Second
	// gatewayMaxBody bounds what is read of a response: the largest is the upstream's 4 KiB.
	gatewayMaxBody = 64 << 10
)

// gatewayServer is one server the clients talk to.
type gatewayServer struct {
	name, url string
	pgid      int // the process group whose CPU time is the server's cost
}

// The servers in the order they are started and benchmarked: the upstream first, then the
// proxies in front of it.
const (
	serverDirect  = "direct"
	serverDoorman = "doorman"
	serverNginx   = "nginx"
	serverCaddy   = "caddy"
)

// peerTemplate is what a configuration template of testdata/gateway-peers is filled with.
type peerTemplate struct {
	Listen   string // host:port to listen on
	Admin    string // host:port of doorman gateway's admin listener
	Upstream string // host:port of the upstream
	Dir      string // the run's own directory: pid file, logs, temporary files, storage
}

// startGatewayServers starts the upstream, then doorman gateway, nginx and Caddy in front of
// it, each a process (group) of its own on 127.0.0.1, stopped when tb ends. It fails, never
// skips, when nginx or Caddy is missing.
func startGatewayServers(tb testing.TB) []gatewayServer {
	tb.Helper()
	for _, tool := range []string{"nginx", "caddy"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Fatalf("%s is needed (make bench-gateway installs Debian's nginx and caddy): %v", tool, err)
		}
	}
	ceiling := exec.Command(buildCeiling(tb))
	direct := runGatewayProcess(tb, serverDirect, ceiling, "")
	upstream := strings.TrimPrefix(direct, "http://")
	servers := []gatewayServer{{serverDirect, direct, ceiling.Process.Pid}}
	start := func(name string, cmd *exec.Cmd, addr string) {
		servers = append(servers, gatewayServer{name, runGatewayProcess(tb, name, cmd, addr), cmd.Process.Pid})
	}

	dir := filepath.Join(tb.TempDir(), serverDoorman)
	data := peerTemplate{Listen: freeLoopbackAddr(tb), Admin: freeLoopbackAddr(tb), Upstream: upstream, Dir: dir}
	conf := writePeerConfig(tb, "doorman.yaml", data)
	start(serverDoorman, exec.Command(binary, "gateway", "--config", conf), data.Listen)

	dir = filepath.Join(tb.TempDir(), serverNginx)
	data = peerTemplate{Listen: freeLoopbackAddr(tb), Upstream: upstream, Dir: dir}
	conf = writePeerConfig(tb, "nginx.conf", data)
	start(serverNginx, exec.Command("nginx", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf), data.Listen)

	dir = filepath.Join(tb.TempDir(), serverCaddy)
	data = peerTemplate{Listen: freeLoopbackAddr(tb), Upstream: upstream, Dir: dir}
	conf = writePeerConfig(tb, "Caddyfile", data)
	caddy := exec.Command("caddy", "run", "--adapter", "caddyfile", "--config", conf)
	// Caddy keeps its state under the XDG directories, here the run's own.
	caddy.Env = append(os.Environ(), "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	start(serverCaddy, caddy, data.Listen)
	return servers
}

// writePeerConfig fills the template testdata/gateway-peers/name into data.Dir (made here) and
// returns the written file's path.
func writePeerConfig(tb testing.TB, name string, data peerTemplate) string {
	tb.Helper()
	return writeConfigTemplate(tb, filepath.Join("testdata", "gateway-peers", name), data.Dir, data)
}

// writeConfigTemplate fills the template at src with data into dir (made here), under src's
// base name, and returns the written file's path.
func writeConfigTemplate(tb testing.TB, src, dir string, data any) string {
	tb.Helper()
	name := filepath.Base(src)
	text, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl, err := template.New(name).Option("missingkey=error").Parse(string(text))
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func freeLoopbackAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runGatewayProcess starts cmd in a process group of its own, stopped when tb ends, and
// returns its URL once a GET of gatewayPath through it answers 200. The address is addr, or
// when addr is empty the one of a "listening on http://ADDR" line on its standard output.
func runGatewayProcess(tb testing.TB, name string, cmd *exec.Cmd, addr string) string {
	tb.Helper()
	return runReadyProcess(tb, name, cmd, addr, gatewayPath)
}

// runReadyProcess is runGatewayProcess with readyPath, the path whose GET must answer 200,
// in place of gatewayPath.
func runReadyProcess(tb testing.TB, name string, cmd *exec.Cmd, addr, readyPath string) string {
	tb.Helper()
	logs := &s3test.SyncBuffer{}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	done := make(chan struct{})
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(logs, sc.Text())
			if _, rest, ok := strings.Cut(sc.Text(), "listening on http://"); ok && addr == "" {
				addrc <- strings.Fields(rest)[0]
			}
		}
		_, _ = io.Copy(logs, stdout)
		_ = cmd.Wait()
		close(done)
	}()
	tb.Cleanup(func() {
		// The whole group: nginx's workers are children of its master.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(gatewayStopWait):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})

	deadline := time.After(gatewayStartWait)
	if addr == "" {
		select {
		case addr = <-addrc:
		case <-done:
			tb.Fatalf("%s exited at start:\n%s", name, logs)
		case <-deadline:
			tb.Fatalf("%s printed no address:\n%s", name, logs)
		}
	}
	url := "http://" + addr
	for {
		res, err := http.Get(url + readyPath)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return url
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		select {
		case <-done:
			tb.Fatalf("%s exited at start:\n%s", name, logs)
		case <-deadline:
			tb.Fatalf("%s does not answer on %s: %v\n%s", name, url, err, logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// gatewayPeerCases are scripts a page at gatewayOrigin (or elsewhere) runs against each server.
// Where the usual recipes differ from doorman's answer, the row says so: nginx and Caddy answer
// every preflight 204 and let the browser refuse it, doorman refuses it with 403 and no CORS
// headers; their static lists let the browser decide what doorman decides at the gateway.
var gatewayPeerCases = []struct {
	name, source string
	req          browsercheck.Request
	want         browsercheck.Verdict
	// peers is the verdict of nginx and Caddy when it differs from doorman's (want).
	peers *browsercheck.Verdict
	// preflight is the status of the preflight, by server; nil when the script sends none.
	preflight map[string]int
}{
	{name: "credentialed GET from the allowed origin", source: "Fetch: CORS check with credentials mode include",
		req:  browsercheck.Request{Origin: gatewayOrigin, Method: "GET", Credentials: browsercheck.Include},
		want: browsercheck.Allowed},
	{name: "PUT with JSON and Authorization from the allowed origin", source: "issue 9: a PUT whose preflight succeeds",
		req: browsercheck.Request{Origin: gatewayOrigin, Method: "PUT", Credentials: browsercheck.Include,
			Headers: []browsercheck.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Authorization", Value: "Bearer t"}}},
		want: browsercheck.Allowed, preflight: map[string]int{serverDoorman: 204, serverNginx: 204, serverCaddy: 204}},
	{name: "DELETE without credentials from the allowed origin", source: "Fetch: CORS-preflight fetch, method listed",
		req:  browsercheck.Request{Origin: gatewayOrigin, Method: "DELETE"},
		want: browsercheck.Allowed, preflight: map[string]int{serverDoorman: 204, serverNginx: 204, serverCaddy: 204}},
	{name: "GET from another origin", source: "Fetch: CORS check, Access-Control-Allow-Origin",
		req:  browsercheck.Request{Origin: "https://evil.test", Method: "GET", Credentials: browsercheck.Include},
		want: browsercheck.Blocked},
	{name: "PUT from another origin", source: "Fetch: CORS-preflight fetch, CORS check; refused preflights differ",
		req: browsercheck.Request{Origin: "https://evil.test", Method: "PUT",
			Headers: []browsercheck.Header{{Name: "Content-Type", Value: "application/json"}}},
		want: browsercheck.Blocked, preflight: map[string]int{serverDoorman: 403, serverNginx: 204, serverCaddy: 204}},
	{name: "PUT from an origin that extends the allowed one", source: "complaint 6: unanchored origin patterns",
		req: browsercheck.Request{Origin: gatewayOrigin + ".evil.test", Method: "PUT",
			Headers: []browsercheck.Header{{Name: "Content-Type", Value: "application/json"}}},
		want: browsercheck.Blocked, preflight: map[string]int{serverDoorman: 403, serverNginx: 204, serverCaddy: 204}},
	{name: "PATCH from the allowed origin", source: "Fetch: CORS-preflight fetch, method not listed (complaint 9)",
		req:  browsercheck.Request{Origin: gatewayOrigin, Method: "PATCH", Credentials: browsercheck.Include},
		want: browsercheck.Blocked, preflight: map[string]int{serverDoorman: 403, serverNginx: 204, serverCaddy: 204}},
	{name: "PUT with a header not allowed", source: "Fetch: CORS-preflight fetch, header not listed (complaint 9)",
		req: browsercheck.Request{Origin: gatewayOrigin, Method: "PUT", Credentials: browsercheck.Include,
			Headers: []browsercheck.Header{{Name: "X-Trace-Id", Value: "1"}}},
		want: browsercheck.Blocked, preflight: map[string]int{serverDoorman: 403, serverNginx: 204, serverCaddy: 204}},
	{name: "GET reading ETag, which the policy does not expose", source: "complaint 3: the upstream's own CORS headers",
		req: browsercheck.Request{Origin: gatewayOrigin, Method: "GET", Credentials: browsercheck.Include,
			ReadHeaders: []string{"ETag"}},
		// The recipes hide only the upstream's Allow-Origin and Allow-Credentials; its
		// Access-Control-Expose-Headers: ETag reaches the browser through nginx and Caddy.
		// doorman's default (upstream_headers: override) drops every upstream ACA* header.
		want: browsercheck.Unreadable, peers: ptr(browsercheck.Allowed)},
}

func ptr[T any](v T) *T { return &v }

// TestGatewayPeersAgree sends each script's requests, as a browser would send them, to doorman
// gateway, nginx and Caddy, and runs the browser's checks over the answers: all three must let
// the same scripts through and stop the same ones, so that BenchmarkGateway compares like for
// like. Where they differ by design (the status of a refused preflight, the upstream's
// Expose-Headers), the row says so and the difference is checked too.
func TestGatewayPeersAgree(t *testing.T) {
	requireTool(t, "nginx")
	requireTool(t, "caddy")
	servers := startGatewayServers(t)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	for _, tc := range gatewayPeerCases {
		t.Run(tc.name, func(t *testing.T) {
			var seen []string
			for _, s := range servers[1:] {
				req := tc.req
				req.URL = s.url + gatewayPath
				plan, err := browsercheck.Classify(&req)
				if err != nil {
					t.Fatalf("%s: %v", tc.source, err)
				}
				var pre, act *browsercheck.Response
				status := "-"
				if plan.Preflight {
					h := http.Header{"Origin": {req.Origin}, "Access-Control-Request-Method": {plan.RequestMethod}}
					if plan.RequestHeaders != "" {
						h.Set("Access-Control-Request-Headers", plan.RequestHeaders)
					}
					pre = browserSend(t, client, http.MethodOptions, req.URL, h)
					status = fmt.Sprint(pre.Status)
					if want := tc.preflight[s.name]; pre.Status != want {
						t.Errorf("%s: %s: preflight status %d, want %d (%s)", s.name, tc.name, pre.Status, want, tc.source)
					}
				} else if tc.preflight != nil {
					t.Fatalf("%s: the row expects a preflight the browser does not send", tc.name)
				}
				res := browsercheck.Evaluate(&req, plan, pre, nil)
				if !plan.Preflight || res.Verdict == browsercheck.PreflightPassed {
					h := http.Header{"Origin": {req.Origin}}
					for _, ph := range plan.Headers {
						h.Add(ph.Name, ph.Value)
					}
					act = browserSend(t, client, plan.Method, req.URL, h)
					res = browsercheck.Evaluate(&req, plan, pre, act)
				}
				want := tc.want
				if s.name != serverDoorman && tc.peers != nil {
					want = *tc.peers
				}
				if res.Verdict != want {
					t.Errorf("%s: %s: browser verdict %s, want %s (%s)\n%+v", s.name, tc.name, res.Verdict, want, tc.source, res.Steps)
				}
				seen = append(seen, fmt.Sprintf("%s %s (preflight %s)", s.name, res.Verdict, status))
			}
			t.Log(strings.Join(seen, ", "))
		})
	}
}

// browserSend sends one request as a browser sends it and returns what browsercheck needs.
func browserSend(t *testing.T, c *http.Client, method, url string, h http.Header) *browsercheck.Response {
	t.Helper()
	var body io.Reader
	if method == http.MethodPut || method == http.MethodPost {
		body = strings.NewReader(`{"name":"x"}`)
	}
	r, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header = h
	res, err := c.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, gatewayMaxBody))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return &browsercheck.Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// gatewayBenchOps are the requests a single-page app makes most: the preflight of a
// credentialed PUT with JSON and Authorization (Chromium's spelling of its headers), a
// credentialed GET of 4 KiB, and the POST of 1 KiB of JSON that follows a preflight. Each
// answer is checked: an allowed status and exactly one Access-Control-Allow-Origin naming the
// origin.
var gatewayBenchOps = []struct {
	name    string
	method  string
	header  http.Header
	reqBody []byte // the request's body, nil for none
	body    int    // the response body's size, checked
	// without names a server left out of the operation, and why.
	without map[string]string
}{
	{name: "preflight", method: http.MethodOptions, header: http.Header{"Origin": {gatewayOrigin},
		"Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"authorization,content-type"}}},
	{name: "get-4KiB", method: http.MethodGet, header: http.Header{"Origin": {gatewayOrigin}}, body: 4 << 10},
	{name: "post-1KiB-json", method: http.MethodPost, header: http.Header{"Origin": {gatewayOrigin},
		"Content-Type": {"application/json"}, "Authorization": {"Bearer bench"}}, reqBody: benchJSON(1 << 10), body: 4 << 10,
		without: map[string]string{serverCaddy: "Caddy 2.6 cuts about one proxied POST answer in a hundred short under this load " +
			`(its log: "aborting with incomplete response", "use of closed network connection" reading from the upstream)`}},
}

// benchJSON is a JSON document of n bytes.
func benchJSON(n int) []byte {
	const open, closing = `{"items":"`, `"}`
	return []byte(open + strings.Repeat("x", n-len(open)-len(closing)) + closing)
}

// BenchmarkGateway loads doorman gateway, nginx and Caddy, with the same CORS policy and in
// front of the same upstream, and the upstream directly, over loopback from 8 concurrent
// clients with kept-alive connections. benchstat -col /server compares them operation by
// operation: req/s is the throughput, p50-µs and p99-µs the latency of single requests, from
// which the latency a proxy adds is the difference with server=direct, and cpu-µs/req the
// CPU time the server's own processes spent per request (a proxy's, without the upstream's).
// The clients share the machine's cores with the servers, so throughput and latency are
// those of the whole system; cpu-µs/req is each server's own cost.
func BenchmarkGateway(b *testing.B) {
	servers := startGatewayServers(b)
	for _, op := range gatewayBenchOps {
		for _, s := range servers {
			if why, ok := op.without[s.name]; ok {
				b.Logf("op=%s without server=%s: %s", op.name, s.name, why)
				continue
			}
			b.Run("op="+op.name+"/server="+s.name, func(b *testing.B) {
				benchGatewayOp(b, s, op.method, op.header, op.reqBody, op.body)
			})
		}
	}
}

func benchGatewayOp(b *testing.B, s gatewayServer, method string, header http.Header, reqBody []byte, size int) {
	tr := &http.Transport{MaxIdleConnsPerHost: gatewayClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := s.url + gatewayPath
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Bool
	)
	b.SetParallelism((gatewayClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	cpu := groupCPU(b, s.pgid)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var own []time.Duration
		for pb.Next() {
			var body io.Reader
			if reqBody != nil {
				body = bytes.NewReader(reqBody)
			}
			r, _ := http.NewRequest(method, url, body)
			r.Header = header.Clone()
			start := time.Now()
			res, err := client.Do(r)
			if err == nil {
				var n int64
				n, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err == nil {
					err = checkGatewayAnswer(res, n, size)
				}
			}
			own = append(own, time.Since(start))
			if err != nil {
				if !failed.Swap(true) {
					b.Errorf("%s %s: %v", s.name, method, err)
				}
				return
			}
		}
		mu.Lock()
		latencies = append(latencies, own...)
		mu.Unlock()
	})
	b.StopTimer()
	cpu = groupCPU(b, s.pgid) - cpu
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(cpu.Seconds()*1e6/float64(b.N), "cpu-µs/req")
	slices.Sort(latencies)
	b.ReportMetric(percentile(latencies, 50).Seconds()*1e6, "p50-µs")
	b.ReportMetric(percentile(latencies, 99).Seconds()*1e6, "p99-µs")
}

// checkGatewayAnswer checks that a benchmark request was allowed and answered in full.
func checkGatewayAnswer(res *http.Response, n int64, size int) error {
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	if acao := res.Header.Values("Access-Control-Allow-Origin"); len(acao) != 1 || acao[0] != gatewayOrigin {
		return fmt.Errorf("Access-Control-Allow-Origin %q, want %q once", acao, gatewayOrigin)
	}
	if n != int64(size) {
		return fmt.Errorf("body of %d bytes, want %d", n, size)
	}
	return nil
}

// percentile is the nearest-rank p-th percentile of sorted, 0 when it is empty.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max(0, (len(sorted)*p+99)/100-1)]
}
