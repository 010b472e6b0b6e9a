package gateway

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/internal/errlist"
)

// restPaths answers the preflights of an imported REST API per resource, as API Gateway does:
// each resource has its own OPTIONS method, so /orders and /orders/{id} answer with their own
// Access-Control-Allow-Methods (what SAM computes from each path's methods), and a resource
// whose OPTIONS method has a backend integration leaves the preflight to the backend
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html). A request
// path that matches no resource has no OPTIONS method to answer it: API Gateway answers 403
// {"message":"Missing Authentication Token"} (missingResource).
type restPaths struct {
	paths []restPath
	// missing is what explain evaluates for a path no resource matches: the policy without
	// static headers, so no CORS header (the 403 carries DEFAULT_4XX's headers only).
	missing *fetch.Policy
}

// restPath is one resource of the imported definition with its OPTIONS answer.
type restPath struct {
	template string   // "/orders/{id}", as the definition writes it
	segs     []string // its segments: a literal, "{name}" (one segment), or "{name+}" (the rest)
	policy   *fetch.Policy
	// backend: the resource's own OPTIONS method has a backend integration, which answers
	// the preflight (policy is nil).
	backend bool
	static  []fetch.Header
}

// The kinds of a template's segment, most specific first: a literal resource is chosen over
// a path parameter, and a parameter over a greedy {proxy+}, which catches only what no other
// resource does (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-set-up-simple-proxy.html).
// [UNVERIFIED] No recorded REST API answer settles the order between /a/{id} and a literal
// /a/b; this is the order HTTP APIs document ("the most specific match wins",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html),
// and the only one under which a literal resource is reachable at all.
const (
	segLiteral = iota
	segParam
	segGreedy
)

func segKind(s string) int {
	switch {
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
		return segGreedy
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
		return segParam
	}
	return segLiteral
}

// compileREST compiles each resource's OPTIONS answer of an apigw-rest import: s with the
// resource's own static headers. It returns nil when the import lists no resource (every
// path then answers with the policy's static headers). Errors are reported at the block
// (at, path).
func compileREST(s *settings, at loc, path string, errs *errorList) *restPaths {
	if s.semantics != fetch.APIGatewayREST || len(s.paths) == 0 {
		return nil
	}
	rp := &restPaths{}
	none := s.fetchConfig()
	none.Static = []fetch.Header{}
	missing, err := fetch.Compile(none)
	if err != nil { // not reached: the policy compiled with headers, and compiles without
		errs.add(&Error{File: at.file, Line: at.line, Col: at.col, Field: path, Message: err.Error()})
		return nil
	}
	rp.missing = missing
	for _, p := range s.paths {
		r := restPath{template: p.Path, segs: splitPath(p.Path), static: p.Static}
		if p.Static == nil {
			r.backend = true
		} else {
			c := s.fetchConfig()
			c.Static = p.Static
			pol, err := fetch.Compile(c)
			if err != nil {
				for _, e := range errlist.Flatten(err) {
					errs.add(&Error{File: at.file, Line: at.line, Col: at.col, Field: path,
						Message: fmt.Sprintf("the OPTIONS method of %s: %v", p.Path, e)})
				}
				continue
			}
			r.policy = pol
		}
		rp.paths = append(rp.paths, r)
	}
	return rp
}

// splitPath splits a resource template into its segments; "/" has none.
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// lookup returns the resource a request path reaches, the most specific one when several
// match; false when none does. It does not allocate.
func (rp *restPaths) lookup(urlPath string) (*restPath, bool) {
	var best *restPath
	for i := range rp.paths {
		r := &rp.paths[i]
		if r.matches(urlPath) && (best == nil || r.moreSpecific(best)) {
			best = r
		}
	}
	return best, best != nil
}

// matches reports whether the request path (cleaned, a trailing slash ignored) reaches r.
func (r *restPath) matches(urlPath string) bool {
	rest := strings.Trim(urlPath, "/")
	for i, seg := range r.segs {
		if rest == "" {
			return false
		}
		kind := segKind(seg)
		if kind == segGreedy {
			return i == len(r.segs)-1
		}
		var part string
		part, rest, _ = strings.Cut(rest, "/")
		if kind == segLiteral && part != seg {
			return false
		}
	}
	return rest == ""
}

// moreSpecific reports whether r is chosen over o when both match: at the first segment
// whose kind differs, the more specific kind wins.
func (r *restPath) moreSpecific(o *restPath) bool {
	for i := 0; i < len(r.segs) && i < len(o.segs); i++ {
		if a, b := segKind(r.segs[i]), segKind(o.segs[i]); a != b {
			return a < b
		}
	}
	return len(r.segs) > len(o.segs)
}

// The answer of API Gateway to a request for a resource the API does not have, an OPTIONS one
// included ("Missing Authentication Token",
// docs/apigw-cors.md#rest-api-missing-authentication-token: MISSING_AUTHENTICATION_TOKEN,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
const (
	missingTokenStatus = http.StatusForbidden
	missingTokenBody   = `{"message":"Missing Authentication Token"}`
	missingTokenType   = "MissingAuthenticationTokenException"
)

// missingResource answers a preflight for a path no resource of the imported REST API matches, as
// API Gateway does: no OPTIONS method answers it, so no CORS header, but the DEFAULT_4XX gateway
// response's headers (decorate adds them to the gateway's own 4xx). [UNVERIFIED] The status and
// body are recorded for GET on an unknown path and POST on a GET-only resource; that OPTIONS gets
// the same is derived (docs/apigw-cors.md#rest-api-missing-authentication-token).
func (x *exchange) missingResource() {
	x.d = fetch.Decision{Kind: fetch.Preflight, Reason: fetch.ReasonUnconfigured, Status: missingTokenStatus}
	x.gatewayMade = true
	h := x.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(missingTokenBody)))
	h.Set("x-amzn-ErrorType", missingTokenType) // canonicalised, as net/http sends every name
	x.WriteHeader(missingTokenStatus)
	_, _ = io.WriteString(x, missingTokenBody)
}

// describe lists each resource's answer, for explain and the effective configuration.
func (rp *restPaths) describe() string {
	var parts []string
	for _, r := range rp.paths {
		if r.backend {
			parts = append(parts, r.template+": the backend answers")
			continue
		}
		parts = append(parts, r.template+": "+headerList(r.static))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// headerList renders headers as "[Name: value, ...]".
func headerList(hs []fetch.Header) string {
	vals := make([]string, len(hs))
	for i, h := range hs {
		vals[i] = h.Name + ": " + h.Value
	}
	return "[" + strings.Join(vals, ", ") + "]"
}
