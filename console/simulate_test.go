package console_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/internal/s3test"
)

// simulationAnswer is the part of the simulator's answer the tests read beyond explain's.
type simulationAnswer struct {
	DecidedBy *int
	Rules     []struct{ Why string }
	Browsers  map[string]struct {
		Verdict, CorsError, Message string
		Fixes                       []string
		SuggestedRule               *cors.Rule
	}
	BrowserError string
}

// explainJSON is what `doorman explain --json` prints for the request (cors.NewReport is what
// it prints with), as a generic JSON value.
func explainJSON(t *testing.T, doc string, origin, method string, headers []string, preflight bool) any {
	t.Helper()
	var p *cors.Policy
	if doc != "" {
		cfg, err := cors.Decode([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if p, err = cors.Compile(cfg); err != nil {
			t.Fatal(err)
		}
	}
	req := cors.Request{Method: method, Origin: origin, Object: true}
	if preflight {
		req.Method, req.RequestMethod = http.MethodOptions, method
		if len(headers) > 0 {
			req.RequestHeaders = []string{strings.Join(headers, ",")}
		}
	}
	e := p.Explain(&req, preflight)
	return generic(t, cors.NewReport(&req, &e))
}

func generic(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSimulate runs the simulator on a saved configuration and on drafts, and compares S3's
// answer with explain's for the same request, and the browsers' verdicts with check's.
func TestSimulate(t *testing.T) {
	const saved = `{"CORSRules":[
		{"ID":"reads","AllowedOrigins":["https://app.test"],"AllowedMethods":["GET"]},
		{"ID":"uploads","AllowedOrigins":["https://app.test"],"AllowedMethods":["PUT"],"AllowedHeaders":["content-type"],"ExposeHeaders":["ETag"]},
		{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}`
	const public = `{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}`
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	for _, name := range []string{"site", "bare"} {
		b.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": name}))
	}
	b.want(http.StatusNoContent, http.MethodPut, "/api/buckets/site/cors", jsonOf(map[string]string{"format": "json", "document": saved}))

	type browserWant struct{ verdict, corsError string }
	tests := []struct {
		name      string
		in        map[string]any
		doc       string // the configuration explain is given ("": none)
		method    string
		headers   []string // explain's --header
		preflight bool
		status    int // of S3's preflight answer; 0 for an actual request
		decidedBy int // -1: none
		why       []string
		chromium  browserWant
	}{
		{"upload allowed by the second rule",
			map[string]any{"bucket": "site", "key": "a.png", "origin": "https://app.test", "method": "PUT", "headers": []string{"Content-Type: image/png"}, "credentials": "omit"},
			saved, "PUT", []string{"content-type"}, true, 200, 1,
			[]string{"AllowedMethod does not hold PUT; AllowedHeader admits no content-type", "decides: the first rule whose origin, method and headers all match", "AllowedMethod does not hold PUT; AllowedHeader admits no content-type"},
			browserWant{"ALLOWED", ""}},
		{"delete refused",
			map[string]any{"bucket": "site", "key": "a.png", "origin": "https://app.test", "method": "DELETE"},
			saved, "DELETE", nil, true, 403, -1,
			[]string{"AllowedMethod does not hold DELETE", "AllowedMethod does not hold DELETE", "AllowedMethod does not hold DELETE"},
			browserWant{"BLOCKED", "PreflightMissingAllowOriginHeader"}},
		{"read with credentials under '*'",
			map[string]any{"bucket": "site", "key": "a.png", "origin": "https://evil.test", "credentials": "include"},
			saved, "GET", nil, false, 0, 2,
			[]string{`no AllowedOrigin matches "https://evil.test"`, `no AllowedOrigin matches "https://evil.test"; AllowedMethod does not hold GET`, "decides: the first rule whose origin, method and headers all match"},
			browserWant{"BLOCKED", "WildcardOriginNotAllowed"}},
		{"no configuration",
			map[string]any{"bucket": "bare", "key": "a.png", "origin": "https://app.test", "method": "PUT"},
			"", "PUT", nil, true, 403, -1, nil,
			browserWant{"BLOCKED", "PreflightMissingAllowOriginHeader"}},
		{"draft, preflight asked for",
			map[string]any{"draft": map[string]string{"format": "json", "document": public}, "key": "a.png", "origin": "https://evil.test", "preflight": true},
			public, "GET", nil, true, 200, 0,
			[]string{"decides: the first rule whose origin, method and headers all match"},
			browserWant{"ALLOWED", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := b.want(http.StatusOK, http.MethodPost, "/api/simulate", jsonOf(tt.in))
			var all map[string]any
			if err := json.Unmarshal(body, &all); err != nil {
				t.Fatal(err)
			}
			got := decode[simulationAnswer](t, body)
			// Explain's report, word for word: the answer without the simulator's additions.
			for _, k := range []string{"decidedBy", "browsers", "browserError"} {
				delete(all, k)
			}
			for _, r := range all["rules"].([]any) {
				delete(r.(map[string]any), "why")
			}
			if want := explainJSON(t, tt.doc, tt.in["origin"].(string), tt.method, tt.headers, tt.preflight); !reflect.DeepEqual(any(all), want) {
				t.Fatalf("report\n got %v\nwant %v", all, want)
			}
			resp := all["response"].(map[string]any)
			if status, _ := resp["status"].(float64); int(status) != tt.status {
				t.Fatalf("S3 answers %v, want %d", resp["status"], tt.status)
			}
			if (got.DecidedBy == nil) != (tt.decidedBy < 0) || got.DecidedBy != nil && *got.DecidedBy != tt.decidedBy {
				t.Fatalf("decidedBy %v, want %d", got.DecidedBy, tt.decidedBy)
			}
			var whys []string
			for _, r := range got.Rules {
				whys = append(whys, r.Why)
			}
			if strings.Join(whys, "|") != strings.Join(tt.why, "|") {
				t.Fatalf("why\n got %q\nwant %q", whys, tt.why)
			}
			for _, name := range []string{"chromium", "firefox", "webkit"} {
				v, ok := got.Browsers[name]
				if !ok || v.Verdict != tt.chromium.verdict {
					t.Fatalf("%s: %+v, want %s", name, v, tt.chromium.verdict)
				}
				if v.Verdict == "BLOCKED" && (v.Message == "" || len(v.Fixes) == 0) {
					t.Fatalf("%s blocks without a message or a fix: %+v", name, v)
				}
			}
			if c := got.Browsers["chromium"]; c.CorsError != tt.chromium.corsError {
				t.Fatalf("chromium corsError %q, want %q", c.CorsError, tt.chromium.corsError)
			}
		})
	}

	// Refusals: another user's bucket (S3's own answer), an invalid draft, neither or both.
	other := e.signIn(s3test.Other)
	refusals := []struct {
		name          string
		b             *browser
		in            map[string]any
		status        int
		code, message string
	}{
		{"another user's bucket", other, map[string]any{"bucket": "site", "origin": "https://app.test"}, 403, "AccessDenied", "Access Denied"},
		{"invalid draft", b, map[string]any{"draft": map[string]string{"format": "json", "document": `{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["PATCH"]}]}`}, "origin": "https://app.test"},
			400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"},
		{"neither bucket nor draft", b, map[string]any{"origin": "https://app.test"}, 400, "InvalidArgument", ""},
		{"bad credentials mode", b, map[string]any{"bucket": "site", "origin": "https://app.test", "credentials": "always"}, 400, "InvalidArgument", ""},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			res, body := tt.b.send(http.MethodPost, "/api/simulate", jsonOf(tt.in), nil)
			wantError(t, res, body, tt.status, tt.code, tt.message)
		})
	}

	// A draft given with its bucket is simulated at the bucket's own URL, which the browsers'
	// messages name.
	t.Run("draft for a bucket", func(t *testing.T) {
		in := map[string]any{"bucket": "site", "draft": map[string]string{"format": "json", "document": public}, "key": "a.png",
			"origin": "https://app.test", "method": "PUT"}
		got := decode[simulationAnswer](t, b.want(http.StatusOK, http.MethodPost, "/api/simulate", jsonOf(in)))
		if c := got.Browsers["chromium"]; c.Verdict != "BLOCKED" || !strings.Contains(c.Message, "/site/a.png") {
			t.Fatalf("chromium %+v, want BLOCKED at /site/a.png (the draft allows GET only)", c)
		}
	})
}
