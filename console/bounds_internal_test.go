package console

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The session store and the sign-in limiter stay within their bounds however many browsers
// sign in: the store ends the session closest to expiry, the limiter forgets the address that
// lost least.
func TestBounds(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c, err := New(Config{S3: http.NotFoundHandler(), Users: func(key string) (string, bool) { return "secret", key == "NEWKEY" },
		Region: "us-east-1", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	newSession := func(key string) *session {
		t.Helper()
		s, err := c.newSession(key)
		if err != nil {
			t.Fatalf("sign-in as %s: %v", key, err)
		}
		return s
	}
	// One key signing in again and again holds maxSessionsPerKey sessions, its newest.
	first := newSession("AKID")
	var last *session
	for range maxSessionsPerKey {
		now = now.Add(time.Millisecond)
		last = newSession("AKID")
	}
	if n := len(c.sessions.m); n != maxSessionsPerKey {
		t.Fatalf("one key holds %d sessions, bound %d", n, maxSessionsPerKey)
	}
	if c.sessions.m[first.id] != nil || c.sessions.m[last.id] == nil {
		t.Fatal("the key's session used longest ago did not end")
	}
	// Other keys fill the store: a new key is refused and nobody's session ends; a key that
	// holds sessions ends its own.
	for i := 0; len(c.sessions.m) < maxSessions; i++ {
		newSession(fmt.Sprint("KEY", i/maxSessionsPerKey))
	}
	if _, err := c.newSession("NEWKEY"); err != errSessionsFull {
		t.Fatalf("a full store took a new key's session: %v", err)
	}
	// Its sign-in is refused with a reason the page can show.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/session", strings.NewReader(`{"accessKey":"NEWKEY","secretKey":"secret"}`))
	req.Header.Set("Content-Type", "application/json")
	c.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"TooManySessions"`) || len(rec.Result().Cookies()) != 0 {
		t.Fatalf("sign-in to a full store: %d %s", rec.Code, rec.Body)
	}
	if n := len(c.sessions.m); n != maxSessions || c.sessions.m[last.id] == nil {
		t.Fatalf("%d sessions held, bound %d; the first key's newest kept: %v", n, maxSessions, c.sessions.m[last.id] != nil)
	}
	newSession("AKID")
	if n := len(c.sessions.m); n != maxSessions {
		t.Fatalf("%d sessions held, bound %d", n, maxSessions)
	}

	l := newSigninLimiter()
	for i := range maxSigninAddrs {
		l.allow(fmt.Sprint("10.0.", i/256, ".", i%256), now)
	}
	// One address spent its whole budget; a new one arrives when the map is full.
	for l.allow("192.0.2.1", now) {
	}
	l.allow("192.0.2.2", now)
	if n := len(l.m); n > maxSigninAddrs {
		t.Fatalf("%d addresses held, bound %d", n, maxSigninAddrs)
	}
	if _, ok := l.m["192.0.2.1"]; !ok {
		t.Fatal("the limiter forgot the address that spent its budget")
	}
}
