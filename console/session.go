package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie's name.
const cookieName = "doorman_console"

// Bounds on the session store and the sign-in limiter, so that no client can grow the
// console's memory without end.
const (
	// maxSessions bounds the sessions held at once; when it is full, signing in ends the
	// session closest to its idle expiry. 10,000 sessions hold about 2 MiB.
	maxSessions = 10000
	// signinBurst sign-in attempts are allowed at once from one address, then one every
	// signinEvery: a person mistyping a secret is not slowed, a guesser is held to 60 a
	// minute, no faster than the S3 API answers a script.
	signinBurst = 10
	signinEvery = time.Second
	// maxSigninAddrs bounds the addresses the limiter remembers; when it is full, the
	// address whose budget is fullest is forgotten (it is the one that lost least).
	maxSigninAddrs = 10000
)

// session is a signed-in browser. The cookie holds only its id; the secret key is not kept.
type session struct {
	id, csrf      string
	accessKey     string
	created, seen time.Time
}

// sessionStore holds the sessions, expiring them when they are looked up and when one is
// added: it needs no goroutine of its own.
type sessionStore struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessionStore() *sessionStore { return &sessionStore{m: make(map[string]*session)} }

// expired tells whether s has ended at now.
func (c *Console) expired(s *session, now time.Time) bool {
	return now.Sub(s.seen) >= c.cfg.SessionIdle || now.Sub(s.created) >= c.cfg.SessionMax
}

// expires is when s ends if it is not used again.
func (c *Console) expires(s *session) time.Time {
	idle, abs := s.seen.Add(c.cfg.SessionIdle), s.created.Add(c.cfg.SessionMax)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// newSession starts a session for accessKey.
func (c *Console) newSession(accessKey string) *session {
	now := c.cfg.Now()
	s := &session{id: rand.Text() + rand.Text(), csrf: rand.Text() + rand.Text(), accessKey: accessKey, created: now, seen: now}
	st := c.sessions
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, old := range st.m {
		if c.expired(old, now) {
			delete(st.m, id)
		}
	}
	if len(st.m) >= maxSessions {
		var oldest *session
		for _, old := range st.m {
			if oldest == nil || c.expires(old).Before(c.expires(oldest)) {
				oldest = old
			}
		}
		delete(st.m, oldest.id)
	}
	st.m[s.id] = s
	return s
}

// lookup returns the live session of id, marking it used, or nil.
func (c *Console) lookup(id string) *session {
	now := c.cfg.Now()
	st := c.sessions
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.m[id]
	if !ok {
		return nil
	}
	if c.expired(s, now) {
		delete(st.m, id)
		return nil
	}
	s.seen = now
	cp := *s
	return &cp
}

// end removes the session of id.
func (c *Console) end(id string) {
	c.sessions.mu.Lock()
	defer c.sessions.mu.Unlock()
	delete(c.sessions.m, id)
}

// checkSession returns the request's live session, or answers 401 NoSession and returns nil.
func (c *Console) checkSession(w http.ResponseWriter, r *http.Request) *session {
	if ck, err := r.Cookie(cookieName); err == nil {
		if s := c.lookup(ck.Value); s != nil {
			if _, ok := c.cfg.Users(s.accessKey); ok {
				return s
			}
			c.end(s.id)
		}
	}
	writeError(w, http.StatusUnauthorized, "NoSession", "Sign in first: the request has no live console session.")
	return nil
}

// sessionInfo is what the browser learns of its session.
type sessionInfo struct {
	AccessKey string    `json:"accessKey"`
	CSRFToken string    `json:"csrfToken"`
	Expires   time.Time `json:"expires"`
}

func (c *Console) info(s *session) sessionInfo {
	return sessionInfo{AccessKey: s.accessKey, CSRFToken: s.csrf, Expires: c.expires(s)}
}

// cookie is the session cookie carrying value; maxAge < 0 deletes it.
func (c *Console) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.cfg.Secure}
}

// signIn answers POST /api/session {accessKey, secretKey}.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if !c.sameOrigin(w, r) {
		return
	}
	if !isJSON(r) {
		writeError(w, http.StatusForbidden, "UnsupportedMediaType", "The request body must be application/json.")
		return
	}
	addr := remoteHost(r)
	if !c.signins.allow(addr, c.cfg.Now()) {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "SlowDown", "Too many sign-in attempts from this address; try again shortly.")
		return
	}
	var in struct {
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	secret, ok := c.cfg.Users(in.AccessKey)
	// Compare digests, even when the key is unknown, so that the time taken tells neither
	// whether the key exists nor the secret's length.
	given, want := sha256.Sum256([]byte(in.SecretKey)), sha256.Sum256([]byte(secret))
	match := subtle.ConstantTimeCompare(given[:], want[:]) == 1
	if !ok || !match || in.AccessKey == "" {
		c.cfg.Logger.Info("console sign-in refused", "access_key", in.AccessKey, "remote", addr)
		writeError(w, http.StatusUnauthorized, "InvalidCredentials", "The access key or secret key is wrong.")
		return
	}
	s := c.newSession(in.AccessKey)
	c.cfg.Logger.Info("console sign-in", "access_key", in.AccessKey, "remote", addr)
	http.SetCookie(w, c.cookie(s.id, int(c.cfg.SessionMax/time.Second)))
	writeJSON(w, http.StatusOK, c.info(s))
}

// getSession answers GET /api/session.
func getSession(c *Console, w http.ResponseWriter, _ *http.Request, s *session) {
	writeJSON(w, http.StatusOK, c.info(s))
}

// signOut answers DELETE /api/session: the session ends on the server, whatever the browser
// keeps.
func signOut(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	c.end(s.id)
	c.cfg.Logger.Info("console sign-out", "access_key", s.accessKey, "remote", remoteHost(r))
	http.SetCookie(w, c.cookie("", -1))
	w.WriteHeader(http.StatusNoContent)
}

// remoteHost is the address a request came from, without its port.
func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// signinLimiter is a token bucket per remote address.
type signinLimiter struct {
	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newSigninLimiter() *signinLimiter { return &signinLimiter{m: make(map[string]*bucket)} }

// refill brings b's tokens up to now.
func (b *bucket) refill(now time.Time) {
	b.tokens = min(signinBurst, b.tokens+now.Sub(b.at).Seconds()/signinEvery.Seconds())
	b.at = now
}

// allow takes a token from addr's bucket, telling whether there was one.
func (l *signinLimiter) allow(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.m[addr]
	if !ok {
		if len(l.m) >= maxSigninAddrs {
			l.evict(now)
		}
		b = &bucket{tokens: signinBurst, at: now}
		l.m[addr] = b
	}
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// evict forgets the full buckets, or, when none is full, the fullest.
func (l *signinLimiter) evict(now time.Time) {
	var fullest string
	best := -1.0
	for addr, b := range l.m {
		b.refill(now)
		if b.tokens >= signinBurst {
			delete(l.m, addr)
			continue
		}
		if b.tokens > best {
			fullest, best = addr, b.tokens
		}
	}
	if len(l.m) >= maxSigninAddrs {
		delete(l.m, fullest)
	}
}
