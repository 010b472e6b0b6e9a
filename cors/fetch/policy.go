package fetch

import (
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/doorman-s3/doorman/cors/internal/wildcard"
)

// Bounds of a configuration, each far above real use, so that compiling and evaluating
// cost little whatever a configuration file or a tenant's origin list holds.
const (
	// MaxOrigins bounds Origins. A longer list is a data set, not a policy: tenants each get
	// their own policy, and a family of origins is one wildcard or pattern.
	MaxOrigins = 1000
	// MaxOriginPatterns bounds OriginPatterns: each costs a regular-expression match on
	// every CORS request an exact origin does not settle.
	MaxOriginPatterns = 64
	// MaxPatternBytes bounds one OriginPatterns entry, and so its compiled size.
	MaxPatternBytes = 1024
	// MaxOriginBytes bounds a configured origin and a request's Origin: a DNS name has at
	// most 253 bytes, so no real origin comes near. A longer Origin is refused as malformed.
	MaxOriginBytes = 512
	// MaxListItems bounds Methods, RequestHeaders and ExposeHeaders, as the request header
	// parser bounds the names one preflight may ask for.
	MaxListItems = 128
	// MaxStaticHeaders bounds Static, Errors4XX and Errors5XX; an "Enable CORS" mock method
	// maps three or four headers.
	MaxStaticHeaders = 32
	// MaxHeaderValueBytes bounds one static header value.
	MaxHeaderValueBytes = 4096
)

// Policy is a compiled, immutable CORS policy, safe for concurrent use. To change a route's
// policy, compile a new one and swap the pointer.
type Policy struct {
	config      *Config
	sem         Semantics
	origins     originMatcher
	credentials bool
	advertise   Advertise

	methodsSet bool     // Methods is not empty
	anyMethod  bool     // Methods holds "*"
	methods    []string // listed methods: as written (Fetch), upper case (AWS)
	headersSet bool     // RequestHeaders is not empty
	anyHeader  bool     // RequestHeaders holds "*"
	headers    []string // listed request headers, lower case, sorted
	headerSet  map[string]struct{}

	// Response header values, computed once. echoMethods and echoHeaders: advertise the
	// request's own method and header names where a configured "*" cannot be sent.
	allowMethods, allowHeaders string
	echoMethods, echoHeaders   bool
	exposeHeaders, maxAge      string
	preflightVary, actualVary  string

	preflightStatus, failureStatus int
	static, errors4xx, errors5xx   []Header
}

// compiler collects every problem of a Config.
type compiler struct {
	c    *Config
	p    *Policy
	errs []error
}

func (k *compiler) fail(field string, index int, value, msg, fix string) {
	k.errs = append(k.errs, &ConfigError{Field: field, Index: index, Value: value, Message: msg, Fix: fix})
}

// Compile validates c and compiles it into an immutable Policy that keeps its own copy of c.
// Every problem is reported at once: the error is an errors.Join of *ConfigError values.
func Compile(c *Config) (*Policy, error) {
	k := &compiler{c: c, p: &Policy{
		config:      c.Clone(),
		sem:         c.Semantics,
		credentials: c.Credentials,
		advertise:   c.Advertise,
		origins:     originMatcher{any: -1, fold: c.Semantics != Fetch},
	}}
	if int(c.Semantics) >= len(semanticsNames) {
		k.fail("semantics", -1, c.Semantics.String(), "unknown semantics", "write fetch, apigw-http, apigw-rest or cloudfront")
		return nil, errors.Join(k.errs...)
	}
	if int(c.Advertise) >= len(advertiseNames) {
		k.fail("advertise", -1, c.Advertise.String(), "unknown advertise mode", "write requested or configured")
	}
	k.applicable()
	k.compileOrigins()
	k.compilePatterns()
	k.compileMethods()
	k.compileHeaders()
	k.compileExpose()
	k.compileMaxAge()
	k.compileStatuses()
	k.p.static = k.compileStatic("static", c.Static)
	k.p.errors4xx = k.compileStatic("errors_4xx", c.Errors4XX)
	k.p.errors5xx = k.compileStatic("errors_5xx", c.Errors5XX)
	if len(k.errs) > 0 {
		return nil, errors.Join(k.errs...)
	}
	k.precompute()
	return k.p, nil
}

// applicable refuses the fields the semantics has no use for: a setting that is silently
// ignored is a setting someone believes is in force.
func (k *compiler) applicable() {
	c, sem := k.c, k.c.Semantics
	unused := func(field string, set bool, why string) {
		if set {
			k.fail(field, -1, "", fmt.Sprintf("%s semantics has no such setting: %s", sem, why), "remove it")
		}
	}
	if sem != APIGatewayREST {
		why := "static headers belong to apigw-rest"
		unused("static", len(c.Static) > 0, why)
		unused("errors_4xx", len(c.Errors4XX) > 0, why)
		unused("errors_5xx", len(c.Errors5XX) > 0, why)
	}
	if sem != Fetch {
		unused("origin_patterns", len(c.OriginPatterns) > 0, "origin patterns are doorman's own")
	}
	switch sem {
	case APIGatewayREST:
		why := "the mock OPTIONS method answers with the static headers only"
		unused("origins", len(c.Origins) > 0, why)
		unused("methods", len(c.Methods) > 0, why)
		unused("request_headers", len(c.RequestHeaders) > 0, why)
		unused("expose_headers", len(c.ExposeHeaders) > 0, why)
		unused("max_age", c.MaxAge != nil, why)
		unused("credentials", c.Credentials, why)
		unused("failure_status", c.FailureStatus != 0, "the mock OPTIONS method refuses nothing")
	case CloudFront:
		why := "CloudFront forwards OPTIONS to the origin and decorates its answer"
		unused("preflight_status", c.PreflightStatus != 0, why)
		unused("failure_status", c.FailureStatus != 0, why)
	}
}

func (k *compiler) tooMany(field string, n, max int) bool {
	if n > max {
		k.fail(field, -1, "", fmt.Sprintf("%d entries, more than the %d allowed", n, max), "")
		return true
	}
	return false
}

func (k *compiler) compileOrigins() {
	c, m := k.c, &k.p.origins
	if k.tooMany("origins", len(c.Origins), MaxOrigins) {
		return
	}
	if m.fold {
		defer func() {
			slices.SortStableFunc(m.exactFold, func(a, b exactOrigin) int { return strings.Compare(a.origin, b.origin) })
			m.exactFold = slices.CompactFunc(m.exactFold, func(a, b exactOrigin) bool { return a.origin == b.origin })
		}()
	} else {
		m.exact = make(map[string]int)
		m.hosts = make(map[string][]originRule)
	}
	for i, o := range c.Origins {
		if len(o) > MaxOriginBytes {
			k.fail("origins", i, o[:64]+"...", fmt.Sprintf("longer than %d bytes", MaxOriginBytes), "")
			continue
		}
		if o == "*" {
			if m.any < 0 {
				m.any = i
			}
			if c.Credentials {
				k.starWithCredentials(i)
			}
			continue
		}
		switch c.Semantics {
		case Fetch:
			k.fetchOrigin(i, o)
		case APIGatewayHTTP:
			k.httpAPIOrigin(i, o)
		case CloudFront:
			k.cloudFrontOrigin(i, o)
		}
	}
}

func (k *compiler) starWithCredentials(i int) {
	switch k.c.Semantics {
	case Fetch:
		k.fail("origins", i, "*", "browsers refuse Access-Control-Allow-Origin: * on a credentialed request, and answering any origin with itself would let every site read your users' data",
			"list the origins (e.g. https://app.example.com), or set credentials: false")
	case APIGatewayHTTP:
		// The message API Gateway answers CreateApi/UpdateApi with
		// (docs/apigw-cors.md#http-api-validation, 3P-REC).
		k.fail("origins", i, "*", "allow-credentials is not supported if 'allow-origin' is *", "list the origins, or set credentials: false")
	case CloudFront:
		// [UNVERIFIED] No recorded message: CloudFront's for Allow-Headers
		// (docs/cloudfront.md#response-headers-policies, 3P-REC) with this header's name; that it
		// is refused at all is inferred from it.
		k.fail("origins", i, "*", "The parameter Access-Control-Allow-Origin cannot contain * when allowCredentials is true.", "list the origins, or set credentials: false")
	}
}

func (k *compiler) fetchOrigin(i int, o string) {
	m := &k.p.origins
	if o == "null" {
		k.fail("origins", i, o, `the "null" origin is what every sandboxed iframe, file: page and cross-origin redirect sends, so allowing it allows them all`,
			"allow the page's own origin, or serve the sandboxed document from an origin of its own")
		return
	}
	po, msgs, canon, ok := parseOrigin(o)
	if !ok {
		fix := "write scheme://host[:port], e.g. https://app.example.com"
		if !strings.Contains(o, "://") && !strings.ContainsAny(o, "/*") {
			fix = fmt.Sprintf("write %q", "https://"+wildcard.ToLower(o))
		}
		k.fail("origins", i, o, "not an origin: browsers send scheme://host[:port]", fix)
		return
	}
	if po.anyHost {
		k.fail("origins", i, o, "a whole-scheme wildcard is API Gateway's (apigw-http semantics); it admits every site on the web",
			`list the origins, use a subdomain wildcard such as "`+po.scheme+`://*.example.com", or "*"`)
		return
	}
	if len(msgs) > 0 {
		k.fail("origins", i, o, "never matches: "+strings.Join(msgs, "; ")+", and compare origins byte for byte", fmt.Sprintf("write %q", canon))
		return
	}
	if po.sub && isPublicSuffix(po.host) {
		k.fail("origins", i, o, fmt.Sprintf("%q is a public suffix: the wildcard admits every site anyone can register under it", po.host),
			fmt.Sprintf("name a domain you control, e.g. %q", po.scheme+"://*.example."+po.host))
		return
	}
	if !po.sub && po.port != "*" {
		if _, dup := m.exact[o]; !dup {
			m.exact[o] = i
		}
		return
	}
	r := originRule{index: i, scheme: po.scheme, host: po.host, port: po.port, sub: po.sub}
	m.hosts[po.host] = append(m.hosts[po.host], r)
	m.rules = append(m.rules, r)
}

// httpAPIOrigin accepts what API Gateway HTTP APIs accept: "http://*", "https://*" and
// origins without a wildcard, in any case (docs/apigw-cors.md#http-api-validation).
func (k *compiler) httpAPIOrigin(i int, o string) {
	m := &k.p.origins
	lower := wildcard.ToLower(o)
	if lower == "http://*" || lower == "https://*" {
		m.rules = append(m.rules, originRule{index: i, scheme: strings.TrimSuffix(lower, "://*"), port: "*"})
		return
	}
	if strings.Contains(o, "*") {
		// The message API Gateway answers a partial wildcard with
		// (docs/apigw-cors.md#http-api-validation, 3P-REC).
		k.fail("origins", i, o, "allow-origin "+o+" can not have wildcards", `list the origins, or use "https://*" or "*"`)
		return
	}
	if _, _, _, ok := parseOrigin(o); !ok {
		// [UNVERIFIED] API Gateway refuses a malformed origin such as "https:/"
		// (docs/apigw-cors.md#http-api-validation, INFER) with a message not recorded; this one
		// follows the wildcard message's form.
		k.fail("origins", i, o, "allow-origin "+o+" is not a valid origin", "write scheme://host[:port], e.g. https://app.example.com")
		return
	}
	m.exactFold = append(m.exactFold, exactOrigin{lower, i})
}

// cloudFrontOrigin accepts "*", origins, and a leftmost "*." label with or without a scheme, as
// the CloudFront documentation describes AccessControlAllowOrigins
// (docs/cloudfront.md#response-headers-policies).
func (k *compiler) cloudFrontOrigin(i int, o string) {
	m := &k.p.origins
	lower := wildcard.ToLower(o)
	if lower == "all" {
		// [UNVERIFIED] message: "ALL" is refused for origins
		// (docs/cloudfront.md#response-headers-policies, 3P-REC, no text).
		k.fail("origins", i, o, "ALL is not a valid value for Access-Control-Allow-Origin: it stands for every method or header, never for origins", `write "*" for any origin`)
		return
	}
	bad := func() {
		// [UNVERIFIED] message: the rules are documented
		// (docs/cloudfront.md#response-headers-policies), the error text is not.
		k.fail("origins", i, o, "* is allowed only as the leftmost part of the domain (*.example.org) or alone", "write e.g. \"https://*.example.org\" or \"*.example.org\"")
	}
	if !strings.Contains(lower, "://") {
		host, sub := strings.CutPrefix(lower, "*.")
		if h, ok, _ := canonicalHost(host); !ok || strings.Contains(host, "*") || h != host || (sub && isIP(host)) {
			bad()
			return
		}
		m.rules = append(m.rules, originRule{index: i, host: host, sub: sub})
		return
	}
	po, _, _, ok := parseOrigin(lower)
	if !ok || po.anyHost {
		bad()
		return
	}
	if po.sub || po.port == "*" {
		m.rules = append(m.rules, originRule{index: i, scheme: po.scheme, host: po.host, port: po.port, sub: po.sub})
		return
	}
	m.exactFold = append(m.exactFold, exactOrigin{lower, i})
}

func (k *compiler) compilePatterns() {
	c, m := k.c, &k.p.origins
	if k.tooMany("origin_patterns", len(c.OriginPatterns), MaxOriginPatterns) {
		return
	}
	for i, s := range c.OriginPatterns {
		if len(s) > MaxPatternBytes {
			k.fail("origin_patterns", i, s[:64]+"...", fmt.Sprintf("longer than %d bytes", MaxPatternBytes), "")
			continue
		}
		re, err := regexp.Compile(s)
		if err != nil {
			k.fail("origin_patterns", i, s, "not an RE2 expression: "+strings.TrimPrefix(err.Error(), "error parsing regexp: "), "")
			continue
		}
		syn, _ := syntax.Parse(s, syntax.Perl)
		if !anchored(syn) {
			fix := fmt.Sprintf("write %q", "^"+strings.TrimSuffix(strings.TrimPrefix(s, "^"), "$")+"$")
			if strings.Contains(s, "|") || strings.Contains(s, "(?m") {
				fix = "group the branches and anchor the group, without the m flag: ^(?:first|second)$"
			}
			k.fail("origin_patterns", i, s, "not anchored: an expression without ^ and $ on every branch (and without the m flag) also matches origins that merely contain what it describes, such as https://example.com.evil.net",
				fix)
			continue
		}
		prefix, _ := re.LiteralPrefix()
		m.patterns = append(m.patterns, originPattern{index: len(c.Origins) + i, re: re, prefix: prefix})
	}
}

// forbiddenMethods are the methods no browser sends (https://fetch.spec.whatwg.org/#forbidden-method).
var forbiddenMethods = []string{"CONNECT", "TRACE", "TRACK"}

// normalizedMethods are the methods browsers upper-case before sending
// (https://fetch.spec.whatwg.org/#concept-method-normalize).
var normalizedMethods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}

// httpAPIMethods are the methods an HTTP API route can name (ANY aside).
var httpAPIMethods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// cloudFrontMethods are CloudFront's ResponseHeadersPolicyAccessControlAllowMethodsValues,
// ALL aside, in the order ALL is written out in (see precompute).
var cloudFrontMethods = []string{"GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"}

func (k *compiler) compileMethods() {
	c, p := k.c, k.p
	if k.tooMany("methods", len(c.Methods), MaxListItems) {
		return
	}
	p.methodsSet = len(c.Methods) > 0
	for i, m := range c.Methods {
		up := strings.ToUpper(m)
		switch {
		case m == "*" && c.Semantics != CloudFront:
			p.anyMethod = true
			continue
		case m == "ALL" && c.Semantics == CloudFront:
			p.anyMethod = true
			continue
		case c.Semantics == APIGatewayHTTP:
			// API Gateway's message, recorded for ANY (400 BadRequestException "Method ANY is not
			// supported": https://github.com/aws/aws-cdk/issues/13643 and
			// https://github.com/aws/aws-cdk/issues/10230). [UNVERIFIED] for other names, a name
			// that is not a token included: an unknown method such as "BAD" is refused
			// (docs/apigw-cors.md#http-api-validation, LocalStack-Pro's AWS-validated test,
			// message not recorded), and the same wording is assumed. Lower case is accepted
			// (terraform-provider-aws's acceptance test sets "put" on AWS).
			if !slices.Contains(httpAPIMethods, up) {
				k.fail("methods", i, m, "Method "+m+" is not supported", "write one of "+strings.Join(httpAPIMethods, ", ")+", or *")
				continue
			}
			p.methods = append(p.methods, up)
			continue
		case !httpguts.ValidHeaderFieldName(m):
			k.fail("methods", i, m, "not a method name", "")
			continue
		}
		switch c.Semantics {
		case Fetch:
			if slices.Contains(forbiddenMethods, up) {
				k.fail("methods", i, m, "a forbidden method: browsers never send it (https://fetch.spec.whatwg.org/#forbidden-method)", "remove it")
				continue
			}
			if m != up && slices.Contains(normalizedMethods, up) {
				k.fail("methods", i, m, "never matches: browsers upper-case this method before sending it, and compare methods byte for byte", fmt.Sprintf("write %q", up))
				continue
			}
			p.methods = append(p.methods, m)
		case CloudFront:
			// [UNVERIFIED] message: the values are the service model's enum
			// (docs/cloudfront.md#response-headers-policies).
			if !slices.Contains(cloudFrontMethods, m) {
				k.fail("methods", i, m, "not one of CloudFront's values for Access-Control-Allow-Methods", "write one of GET, POST, OPTIONS, PUT, DELETE, PATCH, HEAD, ALL")
				continue
			}
			p.methods = append(p.methods, m)
		}
	}
}

func (k *compiler) compileHeaders() {
	c, p := k.c, k.p
	if k.tooMany("request_headers", len(c.RequestHeaders), MaxListItems) {
		return
	}
	p.headersSet = len(c.RequestHeaders) > 0
	if c.Semantics == CloudFront && !p.headersSet {
		// [UNVERIFIED] message: refused, found by trial
		// (docs/cloudfront.md#response-headers-policies, 3P-REC), text not recorded.
		k.fail("request_headers", -1, "", "Access-Control-Allow-Headers cannot be an empty list", `list the headers, or write "*"`)
	}
	for i, h := range c.RequestHeaders {
		switch {
		case h == "*":
			p.anyHeader = true
			if c.Semantics == CloudFront && c.Credentials {
				// CloudFront's message (docs/cloudfront.md#response-headers-policies, 3P-REC).
				k.fail("request_headers", i, h, "The parameter Access-Control-Allow-Headers cannot contain * when allowCredentials is true.", "list the headers, or set credentials: false")
			}
		case !httpguts.ValidHeaderFieldName(h):
			k.fail("request_headers", i, h, "not a header name", "")
		default:
			p.headers = append(p.headers, wildcard.ToLower(h))
		}
	}
	slices.Sort(p.headers)
	p.headers = slices.Compact(p.headers)
	p.headerSet = make(map[string]struct{}, len(p.headers))
	for _, h := range p.headers {
		p.headerSet[h] = struct{}{}
	}
}

func (k *compiler) compileExpose() {
	c := k.c
	if k.tooMany("expose_headers", len(c.ExposeHeaders), MaxListItems) {
		return
	}
	for i, h := range c.ExposeHeaders {
		switch {
		case h == "*":
			if !c.Credentials {
				continue
			}
			switch c.Semantics {
			case Fetch:
				k.fail("expose_headers", i, h, `browsers read "*" as a header named * on a credentialed response, so it exposes nothing`, "list the headers, or set credentials: false")
			case CloudFront:
				// [UNVERIFIED] refused by analogy with Allow-Headers
				// (docs/cloudfront.md#response-headers-policies); message of the same pattern.
				k.fail("expose_headers", i, h, "The parameter Access-Control-Expose-Headers cannot contain * when allowCredentials is true.", "list the headers, or set credentials: false")
			}
		case !httpguts.ValidHeaderFieldName(h):
			k.fail("expose_headers", i, h, "not a header name", "")
		}
	}
}

func (k *compiler) compileMaxAge() {
	c := k.c
	if c.MaxAge == nil {
		return
	}
	v := *c.MaxAge
	lo, hi, why := 0, 86400, "browsers cap the preflight cache (Firefox at 86400 s, Chromium at 7200 s)"
	switch c.Semantics {
	case APIGatewayHTTP:
		// The service model's IntegerWithLengthBetweenMinus1And86400
		// (docs/apigw-cors.md#http-api-configuration).
		lo, why = -1, "API Gateway's range"
	case CloudFront:
		// [UNVERIFIED] no upper bound is documented for AccessControlMaxAgeSec.
		hi, why = 1<<31-1, "a non-negative number of seconds"
	}
	if v < lo || v > hi {
		k.fail("max_age", -1, strconv.Itoa(v), fmt.Sprintf("out of range %d..%d: %s", lo, hi, why), "")
	}
}

func (k *compiler) compileStatuses() {
	c := k.c
	if s := c.PreflightStatus; s != 0 && (s < 200 || s > 299) {
		k.fail("preflight_status", -1, strconv.Itoa(s), "browsers fail a preflight whose status is not 2xx (https://fetch.spec.whatwg.org/#cors-preflight-fetch)", "write 204 or 200")
	}
	if s := c.FailureStatus; s != 0 && !(s >= 200 && s <= 299) && !(s >= 400 && s <= 599) {
		k.fail("failure_status", -1, strconv.Itoa(s), "a refused preflight is answered 2xx (without CORS headers), 4xx or 5xx", "write 403 or 200")
	}
}

func (k *compiler) compileStatic(field string, hs []Header) []Header {
	if k.tooMany(field, len(hs), MaxStaticHeaders) {
		return nil
	}
	var out []Header
	for i, h := range hs {
		switch {
		case !httpguts.ValidHeaderFieldName(h.Name):
			k.fail(field, i, h.Name, "not a header name", "")
		case len(h.Value) > MaxHeaderValueBytes:
			k.fail(field, i, h.Name, fmt.Sprintf("value longer than %d bytes", MaxHeaderValueBytes), "")
		case !httpguts.ValidHeaderFieldValue(h.Value):
			k.fail(field, i, h.Name, "the value holds a control character", "")
		case slices.ContainsFunc(out, func(o Header) bool { return strings.EqualFold(o.Name, h.Name) }):
			k.fail(field, i, h.Name, "mapped twice: a method or gateway response maps each header once", "keep one")
		default:
			out = append(out, Header{textproto.CanonicalMIMEHeaderKey(h.Name), h.Value})
		}
	}
	return out
}

const (
	varyPreflight = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	varyRequest   = "Access-Control-Request-Method, Access-Control-Request-Headers"
)

// precompute sets every response header value that depends on the policy alone.
func (k *compiler) precompute() {
	c, p := k.c, k.p
	if c.MaxAge != nil {
		// Sent as configured. In apigw-http that includes -1 [UNVERIFIED: the service model
		// allows it, no answer records it]; browsers read it as no value, so the default.
		p.maxAge = strconv.Itoa(*c.MaxAge)
	}
	p.exposeHeaders = strings.Join(c.ExposeHeaders, ", ")
	switch c.Semantics {
	case Fetch:
		p.preflightStatus, p.failureStatus = 204, 403
		p.preflightVary, p.actualVary = varyPreflight, "Origin"
		if p.origins.any >= 0 {
			// The answer is the same for every origin: Vary names only what it depends on
			// (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches).
			p.preflightVary, p.actualVary = varyRequest, ""
		}
		p.echoMethods = p.anyMethod && c.Credentials
		if !p.echoMethods {
			p.allowMethods = strings.Join(c.Methods, ", ")
		}
		p.echoHeaders = p.anyHeader && c.Credentials
		if !p.echoHeaders {
			lower := make([]string, len(c.RequestHeaders))
			for i, h := range c.RequestHeaders {
				lower[i] = wildcard.ToLower(h)
			}
			p.allowHeaders = strings.Join(lower, ", ")
		}
	case APIGatewayHTTP:
		// [UNVERIFIED] status 204: emulators answer 204
		// (docs/apigw-cors.md#http-api-preflight-response, EMU); a refused preflight gets 204
		// without CORS headers (EMU serverless-offline,
		// docs/apigw-cors.md#http-api-preflight-response).
		p.preflightStatus, p.failureStatus = 204, 204
		// [UNVERIFIED] separator: the configured lists are sent as written, joined with "," as
		// serverless-offline joins them (docs/apigw-cors.md#http-api-preflight-response, EMU); no
		// recorded AWS value.
		p.allowMethods = strings.Join(c.Methods, ",")
		p.allowHeaders = strings.Join(c.RequestHeaders, ",")
		p.exposeHeaders = strings.Join(c.ExposeHeaders, ",")
		// [UNVERIFIED] Vary: no source records one on an HTTP API answer
		// (docs/apigw-cors.md#http-api-preflight-response); the answer depends on Origin whenever
		// it echoes it, and a cache shared by two origins would otherwise serve one's answer to
		// the other, so Vary: Origin is sent exactly when it would be needed, as the Fetch
		// semantics sends it.
		p.preflightVary, p.actualVary = varyPreflight, "Origin"
		if p.origins.any >= 0 {
			p.preflightVary, p.actualVary = varyRequest, ""
		}
	case APIGatewayREST:
		p.preflightStatus = 200
		// The mock method's answer as API Gateway sends it
		// (docs/apigw-cors.md#rest-api-the-mock-options-method, DOC-CAPTURE): Content-Type:
		// application/json on an empty body, then the mapped headers.
		p.static = append([]Header{{"Content-Type", "application/json"}, {"Content-Length", "0"}}, p.static...)
	case CloudFront:
		// [UNVERIFIED] lists joined with ", "; ALL written out as every method CloudFront allows
		// (a literal "ALL" would name a method no browser uses), in the order an emulator records
		// for the managed CORS-With-Preflight policy
		// (docs/cloudfront.md#managed-response-headers-policies, EMU floci).
		methods := c.Methods
		if p.anyMethod {
			methods = cloudFrontMethods
		}
		p.allowMethods = strings.Join(methods, ", ")
		p.allowHeaders = strings.Join(c.RequestHeaders, ", ")
		// [UNVERIFIED] Vary: the policy's documentation names no Vary header
		// (docs/cloudfront.md#response-headers-policies); CloudFront keeps only the Vary values of
		// forwarded headers (docs/cloudfront.md#vary-from-the-origin), so none is
		// added here.
	}
	if c.PreflightStatus != 0 {
		p.preflightStatus = c.PreflightStatus
	}
	if c.FailureStatus != 0 {
		p.failureStatus = c.FailureStatus
	}
}

// Config returns a copy of the configuration the policy was compiled from.
func (p *Policy) Config() *Config { return p.config.Clone() }

// Semantics returns the semantics the policy answers by.
func (p *Policy) Semantics() Semantics { return p.sem }

// AnswersPreflights reports whether preflights are answered without the upstream: true for
// every semantics but CloudFront, which forwards OPTIONS to the origin and adds the policy's
// headers to the origin's answer (docs/cloudfront.md#options-requests).
func (p *Policy) AnswersPreflights() bool { return p.sem != CloudFront }

// ErrorHeaders returns the headers a response the gateway makes itself with this status carries,
// in apigw-rest semantics: those of the DEFAULT_4XX or DEFAULT_5XX gateway response
// (docs/apigw-cors.md#rest-api-gateway-responses). It returns nil for other statuses and other
// semantics, whose gateway-made responses carry the decision's headers.
func (p *Policy) ErrorHeaders(status int) []Header {
	switch {
	case p.sem != APIGatewayREST:
		return nil
	case status >= 400 && status <= 499:
		return slices.Clone(p.errors4xx)
	case status >= 500 && status <= 599:
		return slices.Clone(p.errors5xx)
	}
	return nil
}
