package upstream

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/doorman-s3/doorman/internal/upstreamhttp"
	"github.com/doorman-s3/doorman/storage"
)

// String shows the access key alone, never the secret.
func (c Credentials) String() string { return "<credentials " + c.AccessKey + ">" }

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

// LogValue is String, for slog.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON writes String, as slog's JSON handler does for a Credentials inside a struct.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// request is one upstream request, built by a Backend method and sent by client.do.
type request struct {
	method string
	bucket string // empty for the service (ListBuckets)
	key    string // empty for a bucket-level request
	query  url.Values
	header http.Header
	// body is nil for a bodiless request; size is its exact length, sent as Content-Length.
	body io.Reader
	size int64
	// creds signs the request; nil sends it unsigned (an anonymous client).
	creds *Credentials
	// notFound is the error of a 404 without an S3 error body (the answer to HEAD).
	notFound error
}

// DefaultResponseTimeout is Config.ResponseTimeout's default: long enough for a store that
// commits a large object's last bytes (an erasure-coded store writes and syncs every shard
// before it answers), short enough that a hung store is given up on while the client still
// waits.
const DefaultResponseTimeout = 30 * time.Second

// Bounds of the client's own HTTP client (Config.HTTPClient nil) and of the health probes.
const (
	dialTimeout         = 5 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	idleConnTimeout     = 90 * time.Second
	maxIdleConnsPerHost = 64
	// maxResponseHeaderBytes bounds an answer's head: an S3 answer's is a few KiB (user
	// metadata is at most 2 KiB).
	maxResponseHeaderBytes = 1 << 20
	probeTimeout           = 2 * time.Second
)

// Payload hashes of x-amz-content-sha256
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
const unsignedPayload = "UNSIGNED-PAYLOAD"

var emptyPayloadHash = func() string {
	sum := sha256.Sum256(nil)
	return hex.EncodeToString(sum[:])
}()

// client sends requests to the upstream's endpoints.
type client struct {
	region         string
	http           *http.Client
	ownHTTP        bool // http is defaultHTTPClient's, closed with the client
	signer         *v4.Signer
	endpoints      []*endpoint   // pool.go
	next           atomic.Uint64 // the round robin's turn
	failover       bool          // Config.Balance is BalanceFailover
	healthInterval time.Duration
	metrics        Metrics
	log            *slog.Logger
}

// newClient returns the client of cfg's endpoints. It checks each endpoint is an absolute
// http or https URL without a path, query or user; the health prober starts with run.
func newClient(cfg Config) (*client, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("upstream: no endpoint")
	}
	if cfg.Service.AccessKey == "" || cfg.Service.SecretKey == "" {
		return nil, errors.New("upstream: the service identity needs an access key and a secret key")
	}
	switch cfg.Unmapped {
	case "", UnmappedService, UnmappedDeny:
	default:
		return nil, fmt.Errorf("upstream: unmapped callers: %q is neither %q nor %q", cfg.Unmapped, UnmappedService, UnmappedDeny)
	}
	switch cfg.Balance {
	case "", BalanceRoundRobin, BalanceFailover:
	default:
		return nil, fmt.Errorf("upstream: balance: %q is neither %q nor %q", cfg.Balance, BalanceRoundRobin, BalanceFailover)
	}
	for ak, c := range cfg.Identities {
		if c.AccessKey == "" || c.SecretKey == "" {
			return nil, fmt.Errorf("upstream: the identity of access key %q needs an access key and a secret key", ak)
		}
	}
	c := &client{
		region:         cfg.Region,
		http:           cfg.HTTPClient,
		healthInterval: cfg.HealthInterval,
		failover:       cfg.Balance == BalanceFailover,
		metrics:        cfg.Metrics,
		log:            cfg.Logger,
		// S3 keys are escaped S3's way by the request itself (s3Path), and must not be
		// escaped again for the canonical request
		// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html:
		// "each path segment must be URI-encoded twice ... except for Amazon S3").
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.healthInterval <= 0 {
		c.healthInterval = DefaultHealthInterval
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.http == nil {
		c.http, c.ownHTTP = defaultHTTPClient(cmp.Or(cfg.ResponseTimeout, DefaultResponseTimeout)), true
	}
	for _, s := range cfg.Endpoints {
		ep, err := parseEndpoint(s)
		if err != nil {
			return nil, err
		}
		c.endpoints = append(c.endpoints, ep)
	}
	return c, nil
}

// defaultHTTPClient is the HTTP client of a Config without one. It has no overall timeout
// (a GET streams for as long as the client reads) but bounds dialing, the wait for an
// answer's headers (responseTimeout), and each write of a request's body and read of an answer's to a
// plain-HTTP endpoint; it never follows redirects (a redirect is the upstream's answer, and a
// signed request cannot follow one), and never decompresses (an object stored with
// Content-Encoding: gzip is passed on as stored). A request to a plain-HTTP endpoint is sent
// on the caller's goroutine (package upstreamhttp: on a GET of 4 KiB through a node, net/http
// Transport's two goroutines per connection were a fifth of the node's CPU time); one to an
// https endpoint, or through a proxy from the environment, goes through net/http's Transport.
func defaultHTTPClient(responseTimeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	std := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSHandshakeTimeout:    tlsHandshakeTimeout,
		ResponseHeaderTimeout:  responseTimeout,
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        idleConnTimeout,
		MaxIdleConns:           4 * maxIdleConnsPerHost,
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
		DisableCompression:     true,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport: upstreamhttp.New(upstreamhttp.Config{
			Std: std, Dialer: dialer, Timeout: responseTimeout, IdleFor: idleConnTimeout,
			MaxIdle: 4 * maxIdleConnsPerHost, MaxIdlePerHost: maxIdleConnsPerHost, MaxHeadBytes: maxResponseHeaderBytes,
		}),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// do sends req, signed with SigV4 for the configured region, to a healthy endpoint. The
// payload hash signed is UNSIGNED-PAYLOAD when req has a body and the empty payload's hash
// otherwise, unless req.header sets X-Amz-Content-Sha256 itself (the body's hex SHA-256,
// which the upstream then verifies; no Backend method sets it today, the client tests do).
// A bodiless GET or HEAD whose transport fails is sent again to the next healthy endpoint;
// any other request only when it certainly never left this node (its connection could not
// be made: notSent) and its body, if it has one, was never read, whatever its method (a PUT
// or POST to an endpoint just dead goes to the next one), since a DELETE, a copy or a write
// whose answer was lost may have been carried out, and sending it again would act twice (a
// second delete marker) or answer 404 or 412 to what succeeded, and a body partly read
// cannot be read again. Its body goes through holdBack, and a body whose
// reader fails fails the request with the reader's error, the upstream having received less
// than Content-Length (so it stores nothing). It returns the response of a 2xx, 206 or 304
// answer, whose body the caller closes. An error answer becomes an error: a storage sentinel
// where the S3 code maps to one (see errors.go), a *storage.ServiceError otherwise; a
// transport failure on every endpoint tried, a storage.ErrUnavailable. An endpoint is marked
// down by a failure to connect to it alone (connectFailure); a slow answer is no sign of a
// dead endpoint, and the prober decides.
func (c *client) do(ctx context.Context, req *request) (*http.Response, error) {
	if req.creds == denyCredentials {
		return nil, errUnmappedDenied()
	}
	var body *watchedBody
	if req.body != nil && req.size > 0 {
		body = &watchedBody{r: holdBack(&sized{r: req.body, left: req.size})}
		defer body.finish()
	} else if req.body != nil {
		// Nothing is sent; the reader must still end without failing.
		if err := expectEmpty(req.body); err != nil {
			return nil, err
		}
	}
	readOnly := req.method == http.MethodGet || req.method == http.MethodHead
	var failed []string
	var lastErr error
	for _, ep := range c.pick() {
		resp, err := c.send(ctx, ep, req, body)
		if err == nil {
			if body != nil {
				if berr := body.failure(); berr != nil {
					resp.Body.Close()
					return nil, berr
				}
			}
			if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotModified {
				return resp, nil
			}
			return nil, errorFromResponse(req, resp)
		}
		if body != nil {
			if berr := body.failure(); berr != nil {
				return nil, berr
			}
		}
		if ctx.Err() != nil {
			return nil, err
		}
		if connectFailure(err) {
			c.markDown(ep, err)
		}
		failed = append(failed, ep.base)
		lastErr = err
		retry := readOnly && body == nil || notSent(err) && (body == nil || body.unread())
		if !retry {
			break
		}
	}
	return nil, fmt.Errorf("%w: %s %s: no endpoint answered (%s): %v", storage.ErrUnavailable,
		req.method, s3Path(req.bucket, req.key), strings.Join(failed, ", "), lastErr)
}

// send makes one attempt of req at ep.
func (c *client) send(ctx context.Context, ep *endpoint, req *request, body *watchedBody) (*http.Response, error) {
	u := *ep.url
	u.Path = "/"
	if req.bucket != "" {
		u.Path += req.bucket
		if req.key != "" {
			u.Path += "/" + req.key
		}
	}
	u.RawPath = s3Path(req.bucket, req.key)
	// url.Values.Encode writes a space as '+' (and a '+' as %2B): %20 is how SigV4 and S3
	// write it.
	u.RawQuery = strings.ReplaceAll(req.query.Encode(), "+", "%20")
	hr := &http.Request{
		Method:     req.method,
		URL:        &u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     req.header.Clone(),
		Host:       u.Host,
	}
	if hr.Header == nil {
		hr.Header = http.Header{}
	}
	hr.Header.Del("Authorization")
	if body != nil {
		hr.Body = body
		hr.ContentLength = req.size
	}
	hr = hr.WithContext(ctx)
	if req.creds != nil {
		hash := hr.Header.Get("X-Amz-Content-Sha256")
		if hash == "" {
			hash = emptyPayloadHash
			if body != nil {
				hash = unsignedPayload
			}
			hr.Header.Set("X-Amz-Content-Sha256", hash)
		}
		creds := aws.Credentials{AccessKeyID: req.creds.AccessKey, SecretAccessKey: req.creds.SecretKey}
		if err := c.signer.SignHTTP(ctx, creds, hr, hash, "s3", c.region, time.Now()); err != nil {
			return nil, fmt.Errorf("upstream: signing %s %s: %w", req.method, u.RawPath, err)
		}
	}
	start := time.Now()
	resp, err := c.http.Do(hr)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	if c.metrics != nil {
		c.metrics.UpstreamRequest(ep.base, req.method, status, time.Since(start))
	}
	return resp, err
}

// notSent reports a transport error that came before any byte of the request was sent: the
// connection to the endpoint (or to the proxy) could not be made.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// connectFailure reports a transport error that tells the endpoint cannot be reached: no
// connection (refused, unreachable, no route, a name that does not resolve, a dial timeout)
// or a TLS handshake that failed. Other failures (a header timeout, a connection reset after
// the request was sent) may come of one slow request on a live endpoint: the prober, not
// they, decides it is down.
func connectFailure(err error) bool {
	if notSent(err) {
		return true
	}
	var rh tls.RecordHeaderError
	var cv *tls.CertificateVerificationError
	var ae tls.AlertError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &rh) || errors.As(err, &cv) || errors.As(err, &ae) || errors.As(err, &ua) ||
		errors.As(err, &hn) || errors.As(err, &ci) || strings.Contains(err.Error(), "TLS handshake timeout")
}

// s3Path is the escaped path of bucket and key: every byte but A-Za-z0-9-_.~/ percent-encoded,
// as S3 canonical requests have it
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "URI-encode
// each byte ... except the unreserved characters"; '/' is kept in object key names). A key
// segment that is "." or ".." has its dots encoded (%2E), which S3 decodes back to the same
// key: sent as they are, a proxy or load balancer that normalises paths (RFC 3986, section
// 5.2.4) would drop them, or send the request to another key or bucket (the meta bucket's
// included). The path is signed as sent. [UNVERIFIED] that Amazon S3 itself signs such a
// path as sent rather than its decoded form; doorman's own SigV4 verifier and MinIO do.
func s3Path(bucket, key string) string {
	if bucket == "" {
		return "/"
	}
	var b strings.Builder
	b.Grow(len(bucket) + len(key) + 2)
	b.WriteByte('/')
	escapeSegment(&b, bucket)
	if key == "" {
		return b.String()
	}
	for _, seg := range strings.Split(key, "/") {
		b.WriteByte('/')
		switch {
		case seg == "." || seg == "..":
			b.WriteString(strings.Repeat("%2E", len(seg)))
		default:
			escapeSegment(&b, seg)
		}
	}
	return b.String()
}

// escapeSegment writes seg with every byte but A-Za-z0-9-_.~ percent-encoded.
func escapeSegment(b *strings.Builder, seg string) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(seg); i++ {
		ch := seg[i]
		if 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' ||
			ch == '-' || ch == '_' || ch == '.' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[ch>>4])
		b.WriteByte(hexDigits[ch&15])
	}
}

// expectEmpty reads r, whose size was declared 0, to its end: it fails with r's error, or
// storage.ErrIncompleteBody when r has bytes.
func expectEmpty(r io.Reader) error {
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		if n > 0 {
			return storage.ErrIncompleteBody
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// sized reads r, failing with storage.ErrIncompleteBody as soon as r has more than its
// declared size, or ends short of it: under holdBack, so the upstream never receives
// Content-Length bytes of a body of another length.
type sized struct {
	r    io.Reader
	left int64
}

func (s *sized) Read(p []byte) (int, error) {
	if int64(len(p)) > s.left+1 {
		p = p[:s.left+1]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	switch {
	case s.left < 0:
		return 0, fmt.Errorf("%w: the body is longer than its declared size", storage.ErrIncompleteBody)
	case err == io.EOF && s.left > 0:
		return n, fmt.Errorf("%w: the body ended %d bytes short of its declared size", storage.ErrIncompleteBody, s.left)
	}
	return n, err
}

// watchedBody is a request body that remembers its reader's first error (other than io.EOF),
// which do returns instead of the transport error it caused. The transport reads it on its
// own goroutine, and may go on after its answer came
// (https://pkg.go.dev/net/http#RoundTripper); once finished, no read reaches the reader,
// which is the caller's again.
type watchedBody struct {
	r    io.Reader
	mu   sync.Mutex // held during a read of r
	err  error
	done bool
	read bool // Read was called
}

var errBodyFinished = errors.New("upstream: the request is over")

func (w *watchedBody) Read(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return 0, errBodyFinished
	}
	w.read = true
	n, err := w.r.Read(p)
	if err != nil && err != io.EOF && w.err == nil {
		w.err = err
	}
	return n, err
}

// Close does nothing: the reader is the caller's.
func (w *watchedBody) Close() error { return nil }

// failure returns the reader's error, if it failed.
func (w *watchedBody) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// unread reports that no attempt has read the body yet: it can be sent whole to another
// endpoint.
func (w *watchedBody) unread() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.read
}

// finish waits for a read in progress, and stops any other.
func (w *watchedBody) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}

// credentialsFor returns who ctx's request is signed as: the mapped identity of its
// storage.Caller, Config.Service for a call without a Caller, nil for an anonymous Caller.
// An unmapped Caller is signed as Config.Service when Config.Unmapped is UnmappedService;
// under UnmappedDeny it gets denyCredentials, which client.do refuses with 403 AccessDenied
// before anything is sent.
func (b *Backend) credentialsFor(ctx context.Context) *Credentials {
	caller, ok := storage.CallerFrom(ctx)
	if !ok {
		c := b.cfg.Service
		return &c
	}
	if caller.AccessKey == "" {
		return nil
	}
	if m, mapped := b.cfg.Identities[caller.AccessKey]; mapped {
		return &m
	}
	if b.cfg.Unmapped == UnmappedDeny {
		return denyCredentials
	}
	c := b.cfg.Service
	return &c
}

// denyCredentials are the credentials of a caller Config.Unmapped denies: a request signed
// with them is never sent.
var denyCredentials = &Credentials{}

// errUnmappedDenied is the answer to a caller Config.Unmapped denies: S3's AccessDenied
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
func errUnmappedDenied() error {
	return &storage.ServiceError{Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access Denied"}
}
