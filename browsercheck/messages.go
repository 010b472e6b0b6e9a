package browsercheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/doorman-s3/doorman/cors"
)

// kind is what went wrong, whichever response it was found in.
type kind uint8

const (
	kMissingOrigin kind = iota
	kWildcardCreds
	kMultipleOrigins
	kInvalidOrigin
	kOriginMismatch
	kBadCredentials
	kPreflightStatus
	kPreflightRedirect
	kBadMethods
	kBadHeaders
	kMethod
	kHeader
	kRedirectCredentials
	kRedirectScheme
)

// corsErrorNames are Chromium's corsError names; the first six take a "Preflight" prefix
// when the preflight's response failed the CORS check.
var corsErrorNames = [...]string{
	kMissingOrigin:       "MissingAllowOriginHeader",
	kWildcardCreds:       "WildcardOriginNotAllowed",
	kMultipleOrigins:     "MultipleAllowOriginValues",
	kInvalidOrigin:       "InvalidAllowOriginValue",
	kOriginMismatch:      "AllowOriginMismatch",
	kBadCredentials:      "InvalidAllowCredentials",
	kPreflightStatus:     "PreflightInvalidStatus",
	kPreflightRedirect:   "PreflightDisallowedRedirect",
	kBadMethods:          "InvalidAllowMethodsPreflightResponse",
	kBadHeaders:          "InvalidAllowHeadersPreflightResponse",
	kMethod:              "MethodDisallowedByPreflightResponse",
	kHeader:              "HeaderDisallowedByPreflightResponse",
	kRedirectCredentials: "RedirectContainsCredentials",
	kRedirectScheme:      "CorsDisabledScheme",
}

const (
	preflightPrefix = "Response to preflight request doesn't pass access control check: "
	opaqueHint      = " If an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled."
)

// chromium returns the corsError name and the part of Chromium's console message after
// "has been blocked by CORS policy: ".
func (f *failure) chromium(preflight bool) (string, string) {
	name := corsErrorNames[f.kind]
	var msg string
	switch f.kind {
	case kMissingOrigin:
		msg = "No 'Access-Control-Allow-Origin' header is present on the requested resource." + opaqueHint
	case kWildcardCreds:
		msg = "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."
	case kMultipleOrigins:
		msg = fmt.Sprintf("The 'Access-Control-Allow-Origin' header contains multiple values '%s', but only one is allowed.", f.subject)
	case kInvalidOrigin:
		msg = fmt.Sprintf("The 'Access-Control-Allow-Origin' header contains the invalid value '%s'.", f.subject)
	case kOriginMismatch:
		msg = fmt.Sprintf("The 'Access-Control-Allow-Origin' header has a value '%s' that is not equal to the supplied origin.", f.subject)
	case kBadCredentials:
		msg = fmt.Sprintf("The value of the 'Access-Control-Allow-Credentials' header in the response is '%s' which must be 'true' when the request's credentials mode is 'include'.", f.subject)
	case kPreflightStatus:
		return name, preflightPrefix + "It does not have HTTP ok status."
	case kPreflightRedirect:
		return name, preflightPrefix + "Redirect is not allowed for a preflight request."
	case kBadMethods:
		return name, "Cannot parse Access-Control-Allow-Methods response header field in preflight response."
	case kBadHeaders:
		return name, "Cannot parse Access-Control-Allow-Headers response header field in preflight response."
	case kMethod:
		return name, fmt.Sprintf("Method %s is not allowed by Access-Control-Allow-Methods in preflight response.", f.subject)
	case kHeader:
		return name, fmt.Sprintf("Request header field %s is not allowed by Access-Control-Allow-Headers in preflight response.", f.subject)
	case kRedirectCredentials:
		return name, fmt.Sprintf("Redirect location '%s' contains a username and password, which is disallowed for cross-origin requests.", f.subject)
	case kRedirectScheme:
		return name, "Cross origin requests are only supported for protocol schemes: chrome, chrome-extension, chrome-untrusted, data, http, https, isolated-app."
	}
	if preflight {
		return "Preflight" + name, preflightPrefix + msg
	}
	return name, msg
}

// firefox returns Firefox's "Reason:" text (the titles of MDN's CORS error pages).
func (f *failure) firefox() string {
	switch f.kind {
	case kMissingOrigin:
		return "CORS header ‘Access-Control-Allow-Origin’ missing"
	case kWildcardCreds:
		return "Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’"
	case kMultipleOrigins, kInvalidOrigin, kOriginMismatch:
		if f.ffMultiple {
			return "Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed"
		}
		return fmt.Sprintf("CORS header ‘Access-Control-Allow-Origin’ does not match ‘%s’", f.subject)
	case kBadCredentials:
		return "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’"
	case kPreflightStatus, kPreflightRedirect:
		return "CORS preflight response did not succeed"
	case kBadMethods:
		return fmt.Sprintf("invalid token ‘%s’ in CORS header ‘Access-Control-Allow-Methods’", f.subject)
	case kBadHeaders:
		return fmt.Sprintf("invalid token ‘%s’ in CORS header ‘Access-Control-Allow-Headers’", f.subject)
	case kMethod:
		return "Did not find method in CORS header ‘Access-Control-Allow-Methods’"
	case kHeader:
		return fmt.Sprintf("missing token ‘%s’ in CORS header ‘Access-Control-Allow-Headers’ from CORS preflight channel", f.subject)
	case kRedirectScheme:
		return "CORS request not HTTP"
	}
	return "CORS request did not succeed"
}

// webkit returns the reason WebKit writes to the console (as WebKitGTK 2.50 words it in the
// real-browser suite); resp is the response that failed. The texts are WebKit's, in
// Source/WebCore/loader/CrossOriginAccessControl.cpp (origin, credentials, preflight status,
// redirects) and Source/WebCore/loader/CrossOriginPreflightResultCache.cpp (the method and
// header lists) [UNVERIFIED: the file names; each text was seen in the browser].
func (f *failure) webkit(origin string, resp *Response) string {
	notAllowed := fmt.Sprintf("Origin %s is not allowed by Access-Control-Allow-Origin. Status code: %d", origin, resp.Status)
	switch f.kind {
	case kMissingOrigin, kInvalidOrigin, kOriginMismatch:
		return notAllowed
	case kMultipleOrigins:
		// WebKit calls a value a list only when it holds a comma (two header lines are
		// combined with one).
		if strings.Contains(f.subject, ",") {
			return "Access-Control-Allow-Origin cannot contain more than one origin."
		}
		return notAllowed
	case kWildcardCreds:
		return "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true."
	case kBadCredentials:
		return `Credentials flag is true, but Access-Control-Allow-Credentials is not "true".`
	case kPreflightStatus, kPreflightRedirect:
		return fmt.Sprintf("Preflight response is not successful. Status code: %d", resp.Status)
	case kBadMethods, kBadHeaders:
		// The whole header value, not the token that failed.
		name := "Access-Control-Allow-Methods"
		if f.kind == kBadHeaders {
			name = "Access-Control-Allow-Headers"
		}
		v, _ := joined(resp.Header, name)
		return fmt.Sprintf("Header %s has an invalid value: %s", name, v)
	case kMethod:
		return fmt.Sprintf("Method %s is not allowed by Access-Control-Allow-Methods.", f.subject)
	case kHeader:
		return fmt.Sprintf("Request header field %s is not allowed by Access-Control-Allow-Headers.", f.webkitName)
	case kRedirectCredentials:
		bare := f.subject
		if u, err := url.Parse(f.subject); err == nil {
			u.User = nil
			bare = u.String()
		}
		return fmt.Sprintf("Cross-origin redirection to %s denied by Cross-Origin Resource Sharing policy: redirection URL %s has credentials", bare, f.subject)
	}
	if u, err := url.Parse(f.subject); err == nil && strings.EqualFold(u.Scheme, "ftp") {
		return "FTP URLs are disabled"
	}
	return fmt.Sprintf("Cross-origin redirection to %s denied by Cross-Origin Resource Sharing policy: not allowed to follow a cross-origin CORS redirection with non CORS scheme", f.subject)
}

// webkitKnownHeaders are the request-header names a script can set that WebKit knows by name
// (its HTTPHeaderName list), in WebKit's spelling. WebKit keeps these apart from the others
// and checks them first, so its message quotes the first known name not allowed, spelt its
// way, before any other name, which keeps the script's spelling. Each was seen in WebKitGTK
// 2.50 against a preflight allowing no header, set after an unknown one.
var webkitKnownHeaders = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"Accept", "Accept-Language", "Accept-Ranges", "Access-Control-Allow-Credentials",
		"Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Allow-Origin",
		"Access-Control-Expose-Headers", "Access-Control-Max-Age", "Age", "Authorization", "Cache-Control",
		"Clear-Site-Data", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Location",
		"Content-Range", "Content-Security-Policy", "Content-Security-Policy-Report-Only", "Content-Type",
		"Cross-Origin-Embedder-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy",
		"Default-Style", "ETag", "Expires", "Icy-MetaInt", "Icy-Metadata", "If-Match", "If-Modified-Since",
		"If-None-Match", "If-Range", "If-Unmodified-Since", "Integrity-Policy", "Last-Event-ID", "Last-Modified",
		"Link", "Location", "Ping-From", "Ping-To", "Pragma", "Range", "Referrer-Policy", "Refresh", "Report-To",
		"Reporting-Endpoints", "Server-Timing", "Service-Worker", "Service-Worker-Allowed", "Set-Cookie2",
		"SourceMap", "Timing-Allow-Origin", "Upgrade-Insecure-Requests", "Vary", "X-Content-Type-Options",
		"X-Frame-Options", "X-SourceMap", "X-Temp-Tablet", "X-XSS-Protection"} {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// webkitHeaderName is the name WebKit's message quotes among the headers not allowed
// (lower-cased names): the first known one in WebKit's spelling, else the first other one in
// the script's spelling, in the order the script set them.
func webkitHeaderName(hs []Header, missing []string) string {
	for _, known := range []bool{true, false} {
		for _, h := range hs {
			l := strings.ToLower(h.Name)
			canonical, ok := webkitKnownHeaders[l]
			if ok != known || !slices.Contains(missing, l) {
				continue
			}
			if known {
				return canonical
			}
			return h.Name
		}
	}
	return missing[0] // not reached: every missing name is one of hs
}

// block records a blocked verdict: the failed step for the browser asked for, Chromium's and
// Firefox's reports, and the fixes.
func (e *evaluation) block(fs failures, preflight bool) {
	res := e.res
	res.Verdict = Blocked
	mine := fs.in(e.r.Browser)
	ch, ff, wk := fs.in(Chromium)[0], fs.in(Firefox)[0], fs.in(WebKit)[0]
	name, msg := ch.chromium(preflight)
	resp := e.act
	if preflight {
		resp = e.pre
	}
	res.Block = &Block{
		Step:      mine[0].step,
		CorsError: name,
		Chromium:  fmt.Sprintf("Access to fetch at '%s' from origin '%s' has been blocked by CORS policy: %s", chromiumURL(e.r.URL), e.r.Origin, msg),
		Firefox: fmt.Sprintf("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at %s. (Reason: %s). Status code: %d.",
			e.r.URL, ff.firefox(), resp.Status),
		WebKit: wk.webkit(e.r.Origin, resp),
	}
	for _, f := range mine {
		res.Fixes = append(res.Fixes, e.fix(&f, preflight))
	}
}

// chromiumURL is the URL as Chromium prints it: parsed, with "/" for an empty path.
func chromiumURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if u.Path == "" && u.Opaque == "" {
		u.Path = "/"
	}
	return u.String()
}

// fix says what a server should change for one failure.
func (e *evaluation) fix(f *failure, preflight bool) string {
	where := "the response"
	if preflight {
		where = "the preflight (OPTIONS) response"
	}
	o := e.r.Origin
	switch f.kind {
	case kMissingOrigin:
		return fmt.Sprintf("send Access-Control-Allow-Origin: %s (and Vary: Origin) on %s, error responses included", o, where)
	case kWildcardCreds:
		return fmt.Sprintf("for a request with credentials, echo the origin instead of '*': Access-Control-Allow-Origin: %s, Access-Control-Allow-Credentials: true, Vary: Origin", o)
	case kMultipleOrigins:
		return fmt.Sprintf("send exactly one Access-Control-Allow-Origin value, the request's origin %s, chosen from an allow-list (a list is never accepted; check that a proxy does not add a second header)", o)
	case kInvalidOrigin, kOriginMismatch:
		return fmt.Sprintf("send Access-Control-Allow-Origin: %s, byte for byte (scheme, host, port, no path or trailing slash)", o)
	case kBadCredentials:
		return fmt.Sprintf("send Access-Control-Allow-Credentials: true (lower case) on %s", where)
	case kPreflightStatus:
		return "answer the OPTIONS preflight with 204 or 200 before authentication and routing: a preflight never carries credentials"
	case kPreflightRedirect:
		return fmt.Sprintf("answer the preflight at this URL instead of redirecting it to %s, or make the script fetch the final URL", f.subject)
	case kBadMethods:
		return fmt.Sprintf("send Access-Control-Allow-Methods as a comma-separated list of method tokens, e.g. Access-Control-Allow-Methods: %s (not %q)", e.p.Method, f.subject)
	case kBadHeaders:
		return fmt.Sprintf("send Access-Control-Allow-Headers as a comma-separated list of header names, e.g. Access-Control-Allow-Headers: %s (not %q)", e.p.RequestHeaders, f.subject)
	case kMethod:
		return fmt.Sprintf("add %s, in this exact case, to Access-Control-Allow-Methods on the preflight response", f.subject)
	case kHeader:
		if slices.Contains(f.missing, "authorization") && !e.creds {
			return fmt.Sprintf("list %s in Access-Control-Allow-Headers on the preflight response ('*' never covers authorization)", strings.Join(f.missing, ", "))
		}
		return fmt.Sprintf("add %s to Access-Control-Allow-Headers on the preflight response", strings.Join(f.missing, ", "))
	case kRedirectCredentials:
		return "redirect to a URL without a username or password"
	}
	return "redirect only to an http or https URL"
}

// s3Fix rewrites the fixes for a server that answers like an Amazon S3 bucket: the change is
// to the bucket's CORS rules, and a complete rule is proposed when one can allow the request.
func (e *evaluation) s3Fix() {
	res, o, m := e.res, e.r.Origin, e.p.Method
	if res.Verdict != Blocked && res.Verdict != Unreadable {
		return
	}
	rule, why := suggestRule(e.r, e.p)
	var fixes []string
	rulePart := ""
	if rule != nil {
		data, _ := json.Marshal(rule)
		rulePart = fmt.Sprintf("; or put this rule first: %s", data)
	}
	noRule := func() string {
		what := fmt.Sprintf("origin %s and method %s", o, m)
		if e.p.RequestHeaders != "" {
			what += " with headers " + e.p.RequestHeaders
		}
		msg := s3Message(e.pre)
		switch {
		case strings.Contains(msg, "not enabled"):
			return "the bucket has no CORS configuration: put one (PutBucketCors) whose rule allows " + what + rulePart
		case strings.Contains(msg, "Bucket not found"):
			return "the bucket does not exist"
		}
		// Amazon S3 answers the same whichever part no rule matched: the fix names what one
		// rule must hold, not which rule to change.
		fix := fmt.Sprintf("no CORSRule allows %s (Amazon S3 does not say which part no rule matched): one rule must hold %s, or a pattern matching it, in AllowedOrigins", what, o)
		if e.p.RequestHeaders != "" {
			fix += fmt.Sprintf(", %s in AllowedMethods and %s in AllowedHeaders (or \"*\")", m, strings.ReplaceAll(e.p.RequestHeaders, ",", ", "))
		} else {
			fix += fmt.Sprintf(" and %s in AllowedMethods", m)
		}
		return fix + rulePart
	}
	switch {
	case why != "":
		fixes = append(fixes, why)
	case res.Verdict == Unreadable:
		fixes = append(fixes, fmt.Sprintf("add %s to ExposeHeaders of the rule that matches origin %s (Amazon S3 allows no \"*\" there)%s",
			strings.Join(res.Hidden, ", "), o, rulePart))
	default:
		switch k := res.Block.CorsError; {
		case strings.Contains(k, "MissingAllowOriginHeader"), k == "PreflightInvalidStatus",
			k == "MethodDisallowedByPreflightResponse", k == "HeaderDisallowedByPreflightResponse":
			fixes = append(fixes, noRule())
		case strings.Contains(k, "WildcardOriginNotAllowed"):
			fixes = append(fixes, fmt.Sprintf("the rule that matched has AllowedOrigin \"*\", which Amazon S3 answers with '*' and no Allow-Credentials: for a request with credentials use an exact origin (%s, or a pattern such as https://*.example.com) in a rule placed before it%s", o, rulePart))
		default:
			return
		}
	}
	res.Fixes, res.Rule = fixes, rule
}

// suggestRule builds the smallest CORSRule for the request and keeps it only if doorman's
// CORS engine, answering the preflight and the actual request with it, lets the request
// through the browser's checks. why says when no rule can.
func suggestRule(r *Request, p *Plan) (*cors.Rule, string) {
	switch p.Method {
	case "GET", "PUT", "POST", "DELETE", "HEAD":
	default:
		return nil, fmt.Sprintf("Amazon S3 bucket CORS allows only GET, PUT, POST, DELETE and HEAD: a %s request can never pass its preflight", p.Method)
	}
	rule := cors.Rule{AllowedOrigins: []string{r.Origin}, AllowedMethods: []string{p.Method}}
	if p.RequestHeaders != "" {
		rule.AllowedHeaders = strings.Split(p.RequestHeaders, ",")
	}
	for _, n := range r.ReadHeaders {
		if !slices.Contains(safelistedResponseHeaders, strings.ToLower(n)) && !slices.Contains(rule.ExposeHeaders, n) {
			rule.ExposeHeaders = append(rule.ExposeHeaders, n)
		}
	}
	pol, err := cors.Compile(&cors.Config{Rules: []cors.Rule{rule}})
	if err != nil {
		return nil, ""
	}
	pre, act := S3Answers(pol, r, p, true)
	if e := evaluate(r, p, pre, act); e.res.Verdict != Allowed {
		return nil, ""
	}
	return &rule, ""
}

// S3Answers returns what an Amazon S3 bucket whose CORS configuration compiles to pol (nil:
// the bucket has none) answers the requests of p, as doorman's CORS engine decides them: the
// preflight's response (nil when p has none), and the actual response, a 200 of the object
// (object: the URL names a key, else the bucket) with the CORS headers added, S3's request id
// and each header the script reads. With Evaluate, it tells what a browser makes of a bucket's
// configuration without sending anything.
func S3Answers(pol *cors.Policy, r *Request, p *Plan, object bool) (pre, act *Response) {
	if p.Preflight {
		req := cors.Request{Method: http.MethodOptions, Origin: r.Origin, RequestMethod: p.RequestMethod, Object: object}
		if p.RequestHeaders != "" {
			req.RequestHeaders = []string{p.RequestHeaders}
		}
		d := pol.Preflight(&req)
		status, headers, body := d.Response("", "")
		pre = &Response{Status: status, Header: toHeader(headers), Body: body}
		pre.Header.Set("X-Amz-Request-Id", s3RequestID)
	}
	d := pol.Actual(&cors.Request{Method: p.Method, Origin: r.Origin, Object: object})
	act = &Response{Status: 200, Header: toHeader(d.Headers())}
	act.Header.Set("X-Amz-Request-Id", s3RequestID)
	for _, n := range r.ReadHeaders {
		act.Header.Set(n, "x") // the object's own headers, which S3 sends
	}
	return pre, act
}

// s3RequestID stands for the x-amz-request-id S3 sends on every response.
const s3RequestID = "0000000000000000"

func toHeader(hs []cors.Header) http.Header {
	h := http.Header{}
	for _, kv := range hs {
		h.Add(kv.Name, kv.Value)
	}
	return h
}

// s3Vary is the Vary value Amazon S3 (and doorman) send on every response a rule matched.
const s3Vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// looksLikeS3 recognises an Amazon S3 or doorman bucket: S3's request-id headers or Server,
// its exact Vary, or its CORS refusal documents.
func looksLikeS3(r *Response) bool {
	if r == nil {
		return false
	}
	h := r.Header
	return h.Get("X-Amz-Request-Id") != "" || h.Get("X-Amz-Id-2") != "" || h.Get("Server") == "AmazonS3" ||
		h.Get("Vary") == s3Vary || (bytes.Contains(r.Body, []byte("<Error>")) &&
		(bytes.Contains(r.Body, []byte("CORSResponse:")) || bytes.Contains(r.Body, []byte("Invalid Access-Control-Request-Method"))))
}

// s3Message is the Message of an S3 error document, or "".
func s3Message(r *Response) string {
	if r == nil {
		return ""
	}
	_, after, ok := bytes.Cut(r.Body, []byte("<Message>"))
	if !ok {
		return ""
	}
	msg, _, _ := bytes.Cut(after, []byte("</Message>"))
	return string(msg)
}
