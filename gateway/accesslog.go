package gateway

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// Bounds of the access log.
const (
	// accessBufferSize is what an access-log file buffers before a write: with one write
	// system call per line, the log was a tenth of a cache hit's CPU time. 64 KiB and a flush
	// every second are nginx's access_log buffer=64k flush=1s
	// (https://nginx.org/en/docs/http/ngx_http_log_module.html#access_log).
	accessBufferSize = 64 << 10
	// accessFlushInterval bounds how long a line waits in the buffer: whoever tails the file
	// sees a request at most this late.
	accessFlushInterval = time.Second
	// maxPooledLine bounds the line buffers kept for reuse: a line that grew past it (a long
	// path or error) is left to the garbage collector rather than held by the pool.
	maxPooledLine = 4 << 10
)

// accessLog is where the access log goes: stderr, written a line at a time, or a file,
// written through a buffer flushed every accessFlushInterval, when full, on Reload (which
// reopens it, so that a rotated file is let go of) and on Close.
type accessLog struct {
	mu     sync.Mutex
	w      io.Writer
	file   *os.File // nil for stderr
	path   string
	buf    []byte      // the lines not yet written (files only)
	timer  *time.Timer // flushes buf; armed while buf holds lines
	closed bool
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
		g.access.Store(&accessLog{w: stderr})
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
	a := &accessLog{w: f, file: f, path: path, buf: make([]byte, 0, accessBufferSize)}
	a.timer = time.AfterFunc(accessFlushInterval, a.flushTimer)
	a.timer.Stop()
	return a, nil
}

// write writes one line, or returns false when the log was closed (reopened or the
// gateway closed) since the caller loaded it.
func (a *accessLog) write(line []byte) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	if a.file == nil {
		_, _ = a.w.Write(line) // as a log handler does, a failed write is not the request's
		return true
	}
	if len(a.buf)+len(line) > cap(a.buf) {
		a.flushLocked()
		if len(line) > cap(a.buf) {
			_, _ = a.w.Write(line)
			return true
		}
	}
	if len(a.buf) == 0 {
		a.timer.Reset(accessFlushInterval)
	}
	a.buf = append(a.buf, line...)
	return true
}

func (a *accessLog) flushLocked() {
	if len(a.buf) > 0 {
		_, _ = a.w.Write(a.buf)
		a.buf = a.buf[:0]
	}
}

func (a *accessLog) flushTimer() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flushLocked() // after close, buf is empty
}

// close writes what is buffered and closes the file; later writes return false.
func (a *accessLog) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.file == nil {
		a.closed = true
		return nil
	}
	a.closed = true
	a.timer.Stop()
	a.flushLocked()
	return a.file.Close()
}

// logLine writes a line to the access log in use. A line written while the log is
// reopened goes to the new file: no line is lost to a rotation.
func (g *Gateway) logLine(line []byte) {
	for {
		a := g.access.Load()
		if a == nil || a.write(line) {
			return
		}
	}
}

// reopenAccessLog opens the access-log file anew, as logrotate expects of a signalled
// server: lines go to the file now at the path, and the rotated one is flushed and closed.
func (g *Gateway) reopenAccessLog() error {
	old := g.access.Load()
	if old == nil || old.file == nil {
		return nil
	}
	a, err := openAccessFile(old.path)
	if err != nil {
		old.mu.Lock()
		old.flushLocked() // what was logged is on disk when Reload returns, whatever happens
		old.mu.Unlock()
		return err
	}
	g.access.Store(a)
	return old.close()
}

func (g *Gateway) closeAccessLog() error {
	a := g.access.Swap(nil)
	if a == nil {
		return nil
	}
	return a.close()
}

// lineBuffers are the buffers access-log lines are formatted in.
var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

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
	g := x.g
	if g.access.Load() == nil {
		return
	}
	bp := lineBuffers.Get().(*[]byte)
	line := x.appendLine((*bp)[:0], end, d)
	g.logLine(line)
	if cap(line) <= maxPooledLine {
		*bp = line[:0]
		lineBuffers.Put(bp)
	}
}

// appendLine appends the request's access-log line to b: the JSON object log/slog's
// JSONHandler wrote for it (time, level and msg first, then the attributes in this order,
// strings escaped alike, the duration in nanoseconds), formatted without reflection.
func (x *exchange) appendLine(b []byte, end time.Time, d time.Duration) []byte {
	b = append(b, `{"time":"`...)
	b = end.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"request"`...)
	b = appendField(b, "route", x.route.def.name)
	b = appendField(b, "method", x.r.Method)
	b = appendField(b, "host", x.r.Host)
	b = appendField(b, "path", x.r.URL.Path)
	b = appendInt(b, "status", int64(x.status))
	if !x.gatewayMade && x.status != statusClientClosed {
		b = appendInt(b, "upstream_status", int64(x.status))
	}
	b = appendInt(b, "bytes", x.bytes)
	b = appendInt(b, "duration", int64(d))
	b = appendField(b, "remote", x.r.RemoteAddr)
	if x.tenant != "" {
		b = appendField(b, "tenant", x.tenant)
	}
	if x.upstreamErr != "" {
		b = appendField(b, "error", x.upstreamErr)
		if x.errDetail != "" {
			b = appendField(b, "error_detail", x.errDetail)
		}
	}
	if x.answered {
		b = append(b, `,"preflight_answered":true`...)
	}
	if x.route.cache != nil {
		// The cache's X-Cache ("Hit from doorman"), as CloudFront's x-edge-result-type.
		if v := x.w.Header()["X-Cache"]; len(v) > 0 {
			b = appendField(b, "cache", v[0])
		}
	}
	if x.evaluated && x.d.Kind != fetch.NotCORS {
		b = appendField(b, "cors", x.d.Kind.String())
		b = appendField(b, "cors_outcome", outcome(x).String())
		if !x.d.Allowed {
			b = appendField(b, "cors_reason", x.d.Reason.String())
			if x.d.Detail != "" {
				b = appendField(b, "cors_detail", x.d.Detail)
			}
		}
	}
	return append(b, "}\n"...)
}

// appendField appends ,"key":"value"; keys are the fixed names above, never escaped.
func appendField(b []byte, key, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

func appendInt(b []byte, key string, v int64) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, v, 10)
}

// appendJSONString appends s as a JSON string, escaped as log/slog's JSONHandler escapes
// it: '"' and '\\' and the control characters (\n, \r, \t by name, the others as \u00XX),
// U+2028 and U+2029 (which JavaScript takes for line ends), and each byte of invalid UTF-8
// replaced by \ufffd; '<', '>' and '&' as they are.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
