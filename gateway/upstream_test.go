package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// connUpstream is an upstream that records the connections it serves, by client address,
// and tells when one of them is closed.
type connUpstream struct {
	*httptest.Server
	mu       sync.Mutex
	conns    map[string]bool // client address → still open
	requests map[string]int  // method and path → how many came
	closed   chan string     // the address of each connection closed
}

func newConnUpstream(t *testing.T, idle time.Duration, h http.HandlerFunc) *connUpstream {
	u := &connUpstream{conns: map[string]bool{}, requests: map[string]int{}, closed: make(chan string, 64)}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests[r.Method+" "+r.URL.Path]++
		u.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	u.Config.IdleTimeout = idle
	u.Config.ConnState = func(c net.Conn, s http.ConnState) {
		u.mu.Lock()
		defer u.mu.Unlock()
		switch s {
		case http.StateNew:
			u.conns[c.RemoteAddr().String()] = true
		case http.StateClosed, http.StateHijacked:
			u.conns[c.RemoteAddr().String()] = false
			u.closed <- c.RemoteAddr().String()
		}
	}
	u.Start()
	t.Cleanup(u.Close)
	return u
}

func (u *connUpstream) opened() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.conns)
}

func (u *connUpstream) count(methodPath string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.requests[methodPath]
}

// waitClosed waits for one connection to the upstream to be closed, by either side.
func (u *connUpstream) waitClosed(t *testing.T, why string) {
	t.Helper()
	select {
	case <-u.closed:
	case <-time.After(10 * time.Second):
		t.Fatalf("no upstream connection was closed within 10 s: %s", why)
	}
}

// Requests without a body go over one kept-alive upstream connection, one after the other.
func TestUpstreamConnectionKeptAlive(t *testing.T) {
	up := newConnUpstream(t, time.Minute, nil)
	f := startFront(t, "version: 1\nhosts:\n  - match: api.test\n    upstream: {{UP}}\n", map[string]string{"UP": up.URL})
	for _, m := range []string{"GET", "HEAD", "DELETE", "GET", "OPTIONS", "POST", "GET"} {
		if res, _ := f.do(t, m, "api.test", "/x", nil, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", m, res.StatusCode)
		}
	}
	if n := up.opened(); n != 1 {
		t.Errorf("the upstream saw %d connections for 7 requests in a row, want 1", n)
	}
}

// An upstream that closes kept-alive connections it finds idle (Node's server does after
// 5 s) costs no request: a GET finds the connection closed and goes again on a new one, a
// bodiless POST, which must never be sent twice, is only written on a connection seen open.
// Each reaches the upstream once.
func TestUpstreamClosedIdleConnection(t *testing.T) {
	up := newConnUpstream(t, 50*time.Millisecond, nil)
	f := startFront(t, "version: 1\nhosts:\n  - match: api.test\n    upstream: {{UP}}\n", map[string]string{"UP": up.URL})
	for i, m := range []string{"GET", "GET", "POST", "DELETE", "HEAD"} {
		path := "/" + strings.ToLower(m) + strconv.Itoa(i)
		if res, body := f.do(t, m, "api.test", path, nil, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s (the upstream closed the pooled connection): status %d %s", m, path, res.StatusCode, body)
		}
		if n := up.count(m + " " + path); n != 1 {
			t.Errorf("%s %s reached the upstream %d times, want once", m, path, n)
		}
		up.waitClosed(t, "the upstream closes an idle connection after 50 ms")
	}
	if n := up.opened(); n != 5 {
		t.Errorf("the upstream saw %d connections, want 5 (each closed while idle)", n)
	}
}

// A kept-alive connection left unused for half the upstream timeout is closed by the gateway.
func TestUpstreamIdleConnectionsExpire(t *testing.T) {
	up := newConnUpstream(t, time.Minute, nil)
	f := startFront(t, "version: 1\nlimits: { upstream_timeout: 400ms }\nhosts:\n  - match: api.test\n    upstream: {{UP}}\n",
		map[string]string{"UP": up.URL})
	start := time.Now()
	if res, _ := f.do(t, "GET", "api.test", "/x", nil, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	up.waitClosed(t, "the gateway closes connections idle for 200 ms")
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("the idle connection was closed after %v, before 200 ms", took)
	}
}

// A client that goes away ends the upstream exchange at once, not at the upstream timeout.
func TestUpstreamExchangeEndsWithClient(t *testing.T) {
	gone := make(chan time.Time, 1)
	up := newConnUpstream(t, time.Minute, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			gone <- time.Now()
		case <-time.After(time.Minute):
		}
	})
	f := startFront(t, "version: 1\nhosts:\n  - match: api.test\n    upstream: {{UP}}\n", map[string]string{"UP": up.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.proxy.URL+"/hold", nil)
	req.Host = "api.test"
	if _, err := f.proxy.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the client's request ended with %v, want its own deadline", err)
	}
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream still held the request 10 s after its client left (upstream timeout 30 s)")
	}
}

// Informational answers (103 Early Hints) reach the client before the final one.
func TestUpstreamEarlyHints(t *testing.T) {
	up := newConnUpstream(t, time.Minute, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Link", "</app.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		_, _ = w.Write([]byte("ok"))
	})
	f := startFront(t, "version: 1\nhosts:\n  - match: api.test\n    upstream: {{UP}}\n", map[string]string{"UP": up.URL})
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		hints = append(hints, http.StatusText(code)+": "+h.Get("Link"))
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", f.proxy.URL+"/", nil)
	req.Host = "api.test"
	res, err := f.proxy.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(hints) != 1 || hints[0] != "Early Hints: </app.css>; rel=preload; as=style" {
		t.Errorf("status %d after %q, want 200 after one 103 with its Link", res.StatusCode, hints)
	}
}

// An answer whose head is larger than the gateway takes is a 502 of the gateway's own.
func TestUpstreamHeadTooLarge(t *testing.T) {
	up := newConnUpstream(t, time.Minute, func(w http.ResponseWriter, _ *http.Request) {
		for i := range 40 {
			w.Header().Set("X-Big-"+string(rune('a'+i%26))+string(rune('a'+i/26)), strings.Repeat("x", 8<<10))
		}
	})
	f := startFront(t, "version: 1\nhosts:\n  - match: api.test\n    upstream: {{UP}}\n", map[string]string{"UP": up.URL})
	res, body := f.do(t, "GET", "api.test", "/", nil, nil)
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(body, "Bad Gateway") {
		t.Errorf("an upstream head of 320 KiB: status %d %q, want the gateway's 502", res.StatusCode, body)
	}
}

// An upstream that refuses a request before reading its body, as an authentication layer
// does, and closes the connection has its answer passed on: the gateway's writes of the rest
// of the body fail, and the answer is read all the same. A POST with 16 MiB and a PUT with a
// body of unknown length (chunked) each get the upstream's 401, each a request it saw once.
func TestUpstreamAnswersBeforeTheBody(t *testing.T) {
	up := newConnUpstream(t, time.Minute, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("sign in first"))
	})
	f := startFront(t, "version: 1\nlimits: { max_body: 64MiB }\nhosts:\n  - match: api.test\n    upstream: {{UP}}\n",
		map[string]string{"UP": up.URL})
	for _, c := range []struct {
		method string
		body   io.Reader
	}{
		{"POST", bytes.NewReader(make([]byte, 16<<20))},
		{"PUT", io.MultiReader(bytes.NewReader(make([]byte, 16<<20)))},
	} {
		res, body := f.do(t, c.method, "api.test", "/upload-"+c.method, nil, c.body)
		if res.StatusCode != http.StatusUnauthorized || body != "sign in first" {
			t.Errorf("%s of 16 MiB: %d %q, want the upstream's 401 \"sign in first\"", c.method, res.StatusCode, body)
		}
		if n := up.count(c.method + " /upload-" + c.method); n != 1 {
			t.Errorf("%s reached the upstream %d times, want once", c.method, n)
		}
	}
}

// A request with a body goes over a kept-alive connection too, and is never sent twice: a
// connection the upstream closed while pooled is seen closed before the body is written,
// whatever the method.
func TestUpstreamBodiesKeptAlive(t *testing.T) {
	up := newConnUpstream(t, 50*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write([]byte(strconv.Itoa(len(b))))
	})
	f := startFront(t, "version: 1\nhosts:\n  - match: api.test\n    upstream: {{UP}}\n", map[string]string{"UP": up.URL})
	for i, size := range []int{10, 100 << 10, 3 << 20} {
		res, body := f.do(t, "POST", "api.test", "/p"+strconv.Itoa(i), nil, strings.NewReader(strings.Repeat("j", size)))
		if res.StatusCode != http.StatusOK || body != strconv.Itoa(size) {
			t.Fatalf("POST of %d bytes: %d %q, want 200 and the size", size, res.StatusCode, body)
		}
	}
	if n := up.opened(); n != 1 {
		t.Errorf("3 POSTs in a row opened %d upstream connections, want 1", n)
	}
	up.waitClosed(t, "the upstream closes an idle connection after 50 ms")
	// A GET with a body (a search, as Elasticsearch's API takes it): replayable by its
	// method, but its body is read from the client once.
	if res, body := f.do(t, "GET", "api.test", "/_search", nil, strings.NewReader(`{"query":{}}`)); res.StatusCode != http.StatusOK || body != "12" {
		t.Fatalf("GET with a body after the upstream closed the pooled connection: %d %q", res.StatusCode, body)
	}
	if n := up.count("GET /_search"); n != 1 {
		t.Errorf("the GET with a body reached the upstream %d times, want once", n)
	}
}
