package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// accessLog is where the access log goes: a logger, and the file it writes to when it is
// one (reopened by Reload, so that a rotated file is let go of).
type accessLog struct {
	log  *slog.Logger
	file *os.File
	path string
}

// openAccessLog sets where the access log goes: "stderr", "off", or a file appended to.
func (g *Gateway) openAccessLog(dest string, stderr io.Writer) error {
	switch dest {
	case "off":
		return nil
	case "stderr", "":
		if stderr == nil {
			stderr = os.Stderr
		}
		g.access.Store(&accessLog{log: slog.New(slog.NewJSONHandler(stderr, nil))})
		return nil
	}
	a, err := openAccessFile(dest)
	if err != nil {
		return err
	}
	g.access.Store(a)
	return nil
}

func openAccessFile(path string) (*accessLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, err
	}
	return &accessLog{log: slog.New(slog.NewJSONHandler(f, nil)), file: f, path: path}, nil
}

// reopenAccessLog opens the access-log file anew, as logrotate expects of a signalled
// server: lines go to the file now at the path, and the rotated one is closed.
func (g *Gateway) reopenAccessLog() error {
	old := g.access.Load()
	if old == nil || old.file == nil {
		return nil
	}
	a, err := openAccessFile(old.path)
	if err != nil {
		return err
	}
	g.access.Store(a)
	return old.file.Close()
}

func (g *Gateway) closeAccessLog() error {
	a := g.access.Swap(nil)
	if a == nil || a.file == nil {
		return nil
	}
	return a.file.Close()
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
	a := g.access.Load()
	if a == nil {
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
	if x.route.cache != nil {
		// The cache's X-Cache ("Hit from doorman"), as CloudFront's x-edge-result-type.
		if v := x.w.Header()["X-Cache"]; len(v) > 0 {
			attrs = append(attrs, slog.String("cache", v[0]))
		}
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
	a.log.LogAttrs(x.r.Context(), slog.LevelInfo, "request", attrs...)
}
