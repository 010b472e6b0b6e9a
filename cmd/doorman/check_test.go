package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
)

const checkOrigin = "https://app.example.com"

// corsServer answers every request with the headers set by set, and the status given.
func corsServer(t *testing.T, status func(r *http.Request) int, set func(h http.Header, r *http.Request)) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if set != nil {
			set(w.Header(), r)
		}
		w.WriteHeader(status(r))
	}))
	t.Cleanup(s.Close)
	return s
}

func ok(*http.Request) int { return http.StatusOK }

// goodPreflight answers a preflight correctly, echoing what was asked, and a GET with ACAO.
func goodPreflight(h http.Header, r *http.Request) {
	h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	h.Set("Vary", "Origin")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, PUT")
		h.Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
	}
}

func TestCheckServers(t *testing.T) {
	tests := []struct {
		name   string
		status func(*http.Request) int
		set    func(http.Header, *http.Request)
		args   []string
		code   int
		want   []string
	}{
		{"allowed GET", ok, goodPreflight, nil, 0, []string{"ALLOWED", `"https://app.example.com" equals the origin`}},
		{"no ACAO", ok, nil, nil, 1, []string{"BLOCKED at allow-origin", "Chromium (MissingAllowOriginHeader): Access to fetch at",
			"No 'Access-Control-Allow-Origin' header is present", "Fix: send Access-Control-Allow-Origin: " + checkOrigin}},
		{"wrong ACAO", ok, func(h http.Header, _ *http.Request) {
			h.Set("Access-Control-Allow-Origin", "https://other.example.com")
		}, nil, 1,
			[]string{"Chromium (AllowOriginMismatch)", "has a value 'https://other.example.com' that is not equal to the supplied origin."}},
		{"star with credentials", ok, func(h http.Header, _ *http.Request) {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Allow-Credentials", "true")
		}, []string{"--credentials"}, 1, []string{"Chromium (WildcardOriginNotAllowed)", "Credential is not supported"}},
		{"ACAC missing", ok, func(h http.Header, r *http.Request) { h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin")) },
			[]string{"--credentials"}, 1, []string{"BLOCKED at allow-credentials", "Chromium (InvalidAllowCredentials)"}},
		{"preflight 403", func(r *http.Request) int {
			if r.Method == http.MethodOptions {
				return http.StatusForbidden
			}
			return http.StatusOK
		}, goodPreflight, []string{"--method", "PUT"}, 1, []string{"BLOCKED at preflight-status",
			"Chromium (PreflightInvalidStatus): Access to fetch at", "It does not have HTTP ok status.", "Status code: 403."}},
		{"method not listed", ok, goodPreflight, []string{"--method", "DELETE", "--send"}, 1, []string{"BLOCKED at allow-methods",
			"Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.", "Fix: add DELETE"}},
		{"header not listed", ok, func(h http.Header, r *http.Request) {
			goodPreflight(h, r)
			h.Set("Access-Control-Allow-Headers", "content-type")
		}, []string{"--header", "Content-Type: application/json", "--header", "X-Foo: 1"}, 1, []string{"BLOCKED at allow-headers",
			"Access-Control-Request-Headers: content-type,x-foo",
			"Request header field x-foo is not allowed by Access-Control-Allow-Headers in preflight response."}},
		{"ACEH missing", ok, goodPreflight, []string{"--read-header", "ETag"}, 1, []string{"UNREADABLE", "cannot read ETag",
			"Fix: send Access-Control-Expose-Headers: ETag"}},
		{"redirect", func(*http.Request) int { return http.StatusFound }, func(h http.Header, _ *http.Request) {
			h.Set("Location", "https://elsewhere.example.org/x")
			h.Set("Access-Control-Allow-Origin", "*")
		}, nil, 1, []string{"REDIRECTED to https://elsewhere.example.org/x", "Origin: null", "not followed"}},
		{"PUT without --send stops after the preflight", ok, goodPreflight, []string{"--method", "put"}, 0, []string{"PREFLIGHT PASSED", "was not sent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var methods []string
			s := corsServer(t, tt.status, func(h http.Header, r *http.Request) {
				methods = append(methods, r.Method)
				if r.Header.Get("Cookie") != "" {
					t.Error("a cookie was sent")
				}
				if tt.set != nil {
					tt.set(h, r)
				}
			})
			out, code := execute(t, append([]string{"check", s.URL + "/photo.jpg", "--origin", checkOrigin}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, m := range methods {
				if m != http.MethodOptions && m != http.MethodGet && m != http.MethodHead && !strings.Contains(strings.Join(tt.args, " "), "--send") {
					t.Errorf("sent %s without --send", m)
				}
			}
		})
	}
}

func TestCheckPreflightRequest(t *testing.T) {
	var got http.Header
	s := corsServer(t, ok, func(h http.Header, r *http.Request) {
		if r.Method == http.MethodOptions {
			got = r.Header.Clone()
		}
		goodPreflight(h, r)
	})
	out, code := execute(t, "check", s.URL, "--origin", checkOrigin, "--method", "PUT", "--send",
		"--header", "X-Amz-Date: 20260101T000000Z", "--header", "Content-Type: application/json", "--header", "Accept: text/plain")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if got.Get("Origin") != checkOrigin || got.Get("Access-Control-Request-Method") != "PUT" ||
		got.Get("Access-Control-Request-Headers") != "content-type,x-amz-date" || got.Get("Cookie") != "" || got.Get("X-Amz-Date") != "" {
		t.Fatalf("preflight headers %v", got)
	}
}

// A bucket behind doorman's own CORS middleware answers a refused preflight as Amazon S3
// does: 403 with an XML body and no CORS headers. Chromium checks the CORS headers before the
// status, so it reports PreflightMissingAllowOriginHeader; Firefox reports the status.
func TestCheckDoormanBucket(t *testing.T) {
	cfg := &cors.Config{Rules: []cors.Rule{{ID: "uploads", AllowedOrigins: []string{"https://*.example.com"},
		AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"content-type"}}}}
	mw, err := cors.NewMiddleware(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(mw.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("ETag", `"abc"`)
	})))
	t.Cleanup(s.Close)
	url := s.URL + "/photo.jpg"

	out, code := execute(t, "check", url, "--origin", checkOrigin, "--method", "PUT", "--header", "X-Amz-Date: 1")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, w := range []string{
		"preflight-status             FAIL",
		"BLOCKED at preflight-allow-origin",
		"Chromium (PreflightMissingAllowOriginHeader): Access to fetch at '" + url + "' from origin '" + checkOrigin +
			"' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present",
		"(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 403.",
		"Fix: no CORSRule allows origin https://app.example.com and method PUT with headers x-amz-date (Amazon S3 does not say which part no rule matched): one rule must hold https://app.example.com, or a pattern matching it, in AllowedOrigins, PUT in AllowedMethods and x-amz-date in AllowedHeaders (or \"*\")",
		`put this rule first: {"AllowedHeaders":["x-amz-date"],"AllowedMethods":["PUT"],"AllowedOrigins":["https://app.example.com"]}`,
		"answers like an Amazon S3 bucket",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("missing %q in\n%s", w, out)
		}
	}

	out, code = execute(t, "check", url, "--origin", checkOrigin, "--method", "PUT", "--header", "X-Amz-Date: 1", "--browser", "firefox", "--json")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var got struct {
		Request struct {
			ACRM string `json:"accessControlRequestMethod"`
		} `json:"request"`
		Result struct {
			Verdict string `json:"verdict"`
			S3      bool   `json:"s3"`
			Block   struct {
				Step, CorsError string
			} `json:"block"`
			Rule *cors.Rule `json:"suggestedRule"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Request.ACRM != "PUT" || got.Result.Verdict != "BLOCKED" || !got.Result.S3 ||
		got.Result.Block.Step != "preflight-allow-origin" || got.Result.Block.CorsError != "PreflightMissingAllowOriginHeader" || got.Result.Rule == nil {
		t.Fatalf("got %+v\n%s", got, out)
	}

	// With the suggested rule first (S3 uses the first rule that matches), the same request
	// passes, with credentials and ETag readable.
	cfg.Rules = append([]cors.Rule{{AllowedOrigins: []string{checkOrigin}, AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"x-amz-date"}, ExposeHeaders: []string{"ETag"}}}, cfg.Rules...)
	if err := mw.Reconfigure(cfg); err != nil {
		t.Fatal(err)
	}
	out, code = execute(t, "check", url, "--origin", checkOrigin, "--method", "PUT", "--header", "X-Amz-Date: 1",
		"--read-header", "ETag", "--send", "--credentials")
	if code != 0 || !strings.Contains(out, "ALLOWED") || !strings.Contains(out, "ETag is exposed") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestCheckUsage(t *testing.T) {
	s := corsServer(t, ok, goodPreflight)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--header", "Cookie: a=b"}, "forbidden request-header"},
		{[]string{"--method", "TRACE"}, "forbidden"},
		{[]string{"--header", "novalue"}, "want 'Name: value'"},
		{[]string{"--browser", "lynx"}, "unknown browser"},
		{[]string{"--method", "POST"}, "add --send"},
	} {
		out, code := execute(t, append([]string{"check", s.URL, "--origin", checkOrigin}, tt.args...)...)
		if code != 2 || !strings.Contains(out, tt.want) {
			t.Errorf("%v: exit %d\n%s", tt.args, code, out)
		}
	}
	// A closed port is a network error.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if out, code := execute(t, "check", closed.URL, "--origin", checkOrigin, "--timeout", "2s"); code != 2 || !strings.Contains(out, "not as a CORS error") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// --connect reaches a server under a host name that does not resolve, sending that name.
func TestCheckConnect(t *testing.T) {
	var host string
	s := corsServer(t, ok, func(h http.Header, r *http.Request) {
		host = r.Host
		goodPreflight(h, r)
	})
	addr := strings.TrimPrefix(s.URL, "http://")
	_, port, _ := strings.Cut(addr, ":")
	url := "http://photos.s3.doorman.invalid:" + port + "/cat.jpg"
	out, code := execute(t, "check", url, "--origin", checkOrigin, "--connect", addr)
	if code != 0 || !strings.Contains(out, "ALLOWED") || host != "photos.s3.doorman.invalid:"+port {
		t.Fatalf("exit %d, Host %q\n%s", code, host, out)
	}
	if _, code := execute(t, "check", url, "--origin", checkOrigin); code != 2 {
		t.Fatalf("without --connect the name does not resolve: exit %d", code)
	}
}

// --browser webkit (or safari) gives WebKit's verdict, its console reason and its preflight
// cache cap of 600 s.
func TestCheckWebKit(t *testing.T) {
	s := corsServer(t, func(r *http.Request) int {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") == "DELETE" {
			return http.StatusForbidden
		}
		return http.StatusOK
	}, func(h http.Header, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") == "DELETE" {
			return // refused as Amazon S3 refuses: 403, no CORS headers
		}
		goodPreflight(h, r)
		h.Set("Access-Control-Max-Age", "3000")
	})
	url := s.URL + "/photo.jpg"
	for _, tt := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--method", "DELETE", "--browser", "safari"}, 1, []string{"(credentials: same-origin, browser: webkit)",
			"BLOCKED at preflight-status", "WebKit: Preflight response is not successful. Status code: 403 (then: Fetch API cannot load " + url}},
		// Chromium checks the CORS headers first, so the step differs; WebKit's reason is still given.
		{[]string{"--method", "DELETE"}, 1, []string{"BLOCKED at preflight-allow-origin", "WebKit: Preflight response is not successful. Status code: 403"}},
		{[]string{"--header", "X-Foo: 1", "--credentials", "--browser", "webkit"}, 1, []string{"BLOCKED at preflight-allow-credentials",
			`WebKit: Credentials flag is true, but Access-Control-Allow-Credentials is not "true".`}},
		{[]string{"--method", "PUT", "--browser", "webkit"}, 0, []string{"Access-Control-Max-Age 3000, capped by webkit at 600 s"}},
		{[]string{"--method", "PUT", "--browser", "chromium"}, 0, []string{"Access-Control-Max-Age 3000: 3000 s"}},
	} {
		out, code := execute(t, append([]string{"check", url, "--origin", checkOrigin}, tt.args...)...)
		if code != tt.code {
			t.Fatalf("%v: exit %d, want %d\n%s", tt.args, code, tt.code, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: missing %q in\n%s", tt.args, w, out)
			}
		}
	}
	out, _ := execute(t, "check", url, "--origin", checkOrigin, "--method", "PUT", "--browser", "safari", "--json")
	var got struct {
		Browser string
		Result  struct {
			CacheSeconds int64 `json:"preflightCacheSeconds"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Browser != "webkit" || got.Result.CacheSeconds != 600 {
		t.Fatalf("%v %+v\n%s", err, got, out)
	}
	out, _ = execute(t, "check", url, "--origin", checkOrigin, "--method", "DELETE", "--browser", "webkit", "--json")
	var blocked struct {
		Result struct {
			Block struct{ Step, WebKit string }
		}
	}
	if err := json.Unmarshal([]byte(out), &blocked); err != nil || blocked.Result.Block.Step != "preflight-status" ||
		blocked.Result.Block.WebKit != "Preflight response is not successful. Status code: 403" {
		t.Fatalf("%v %+v\n%s", err, blocked, out)
	}
}

// When no rule's AllowedOrigins holds the origin, the fix does not speak of a rule whose
// origin matches: Amazon S3's refusal does not say which part no rule matched.
func TestCheckFixNoOriginMatches(t *testing.T) {
	cfg := &cors.Config{Rules: []cors.Rule{{AllowedOrigins: []string{"https://other.example.org"}, AllowedMethods: []string{"PUT"}}}}
	mw, err := cors.NewMiddleware(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(mw.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	t.Cleanup(s.Close)
	for _, c := range []struct {
		args []string
		fix  string
	}{
		{[]string{"--method", "PUT"}, "Fix: no CORSRule allows origin " + checkOrigin + " and method PUT (Amazon S3 does not say which part no rule matched): " +
			"one rule must hold " + checkOrigin + ", or a pattern matching it, in AllowedOrigins and PUT in AllowedMethods; or put this rule first: "},
		{[]string{"--method", "PUT", "--header", "X-Amz-Date: 1"}, "Fix: no CORSRule allows origin " + checkOrigin + " and method PUT with headers x-amz-date (Amazon S3 does not say which part no rule matched): " +
			"one rule must hold " + checkOrigin + ", or a pattern matching it, in AllowedOrigins, PUT in AllowedMethods and x-amz-date in AllowedHeaders (or \"*\"); or put this rule first: "},
	} {
		out, code := execute(t, append([]string{"check", s.URL + "/photo.jpg", "--origin", checkOrigin}, c.args...)...)
		if code != 1 || !strings.Contains(out, c.fix) || strings.Contains(out, "whose AllowedOrigin") {
			t.Errorf("%v: exit %d, want %q in\n%s", c.args, code, c.fix, out)
		}
	}
}
