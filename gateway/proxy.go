package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/edge"
	"github.com/doorman-s3/doorman/gateway/tenant"
	"github.com/doorman-s3/doorman/internal/accesslog"
	"github.com/doorman-s3/doorman/internal/errlist"
	"github.com/doorman-s3/doorman/internal/upstreamhttp"
)

// Bounds of the upstream side that the configuration does not set.
const (
	// upstreamDialTimeout bounds connecting to an upstream: a refused or unroutable upstream
	// is answered 502 within it.
	upstreamDialTimeout = 10 * time.Second
	// maxUpstreamHeaderBytes bounds an upstream response's header section, as the gateway's
	// clients are bounded by max_header_bytes.
	maxUpstreamHeaderBytes = 256 << 10
	// maxIdleUpstreamConns bounds the kept-alive connections to each upstream.
	maxIdleUpstreamConns = 256
	// maxIdleUpstreamTime bounds how long a kept-alive upstream connection waits unused.
	maxIdleUpstreamTime = 90 * time.Second
	// copyBufferSize is the buffer the proxy copies bodies through.
	copyBufferSize = 32 << 10
)

// Options are what the embedding program provides.
type Options struct {
	Logger  *slog.Logger // operational log: reloads, configuration errors; nil discards
	Stderr  io.Writer    // where access_log: stderr writes; nil is os.Stderr
	Metrics Metrics      // receives what the gateway and its cache count; nil counts nothing
}

// Gateway is the reverse proxy. It serves requests with the routing table of the last valid
// configuration, swapped atomically on Reload, and is safe for concurrent use.
type Gateway struct {
	file    string
	log     *slog.Logger
	access  *accesslog.Log // nil: access log off
	metrics Metrics        // nil: nothing is counted
	table   atomic.Pointer[table]
	reload  sync.Mutex
	server  Limits // the limits the listener was made with; reloads apply the rest
	edge    *edge.Cache
	edgeLim EdgeLimits // the edge block it was made with
}

// table is one configuration made runnable: a route's proxy and CORS at the same index as
// in cfg.routes.
type table struct {
	cfg       *Config
	routes    []*routeRT
	transport *upstreamhttp.Transport
	tenants   []*tenant.Set
}

type routeRT struct {
	def     *routeDef
	proxy   *httputil.ReverseProxy // nil: no upstream, answered 404
	cors    *corsRT                // nil: no policy
	cache   *edge.Behavior         // nil: no cache
	metrics RouteMetrics           // nil: nothing is counted
}

// corsRT is an effective CORS block made runnable.
type corsRT struct {
	policy   *fetch.Policy
	tenants  *tenant.Set // non-nil when the origins come from a file per tenant
	enforce  enforceMode
	upstream upstreamMode
	// forward: preflights go to the upstream (preflight mode passthrough, or CloudFront,
	// which answers no preflight itself).
	forward bool
	// denyAll answers the requests of a tenant without usable origins: the policy with no
	// origin at all.
	denyAll *fetch.Policy
	// rest answers an imported REST API's preflights per resource; nil when one answer fits
	// every path.
	rest *restPaths
}

// New starts a gateway for cfg: it opens the access log and the tenant files, and builds
// the routing table. Close releases them.
func New(cfg *Config, opts Options) (*Gateway, error) {
	g := &Gateway{file: cfg.File, log: opts.Logger, metrics: opts.Metrics, server: cfg.Limits}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	ec, err := edge.New(edge.Options{MaxBytes: cfg.Edge.MaxBytes, MaxEntryBytes: cfg.Edge.MaxEntryBytes, Metrics: opts.Metrics})
	if err != nil {
		return nil, err
	}
	g.edge, g.edgeLim = ec, cfg.Edge
	stderr := opts.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	if g.access, err = accesslog.Open(cfg.AccessLog, stderr, accesslog.JSON); err != nil {
		ec.Close()
		return nil, err
	}
	t, err := g.build(cfg)
	if err != nil {
		g.closeAccessLog()
		ec.Close()
		return nil, err
	}
	g.table.Store(t)
	return g, nil
}

// serverHeaderFactor is how many times limits.max_header_bytes the server itself reads
// before refusing a request. The gateway enforces the limit in its handler, where the 431
// carries CORS headers (net/http's own 431 carries none, and a page would see a CORS error
// instead of the status); the server's larger bound, twice the limit (plus the 4 KiB
// net/http adds), still caps what a client can make it hold.
const serverHeaderFactor = 2

// Server is the HTTP server for the gateway's listener: header timeout and idle timeout from
// the limits, and a header bound of serverHeaderFactor times max_header_bytes (the handler
// refuses what exceeds max_header_bytes itself, decorated).
func (g *Gateway) Server() *http.Server {
	return &http.Server{
		Handler:           g,
		ReadHeaderTimeout: g.server.HeaderTimeout,
		IdleTimeout:       g.server.IdleTimeout,
		MaxHeaderBytes:    serverHeaderFactor * g.server.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
}

// Config is the configuration being served.
func (g *Gateway) Config() *Config { return g.table.Load().cfg }

// Reload re-reads the configuration file (and so every tenant file), and reopens the
// access-log file for log rotation. An invalid file changes nothing: the errors are logged,
// counted and returned, and the previous table keeps serving, its tenant files read again.
// Listeners, timeouts of the listener and the access log's destination are kept as they
// were at start.
func (g *Gateway) Reload() error {
	g.reload.Lock()
	defer g.reload.Unlock()
	if err := g.reopenAccessLog(); err != nil {
		g.log.Error("reopening the access log", "error", err.Error())
	}
	if g.file == "" {
		return errors.New("the gateway was configured by flags: there is no file to reload")
	}
	cfg, err := LoadFile(g.file)
	var t *table
	if err == nil {
		t, err = g.build(cfg)
	}
	if err != nil {
		if g.metrics != nil {
			g.metrics.Reload(false)
		}
		for _, e := range errlist.Flatten(err) {
			g.log.Error("configuration reload refused; the previous configuration stays", "error", e.Error())
		}
		// The configuration kept still reads every tenant file again, as a reload promises:
		// a broken gateway.yaml must not also hold back a fixed tenant file.
		for _, ts := range g.table.Load().tenants {
			_ = ts.Reload() // each file's errors are logged and counted by the set
		}
		return err
	}
	old := g.table.Swap(t)
	old.close()
	if g.metrics != nil {
		g.metrics.KeepRoutes(routeNames(cfg))
		g.metrics.Reload(true)
	}
	g.log.Info("configuration reloaded", "file", g.file, "routes", len(cfg.routes)-1)
	if cfg.Listen != old.cfg.Listen || cfg.AdminListen != old.cfg.AdminListen || cfg.AccessLog != old.cfg.AccessLog ||
		cfg.Limits.HeaderTimeout != g.server.HeaderTimeout || cfg.Limits.IdleTimeout != g.server.IdleTimeout ||
		cfg.Limits.MaxHeaderBytes != g.server.MaxHeaderBytes || cfg.Edge != g.edgeLim {
		g.log.Warn("listen, admin, access_log, header_timeout, idle_timeout, max_header_bytes and the edge block apply at the next start")
	}
	return nil
}

// Close releases the tenant watchers, the upstream connections and the access-log file.
func (g *Gateway) Close() error {
	g.table.Load().close()
	g.edge.Close()
	return g.closeAccessLog()
}

func (t *table) close() {
	t.transport.CloseIdleConnections()
	for _, ts := range t.tenants {
		_ = ts.Close()
	}
}

// build makes cfg runnable.
func (g *Gateway) build(cfg *Config) (*table, error) {
	t := &table{cfg: cfg, transport: newUpstreamTransport(cfg.Limits)}
	blocks := map[*corsDef]*corsRT{}
	var errs errorList
	for _, def := range cfg.routes {
		rt := &routeRT{def: def}
		if g.metrics != nil {
			rt.metrics = g.metrics.Route(def.name)
		}
		if def.upstream != nil {
			rt.proxy = g.newProxy(t, def)
			if c := def.effCache; c != nil {
				b, err := g.edge.Behavior(edge.BehaviorConfig{Name: def.name, Cache: c.policy, Origin: c.origin,
					CacheOptions: c.options, ResponseHeaders: c.headers})
				if err != nil { // not reached: Load validated the policies
					errs.add(&Error{File: c.at.file, Line: c.at.line, Col: c.at.col, Field: c.field, Message: err.Error()})
					continue
				}
				rt.cache = b
			}
		}
		if c := def.eff; c.active() {
			if blocks[c] == nil {
				cr, err := g.corsRT(t, c)
				if err != nil {
					errs.add(&Error{File: c.at.file, Line: c.at.line, Col: c.at.col, Field: c.field + ".origins_from", Message: err.Error()})
					continue
				}
				blocks[c] = cr
			}
			rt.cors = blocks[c]
		}
		t.routes = append(t.routes, rt)
	}
	if err := errs.err(); err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

func (g *Gateway) corsRT(t *table, c *corsDef) (*corsRT, error) {
	e := c.eff
	cr := &corsRT{policy: c.compiled, enforce: e.enforce, upstream: e.upstream, rest: c.rest,
		forward: e.preflight == preflightPassthrough || !c.compiled.AnswersPreflights()}
	if c.originsFrom != nil {
		deny, err := denyAll(c)
		if err != nil {
			return nil, err
		}
		cr.denyAll = deny
		ts, err := g.openTenants(c)
		if err != nil {
			return nil, err
		}
		t.tenants = append(t.tenants, ts)
		cr.tenants = ts
	}
	return cr, nil
}

// newUpstreamTransport carries a configuration's requests to its upstreams: a plain-HTTP
// one's on the handler's goroutine (package upstreamhttp), the others through newTransport's.
func newUpstreamTransport(l Limits) *upstreamhttp.Transport {
	dialer := &net.Dialer{Timeout: upstreamDialTimeout, KeepAlive: 30 * time.Second}
	idleFor := min(maxIdleUpstreamTime, l.UpstreamTimeout/2)
	return upstreamhttp.New(upstreamhttp.Config{
		Std: newTransport(dialer, l, idleFor), Dialer: dialer, Timeout: l.UpstreamTimeout, IdleFor: idleFor,
		MaxIdle: maxIdleUpstreamConns, MaxIdlePerHost: maxIdleUpstreamConns, MaxHeadBytes: maxUpstreamHeaderBytes,
	})
}

// newTransport is net/http's Transport for the requests upstreamhttp's direct path does not carry
// itself.
func newTransport(dialer *net.Dialer, l Limits, idleFor time.Duration) *http.Transport {
	idle := l.UpstreamTimeout
	return &http.Transport{
		Proxy: nil, // never a proxy from the environment: the upstream is what the file says
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &idleConn{Conn: c, idle: idle, awaiting: true}, nil
		},
		ResponseHeaderTimeout: l.UpstreamTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          maxIdleUpstreamConns,
		MaxIdleConnsPerHost:   maxIdleUpstreamConns,
		// A kept-alive connection is closed before its idle deadline fails its next read.
		IdleConnTimeout:        idleFor,
		MaxResponseHeaderBytes: maxUpstreamHeaderBytes,
		// The proxy forwards bodies as they are: no Accept-Encoding of its own.
		DisableCompression: true,
	}
}

// idleConn is an upstream connection on which every read and write must make progress
// within idle: an upstream that stops sending a body, or stops reading one, is cut off.
//
// A request must never reach the upstream twice. net/http takes a read that fails before
// the first byte of an answer on a kept-alive connection for an upstream that closed it
// while idle, and sends a GET, HEAD or OPTIONS again on a new connection
// (Transport.roundTrip, shouldRetryRequest). A read deadline can fail that read in two
// ways, and a deadline merely later than the transport's timers settles neither, since
// goroutines run in any order on a loaded machine, whatever the margin:
//   - while the request waits for its answer: so from a write (or the dial) until the
//     first byte of the answer, the read has no deadline. The Transport's ResponseHeaderTimeout is the only
//     bound; when it fires the transport closes the connection (as when the client goes
//     away), which ends the read with an error that is never retried: the upstream gets
//     the request once, the client its 504 after upstream_timeout, not twice that.
//   - while the connection waits in the pool, just as a request is given it: the read
//     waiting for the next answer began with the deadline of a body read. Once that
//     deadline has failed a read outside an exchange, the connection takes no request any
//     more: a write fails with nothing written, and the transport sends the request on
//     another connection, once.
//
// Writes keep their own deadline, so a long upload is bounded per write.
type idleConn struct {
	net.Conn
	idle time.Duration
	// mu orders reads' deadlines against writes: they run on the transport's two
	// goroutines, and the next request may be written before the read that waits for its
	// answer starts.
	mu sync.Mutex
	// awaiting: a request was written (or is about to be, on a new connection) and no byte
	// of its answer read yet.
	awaiting bool
	expired  bool // a read outside an exchange timed out: nothing may be written any more
}

// errExpired is the write on a connection whose idle read timed out.
var errExpired = errors.New("upstream connection expired while idle")

func (c *idleConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if !c.awaiting {
			_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
		}
		c.mu.Unlock()
		n, err := c.Conn.Read(p)
		c.mu.Lock()
		switch {
		case n > 0:
			// The answer has begun (a 1xx head included): its reads make progress within
			// idle. No write of the next request can come before these bytes are handled.
			c.awaiting = false
		case errors.Is(err, os.ErrDeadlineExceeded) && c.awaiting:
			// The deadline fired just before a request was written: its answer has none.
			c.mu.Unlock()
			continue
		case errors.Is(err, os.ErrDeadlineExceeded):
			c.expired = true
		}
		c.mu.Unlock()
		return n, err
	}
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.expired {
		c.mu.Unlock()
		return 0, errExpired
	}
	c.awaiting = true
	_ = c.Conn.SetReadDeadline(time.Time{})
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// bufferPool lends the proxy its copy buffers. It holds them as array pointers, which a
// returned slice converts back to without allocating (a *[]byte would be one allocation
// per Put).
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[copyBufferSize]byte); ok {
		return v[:]
	}
	return make([]byte, copyBufferSize)
}

func (b *bufferPool) Put(buf []byte) {
	if len(buf) == copyBufferSize {
		b.p.Put((*[copyBufferSize]byte)(buf))
	}
}

var buffers = &bufferPool{}

func (g *Gateway) newProxy(t *table, def *routeDef) *httputil.ReverseProxy {
	target := def.upstream.url
	preserve := def.host != nil && def.host.preserveHost
	return &httputil.ReverseProxy{
		// Rewrite (not Director): the client's own X-Forwarded-* and Forwarded headers are
		// dropped before these are set, so a client cannot forge its address upstream.
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
			if preserve {
				pr.Out.Host = pr.In.Host
			}
		},
		Transport:    t.transport,
		BufferPool:   buffers,
		ErrorHandler: g.proxyError,
		ErrorLog:     slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
}

// ServeHTTP routes the request, decides CORS, answers preflights at the gateway, and
// proxies the rest; every response on the way out is decorated per the route.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := g.table.Load()
	x := exchanges.Get().(*exchange)
	x.reset(g, t, w, r)
	defer func() {
		if v := recover(); v != nil && x.route != nil {
			// The proxy aborts a response whose body the upstream broke off after its
			// headers (http.ErrAbortHandler): logged and counted, then passed on to the
			// server, which closes the connection.
			x.upstreamFailed("aborted")
			x.finish()
			x.release()
			panic(v)
		} else if v != nil {
			panic(v)
		}
		x.finish()
		x.release()
	}()

	def, tenantName := t.cfg.router.route(r.Host, r.URL.Path)
	if def == nil {
		def = t.cfg.routes[0]
	}
	rt := t.routes[def.index]
	x.route, x.tenant = rt, tenantName
	c := rt.cors
	forward, noResource := false, false
	if c != nil && c.enforce != enforceOff {
		p := c.policy
		forward = c.forward
		if c.tenants != nil {
			if tp, ok := c.tenants.Policy(tenantName); ok {
				p = tp
			} else {
				p = c.denyAll
			}
		}
		if c.rest != nil && r.Method == http.MethodOptions {
			// The resource's own OPTIONS method answers, or its backend does.
			if res, ok := c.rest.lookup(cleanPath(r.URL.Path)); !ok {
				noResource = true // no OPTIONS method: API Gateway's 403 Missing Authentication Token
			} else if res.backend {
				forward = true
			} else {
				p = res.policy
			}
		}
		req := fetch.FromHTTP(r)
		x.d = p.Evaluate(&req)
		x.evaluated = true
		x.apply = c.enforce == enforceOn
	}
	if headerBytes(r) > g.server.MaxHeaderBytes {
		// Refused here rather than by net/http, so that the answer is decorated.
		w.Header().Set("Connection", "close")
		x.fail(http.StatusRequestHeaderFieldsTooLarge, "headers")
		return
	}
	if x.apply && x.d.Kind == fetch.Preflight && noResource {
		x.missingResource()
		return
	}
	if x.apply && x.d.Kind == fetch.Preflight && !forward {
		x.answerPreflight()
		return
	}
	if rt.proxy == nil {
		x.fail(http.StatusNotFound, "")
		return
	}
	max := t.cfg.Limits.MaxBody
	if r.ContentLength > max {
		w.Header().Set("Connection", "close")
		x.fail(http.StatusRequestEntityTooLarge, "body")
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		x.body = &bodyReader{rc: http.MaxBytesReader(w, r.Body, max), dl: x.dl, idle: t.cfg.Limits.IdleTimeout}
		r.Body = x.body
	}
	if rt.cache != nil {
		rt.cache.ServeAt(x, r, rt.proxy, x.start)
		return
	}
	rt.proxy.ServeHTTP(x, r)
}

// headerBytes is the size of a request's head as it came on the wire, as limits.
// max_header_bytes counts it: the request line and every header line (Host's included)
// with their CRLFs, and the blank line. Without allocating.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2 // "GET /x HTTP/1.1\r\n"
	if r.Host != "" {
		n += len("Host: ") + len(r.Host) + 2
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

// proxyError answers what the upstream could not: 413 for a body that grew past the limit,
// 504 for an upstream that did not answer in time, 502 for one that could not be reached or
// broke the exchange. The answer is the gateway's own, decorated like any other.
//
// Under a cache the proxy writes to the cache's writer, not to the exchange: the answer is
// then written there like an origin's error, which the cache stores for the error caching
// TTL (or replaces with the stale object it holds), as CloudFront does with an origin that
// fails; the exchange decorates it on the way out.
func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	x := exchangeOf(w)
	if x == nil { // not reached: the proxy is only ever given an exchange, or a cache's writer over one
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	kind, status := classify(err, x)
	x.upstreamFailed(kind)
	x.errDetail = err.Error()
	if kind == "canceled" {
		x.status = statusClientClosed
		return
	}
	if w != http.ResponseWriter(x) {
		body := gatewayMessages[status]
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
		return
	}
	x.fail(status, kind)
}

// exchangeOf finds the exchange under w (the cache's writers unwrap to it).
func exchangeOf(w http.ResponseWriter) *exchange {
	for range 4 {
		if x, ok := w.(*exchange); ok {
			return x
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// statusClientClosed is logged (never sent) for a client that went away before the answer,
// as nginx logs it.
const statusClientClosed = 499

// classify names an upstream failure (a bounded metric label) and the status it is answered
// with.
func classify(err error, x *exchange) (string, int) {
	var tooBig *http.MaxBytesError
	var op *net.OpError
	var ne net.Error
	switch {
	case errors.As(err, &tooBig) || errors.As(x.body.failed(), &tooBig):
		// The body's own error too: Request.Write hides it in a type errors.As cannot see
		// through.
		return "body_too_large", http.StatusRequestEntityTooLarge
	case x.body.failed() != nil:
		// The client stopped sending its body (or broke the connection) mid-request.
		return "client_body", http.StatusBadRequest
	case x.r.Context().Err() != nil:
		return "canceled", statusClientClosed
	case errors.As(err, &op) && op.Op == "dial":
		return "unreachable", http.StatusBadGateway
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "timeout", http.StatusGatewayTimeout
	}
	return "failed", http.StatusBadGateway
}
