// Package upstreamhttp carries a server's requests to the HTTP servers behind it (the
// gateway's upstreams, the S3 cluster of a scale-out node). A request to a plain-HTTP
// upstream is written and its answer read on the caller's own goroutine, over a pool of
// kept-alive connections owned by the Transport: net/http's Transport hands every exchange to
// two goroutines of the connection's (one writes, one reads) and back, which on a proxied GET
// of 4 KiB cost a fifth of the gateway's CPU time (BENCHMARKS.md, "The gateway over
// loopback"). The standard library still does the protocol: Request.Write writes the request
// (its body as it comes, chunked when its length is unknown) and http.ReadResponse reads the
// answer, chunked bodies and all. No module does only this: the HTTP clients that avoid the
// two goroutines (fasthttp's) bring a request and response type of their own, which neither
// httputil.ReverseProxy nor a SigV4 signer takes.
//
// Requests that net/http's Transport (Config.Std) handles better go through it: an Upgrade
// hands the connection over, Expect: 100-continue waits for the upstream's go-ahead before
// the body, an https upstream needs TLS (and may speak HTTP/2), and a proxy from Std.Proxy is
// Std's to use.
//
// The direct path keeps the Transport's contract (see the gateway's idleConn): an answer that
// does not come within Config.Timeout fails with a timeout and the request is never sent
// again; a request is sent again, once, on a new connection only when a kept-alive connection
// turns out to have been closed by the upstream before it answered a byte (as net/http does
// for a replayable request without a body); a request that is not replayable, or has a body,
// is only ever written on a connection that was seen open just before (alive), and never
// sent twice. An upstream that answers before it has read the whole body (a 401, a 413) and
// closes the connection has its answer passed on, as the Transport passes it.
package upstreamhttp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config is a Transport's: its fallback, its dialer and its bounds.
type Config struct {
	// Std carries the requests the direct path does not (see the package doc).
	Std *http.Transport
	// Dialer makes the direct path's connections.
	Dialer *net.Dialer
	// Timeout bounds the wait for an answer's head, and each write of a request and each
	// read of an answer's body.
	Timeout time.Duration
	// IdleFor bounds how long a connection waits in the pool.
	IdleFor time.Duration
	// MaxIdle bounds the pooled connections, MaxIdlePerHost those to one host:port.
	MaxIdle, MaxIdlePerHost int
	// MaxHeadBytes bounds an answer's head.
	MaxHeadBytes int
}

// Transport is an http.RoundTripper with the direct path for plain-HTTP upstreams.
type Transport struct {
	cfg Config
	// errHead is the answer whose head is larger than cfg.MaxHeadBytes.
	errHead error

	mu      sync.Mutex
	idle    map[string][]*conn // by host:port, the most recently used last
	nidle   int
	retired bool        // CloseIdleConnections was called: no connection is pooled any more
	sweep   *time.Timer // closes connections idle too long; nil when none waits
}

// max1xx bounds the informational answers (103 Early Hints...) before the final one,
// as net/http's Transport bounds them.
const max1xx = 5

// New returns a Transport of cfg.
func New(cfg Config) *Transport {
	return &Transport{cfg: cfg, errHead: fmt.Errorf("upstream response headers larger than %d bytes", cfg.MaxHeadBytes)}
}

// direct reports whether req takes the direct path.
func (t *Transport) direct(req *http.Request) bool {
	if req.URL.Scheme != "http" || req.Header.Get("Upgrade") != "" || req.Header.Get("Expect") != "" {
		return false
	}
	if t.cfg.Std.Proxy == nil {
		return true
	}
	proxy, err := t.cfg.Std.Proxy(req)
	return err == nil && proxy == nil
}

// hasBody reports whether req carries a body.
func hasBody(req *http.Request) bool { return req.Body != nil && req.Body != http.NoBody }

// replayable reports whether req may be sent twice, as net/http's Transport decides.
func replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}

// RoundTrip sends req and returns its answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.direct(req) {
		return t.cfg.Std.RoundTrip(req)
	}
	ctx := req.Context()
	// A request whose caller has already gone is not sent, as net/http's Transport does not
	// send it: the watch on the context (exchange) would cut it off only once begun.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for retry := false; ; retry = true {
		c, reused, err := t.conn(ctx, req)
		if err != nil {
			return nil, err
		}
		res, err := c.exchange(req)
		if err == nil {
			return res, nil
		}
		c.conn.Close()
		if !retry && reused && !hasBody(req) && ctx.Err() == nil && c.closedUnanswered(req, err) {
			continue
		}
		return nil, err
	}
}

// CloseIdleConnections closes the pooled connections and pools none from now on: the
// transport belongs to a configuration that a reload replaced, or to a server closed.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	t.retired = true
	idle := t.idle
	t.idle, t.nidle = nil, 0
	if t.sweep != nil {
		t.sweep.Stop()
		t.sweep = nil
	}
	t.mu.Unlock()
	for _, cs := range idle {
		for _, c := range cs {
			c.conn.Close()
		}
	}
	t.cfg.Std.CloseIdleConnections()
}

// conn returns a connection to req's upstream: the most recently pooled one that is still
// usable, else a new one.
func (t *Transport) conn(ctx context.Context, req *http.Request) (c *conn, reused bool, err error) {
	host := req.URL.Host
	check := !replayable(req) || hasBody(req)
	for {
		t.mu.Lock()
		cs := t.idle[host]
		if len(cs) == 0 {
			t.mu.Unlock()
			break
		}
		c = cs[len(cs)-1]
		cs[len(cs)-1] = nil
		t.idle[host] = cs[:len(cs)-1]
		t.nidle--
		t.mu.Unlock()
		// A request that must not be sent twice goes on a connection seen open now.
		if time.Since(c.idleSince) < t.cfg.IdleFor && (!check || alive(c.conn)) {
			return c, true, nil
		}
		c.conn.Close()
	}
	nc, err := t.cfg.Dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, false, err
	}
	c = &conn{conn: nc, host: host, t: t}
	c.br = bufio.NewReaderSize(connReader{c}, 4<<10)
	c.bw = bufio.NewWriterSize(connWriter{c}, 4<<10)
	return c, false, nil
}

// put pools c for the next request, or closes it.
func (t *Transport) put(c *conn) {
	c.idleSince = time.Now()
	t.mu.Lock()
	if t.retired || t.nidle >= t.cfg.MaxIdle || len(t.idle[c.host]) >= t.cfg.MaxIdlePerHost {
		t.mu.Unlock()
		c.conn.Close()
		return
	}
	if t.idle == nil {
		t.idle = make(map[string][]*conn)
	}
	t.idle[c.host] = append(t.idle[c.host], c)
	t.nidle++
	if t.sweep == nil {
		t.sweep = time.AfterFunc(t.cfg.IdleFor, t.closeExpired)
	}
	t.mu.Unlock()
}

// closeExpired closes the connections idle for idleFor or longer, and comes back while any
// waits.
func (t *Transport) closeExpired() {
	var expired []*conn
	t.mu.Lock()
	now := time.Now()
	for host, cs := range t.idle {
		n := 0
		for n < len(cs) && now.Sub(cs[n].idleSince) >= t.cfg.IdleFor {
			n++ // the oldest first
		}
		expired = append(expired, cs[:n]...)
		if n == len(cs) {
			delete(t.idle, host)
		} else {
			t.idle[host] = append(cs[:0], cs[n:]...)
		}
		t.nidle -= n
	}
	t.sweep = nil
	if t.nidle > 0 && !t.retired {
		t.sweep = time.AfterFunc(t.cfg.IdleFor, t.closeExpired)
	}
	t.mu.Unlock()
	for _, c := range expired {
		c.conn.Close()
	}
}

// conn is a connection of the direct path, with what one exchange on it did.
type conn struct {
	conn      net.Conn
	host      string
	t         *Transport // whose bounds the exchanges keep, and whose pool c returns to
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
	// sent and got count the bytes the exchange wrote and read; headLeft is what the
	// answer's head may still take (-1 while its body is read); writeErr is the
	// connection's failed write, if one did.
	sent, got int
	headLeft  int
	writeErr  error
}

// connReader reads the connection, within what the answer's head may take.
type connReader struct{ c *conn }

func (r connReader) Read(p []byte) (int, error) {
	c := r.c
	if c.headLeft >= 0 {
		if c.headLeft == 0 {
			return 0, c.t.errHead
		}
		p = p[:min(len(p), c.headLeft)]
	}
	n, err := c.conn.Read(p)
	c.got += n
	if c.headLeft >= 0 {
		c.headLeft -= n
	}
	return n, err
}

// connWriter writes the connection, counting what reached it. Each write must make progress
// within the upstream timeout, however long a body takes to come from the client.
type connWriter struct{ c *conn }

func (w connWriter) Write(p []byte) (int, error) {
	_ = w.c.conn.SetWriteDeadline(time.Now().Add(w.c.t.cfg.Timeout))
	n, err := w.c.conn.Write(p)
	w.c.sent += n
	if err != nil && w.c.writeErr == nil {
		w.c.writeErr = err
	}
	return n, err
}

// earlyAnswerWait bounds the wait for an answer after a write failed because the upstream
// closed the connection: an upstream that answers before reading a whole body sends its
// answer before closing, so the answer is already there or coming.
const earlyAnswerWait = 100 * time.Millisecond

// aLongTimeAgo is a deadline in the past: it fails a connection's reads and writes at once.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req and reads its answer's head; the answer's body reads the rest.
func (c *conn) exchange(req *http.Request) (*http.Response, error) {
	t := c.t
	c.sent, c.got, c.headLeft, c.writeErr = 0, 0, t.cfg.MaxHeadBytes, nil
	// The client going away ends the exchange: its reads and writes fail at once.
	stop := context.AfterFunc(req.Context(), func() { _ = c.conn.SetDeadline(aLongTimeAgo) })
	err := req.Write(c.bw)
	if err == nil {
		err = c.bw.Flush()
	}
	readFor := t.cfg.Timeout
	if err != nil {
		// A client's body that failed, a timeout or a client gone: the exchange is over.
		// A write the upstream refused by closing: its answer may be there.
		if c.writeErr == nil || c.sent == 0 || errors.Is(c.writeErr, os.ErrDeadlineExceeded) || req.Context().Err() != nil {
			stop()
			return nil, err
		}
		readFor = earlyAnswerWait
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(readFor))
	res, rerr := c.readHead(req)
	if rerr != nil {
		stop()
		if err != nil {
			return nil, err
		}
		return nil, rerr
	}
	c.headLeft = -1
	keep := err == nil && !res.Close && !req.Close
	if res.Body == http.NoBody {
		if stop() && keep {
			t.put(c)
		} else {
			c.conn.Close()
		}
		return res, nil
	}
	res.Body = &upstreamBody{rc: res.Body, c: c, stop: stop, keep: keep}
	return res, nil
}

// readHead reads the final answer's head, passing informational ones to the request's
// trace as net/http's Transport does (the proxy forwards them to the client).
func (c *conn) readHead(req *http.Request) (*http.Response, error) {
	for n := 0; ; n++ {
		res, err := http.ReadResponse(c.br, req)
		if err != nil {
			return nil, err
		}
		switch {
		case res.StatusCode == http.StatusSwitchingProtocols:
			return nil, errors.New("upstream switched protocols without an Upgrade request")
		case res.StatusCode >= 200:
			return res, nil
		case n == max1xx:
			return nil, errors.New("upstream sent too many informational responses")
		}
		if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.Got1xxResponse != nil {
			if err := trace.Got1xxResponse(res.StatusCode, textproto.MIMEHeader(res.Header)); err != nil {
				return nil, err
			}
		}
	}
}

// closedUnanswered reports whether err, on a kept-alive connection, is the upstream having
// closed it before reading req: nothing of req was written, or a replayable req got no byte
// of an answer and the connection ended (never a timeout: that upstream got the request).
func (c *conn) closedUnanswered(req *http.Request, err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	if c.sent == 0 {
		return true
	}
	return c.got == 0 && replayable(req) &&
		(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET))
}

// upstreamBody is an answer's body on the direct path. Its connection goes back to the pool
// when the body has been read to its end, and is closed when the body is closed before.
type upstreamBody struct {
	rc    io.ReadCloser
	c     *conn
	stop  func() bool  // ends the watch on the client's context
	keep  bool         // the connection may carry another request
	state atomic.Int32 // bodyOpen, then bodyRead or bodyClosed
}

// The states of an upstreamBody: once it is no longer open, its connection belongs to the
// pool (or is closed), and a read touches it no more.
const (
	bodyOpen int32 = iota
	bodyRead
	bodyClosed
)

func (b *upstreamBody) Read(p []byte) (int, error) {
	switch b.state.Load() {
	case bodyRead:
		return 0, io.EOF
	case bodyClosed:
		return 0, http.ErrBodyReadAfterClose
	}
	_ = b.c.conn.SetReadDeadline(time.Now().Add(b.c.t.cfg.Timeout))
	n, err := b.rc.Read(p)
	if err != nil {
		b.finish(err == io.EOF)
	}
	return n, err
}

func (b *upstreamBody) Close() error {
	b.finish(false)
	return nil
}

// finish ends the body once: the connection is pooled when the body was read whole and
// nothing ended the exchange, closed otherwise.
func (b *upstreamBody) finish(whole bool) {
	to := bodyClosed
	if whole {
		to = bodyRead
	}
	if !b.state.CompareAndSwap(bodyOpen, to) {
		return
	}
	if b.stop() && whole && b.keep {
		b.c.t.put(b.c)
		return
	}
	b.c.conn.Close()
}
