package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// The session cookie's names. Over TLS it carries the __Host- prefix, which a browser accepts
// only from a secure origin, with Secure, Path=/ and no Domain
// (https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3.2): a
// plain-HTTP page on the same host, such as another port's, cannot set or shadow it.
const (
	cookieName       = "doorman_console"
	secureCookieName = "__Host-" + cookieName
)

// Bounds on the session store and the sign-in limiter, so that no client can grow the
// console's memory without end.
const (
	// maxSessions bounds the sessions held at once. 10,000 sessions hold about 2 MiB. When it
	// is full of other users' live sessions, signing in is refused rather than ending theirs:
	// one key, signing in over and over, must not sign everyone else out.
	maxSessions = 10000
	// maxSessionsPerKey bounds one access key's sessions: a person with a browser or two, a
	// few tabs' sign-ins each, and the scripts sharing the key hold far fewer. Signing in
	// beyond it ends that key's own session used longest ago, so that a key can hold at most
	// this share of the store, and 500 keys fill it before any is refused.
	maxSessionsPerKey = 20
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

// errSessionsFull is newSession's error when the store is full of other keys' live sessions.
var errSessionsFull = errors.New("console: the session store is full")

// newSession starts a session for accessKey. Expired sessions are dropped first; then, when
// the key holds maxSessionsPerKey sessions, or the store is full and the key holds any, the
// key's own session used longest ago ends. Another key's session never ends for it: when the
// store is full of those, it returns errSessionsFull.
func (c *Console) newSession(accessKey string) (*session, error) {
	now := c.cfg.Now()
	st := c.sessions
	st.mu.Lock()
	defer st.mu.Unlock()
	var own []*session
	for id, old := range st.m {
		switch {
		case c.expired(old, now):
			delete(st.m, id)
		case old.accessKey == accessKey:
			own = append(own, old)
		}
	}
	if len(own) >= maxSessionsPerKey || len(st.m) >= maxSessions && len(own) > 0 {
		lru := own[0]
		for _, old := range own[1:] {
			if old.seen.Before(lru.seen) {
				lru = old
			}
		}
		delete(st.m, lru.id)
	}
	if len(st.m) >= maxSessions {
		return nil, errSessionsFull
	}
	s := &session{id: rand.Text() + rand.Text(), csrf: rand.Text() + rand.Text(), accessKey: accessKey, created: now, seen: now}
	st.m[s.id] = s
	return s, nil
}

// find returns the live session, among those the ids name, whose CSRF token is token,
// marking it used, and tells whether any of the ids names a live session at all. A browser
// sends every cookie of the console's name whose path covers the request, longest path
// first (https://datatracker.ietf.org/doc/html/rfc6265#section-5.4), and a page on another
// port of the same host can plant one: the token, which only the console's own page holds,
// picks the browser's own session among them. The ids are as many as the request's Cookie
// header holds, which the server's header limit bounds.
func (c *Console) find(ids []string, token string) (s *session, live bool) {
	now := c.cfg.Now()
	st := c.sessions
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, id := range ids {
		s, ok := st.m[id]
		if !ok {
			continue
		}
		if c.expired(s, now) {
			delete(st.m, id)
			continue
		}
		live = true
		if token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) == 1 {
			s.seen = now
			cp := *s
			return &cp, true
		}
	}
	return nil, live
}

// end removes the session of id.
func (c *Console) end(id string) {
	c.sessions.mu.Lock()
	defer c.sessions.mu.Unlock()
	delete(c.sessions.m, id)
}

// cookieName is the session cookie's name: __Host- prefixed over TLS.
func (c *Console) cookieName() string {
	if c.cfg.Secure {
		return secureCookieName
	}
	return cookieName
}

// requestToken is the CSRF token a request carries: the X-CSRF-Token header, or, where the
// route allows it (a download, which the browser makes as a navigation and which can carry
// no header), the csrf query parameter.
func requestToken(r *http.Request, inQuery bool) string {
	if t := r.Header.Get("X-CSRF-Token"); t != "" || !inQuery {
		return t
	}
	return r.URL.Query().Get("csrf")
}

// checkSession returns the request's live session: the one among its cookies whose CSRF token
// the request carries. The cookie alone proves nothing, since every port of the host shares it
// (https://datatracker.ietf.org/doc/html/rfc6265#section-8.5): a request without the token,
// reads included, is answered 401 NoSession, as without a cookie; a state change with a live
// session but a wrong token, 403 InvalidCSRFToken. A state change from another origin is
// refused, 403 CrossOrigin, before its token is looked at. It answers the refusal itself and
// returns nil.
func (c *Console) checkSession(w http.ResponseWriter, r *http.Request, tokenInQuery bool) *session {
	if !safe(r) && !c.sameOrigin(w, r) {
		return nil
	}
	var ids []string
	for _, ck := range r.CookiesNamed(c.cookieName()) {
		ids = append(ids, ck.Value)
	}
	s, live := c.find(ids, requestToken(r, tokenInQuery))
	if s != nil {
		if _, ok := c.cfg.Users(s.accessKey); ok {
			return s
		}
		c.end(s.id)
		live = false
	}
	if live && !safe(r) {
		writeError(w, http.StatusForbidden, "InvalidCSRFToken", "The X-CSRF-Token header is missing or does not match the session.")
		return nil
	}
	writeError(w, http.StatusUnauthorized, "NoSession", "Sign in first: the request has no live console session.")
	return nil
}

// sessionInfo is what the browser learns of its session.
type sessionInfo struct {
	AccessKey string    `json:"accessKey"`
	CSRFToken string    `json:"csrfToken,omitempty"` // at sign-in only
	Expires   time.Time `json:"expires"`
}

func (c *Console) info(s *session) sessionInfo {
	return sessionInfo{AccessKey: s.accessKey, Expires: c.expires(s)}
}

// cookie is the session cookie carrying value; maxAge < 0 deletes it.
func (c *Console) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: c.cookieName(), Value: value, Path: "/", MaxAge: maxAge,
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
	s, err := c.newSession(in.AccessKey)
	if err != nil {
		c.cfg.Logger.Warn("console sign-in refused: the session store is full", "access_key", in.AccessKey, "remote", addr)
		writeError(w, http.StatusServiceUnavailable, "TooManySessions", "The console holds as many sessions as it can; try again when some have ended.")
		return
	}
	c.cfg.Logger.Info("console sign-in", "access_key", in.AccessKey, "remote", addr)
	http.SetCookie(w, c.cookie(s.id, int(c.cfg.SessionMax/time.Second)))
	info := c.info(s)
	// The token is given once, here: GET /api/session, which any holder of the cookie could
	// ask, never tells it.
	info.CSRFToken = s.csrf
	writeJSON(w, http.StatusOK, info)
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
