package integration

import (
	"fmt"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchConns are the numbers of kept-alive connections BenchmarkConnections holds at once.
var benchConns = []int{100, 1000}

// rssSampling is how often BenchmarkConnections reads the server's resident set under load.
const rssSampling = 50 * time.Millisecond

// BenchmarkConnections holds N kept-alive connections to one server at once (N of benchConns),
// each its own TCP connection with one request in flight at a time, and sends the CORS
// operations (a preflight, a signed 4 KiB GET with Origin) through all of them: a fresh
// doorman serve, with its default bound on connections, and the bare net/http ceiling, each a
// process of its own on loopback. Every answer is checked (status, Access-Control-Allow-Origin,
// body) and must leave its connection open: one error fails the benchmark. A signed request
// is signed once per run and sent again, so that the client's signing does not take the cores
// the server needs. benchstat -col /server compares the servers; the metrics are req/s, the
// latency of single requests (p50-µs, p99-µs), the CPU time the server used per request
// (cpu-µs/req, which the machine's other loads change much less than the throughput), and
// the server's memory from /proc:
// idle-rss-MiB its resident set before the N connections were opened, rss-MiB the most read
// under load, hwm-MiB its peak since it started (VmHWM), and rss-KiB/conn what each
// connection added (rss-MiB less idle-rss-MiB, over N).
func BenchmarkConnections(b *testing.B) {
	needOpenFiles(b, slices.Max(benchConns))
	ceiling := buildCeiling(b)
	for _, n := range benchConns {
		for _, name := range []string{"doorman", "ceiling"} {
			var (
				t   benchTarget
				pid int
			)
			switch name {
			case "doorman":
				s := startServer(b, "")
				t = s.benchTarget()
				prepareBenchTarget(b, &t)
				pid = s.cmd.Process.Pid
			case "ceiling":
				cmd := exec.Command(ceiling)
				t = benchTarget{name: name, url: startProcess(b, cmd, "")}
				pid = cmd.Process.Pid
			}
			idle, _ := procMemory(b, pid)
			conns := dialKept(b, t.url[len("http://"):], n)
			for _, op := range corsOps() {
				b.Run(fmt.Sprintf("conns=%d/op=%s/server=%s", n, op.name, name), func(b *testing.B) {
					benchConnsOp(b, &t, pid, idle, conns, op)
				})
			}
			for _, c := range conns {
				c.Close()
			}
		}
	}
}

// benchConnsOp sends b.N requests op through conns, all at once, one in flight on each, and
// reports what BenchmarkConnections says; the server is process pid, whose resident set was
// idle before conns were opened.
func benchConnsOp(b *testing.B, t *benchTarget, pid int, idle int64, conns []*keptConn, op corsOp) {
	raw := rawRequest(b, t, op)
	var (
		left      atomic.Int64
		failures  atomic.Int64
		firstErr  error
		errOnce   sync.Once
		latencies = make([][]time.Duration, len(conns))
		wg        sync.WaitGroup
		done      = make(chan struct{})
		peak      int64
		sampleErr error
		sampled   = make(chan struct{})
	)
	left.Store(int64(b.N))
	go func() {
		defer close(sampled)
		tick := time.NewTicker(rssSampling)
		defer tick.Stop()
		for {
			rss, _, err := readProcMemory(pid)
			if err != nil {
				sampleErr = err
				return
			}
			peak = max(peak, rss)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	cpu := pidsCPU(b, pid)
	b.ResetTimer()
	for i, c := range conns {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				start := time.Now()
				res, body, err := c.do(raw)
				latencies[i] = append(latencies[i], time.Since(start))
				if err == nil {
					err = op.check(res, body)
				}
				if err != nil {
					failures.Add(1)
					errOnce.Do(func() { firstErr = fmt.Errorf("connection %d: %w", i, err) })
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu = pidsCPU(b, pid) - cpu
	close(done)
	<-sampled
	if sampleErr != nil {
		b.Fatal(sampleErr)
	}
	if n := failures.Load(); n > 0 {
		b.Fatalf("%s, %d connections: %d errors; the first: %v", t.name, len(conns), n, firstErr)
	}
	all := slices.Concat(latencies...)
	slices.Sort(all)
	_, hwm := procMemory(b, pid)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(cpu.Seconds()*1e6/float64(b.N), "cpu-µs/req")
	b.ReportMetric(percentile(all, 50).Seconds()*1e6, "p50-µs")
	b.ReportMetric(percentile(all, 99).Seconds()*1e6, "p99-µs")
	b.ReportMetric(0, "errors")
	b.ReportMetric(inMiB(idle), "idle-rss-MiB")
	b.ReportMetric(inMiB(peak), "rss-MiB")
	b.ReportMetric(inMiB(hwm), "hwm-MiB")
	b.ReportMetric(float64(peak-idle)/1024/float64(len(conns)), "rss-KiB/conn")
}
