package console

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// The session store and the sign-in limiter stay within their bounds however many browsers
// sign in: the store ends the session closest to expiry, the limiter forgets the address that
// lost least.
func TestBounds(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c, err := New(Config{S3: http.NotFoundHandler(), Users: func(string) (string, bool) { return "", false },
		Region: "us-east-1", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	first := c.newSession("AKID")
	var last *session
	for range maxSessions {
		now = now.Add(time.Millisecond)
		last = c.newSession("AKID")
	}
	if n := len(c.sessions.m); n != maxSessions {
		t.Fatalf("%d sessions held, bound %d", n, maxSessions)
	}
	if c.lookup(first.id) != nil || c.lookup(last.id) == nil {
		t.Fatal("the store did not end the session closest to expiry")
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
