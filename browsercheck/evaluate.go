package browsercheck

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/doorman-s3/doorman/cors"
)

// Response is what the server answered: the status, the headers and the start of the body
// (enough to recognise an Amazon S3 error document).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Verdict is the outcome for the script.
type Verdict uint8

// The verdicts.
const (
	// Allowed: the request is sent and the script reads the response and every header it
	// wants.
	Allowed Verdict = iota
	// Blocked: the browser refuses, at Result.Block's step; the script sees a TypeError.
	Blocked
	// Unreadable: the request succeeds, but some headers the script wants to read stay
	// hidden (Result.Hidden): headers.get returns null and no browser logs an error.
	Unreadable
	// Redirected: the actual response is a redirect that passes the CORS check; the browser
	// would follow it to Result.Location, which needs a check of its own.
	Redirected
	// PreflightPassed: the preflight passes; the actual request was not sent.
	PreflightPassed
)

var verdictNames = [...]string{"ALLOWED", "BLOCKED", "UNREADABLE", "REDIRECTED", "PREFLIGHT PASSED"}

func (v Verdict) String() string { return verdictNames[v] }

// MarshalText makes a Verdict print as its name in JSON.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// The names of the steps, in the order of the Fetch standard.
const (
	StepClassify           = "classify"
	StepPreflightStatus    = "preflight-status"
	StepPreflightOrigin    = "preflight-allow-origin"
	StepPreflightCreds     = "preflight-allow-credentials"
	StepAllowMethods       = "allow-methods"
	StepAllowHeaders       = "allow-headers"
	StepPreflightCache     = "preflight-cache"
	StepActualStatus       = "actual-status"
	StepActualOrigin       = "allow-origin"
	StepActualCreds        = "allow-credentials"
	StepExposeHeaders      = "expose-headers"
	resultPass, resultFail = "ok", "FAIL"
	resultSkip, resultInfo = "-", "info"
)

// Step is one line of the procedure: its name, "ok", "FAIL", "-" (not applicable) or
// "info", and what was seen.
type Step struct {
	Name   string `json:"step"`
	Result string `json:"result"`
	Detail string `json:"detail"`
}

// Block is what the browsers report for a blocked request.
type Block struct {
	// Step is the step that failed first in the order of the browser asked for.
	Step string `json:"step"`
	// CorsError is Chromium's DevTools corsError name (network::mojom::CorsError without
	// its k), and Chromium its console message; both follow Chromium's order of checks.
	CorsError string `json:"corsError"`
	Chromium  string `json:"chromium"`
	// Firefox is Firefox's console message with its "Reason:", in Firefox's order.
	Firefox string `json:"firefox"`
	// WebKit is the reason WebKit (Safari) writes to the console, in WebKit's order; it
	// follows it with "Fetch API cannot load URL due to access control checks.", and the
	// script sees only "TypeError: Load failed". The messages of the browsers not asked for
	// describe the checks that failed for the one asked for.
	WebKit string `json:"webkit"`
}

// Result is the browser's decision and the way to it.
type Result struct {
	Verdict Verdict `json:"verdict"`
	Steps   []Step  `json:"steps"`
	Block   *Block  `json:"block,omitempty"`
	// Hidden are the headers to read that the script cannot see.
	Hidden []string `json:"hidden,omitempty"`
	// Location is where a Redirected response points, resolved against the URL; Origin is
	// the Origin the browser sends there ("null" once a redirect has crossed origins).
	Location       string `json:"location,omitempty"`
	RedirectOrigin string `json:"redirectOrigin,omitempty"`
	// CacheSeconds is how long the browser keeps the preflight's answer; -1 without one.
	CacheSeconds int64 `json:"preflightCacheSeconds"`
	// S3 reports that the server answers like an Amazon S3 (or doorman) bucket.
	S3 bool `json:"s3"`
	// Fixes say what to change, one per failed check: the header a server should send, or
	// for an S3 bucket the CORSRule change.
	Fixes []string `json:"fixes,omitempty"`
	// Rule is, for an S3 bucket, a CORSRule that doorman's CORS engine answers in a way
	// that lets this request through; nil when no rule can.
	Rule *cors.Rule `json:"suggestedRule,omitempty"`
}

// check identifies one check of the procedure; a step may hold two (parse, coverage).
type check uint8

const (
	cStatus check = iota
	cOrigin
	cCreds
	cMethodsParse
	cHeadersParse
	cMethod
	cHeaders
	numChecks
)

// The order in which each browser runs the preflight checks: Chromium's
// CheckPreflightAccess runs the CORS check before the status, then parses both lists before
// checking either. Firefox also reports a missing Access-Control-Allow-Origin before a bad
// status (seen in Firefox 153 against S3's 403 refusals: "CORS header ‘Access-Control-Allow-Origin’
// missing", status 403), and checks each list right after parsing it. WebKit checks the status
// first ("Preflight response is not successful. Status code: 403"), then the CORS check, then
// parses both lists before checking either, as WebKitGTK 2.50 does in the real-browser suite.
var checkOrder = [...][]check{
	Chromium: {cOrigin, cCreds, cStatus, cMethodsParse, cHeadersParse, cMethod, cHeaders},
	Firefox:  {cOrigin, cCreds, cStatus, cMethodsParse, cMethod, cHeadersParse, cHeaders},
	WebKit:   {cStatus, cOrigin, cCreds, cMethodsParse, cHeadersParse, cMethod, cHeaders},
}

// failure is one failed check, with the texts each browser gives it.
type failure struct {
	step string
	kind kind
	// subject is the value the messages quote: the ACAO or ACAC value, the method, the
	// header name, the invalid token, the redirect location.
	subject string
	// missing lists every header name a fix must add (allow-headers).
	missing []string
	// ffMultiple: Firefox saw several Access-Control-Allow-Origin lines.
	ffMultiple bool
	// webkitName is the header name WebKit's message quotes (see webkitHeaderName).
	webkitName string
}

// evaluation gathers the facts the fixes need.
type evaluation struct {
	r        *Request
	p        *Plan
	pre, act *Response
	creds    bool
	res      *Result
}

// Evaluate runs the browser's checks over the responses. pre is the preflight's response and
// must be non-nil when p.Preflight; act is the actual response, nil when it was not sent.
func Evaluate(r *Request, p *Plan, pre, act *Response) *Result {
	e := evaluate(r, p, pre, act)
	if e.res.S3 = looksLikeS3(pre) || looksLikeS3(act); e.res.S3 {
		e.s3Fix()
	}
	return e.res
}

// evaluate is Evaluate without the fixes' engine run, so that the suggested rule can itself
// be evaluated.
func evaluate(r *Request, p *Plan, pre, act *Response) *evaluation {
	e := &evaluation{r: r, p: p, pre: pre, act: act, creds: r.Credentials == Include,
		res: &Result{CacheSeconds: -1}}
	res := e.res
	if p.Preflight {
		res.add(StepClassify, resultInfo, fmt.Sprintf("preflight: %s", strings.Join(p.Reasons, "; ")))
		if fs := e.preflight(); fs.any() {
			e.block(fs, true)
			return e
		}
	} else {
		res.add(StepClassify, resultInfo, "no preflight: the method and every header are CORS-safelisted")
	}
	if act == nil {
		res.add(StepActualStatus, resultSkip, "not sent")
		res.Verdict = PreflightPassed
		return e
	}
	if fs := e.actual(); fs.any() {
		e.block(fs, false)
		return e
	}
	if res.Location != "" {
		res.Verdict = Redirected
		return e
	}
	e.expose()
	return e
}

func (r *Result) add(name, result, detail string) {
	r.Steps = append(r.Steps, Step{Name: name, Result: result, Detail: detail})
}

// failures holds the failed checks by check.
type failures [numChecks]*failure

func (fs *failures) any() bool {
	return slices.ContainsFunc(fs[:], func(f *failure) bool { return f != nil })
}

// in returns the failures in the order browser b runs the checks.
func (fs *failures) in(b Browser) []failure {
	var out []failure
	for _, c := range checkOrder[b] {
		if fs[c] != nil {
			out = append(out, *fs[c])
		}
	}
	return out
}

// preflight runs CORS-preflight fetch step 7.
func (e *evaluation) preflight() (fs failures) {
	pre, res := e.pre, e.res
	if isRedirect(pre.Status) {
		// Chromium fails a redirected preflight before looking at any header.
		loc := pre.Header.Get("Location")
		res.add(StepPreflightStatus, resultFail, fmt.Sprintf("%d redirect to %q: a preflight is never redirected", pre.Status, loc))
		fs[cStatus] = &failure{step: StepPreflightStatus, kind: kPreflightRedirect, subject: loc}
		return fs
	}
	if pre.Status < 200 || pre.Status > 299 {
		fs[cStatus] = &failure{step: StepPreflightStatus, kind: kPreflightStatus, subject: fmt.Sprint(pre.Status)}
		res.add(StepPreflightStatus, resultFail, fmt.Sprintf("%d is not an ok status (200-299)", pre.Status))
	} else {
		res.add(StepPreflightStatus, resultPass, fmt.Sprint(pre.Status))
	}
	fs[cOrigin], fs[cCreds] = e.corsCheck(pre, StepPreflightOrigin, StepPreflightCreds)

	methods, mBad, mOK := extractList(pre.Header, "Access-Control-Allow-Methods")
	headers, hBad, hOK := extractList(pre.Header, "Access-Control-Allow-Headers")
	switch m := e.p.Method; {
	case !mOK:
		fs[cMethodsParse] = &failure{step: StepAllowMethods, kind: kBadMethods, subject: mBad}
		res.add(StepAllowMethods, resultFail, fmt.Sprintf("cannot parse Access-Control-Allow-Methods: %q is not a method token", mBad))
	case slices.Contains(methods, m):
		res.add(StepAllowMethods, resultPass, fmt.Sprintf("%s is listed", m))
	case isSafelistedMethod(m):
		res.add(StepAllowMethods, resultPass, fmt.Sprintf("%s is CORS-safelisted and needs no listing", m))
	case !e.creds && slices.Contains(methods, "*"):
		res.add(StepAllowMethods, resultPass, fmt.Sprintf("%s is covered by '*' (no credentials)", m))
	default:
		fs[cMethod] = &failure{step: StepAllowMethods, kind: kMethod, subject: m}
		res.add(StepAllowMethods, resultFail, fmt.Sprintf("%s is not in %s%s", m, listText(methods), starNote(e.creds, methods)))
	}
	if !hOK {
		fs[cHeadersParse] = &failure{step: StepAllowHeaders, kind: kBadHeaders, subject: hBad}
		res.add(StepAllowHeaders, resultFail, fmt.Sprintf("cannot parse Access-Control-Allow-Headers: %q is not a header name", hBad))
	} else if f := e.headerCoverage(headers); f != nil {
		fs[cHeaders] = f
	}
	if !fs.any() {
		e.cache()
	}
	return fs
}

// headerCoverage runs CORS-preflight fetch steps 7.5 and 7.6 and records the step.
func (e *evaluation) headerCoverage(allowed []string) *failure {
	res := e.res
	if len(e.p.UnsafeNames) == 0 {
		res.add(StepAllowHeaders, resultPass, "no CORS-unsafe request headers to allow")
		return nil
	}
	has := func(n string) bool {
		return slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, n) })
	}
	wildcard := !e.creds && has("*")
	// Authorization is the one "CORS non-wildcard request-header name": '*' never covers it
	// (step 7.5), except in WebKit, which lets '*' cover every name (WebKitGTK 2.50 in the
	// real-browser suite sends the request).
	starCoversAuth := e.r.Browser == WebKit
	var missing []string
	for _, n := range e.p.UnsafeNames {
		if !has(n) && (!wildcard || (n == "authorization" && !starCoversAuth)) {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		detail := "every unsafe header is listed: " + strings.Join(e.p.UnsafeNames, ", ")
		if wildcard {
			detail = "covered by '*' (no credentials)"
		}
		res.add(StepAllowHeaders, resultPass, detail)
		return nil
	}
	detail := fmt.Sprintf("not allowed: %s (allowed: %s)%s", strings.Join(missing, ", "), listText(allowed), starNote(e.creds, allowed))
	if wildcard {
		detail += "; '*' never covers authorization"
	}
	res.add(StepAllowHeaders, resultFail, detail)
	return &failure{step: StepAllowHeaders, kind: kHeader, subject: missing[0], missing: missing,
		webkitName: webkitHeaderName(e.p.Headers, missing)}
}

// cache records the preflight cache lifetime: Access-Control-Max-Age, 5 s when absent or
// invalid, capped by the browser.
func (e *evaluation) cache() {
	limit := [...]int64{Chromium: 7200, Firefox: 86400, WebKit: 600}[e.r.Browser]
	raw, present := joined(e.pre.Header, "Access-Control-Max-Age")
	secs, ok := parseMaxAge(raw, e.r.Browser)
	var detail string
	switch {
	case !present:
		secs, detail = 5, "no Access-Control-Max-Age: 5 s"
	case !ok:
		secs, detail = 5, fmt.Sprintf("Access-Control-Max-Age %q is not a number: 5 s", raw)
	case secs > limit:
		detail = fmt.Sprintf("Access-Control-Max-Age %s, capped by %s at %d s", raw, e.r.Browser, limit)
		secs = limit
	default:
		detail = fmt.Sprintf("Access-Control-Max-Age %s: %d s", raw, secs)
	}
	e.res.CacheSeconds = secs
	e.res.add(StepPreflightCache, resultInfo, detail+" (per origin, URL, credentials mode, and method or header name)")
}

// actual checks the actual response: a redirect's location and CORS check, or the response's
// CORS check.
func (e *evaluation) actual() (fs failures) {
	act, res := e.act, e.res
	loc := act.Header.Get("Location")
	if !isRedirect(act.Status) || loc == "" {
		res.add(StepActualStatus, resultInfo, fmt.Sprint(act.Status))
		fs[cOrigin], fs[cCreds] = e.corsCheck(act, StepActualOrigin, StepActualCreds)
		return fs
	}
	base, _ := url.Parse(e.r.URL)
	target, err := base.Parse(loc)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") {
		res.add(StepActualStatus, resultFail, fmt.Sprintf("%d redirect to %q, not an http or https URL", act.Status, loc))
		fs[cStatus] = &failure{step: StepActualStatus, kind: kRedirectScheme, subject: loc}
		return fs
	}
	if target.User != nil {
		res.add(StepActualStatus, resultFail, fmt.Sprintf("%d redirect to %q, which holds credentials", act.Status, loc))
		fs[cStatus] = &failure{step: StepActualStatus, kind: kRedirectCredentials, subject: target.String()}
		return fs
	}
	// HTTP fetch step 4: a redirect response must pass the CORS check as well.
	res.add(StepActualStatus, resultInfo, fmt.Sprintf("%d redirect to %s (not followed)", act.Status, target))
	if fs[cOrigin], fs[cCreds] = e.corsCheck(act, StepActualOrigin, StepActualCreds); fs.any() {
		return fs
	}
	res.Location = target.String()
	// HTTP-redirect fetch step 13: a redirect that leaves the current URL's origin taints
	// the request's origin, which is then serialized as "null".
	res.RedirectOrigin = e.r.Origin
	if SerializeOrigin(target) != SerializeOrigin(base) {
		res.RedirectOrigin = "null"
	}
	return fs
}

// corsCheck is Fetch's "CORS check", split in its origin and credentials parts, each
// recorded as a step.
func (e *evaluation) corsCheck(resp *Response, originStep, credsStep string) (origin, creds *failure) {
	res := e.res
	lines := resp.Header.Values("Access-Control-Allow-Origin")
	v, present := joined(resp.Header, "Access-Control-Allow-Origin")
	switch {
	case !present:
		origin = &failure{step: originStep, kind: kMissingOrigin}
		res.add(originStep, resultFail, "no Access-Control-Allow-Origin")
	case v == "*" && e.creds:
		origin = &failure{step: originStep, kind: kWildcardCreds, subject: v}
		res.add(originStep, resultFail, "'*' with credentials: the exact origin must be echoed")
	case v == "*":
		res.add(originStep, resultPass, "'*' (no credentials)")
	case v == e.r.Origin:
		res.add(originStep, resultPass, fmt.Sprintf("%q equals the origin", v))
	default:
		k := kOriginMismatch
		switch {
		case strings.ContainsAny(v, " ,"):
			k = kMultipleOrigins
		case v != "null" && !isValidURL(v):
			k = kInvalidOrigin
		}
		origin = &failure{step: originStep, kind: k, subject: v, ffMultiple: len(lines) > 1}
		res.add(originStep, resultFail, fmt.Sprintf("%q is not byte-equal to %q", v, e.r.Origin))
	}
	if !e.creds {
		res.add(credsStep, resultSkip, "credentials not included")
		return origin, nil
	}
	if c, _ := joined(resp.Header, "Access-Control-Allow-Credentials"); c != "true" {
		creds = &failure{step: credsStep, kind: kBadCredentials, subject: c}
		res.add(credsStep, resultFail, fmt.Sprintf("%q, not exactly \"true\"", c))
	} else {
		res.add(credsStep, resultPass, "true")
	}
	return origin, creds
}

// safelistedResponseHeaders are the CORS-safelisted response-header names.
var safelistedResponseHeaders = []string{"cache-control", "content-language", "content-length",
	"content-type", "expires", "last-modified", "pragma"}

// expose works out the CORS-exposed header-name list ("main fetch" step 15) and which of the
// headers to read stay hidden.
func (e *evaluation) expose() {
	res := e.res
	res.Verdict = Allowed
	if len(e.r.ReadHeaders) == 0 {
		res.add(StepExposeHeaders, resultSkip, "no headers to read")
		return
	}
	exposed, _, ok := extractList(e.act.Header, "Access-Control-Expose-Headers")
	if !ok {
		exposed = nil // a list that does not parse exposes nothing
	}
	wildcard := !e.creds && slices.Contains(exposed, "*")
	var notes []string
	for _, n := range e.r.ReadHeaders {
		l := strings.ToLower(n)
		why := ""
		switch {
		case l == "set-cookie" || l == "set-cookie2":
			why = "never exposed"
		case slices.Contains(safelistedResponseHeaders, l):
			notes = append(notes, n+" is CORS-safelisted")
		case slices.ContainsFunc(exposed, func(x string) bool { return strings.EqualFold(x, n) }):
			notes = append(notes, n+" is exposed")
		case wildcard:
			notes = append(notes, n+" is exposed by '*'")
		default:
			why = "not in Access-Control-Expose-Headers " + listText(exposed) + starNote(e.creds, exposed)
		}
		if why != "" {
			res.Hidden = append(res.Hidden, n)
			notes = append(notes, n+" hidden: "+why)
		} else if _, ok := e.act.Header[http.CanonicalHeaderKey(n)]; !ok {
			notes[len(notes)-1] += " (absent from this response)"
		}
	}
	result := resultPass
	if len(res.Hidden) > 0 {
		result, res.Verdict = resultFail, Unreadable
		res.Fixes = []string{fmt.Sprintf("send Access-Control-Expose-Headers: %s on the actual response (Set-Cookie can never be read)",
			strings.Join(res.Hidden, ", "))}
	}
	res.add(StepExposeHeaders, result, strings.Join(notes, "; "))
}

// extractList is "extract header list values" for a comma-separated list of tokens: the
// values of every line, split, trimmed, empty ones dropped. ok is false when an element is not
// a token; bad is that element.
func extractList(h http.Header, name string) (list []string, bad string, ok bool) {
	for _, line := range h.Values(name) {
		for item := range strings.SplitSeq(line, ",") {
			item = strings.Trim(item, " \t")
			if item == "" {
				continue
			}
			if !isToken(item) {
				return nil, item, false
			}
			list = append(list, item)
		}
	}
	return list, "", true
}

// joined is the header's value as Fetch's "get" (and Chromium) read it: every line combined
// with ", ".
func joined(h http.Header, name string) (string, bool) {
	v := h.Values(name)
	return strings.Join(v, ", "), len(v) > 0
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// isValidURL approximates the URL validity Chromium checks before calling a value a mismatch
// rather than an invalid origin: an absolute URL with a scheme and a host.
func isValidURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.Scheme != "" && u.Host != ""
}

func listText(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ", ")
}

func starNote(creds bool, l []string) string {
	if creds && slices.Contains(l, "*") {
		return "; '*' is a literal name with credentials"
	}
	return ""
}
