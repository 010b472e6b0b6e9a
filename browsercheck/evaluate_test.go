package browsercheck

import (
	"net/http"
	"strings"
	"testing"
)

func resp(status int, kv ...string) *Response {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return &Response{Status: status, Header: h}
}

func TestEvaluate(t *testing.T) {
	const O = testOrigin
	okPre := func(kv ...string) *Response {
		return resp(204, append([]string{"Access-Control-Allow-Origin", O, "Access-Control-Allow-Methods", "PUT"}, kv...)...)
	}
	okAct := resp(200, "Access-Control-Allow-Origin", O, "ETag", `"1"`)
	tests := []struct {
		name      string
		r         Request
		pre, act  *Response
		verdict   Verdict
		step      string
		corsError string
		chromium  string // a part of Chromium's message
		firefox   string // a part of Firefox's message
		fix       string // a part of the first fix
	}{
		{name: "simple GET allowed", act: resp(200, "Access-Control-Allow-Origin", "*"), verdict: Allowed},
		{name: "simple GET without ACAO", act: resp(200), verdict: Blocked, step: StepActualOrigin,
			corsError: "MissingAllowOriginHeader", chromium: "No 'Access-Control-Allow-Origin' header is present on the requested resource. If an opaque",
			firefox: "(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.", fix: "send Access-Control-Allow-Origin: " + O},
		{name: "error response without ACAO", act: resp(404), verdict: Blocked, corsError: "MissingAllowOriginHeader", firefox: "Status code: 404."},
		{name: "wrong ACAO", act: resp(200, "Access-Control-Allow-Origin", "https://other.example.com"), verdict: Blocked,
			corsError: "AllowOriginMismatch", chromium: "The 'Access-Control-Allow-Origin' header has a value 'https://other.example.com' that is not equal to the supplied origin.",
			firefox: "does not match ‘https://other.example.com’"},
		{name: "ACAO with trailing slash", act: resp(200, "Access-Control-Allow-Origin", O+"/"), verdict: Blocked, corsError: "AllowOriginMismatch"},
		{name: "ACAO case differs", act: resp(200, "Access-Control-Allow-Origin", "https://APP.example.com"), verdict: Blocked, corsError: "AllowOriginMismatch"},
		{name: "ACAO null", act: resp(200, "Access-Control-Allow-Origin", "null"), verdict: Blocked, corsError: "AllowOriginMismatch"},
		{name: "ACAO invalid", act: resp(200, "Access-Control-Allow-Origin", "app.example.com"), verdict: Blocked, corsError: "InvalidAllowOriginValue",
			chromium: "contains the invalid value 'app.example.com'"},
		{name: "ACAO list", act: resp(200, "Access-Control-Allow-Origin", O+", https://b.test"), verdict: Blocked, corsError: "MultipleAllowOriginValues",
			chromium: "contains multiple values '" + O + ", https://b.test', but only one is allowed.", firefox: "does not match"},
		{name: "ACAO twice", act: resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Origin", O), verdict: Blocked,
			corsError: "MultipleAllowOriginValues", firefox: "Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed"},
		{name: "wildcard with credentials", r: Request{Credentials: Include}, act: resp(200, "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"),
			verdict: Blocked, corsError: "WildcardOriginNotAllowed", chromium: "must not be the wildcard '*' when the request's credentials mode is 'include'.",
			firefox: "Credential is not supported", fix: "echo the origin"},
		{name: "omit is not strict", r: Request{Credentials: Omit}, act: resp(200, "Access-Control-Allow-Origin", "*"), verdict: Allowed},
		{name: "same-origin credentials mode is not strict", r: Request{Credentials: SameOrigin}, act: resp(200, "Access-Control-Allow-Origin", "*"), verdict: Allowed},
		{name: "ACAC missing", r: Request{Credentials: Include}, act: resp(200, "Access-Control-Allow-Origin", O), verdict: Blocked,
			step: StepActualCreds, corsError: "InvalidAllowCredentials", chromium: "header in the response is '' which must be 'true'",
			firefox: "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’", fix: "Access-Control-Allow-Credentials: true"},
		{name: "ACAC True", r: Request{Credentials: Include}, act: resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Credentials", "True"),
			verdict: Blocked, corsError: "InvalidAllowCredentials", chromium: "is 'True'"},
		{name: "credentialed allowed", r: Request{Credentials: Include}, act: resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Credentials", "true"), verdict: Allowed},

		{name: "PUT allowed", r: Request{Method: "PUT"}, pre: okPre(), act: okAct, verdict: Allowed},
		{name: "PUT not sent", r: Request{Method: "PUT"}, pre: okPre(), verdict: PreflightPassed},
		{name: "preflight without ACAO", r: Request{Method: "PUT"}, pre: resp(200), verdict: Blocked, step: StepPreflightOrigin,
			corsError: "PreflightMissingAllowOriginHeader", chromium: "blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin'"},
		{name: "preflight 403 with ACAO", r: Request{Method: "PUT"}, pre: resp(403, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Methods", "PUT"),
			verdict: Blocked, step: StepPreflightStatus, corsError: "PreflightInvalidStatus", chromium: "Response to preflight request doesn't pass access control check: It does not have HTTP ok status.",
			firefox: "(Reason: CORS preflight response did not succeed). Status code: 403.", fix: "answer the OPTIONS preflight with 204 or 200"},
		{name: "preflight 403 bare: chromium sees the origin first", r: Request{Method: "PUT"}, pre: resp(403), verdict: Blocked,
			step: StepPreflightOrigin, corsError: "PreflightMissingAllowOriginHeader", firefox: "CORS header ‘Access-Control-Allow-Origin’ missing"},
		{name: "preflight 403 bare: firefox sees the origin first too", r: Request{Method: "PUT", Browser: Firefox}, pre: resp(403), verdict: Blocked,
			step: StepPreflightOrigin, corsError: "PreflightMissingAllowOriginHeader", firefox: "(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 403."},
		{name: "preflight 403 bare: webkit sees the status first", r: Request{Method: "PUT", Browser: WebKit}, pre: resp(403), verdict: Blocked,
			step: StepPreflightStatus, corsError: "PreflightMissingAllowOriginHeader", fix: "answer the OPTIONS preflight"},
		{name: "preflight redirect", r: Request{Method: "PUT"}, pre: resp(301, "Location", "https://x.test/", "Access-Control-Allow-Origin", O),
			verdict: Blocked, corsError: "PreflightDisallowedRedirect", chromium: "Redirect is not allowed for a preflight request."},
		{name: "preflight wildcard with credentials", r: Request{Method: "PUT", Credentials: Include}, pre: resp(200, "Access-Control-Allow-Origin", "*"),
			verdict: Blocked, corsError: "PreflightWildcardOriginNotAllowed"},
		{name: "preflight mismatch", r: Request{Method: "PUT"}, pre: resp(200, "Access-Control-Allow-Origin", "https://b.test"), verdict: Blocked, corsError: "PreflightAllowOriginMismatch"},
		{name: "preflight ACAC missing", r: Request{Method: "PUT", Credentials: Include}, pre: okPre(), verdict: Blocked,
			step: StepPreflightCreds, corsError: "PreflightInvalidAllowCredentials"},
		{name: "method not listed", r: Request{Method: "DELETE"}, pre: okPre(), verdict: Blocked, step: StepAllowMethods,
			corsError: "MethodDisallowedByPreflightResponse", chromium: "Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.",
			firefox: "Did not find method in CORS header ‘Access-Control-Allow-Methods’", fix: "add DELETE"},
		{name: "ACAM absent", r: Request{Method: "PUT"}, pre: resp(204, "Access-Control-Allow-Origin", O), verdict: Blocked, corsError: "MethodDisallowedByPreflightResponse"},
		{name: "method case-sensitive", r: Request{Method: "patch"}, pre: okPre("Access-Control-Allow-Methods", "PATCH"), verdict: Blocked, corsError: "MethodDisallowedByPreflightResponse", chromium: "Method patch"},
		{name: "method star", r: Request{Method: "PATCH"}, pre: resp(204, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Methods", "*"), act: okAct, verdict: Allowed},
		{name: "method star is literal with credentials", r: Request{Method: "PATCH", Credentials: Include},
			pre:     resp(204, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Methods", "*"),
			verdict: Blocked, corsError: "MethodDisallowedByPreflightResponse"},
		{name: "safelisted method need not be listed", r: Request{Method: "POST", Headers: hdr("X-Foo", "1")},
			pre: resp(204, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Headers", "x-foo"), act: okAct, verdict: Allowed},
		{name: "ACAM unparsable", r: Request{Method: "PUT"}, pre: okPre("Access-Control-Allow-Methods", "GET;PUT"), verdict: Blocked,
			corsError: "InvalidAllowMethodsPreflightResponse", firefox: "invalid token ‘GET;PUT’ in CORS header ‘Access-Control-Allow-Methods’"},
		{name: "ACAM split lines and blanks", r: Request{Method: "PUT"}, pre: resp(204, "Access-Control-Allow-Origin", O,
			"Access-Control-Allow-Methods", "GET, ,", "Access-Control-Allow-Methods", " PUT "), act: okAct, verdict: Allowed},
		{name: "header not listed", r: Request{Method: "PUT", Headers: hdr("X-Foo", "1", "Content-Type", "application/json")},
			pre: okPre("Access-Control-Allow-Headers", "Content-Type"), verdict: Blocked, step: StepAllowHeaders,
			corsError: "HeaderDisallowedByPreflightResponse", chromium: "Request header field x-foo is not allowed by Access-Control-Allow-Headers in preflight response.",
			firefox: "missing token ‘x-foo’ in CORS header ‘Access-Control-Allow-Headers’ from CORS preflight channel", fix: "add x-foo to Access-Control-Allow-Headers"},
		{name: "headers case-insensitive", r: Request{Method: "PUT", Headers: hdr("X-Foo", "1")}, pre: okPre("Access-Control-Allow-Headers", "X-FOO"), act: okAct, verdict: Allowed},
		{name: "header star", r: Request{Method: "PUT", Headers: hdr("X-Foo", "1")}, pre: okPre("Access-Control-Allow-Headers", "*"), act: okAct, verdict: Allowed},
		{name: "header star never covers authorization", r: Request{Method: "PUT", Headers: hdr("Authorization", "Bearer x", "X-Foo", "1")},
			pre: okPre("Access-Control-Allow-Headers", "*"), verdict: Blocked, corsError: "HeaderDisallowedByPreflightResponse",
			chromium: "Request header field authorization is not allowed", fix: "'*' never covers authorization"},
		{name: "star plus authorization", r: Request{Method: "PUT", Headers: hdr("Authorization", "Bearer x", "X-Foo", "1")},
			pre: okPre("Access-Control-Allow-Headers", "*, Authorization"), act: okAct, verdict: Allowed},
		{name: "header star literal with credentials", r: Request{Method: "PUT", Credentials: Include, Headers: hdr("X-Foo", "1")},
			pre: okPre("Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Headers", "*"), verdict: Blocked, corsError: "HeaderDisallowedByPreflightResponse"},
		{name: "ACAH unparsable", r: Request{Method: "PUT", Headers: hdr("X-Foo", "1")}, pre: okPre("Access-Control-Allow-Headers", "x-foo x-bar"), verdict: Blocked,
			corsError: "InvalidAllowHeadersPreflightResponse", firefox: "invalid token ‘x-foo x-bar’"},
		{name: "chromium parses both lists before checking the method", r: Request{Method: "DELETE", Headers: hdr("X-Foo", "1")},
			pre: okPre("Access-Control-Allow-Headers", "a b"), verdict: Blocked, step: StepAllowHeaders, corsError: "InvalidAllowHeadersPreflightResponse"},
		{name: "firefox checks the method first", r: Request{Method: "DELETE", Headers: hdr("X-Foo", "1"), Browser: Firefox},
			pre: okPre("Access-Control-Allow-Headers", "a b"), verdict: Blocked, step: StepAllowMethods,
			corsError: "InvalidAllowHeadersPreflightResponse", firefox: "Did not find method", fix: "add DELETE"},
		// WebKit (2.50, seen in the real-browser suite's engine) parses both lists before it
		// checks the method, and lets '*' cover Authorization, unlike Chromium and Firefox.
		{name: "webkit parses both lists before checking the method", r: Request{Method: "DELETE", Headers: hdr("X-Foo", "1"), Browser: WebKit},
			pre: okPre("Access-Control-Allow-Headers", "a b"), verdict: Blocked, step: StepAllowHeaders, corsError: "InvalidAllowHeadersPreflightResponse"},
		{name: "webkit lets star cover authorization", r: Request{Method: "PUT", Headers: hdr("Authorization", "Bearer x", "X-Foo", "1"), Browser: WebKit},
			pre: okPre("Access-Control-Allow-Headers", "*"), act: okAct, verdict: Allowed},
		{name: "webkit: star is literal with credentials", r: Request{Method: "PUT", Credentials: Include, Headers: hdr("Authorization", "Bearer x"), Browser: WebKit},
			pre: okPre("Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Headers", "*"), verdict: Blocked, corsError: "HeaderDisallowedByPreflightResponse"},
		{name: "preflight passes, actual lacks ACAO", r: Request{Method: "PUT"}, pre: okPre(), act: resp(200), verdict: Blocked, step: StepActualOrigin, corsError: "MissingAllowOriginHeader"},

		{name: "read ETag exposed", r: Request{ReadHeaders: []string{"ETag", "Content-Type"}},
			act: resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Expose-Headers", "etag", "ETag", "1"), verdict: Allowed},
		{name: "read ETag hidden", r: Request{ReadHeaders: []string{"ETag"}}, act: okAct, verdict: Unreadable},
		{name: "expose star", r: Request{ReadHeaders: []string{"ETag"}}, act: resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Expose-Headers", "*"), verdict: Allowed},
		{name: "expose star literal with credentials", r: Request{Credentials: Include, ReadHeaders: []string{"ETag"}},
			act: resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Credentials", "true", "Access-Control-Expose-Headers", "*"), verdict: Unreadable},
		{name: "set-cookie never", r: Request{ReadHeaders: []string{"Set-Cookie"}}, act: resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Expose-Headers", "Set-Cookie"), verdict: Unreadable},
		{name: "expose list unparsable exposes nothing", r: Request{ReadHeaders: []string{"ETag"}}, act: resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Expose-Headers", "ETag, a b"), verdict: Unreadable},

		{name: "redirect with ACAO", act: resp(302, "Location", "https://cdn.example.org/x", "Access-Control-Allow-Origin", "*"), verdict: Redirected},
		{name: "redirect without ACAO", act: resp(302, "Location", "/x"), verdict: Blocked, corsError: "MissingAllowOriginHeader"},
		{name: "redirect with credentials in location", act: resp(307, "Location", "https://u:p@x.test/", "Access-Control-Allow-Origin", "*"), verdict: Blocked,
			corsError: "RedirectContainsCredentials", chromium: "Redirect location 'https://u:p@x.test/' contains a username and password"},
		{name: "redirect to another scheme", act: resp(302, "Location", "ftp://x.test/"), verdict: Blocked, corsError: "CorsDisabledScheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			r.URL, r.Origin = testURL, O
			p, err := Classify(&r)
			if err != nil {
				t.Fatal(err)
			}
			if p.Preflight != (tt.pre != nil) {
				t.Fatalf("preflight %v: %v", p.Preflight, p.Reasons)
			}
			res := Evaluate(&r, p, tt.pre, tt.act)
			if res.Verdict != tt.verdict {
				t.Fatalf("verdict %s, want %s: %+v %+v", res.Verdict, tt.verdict, res.Steps, res.Block)
			}
			if tt.verdict == Unreadable && (len(res.Fixes) != 1 || !strings.Contains(res.Fixes[0], "Access-Control-Expose-Headers: ")) {
				t.Fatalf("fixes %q", res.Fixes)
			}
			if tt.verdict != Blocked {
				if res.Block != nil {
					t.Fatalf("block on %s: %+v", res.Verdict, res.Block)
				}
				return
			}
			b := res.Block
			if (tt.step != "" && b.Step != tt.step) || b.CorsError != tt.corsError || !strings.Contains(b.Chromium, tt.chromium) ||
				!strings.Contains(b.Firefox, tt.firefox) || len(res.Fixes) == 0 || !strings.Contains(res.Fixes[0], tt.fix) {
				t.Fatalf("got %+v\nfixes %q", b, res.Fixes)
			}
			if !strings.HasPrefix(b.Chromium, "Access to fetch at '"+testURL+"' from origin '"+O+"' has been blocked by CORS policy: ") {
				t.Fatalf("chromium %q", b.Chromium)
			}
			failed := false
			for _, s := range res.Steps {
				failed = failed || (s.Name == b.Step && s.Result == resultFail)
			}
			if !failed {
				t.Fatalf("step %s not marked failed: %+v", b.Step, res.Steps)
			}
		})
	}
}

func TestEvaluateCache(t *testing.T) {
	tests := []struct {
		browser Browser
		maxAge  string
		want    int64
	}{
		{Chromium, "", 5}, {Chromium, "86400", 7200}, {Firefox, "86400", 86400}, {Firefox, "100000", 86400},
		{WebKit, "3000", 600}, {Chromium, "300", 300}, {Chromium, "abc", 5}, {Chromium, "-5", 0}, {Firefox, "-5", 5},
	}
	for _, tt := range tests {
		r := Request{URL: testURL, Origin: testOrigin, Method: "PUT", Browser: tt.browser}
		p, _ := Classify(&r)
		pre := resp(204, "Access-Control-Allow-Origin", testOrigin, "Access-Control-Allow-Methods", "PUT")
		if tt.maxAge != "" {
			pre.Header.Set("Access-Control-Max-Age", tt.maxAge)
		}
		if res := Evaluate(&r, p, pre, nil); res.CacheSeconds != tt.want {
			t.Errorf("%s max-age %q: %d, want %d", tt.browser, tt.maxAge, res.CacheSeconds, tt.want)
		}
	}
}

func TestEvaluateRedirectOrigin(t *testing.T) {
	r := Request{URL: testURL, Origin: testOrigin}
	p, _ := Classify(&r)
	for loc, want := range map[string]string{"/other": testOrigin, "https://cdn.example.org/x": "null"} {
		res := Evaluate(&r, p, nil, resp(301, "Location", loc, "Access-Control-Allow-Origin", "*"))
		if res.Verdict != Redirected || res.RedirectOrigin != want {
			t.Errorf("%s: %s %q", loc, res.Verdict, res.RedirectOrigin)
		}
	}
}

// WebKit's console reasons, each as WebKitGTK 2.50 printed it for the same exchange in the
// real-browser suite's engine, in WebKit's order of checks.
func TestWebKitMessages(t *testing.T) {
	const O = testOrigin
	okPre := func(kv ...string) *Response {
		return resp(204, append([]string{"Access-Control-Allow-Origin", O, "Access-Control-Allow-Methods", "PUT"}, kv...)...)
	}
	tests := []struct {
		name     string
		r        Request
		pre, act *Response
		want     string
	}{
		{"no ACAO", Request{}, nil, resp(200), "Origin " + O + " is not allowed by Access-Control-Allow-Origin. Status code: 200"},
		{"no ACAO on an error", Request{}, nil, resp(404), "Origin " + O + " is not allowed by Access-Control-Allow-Origin. Status code: 404"},
		{"other origin", Request{}, nil, resp(200, "Access-Control-Allow-Origin", "https://other.example.com"),
			"Origin " + O + " is not allowed by Access-Control-Allow-Origin. Status code: 200"},
		{"a list", Request{}, nil, resp(200, "Access-Control-Allow-Origin", "https://a.test, https://b.test"),
			"Access-Control-Allow-Origin cannot contain more than one origin."},
		{"two lines", Request{}, nil, resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Origin", O),
			"Access-Control-Allow-Origin cannot contain more than one origin."},
		{"a space is no list", Request{}, nil, resp(200, "Access-Control-Allow-Origin", "a b"),
			"Origin " + O + " is not allowed by Access-Control-Allow-Origin. Status code: 200"},
		{"wildcard with credentials", Request{Credentials: Include}, nil, resp(200, "Access-Control-Allow-Origin", "*"),
			"Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true."},
		{"ACAC not true", Request{Credentials: Include}, nil, resp(200, "Access-Control-Allow-Origin", O, "Access-Control-Allow-Credentials", "True"),
			`Credentials flag is true, but Access-Control-Allow-Credentials is not "true".`},
		{"preflight 403 without CORS headers", Request{Method: "PUT"}, resp(403), nil, "Preflight response is not successful. Status code: 403"},
		{"preflight without ACAO", Request{Method: "PUT"}, resp(204, "Access-Control-Allow-Methods", "PUT"), nil,
			"Origin " + O + " is not allowed by Access-Control-Allow-Origin. Status code: 204"},
		{"preflight redirect", Request{Method: "PUT"}, resp(301, "Location", "https://x.test/", "Access-Control-Allow-Origin", O),
			nil, "Preflight response is not successful. Status code: 301"},
		{"ACAM unparsable: the whole value", Request{Method: "PUT"}, okPre("Access-Control-Allow-Methods", "GET;PUT"), nil,
			"Header Access-Control-Allow-Methods has an invalid value: PUT, GET;PUT"},
		{"ACAH unparsable before the method", Request{Method: "DELETE", Headers: hdr("X-Foo", "1")}, okPre("Access-Control-Allow-Headers", "x-foo, a b"), nil,
			"Header Access-Control-Allow-Headers has an invalid value: x-foo, a b"},
		{"method as the script wrote it", Request{Method: "patch"}, okPre("Access-Control-Allow-Methods", "PATCH"), nil,
			"Method patch is not allowed by Access-Control-Allow-Methods."},
		{"a known header first, in WebKit's spelling", Request{Method: "PUT", Headers: hdr("X-Foo", "1", "content-type", "application/json")}, okPre(), nil,
			"Request header field Content-Type is not allowed by Access-Control-Allow-Headers."},
		{"Authorization is known", Request{Method: "PUT", Headers: hdr("x-bar", "1", "X-Amz-Date", "1", "authorization", "x")}, okPre(), nil,
			"Request header field Authorization is not allowed by Access-Control-Allow-Headers."},
		{"other names in the script's order and spelling", Request{Method: "PUT", Headers: hdr("x-bar", "1", "X-Amz-Date", "1", "X-Aaa", "1")}, okPre(), nil,
			"Request header field x-bar is not allowed by Access-Control-Allow-Headers."},
		{"redirect with credentials", Request{}, nil, resp(302, "Location", "http://u:p@api.test/", "Access-Control-Allow-Origin", O),
			"Cross-origin redirection to http://api.test/ denied by Cross-Origin Resource Sharing policy: redirection URL http://u:p@api.test/ has credentials"},
		{"redirect to data:", Request{}, nil, resp(302, "Location", "data:text/plain,x", "Access-Control-Allow-Origin", O),
			"Cross-origin redirection to data:text/plain,x denied by Cross-Origin Resource Sharing policy: not allowed to follow a cross-origin CORS redirection with non CORS scheme"},
		{"redirect to ftp:", Request{}, nil, resp(302, "Location", "ftp://x.test/", "Access-Control-Allow-Origin", O), "FTP URLs are disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, b := range []Browser{WebKit, Chromium} {
				r := tt.r
				r.URL, r.Origin, r.Browser = testURL, O, b
				p, err := Classify(&r)
				if err != nil {
					t.Fatal(err)
				}
				res := Evaluate(&r, p, tt.pre, tt.act)
				if res.Verdict != Blocked || res.Block.WebKit != tt.want {
					t.Fatalf("asking %s: %s %+v\nwant WebKit %q", b, res.Verdict, res.Block, tt.want)
				}
			}
		})
	}
}
