package gateway

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// exchange is one request's state. It is the http.ResponseWriter the proxy writes to, so
// that every response, the upstream's and the gateway's own, passes through WriteHeader,
// where CORS headers are decorated: by construction, no status escapes it.
type exchange struct {
	g      *Gateway
	t      *table
	w      http.ResponseWriter
	r      *http.Request
	start  time.Time
	route  *routeRT
	tenant string
	body   *bodyReader // nil without a body
	dl     deadliner

	d         fetch.Decision
	evaluated bool // a policy was evaluated (enforce on or shadow)
	apply     bool // and its decision is applied (enforce on)

	status      int  // the status sent (or statusClientClosed)
	pending     bool // a head was sent and no write deadline set since
	gatewayMade bool // the gateway answered, not the upstream
	answered    bool // a preflight answered at the gateway
	bytes       int64
	upstreamErr string
	errDetail   string
}

var exchanges = sync.Pool{New: func() any { return new(exchange) }}

func (x *exchange) reset(g *Gateway, t *table, w http.ResponseWriter, r *http.Request) {
	*x = exchange{g: g, t: t, w: w, r: r, start: time.Now()}
	if dl, ok := w.(deadliner); ok {
		x.dl = dl // the server's own writer: no allocation
	} else {
		x.dl = http.NewResponseController(w)
	}
}

// deadliner sets the client connection's deadlines, as the server's ResponseWriter and
// http.ResponseController do.
type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

func (x *exchange) release() {
	x.body.end()
	*x = exchange{}
	exchanges.Put(x)
}

func (x *exchange) Header() http.Header { return x.w.Header() }

// Unwrap lets http.ResponseController reach the connection (hijacking for upgrades).
func (x *exchange) Unwrap() http.ResponseWriter { return x.w }

// WriteHeader decorates the response, then sends its head. Informational answers (1xx but
// 101) pass untouched: the final answer follows them.
func (x *exchange) WriteHeader(code int) {
	if x.status != 0 {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		x.w.WriteHeader(code)
		return
	}
	x.status = code
	if x.apply {
		x.decorate(x.w.Header(), code)
	}
	// The server buffers the head: it reaches the connection with the first Write or Flush,
	// or after the handler returns when no body follows. The deadline is set there (settle),
	// once per response that is written at once.
	x.pending = true
	x.w.WriteHeader(code)
}

func (x *exchange) Write(p []byte) (int, error) {
	if x.status == 0 {
		x.WriteHeader(http.StatusOK)
	}
	x.progress(time.Now())
	n, err := x.w.Write(p)
	x.bytes += int64(n)
	return n, err
}

// Flush sends what is buffered, as streaming upstreams (server-sent events) need.
func (x *exchange) Flush() {
	if x.status == 0 {
		x.WriteHeader(http.StatusOK)
	}
	if x.pending {
		x.progress(time.Now())
	}
	if f, ok := x.w.(http.Flusher); ok {
		f.Flush()
	}
}

// progress gives the client another idle period, from now, to accept the next part of the
// response.
func (x *exchange) progress(now time.Time) {
	x.pending = false
	_ = x.dl.SetWriteDeadline(now.Add(x.t.cfg.Limits.IdleTimeout))
}

// decorate applies the route's upstream_headers mode and writes the decision: the one place
// where the gateway puts CORS headers into a response.
func (x *exchange) decorate(h http.Header, code int) {
	c := x.route.cors
	switch {
	case x.gatewayMade:
		// The gateway's own answer: nothing came from the upstream, whatever the mode.
		x.d.WriteHeaders(h)
		if !x.answered {
			// apigw-rest: the DEFAULT_4XX / DEFAULT_5XX gateway responses' headers.
			for _, e := range c.policy.ErrorHeaders(code) {
				h.Set(e.Name, e.Value)
			}
		}
	case c.upstream == upstreamOverride:
		dropCORS(h)
		x.d.WriteHeaders(h)
	case c.upstream == upstreamWins:
		upstreamFirst(h, &x.d)
	}
}

// isCORSHeader reports whether a header name is one of the Access-Control-* response
// headers, in any case.
func isCORSHeader(name string) bool {
	const prefix = "access-control-"
	return len(name) > len(prefix) && strings.EqualFold(name[:len(prefix)], prefix)
}

// dropCORS removes every Access-Control-* header (override mode: API Gateway HTTP APIs
// ignore "CORS headers returned from your backend integration",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html).
func dropCORS(h http.Header) {
	for k := range h {
		if isCORSHeader(k) {
			delete(h, k)
		}
	}
}

// maxKept bounds the upstream Access-Control-* headers upstream-wins keeps aside: there are
// nine such response headers; more names are not CORS headers a browser reads.
const maxKept = 16

// upstreamFirst writes the decision where the upstream set no such header (CloudFront's
// OriginOverride: false): the upstream's Access-Control-* headers are kept as they are, but
// Allow-Origin and Allow-Credentials are single-valued, and a second line of them (which a
// browser refuses) is dropped, so no duplicate leaves the gateway. Vary is merged.
func upstreamFirst(h http.Header, d *fetch.Decision) {
	var kept [maxKept]struct {
		name string
		v    []string
	}
	n := 0
	for k, v := range h {
		if !isCORSHeader(k) {
			continue
		}
		ck := http.CanonicalHeaderKey(k)
		if (ck == "Access-Control-Allow-Origin" || ck == "Access-Control-Allow-Credentials") && len(v) > 1 {
			v = v[:1]
		}
		if n < maxKept {
			kept[n].name, kept[n].v = ck, v
			n++
		}
		delete(h, k)
	}
	d.WriteHeaders(h)
	for _, k := range kept[:n] {
		h[k.name] = k.v
	}
}

// zeroLength is the Content-Length of an answered preflight, shared: header values are
// never modified in place.
var zeroLength = []string{"0"}

// answerPreflight answers a preflight at the gateway: it never reaches the upstream, so
// upstream authentication never sees it.
func (x *exchange) answerPreflight() {
	x.gatewayMade, x.answered = true, true
	h := x.w.Header()
	if x.route.cors.policy.Semantics() == fetch.APIGatewayREST {
		// The console's mock OPTIONS method answers application/json with an empty body
		// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-test-cors.html).
		h.Set("Content-Type", "application/json")
	}
	h["Content-Length"] = zeroLength
	if m := x.route.metrics; m != nil {
		m.PreflightAnswered()
	}
	x.WriteHeader(x.d.Status)
}

// gatewayMessages are the JSON bodies of the gateway's own answers. {"message":"Not Found"}
// is API Gateway's (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html);
// the others take the HTTP reason phrase in the same shape [UNVERIFIED: API Gateway's own
// wording for 413, 431, 502 and 504 is not recorded].
var gatewayMessages = map[int]string{
	http.StatusBadRequest:                  `{"message":"Bad Request"}`,
	http.StatusNotFound:                    `{"message":"Not Found"}`,
	http.StatusRequestEntityTooLarge:       `{"message":"Request Entity Too Large"}`,
	http.StatusRequestHeaderFieldsTooLarge: `{"message":"Request Header Fields Too Large"}`,
	http.StatusBadGateway:                  `{"message":"Bad Gateway"}`,
	http.StatusGatewayTimeout:              `{"message":"Gateway Timeout"}`,
}

// fail answers with the gateway's own status and JSON message, decorated like any answer.
// why is logged ("" for a missing route).
func (x *exchange) fail(status int, why string) {
	x.gatewayMade = true
	if x.upstreamErr == "" {
		x.upstreamErr = why
	}
	body := gatewayMessages[status]
	h := x.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	x.WriteHeader(status)
	if x.r.Method != http.MethodHead {
		_, _ = io.WriteString(x, body)
	}
}

// bodyReader is a client's request body as the proxy reads it: bounded by max_body, and
// required to make progress within idle_timeout per read. It is its own allocation, apart
// from the pooled exchange: the transport may read or close a body after the handler has
// returned (net/http's RoundTripper contract), and must then find only this request's state.
type bodyReader struct {
	rc   io.ReadCloser
	dl   deadliner
	idle time.Duration

	mu   sync.Mutex
	done bool  // the handler returned: the connection's deadlines are no longer the body's
	err  error // the first error other than io.EOF
}

// errBodyDone is what a read after the exchange ended gets.
var errBodyDone = errors.New("gateway: request body read after the exchange ended")

func (b *bodyReader) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return 0, errBodyDone
	}
	_ = b.dl.SetReadDeadline(time.Now().Add(b.idle))
	b.mu.Unlock()
	n, err := b.rc.Read(p)
	if err == nil {
		return n, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.done:
	case err == io.EOF:
		// The server reads the connection in the background after the body; no deadline
		// of the body may end it while the response streams.
		_ = b.dl.SetReadDeadline(time.Time{})
	case b.err == nil:
		// The deadline stays: the server discards what is left of a body before it
		// answers, and a stalled client must not hold that up.
		b.err = err
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.rc.Close() }

// failed returns the body's first error, nil if none.
func (b *bodyReader) failed() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// end marks the exchange over: a late read touches the connection no more.
func (b *bodyReader) end() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.done = true
	b.mu.Unlock()
}
