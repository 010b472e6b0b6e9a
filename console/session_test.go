package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/console"
	"github.com/doorman-s3/doorman/internal/s3test"
)

// TestSignIn checks sign-in's answers and the session cookie's attributes.
func TestSignIn(t *testing.T) {
	tests := []struct {
		name              string
		secure            bool
		access, secret    string
		status            int
		code              string
		wantSecureCookies bool
	}{
		{name: "right keys", access: s3test.Owner.AccessKey, secret: s3test.Owner.SecretKey, status: http.StatusOK},
		{name: "right keys, console over TLS", secure: true, access: s3test.Owner.AccessKey, secret: s3test.Owner.SecretKey, status: http.StatusOK, wantSecureCookies: true},
		{name: "wrong secret", access: s3test.Owner.AccessKey, secret: s3test.Other.SecretKey, status: http.StatusUnauthorized, code: "InvalidCredentials"},
		{name: "unknown access key", access: "AKIDNOSUCHKEY", secret: s3test.Owner.SecretKey, status: http.StatusUnauthorized, code: "InvalidCredentials"},
		{name: "empty keys", status: http.StatusUnauthorized, code: "InvalidCredentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, func(c *console.Config) {
				c.Secure = tt.secure
				if tt.secure {
					for i, o := range c.Origins {
						c.Origins[i] = "https://" + strings.TrimPrefix(o, "http://")
					}
				}
			})
			b := &browser{e: e, origin: e.console.URL}
			if tt.secure {
				// Behind TLS, the page's origin is https.
				b.origin = "https://" + strings.TrimPrefix(e.console.URL, "http://")
			}
			res, body := b.send(http.MethodPost, "/api/session", jsonOf(map[string]string{"accessKey": tt.access, "secretKey": tt.secret}), nil)
			if tt.code != "" {
				wantError(t, res, body, tt.status, tt.code, "")
				if len(res.Cookies()) != 0 {
					t.Fatalf("a refused sign-in set %v", res.Header["Set-Cookie"])
				}
				return
			}
			if res.StatusCode != tt.status {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
			var info struct {
				AccessKey, CSRFToken string
				Expires              time.Time
			}
			if err := json.Unmarshal(body, &info); err != nil {
				t.Fatal(err)
			}
			if info.AccessKey != tt.access || len(info.CSRFToken) < 43 || !info.Expires.Equal(e.clock.Now().Add(console.DefaultSessionIdle)) {
				t.Fatalf("answer %s", body)
			}
			if strings.Contains(string(body), tt.secret) {
				t.Fatalf("the answer holds the secret key: %s", body)
			}
			cks := res.Cookies()
			if len(cks) != 1 {
				t.Fatalf("cookies %v", res.Header["Set-Cookie"])
			}
			ck := cks[0]
			name := "doorman_console"
			if tt.secure {
				// Over TLS, a name no plain-HTTP page of the host can set.
				name = "__Host-doorman_console"
			}
			if ck.Name != name || len(ck.Value) < 43 || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure != tt.wantSecureCookies {
				t.Fatalf("cookie %q", res.Header["Set-Cookie"])
			}
			// The session answers GET /api/session, with the token, with the key and never the
			// token, and sets nothing.
			b.cookie, b.csrf = ck, info.CSRFToken
			res, again := b.send(http.MethodGet, "/api/session", nil, nil)
			if res.StatusCode != http.StatusOK || len(res.Cookies()) != 0 {
				t.Fatalf("GET /api/session: %d %s %v", res.StatusCode, again, res.Header["Set-Cookie"])
			}
			var info2 map[string]any
			if err := json.Unmarshal(again, &info2); err != nil || info2["accessKey"] != tt.access || len(info2) != 2 || strings.Contains(string(again), info.CSRFToken) {
				t.Fatalf("GET /api/session: %s", again)
			}
		})
	}
}

// TestSignOut checks that sign-out ends the session on the server and deletes the cookie.
func TestSignOut(t *testing.T) {
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	res, body := b.send(http.MethodDelete, "/api/session", nil, nil)
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	if cks := res.Cookies(); len(cks) != 1 || cks[0].Name != "doorman_console" || cks[0].MaxAge >= 0 {
		t.Fatalf("sign-out cookie %v", res.Header["Set-Cookie"])
	}
	res, body = b.send(http.MethodGet, "/api/session", nil, nil)
	wantError(t, res, body, http.StatusUnauthorized, "NoSession", "")
}

// TestSessionIdle checks that using a session keeps it alive past the idle period, up to its
// absolute life.
func TestSessionIdle(t *testing.T) {
	e := start(t, func(c *console.Config) { c.SessionIdle, c.SessionMax = time.Minute, time.Hour })
	b := e.signIn(s3test.Owner)
	for range 10 {
		e.clock.Advance(50 * time.Second)
		b.want(http.StatusOK, http.MethodGet, "/api/buckets", nil)
	}
	e.clock.Advance(time.Minute)
	res, body := b.send(http.MethodGet, "/api/buckets", nil, nil)
	wantError(t, res, body, http.StatusUnauthorized, "NoSession", "")
}

// TestSignInRateLimit checks that sign-in attempts from one address are limited, right or
// wrong, and that the budget comes back with time.
func TestSignInRateLimit(t *testing.T) {
	e := start(t, nil)
	b := &browser{e: e, origin: e.console.URL}
	wrong := jsonOf(map[string]string{"accessKey": s3test.Owner.AccessKey, "secretKey": "guess"})
	for range 10 {
		res, body := b.send(http.MethodPost, "/api/session", wrong, nil)
		wantError(t, res, body, http.StatusUnauthorized, "InvalidCredentials", "")
	}
	right := jsonOf(map[string]string{"accessKey": s3test.Owner.AccessKey, "secretKey": s3test.Owner.SecretKey})
	res, body := b.send(http.MethodPost, "/api/session", right, nil)
	wantError(t, res, body, http.StatusTooManyRequests, "SlowDown", "")
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	e.clock.Advance(time.Second)
	e.signIn(s3test.Owner)
}
