package sigv4

import (
	"bytes"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// param is one query parameter; its fields are offsets into scratch.arena, holding the
// decoded name and value and their AWS URI encodings.
type param struct {
	name, value, encName, encValue span
}

type span struct{ start, end int }

// scratch is the per-request working memory, pooled so that verification does not allocate
// in the common case.
type scratch struct {
	arena  []byte
	params []param
	canon  []byte
	sts    []byte
	mac    []byte
	key    [64]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (s *scratch) bytes(sp span) []byte { return s.arena[sp.start:sp.end] }

// queryParams yields the raw name and value of each parameter of a query string: the parts
// between '&', split at their first '='; empty parts are skipped.
func queryParams(raw string) iter.Seq2[string, string] {
	return func(yield func(name, value string) bool) {
		for part := range strings.SplitSeq(raw, "&") {
			if part == "" {
				continue
			}
			name, value, _ := strings.Cut(part, "=")
			if !yield(name, value) {
				return
			}
		}
	}
}

// appendDecoded appends v decoded the way S3 decodes a query component: '+' is a space, %XX
// is the byte it names, and a malformed escape is kept literally.
func appendDecoded(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]):
			c = unhex(v[i+1])<<4 | unhex(v[i+2])
			i += 2
		}
		dst = append(dst, c)
	}
	return dst
}

// ParseQuery decodes a raw query string exactly as Verify reads it: every parameter, names
// and values decoded the way S3 decodes them, none dropped. A server that routes on this view
// acts on the very parameters a signature covers, whatever their spelling (%61cl is acl).
func ParseQuery(raw string) url.Values {
	if raw == "" {
		return nil // reads as empty; most requests have no query, and this costs them no map
	}
	q := url.Values{}
	var buf []byte
	for name, value := range queryParams(raw) {
		buf = appendDecoded(buf[:0], name)
		n := string(buf)
		buf = appendDecoded(buf[:0], value)
		q[n] = append(q[n], string(buf))
	}
	return q
}

// parseQuery splits a raw query string into parameters, decoded as ParseQuery decodes them
// and re-encoded per SigV4.
func (s *scratch) parseQuery(raw string) {
	s.arena, s.params = s.arena[:0], s.params[:0]
	for name, value := range queryParams(raw) {
		var p param
		p.name = s.decode(name)
		p.value = s.decode(value)
		p.encName = s.encode(p.name)
		p.encValue = s.encode(p.value)
		s.params = append(s.params, p)
	}
}

func (s *scratch) decode(v string) span {
	start := len(s.arena)
	s.arena = appendDecoded(s.arena, v)
	return span{start, len(s.arena)}
}

func (s *scratch) encode(sp span) span {
	start := len(s.arena)
	for i := sp.start; i < sp.end; i++ {
		s.arena = appendEscaped(s.arena, s.arena[i])
	}
	return span{start, len(s.arena)}
}

// appendEscaped appends c URI-encoded per SigV4: everything but A-Z a-z 0-9 - _ . ~ becomes
// %XX in upper-case hex.
func appendEscaped(dst []byte, c byte) []byte {
	if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
		return append(dst, c)
	}
	const hexUpper = "0123456789ABCDEF"
	return append(dst, '%', hexUpper[c>>4], hexUpper[c&15])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// lookup returns the decoded value of the first parameter whose name equals name in any
// letter case.
func (s *scratch) lookup(name string) (string, bool) {
	for _, p := range s.params {
		if strings.EqualFold(string(s.bytes(p.name)), name) {
			return string(s.bytes(p.value)), true
		}
	}
	return "", false
}

// canonicalRequest builds the SigV4 canonical request into s.canon. When presigned, the
// X-Amz-Signature parameter is left out.
func (s *scratch) canonicalRequest(r *http.Request, signedHeaders, payload string, presigned bool) []byte {
	b := append(s.canon[:0], r.Method...)
	b = append(b, '\n')
	b = append(b, RequestPath(r)...)
	b = append(b, '\n')

	slices.SortFunc(s.params, func(x, y param) int {
		if c := bytes.Compare(s.bytes(x.encName), s.bytes(y.encName)); c != 0 {
			return c
		}
		return bytes.Compare(s.bytes(x.encValue), s.bytes(y.encValue))
	})
	first := true
	for _, p := range s.params {
		if presigned && strings.EqualFold(string(s.bytes(p.name)), "X-Amz-Signature") {
			continue
		}
		if !first {
			b = append(b, '&')
		}
		first = false
		b = append(b, s.bytes(p.encName)...)
		b = append(b, '=')
		b = append(b, s.bytes(p.encValue)...)
	}
	b = append(b, '\n')

	for name := range strings.SplitSeq(signedHeaders, ";") {
		b = append(b, name...)
		b = append(b, ':')
		b = s.appendHeaderValue(b, r, name)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, signedHeaders...)
	b = append(b, '\n')
	b = append(b, payload...)
	s.canon = b
	return b
}

// RequestPath is the path exactly as the client sent it, still escaped: S3 signs it as is,
// without the second encoding other AWS services apply.
func RequestPath(r *http.Request) string {
	p := r.RequestURI
	if !strings.HasPrefix(p, "/") {
		p = r.URL.EscapedPath()
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "/"
	}
	return p
}

// appendHeaderValue appends the canonical value of the header name (lower case): the values
// trimmed, runs of spaces collapsed, several values joined by commas.
func (s *scratch) appendHeaderValue(b []byte, r *http.Request, name string) []byte {
	var values []string
	switch name {
	case "host":
		h := r.Host
		if h == "" {
			h = r.URL.Host
		}
		return appendTrimmed(b, h)
	case "content-length":
		if _, ok := r.Header["Content-Length"]; !ok && r.ContentLength >= 0 {
			return strconv.AppendInt(b, r.ContentLength, 10)
		}
	case "transfer-encoding":
		if _, ok := r.Header["Transfer-Encoding"]; !ok {
			values = r.TransferEncoding
		}
	}
	if values == nil {
		values = s.headerValues(r.Header, name)
	}
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTrimmed(b, v)
	}
	return b
}

// headerValues looks a lower-case name up in h without allocating: the canonical form of the
// key is built in a fixed buffer, and only an unusual key falls back to a scan.
func (s *scratch) headerValues(h http.Header, name string) []string {
	if len(name) <= len(s.key) {
		k := s.key[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(k)]; ok {
			return v
		}
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendTrimmed appends v without leading and trailing white space and with each run of
// spaces reduced to one.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			space = true
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return b
}
