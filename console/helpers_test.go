package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/console"
	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/internal/testclock"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// env is a console in front of an in-process S3 server whose users are s3test's accounts,
// both on loopback listeners.
type env struct {
	t *testing.T
	// clock is shared by the console and the S3 server, so that signatures stay in S3's
	// window while sessions expire.
	clock   *testclock.Clock
	console *httptest.Server
	S3      *s3test.Client
}

// start starts an env; configure, when not nil, may change the console's configuration.
func start(t *testing.T, configure func(*console.Config)) *env {
	t.Helper()
	store, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	clk := testclock.New(time.Now())
	accounts := []s3test.Account{s3test.Owner, s3test.Other, s3test.Third}
	var users []s3api.User
	for _, a := range accounts {
		users = append(users, a.User())
	}
	s3, err := s3api.New(context.Background(), s3api.Config{Backend: store, Users: users, Region: s3test.Region, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	s3srv := httptest.NewServer(s3)
	t.Cleanup(s3srv.Close)
	cfg := console.Config{
		S3: s3,
		Users: func(key string) (string, bool) {
			for _, a := range accounts {
				if a.AccessKey == key {
					return a.SecretKey, true
				}
			}
			return "", false
		},
		Region:   s3test.Region,
		Endpoint: s3srv.URL,
		Now:      clk.Now,
	}
	// The console knows the origins of the listener it is served on, as serve tells it.
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	cfg.Origins = console.ListenerOrigins("http", srv.Listener.Addr().String())
	if configure != nil {
		configure(&cfg)
	}
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = c
	srv.Start()
	return &env{t: t, clock: clk, console: srv, S3: &s3test.Client{URL: s3srv.URL, HTTP: s3srv.Client()}}
}

// browser is a browser on the console's page: it sends the session cookie it got, the CSRF
// token and the console's origin with every request, as the console's own script would.
type browser struct {
	e      *env
	cookie *http.Cookie
	csrf   string
	origin string
	host   string // the Host the requests name, when not the console's address
}

// signIn signs in as a and returns the browser, failing the test when it cannot.
func (e *env) signIn(a s3test.Account) *browser {
	e.t.Helper()
	b := &browser{e: e, origin: e.console.URL}
	res, body := b.send(http.MethodPost, "/api/session", jsonOf(map[string]string{"accessKey": a.AccessKey, "secretKey": a.SecretKey}), nil)
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("sign-in as %s: %d %s", a.Name, res.StatusCode, body)
	}
	var info struct{ CSRFToken string }
	if err := json.Unmarshal(body, &info); err != nil || info.CSRFToken == "" {
		e.t.Fatalf("sign-in answer %s: %v", body, err)
	}
	b.csrf = info.CSRFToken
	for _, ck := range res.Cookies() {
		if ck.Name == "doorman_console" || ck.Name == "__Host-doorman_console" {
			b.cookie = ck
		}
	}
	if b.cookie == nil {
		e.t.Fatalf("sign-in set no session cookie: %v", res.Header["Set-Cookie"])
	}
	return b
}

// jsonBody is a request body the browser sends as application/json.
type jsonBody []byte

func jsonOf(v any) jsonBody {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// send sends a request: body is nil, a jsonBody or raw []byte; header entries are set last,
// an empty value deleting the header.
func (b *browser) send(method, path string, body any, header map[string]string) (*http.Response, []byte) {
	b.e.t.Helper()
	var rd io.Reader
	ctype := ""
	switch v := body.(type) {
	case jsonBody:
		rd, ctype = bytes.NewReader(v), "application/json"
	case []byte:
		rd, ctype = bytes.NewReader(v), "application/octet-stream"
	}
	req, err := http.NewRequest(method, b.e.console.URL+path, rd)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	if b.host != "" {
		req.Host = b.host
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := b.e.console.Client().Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return res, data
}

// want sends a request and checks its status, returning the body.
func (b *browser) want(status int, method, path string, body any) []byte {
	b.e.t.Helper()
	res, data := b.send(method, path, body, nil)
	if res.StatusCode != status {
		b.e.t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, data, status)
	}
	return data
}

// apiErr is the console's error body.
type apiErr struct {
	Error struct {
		Status  int
		Code    string
		Message string
	}
}

// wantError checks that a request is refused with status and code (and message, when set).
func wantError(t *testing.T, res *http.Response, body []byte, status int, code, message string) {
	t.Helper()
	var e apiErr
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if res.StatusCode != status || e.Error.Status != status || e.Error.Code != code || (message != "" && e.Error.Message != message) {
		t.Fatalf("got %d %s, want %d %s %q", res.StatusCode, body, status, code, message)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q", ct)
	}
}

// direct sends r to the S3 server itself, signed at the shared clock's time, and checks its
// status.
func (e *env) direct(want int, r s3test.Request) []byte {
	e.t.Helper()
	r.At = e.clock.Now()
	return e.S3.Must(e.t, want, r)
}
