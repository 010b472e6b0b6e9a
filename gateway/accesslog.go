package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// openAccessLog sets where the access log goes: "stderr", "off", or a file appended to.
func (g *Gateway) openAccessLog(dest string, stderr io.Writer) error {
	var w io.Writer
	switch dest {
	case "off":
		return nil
	case "stderr", "":
		w = stderr
		if w == nil {
			w = os.Stderr
		}
	default:
		f, err := os.OpenFile(dest, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return err
		}
		g.accessFile, w = f, f
	}
	g.access = slog.New(slog.NewJSONHandler(w, nil))
	return nil
}

func (g *Gateway) closeAccessLog() error {
	if g.accessFile == nil {
		return nil
	}
	err := g.accessFile.Close()
	g.accessFile = nil
	return err
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
	d := time.Since(x.start)
	g := x.g
	g.metrics.observe(x, d)
	if g.access == nil {
		return
	}
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.String("route", x.route.def.name),
		slog.String("method", x.r.Method),
		slog.String("host", x.r.Host),
		slog.String("path", x.r.URL.Path),
		slog.Int("status", x.status))
	if !x.gatewayMade && x.status != statusClientClosed {
		attrs = append(attrs, slog.Int("upstream_status", x.status))
	}
	attrs = append(attrs,
		slog.Int64("bytes", x.bytes),
		slog.Duration("duration", d),
		slog.String("remote", x.r.RemoteAddr))
	if x.tenant != "" {
		attrs = append(attrs, slog.String("tenant", x.tenant))
	}
	if x.upstreamErr != "" {
		attrs = append(attrs, slog.String("error", x.upstreamErr))
		if x.errDetail != "" {
			attrs = append(attrs, slog.String("error_detail", x.errDetail))
		}
	}
	if x.answered {
		attrs = append(attrs, slog.Bool("preflight_answered", true))
	}
	if x.evaluated && x.d.Kind != fetch.NotCORS {
		attrs = append(attrs, slog.String("cors", x.d.Kind.String()), slog.String("cors_outcome", outcome(x)))
		if !x.d.Allowed {
			attrs = append(attrs, slog.String("cors_reason", x.d.Reason.String()))
			if x.d.Detail != "" {
				attrs = append(attrs, slog.String("cors_detail", x.d.Detail))
			}
		}
	}
	g.access.LogAttrs(x.r.Context(), slog.LevelInfo, "request", attrs...)
}
