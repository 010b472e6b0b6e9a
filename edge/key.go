package edge

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// keySep separates the parts of a cache key. It is a control character, which neither an
// escaped path, a query string (net/url refuses control characters) nor a header value that
// net/http accepts can hold, so two different requests never make the same key.
const keySep = "\x1f"

// key is the cache key of r under b's cache policy: the scope (the route), OPTIONS for OPTIONS
// requests (cached apart from GET and HEAD, which share entries), the path, then the query
// strings, headers and cookies the policy names, and the normalised Accept-Encoding
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-the-cache-key.html).
// The origin request policy's values are not in it: that is CloudFront's rule, and the cause
// of stale CORS answers when Origin is forwarded but not in the key.
func (b *Behavior) key(r *http.Request) string {
	return string(appendKey(nil, b.scope, &b.cache, b.keyHeaders, r))
}

// Key is the cache key of r under p, with scope first, rendered for people (KeyString): what
// explain shows.
func (p *CachePolicy) Key(scope string, r *http.Request) string {
	return KeyString(string(appendKey(nil, scope, p, canonicalNames(p.Headers.Names), r)))
}

// canonicalNames are the request header names of a policy's (lower-case) names, as
// net/http keys them, made once per behaviour rather than per request.
func canonicalNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = http.CanonicalHeaderKey(n)
	}
	return out
}

// keyBuffers lend the buffers hits build their keys in: a key looked up and found needs
// no string of its own.
var keyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// maxPooledKey bounds the key buffers kept for reuse: a key that grew past it (a long
// path or query) is left to the garbage collector.
const maxPooledKey = 4 << 10

// appendKey appends r's cache key to dst; canon are the canonical forms of p.Headers.Names.
func appendKey(dst []byte, scope string, p *CachePolicy, canon []string, r *http.Request) []byte {
	dst = append(dst, scope...)
	dst = append(dst, keySep...)
	if r.Method == http.MethodOptions {
		dst = append(dst, "OPTIONS"...)
	}
	dst = append(dst, keySep...)
	dst = append(dst, r.URL.EscapedPath()...)
	if p.QueryStrings.Mode != None {
		dst = append(dst, keySep+"?"...)
		dst = appendQuery(dst, r.URL.RawQuery, &p.QueryStrings)
	}
	for i, name := range p.Headers.Names {
		dst = append(dst, keySep+"h:"...)
		dst = append(dst, name...)
		if name == "host" {
			dst = append(dst, '=')
			dst = appendLower(dst, r.Host)
			continue
		}
		if v, ok := r.Header[canon[i]]; ok {
			dst = append(dst, '=')
			for j, line := range v {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, line...)
			}
		}
	}
	if p.Cookies.Mode != None {
		dst = append(dst, keySep+"c:"...)
		dst = appendCookies(dst, r, &p.Cookies)
	}
	if p.Gzip || p.Brotli {
		dst = append(dst, keySep+"ae:"...)
		dst = append(dst, acceptEncoding(p, r)...)
	}
	return dst
}

// appendLower appends s in lower case, as strings.ToLower does for ASCII; other bytes are
// appended as they are, which a Host (letters, digits, '-', '.', ':' and '[]') never has.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(dst, strings.ToLower(s[i:])...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendQuery appends the selected parameters of a raw query, sorted by name (and, for one
// name, in the request's order) so that ?a=1&b=2 and ?b=2&a=1 share an entry.
// [UNVERIFIED] CloudFront does not document whether the order of query strings matters in
// a cache-policy key; sorting gives the better hit ratio and changes no answer of an origin
// that reads parameters by name.
func appendQuery(dst []byte, raw string, v *Values) []byte {
	if raw == "" {
		return dst
	}
	var kept []string
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v.allows(name) {
			kept = append(kept, part)
		}
	}
	slices.SortStableFunc(kept, func(a, b string) int {
		an, _, _ := strings.Cut(a, "=")
		bn, _, _ := strings.Cut(b, "=")
		return strings.Compare(an, bn)
	})
	return appendJoined(dst, kept, "&")
}

// appendJoined appends the parts separated by sep.
func appendJoined(dst []byte, parts []string, sep string) []byte {
	for i, p := range parts {
		if i > 0 {
			dst = append(dst, sep...)
		}
		dst = append(dst, p...)
	}
	return dst
}

// appendCookies appends the selected cookies, sorted by name.
func appendCookies(dst []byte, r *http.Request, v *Values) []byte {
	var kept []string
	for _, c := range r.Cookies() {
		if v.allows(c.Name) {
			kept = append(kept, c.Name+"="+c.Value)
		}
	}
	slices.SortStableFunc(kept, func(a, b string) int {
		an, _, _ := strings.Cut(a, "=")
		bn, _, _ := strings.Cut(b, "=")
		return strings.Compare(an, bn)
	})
	return appendJoined(dst, kept, "; ")
}

// acceptEncoding is the viewer's Accept-Encoding normalised as CloudFront normalises it for
// the key and the origin: "br,gzip" when the viewer takes br and the policy enables Brotli,
// else "gzip" when it takes gzip and the policy enables Gzip, else nothing
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html).
// A coding with q=0 is refused by the viewer and counts as absent.
func acceptEncoding(p *CachePolicy, r *http.Request) string {
	br, gzip := false, false
	for _, line := range r.Header["Accept-Encoding"] {
		for part := range strings.SplitSeq(line, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok && strings.Trim(q, "0.") == "" {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "br":
				br = true
			case "gzip":
				gzip = true
			}
		}
	}
	switch {
	case br && p.Brotli:
		return "br,gzip"
	case gzip && p.Gzip:
		return "gzip"
	}
	return ""
}

// KeyString renders a key for people: its parts separated by " | ".
func KeyString(key string) string { return strings.ReplaceAll(key, keySep, " | ") }

// forwarded makes the request sent to the origin for r: the viewer's headers, cookies and
// query strings that the cache policy (the key) or the origin request policy names, and no
// other; the normalised Accept-Encoding; and, to fill the cache (fill), GET for HEAD, so
// that the stored object has its body. What CloudFront does not forward is dropped here as CloudFront drops it
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#request-custom-headers-behavior),
// so that the origin answers as it would behind CloudFront.
func (b *Behavior) forwarded(r *http.Request, fill bool) *http.Request {
	out := r.Clone(r.Context())
	if fill && r.Method == http.MethodHead {
		out.Method = http.MethodGet
	}
	out.Body, out.ContentLength = http.NoBody, 0
	h := make(http.Header, 8)
	for k, v := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" || lk == "accept-encoding" {
			continue
		}
		if b.forwardsHeader(lk) {
			h[k] = v
		}
	}
	// Only the normalised Accept-Encoding the key holds reaches the origin, never the viewer's
	// own: an origin request policy forwarding all headers would otherwise store one viewer's
	// encoding (gzip, br) under a key shared with viewers that cannot decode it. CloudFront
	// documents the normalised header when Gzip or Brotli is on
	// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ParametersInCacheKeyAndForwardedToOrigin.html);
	// with both off it says the header is handled as any other, which would forward the
	// viewer's value. doorman departs from that on purpose and forwards none. [UNVERIFIED]
	if b.cache.Gzip || b.cache.Brotli {
		if ae := acceptEncoding(&b.cache, r); ae != "" {
			h["Accept-Encoding"] = []string{ae}
		}
	}
	if b.forwardsCookies() {
		var kept []string
		for _, c := range r.Cookies() {
			if b.cache.Cookies.allows(c.Name) || b.origin.Cookies.allows(c.Name) {
				kept = append(kept, c.Name+"="+c.Value)
			}
		}
		if len(kept) > 0 {
			h["Cookie"] = []string{strings.Join(kept, "; ")}
		}
	}
	if _, ok := h["User-Agent"]; !ok {
		// CloudFront sends its own User-Agent unless the viewer's is forwarded.
		h["User-Agent"] = []string{"doorman"}
	}
	out.Header = h
	u := *r.URL
	u.RawQuery = b.forwardedQuery(r.URL.RawQuery)
	out.URL = &u
	out.RequestURI = ""
	return out
}

// forwardsHeader reports whether a viewer header (lower-case name) goes to the origin.
// Authorization goes only when the cache policy keys on it: an origin request policy cannot
// forward it, even AllViewer
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html),
// so that one viewer's authorised answer is never cached for others.
func (b *Behavior) forwardsHeader(name string) bool {
	if name == "authorization" {
		return b.cache.Headers.allows(name)
	}
	return b.cache.Headers.allows(name) || b.origin.Headers.allows(name)
}

// forwardedQuery keeps the parameters either policy names, in the viewer's order.
func (b *Behavior) forwardedQuery(raw string) string {
	cq, oq := &b.cache.QueryStrings, &b.origin.QueryStrings
	if raw == "" || cq.Mode == All || oq.Mode == All {
		return raw
	}
	if cq.Mode == None && oq.Mode == None {
		return ""
	}
	var kept []string
	for part := range strings.SplitSeq(raw, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if part != "" && (cq.allows(name) || oq.allows(name)) {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, "&")
}

// filterVary keeps of an origin's Vary the names CloudFront passes to the viewer: forwarded
// headers, Accept-Encoding and Cookie; it removes the others
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#ResponseCustomVaryHeader).
// [UNVERIFIED] (docs/cloudfront.md#vary-from-the-origin) A header forwarded by the origin request
// policy alone counts as forwarded: it is sent to the origin, which is what the documentation's
// rule is about.
func (b *Behavior) filterVary(h http.Header) {
	lines, ok := h["Vary"]
	if !ok {
		return
	}
	var kept []string
	for _, line := range lines {
		for name := range strings.SplitSeq(line, ",") {
			name = strings.TrimSpace(name)
			ln := strings.ToLower(name)
			if ln == "accept-encoding" || ln == "cookie" || ln != "*" && ln != "" && b.forwardsHeader(ln) {
				kept = append(kept, name)
			}
		}
	}
	if len(kept) == 0 {
		delete(h, "Vary")
		return
	}
	h["Vary"] = []string{strings.Join(kept, ", ")}
}

// filterResponse filters an origin's response as CloudFront does before caching or
// returning it: Vary (filterVary), and Set-Cookie removed when no cookie is forwarded, so
// that one viewer's session cookie is never stored and served to others
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Cookies.html).
func (b *Behavior) filterResponse(h http.Header) {
	b.filterVary(h)
	if !b.forwardsCookies() {
		delete(h, "Set-Cookie")
	}
}

// forwardsCookies reports whether either policy forwards a cookie to the origin, so that the
// origin's Set-Cookie reaches the viewer. Such a response is never stored (recorder): where
// CloudFront would cache the Set-Cookie with the object and replay one viewer's session
// cookie to the next, doorman streams it to its own viewer only, as nginx's proxy_cache does
// by default.
func (b *Behavior) forwardsCookies() bool {
	return b.cache.Cookies.Mode != None || b.origin.Cookies.Mode != None
}
