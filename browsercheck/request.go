package browsercheck

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Browser is the browser whose decision is wanted.
type Browser uint8

// The browsers modelled.
const (
	Chromium Browser = iota
	Firefox
	WebKit
)

var browserNames = [...]string{"chromium", "firefox", "webkit"}

func (b Browser) String() string { return browserNames[b] }

// ParseBrowser reads a browser's name as String prints it, or "safari" for WebKit, its engine.
func ParseBrowser(s string) (Browser, error) {
	if strings.EqualFold(s, "safari") {
		return WebKit, nil
	}
	for i, n := range browserNames {
		if strings.EqualFold(s, n) {
			return Browser(i), nil
		}
	}
	return 0, fmt.Errorf("unknown browser %q (want chromium, firefox, webkit or safari)", s)
}

// Credentials is the request's credentials mode, as fetch's credentials option sets it.
type Credentials uint8

// The credentials modes. For a cross-origin request SameOrigin sends no credentials and is
// checked like Omit; only Include makes the checks strict.
const (
	SameOrigin Credentials = iota // fetch's default
	Include
	Omit
)

var credentialsNames = [...]string{"same-origin", "include", "omit"}

func (c Credentials) String() string { return credentialsNames[c] }

// Header is one request header as a script sets it.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Request is a cross-origin request as a script makes it.
type Request struct {
	URL         string      // the absolute http or https URL fetched
	Origin      string      // the page's serialized origin
	Method      string      // as passed to fetch; empty means GET
	Headers     []Header    // the headers the script sets
	Credentials Credentials // fetch's credentials option
	// ReadHeaders are the response headers the script wants to read.
	ReadHeaders []string
	Browser     Browser
}

// Plan is what the browser makes of a Request before sending anything.
type Plan struct {
	// Method is the normalised method.
	Method string `json:"method"`
	// Headers are the request's headers, values normalised (HTTP whitespace trimmed).
	Headers []Header `json:"headers"`
	// Preflight reports whether a CORS preflight is sent first; Reasons says why.
	Preflight bool     `json:"preflight"`
	Reasons   []string `json:"reasons,omitempty"`
	// UnsafeNames are the CORS-unsafe request-header names, lower-cased, in the order the
	// browser meets them (Chromium reports the first one not allowed).
	UnsafeNames []string `json:"unsafeHeaderNames,omitempty"`
	// RequestMethod and RequestHeaders are the preflight's Access-Control-Request-Method and
	// Access-Control-Request-Headers ("" when the header is not sent).
	RequestMethod  string `json:"accessControlRequestMethod,omitempty"`
	RequestHeaders string `json:"accessControlRequestHeaders,omitempty"`
}

// UsageError lists what a script could not do: a browser throws (forbidden method, malformed
// name or value) or silently drops (forbidden request-header) such a request or header.
type UsageError struct{ Problems []string }

func (e *UsageError) Error() string { return strings.Join(e.Problems, "; ") }

// Classify works out the request a browser sends and whether it needs a preflight.
func Classify(r *Request) (*Plan, error) {
	var problems []string
	if err := crossOrigin(r.URL, r.Origin); err != nil {
		problems = append(problems, err.Error())
	}
	method := r.Method
	if method == "" {
		method = "GET"
	}
	switch {
	case !isToken(method):
		problems = append(problems, fmt.Sprintf("method %q is not a valid method token", method))
	case isForbiddenMethod(method):
		problems = append(problems, fmt.Sprintf("method %s is forbidden: fetch throws a TypeError", method))
	}
	method = normalizeMethod(method)
	p := &Plan{Method: method}
	for _, h := range r.Headers {
		v := trimHTTPWhitespace(h.Value)
		switch {
		case !isToken(h.Name):
			problems = append(problems, fmt.Sprintf("header name %q is not a valid token", h.Name))
			continue
		case strings.ContainsAny(v, "\x00\r\n"):
			problems = append(problems, fmt.Sprintf("header %s: the value holds NUL, CR or LF", h.Name))
			continue
		case isForbiddenRequestHeader(h.Name, v):
			problems = append(problems, fmt.Sprintf("header %s is a forbidden request-header: a browser drops it, a script cannot set it", h.Name))
			continue
		}
		p.Headers = append(p.Headers, Header{Name: h.Name, Value: v})
	}
	for _, n := range r.ReadHeaders {
		if !isToken(n) {
			problems = append(problems, fmt.Sprintf("response header name %q is not a valid token", n))
		}
	}
	if len(problems) > 0 {
		return nil, &UsageError{Problems: problems}
	}

	// CORS-preflight fetch, and "CORS-unsafe request-header names".
	if !isSafelistedMethod(method) {
		p.Reasons = append(p.Reasons, fmt.Sprintf("method %s is not a CORS-safelisted method (GET, HEAD, POST)", method))
	}
	var potentially []string
	total := 0
	for _, h := range classified(p.Headers, r.Browser) {
		name := strings.ToLower(h.Name)
		if why := unsafeValue(name, h.Value); why != "" {
			p.UnsafeNames = append(p.UnsafeNames, name)
			p.Reasons = append(p.Reasons, fmt.Sprintf("header %s %s", name, why))
			continue
		}
		potentially = append(potentially, name)
		total += len(h.Value)
	}
	if total > maxSafelistedTotal {
		p.UnsafeNames = append(p.UnsafeNames, potentially...)
		p.Reasons = append(p.Reasons, fmt.Sprintf("the safelisted headers' values total %d bytes, over 1024: %s count as unsafe too",
			total, strings.Join(potentially, ", ")))
	}
	if p.Preflight = len(p.Reasons) > 0; p.Preflight {
		p.RequestMethod = method
		p.RequestHeaders = requestHeadersValue(p.UnsafeNames)
	}
	return p, nil
}

// classified returns the headers as browser b classifies them. Fetch keeps every header the
// script sets as an entry of its own, and so does Firefox; Chromium's network stack has
// combined same-name headers into one value, joined with ", ", before it classifies them.
// The two differ for a repeated safelisted header: two 100-byte Accept values are safelisted
// for Fetch, one 202-byte value is not.
func classified(hs []Header, b Browser) []Header {
	if b != Chromium {
		return hs
	}
	var out []Header
	for _, h := range hs {
		if i := slices.IndexFunc(out, func(o Header) bool { return strings.EqualFold(o.Name, h.Name) }); i >= 0 {
			out[i].Value += ", " + h.Value
			continue
		}
		out = append(out, h)
	}
	return out
}

// requestHeadersValue is Access-Control-Request-Headers: the names as a sorted lower-case set
// joined by "," without spaces (CORS-preflight fetch step 5; deliberately not "combine").
func requestHeadersValue(names []string) string {
	set := slices.Clone(names)
	slices.Sort(set)
	return strings.Join(slices.Compact(set), ",")
}

// SerializeOrigin returns the ASCII serialization of u's origin: lower-case scheme and host,
// the port only when it is not the scheme's default.
func SerializeOrigin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	return scheme + "://" + host
}

// crossOrigin checks the URL and the origin, and that they differ: CORS concerns only
// cross-origin requests.
func crossOrigin(rawURL, origin string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("URL %q is not an absolute http or https URL", rawURL)
	}
	if u.User != nil {
		return errors.New("the URL holds credentials: fetch throws a TypeError for such a URL")
	}
	if origin == "null" {
		return nil
	}
	o, err := url.Parse(origin)
	if err != nil || o.Scheme == "" || o.Host == "" {
		return fmt.Errorf("origin %q is not a serialized origin such as https://app.example.com (or null)", origin)
	}
	if s := SerializeOrigin(o); s != origin {
		return fmt.Errorf("origin %q is not serialized as a browser sends it: %s", origin, s)
	}
	if SerializeOrigin(u) == origin {
		return fmt.Errorf("the URL is same-origin with %s: CORS does not apply", origin)
	}
	return nil
}

// normalizeMethod upper-cases the six methods "normalize a method" names; any other method
// keeps its case, and is then compared case-sensitively.
func normalizeMethod(m string) string {
	for _, n := range [...]string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"} {
		if strings.EqualFold(m, n) {
			return n
		}
	}
	return m
}

func isForbiddenMethod(m string) bool {
	for _, n := range [...]string{"CONNECT", "TRACE", "TRACK"} {
		if strings.EqualFold(m, n) {
			return true
		}
	}
	return false
}

func isSafelistedMethod(m string) bool { return m == "GET" || m == "HEAD" || m == "POST" }

var forbiddenHeaderNames = []string{
	"accept-charset", "accept-encoding", "access-control-request-headers",
	"access-control-request-method", "connection", "content-length", "cookie", "cookie2", "date",
	"dnt", "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
	"transfer-encoding", "upgrade", "via",
}

// isForbiddenRequestHeader is Fetch's "forbidden request-header", including the method
// override headers whose value names a forbidden method.
func isForbiddenRequestHeader(name, value string) bool {
	n := strings.ToLower(name)
	if slices.Contains(forbiddenHeaderNames, n) || strings.HasPrefix(n, "proxy-") || strings.HasPrefix(n, "sec-") {
		return true
	}
	if n == "x-http-method" || n == "x-http-method-override" || n == "x-method-override" {
		for m := range strings.SplitSeq(value, ",") {
			if isForbiddenMethod(trimHTTPWhitespace(m)) {
				return true
			}
		}
	}
	return false
}

// Limits of the CORS-safelisted request-header rules.
const (
	maxSafelistedValue = 128
	maxSafelistedTotal = 1024
)

// unsafeValue says why the header is not a CORS-safelisted request-header, or returns ""
// when it is one. name is lower case.
func unsafeValue(name, value string) string {
	switch name {
	case "accept", "accept-language", "content-language", "content-type", "range":
	default:
		return "is not a CORS-safelisted request-header name"
	}
	if len(value) > maxSafelistedValue {
		return fmt.Sprintf("has a value of %d bytes, over 128", len(value))
	}
	switch name {
	case "accept":
		if i := unsafeByteIndex(value); i >= 0 {
			return fmt.Sprintf("has the CORS-unsafe byte 0x%02X in its value", value[i])
		}
	case "accept-language", "content-language":
		for i := 0; i < len(value); i++ {
			if !isLanguageByte(value[i]) {
				return fmt.Sprintf("has the byte 0x%02X, outside 0-9 A-Z a-z space *,-.;=", value[i])
			}
		}
	case "content-type":
		if i := unsafeByteIndex(value); i >= 0 {
			return fmt.Sprintf("has the CORS-unsafe byte 0x%02X in its value", value[i])
		}
		essence, ok := mimeEssence(value)
		if !ok {
			return fmt.Sprintf("value %q is not a MIME type", value)
		}
		if essence != "application/x-www-form-urlencoded" && essence != "multipart/form-data" && essence != "text/plain" {
			return fmt.Sprintf("value %q is not application/x-www-form-urlencoded, multipart/form-data or text/plain", value)
		}
	case "range":
		if !isSimpleRange(value) {
			return fmt.Sprintf("value %q is not a single bytes=N- or bytes=N-M range", value)
		}
	}
	return ""
}

// unsafeByteIndex returns the index of the first CORS-unsafe request-header byte, or -1.
func unsafeByteIndex(v string) int {
	for i := 0; i < len(v); i++ {
		b := v[i]
		if (b < 0x20 && b != '\t') || b == 0x7F || strings.IndexByte(`"():<>?@[\]{}`, b) >= 0 {
			return i
		}
	}
	return -1
}

func isLanguageByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || strings.IndexByte(" *,-.;=", b) >= 0
}

// mimeEssence parses a MIME type as far as its essence (type "/" subtype, lower-cased):
// parameters never make the parse fail, so they need no reading.
func mimeEssence(v string) (string, bool) {
	v = trimHTTPWhitespace(v)
	typ, rest, ok := strings.Cut(v, "/")
	if !ok || typ == "" || !isToken(typ) {
		return "", false
	}
	sub, _, _ := strings.Cut(rest, ";")
	sub = strings.TrimRight(sub, " \t\r\n")
	if sub == "" || !isToken(sub) {
		return "", false
	}
	return strings.ToLower(typ + "/" + sub), true
}

// isSimpleRange is "parse a single range header value" without whitespace, requiring a start.
func isSimpleRange(v string) bool {
	rest, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return false
	}
	start, end, ok := strings.Cut(rest, "-")
	if !ok || start == "" || !allDigits(start) || (end != "" && !allDigits(end)) {
		return false
	}
	return end == "" || compareDecimal(start, end) <= 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareDecimal compares two digit strings as numbers of any size.
func compareDecimal(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func trimHTTPWhitespace(s string) string { return strings.Trim(s, " \t\r\n") }

// isToken reports whether s is an HTTP token (RFC 9110 tchar+).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0) {
			return false
		}
	}
	return true
}

// parseMaxAge reads Access-Control-Max-Age as browser b does: ok is false when the value is
// not a number (the default then applies). Chromium accepts a sign and treats a negative
// value as 0; the others take digits only.
func parseMaxAge(v string, b Browser) (int64, bool) {
	digits := v
	if b == Chromium {
		digits = strings.TrimPrefix(v, "-")
	}
	if digits == "" || !allDigits(digits) {
		return 0, false
	}
	if digits != v {
		return 0, true
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 1<<63 - 1, true
	}
	return n, true
}
