package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/internal/awsxml"
)

// Finding is one problem in a configuration.
type Finding struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Severity Severity `json:"severity"`
	// Rule is the 0-based index of the CORSRule, or -1 for the document as a whole. ID is that
	// rule's ID. Field names the element (AllowedOrigin, AllowedMethod, AllowedHeader,
	// ExposeHeader, MaxAgeSeconds, ID, CORSRule), as in the S3 XML; Value is the offending
	// value, when there is one.
	//
	// A gateway policy's finding (see Policy) has Rule -1, ID the policy's name, Field the
	// policy's key with the entry's index ("origins[2]"), and Policy the key path of the
	// block where that field is written ("policies.web-app"); Route names the route whose
	// effective policy it is, "" for a named policy judged on its own.
	Rule   int    `json:"rule"`
	ID     string `json:"id,omitempty"`
	Policy string `json:"policy,omitempty"`
	Route  string `json:"route,omitempty"`
	Field  string `json:"field,omitempty"`
	Value  string `json:"value"`
	// Message says what is wrong and why; Fix says what to write instead.
	Message string `json:"message"`
	Fix     string `json:"fix"`
	// Line is the 1-based line of the finding in the source document, 0 when unknown. Lint
	// leaves it 0; see Place. Column, when known, is the 1-based column of the value (an
	// S3 rule's list entry, a gateway policy's list entry).
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// File is the file the finding is in when it is not the report's source: a file the
	// configuration names (an imported AWS configuration, a tenant's origins).
	File string `json:"file,omitempty"`
}

// Location names where the finding is, in the AWS CLI's JSON terms with 0-based indexes:
// "CORSRules[2].AllowedOrigin", "CORSRules[0]", or "CORSRules" for the whole document; for a
// gateway policy, by the configuration's key path: "policies.web-app.origins[2]", or
// "policies.web-app" for the policy as a whole.
func (f *Finding) Location() string {
	if f.Policy != "" {
		if f.Field == "" {
			return f.Policy
		}
		return f.Policy + "." + f.Field
	}
	if f.Rule < 0 {
		return "CORSRules"
	}
	s := fmt.Sprintf("CORSRules[%d]", f.Rule)
	if f.Field != "" && f.Field != "CORSRule" {
		s += "." + f.Field
	}
	return s
}

// Lint checks c and returns its findings, ordered by rule (document-wide ones first) and,
// within a rule, in the order the checks run. c may be a configuration Amazon S3 would
// refuse: every check that can still judge it does.
func Lint(c *cors.Config) []Finding {
	l := linter{c: c, httpsHosts: httpsHosts(c)}
	l.rejected()
	for i := range c.Rules {
		l.rule(i)
	}
	l.redundant()
	slices.SortStableFunc(l.out, func(a, b Finding) int { return cmp.Compare(a.Rule, b.Rule) })
	return l.out
}

type linter struct {
	c          *cors.Config
	httpsHosts map[string]bool // hosts of the https:// origins, to spot their http:// twins
	out        []Finding
}

func (l *linter) add(code string, rule int, field, value, message, fix string) {
	chk, ok := CheckFor(code)
	if !ok {
		panic("lint: unknown check " + code)
	}
	f := Finding{Code: code, Name: chk.Name, Severity: chk.Severity, Rule: rule, Field: field,
		Value: value, Message: message, Fix: fix}
	if rule >= 0 && rule < len(l.c.Rules) {
		f.ID = l.c.Rules[rule].ID
	}
	l.out = append(l.out, f)
}

// rejected reports every fault cors.Validate finds, one finding each.
func (l *linter) rejected() {
	for e := range corserr.All(cors.Validate(l.c)) {
		msg := fmt.Sprintf("Amazon S3 would refuse the configuration: %d %s %q", e.Status, e.Code, e.Message)
		if e.Detail != "" {
			msg += " (" + e.Detail + ")"
		}
		l.add(CodeRejected, e.Rule, e.Field, e.Value, msg+".", l.rejectFix(e))
	}
}

// rejectFix says how to repair what Validate refused. It reads the configuration rather than
// the error's wording, which is AWS's and not meant for programs.
func (l *linter) rejectFix(e *corserr.Error) string {
	if e.Code == corserr.CodeMaxMessageLengthExceeded {
		return "Bring the XML form under 64 KB: merge rules that differ only in origins, and use one pattern such as https://*.example.com for many subdomains."
	}
	var r *cors.Rule
	if e.Rule >= 0 && e.Rule < len(l.c.Rules) {
		r = &l.c.Rules[e.Rule]
	}
	if r != nil && e.Field != "" && e.Value == "" && !fieldIsText(r, e.Field) {
		return "Remove the control character: an XML document cannot carry it, so S3 cannot store it."
	}
	switch e.Field {
	case "CORSRule":
		if len(l.c.Rules) == 0 {
			return "Add at least one CORSRule; to remove CORS from a bucket, use DeleteBucketCors instead."
		}
		return fmt.Sprintf("Keep at most %d rules: one rule can list several origins, methods and headers.", cors.MaxRules)
	case "ID":
		return fmt.Sprintf("Shorten the ID to %d characters or fewer.", cors.MaxIDLength)
	case "AllowedMethod":
		switch {
		case e.Value == "" && r != nil && len(r.AllowedMethods) == 0:
			return "Add the methods the browser will send: AllowedMethod GET, PUT, POST, DELETE or HEAD."
		case strings.EqualFold(e.Value, "OPTIONS"):
			return "Remove OPTIONS: S3 answers preflight OPTIONS requests itself, from the method each rule allows; list the method of the request that follows (GET, PUT...)."
		case isMethod(strings.ToUpper(e.Value)):
			return fmt.Sprintf("Write the method in upper case: %s.", strings.ToUpper(e.Value))
		}
		return "Use only GET, PUT, POST, DELETE and HEAD, in upper case; S3 offers no other method to CORS."
	case "AllowedOrigin":
		if r != nil && len(r.AllowedOrigins) == 0 {
			return "Add the origins of your web application, such as https://app.example.com."
		}
		return "Keep one '*', as a whole leftmost label (https://*.example.com), and list other origins as separate entries."
	case "AllowedHeader":
		if strings.Count(e.Value, "*") > 1 {
			return "Keep one '*' (x-amz-*), or list the header names one by one."
		}
		return "Write bare header names, one per entry: no spaces, colons or commas."
	case "ExposeHeader":
		if strings.Contains(e.Value, "*") {
			return "Name each header scripts must read, one per entry, such as ETag or x-amz-version-id."
		}
		return "Write bare header names, one per entry: no spaces, colons or commas."
	}
	return "Correct the document so that it follows the PutBucketCors schema."
}

// fieldIsText reports whether every value of the rule's field is text an XML document can
// carry. A fault on a field whose values are all sound is a structural one.
func fieldIsText(r *cors.Rule, field string) bool {
	var vs []string
	switch field {
	case "ID":
		vs = []string{r.ID}
	case "AllowedHeader":
		vs = r.AllowedHeaders
	case "AllowedMethod":
		vs = r.AllowedMethods
	case "AllowedOrigin":
		vs = r.AllowedOrigins
	case "ExposeHeader":
		vs = r.ExposeHeaders
	}
	for _, v := range vs {
		if !awsxml.ValidText(v) {
			return false
		}
	}
	return true
}

func isMethod(m string) bool {
	switch m {
	case "GET", "PUT", "POST", "DELETE", "HEAD":
		return true
	}
	return false
}

func hasMethod(r *cors.Rule, ms ...string) bool {
	for _, m := range r.AllowedMethods {
		if slices.Contains(ms, m) {
			return true
		}
	}
	return false
}

// rule runs the checks that look at one rule alone.
func (l *linter) rule(i int) {
	r := &l.c.Rules[i]
	for _, o := range r.AllowedOrigins {
		l.origin(i, o)
	}

	if slices.Contains(r.AllowedOrigins, "*") {
		var writes []string
		for _, m := range r.AllowedMethods {
			if m == "PUT" || m == "POST" || m == "DELETE" {
				writes = append(writes, m)
			}
		}
		if len(writes) > 0 {
			l.add(CodeWriteFromAnyOrigin, i, "AllowedMethod", strings.Join(writes, ", "),
				fmt.Sprintf("The rule allows %s to AllowedOrigin \"*\": any web page may send these writes to the bucket and read the answers.", strings.Join(writes, ", ")),
				"Move the write methods to a rule that lists your application's origins exactly, and keep \"*\" for GET and HEAD.")
		}
	}

	for _, h := range r.AllowedHeaders {
		l.allowedHeader(i, h)
	}
	for _, h := range r.ExposeHeaders {
		l.exposeHeader(i, h)
	}
	if hasMethod(r, "PUT", "POST") && !slices.ContainsFunc(r.ExposeHeaders, func(h string) bool { return strings.EqualFold(h, "ETag") }) {
		l.add(CodeUploadWithoutETag, i, "ExposeHeader", "",
			"The rule allows uploads (PUT or POST) but does not expose ETag: a browser multipart upload cannot read the parts' ETags and so cannot complete.",
			"Add ExposeHeader ETag (and x-amz-version-id if the bucket is versioned).")
	}
	l.maxAge(i, r)
}

func (l *linter) allowedHeader(i int, h string) {
	lower := strings.ToLower(h)
	if lower == "*" {
		l.add(CodeAnyAllowedHeader, i, "AllowedHeader", h,
			"AllowedHeader \"*\" admits every request header, Authorization and x-amz-* included; S3 echoes only the names requested, so browsers accept it.",
			"Nothing to change if the allowed origins may send signed requests; otherwise list the headers your application sends, such as content-type and x-amz-*.")
		return
	}
	fixed, _, _ := strings.Cut(lower, "*")
	switch {
	case forbiddenRequestHeaders[lower], strings.HasPrefix(fixed, "sec-"), strings.HasPrefix(fixed, "proxy-"):
		l.add(CodeForbiddenHeader, i, "AllowedHeader", h,
			fmt.Sprintf("%s is a forbidden request header: browsers set it themselves and never ask to send it, so this entry admits nothing.", h),
			"Remove it.")
	case safelistedRequestHeaders[lower]:
		l.add(CodeSafelistedHeader, i, "AllowedHeader", h,
			fmt.Sprintf("%s is a CORS-safelisted request header: browsers send it without a preflight unless its value holds unusual bytes or exceeds 128 bytes.", h),
			"Remove it unless your application sends unusual values in it; keeping it is harmless.")
	}
}

func (l *linter) exposeHeader(i int, h string) {
	lower := strings.ToLower(h)
	switch {
	case lower == "set-cookie" || lower == "set-cookie2":
		l.add(CodeSetCookieExposed, i, "ExposeHeader", h,
			fmt.Sprintf("%s can never be exposed: browsers remove it from every response scripts can read.", h),
			"Remove it; S3 does not set cookies, and code that needs a cookie's value must get it another way.")
	case safelistedResponseHeaders[lower]:
		l.add(CodeSafelistedExpose, i, "ExposeHeader", h,
			fmt.Sprintf("%s is a CORS-safelisted response header: scripts can read it without being told.", h),
			"Remove it; keeping it is harmless.")
	}
}

func (l *linter) maxAge(i int, r *cors.Rule) {
	if r.MaxAgeSeconds == nil {
		// Only preflighted requests are cached: writes, and requests carrying headers that
		// need an AllowedHeader. A rule for plain GETs needs no MaxAgeSeconds.
		if hasMethod(r, "PUT", "DELETE") || len(r.AllowedHeaders) > 0 {
			l.add(CodeMaxAgeAbsent, i, "MaxAgeSeconds", "",
				"The rule has no MaxAgeSeconds, so browsers keep its preflight answers for 5 seconds and preflight again almost every request.",
				"Add MaxAgeSeconds 3000 (or anything up to 7200, Chromium's limit).")
		}
		return
	}
	v := *r.MaxAgeSeconds
	value := fmt.Sprint(v)
	switch {
	case v < 0:
		l.add(CodeMaxAgeNegative, i, "MaxAgeSeconds", value,
			"MaxAgeSeconds is negative: browsers do not cache the preflight at all.",
			"Use a positive value such as 3000, or 0 to disable caching on purpose.")
	case v > 86400:
		l.add(CodeMaxAgeCapped, i, "MaxAgeSeconds", value,
			fmt.Sprintf("MaxAgeSeconds %d exceeds every browser's limit: Firefox caps it at 86400 seconds, Chromium at 7200, WebKit at 600.", v),
			"Use 7200 or less.")
	case v > 7200:
		l.add(CodeMaxAgeCapped, i, "MaxAgeSeconds", value,
			fmt.Sprintf("MaxAgeSeconds %d exceeds Chromium's limit of 7200 seconds (WebKit's is 600): Chrome and Edge cache the preflight for 2 hours at most.", v),
			"Use 7200 or less.")
	}
}

// Header names from the Fetch standard.
var (
	forbiddenRequestHeaders = set("accept-charset", "accept-encoding", "access-control-request-headers",
		"access-control-request-method", "connection", "content-length", "cookie", "cookie2", "date", "dnt",
		"expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
		"transfer-encoding", "upgrade", "via")
	// Content-Type and Range are safelisted only for some values, so they are left out.
	safelistedRequestHeaders  = set("accept", "accept-language", "content-language")
	safelistedResponseHeaders = set("cache-control", "content-language", "content-length", "content-type",
		"expires", "last-modified", "pragma")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
