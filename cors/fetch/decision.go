package fetch

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/doorman-s3/doorman/cors/internal/acrh"
	"github.com/doorman-s3/doorman/cors/internal/wildcard"
)

// Request holds the facts of an HTTP request a decision reads; FromHTTP reads them, or build
// one by hand (explain, tests).
type Request struct {
	Method           string
	Origin           string
	HasOrigin        bool
	RequestMethod    string // Access-Control-Request-Method
	HasRequestMethod bool
	RequestHeaders   []string // the Access-Control-Request-Headers lines, unparsed
}

// FromHTTP reads a Request from r without copying header values. Of repeated Origin or
// Access-Control-Request-Method lines, which no browser sends, the first counts.
func FromHTTP(r *http.Request) Request {
	o := r.Header["Origin"]
	m := r.Header["Access-Control-Request-Method"]
	req := Request{Method: r.Method, HasOrigin: len(o) > 0, HasRequestMethod: len(m) > 0,
		RequestHeaders: r.Header["Access-Control-Request-Headers"]}
	if req.HasOrigin {
		req.Origin = o[0]
	}
	if req.HasRequestMethod {
		req.RequestMethod = m[0]
	}
	return req
}

// Kind is what a request is to CORS.
type Kind uint8

const (
	// NotCORS: no Origin header.
	NotCORS Kind = iota
	// Preflight: OPTIONS with Origin and Access-Control-Request-Method (in apigw-rest
	// semantics, every OPTIONS request: the mock method answers them all).
	Preflight
	// Actual: any other request with an Origin.
	Actual
)

var kindNames = [...]string{"none", "preflight", "actual"}

// String returns "none", "preflight" or "actual", fit for a metric label.
func (k Kind) String() string { return kindNames[k] }

// Reason is why a request was refused, from a bounded set fit for a metric label.
type Reason uint8

const (
	// ReasonNone: not refused.
	ReasonNone Reason = iota
	// ReasonOrigin: no entry of origins or origin_patterns admits the Origin.
	ReasonOrigin
	// ReasonMethod: Access-Control-Request-Method is not allowed.
	ReasonMethod
	// ReasonHeader: a name of Access-Control-Request-Headers is not allowed.
	ReasonHeader
	// ReasonMalformed: the request is over the bounds (MaxOriginBytes, or acrh's 8 KiB,
	// 32 lines, 128 names).
	ReasonMalformed
	// ReasonUnconfigured: API Gateway has nothing configured to answer the preflight. apigw-http
	// with methods unset, or with request headers unset and some requested: API Gateway matches no
	// such preflight (docs/apigw-cors.md#http-api-method-and-header-matching). apigw-rest, for a
	// path no imported resource matches: a gateway answers it as API Gateway does, 403 Missing
	// Authentication Token, with this reason (Policy.Evaluate itself never returns it there).
	ReasonUnconfigured
)

var reasonNames = [...]string{"", "origin", "method", "header", "malformed", "unconfigured"}

// String returns "" (allowed), "origin", "method", "header", "malformed" or "unconfigured".
func (r Reason) String() string { return reasonNames[r] }

// Decision is the answer to one request. A refused request carries no Access-Control-*
// header; a refused preflight is answered with Status (FailureStatus).
type Decision struct {
	Kind Kind
	// Allowed: the request may proceed with the decision's headers. A request that is not a
	// CORS request is allowed.
	Allowed bool
	Reason  Reason
	// Detail is the refused method or header name, or the refused origin: a substring of the
	// request, not a copy.
	Detail string
	// Status is, for a preflight answered here, the status to answer with; 0 otherwise (an
	// actual request keeps the upstream's status; CloudFront forwards preflights).
	Status int

	p *Policy
	// entry is the origins (or, past them, origin_patterns) entry that admitted the origin,
	// or -1.
	entry                        int
	allowOrigin, allowMethods    string
	allowHeaders, exposeHeaders  string
	maxAge, vary                 string
	credentials, hasAllowHeaders bool
	static                       []Header // apigw-rest: the mock method's whole answer
}

// Evaluate classifies r and decides its answer. It allocates nothing, except the
// Access-Control-Allow-Headers echo of a list split over several lines or spelt other than
// browsers spell it.
func (p *Policy) Evaluate(r *Request) Decision {
	switch p.sem {
	case APIGatewayHTTP:
		return p.evaluateHTTPAPI(r)
	case APIGatewayREST:
		return p.evaluateREST(r)
	case CloudFront:
		return p.evaluateCloudFront(r)
	}
	return p.evaluateFetch(r)
}

func (p *Policy) classify(r *Request) Decision {
	d := Decision{p: p, entry: -1}
	switch {
	case !r.HasOrigin:
		d.Kind, d.Allowed, d.vary = NotCORS, true, p.actualVary
	case r.Method == http.MethodOptions && r.HasRequestMethod:
		d.Kind, d.vary = Preflight, p.preflightVary
	default:
		d.Kind, d.vary = Actual, p.actualVary
	}
	return d
}

// admit classifies r and runs the origin check. It reports whether r is a preflight whose
// method and headers remain to be checked; an actual request admitted is allowed.
func (p *Policy) admit(r *Request) (Decision, bool) {
	d := p.classify(r)
	if d.Kind == NotCORS || !p.admitOrigin(&d, r.Origin) {
		return d, false
	}
	d.Allowed = true
	return d, d.Kind == Preflight
}

// admitOrigin runs the origin check (https://fetch.spec.whatwg.org/#cors-check): it sets
// Access-Control-Allow-Origin, -Credentials and -Expose-Headers, or refuses.
func (p *Policy) admitOrigin(d *Decision, origin string) bool {
	if p.origins.any < 0 && len(origin) > MaxOriginBytes {
		d.refuse(ReasonMalformed, "")
		return false
	}
	d.entry = p.origins.match(origin)
	if d.entry < 0 {
		d.refuse(ReasonOrigin, origin)
		return false
	}
	// "*" is answered "*"; any other entry with the request's origin, as the request spells it
	// (browsers compare it byte for byte with their own). For apigw-http this is [UNVERIFIED]
	// (docs/apigw-cors.md#http-api-preflight-response, no recorded value): emulators echo explicit
	// origins (EMU); "http://*" cannot be sent as it is; "*" is sent as configured, as
	// CloudFront's managed policies document it for theirs
	// (docs/cloudfront.md#managed-response-headers-policies, DOC).
	d.allowOrigin = origin
	if d.entry == p.origins.any {
		d.allowOrigin = "*"
	}
	d.credentials = p.credentials
	d.exposeHeaders = p.exposeHeaders
	return true
}

func (d *Decision) refuse(reason Reason, detail string) {
	d.Allowed, d.Reason, d.Detail = false, reason, detail
	d.allowOrigin, d.exposeHeaders, d.credentials = "", "", false
	if d.Kind == Preflight {
		d.Status = d.p.failureStatus
	}
}

func (d *Decision) allowPreflight(methods, headers string) {
	p := d.p
	d.Allowed, d.Status = true, p.preflightStatus
	d.allowMethods, d.allowHeaders, d.maxAge = methods, headers, p.maxAge
}

func (p *Policy) evaluateFetch(r *Request) Decision {
	d, more := p.admit(r)
	if d.Kind == NotCORS && p.origins.any >= 0 {
		// A policy allowing any origin answers every request alike, CORS or not, so that a
		// cache may serve one response to all (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches).
		d.entry, d.allowOrigin, d.exposeHeaders = p.origins.any, "*", p.exposeHeaders
	}
	if !more {
		return d
	}
	// https://fetch.spec.whatwg.org/#cors-preflight-fetch: the method, then every header.
	m := r.RequestMethod
	if !p.fetchMethodAllowed(m) {
		d.refuse(ReasonMethod, m)
		return d
	}
	var names acrh.Names
	if !acrh.Parse(r.RequestHeaders, &names) {
		d.refuse(ReasonMalformed, "")
		return d
	}
	for i := range names.Len() {
		if n := names.At(i); !p.fetchHeaderAllowed(n) {
			d.refuse(ReasonHeader, n)
			return d
		}
	}
	methods, headers := p.allowMethods, p.allowHeaders
	if p.advertise == AdvertiseRequested || p.echoMethods {
		methods = m
	}
	if p.advertise == AdvertiseRequested || p.echoHeaders {
		headers = echo(&names)
	}
	d.allowPreflight(methods, headers)
	// Expose-Headers concerns the actual response only
	// (https://fetch.spec.whatwg.org/#http-access-control-expose-headers).
	d.exposeHeaders, d.hasAllowHeaders = "", headers != ""
	return d
}

// fetchMethodAllowed: CORS-safelisted methods need no listing
// (https://fetch.spec.whatwg.org/#cors-safelisted-method); "*" covers any other method but
// the forbidden ones; methods compare byte for byte, as browsers compare them.
func (p *Policy) fetchMethodAllowed(m string) bool {
	switch {
	case m == "GET" || m == "HEAD" || m == "POST":
		return true
	case !httpguts.ValidHeaderFieldName(m):
		return false
	case slices.Contains(p.methods, m):
		return true
	}
	return p.anyMethod && !isForbiddenMethod(m)
}

func isForbiddenMethod(m string) bool {
	for _, f := range forbiddenMethods {
		if len(m) == len(f) && wildcard.CompareFold(m, wildcard.ToLower(f)) == 0 {
			return true
		}
	}
	return false
}

// fetchHeaderAllowed: names compare ignoring case; "*" never covers Authorization
// (https://fetch.spec.whatwg.org/#http-access-control-allow-headers).
func (p *Policy) fetchHeaderAllowed(n string) bool {
	if !httpguts.ValidHeaderFieldName(n) {
		return false
	}
	if p.listsHeader(n) {
		return true
	}
	return p.anyHeader && wildcard.CompareFold(n, "authorization") != 0
}

// listsHeader reports whether request_headers lists n, ignoring case: one map probe for the
// lower-case names browsers send, a binary search ignoring case for others.
func (p *Policy) listsHeader(n string) bool {
	if _, ok := p.headerSet[n]; ok {
		return true
	}
	if wildcard.IsLower(n) {
		return false
	}
	_, ok := slices.BinarySearchFunc(p.headers, n, func(h, n string) int { return -wildcard.CompareFold(n, h) })
	return ok
}

// echo returns the requested names for Access-Control-Allow-Headers: the request's own line
// when it is a plain list, as browsers send it, else the names lower-cased and joined.
func echo(names *acrh.Names) string {
	if s, ok := names.Verbatim(); ok {
		return s
	}
	return names.Echo()
}

// evaluateHTTPAPI answers as an API Gateway HTTP API's automatic preflight response and its
// decoration of integration responses (docs/apigw-cors.md#http-api-preflight-response,
// docs/apigw-cors.md#http-api-actual-requests).
func (p *Policy) evaluateHTTPAPI(r *Request) Decision {
	// No Origin, no CORS headers (docs/apigw-cors.md#http-api-actual-requests, DOC). An OPTIONS
	// request with an Origin but without Access-Control-Request-Method is no preflight
	// (docs/apigw-cors.md#http-api-what-is-a-preflight, DOC) and is decorated as an actual request
	// [UNVERIFIED: its response is not recorded].
	d, more := p.admit(r)
	if !more {
		return d
	}
	// Methods: "*" or listed; unset, no preflight matches
	// (docs/apigw-cors.md#http-api-method-and-header-matching, INFER). Compared ignoring case
	// [UNVERIFIED]: API Gateway accepts "put" (TF-ACC), which only matches what a browser sends if
	// case is ignored.
	m := r.RequestMethod
	switch {
	case !p.methodsSet:
		d.refuse(ReasonUnconfigured, m)
		return d
	case !p.anyMethod && !slices.ContainsFunc(p.methods, func(s string) bool { return wildcard.CompareFold(m, wildcard.ToLower(s)) == 0 }):
		d.refuse(ReasonMethod, m)
		return d
	}
	var names acrh.Names
	if !acrh.Parse(r.RequestHeaders, &names) {
		d.refuse(ReasonMalformed, "")
		return d
	}
	// Headers: "*" (any name, Authorization included: API Gateway matches; the browser
	// then decides) or listed, ignoring case [UNVERIFIED]; unset, only a preflight asking
	// for none matches (docs/apigw-cors.md#http-api-method-and-header-matching, INFER).
	for i := range names.Len() {
		n := names.At(i)
		switch {
		case !p.headersSet:
			d.refuse(ReasonUnconfigured, n)
			return d
		case !p.anyHeader && !p.listsHeader(n):
			d.refuse(ReasonHeader, n)
			return d
		}
	}
	d.allowPreflight(p.allowMethods, p.allowHeaders)
	// Access-Control-Allow-Headers is present even when empty
	// (docs/apigw-cors.md#http-api-method-and-header-matching, INFER: AWS sends it, an emulator's
	// test notes it cannot). Expose-Headers stays on the preflight [UNVERIFIED]:
	// serverless-offline sends it (docs/apigw-cors.md#http-api-preflight-response, EMU).
	d.hasAllowHeaders = true
	return d
}

// evaluateREST answers as a REST API with a console-made mock OPTIONS method
// (docs/apigw-cors.md#rest-api-the-mock-options-method): every OPTIONS request gets the static
// headers, whatever its Origin; other requests get nothing from the gateway (a proxy integration
// passes the backend's headers: docs/apigw-cors.md#rest-api-no-cors-of-its-own).
func (p *Policy) evaluateREST(r *Request) Decision {
	d := Decision{p: p, entry: -1, Allowed: true}
	switch {
	case r.Method == http.MethodOptions:
		d.Kind, d.Status, d.static = Preflight, p.preflightStatus, p.static
	case r.HasOrigin:
		d.Kind = Actual
	}
	return d
}

// evaluateCloudFront adds a response headers policy's CORS headers
// (docs/cloudfront.md#response-headers-policies): Allow-Origin, -Credentials and -Expose-Headers
// to every CORS response whose Origin matches, and the configured Allow-Methods, Allow-Headers and
// Max-Age to preflight responses, without evaluating the requested method or headers [UNVERIFIED:
// the documentation describes the values as sent, not matched].
func (p *Policy) evaluateCloudFront(r *Request) Decision {
	d, more := p.admit(r)
	if more {
		d.allowMethods, d.allowHeaders, d.maxAge = p.allowMethods, p.allowHeaders, p.maxAge
		d.hasAllowHeaders = p.allowHeaders != ""
	}
	return d
}

// The response headers a decision writes.
const (
	hAllowOrigin      = "Access-Control-Allow-Origin"
	hAllowCredentials = "Access-Control-Allow-Credentials"
	hAllowMethods     = "Access-Control-Allow-Methods"
	hAllowHeaders     = "Access-Control-Allow-Headers"
	hExposeHeaders    = "Access-Control-Expose-Headers"
	hMaxAge           = "Access-Control-Max-Age"
	hVary             = "Vary"
)

const maxHeaders = 7

// list fills buf with the decision's headers and returns them, in the order they are sent.
func (d *Decision) list(buf *[maxHeaders]Header) []Header {
	if d.static != nil {
		return d.static
	}
	hs := buf[:0]
	if d.allowOrigin != "" {
		hs = append(hs, Header{hAllowOrigin, d.allowOrigin})
	}
	if d.credentials {
		hs = append(hs, Header{hAllowCredentials, "true"})
	}
	if d.allowMethods != "" {
		hs = append(hs, Header{hAllowMethods, d.allowMethods})
	}
	if d.hasAllowHeaders {
		hs = append(hs, Header{hAllowHeaders, d.allowHeaders})
	}
	if d.exposeHeaders != "" {
		hs = append(hs, Header{hExposeHeaders, d.exposeHeaders})
	}
	if d.maxAge != "" {
		hs = append(hs, Header{hMaxAge, d.maxAge})
	}
	if d.vary != "" {
		hs = append(hs, Header{hVary, d.vary})
	}
	return hs
}

// Headers returns what WriteHeaders writes, in order.
func (d *Decision) Headers() []Header {
	var buf [maxHeaders]Header
	return slices.Clone(d.list(&buf))
}

// WriteHeaders sets the decision's headers in h, replacing any of the same name, except
// Vary, which it merges: the names h's Vary lacks (ignoring case) are appended, none is
// removed or repeated, and nothing is added to a Vary of "*". Every value gets memory of its
// own (one allocation for all of them), so that code changing h later cannot reach another
// response.
func (d *Decision) WriteHeaders(h http.Header) {
	var buf [maxHeaders]Header
	hs := d.list(&buf)
	if len(hs) == 0 {
		return
	}
	vals := make([]string, len(hs))
	for i, kv := range hs {
		if kv.Name == hVary && len(h[hVary]) > 0 {
			MergeVary(h, kv.Value)
			continue
		}
		vals[i] = kv.Value
		h[kv.Name] = vals[i : i+1 : i+1]
	}
}

// MergeVary adds to h's Vary the names of list (comma-separated) it lacks, comparing
// names ignoring case. It never removes or repeats a name, and adds nothing to "Vary: *".
func MergeVary(h http.Header, list string) {
	old := h[hVary]
	if len(old) == 0 {
		h[hVary] = []string{list}
		return
	}
	var missing []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if varies(old, "*") {
			return
		}
		if !varies(old, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return
	}
	h[hVary] = append(old[:len(old):len(old)], strings.Join(missing, ", "))
}

// varies reports whether one of the Vary lines names name.
func varies(lines []string, name string) bool {
	for _, l := range lines {
		for v := range strings.SplitSeq(l, ",") {
			if strings.EqualFold(strings.TrimSpace(v), name) {
				return true
			}
		}
	}
	return false
}

// Explain says in one line which rule decided and why.
func (d *Decision) Explain() string {
	p := d.p
	if p == nil {
		return "no policy"
	}
	var entry string
	if c := p.config; d.entry >= 0 {
		if d.entry < len(c.Origins) {
			entry = fmt.Sprintf("origins[%d] %q", d.entry, c.Origins[d.entry])
		} else {
			i := d.entry - len(c.Origins)
			entry = fmt.Sprintf("origin_patterns[%d] %q", i, c.OriginPatterns[i])
		}
	}
	switch p.sem {
	case APIGatewayREST:
		if d.Kind == Preflight {
			return fmt.Sprintf("apigw-rest: OPTIONS answered %d by the mock method with its static headers, whatever the request's Origin", d.Status)
		}
		return "apigw-rest: no CORS headers added; the backend's pass through, and gateway-made 4xx/5xx carry errors_4xx/errors_5xx"
	}
	src := map[Semantics]string{
		Fetch:          "https://fetch.spec.whatwg.org/#http-cors-protocol",
		APIGatewayHTTP: "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html",
		CloudFront:     "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html",
	}[p.sem]
	what := p.sem.String() + " " + d.Kind.String()
	switch {
	case d.Kind == NotCORS && d.allowOrigin != "":
		return fmt.Sprintf("%s: no Origin; Access-Control-Allow-Origin: * sent anyway, since %s allows any origin and caches may share one response (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches)", what, entry)
	case d.Kind == NotCORS:
		return fmt.Sprintf("%s: no Origin, so not a CORS request; nothing added but Vary", what)
	case d.Allowed && d.Kind == Preflight:
		return fmt.Sprintf("%s allowed: origin admitted by %s, then method and every requested header allowed (%s)", what, entry, src)
	case d.Allowed:
		return fmt.Sprintf("%s allowed: origin admitted by %s (%s)", what, entry, src)
	}
	var why string
	switch d.Reason {
	case ReasonOrigin:
		why = fmt.Sprintf("origin %q matches no entry of origins or origin_patterns", d.Detail)
	case ReasonMethod:
		why = fmt.Sprintf("method %q is not allowed by methods", d.Detail)
		if p.sem == Fetch {
			why += ` (GET, HEAD and POST always are; "*" covers any but CONNECT, TRACE, TRACK)`
		}
	case ReasonHeader:
		why = fmt.Sprintf("requested header %q is not allowed by request_headers", d.Detail)
		if p.sem == Fetch {
			why += ` ("*" never covers authorization)`
		}
	case ReasonMalformed:
		why = fmt.Sprintf("the request is over the bounds (Origin over %d bytes, or Access-Control-Request-Headers over %d bytes, %d lines or %d names)",
			MaxOriginBytes, acrh.MaxBytes, acrh.MaxLines, acrh.MaxNames)
	case ReasonUnconfigured:
		if !p.methodsSet {
			why = "methods is unset, and API Gateway matches no preflight then"
		} else {
			why = fmt.Sprintf("request_headers is unset, and API Gateway matches no preflight asking for headers (%q asked)", d.Detail)
		}
	}
	return fmt.Sprintf("%s refused at the %s check: %s (%s)", what, d.Reason, why, src)
}
