package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// keptConn is one client connection speaking HTTP/1.1 with keep-alive, one request in flight
// at a time: every request it sends goes over the same TCP connection, so a server that
// closed it fails the next one.
type keptConn struct {
	net.Conn
	r *bufio.Reader
}

// keptConnTimeout bounds one request on a keptConn, from its writing to its answer's end.
const keptConnTimeout = 30 * time.Second

// dialKept opens n kept-alive connections to addr, closed when tb ends.
func dialKept(tb testing.TB, addr string, n int) []*keptConn {
	tb.Helper()
	conns := make([]*keptConn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			tb.Fatalf("connection %d of %d: %v", i+1, n, err)
		}
		conns[i] = &keptConn{Conn: c, r: bufio.NewReader(c)}
		tb.Cleanup(func() { c.Close() })
	}
	return conns
}

// do sends raw, a whole HTTP/1.1 request, and reads its answer; body is the answer's body. An
// answer that closes the connection (Connection: close, or none at all) is an error.
func (c *keptConn) do(raw []byte) (res *http.Response, body []byte, err error) {
	if err := c.SetDeadline(time.Now().Add(keptConnTimeout)); err != nil {
		return nil, nil, err
	}
	if _, err := c.Write(raw); err != nil {
		return nil, nil, err
	}
	if res, err = http.ReadResponse(c.r, nil); err != nil {
		return nil, nil, err
	}
	body, err = io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil && res.Close {
		err = errors.New("the server closes the connection")
	}
	return res, body, err
}

// rawRequest is op's request to t as bytes on the wire, signed now when op says so. A signed
// request may be sent again for as long as the server's allowed clock skew (15 minutes at
// Amazon S3) lasts, as a retried one is.
func rawRequest(tb testing.TB, t *benchTarget, op corsOp) []byte {
	tb.Helper()
	r := op.build(t, 0)
	if op.sign {
		r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		if err := v4.NewSigner().SignHTTP(context.Background(), t.creds, r, emptySHA256, "s3", region, time.Now()); err != nil {
			tb.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// corsOp is an operation of benchOps that a cross-origin page sends, the size of its
// answer's body and the CORS headers its answer must carry beside Access-Control-Allow-Origin.
type corsOp struct {
	benchOp
	size    int
	headers map[string]string
}

// check checks an answer to op: its status, Access-Control-Allow-Origin (the origin of
// benchOps, once), op's other CORS headers and its body's size.
func (op corsOp) check(res *http.Response, body []byte) error {
	if res.StatusCode != op.status {
		return fmt.Errorf("%s: status %d, want %d", op.name, res.StatusCode, op.status)
	}
	if err := checkGatewayAnswer(res, int64(len(body)), op.size); err != nil {
		return fmt.Errorf("%s: %w", op.name, err)
	}
	for name, want := range op.headers {
		if got := res.Header.Values(name); len(got) != 1 || got[0] != want {
			return fmt.Errorf("%s: %s %q, want %q once", op.name, name, got, want)
		}
	}
	return nil
}

// corsOps are the operations of benchOps the ceiling answers too: a preflight (no body), whose
// answer grants the method and headers it asks for, and a signed 4 KiB GET with Origin, whose
// answer exposes ETag, as benchCORS says.
func corsOps() []corsOp {
	var ops []corsOp
	for _, op := range benchOps {
		if !op.ceiling {
			continue
		}
		c := corsOp{op, len(body4KiB), map[string]string{"Access-Control-Expose-Headers": "ETag"}}
		if op.build(&benchTarget{}, 0).Method == http.MethodOptions {
			// S3 lists the headers asked for, as asked, joined by ", ".
			c.size = 0
			c.headers = map[string]string{"Access-Control-Allow-Methods": "GET, PUT",
				"Access-Control-Allow-Headers": "content-type, x-amz-date"}
		}
		ops = append(ops, c)
	}
	return ops
}

// inMiB is n bytes in MiB.
func inMiB(n int64) float64 { return float64(n) / mib }

// procMemory is what /proc/PID/status says of process pid's memory: its resident set now
// (VmRSS) and at its highest (VmHWM), in bytes.
func procMemory(tb testing.TB, pid int) (rss, hwm int64) {
	tb.Helper()
	rss, hwm, err := readProcMemory(pid)
	if err != nil {
		tb.Fatal(err)
	}
	return rss, hwm
}

// readProcMemory is procMemory, for a goroutine that may not end the test.
func readProcMemory(pid int) (rss, hwm int64, err error) {
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	found := 0
	for line := range strings.Lines(string(status)) {
		name, value, _ := strings.Cut(line, ":")
		f := strings.Fields(value)
		if (name != "VmRSS" && name != "VmHWM") || len(f) != 2 || f[1] != "kB" {
			continue
		}
		kB, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %q", pid, line)
		}
		if name == "VmRSS" {
			rss = kB << 10
		} else {
			hwm = kB << 10
		}
		found++
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("/proc/%d/status has no VmRSS and VmHWM in kB", pid)
	}
	return rss, hwm, nil
}

// needOpenFiles fails tb unless this process may hold n connections beside its own files, and
// a doorman server started from it may serve n at once by default: serve raises its soft
// open-file limit to the hard one it inherits, and serves three files per connection beside
// 64 it keeps. Go raised this process's soft limit to its hard limit at start.
func needOpenFiles(tb testing.TB, n int) {
	tb.Helper()
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		tb.Fatal(err)
	}
	if need := uint64(3*n + 64); l.Cur < need || l.Max < need {
		tb.Fatalf("the open-file limit (soft %d, hard %d) is below the %d that %d connections need: raise it (ulimit -n)", l.Cur, l.Max, need, n)
	}
}

// keptConns is how many kept-alive connections TestKeptAliveConnections holds at once.
const keptConns = 1000

// keptRSSPerConn bounds what one kept-alive connection may add to doorman's resident set once
// a preflight and a signed GET went through it, 1,000 of each at once: net/http keeps a 4 KiB
// read buffer, a 4 KiB write buffer and a goroutine's stack per connection, and the heap that
// 1,000 requests in flight at once grew is not all given back at once. 50 to 60 KiB a
// connection was measured at 1,000 connections (amd64, Go 1.26; about half of it after the
// preflights alone); the bound is between two and three times that, and a connection that
// kept a 1 MiB buffer would pass it seven times over.
const keptRSSPerConn = 144 << 10

// TestKeptAliveConnections holds 1,000 kept-alive connections to one doorman at once, each its
// own TCP connection, and sends a CORS preflight, then a signed GET with Origin, through all of
// them at once: every answer must be right and leave its connection open (the GET goes over
// the connection the preflight used), and the server's resident set must grow by at most
// keptRSSPerConn a connection. With --max-connections 1000, a 1,001st connection waits to be
// accepted, its request unanswered but the connection not refused nor reset, and is served
// once one of the 1,000 closes: netutil.LimitListener, which serve puts on its listener,
// accepts no more until one of its connections is closed.
func TestKeptAliveConnections(t *testing.T) {
	needOpenFiles(t, keptConns+1)
	s := startServer(t, "", "--max-connections", strconv.Itoa(keptConns))
	target := s.benchTarget()
	prepareBenchTarget(t, &target)
	http.DefaultClient.CloseIdleConnections() // the health check's, which would count
	pid := s.cmd.Process.Pid
	before, _ := procMemory(t, pid)

	conns := dialKept(t, s.Addr, keptConns)
	for _, op := range corsOps() {
		raw := rawRequest(t, &target, op)
		errs := make([]error, len(conns))
		var wg sync.WaitGroup
		for i, c := range conns {
			wg.Go(func() {
				res, body, err := c.do(raw)
				if err == nil {
					err = op.check(res, body)
				}
				errs[i] = err
			})
		}
		wg.Wait()
		failed := 0
		for i, err := range errs {
			if err != nil {
				if failed++; failed <= 5 {
					t.Errorf("connection %d: %v", i, err)
				}
			}
		}
		if failed > 0 {
			t.Fatalf("%s: %d of %d connections failed", op.name, failed, len(conns))
		}
	}
	rss, hwm := procMemory(t, pid)
	t.Logf("doorman's resident set: %.1f MiB before, %.1f MiB with %d connections (%.1f KiB each), at most %.1f MiB",
		inMiB(before), inMiB(rss), keptConns, float64(rss-before)/1024/keptConns, inMiB(hwm))
	if limit := before + keptConns*keptRSSPerConn; rss > limit {
		t.Errorf("doorman's resident set grew from %.1f MiB to %.1f MiB with %d connections, past %.1f MiB",
			inMiB(before), inMiB(rss), keptConns, inMiB(limit))
	}

	// The 1,001st connection: connected (the kernel completes the handshake) but not accepted.
	extra := dialKept(t, s.Addr, 1)[0]
	preflight := rawRequest(t, &target, corsOps()[0])
	if _, err := extra.Write(preflight); err != nil {
		t.Fatal(err)
	}
	const wait = 500 * time.Millisecond
	_ = extra.SetReadDeadline(time.Now().Add(wait))
	if n, err := extra.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past --max-connections, a connection read %d bytes, %v; want no answer for %v", n, err, wait)
	}
	conns[0].Close()
	_ = extra.SetReadDeadline(time.Now().Add(keptConnTimeout))
	res, err := http.ReadResponse(extra.r, nil)
	if err != nil {
		t.Fatalf("past --max-connections, once a connection closed: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil {
		err = corsOps()[0].check(res, body)
	}
	if err != nil {
		t.Fatalf("past --max-connections, once a connection closed: %v", err)
	}
}
