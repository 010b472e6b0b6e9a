package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// doorman gateway's cache (a route with cache: { policy: CachingOptimized }), nginx's
// proxy_cache and Varnish, each configured from testdata/gateway-peers (doorman-edge.yaml,
// nginx-edge.conf, varnish-edge.vcl), in front of the same origin: the ceiling server, whose
// 4 KiB GET answer carries Cache-Control max-age. "ceiling" is the origin itself, the bar a
// cache hit is measured against: a hit does what the bare server does (answer 4 KiB from
// memory) plus the cache's lookup. nginx and Varnish are Debian's packages; `make bench-edge`
// installs them when missing.
const (
	serverCeiling = "ceiling"
	serverVarnish = "varnish"
	// edgeCacheControl is the origin's Cache-Control: an hour, longer than any run, so that
	// every measured request is a hit.
	edgeCacheControl = "public, max-age=3600"
	// edgeBodySize is the object's size: the ceiling server's GET answer.
	edgeBodySize = 4 << 10
	// edgeWarmTries bounds the requests that make a cache store the object: the first is a
	// miss, the second a hit; the others are slack for a cache that stores asynchronously.
	edgeWarmTries = 5
	// edgeStopWait bounds the wait for the origin to stop answering once it was told to stop.
	edgeStopWait = 10 * time.Second
	// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100 on every Linux
	// architecture (proc(5)).
	userHZ = 100
)

// edgeServer is one server the clients talk to, with the check that an answer of it came
// from its cache.
type edgeServer struct {
	name, url string
	hit       func(h http.Header) error // nil for the origin (ceiling)
	pgid      int                       // its process group, whose CPU time is measured
}

// Each cache says in its own words that an answer is a hit.
var (
	doormanHit = func(h http.Header) error { return expectHeader(h, "X-Cache", "Hit from doorman") }
	nginxHit   = func(h http.Header) error { return expectHeader(h, "X-Cache-Status", "HIT") }
	// Varnish's X-Varnish holds this request's transaction id, and on a hit also the id of
	// the request that stored the object. (Varnish sends Age on misses too, as "0": its
	// presence alone proves nothing.)
	varnishHit = func(h http.Header) error {
		if ids := strings.Fields(h.Get("X-Varnish")); len(ids) != 2 {
			return fmt.Errorf("X-Varnish %q: one id, not a hit", h.Get("X-Varnish"))
		}
		if h.Get("Age") == "" {
			return errors.New("a hit without Age")
		}
		return nil
	}
)

func expectHeader(h http.Header, name, want string) error {
	if got := h.Values(name); len(got) != 1 || got[0] != want {
		return fmt.Errorf("%s %q, want %q: not a hit", name, got, want)
	}
	return nil
}

// edgeRequest is what every client sends: a GET of the object by a page of another origin,
// as a fetch() of an asset sends it.
func edgeRequest(url string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, url+gatewayPath, nil)
	r.Header = http.Header{"Origin": {gatewayOrigin}}
	return r
}

// startEdgeServers starts the origin, then doorman gateway, nginx and Varnish in front of it,
// each a process (group) of its own on 127.0.0.1, stopped when tb ends; it returns them with
// the origin's command, so that a test may stop it. It fails, never skips, when nginx or
// varnishd is missing.
func startEdgeServers(tb testing.TB) ([]edgeServer, *exec.Cmd) {
	tb.Helper()
	for _, tool := range []string{"nginx", "varnishd"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Fatalf("%s is needed (make bench-edge installs Debian's nginx and varnish): %v", tool, err)
		}
	}
	ceiling := buildCeiling(tb)
	var servers []edgeServer
	start := func(name string, cmd *exec.Cmd, addr string, hit func(http.Header) error) string {
		url := runGatewayProcess(tb, name, cmd, addr)
		servers = append(servers, edgeServer{name, url, hit, cmd.Process.Pid})
		return url
	}
	origin := exec.Command(ceiling, "-cache-control", edgeCacheControl)
	upstream := strings.TrimPrefix(start(serverCeiling, origin, "", nil), "http://")

	dir := filepath.Join(tb.TempDir(), serverDoorman)
	data := peerTemplate{Listen: freeLoopbackAddr(tb), Admin: freeLoopbackAddr(tb), Upstream: upstream, Dir: dir}
	conf := writePeerConfig(tb, "doorman-edge.yaml", data)
	start(serverDoorman, exec.Command(binary, "gateway", "--config", conf), data.Listen, doormanHit)

	// Started by root, nginx's workers run as nobody, and they write the cache: the test's
	// directories (mode 0700) must let them through.
	tmp := tb.TempDir()
	for _, d := range []string{tmp, filepath.Dir(tmp)} {
		if err := os.Chmod(d, 0o711); err != nil {
			tb.Fatal(err)
		}
	}
	dir = filepath.Join(tmp, serverNginx)
	data = peerTemplate{Listen: freeLoopbackAddr(tb), Upstream: upstream, Dir: dir}
	conf = writePeerConfig(tb, "nginx-edge.conf", data)
	start(serverNginx, exec.Command("nginx", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf), data.Listen, nginxHit)

	dir = filepath.Join(tb.TempDir(), serverVarnish)
	data = peerTemplate{Listen: freeLoopbackAddr(tb), Upstream: upstream, Dir: dir}
	conf = writePeerConfig(tb, "varnish-edge.vcl", data)
	// -j none: no privilege separation (nothing needs root, the run's directory stays its
	// own); -T none: no management listener.
	varnish := exec.Command("varnishd", "-F", "-j", "none", "-T", "none", "-a", data.Listen,
		"-f", conf, "-n", filepath.Join(dir, "work"), "-s", "malloc,256m")
	start(serverVarnish, varnish, data.Listen, varnishHit)
	return servers, origin
}

// getEdge sends edgeRequest to s and checks the answer: 200, the whole object, and a hit
// when hit is set and s is a cache. The body is left in body, reset first.
func getEdge(c *http.Client, s edgeServer, hit bool, body *bytes.Buffer) error {
	res, err := c.Do(edgeRequest(s.url))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body.Reset()
	if _, err := body.ReadFrom(io.LimitReader(res.Body, gatewayMaxBody)); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	if body.Len() != edgeBodySize {
		return fmt.Errorf("body of %d bytes, want %d", body.Len(), edgeBodySize)
	}
	if hit && s.hit != nil {
		return s.hit(res.Header)
	}
	return nil
}

// warmEdge makes each cache store the object, as the clients ask for it.
func warmEdge(tb testing.TB, c *http.Client, servers []edgeServer) {
	tb.Helper()
	for _, s := range servers {
		if s.hit == nil {
			continue
		}
		var (
			body bytes.Buffer
			err  error
		)
		for range edgeWarmTries {
			if err = getEdge(c, s, true, &body); err == nil {
				break
			}
		}
		if err != nil {
			tb.Fatalf("%s does not serve the object from its cache after %d requests: %v", s.name, edgeWarmTries, err)
		}
	}
}

// TestEdgePeersHit checks what BenchmarkEdge relies on: each cache stores the origin's
// cacheable object and serves it as a hit, byte for byte. The origin is then stopped: the
// caches must still answer, from memory (or disk), which no forwarded request could.
func TestEdgePeersHit(t *testing.T) {
	requireTool(t, "nginx")
	requireTool(t, "varnishd")
	servers, origin := startEdgeServers(t)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()

	res, err := client.Do(edgeRequest(servers[0].url))
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(io.LimitReader(res.Body, gatewayMaxBody))
	res.Body.Close()
	if err != nil || len(want) != edgeBodySize {
		t.Fatalf("the origin's object: %d bytes, %v", len(want), err)
	}
	// RFC 9111 §5.2.2.1: max-age is what makes the object storable for an hour.
	if cc := res.Header.Get("Cache-Control"); cc != edgeCacheControl {
		t.Fatalf("the origin's Cache-Control is %q, want %q", cc, edgeCacheControl)
	}
	warmEdge(t, client, servers)

	_ = syscall.Kill(-origin.Process.Pid, syscall.SIGTERM)
	var body bytes.Buffer
	for deadline := time.Now().Add(edgeStopWait); ; {
		if err := getEdge(client, servers[0], false, &body); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the origin still answers %s after being stopped", edgeStopWait)
		}
		client.CloseIdleConnections()
		time.Sleep(20 * time.Millisecond)
	}
	for _, s := range servers[1:] {
		if err := getEdge(client, s, true, &body); err != nil {
			t.Errorf("%s, with the origin stopped: %v", s.name, err)
			continue
		}
		if !bytes.Equal(body.Bytes(), want) {
			t.Errorf("%s serves another body than the origin's", s.name)
		}
	}
}

// BenchmarkEdge loads doorman gateway's cache, nginx's proxy_cache and Varnish, warmed with
// the same cacheable 4 KiB object, and the origin directly (server=ceiling), over loopback
// from 8 concurrent clients with kept-alive connections. Every answer is checked: the whole
// object, and a hit in the cache's own words, so that only hits are measured. benchstat -col
// /server compares them: req/s is the throughput, p50-µs and p99-µs the latency of single
// requests, cpu-µs/req the CPU time the server's processes spent per request. The clients
// share the machine's cores with the servers, so throughput and latency are those of the
// whole system, and move with whatever else the machine runs; cpu-µs/req is the server's own
// cost, and what a hit costs over serving the object bare is its difference with the
// ceiling's.
func BenchmarkEdge(b *testing.B) {
	servers, _ := startEdgeServers(b)
	warm := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	warmEdge(b, warm, servers)
	warm.CloseIdleConnections()
	for _, s := range servers {
		b.Run("op=hit-4KiB/server="+s.name, func(b *testing.B) { benchEdgeHit(b, s) })
	}
}

func benchEdgeHit(b *testing.B, s edgeServer) {
	tr := &http.Transport{MaxIdleConnsPerHost: gatewayClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Bool
	)
	b.SetParallelism((gatewayClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	cpu := groupCPU(b, s.pgid)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var (
			own  []time.Duration
			body bytes.Buffer
		)
		for pb.Next() {
			start := time.Now()
			err := getEdge(client, s, true, &body)
			own = append(own, time.Since(start))
			if err != nil {
				if !failed.Swap(true) {
					b.Errorf("%s: %v", s.name, err)
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

// groupCPU is the CPU time (user and system) the live processes of process group pgid have
// used, from /proc: a server's cost per request, which the other loads of a shared machine
// change much less than its throughput. A process that ends during a run (none should) takes
// its time with it.
func groupCPU(tb testing.TB, pgid int) time.Duration {
	tb.Helper()
	procs, err := os.ReadDir("/proc")
	if err != nil {
		tb.Fatal(err)
	}
	var (
		total time.Duration
		found bool
	)
	for _, p := range procs {
		if p.Name()[0] < '1' || p.Name()[0] > '9' {
			continue
		}
		group, cpu, ok := procCPU(tb, p.Name())
		if ok && group == pgid {
			found = true
			total += cpu
		}
	}
	if !found {
		tb.Fatalf("no process of group %d in /proc", pgid)
	}
	return total
}

// pidsCPU is the CPU time (user and system) the processes pids have used, as groupCPU reads
// it.
func pidsCPU(tb testing.TB, pids ...int) time.Duration {
	tb.Helper()
	var total time.Duration
	for _, pid := range pids {
		_, cpu, ok := procCPU(tb, strconv.Itoa(pid))
		if !ok {
			tb.Fatalf("process %d is not in /proc", pid)
		}
		total += cpu
	}
	return total
}

// procCPU reads /proc/PID/stat: the process's group and the CPU time it has used; ok is
// false when it is gone.
func procCPU(tb testing.TB, pid string) (pgid int, cpu time.Duration, ok bool) {
	tb.Helper()
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid pgrp ... utime stime ...: comm may hold spaces and parentheses,
	// the fields after its last ')' do not.
	i := bytes.LastIndexByte(stat, ')')
	f := strings.Fields(string(stat[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, 0, false
	}
	var n [3]int64
	for j, v := range []string{f[2], f[11], f[12]} { // fields 5, 14 and 15: pgrp, utime, stime
		if n[j], err = strconv.ParseInt(v, 10, 64); err != nil {
			tb.Fatalf("/proc/%s/stat: %v", pid, err)
		}
	}
	return int(n[0]), time.Duration(n[1]+n[2]) * time.Second / userHZ, true
}
