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
// (200, 400 or 403) and, when it is an error, Error holds AWS's error; for an actual request
// Status is 0, the handler's own status stands, and only the headers are added.
type Decision struct {
	Outcome Outcome
	Rule    int // index of the rule that matched, or -1
	Status  int
	Error   *corserr.Error

	allowOrigin   string
	allowMethods  string
	allowHeaders  string
	exposeHeaders string
	maxAge        string
	credentials   bool
	closeConn     bool
}

// Header is one response header.
type Header struct{ Name, Value string }

// Vary is the value Amazon S3 sends on every response a rule matched.
const Vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// Headers returns the response headers the decision adds, in the order Amazon S3 sends them
// (ACAH's place among them is not recorded [UNVERIFIED]). A refused preflight for want of an
// Origin also closes the connection, as S3 does.
func (d *Decision) Headers() []Header {
	var hs []Header
	d.each(func(name, value string) { hs = append(hs, Header{name, value}) })
	return hs
}

func (d *Decision) each(f func(name, value string)) {
	if d.closeConn {
		f("Connection", "close")
	}
	if d.Outcome != Allowed {
		return
	}
	f("Access-Control-Allow-Origin", d.allowOrigin)
	f("Access-Control-Allow-Methods", d.allowMethods)
	if d.allowHeaders != "" {
		f("Access-Control-Allow-Headers", d.allowHeaders)
	}
	if d.exposeHeaders != "" {
		f("Access-Control-Expose-Headers", d.exposeHeaders)
	}
	if d.maxAge != "" {
		f("Access-Control-Max-Age", d.maxAge)
	}
	if d.credentials {
		f("Access-Control-Allow-Credentials", "true")
	}
	f("Vary", Vary)
}

// WriteHeaders sets the decision's headers in h. Every value gets memory of its own (one
// allocation for all of them), so a later change to h by other code cannot reach another
// response; Vary is appended to any Vary already set.
func (d *Decision) WriteHeaders(h http.Header) {
	if d.Outcome != Allowed && !d.closeConn {
		return
	}
	vals := make([]string, 0, 8)
	d.each(func(name, value string) {
		vals = append(vals, value)
		n := len(vals)
		if name == "Vary" && len(h["Vary"]) > 0 {
			h["Vary"] = append(h["Vary"][:len(h["Vary"]):len(h["Vary"])], value)
			return
		}
		h[name] = vals[n-1 : n : n]
	})
}

func newError(status int, code, message, method, resourceType string) *corserr.Error {
	return &corserr.Error{Status: status, Code: code, Message: message, Rule: -1,
		Method: method, ResourceType: resourceType}
}

// The refusals of a preflight, word for word as Amazon S3 sends them (spec C.1, C.3).
const (
	msgNoOrigin   = "Insufficient information. Origin request header needed."
	msgNoBucket   = "CORSResponse: Bucket not found"
	msgNotEnabled = "CORSResponse: CORS is not enabled for this bucket."
	msgNotAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
	msgBadMethod  = "Invalid Access-Control-Request-Method: "
)

var errNoOrigin = newError(400, corserr.CodeBadRequest, msgNoOrigin, "", "")

// PreflightNoBucket answers an OPTIONS request for a bucket that does not exist: 400 without
// Origin, else 403 "Bucket not found" (spec C.1 steps 1-2). Its Method element carries the
// Access-Control-Request-Method when there is one, else OPTIONS, as step 3 does [UNVERIFIED
// for this step].
func PreflightNoBucket(r *Request) Decision {
	if r.Origin == "" {
		return Decision{Outcome: NoOrigin, Rule: -1, Status: 400, Error: errNoOrigin, closeConn: true}
	}
	return Decision{Outcome: NoBucket, Rule: -1, Status: 403,
		Error: newError(403, corserr.CodeAccessForbidden, msgNoBucket, methodOrOptions(r), "BUCKET")}
}

func methodOrOptions(r *Request) string {
	if r.RequestMethod != "" {
		return r.RequestMethod
	}
	return "OPTIONS"
}

// Preflight answers an OPTIONS request in the order Amazon S3 checks (spec C.1): Origin,
// configuration (p == nil: none), Access-Control-Request-Method, then the rules. Every
// OPTIONS request is a preflight to S3, whatever its headers.
func (p *Policy) Preflight(r *Request) Decision {
	if r.Origin == "" {
		return Decision{Outcome: NoOrigin, Rule: -1, Status: 400, Error: errNoOrigin, closeConn: true}
	}
	if p == nil {
		return Decision{Outcome: NoConfiguration, Rule: -1, Status: 403,
			Error: newError(403, corserr.CodeAccessForbidden, msgNotEnabled, methodOrOptions(r), "BUCKET")}
	}
	// A missing or unknown method is a 400 [UNVERIFIED: the wording is the one S3 clones
	// share; S3's own suite expects the status].
	if methodIndex(r.RequestMethod) < 0 {
		v := r.RequestMethod
		if v == "" {
			v = "null"
		}
		return Decision{Outcome: BadRequest, Rule: -1, Status: 400,
			Error: newError(400, corserr.CodeBadRequest, msgBadMethod+v, "", "")}
	}
	d := p.evaluate(r.Origin, r.RequestMethod, r.RequestHeaders)
	if d.Outcome == Allowed {
		d.Status = 200
		return d
	}
	resource := "BUCKET"
	if r.Object {
		resource = "OBJECT"
	}
	d.Status = 403
	d.Error = newError(403, corserr.CodeAccessForbidden, msgNotAllowed, r.RequestMethod, resource)
	return d
}

// Actual decides the CORS headers of a non-OPTIONS request (spec D). The request is served
// whatever the outcome: CORS neither grants nor denies access. As in Amazon S3, an
// Access-Control-Request-Method on such a request stands in for its method, and
// Access-Control-Request-Headers is checked and echoed; other request headers are not.
func (p *Policy) Actual(r *Request) Decision {
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
	return p.evaluate(r.Origin, method, r.RequestHeaders)
}

// evaluate matches the rules and fills in the success headers.
func (p *Policy) evaluate(origin, method string, requestHeaders []string) Decision {
	var names acrh.Names
	if !acrh.Parse(requestHeaders, &names) {
		return Decision{Outcome: NoMatchingRule, Rule: -1}
	}
	i := p.match(origin, method, &names)
	if i < 0 {
		return Decision{Outcome: NoMatchingRule, Rule: -1}
	}
	r := &p.rules[i]
	d := Decision{
		Outcome:       Allowed,
		Rule:          i,
		allowOrigin:   r.allowOrigin(origin),
		allowMethods:  r.allowMethods,
		allowHeaders:  names.Echo(),
		exposeHeaders: r.exposeHeaders,
		maxAge:        r.maxAge,
	}
	d.credentials = d.allowOrigin != "*"
	return d
}
