// Package console is the server side of doorman's web console: a JSON API under /api/ for
// signing in, managing buckets and objects, editing a bucket's CORS configuration, simulating
// a browser's request against it and watching the CORS decisions the server makes. It is
// served on a listener of its own (`doorman serve --console-addr`), so that S3 clients never
// reach its API and its pages get an origin of their own. That origin is not a cookie
// boundary: cookies are kept per host, not per port
// (https://datatracker.ietf.org/doc/html/rfc6265#section-8.5), so the console's cookie travels
// with every request the browser sends to the host, the S3 endpoint's and the probe's
// included, and a page served on another port of the host can set a cookie of the same name.
// What protects a session is therefore not the cookie but the CSRF token beside it (see
// Sessions); serving the console under a host name of its own keeps its cookie from the
// other services too.
//
// # Every action is an S3 request, signed as the signed-in user
//
// The console has no authorisation of its own. A person signs in with an access key and
// secret key that the S3 server knows; from then on every bucket, object and CORS action the
// console performs is built as an S3 request, signed with SigV4 as that user
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html) and
// handed to the S3 server's http.Handler in the same process. The S3 server authenticates the
// signature and applies its ownership and ACL rules exactly as it does for an SDK client, so
// what a person may do in the console is, by construction, what the same keys may do with the
// AWS CLI: a second authorisation model beside S3's could only ever disagree with it. Calling
// the handler in process rather than over the network keeps the S3 listener's address out of
// the console's configuration, costs no connection, and lets a download stream straight from
// the S3 handler to the browser. S3's errors come back as JSON with S3's own code and message
// (AccessDenied, NoSuchBucket, MalformedXML, ...), so the console shows what an SDK would.
//
// # Sessions
//
// The secret key is sent once, at sign-in, compared in constant time with the user's, and
// never stored in the session, sent back or logged: the session holds the access key, and each
// request looks the secret up again (a user removed from the server loses the console at
// once). The browser holds a random 256-bit session id in an HttpOnly, SameSite=Strict
// cookie (over TLS named __Host-doorman_console and Secure, which no plain-HTTP page of the
// host can set), and a CSRF token that the sign-in answer alone gives, which the page keeps
// in its own origin's storage and sends in the X-CSRF-Token header of every request, reads
// included (a download, a navigation, carries it as the csrf query parameter). The cookie
// alone is worth nothing: a request without the token is answered as one without a session,
// and of several cookies of the console's name (one planted by a page on another port) the
// one whose session the token names is used
// (https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html).
// The console knows its own origins (Config.Origins): a request sent to another Host is
// refused, so that a name rebound to the console's address by DNS reaches nothing; a state
// change must come from one of those origins and, where it carries JSON, say so in its
// Content-Type, which a cross-site form cannot.
// Sessions live in a bounded in-memory store, expire after an idle period and after an
// absolute lifetime, and end at sign-out; a restart signs everyone out. One access key holds
// a bounded share of the store, and a full store refuses a sign-in rather than end another
// user's session. Sign-in attempts are
// rate-limited per remote address so that the console is no faster an oracle for guessing
// secrets than the S3 API itself.
//
// # The pages
//
// The pages are plain JavaScript built into ui/dist and embedded in the binary (assets.go).
// They are served with a Content-Security-Policy that lets them load and connect to nothing
// but the console's own origin, frame nothing but the probe, and be framed by nothing
// (https://www.w3.org/TR/CSP3/), with nosniff and no Referer; the session cookie and CSRF
// token above guard the API they call.
//
// # The probe: a real cross-origin request from the user's own browser
//
// The simulator predicts what a browser decides; the probe lets the browser decide. The probe
// page is served by a listener of its own (`doorman serve --console-probe-addr`, NewProbe), so
// that it has another origin than the console's: a request it sends to the S3 endpoint is a
// cross-origin request the browser runs the CORS protocol for
// (https://fetch.spec.whatwg.org/#http-cors-protocol), under the bucket's real configuration.
// The console frames the probe page and asks it, by postMessage, to fetch a presigned URL; the
// page answers with what the browser let it see. The probe's listener serves nothing but that
// page and its two files, has no API and reads no cookie, so a page on its origin can do no
// more than any other site could. Its Content-Security-Policy lets the page connect anywhere
// (the S3 endpoint, wherever that is) and be framed only by the console's origins; the
// console's own policy lets it frame only the probe's origins (Config.ProbeOrigins).
package console

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Default session lifetimes: an idle session ends after DefaultSessionIdle, any session after
// DefaultSessionMax, as a working day's sign-in.
const (
	DefaultSessionIdle = 30 * time.Minute
	DefaultSessionMax  = 12 * time.Hour
)

// Config configures a Console.
type Config struct {
	// S3 is the S3 server (s3api.Server) every action is sent to, in process.
	S3 http.Handler
	// Users returns the secret key of an access key the S3 server knows.
	Users func(accessKey string) (secretKey string, ok bool)
	// Region is the region requests are signed for: the S3 server's.
	Region string
	// Endpoint is the S3 listener's base URL (scheme and authority, as clients reach it),
	// which presigned URLs point at. Without it the console makes no presigned URLs.
	Endpoint string
	// Origins are the origins a browser reaches the console at (ListenerOrigins of its
	// listener). A request whose Host is not one of them is refused, 421 Misdirected Request,
	// and a state change's Origin must be one of them. Empty: the Host the request was sent
	// to is the console's origin.
	Origins []string
	// ProbeOrigins are the origins a browser reaches the probe page at (ListenerOrigins of
	// the probe's listener): the pages may frame them, and GET /api/probe offers them.
	ProbeOrigins []string
	// Monitor is the record of the S3 server's CORS decisions that /api/monitor shows; nil
	// when the server keeps none (the endpoint answers 404 then).
	Monitor Monitor
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives sign-in and sign-out events; nil discards them.
	Logger *slog.Logger
	// Secure marks the session cookie Secure: set it when the console is served over TLS.
	Secure bool
	// SessionIdle and SessionMax bound a session's idle time and its whole life; zero means
	// DefaultSessionIdle and DefaultSessionMax.
	SessionIdle, SessionMax time.Duration
}

// Console is the console's HTTP handler.
type Console struct {
	cfg      Config
	endpoint *url.URL // cfg.Endpoint parsed; nil without one
	mux      *http.ServeMux
	pages    *pages // the console's built files
	sessions *sessionStore
	signins  *signinLimiter
}

// New returns a Console for cfg.
func New(cfg Config) (*Console, error) {
	if cfg.S3 == nil || cfg.Users == nil {
		return nil, errors.New("console: Config needs S3 and Users")
	}
	if cfg.Region == "" {
		return nil, errors.New("console: Config needs the Region requests are signed for")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionMax <= 0 {
		cfg.SessionMax = DefaultSessionMax
	}
	c := &Console{cfg: cfg, sessions: newSessionStore(), signins: newSigninLimiter()}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, errors.New("console: Endpoint must be a base URL such as http://127.0.0.1:3667")
		}
		c.endpoint = &url.URL{Scheme: u.Scheme, Host: u.Host}
	}
	for field, origins := range map[string][]string{"Origins": cfg.Origins, "ProbeOrigins": cfg.ProbeOrigins} {
		if err := checkOrigins(field, origins); err != nil {
			return nil, err
		}
	}
	frames := "'none'"
	if len(cfg.ProbeOrigins) > 0 {
		frames = strings.Join(cfg.ProbeOrigins, " ")
	}
	// 'unsafe-inline' styles: the code editor sets element styles as it lays text out.
	c.pages = newPages("index.html", func(name string) bool { return !isProbeFile(name) },
		"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src "+frames+
			"; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	c.mux = c.routes()
	return c, nil
}

// ServeHTTP answers a request to the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The API's answers are data, never to be cached, sniffed or framed; the pages say how
	// they may be cached themselves.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	if len(c.cfg.Origins) > 0 && !c.ownOrigin(r, c.hostOrigin(r)) {
		// A name rebound by DNS to the console's address: its pages would be same-origin with
		// the attacker's (https://www.rfc-editor.org/rfc/rfc9110#name-421-misdirected-request).
		writeError(w, http.StatusMisdirectedRequest, "MisdirectedRequest", "The console is served at "+strings.Join(c.cfg.Origins, " and ")+" only, not at "+c.hostOrigin(r)+".")
		return
	}
	c.mux.ServeHTTP(w, r)
}
