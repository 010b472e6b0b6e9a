package console

import (
	"cmp"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/doorman-s3/doorman/browsercheck"
	"github.com/doorman-s3/doorman/cors"
)

// The simulator answers "what happens when a page on ORIGIN fetches this bucket?" twice
// over, from the same code as the command line: what S3 sends (cors.Policy.Explain and
// cors.NewReport, as `doorman explain --json` prints it) and what each browser then decides
// (browsercheck.Classify and Evaluate, as `doorman check` decides it, over the answers
// browsercheck.S3Answers gives for the configuration). Nothing is sent anywhere: the bucket's
// saved configuration is read with GetBucketCors as the signed-in user, so the simulator
// shows no configuration the user could not read with the AWS CLI.

// simulateRequest is the body of POST /api/simulate: the bucket's saved configuration or a
// draft, and the request as a script makes it.
type simulateRequest struct {
	// Bucket names the bucket the request is sent to; its saved configuration is simulated
	// unless Draft is given, which is then simulated at the bucket's URL.
	Bucket string `json:"bucket,omitempty"`
	Draft  *draft `json:"draft,omitempty"`
	// Key is the object the URL names; "" is the bucket itself.
	Key    string `json:"key,omitempty"`
	Origin string `json:"origin"`
	Method string `json:"method"`
	// Headers are the headers the script sets, "Name: value" (a bare "Name" gets an empty
	// value); ReadHeaders the response headers it reads.
	Headers     []string `json:"headers"`
	ReadHeaders []string `json:"readHeaders,omitempty"`
	// Credentials is fetch's credentials option: "omit", "include" or "same-origin" (the
	// default).
	Credentials string `json:"credentials"`
	// Preflight chooses what S3's answer is shown for: the OPTIONS preflight or the actual
	// request. Unset, it is the preflight exactly when a browser sends one.
	Preflight *bool `json:"preflight,omitempty"`
}

// simulation is the answer: explain's report, with each rule's evaluation put in words, and
// the browsers' verdicts.
type simulation struct {
	*cors.Report
	// DecidedBy is the 0-based index of the rule that allowed the request, or null.
	DecidedBy *int        `json:"decidedBy"`
	Rules     []ruleWords `json:"rules"`
	// Browsers holds chromium, firefox and webkit; BrowserError says instead why no browser
	// would send the request as given (a forbidden method, the same origin as the bucket...).
	Browsers     map[string]*browserVerdict `json:"browsers,omitempty"`
	BrowserError string                     `json:"browserError,omitempty"`
}

// ruleWords is a rule's evaluation, as explain reports it, and why it did not decide.
type ruleWords struct {
	cors.ReportRule
	Why string `json:"why"`
}

// browserVerdict is what one browser decides, as `doorman check --browser B` does.
type browserVerdict struct {
	Verdict string `json:"verdict"`
	// Step, CorsError and Message say where and how a blocked request fails, in this
	// browser's order of checks and its own console wording.
	Step      string `json:"step,omitempty"`
	CorsError string `json:"corsError,omitempty"`
	Message   string `json:"message,omitempty"`
	// Fixes say what to change in the configuration; Rule, when one can, is a CORSRule
	// that lets the request through when put first.
	Fixes []string            `json:"fixes,omitempty"`
	Rule  *cors.Rule          `json:"suggestedRule,omitempty"`
	Plan  *browsercheck.Plan  `json:"request,omitempty"`
	Steps []browsercheck.Step `json:"steps,omitempty"`
	// Cache is how long the browser keeps the preflight's answer, -1 without one.
	Cache int64 `json:"preflightCacheSeconds"`
}

// browsers are the browsers simulated, as `doorman check --browser` names them.
var browsers = []browsercheck.Browser{browsercheck.Chromium, browsercheck.Firefox, browsercheck.WebKit}

// simulate answers POST /api/simulate.
func simulate(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	var in simulateRequest
	if !decodeJSON(w, r, &in) {
		return
	}
	creds, ok := map[string]browsercheck.Credentials{"": browsercheck.SameOrigin, "same-origin": browsercheck.SameOrigin,
		"omit": browsercheck.Omit, "include": browsercheck.Include}[in.Credentials]
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidArgument", `credentials must be "omit", "include" or "same-origin".`)
		return
	}
	var pol *cors.Policy
	switch {
	case in.Bucket == "" && in.Draft == nil:
		writeError(w, http.StatusBadRequest, "InvalidArgument", "Give bucket (its saved configuration), draft, or both (the draft, for the bucket's URL).")
		return
	case in.Draft != nil:
		var e *documentError
		if _, pol, e = in.Draft.compile(); e != nil {
			writeError(w, e.Status, e.Code, e.Message)
			return
		}
	default:
		var done bool
		if pol, done = c.savedPolicy(w, r, s, in.Bucket); done {
			return
		}
	}

	br := browsercheck.Request{URL: c.objectURL(in.Bucket, in.Key), Origin: in.Origin, Method: cmp.Or(in.Method, http.MethodGet),
		Credentials: creds, ReadHeaders: in.ReadHeaders}
	for _, h := range in.Headers {
		name, value, _ := strings.Cut(h, ":")
		br.Headers = append(br.Headers, browsercheck.Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	out := simulation{}
	req := cors.Request{Method: br.Method, Origin: in.Origin, Object: in.Key != ""}
	preflight := false
	if plan, err := browsercheck.Classify(&br); err != nil {
		out.BrowserError = err.Error()
		if in.Preflight != nil && *in.Preflight && len(br.Headers) > 0 {
			names := make([]string, len(br.Headers))
			for i, h := range br.Headers {
				names[i] = h.Name
			}
			req.RequestHeaders = []string{strings.Join(names, ",")}
		}
	} else {
		preflight = plan.Preflight
		req.Method = plan.Method
		if plan.RequestHeaders != "" {
			req.RequestHeaders = []string{plan.RequestHeaders}
		}
		out.Browsers = make(map[string]*browserVerdict, len(browsers))
		for _, b := range browsers {
			out.Browsers[b.String()] = verdict(pol, br, b, in.Key != "")
		}
	}
	if in.Preflight != nil {
		preflight = *in.Preflight
	}
	if preflight {
		req.Method, req.RequestMethod = http.MethodOptions, req.Method
	} else {
		req.RequestHeaders = nil // S3 reads no header list on an actual request a browser sends
	}
	e := pol.Explain(&req, preflight)
	out.Report = cors.NewReport(&req, &e)
	out.DecidedBy = out.Report.Rule
	out.Rules = make([]ruleWords, len(out.Report.Rules))
	for i, rr := range out.Report.Rules {
		out.Rules[i] = ruleWords{ReportRule: rr, Why: why(&e, &e.Rules[i], in.Origin)}
	}
	writeJSON(w, http.StatusOK, out)
}

// savedPolicy reads bucket's configuration with GetBucketCors as s's user and compiles it: nil
// when the bucket has none. done reports that an error was answered.
func (c *Console) savedPolicy(w http.ResponseWriter, r *http.Request, s *session, bucket string) (pol *cors.Policy, done bool) {
	path := checkBucketName(w, bucket)
	if path == "" {
		return nil, true
	}
	res, none, err := c.bucketCORS(r.Context(), s, path)
	switch {
	case err != nil:
		writeError(w, http.StatusBadGateway, "S3Unavailable", err.Error())
		return nil, true
	case none:
		return nil, false
	case res.failed():
		writeS3Error(w, res.Status, res.Body)
		return nil, true
	}
	cfg, err := cors.DecodeXML(res.Body)
	if err == nil {
		pol, err = cors.Compile(cfg)
	}
	if err != nil {
		writeError(w, http.StatusBadGateway, "S3Unreadable", "The S3 answer could not be read: "+err.Error())
		return nil, true
	}
	return pol, false
}

// bucketCORS sends GetBucketCors for the bucket at path as s's user. none reports S3's
// NoSuchCORSConfiguration, which S3 answers only once it has authorised the request, as it
// does the configuration itself.
func (c *Console) bucketCORS(ctx context.Context, s *session, path string) (res *s3Response, none bool, err error) {
	res, err = c.s3(ctx, s, http.MethodGet, path, corsQuery, nil, nil)
	if err != nil {
		return nil, false, err
	}
	var e s3Error
	none = res.Status == http.StatusNotFound && xml.Unmarshal(res.Body, &e) == nil && e.Code == "NoSuchCORSConfiguration"
	return res, none, nil
}

// objectURL is the URL the simulated script fetches: the S3 endpoint's when the console
// knows it.
func (c *Console) objectURL(bucket, key string) string {
	base := "http://127.0.0.1"
	if c.endpoint != nil {
		base = c.endpoint.String()
	}
	return base + "/" + escapePath(cmp.Or(bucket, "bucket")+"/"+key)
}

// verdict is browser b's decision on br under pol, with the fix when it blocks.
func verdict(pol *cors.Policy, br browsercheck.Request, b browsercheck.Browser, object bool) *browserVerdict {
	br.Browser = b
	plan, err := browsercheck.Classify(&br)
	if err != nil {
		return &browserVerdict{Verdict: "UNSENDABLE", Message: err.Error()}
	}
	pre, act := browsercheck.S3Answers(pol, &br, plan, object)
	res := browsercheck.Evaluate(&br, plan, pre, act)
	v := &browserVerdict{Verdict: res.Verdict.String(), Fixes: res.Fixes, Rule: res.Rule, Plan: plan, Steps: res.Steps,
		Cache: res.CacheSeconds}
	switch {
	case res.Block != nil:
		v.Step, v.CorsError = res.Block.Step, res.Block.CorsError
		v.Message = map[browsercheck.Browser]string{browsercheck.Chromium: res.Block.Chromium,
			browsercheck.Firefox: res.Block.Firefox, browsercheck.WebKit: res.Block.WebKit}[b]
	case res.Verdict == browsercheck.Unreadable:
		v.Message = "the script cannot read " + strings.Join(res.Hidden, ", ") + " (headers.get returns null; no console error)"
	}
	return v
}

// why says why rule t did not decide the request e explains, or that it did.
func why(e *cors.Explanation, t *cors.RuleTrace, origin string) string {
	d := &e.Decision
	switch {
	case t.Index == d.Rule:
		return "decides: the first rule whose origin, method and headers all match"
	case t.Matched && d.Rule >= 0 && t.Index > d.Rule:
		return fmt.Sprintf("not reached: rule %d matches first", d.Rule+1)
	case t.Matched:
		return "matches" // an outcome decided before the rules are read
	}
	var no []string
	if !t.OriginMatched {
		no = append(no, fmt.Sprintf("no AllowedOrigin matches %q", origin))
	}
	if !t.MethodMatched {
		no = append(no, fmt.Sprintf("AllowedMethod does not hold %s", e.Method))
	}
	if e.HeadersRefused {
		no = append(no, "Access-Control-Request-Headers is over the parser's bounds")
	}
	var refused []string
	for _, h := range t.Headers {
		if h.AllowedBy == "" {
			refused = append(refused, h.Name)
		}
	}
	if len(refused) > 0 {
		no = append(no, "AllowedHeader admits no "+strings.Join(refused, ", "))
	}
	return strings.Join(no, "; ")
}
