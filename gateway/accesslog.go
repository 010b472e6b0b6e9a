package gateway

import (
	"net/http"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/internal/accesslog"
)

// reopenAccessLog opens the access-log file anew, for log rotation (accesslog.Log.Reopen).
func (g *Gateway) reopenAccessLog() error {
	if g.access == nil {
		return nil
	}
	return g.access.Reopen()
}

func (g *Gateway) closeAccessLog() error {
	if g.access == nil {
		return nil
	}
	return g.access.Close()
}

// finish writes the access-log line and the metrics of a request: one JSON line, in the
// S3 server's style, with the route, the statuses, and the CORS decision with why a refused
// one was refused. The query string is not logged: it may carry secrets.
func (x *exchange) finish() {
	if x.status == 0 {
		// The proxy wrote nothing through the exchange: an upgrade the connection was
		// hijacked for, or a handler that panicked (logged by the server).
		x.status = http.StatusOK
		if x.r.Header.Get("Upgrade") != "" {
			x.status = http.StatusSwitchingProtocols
		}
	}
	end := time.Now()
	if x.pending {
		// A head with no body: the server writes it after the handler returns. Only a head
		// written through the exchange sets a deadline: a connection hijacked for an
		// upgrade is no longer the server's.
		x.progress(end)
	}
	d := end.Sub(x.start)
	x.observe(d)
	a := x.g.access
	if a == nil {
		return
	}
	line := a.NewLine(end, "request")
	x.addFields(line, d)
	a.Write(line.End()) // false once the gateway has closed: the line is dropped
	line.Release()
}

// addFields adds the request's attributes to its access-log line, in this order.
func (x *exchange) addFields(l *accesslog.Line, d time.Duration) {
	l.String("route", x.route.def.name)
	l.String("method", x.r.Method)
	l.String("host", x.r.Host)
	l.String("path", x.r.URL.Path)
	l.Int("status", int64(x.status))
	if !x.gatewayMade && x.status != statusClientClosed {
		l.Int("upstream_status", int64(x.status))
	}
	l.Int("bytes", x.bytes)
	l.Duration("duration", d)
	l.String("remote", x.r.RemoteAddr)
	if x.tenant != "" {
		l.String("tenant", x.tenant)
	}
	if x.upstreamErr != "" {
		l.String("error", x.upstreamErr)
		if x.errDetail != "" {
			l.String("error_detail", x.errDetail)
		}
	}
	if x.answered {
		l.True("preflight_answered")
	}
	if x.route.cache != nil {
		// The cache's X-Cache ("Hit from doorman"), as CloudFront's x-edge-result-type.
		if v := x.w.Header()["X-Cache"]; len(v) > 0 {
			l.String("cache", v[0])
		}
	}
	if x.evaluated && x.d.Kind != fetch.NotCORS {
		l.String("cors", x.d.Kind.String())
		l.String("cors_outcome", outcome(x).String())
		if !x.d.Allowed {
			l.String("cors_reason", x.d.Reason.String())
			if x.d.Detail != "" {
				l.String("cors_detail", x.d.Detail)
			}
		}
	}
}
