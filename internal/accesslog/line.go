// Package accesslog writes doorman's access logs: one line per request, for the S3 server and
// the gateway alike.
//
// A line is byte for byte what log/slog's JSONHandler or TextHandler writes for an INFO
// record with the same attributes (doorman's access lines were written by them, and log
// pipelines parse them), but it is encoded here, by hand, into a pooled buffer. Under load
// the standard handlers were a tenth of a preflight's CPU time: slog.Logger asks the runtime
// for the caller's program counter, copies the attributes into a record, and the handler
// formats each value through an interface. A Line appends the few kinds the access logs use
// (strings, integers, durations, a flag) straight into bytes, with the handlers' escaping and
// quoting rules; the tests compare every line with what the handlers write for it.
//
// [Log] is where lines go: a stream (stderr), written a line at a time, or a file written
// through a buffer, as nginx's access_log ... buffer= does.
package accesslog

import (
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Format is the encoding of a line: the one of log/slog's JSONHandler or TextHandler.
type Format uint8

const (
	JSON Format = iota
	Text
)

// maxPooledLine bounds the line buffers kept for reuse: a line that grew past it (a long
// path or error) is left to the garbage collector rather than held by the pool.
const maxPooledLine = 4 << 10

var linePool = sync.Pool{New: func() any { return &Line{b: make([]byte, 0, 512)} }}

// Line is one access-log line being written. Its fields come in the order they are added.
type Line struct {
	b      []byte
	format Format
}

// NewLine starts a line of format f for an INFO record made at t with message msg: the
// time, level and msg fields the slog handlers write first.
func NewLine(f Format, t time.Time, msg string) *Line {
	l := linePool.Get().(*Line)
	l.format = f
	b := l.b[:0]
	if f == JSON {
		b = append(b, `{"time":"`...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"INFO","msg":`...)
		b = appendJSONString(b, msg)
	} else {
		b = append(b, "time="...)
		b = appendRFC3339Millis(b, t)
		b = append(b, " level=INFO msg="...)
		b = appendText(b, msg)
	}
	l.b = b
	return l
}

// key appends the separator and key of the next field; keys are fixed names, never escaped.
func (l *Line) key(k string) {
	if l.format == JSON {
		l.b = append(l.b, ',', '"')
		l.b = append(l.b, k...)
		l.b = append(l.b, '"', ':')
		return
	}
	l.b = append(l.b, ' ')
	l.b = append(l.b, k...)
	l.b = append(l.b, '=')
}

// String adds a string field, as slog.String.
func (l *Line) String(k, v string) {
	l.key(k)
	if l.format == JSON {
		l.b = appendJSONString(l.b, v)
	} else {
		l.b = appendText(l.b, v)
	}
}

// Int adds an integer field, as slog.Int64.
func (l *Line) Int(k string, v int64) {
	l.key(k)
	l.b = strconv.AppendInt(l.b, v, 10)
}

// Duration adds a duration field, as slog.Duration: nanoseconds in JSON, as
// time.Duration.String in text.
func (l *Line) Duration(k string, d time.Duration) {
	if l.format == JSON {
		l.Int(k, int64(d))
		return
	}
	l.key(k)
	l.b = append(l.b, d.String()...)
}

// True adds a boolean field that is true, as slog.Bool(k, true).
func (l *Line) True(k string) {
	l.key(k)
	l.b = append(l.b, "true"...)
}

// End ends the line and returns it, with its newline; the bytes are the line's until Release.
func (l *Line) End() []byte {
	if l.format == JSON {
		l.b = append(l.b, '}')
	}
	l.b = append(l.b, '\n')
	return l.b
}

// Release gives the line's buffer back for reuse: neither the line nor what End returned may
// be used after it.
func (l *Line) Release() {
	if cap(l.b) <= maxPooledLine {
		l.b = l.b[:0]
		linePool.Put(l)
	}
}

// appendRFC3339Millis appends t as the TextHandler writes a record's time: RFC 3339 with
// exactly three digits of fraction, truncated (not rounded) to the millisecond.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	// RFC3339Nano trims trailing zeros: a tenth of a millisecond added keeps four digits,
	// the fourth of which is then dropped.
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...)
}

// appendJSONString appends s as a JSON string, escaped as the JSONHandler escapes it: '"'
// and '\\' and the control characters (\n, \r, \t by name, the others as \u00XX), U+2028
// and U+2029 (which JavaScript takes for line ends), and each byte of invalid UTF-8 replaced
// by \ufffd; '<', '>' and '&' as they are.
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

// appendText appends s as the TextHandler writes a string: as it is, or quoted by
// strconv.Quote when it is empty or holds a space, '=', '"', a control character, or a rune
// that is invalid, a space or not printable.
func appendText(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == ' ' || c == '=' || c == '"' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
