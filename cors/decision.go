package cors

import (
	"net/http"

	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/cors/internal/acrh"
)

// Request holds the facts of an HTTP request that Amazon S3's CORS evaluation reads. An empty
// string stands for an absent header: S3 treats an empty Origin like a missing one
// [UNVERIFIED], and an empty Access-Control-Request-Method likewise.
type Request struct {
	Method         string   // the request's HTTP method
	Origin         string   // the Origin header
	RequestMethod  string   // Access-Control-Request-Method
	RequestHeaders []string // Access-Control-Request-Headers, every line of it
	// Object reports whether the URL names an object key (ResourceType OBJECT) rather than
	// the bucket itself (BUCKET).
	Object bool
}

// FromHTTP reads a Request from r without copying header values.
func FromHTTP(r *http.Request, object bool) Request {
	return Request{
		Method:         r.Method,
		Origin:         first(r.Header["Origin"]),
		RequestMethod:  first(r.Header["Access-Control-Request-Method"]),
		RequestHeaders: r.Header["Access-Control-Request-Headers"],
		Object:         object,
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// Outcome is what CORS evaluation concluded, in words fit for a metric label.
type Outcome uint8

const (
	// NoOrigin: the request has no Origin, so it is not a CORS request.
	NoOrigin Outcome = iota
	// Allowed: a rule matched; the response carries CORS headers.
	Allowed
	// NoMatchingRule: the bucket has rules but none allows the request.
	NoMatchingRule
	// NoConfiguration: the bucket has no CORS configuration.
	NoConfiguration
	// NoBucket: the bucket does not exist.
	NoBucket
	// BadRequest: a preflight with a missing or invalid Access-Control-Request-Method.
	BadRequest
)

var outcomeNames = [...]string{"no_origin", "allowed", "no_matching_rule", "no_configuration", "no_bucket", "bad_request"}

func (o Outcome) String() string { return outcomeNames[o] }

// Decision is the answer to one request. For a preflight, Status is the response status
// (200, 400 or 403) and Err returns AWS's error when it is not 200; for an actual request
// Status is 0, the handler's own status stands, and only the headers are added.
//
// Its fields are ordered so that the small ones share a word: a Decision is returned by value.
type Decision struct {
	Outcome Outcome
	// Refused is the check of the rules that refused a NoMatchingRule decision, known
	// without tracing every rule (Explain does that); RefusedHeaders lists, for CheckHeaders,
	// the requested names no rule allowing the origin and the method admits, joined with
	// ", " (empty when each is admitted by some rule but no rule admits them all).
	Refused Check

	credentials bool
	closeConn   bool
	// A refusal's parts beyond its outcome and status, from which Err assembles the error only
	// when asked for, so that refusing costs no allocation: the request's
	// Access-Control-Request-Method and whether its URL names an object.
	object    bool
	errMethod string

	Rule           int // index of the rule that matched, or -1
	Status         int
	RefusedHeaders string

	rule         *rule // the rule that matched
	allowOrigin  string
	allowHeaders string
	// allowOrigin and allowHeaders as shared header values (see sharedValues), nil when
	// WriteHeaders must give the value memory of its own.
	originValue, headersValue *[1]string
}

// Check is a check of the rules, in the order they are made: a NoMatchingRule decision
// says which one refused the request.
type Check uint8

const (
	// CheckNone: the request was allowed, or refused before any rule was looked at.
	CheckNone Check = iota
	// CheckOrigin: no rule allows the Origin.
	CheckOrigin
	// CheckMethod: rules allow the Origin, none of them the method.
	CheckMethod
	// CheckHeaderLimits: Access-Control-Request-Headers exceeds the parser's bounds.
	CheckHeaderLimits
	// CheckHeaders: rules allow the Origin and the method, none every requested header.
	CheckHeaders
)

// Header is one response header.
type Header struct{ Name, Value string }

// Vary is the value Amazon S3 sends on every response a rule matched.
const Vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// Headers returns the response headers the decision adds, in the order Amazon S3 sends them
// (ACAH's place among them is not recorded [UNVERIFIED]). A refused preflight for want of an
// Origin also closes the connection, as S3 does.
func (d *Decision) Headers() []Header {
	var buf [maxHeaders]Header
	return append([]Header(nil), d.list(&buf)...)
}

const maxHeaders = 7

// list fills buf with the headers and returns the part in use.
func (d *Decision) list(buf *[maxHeaders]Header) []Header {
	hs := buf[:0]
	if d.closeConn {
		hs = append(hs, Header{"Connection", "close"})
	}
	if d.Outcome != Allowed {
		return hs
	}
	r := d.rule
	hs = append(hs, Header{"Access-Control-Allow-Origin", d.allowOrigin},
		Header{"Access-Control-Allow-Methods", r.allowMethods})
	if d.allowHeaders != "" {
		hs = append(hs, Header{"Access-Control-Allow-Headers", d.allowHeaders})
	}
	if r.exposeHeaders != "" {
		hs = append(hs, Header{"Access-Control-Expose-Headers", r.exposeHeaders})
	}
	if r.maxAge != "" {
		hs = append(hs, Header{"Access-Control-Max-Age", r.maxAge})
	}
	if d.credentials {
		hs = append(hs, Header{"Access-Control-Allow-Credentials", "true"})
	}
	return append(hs, Header{"Vary", Vary})
}

// sharedValues: WriteHeaders sets header values that every response of a Policy shares
// rather than copying them per response: the method list, Expose-Headers and Max-Age of each
// rule, each origin a rule names exactly, each lower-case AllowedHeader (the echo of a request
// naming just that header), and the constants below. This is safe because each shared value
// is a slice with len == cap == 1 over an array that nothing writes once Compile has returned:
// a handler appending to it (Header.Add) gets a new array, and one setting or deleting the
// header (Header.Set, Header.Del) replaces the map entry, not the array, so no change to one
// response's headers reaches another's. Only writing into a value's elements in place
// (h[k][0] = v) would, which neither net/http nor this project's handlers do. Values that come from the request (an
// Origin matched by a pattern, an echo no AllowedHeader spells) get memory of their own.
var (
	starValue  = [1]string{"*"}
	trueValue  = [1]string{"true"}
	varyValue  = [1]string{Vary}
	closeValue = [1]string{"close"}
)

// WriteHeaders sets the decision's headers in h, sharing the values that sharedValues lists
// and giving the others memory of their own (one allocation for all of them); Vary is
// appended to any Vary already set.
func (d *Decision) WriteHeaders(h http.Header) {
	if d.closeConn {
		h["Connection"] = closeValue[:]
	}
	if d.Outcome != Allowed {
		return
	}
	n := 0
	if d.originValue == nil {
		n++
	}
	if d.headersValue == nil && d.allowHeaders != "" {
		n++
	}
	var own []string
	if n > 0 {
		own = make([]string, 0, n)
	}
	r := d.rule
	h["Access-Control-Allow-Origin"] = value(d.originValue, d.allowOrigin, &own)
	h["Access-Control-Allow-Methods"] = r.value(valueMethods)
	if d.allowHeaders != "" {
		h["Access-Control-Allow-Headers"] = value(d.headersValue, d.allowHeaders, &own)
	}
	if r.exposeHeaders != "" {
		h["Access-Control-Expose-Headers"] = r.value(valueExpose)
	}
	if r.maxAge != "" {
		h["Access-Control-Max-Age"] = r.value(valueMaxAge)
	}
	if d.credentials {
		h["Access-Control-Allow-Credentials"] = trueValue[:]
	}
	if old := h["Vary"]; len(old) > 0 {
		h["Vary"] = append(old[:len(old):len(old)], Vary)
	} else {
		h["Vary"] = varyValue[:]
	}
}

// value returns shared as a header value, or else v in the next slot of own, capped so that
// an append to it cannot reach the next slot.
func value(shared *[1]string, v string, own *[]string) []string {
	if shared != nil {
		return shared[:]
	}
	i := len(*own)
	*own = append(*own, v)
	return (*own)[i : i+1 : i+1]
}

// Err returns the error of a refused preflight, a *[corserr.Error] (get at it with
// [errors.As]), and nil otherwise. It is an error interface, not a *corserr.Error, so that a
// caller storing it in an error variable gets nil when there is none.
func (d *Decision) Err() error {
	if e := d.refusal(); e != nil {
		return e
	}
	return nil
}

// refusal is Err's *corserr.Error, nil when the decision refuses nothing.
func (d *Decision) refusal() *corserr.Error {
	if d.Status < 400 {
		return nil
	}
	e := &corserr.Error{Status: d.Status, Code: corserr.CodeAccessForbidden, Rule: -1}
	switch d.Outcome {
	case NoOrigin:
		e.Code, e.Message = corserr.CodeBadRequest, msgNoOrigin
	case BadRequest:
		v := d.errMethod
		if v == "" {
			v = "null"
		}
		e.Code, e.Message = corserr.CodeBadRequest, msgBadMethod+v
	case NoBucket:
		e.Message, e.Method, e.ResourceType = msgNoBucket, methodOrOptions(d.errMethod), "BUCKET"
	case NoConfiguration:
		e.Message, e.Method, e.ResourceType = msgNotEnabled, methodOrOptions(d.errMethod), "BUCKET"
	default: // NoMatchingRule
		e.Message, e.Method, e.ResourceType = msgNotAllowed, d.errMethod, "BUCKET"
		if d.object {
			e.ResourceType = "OBJECT"
		}
	}
	return e
}

// Response is the whole answer to a preflight, as Amazon S3 sends it
// (docs/s3-cors.md#preflight-response, docs/s3-cors.md#preflight-refusals): the status, the
// headers in order (CORS headers and Content-Length: 0 on success; Content-Type and the XML error
// body on refusal), and the body. requestID and hostID fill the body's RequestId and HostId, which
// S3 sets equal to its x-amz-request-id and x-amz-id-2 headers; empty ones are left out.
func (d *Decision) Response(requestID, hostID string) (status int, headers []Header, body []byte) {
	headers = d.Headers()
	e := d.refusal()
	if e == nil {
		return d.Status, append(headers, Header{"Content-Length", "0"}), nil
	}
	body = e.XML(requestID, hostID)
	return d.Status, append(headers, Header{"Content-Type", "application/xml"}), body
}

// refuse returns a refused preflight's decision; refusal tells its error.
func refuse(o Outcome, status int, r *Request) Decision {
	return Decision{Outcome: o, Rule: -1, Status: status, errMethod: r.RequestMethod, object: r.Object}
}

// The refusals of a preflight, word for word as Amazon S3 sends them
// (docs/s3-cors.md#preflight-evaluation, docs/s3-cors.md#preflight-refusals).
const (
	msgNoOrigin   = "Insufficient information. Origin request header needed."
	msgNoBucket   = "CORSResponse: Bucket not found"
	msgNotEnabled = "CORSResponse: CORS is not enabled for this bucket."
	msgNotAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
	msgBadMethod  = "Invalid Access-Control-Request-Method: "
)

func refuseNoOrigin() Decision {
	return Decision{Outcome: NoOrigin, Rule: -1, Status: 400, closeConn: true}
}

// PreflightNoBucket answers an OPTIONS request for a bucket that does not exist: 400 without
// Origin, else 403 "Bucket not found" (docs/s3-cors.md#preflight-evaluation steps 1-2). Its Method
// element carries the Access-Control-Request-Method when there is one, else OPTIONS, as step 3
// does [UNVERIFIED for this step].
func PreflightNoBucket(r *Request) Decision {
	if r.Origin == "" {
		return refuseNoOrigin()
	}
	return refuse(NoBucket, 403, r)
}

func methodOrOptions(m string) string {
	if m != "" {
		return m
	}
	return "OPTIONS"
}

// Preflight answers an OPTIONS request in the order Amazon S3 checks
// (docs/s3-cors.md#preflight-evaluation): Origin, configuration (p == nil: none),
// Access-Control-Request-Method, then the rules. Every OPTIONS request is a preflight to S3,
// whatever its headers.
func (p *Policy) Preflight(r *Request) (d Decision) {
	if r.Origin == "" {
		return refuseNoOrigin()
	}
	if p == nil {
		return refuse(NoConfiguration, 403, r)
	}
	// A missing or unknown method is a 400 [UNVERIFIED: the wording is the one S3 clones
	// share; S3's own suite expects the status].
	if methodIndex(r.RequestMethod) < 0 {
		return refuse(BadRequest, 400, r)
	}
	p.evaluate(&d, r.Origin, r.RequestMethod, r.RequestHeaders)
	if d.Outcome == Allowed {
		d.Status = 200
		return d
	}
	d.Status, d.errMethod, d.object = 403, r.RequestMethod, r.Object
	return d
}

// Actual decides the CORS headers of a non-OPTIONS request (docs/s3-cors.md#actual-requests). The
// request is served whatever the outcome: CORS neither grants nor denies access. As in Amazon S3,
// an Access-Control-Request-Method on such a request stands in for its method, and
// Access-Control-Request-Headers is checked and echoed; other request headers are not.
func (p *Policy) Actual(r *Request) (d Decision) {
	if r.Origin == "" {
		return Decision{Outcome: NoOrigin, Rule: -1}
	}
	if p == nil {
		return Decision{Outcome: NoConfiguration, Rule: -1}
	}
	method := r.Method
	if r.RequestMethod != "" {
		method = r.RequestMethod
	}
	p.evaluate(&d, r.Origin, method, r.RequestHeaders)
	return d
}

// evaluate finds the first rule allowing origin, method and the requested headers, and fills
// in d, which is zero, with the decision: it writes into its caller's result rather than
// returning a Decision, which would be copied.
func (p *Policy) evaluate(d *Decision, origin, method string, requestHeaders []string) {
	// Origin and method first: most refusals end here, before the header list is read.
	d.Outcome, d.Rule = NoMatchingRule, -1
	var set ruleSet
	exact := p.originRules(origin, &set)
	if set.empty() {
		d.Refused = CheckOrigin
		return
	}
	k := methodIndex(method)
	if k >= 0 {
		for w := range set {
			set[w] &= p.byMethod[k][w]
		}
	}
	if k < 0 || set.empty() {
		d.Refused = CheckMethod
		return
	}
	if len(requestHeaders) == 0 {
		// No header is requested, so every rule of set admits the request: the first decides.
		p.allow(d, set.first(), origin, exact, "", nil)
		return
	}
	p.evaluateHeaders(d, set, origin, exact, requestHeaders)
}

// evaluateHeaders is evaluate's end for a request that lists headers, apart so that the
// parsed list's room is set up only when there is a list.
func (p *Policy) evaluateHeaders(d *Decision, set ruleSet, origin string, exact *[1]string, requestHeaders []string) {
	var names acrh.Names
	if !acrh.Parse(requestHeaders, &names) {
		d.Refused = CheckHeaderLimits
		return
	}
	i := p.first(set, &names)
	if i < 0 {
		d.Refused, d.RefusedHeaders = CheckHeaders, p.unadmitted(set, &names)
		return
	}
	var echo string
	var shared *[1]string
	if names.Len() == 1 {
		shared = p.rules[i].literal(names.At(0))
	}
	if shared != nil {
		echo = shared[0]
	} else {
		echo, shared = p.echoes.Echo(&names)
	}
	p.allow(d, i, origin, exact, echo, shared)
}

// allow fills in d as allowed by rule i. exact is the origin as a shared value when some
// rule names it exactly; echo is the Allow-Headers echo and echoValue, when not nil, the same
// as a shared value.
func (p *Policy) allow(d *Decision, i int, origin string, exact *[1]string, echo string, echoValue *[1]string) {
	r := &p.rules[i]
	d.Outcome, d.Rule, d.rule = Allowed, i, r
	d.allowOrigin, d.allowHeaders = r.allowOrigin(origin), echo
	d.originValue, d.headersValue = exact, echoValue
	if d.allowOrigin == "*" {
		d.originValue = &starValue
	} else {
		d.credentials = true
	}
}
