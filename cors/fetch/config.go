package fetch

import (
	"errors"
	"fmt"
	"iter"
	"slices"
)

// Semantics is the set of rules a Policy answers by.
type Semantics uint8

const (
	// Fetch is doorman's own: every preflight evaluated in Fetch order, the answer computed
	// from the request (https://fetch.spec.whatwg.org/#http-cors-protocol).
	Fetch Semantics = iota
	// APIGatewayHTTP ("apigw-http") answers as Amazon API Gateway HTTP APIs answer with a
	// CorsConfiguration: automatic preflight answers, configured lists sent as they are.
	APIGatewayHTTP
	// APIGatewayREST ("apigw-rest") answers as a REST API whose console or SAM "Enable CORS"
	// made a mock OPTIONS method with static values, plus the headers of the DEFAULT_4XX and
	// DEFAULT_5XX gateway responses.
	APIGatewayREST
	// CloudFront ("cloudfront") adds the headers of a response headers policy's CorsConfig to
	// the responses of the origin, OPTIONS included: CloudFront answers no preflight itself.
	CloudFront
)

var semanticsNames = [...]string{"fetch", "apigw-http", "apigw-rest", "cloudfront"}

// String returns the configuration name: "fetch", "apigw-http", "apigw-rest" or "cloudfront".
func (s Semantics) String() string {
	if int(s) < len(semanticsNames) {
		return semanticsNames[s]
	}
	return fmt.Sprintf("Semantics(%d)", s)
}

// ParseSemantics reads a configuration name; see Semantics.String.
func ParseSemantics(s string) (Semantics, error) {
	if i := slices.Index(semanticsNames[:], s); i >= 0 {
		return Semantics(i), nil
	}
	return 0, fmt.Errorf("unknown CORS semantics %q: want one of fetch, apigw-http, apigw-rest, cloudfront", s)
}

// Advertise says what a Fetch-semantics preflight answer lists in Access-Control-Allow-Methods
// and Access-Control-Allow-Headers. The AWS semantics always send the configured lists, as
// the services do, whatever Advertise says.
type Advertise uint8

const (
	// AdvertiseRequested lists only what the preflight asked for, once it is allowed: the
	// answer reveals nothing of the rest of the policy.
	AdvertiseRequested Advertise = iota
	// AdvertiseConfigured lists the full configured lists, as API Gateway and CloudFront send
	// them. With credentials a configured "*" is answered with the request's own method or
	// header names, because browsers read "*" literally on credentialed requests.
	AdvertiseConfigured
)

var advertiseNames = [...]string{"requested", "configured"}

// String returns the configuration name: "requested" or "configured".
func (a Advertise) String() string {
	if int(a) < len(advertiseNames) {
		return advertiseNames[a]
	}
	return fmt.Sprintf("Advertise(%d)", a)
}

// ParseAdvertise reads a configuration name; see Advertise.String.
func ParseAdvertise(s string) (Advertise, error) {
	if i := slices.Index(advertiseNames[:], s); i >= 0 {
		return Advertise(i), nil
	}
	return 0, fmt.Errorf("unknown advertise mode %q: want requested or configured", s)
}

// Config is a CORS policy as written. Compile validates and compiles it; which fields apply
// and what they accept depends on Semantics (see the package documentation).
type Config struct {
	Semantics Semantics
	// Origins: "https://app.example.com" (a serialised origin), "https://*.example.com" (any
	// subdomain, one label or more, never the apex; public-suffix wildcards are refused),
	// "http://localhost:*" (any port), "*". apigw-http also takes "http://*" and "https://*";
	// cloudfront "*.example.org" (any subdomain, either scheme).
	Origins []string
	// OriginPatterns are RE2 expressions matched against the whole Origin value; each must be
	// anchored (^...$), or it is a configuration error. Fetch semantics only.
	OriginPatterns []string
	// Methods allowed, or ["*"]. CONNECT, TRACE and TRACK are refused in Fetch semantics.
	Methods []string
	// RequestHeaders allowed, or ["*"]. In Fetch semantics "*" never covers Authorization.
	RequestHeaders []string
	// ExposeHeaders to scripts. "*" with credentials is refused in Fetch semantics.
	ExposeHeaders []string
	// MaxAge in seconds; nil leaves Access-Control-Max-Age out. Fetch semantics: 0..86400.
	MaxAge      *int
	Credentials bool
	Advertise   Advertise
	// PreflightStatus is the status of an allowed preflight; 0 is the semantics' default
	// (Fetch 204, apigw-http 204, apigw-rest 200).
	PreflightStatus int
	// FailureStatus is the status of a refused preflight; 0 is the semantics' default (Fetch
	// 403, apigw-http 204). 200 is allowed (the answer carries no CORS headers either way).
	FailureStatus int
	// apigw-rest only: Static are the headers the mock OPTIONS method returns verbatim (name,
	// value); Errors4XX and Errors5XX the headers the DEFAULT_4XX and DEFAULT_5XX gateway
	// responses carry.
	Static, Errors4XX, Errors5XX []Header
}

// Header is one response header.
type Header struct{ Name, Value string }

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	out := *c
	out.Origins = slices.Clone(c.Origins)
	out.OriginPatterns = slices.Clone(c.OriginPatterns)
	out.Methods = slices.Clone(c.Methods)
	out.RequestHeaders = slices.Clone(c.RequestHeaders)
	out.ExposeHeaders = slices.Clone(c.ExposeHeaders)
	if c.MaxAge != nil {
		v := *c.MaxAge
		out.MaxAge = &v
	}
	out.Static = slices.Clone(c.Static)
	out.Errors4XX = slices.Clone(c.Errors4XX)
	out.Errors5XX = slices.Clone(c.Errors5XX)
	return &out
}

// ConfigError is one problem of a Config. Compile reports every problem at once, joined with
// errors.Join.
type ConfigError struct {
	// Field is the configuration key: "origins", "origin_patterns", "methods",
	// "request_headers", "expose_headers", "max_age", "credentials", "preflight_status",
	// "failure_status", "static", "errors_4xx", "errors_5xx", "semantics", "advertise".
	Field string
	// Index is the position in the list, -1 when the error is about the whole field.
	Index   int
	Value   string
	Message string // what is wrong, in one sentence
	Fix     string // how to fix it ("" if none)
}

// Error formats the problem as `field[index] "value": message (fix: ...)`.
func (e *ConfigError) Error() string {
	s := e.Field
	if e.Index >= 0 {
		s += fmt.Sprintf("[%d]", e.Index)
	}
	if e.Value != "" {
		s += fmt.Sprintf(" %q", e.Value)
	}
	s += ": " + e.Message
	if e.Fix != "" {
		s += " (fix: " + e.Fix + ")"
	}
	return s
}

// ConfigErrors yields every *ConfigError inside err, in order, looking through errors.Join
// and wrapping: the problems of a Compile error one by one, for tools that place each where
// it is written.
func ConfigErrors(err error) iter.Seq[*ConfigError] {
	return func(yield func(*ConfigError) bool) {
		walkConfigErrors(err, yield)
	}
}

func walkConfigErrors(err error, yield func(*ConfigError) bool) bool {
	switch x := err.(type) {
	case nil:
		return true
	case *ConfigError:
		return yield(x)
	case interface{ Unwrap() []error }:
		for _, e := range x.Unwrap() {
			if !walkConfigErrors(e, yield) {
				return false
			}
		}
		return true
	default:
		return walkConfigErrors(errors.Unwrap(err), yield)
	}
}
