package console_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/console"
	"github.com/doorman-s3/doorman/internal/s3test"
)

// TestProbePage serves the probe page and its files, with a policy that lets it connect
// anywhere and be framed by the console's origins alone, and nothing else: none of the
// console's files and none of its API.
func TestProbePage(t *testing.T) {
	const csp = "default-src 'self'; connect-src *; frame-ancestors http://127.0.0.1:9001 http://localhost:9001; base-uri 'none'; form-action 'none'"
	h, err := console.NewProbe(console.ProbeConfig{ConsoleOrigins: []string{"http://127.0.0.1:9001", "http://localhost:9001"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	files := built(t)
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			res, body := get(t, srv, http.MethodGet, "/"+f.name, nil)
			if !strings.HasPrefix(f.name, "probe.") {
				wantError(t, res, body, http.StatusNotFound, "NotFound", "")
				return
			}
			wantFile(t, res, body, f, csp)
			if f.name == "probe.html" {
				res, body := get(t, srv, http.MethodGet, "/", nil)
				wantFile(t, res, body, f, csp)
			}
		})
	}
	for _, path := range []string{"/api/session", "/api/probe", "/api/buckets"} {
		res, body := get(t, srv, http.MethodGet, path, nil)
		wantError(t, res, body, http.StatusNotFound, "NotFound", "")
	}
	pageRequests(t, srv, builtNamed(t, files, "probe.html"))
}

// TestProbeOriginsChecked: an origin goes into a Content-Security-Policy as it is, so anything
// but an origin is refused, by NewProbe and by New alike.
func TestProbeOriginsChecked(t *testing.T) {
	for _, tt := range []struct {
		name    string
		origins []string
		ok      bool
	}{
		{"loopback and localhost", []string{"http://127.0.0.1:9001", "http://localhost:9001"}, true},
		{"https, IPv6, default port", []string{"https://[::1]:9443", "https://console.example"}, true},
		{"a path", []string{"http://127.0.0.1:9001/"}, false},
		{"another directive", []string{"http://127.0.0.1:9001; script-src *"}, false},
		{"two in one", []string{"http://127.0.0.1:9001 http://evil.example"}, false},
		{"a wildcard", []string{"*"}, false},
		{"a keyword", []string{"'self'"}, false},
		{"no scheme", []string{"127.0.0.1:9001"}, false},
		{"another scheme", []string{"ws://127.0.0.1:9001"}, false},
		{"user info", []string{"http://u@127.0.0.1:9001"}, false},
		{"a query", []string{"http://127.0.0.1:9001?x"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := console.NewProbe(console.ProbeConfig{ConsoleOrigins: tt.origins})
			if (err == nil) != tt.ok {
				t.Errorf("NewProbe: %v", err)
			}
			_, err = console.New(console.Config{S3: http.NotFoundHandler(), Users: func(string) (string, bool) { return "", false },
				Region: s3test.Region, ProbeOrigins: tt.origins})
			if (err == nil) != tt.ok {
				t.Errorf("New: %v", err)
			}
		})
	}
	if _, err := console.NewProbe(console.ProbeConfig{}); err == nil {
		t.Error("a probe no console may frame was made")
	}
}

// TestListenerOrigins: a loopback listener is offered as 127.0.0.1 and as localhost, other
// hosts as they are.
func TestListenerOrigins(t *testing.T) {
	for _, tt := range []struct {
		scheme, addr string
		want         []string
	}{
		{"http", "127.0.0.1:9001", []string{"http://127.0.0.1:9001", "http://localhost:9001"}},
		{"https", "127.0.0.1:9001", []string{"https://127.0.0.1:9001", "https://localhost:9001"}},
		{"http", "localhost:9001", []string{"http://127.0.0.1:9001", "http://localhost:9001"}},
		{"http", "0.0.0.0:9001", []string{"http://127.0.0.1:9001", "http://localhost:9001"}},
		{"http", "[::]:9001", []string{"http://127.0.0.1:9001", "http://localhost:9001"}},
		{"http", ":9001", []string{"http://127.0.0.1:9001", "http://localhost:9001"}},
		{"http", "[::1]:9001", []string{"http://[::1]:9001", "http://localhost:9001"}},
		{"http", "192.0.2.7:9001", []string{"http://192.0.2.7:9001"}},
		{"https", "console.example:443", []string{"https://console.example"}},
		{"http", "[::1]:80", []string{"http://[::1]", "http://localhost"}},
	} {
		if got := console.ListenerOrigins(tt.scheme, tt.addr); !slices.Equal(got, tt.want) {
			t.Errorf("ListenerOrigins(%q, %q) = %q, want %q", tt.scheme, tt.addr, got, tt.want)
		}
	}
}

// TestProbeInfo: GET /api/probe gives a signed-in page the probe's origins, and nothing else;
// without a session it is refused.
func TestProbeInfo(t *testing.T) {
	for _, tt := range []struct {
		name    string
		origins []string
		want    string
	}{
		{"a probe", probeOrigins, `{"origins":["http://127.0.0.1:9002","http://localhost:9002"]}`},
		{"no probe", nil, `{"origins":[]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, func(cfg *console.Config) { cfg.ProbeOrigins = tt.origins })
			res, body := (&browser{e: e}).send(http.MethodGet, "/api/probe", nil, nil)
			wantError(t, res, body, http.StatusUnauthorized, "NoSession", "")
			if got := strings.TrimSpace(string(e.signIn(s3test.Owner).want(http.StatusOK, http.MethodGet, "/api/probe", nil))); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
