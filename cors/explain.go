package cors

import "github.com/doorman-s3/doorman/cors/internal/acrh"

// Explanation tells why a request got its decision: what was matched against the rules, and
// how each rule fared.
type Explanation struct {
	Decision  Decision
	Preflight bool
	// Method is the method compared with AllowedMethod: Access-Control-Request-Method when
	// present, else the request's own method (docs/s3-cors.md#matching-rules,
	// docs/s3-cors.md#actual-requests).
	Method string
	// Headers are the requested header names as Amazon S3 reads them.
	Headers []string
	// HeadersRefused is set when Access-Control-Request-Headers exceeds the parser's bounds;
	// no rule can match such a request.
	HeadersRefused bool
	Rules          []RuleTrace
}

// RuleTrace is how one rule fared.
type RuleTrace struct {
	Index int
	ID    string
	// Origin is the AllowedOrigin that matched the request's Origin, first in rule order.
	Origin        string
	OriginMatched bool
	MethodMatched bool
	Headers       []HeaderTrace
	// Matched: origin, method and every header matched. The first such rule decides.
	Matched bool
}

// HeaderTrace is how one requested header name fared against a rule.
type HeaderTrace struct {
	Name string
	// AllowedBy is the AllowedHeader (lower-cased) that admits the name, or "".
	AllowedBy string
}

// Explain evaluates r as a preflight (Preflight) or an actual request (Actual) and traces
// every rule. p may be nil (no configuration).
func (p *Policy) Explain(r *Request, preflight bool) Explanation {
	var e Explanation
	e.Preflight = preflight
	if preflight {
		e.Decision = p.Preflight(r)
		e.Method = r.RequestMethod
	} else {
		e.Decision = p.Actual(r)
		e.Method = r.Method
		if r.RequestMethod != "" {
			e.Method = r.RequestMethod
		}
	}
	var names acrh.Names
	if !acrh.Parse(r.RequestHeaders, &names) {
		e.HeadersRefused = true
	} else {
		for i := range names.Len() {
			e.Headers = append(e.Headers, names.At(i))
		}
	}
	if p == nil {
		return e
	}
	k := methodIndex(e.Method)
	for i := range p.rules {
		rl := &p.rules[i]
		t := RuleTrace{Index: i, ID: rl.id}
		if j := rl.matchOrigin(r.Origin); j >= 0 && r.Origin != "" {
			t.OriginMatched, t.Origin = true, p.config.Rules[i].AllowedOrigins[j]
		}
		t.MethodMatched = k >= 0 && rl.methods&(1<<k) != 0
		headersOK := !e.HeadersRefused
		for _, n := range e.Headers {
			by := rl.allowedBy(n)
			t.Headers = append(t.Headers, HeaderTrace{Name: n, AllowedBy: by})
			headersOK = headersOK && by != ""
		}
		t.Matched = t.OriginMatched && t.MethodMatched && headersOK
		e.Rules = append(e.Rules, t)
	}
	return e
}
