// Package s3api is doorman's S3 protocol layer: it routes requests (path-style and
// virtual-hosted), authenticates them (SigV4, SigV2, anonymous), authorizes them (bucket
// policies, Object Ownership, Block Public Access, ACLs), runs the operation against a
// storage.Backend and writes AWS's XML responses and errors.
//
// CORS is decided in one place, the cors engine, and written in one place, here: an OPTIONS
// request is answered from the bucket's compiled policy before any authentication, and every
// other response to a request with an Origin gets the engine's headers before the handler
// writes anything, so success and error responses carry the same CORS headers. Handlers never
// touch Access-Control-* headers.
//
// A request goes through ServeHTTP in steps, each in a file of its own: the bucket and key
// from the host and path (route.go), the operation from the method, the level and the query
// (the routes table, where the order of precedence is the order of the rows), the caller
// (auth.go), the bucket's existence and the caller's permission (dispatch.go and auth.go, with
// the bucket policies of policy.go and the ACLs of acl.go), the headers the operation refuses
// (refusals.go), then the operation's handler. Every step returns its failure as an error
// instead of answering it, and ServeHTTP answers it in one place, writeError (respond.go):
// errors.go maps any error to the S3 error the client gets, and an error it does not know is
// logged and answered InternalError. Handlers never write an error themselves, so an answer
// cannot be written twice and every error carries the same headers (CORS, Connection: close
// for an unread body).
//
// Object versions are the backend's (storage's "Versions"); versioning.go holds what the
// protocol adds: the bucket's setting, the versionId a request names (checked with the bucket
// before the caller is authorized, since a request naming a version is decided by the
// version's actions), the version headers, and S3's answers to a version that is missing,
// malformed or a delete marker.
//
// Object Lock is the backend's too (storage's "Object Lock"): it keeps each version's retention
// and legal hold and refuses what they forbid, in the transaction that would do it. objectlock.go
// holds the three documents, the x-amz-object-lock-* headers of writes and reads, and who may
// read a version's locks or bypass a GOVERNANCE retention, which a bucket policy decides.
//
// Lifecycle rules are package lifecycle's, and a worker outside this package applies them;
// lifecycle.go serves the configuration and tells, in x-amz-expiration, when a rule expires
// the current version an answer is about.
package s3api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/internal/accesslog"
	"github.com/doorman-s3/doorman/policy"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/s3api/internal/sigv2"
	"github.com/doorman-s3/doorman/s3api/internal/sigv4"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/tagging"
)

// MaxHeaderBytes is the request head Amazon S3 accepts (8 KiB): the headers and the request
// target, query included (S3's error list counts the query parameters with the headers,
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html); larger requests get
// RequestHeaderSectionTooLarge before any other work, signature checks included. Which bytes
// S3 counts exactly (the method, the Host header, line ends) is [UNVERIFIED]; doorman counts
// the request target, every header name and value, and four bytes per header line.
const MaxHeaderBytes = 8 << 10

// HTTPMaxHeaderBytes is what the HTTP server in front of a Server should read of a request
// head (http.Server.MaxHeaderBytes): somewhat more than MaxHeaderBytes, so that a head a little
// over S3's limit gets S3's error, while a far larger one is cut off unread with net/http's
// bare 431. Reading and parsing a head costs the server memory for each connection and time
// for each byte (a 1 MiB request line takes milliseconds to parse); at this bound neither
// grows with what a client sends.
const HTTPMaxHeaderBytes = 2 * MaxHeaderBytes

// User is one set of credentials: an account's root user, or an IAM user of an account.
// Buckets and objects belong to accounts: whatever a user creates is owned by its account.
type User struct {
	AccessKey string
	SecretKey string
	// DisplayName, when set, is the Owner DisplayName of the user's buckets and objects, shown
	// to anyone who may list them. Without one, answers carry the owner's ID alone, as AWS's
	// do since it stopped returning DisplayName (November 2025,
	// https://docs.aws.amazon.com/AmazonS3/latest/API/API_Owner.html). It never defaults to a
	// credential.
	DisplayName string
	// Account is the 12-digit AWS account id the user belongs to. Empty, the user is an account
	// of its own, whose id is derived from its canonical user id (a digest of the access key,
	// so it is stable across restarts). Given, every user naming it shares one account, whose
	// canonical user id is derived from the account id: give it only to users that own nothing
	// yet, since it changes the canonical id of a user that had none.
	Account string
	// UserName, when set, makes the user an IAM user of Account
	// (arn:aws:iam::ACCOUNT:user/NAME) instead of the account's root user
	// (arn:aws:iam::ACCOUNT:root). An IAM user has no identity policy: it may do only what a
	// bucket policy or an ACL grants it, even on its own account's buckets
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html).
	UserName string
	// Email, when set, is the e-mail address of the user's account: an ACL grant to it
	// (emailAddress="..." in an x-amz-grant-* header, an AmazonCustomerByEmail grantee in an
	// AccessControlPolicy) names the account, and is stored as a grant to its canonical id
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee).
	// Two accounts may not share one. An address is printable ASCII, and addresses are
	// compared ignoring the case of ASCII letters alone.
	Email string
}

// Config configures a Server.
type Config struct {
	Backend storage.Backend
	Users   []User
	// Region is the region of this endpoint (default us-east-1). SigV4 credentials scoped to
	// another region are refused as AWS refuses them.
	Region string
	// Domain enables virtual-hosted addressing: a request to BUCKET.Domain[:port] names
	// BUCKET. Path-style addressing always works.
	Domain string
	// VaryOriginAlways adds Vary: Origin to every non-OPTIONS response of a bucket that has a
	// CORS configuration, also to responses without Origin. Amazon S3 does not; see the README.
	// Preflight answers are left as S3 sends them: caches do not store OPTIONS responses.
	VaryOriginAlways bool
	// BodyIdleTimeout bounds how long reading a request body, or writing a response, may
	// make no progress: a request body that stalls longer answers 400 RequestTimeout, and a
	// client that stops reading its response is disconnected. Zero means
	// DefaultBodyIdleTimeout.
	BodyIdleTimeout time.Duration
	// Logger gets the server's messages: warnings, errors, and the rule-by-rule trace of a
	// refused preflight at debug level.
	Logger *slog.Logger
	// AccessLog gets one line per request; nil writes none.
	AccessLog *accesslog.Log
	// Metrics, when set, receives each request's figures.
	Metrics Metrics
	// Activity, when set, records every CORS decision and the latest refusals, for the
	// console's monitor; nil records nothing and costs nothing.
	Activity *CORSActivity
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// LifecycleDay is how long a day of the bucket lifecycle rules lasts, for the expiry
	// date x-amz-expiration tells (lifecycle.Clock); zero means 24 hours, S3's day. A shorter
	// day is a testing knob, as Ceph RGW's rgw_lc_debug_interval is, and must be the one the
	// lifecycle worker applies.
	LifecycleDay time.Duration
	// AllowSSECOverHTTP serves requests carrying an SSE-C key (x-amz-server-side-encryption-
	// customer-key, or a copy source's) over plain HTTP. S3 refuses them, "For security
	// considerations, we recommend that you consider any key that you erroneously send over
	// HTTP to be compromised"
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html),
	// and so does doorman by default; allowing them is for development behind loopback, or
	// behind a proxy that terminates TLS.
	AllowSSECOverHTTP bool
}

// Server is an http.Handler serving the S3 API.
type Server struct {
	cfg      Config
	users    credentials // by access key
	accounts *accountIndex
	sigv4    *sigv4.Verifier
	sigv2    *sigv2.Verifier
	buckets  *bucketTable
	log      *slog.Logger
	reqIDs   atomic.Uint64
	hostSeed [16]byte
	// damagedACLs: the unreadable object ACLs already logged (acl.go).
	damagedACLs damagedACLs
}

type account struct {
	User
	id string // canonical user id of the user's account: a stable hex digest
}

// root reports whether the caller is its account's root user rather than an IAM user.
func (a *account) root() bool { return a.UserName == "" }

// newAccount derives a user's canonical id and, when not given, its account id.
func newAccount(u User) (*account, error) {
	if u.Account != "" && !policy.IsAccountID(u.Account) {
		return nil, fmt.Errorf("s3: account %q is not a 12-digit account id", u.Account)
	}
	if u.UserName != "" && u.Account == "" {
		return nil, errors.New("s3: an IAM user (userName) needs the account it belongs to")
	}
	if !validUserName(u.UserName) {
		return nil, fmt.Errorf("s3: user name %q: IAM user names are 1 to 64 letters, digits and +=,.@_-", u.UserName)
	}
	sum := canonicalSum(u)
	a := &account{User: u, id: hex.EncodeToString(sum[:])}
	if a.Account == "" {
		// Twelve decimal digits from the canonical id: deterministic, like the id itself.
		a.Account = fmt.Sprintf("%012d", binary.BigEndian.Uint64(sum[:8])%1e12)
	}
	return a, nil
}

// CanonicalID is the canonical user id of u's account, the Owner ID the server answers for
// it: the hex SHA-256 of the account id when u names one (every user of an account shares
// it), else of u's access key. A server configured with u gives its account this id.
func CanonicalID(u User) string {
	sum := canonicalSum(u)
	return hex.EncodeToString(sum[:])
}

// canonicalSum is the hash CanonicalID encodes, and an account id without one is drawn from.
func canonicalSum(u User) [sha256.Size]byte {
	seed := "doorman-user:" + u.AccessKey
	if u.Account != "" {
		seed = "doorman-account:" + u.Account
	}
	return sha256.Sum256([]byte(seed))
}

// maxUserName is IAM's limit on a user name
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html).
const maxUserName = 64

// validUserName accepts "" (the root user) and IAM's user names: up to 64 of [\w+=,.@-].
func validUserName(s string) bool {
	if len(s) > maxUserName {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_+=,.@-", c)) {
			return false
		}
	}
	return true
}

// arn is the caller's IAM ARN: the account's root, or the IAM user.
func (a *account) arn() string {
	if a.root() {
		return "arn:aws:iam::" + a.Account + ":root"
	}
	return "arn:aws:iam::" + a.Account + ":user/" + a.UserName
}

type credentials map[string]*account

// accountIndex finds the configured accounts by canonical id and by e-mail address: it is the
// acl.Resolver that grants are checked against, and it gives the display names answers show.
type accountIndex struct {
	byID    map[string]*account // the account's root user if one is configured, else its first user
	byEmail map[string]string   // e-mail address, ASCII letters lower-cased → canonical id
}

// newAccountIndex indexes the users (in configuration order). Two accounts may not share an
// e-mail address: a grant to it would name either.
func newAccountIndex(users []*account) (*accountIndex, error) {
	x := &accountIndex{byID: map[string]*account{}, byEmail: map[string]string{}}
	for _, a := range users {
		if cur, ok := x.byID[a.id]; !ok || !cur.root() && a.root() {
			x.byID[a.id] = a
		}
		if a.Email == "" {
			continue
		}
		if !validEmail(a.Email) {
			return nil, fmt.Errorf("s3: e-mail address %q: one @ between a local part and a domain, in printable ASCII, without spaces, quotes or commas", a.Email)
		}
		e := strings.ToLower(a.Email)
		if id, ok := x.byEmail[e]; ok && id != a.id {
			return nil, fmt.Errorf("s3: e-mail address %q is given to two accounts", a.Email)
		}
		x.byEmail[e] = a.id
	}
	return x, nil
}

// validEmail accepts what an x-amz-grant-* header can carry as emailAddress="...": one @ with
// something on either side, printable ASCII without the characters that separate or quote the
// header's grantees, nor spaces. ASCII alone, so that strings.ToLower folds ASCII letters
// alone: Unicode case folding maps other letters onto ASCII ones (U+212A KELVIN SIGN onto k),
// and an address spelled with them would name an account whose address it is not.
// [UNVERIFIED] whether S3 accepts internationalized addresses (RFC 6531) in grants is not
// documented; doorman refuses them.
func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	for i := range len(e) {
		if c := e[i]; c <= ' ' || c > '~' || c == '"' || c == ',' {
			return false
		}
	}
	return true
}

// KnownID reports whether id is the canonical id of a configured account (acl.Resolver).
func (x *accountIndex) KnownID(id string) bool {
	_, ok := x.byID[id]
	return ok
}

// IDByEmail returns the canonical id of the account whose e-mail address is email, compared
// ignoring the case of ASCII letters (acl.Resolver). An address validEmail refuses names no
// account.
func (x *accountIndex) IDByEmail(email string) (string, bool) {
	if !validEmail(email) {
		return "", false
	}
	id, ok := x.byEmail[strings.ToLower(email)]
	return id, ok
}

// displayName is the display name of the account of canonical id id: its root user's, or, with
// no root user configured, its first user's; "" for none.
func (x *accountIndex) displayName(id string) string {
	if a := x.byID[id]; a != nil {
		return a.DisplayName
	}
	return ""
}

func (c credentials) SecretKey(ak string) (string, bool) {
	a, ok := c[ak]
	if !ok {
		return "", false
	}
	return a.SecretKey, true
}

// New returns a Server; it loads every bucket's state from the backend and, when the backend
// tells of buckets that change behind the server's back (storage.BucketWatcher), registers to
// reload each as it is told.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Backend == nil {
		return nil, errors.New("s3: no backend")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BodyIdleTimeout <= 0 {
		cfg.BodyIdleTimeout = DefaultBodyIdleTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Domain = strings.ToLower(cfg.Domain)
	users := credentials{}
	ordered := make([]*account, 0, len(cfg.Users))
	for _, u := range cfg.Users {
		if u.AccessKey == "" || u.SecretKey == "" {
			return nil, errors.New("s3: a user needs an access key and a secret key")
		}
		if u.DisplayName != "" && (u.DisplayName == u.AccessKey || u.DisplayName == u.SecretKey) {
			return nil, errors.New("s3: a user's display name is shown to others and must not be its access key or secret key")
		}
		a, err := newAccount(u)
		if err != nil {
			return nil, err
		}
		users[u.AccessKey] = a
		ordered = append(ordered, a)
	}
	accounts, err := newAccountIndex(ordered)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		users:    users,
		accounts: accounts,
		sigv4:    sigv4.New(sigv4.Config{Credentials: users, Region: cfg.Region, Now: cfg.Now}),
		sigv2:    sigv2.New(users, cfg.Now),
		log:      cfg.Logger,
	}
	_, _ = rand.Read(s.hostSeed[:])
	// The watcher is registered before the load: a change told while the table loads is
	// queued, and its bucket read again once the table exists, so none falls between the two.
	var feed struct {
		sync.Mutex
		ready   bool
		pending []string
	}
	w, watching := cfg.Backend.(storage.BucketWatcher)
	if watching {
		w.WatchBuckets(func(name string) {
			feed.Lock()
			if !feed.ready {
				feed.pending = append(feed.pending, name)
				feed.Unlock()
				return
			}
			feed.Unlock()
			s.reloadBucket(name)
		})
	}
	bt, err := s.loadBuckets(ctx)
	if err != nil {
		return nil, err
	}
	s.buckets = bt
	feed.Lock()
	feed.ready = true
	pending := feed.pending
	feed.Unlock()
	for _, name := range pending {
		s.reloadBucket(name)
	}
	return s, nil
}

// request is the state of one request on its way through the server.
type request struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	id     string
	hostID string
	start  time.Time

	bucket, key string
	query       url.Values // parsed once, by route
	vhost       bool       // the bucket came from the host name
	op          string
	user        *account // nil: anonymous
	auth        *sigv4.Result
	sig         signature   // how the caller signed, for the policy's condition keys
	body        io.Reader   // what handlers read the body from (verified by authenticate)
	in          *bodyReader // the request body as received; nil when there is none
	decodedSize int64       // the declared object size of an aws-chunked body, else -1
	// object is the stored object the operation acts on, once authorizeObject has read it;
	// requestTags the tags a PutObjectTagging sets, once read. Both are for the policy's tag
	// condition keys (objectTagKeys).
	object *storage.ObjectInfo
	// objectResource is object's ARN: its tags are in the context of a check on it alone.
	objectResource string
	requestTags    tagging.Set
	// requestLock is the retention or legal hold a PutObjectRetention, a PutObjectLegalHold
	// or a form upload sets, once read, for the Object Lock condition keys (objectLockKeys).
	requestLock *storage.ObjectLock
	// version is the version of an object the request names (checkVersionParam), or, while
	// a copy's source is authorized, the source's; empty for the latest. A policy decides a
	// request naming a version by the version's actions (versionActions).
	version string
	// upload is the multipart upload the request names, as authorizeUpload read it (without
	// its parts); its encryption is what UploadPart and UploadPartCopy answer.
	upload storage.UploadInfo

	status  int
	bytes   int64
	errCode string
	cors    cors.Outcome
	corsWhy string
}

// newRequestID returns the request's x-amz-request-id (16 upper-case hex digits, as AWS's) and
// x-amz-id-2 (base64, opaque): a per-process random prefix and a counter, so ids are unique
// without any hashing on the hot path.
func (s *Server) newRequestID() (id, hostID string) {
	const upperHex = "0123456789ABCDEF"
	var raw [24]byte
	copy(raw[:16], s.hostSeed[:])
	binary.BigEndian.PutUint64(raw[16:], s.reqIDs.Add(1))
	// Both in one string, one allocation: 16 hex digits, then the 32 of base64.
	var text [16 + 32]byte
	for i, b := range append(raw[:4:4], raw[20:24]...) {
		text[2*i], text[2*i+1] = upperHex[b>>4], upperHex[b&0xF]
	}
	base64.StdEncoding.Encode(text[16:], raw[:])
	both := string(text[:])
	return both[:16], both[16:]
}

// HealthPath answers "ok" when the server is ready, and 503 with the reason while its
// backend cannot reach its store (storage.HealthChecker). A bucket name cannot contain '_', so on a
// path-style request it never shadows a bucket; on a virtual-hosted one the path is a key, and
// the request goes to the bucket.
const HealthPath = "/_doorman/health"

// health answers HealthPath: "ok", or, while a backend that can lose its store
// (storage.HealthChecker) says it cannot serve, 503 with what it says.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if hc, ok := s.cfg.Backend.(storage.HealthChecker); ok {
		if err := hc.Health(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, err.Error()+"\n")
			return
		}
	}
	_, _ = io.WriteString(w, "ok\n")
}

// ServeHTTP routes, authenticates and serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Deadlines are the connection's: one left by the previous request on a kept-alive
	// connection must not cut this one short. Every write moves it again.
	// The controller lives in the recorder: one allocation fewer per request.
	rw := &responseRecorder{ResponseWriter: w, ctl: *http.NewResponseController(w), idle: s.cfg.BodyIdleTimeout}
	ctl := &rw.ctl
	_ = ctl.SetWriteDeadline(time.Time{})
	if r.URL.Path == HealthPath {
		if _, vhost := s.virtualBucket(hostOnly(r.Host)); !vhost {
			s.health(w, r)
			return
		}
	}
	idle := rw.idle
	rc := &request{s: s, w: rw, r: r, ctx: r.Context(), start: s.cfg.Now(), decodedSize: -1}
	if r.Body != nil && r.Body != http.NoBody {
		rc.in = newBodyReader(r.Body, ctl, idle)
		r.Body = rc.in
	}
	rc.id, rc.hostID = s.newRequestID()
	h := rw.Header()
	// The three values in one allocation, each slice capped so that an append copies.
	values := [3]string{rc.id, rc.hostID, "doorman"}
	h["X-Amz-Request-Id"] = values[0:1:1]
	h["X-Amz-Id-2"] = values[1:2:2]
	h["Server"] = values[2:3:3]
	defer func() {
		// net/http writes what is still buffered after the handler returns.
		rw.extendWriteDeadline()
		rc.status, rc.bytes = rw.status, rw.bytes
		if rc.status == 0 {
			rc.status = http.StatusOK
		}
		s.finish(rc)
	}()
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", "request_id", rc.id, "panic", fmt.Sprint(p))
			if rw.status == 0 {
				rc.writeError(s3err.InternalError)
			}
		}
	}()
	if err := s.serve(rc); err != nil {
		rc.writeError(err)
	}
}

// serve runs a request to its answer. Every step, down to the operation's handler, returns
// its failure instead of answering it: ServeHTTP writes the one error answer, in writeError.
func (s *Server) serve(rc *request) error {
	r := rc.r
	if len(r.RequestURI)+headerSize(r.Header) > MaxHeaderBytes {
		rc.op = "Unknown"
		return s3err.RequestHeaderSectionTooLarge.With("MaxSizeAllowed", fmt.Sprint(MaxHeaderBytes))
	}
	if err := rc.route(); err != nil {
		rc.op = "Unknown"
		return err
	}
	if r.Method == http.MethodOptions {
		rc.op = "PreflightRequest"
		return s.preflight(rc)
	}
	s.applyCORS(rc)
	if err := s.authenticate(rc); err != nil {
		rc.op = operationName(rc)
		return err
	}
	rc.setCaller()
	return s.dispatch(rc)
}

// setCaller makes every backend call of the request carry who it was authenticated as
// (storage.WithCaller): the zero Caller when anonymous, which still tells the backend the
// call is a client's and not the server's own. A form upload names its signer in its body, and
// sets it again once the form is read (postObject).
func (rc *request) setCaller() {
	var c storage.Caller
	if rc.user != nil {
		c.AccessKey = rc.user.AccessKey
	}
	rc.ctx = storage.WithCaller(rc.ctx, c)
}

func headerSize(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// finish writes the access-log line and the metrics of a request. Credentials never appear:
// only the access key id of an authenticated request.
func (s *Server) finish(rc *request) {
	d := s.cfg.Now().Sub(rc.start)
	if a := s.cfg.AccessLog; a != nil {
		l := a.NewLine(time.Now(), "request")
		l.String("request_id", rc.id)
		l.String("op", rc.op)
		l.String("method", rc.r.Method)
		l.String("bucket", rc.bucket)
		l.Int("status", int64(rc.status))
		l.Int("bytes", rc.bytes)
		l.Duration("duration", d)
		l.String("remote", rc.r.RemoteAddr)
		if rc.user != nil {
			l.String("access_key", rc.user.AccessKey)
		}
		if rc.errCode != "" {
			l.String("error", rc.errCode)
		}
		if rc.r.Header.Get("Origin") != "" {
			l.String("cors", rc.cors.String())
			if rc.corsWhy != "" {
				l.String("cors_reason", rc.corsWhy)
			}
		}
		a.Write(l.End())
		l.Release()
	}
	if m := s.cfg.Metrics; m != nil {
		observe(m, rc, d)
	}
}
