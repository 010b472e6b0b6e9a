package console

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// maxS3Response bounds an S3 answer the console reads whole (anything but a download): the
// largest is a ListObjectsV2 page of 1,000 keys of up to 1,024 bytes each, or a ListBuckets of
// every bucket; 32 MiB holds either many times over.
const maxS3Response = 32 << 20

// unsignedPayload is the payload hash of a request whose body is streamed unhashed
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
const unsignedPayload = "UNSIGNED-PAYLOAD"

// errS3ResponseTooLarge is the error of an S3 answer larger than maxS3Response.
var errS3ResponseTooLarge = errors.New("console: the S3 answer is larger than the console reads")

// s3Response is an S3 answer as the console read it.
type s3Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// s3Error is the body of S3's error answers
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
type s3Error struct {
	Code    string
	Message string
}

// failed tells whether the answer is an error.
func (r *s3Response) failed() bool { return r.Status >= 300 }

// writeS3Error answers an S3 error as the console's JSON error, with S3's status, code and
// message.
func writeS3Error(w http.ResponseWriter, status int, body []byte) {
	var e s3Error
	if err := xml.Unmarshal(body, &e); err != nil || e.Code == "" {
		// A HEAD's error has no body: S3 says nothing more than its status.
		e.Code, e.Message = http.StatusText(status), http.StatusText(status)
		if status == http.StatusNotFound {
			e.Code, e.Message = "NotFound", "Not Found"
		}
	}
	writeError(w, status, e.Code, e.Message)
}

// signer signs the path as given, already escaped, as S3 wants it: S3 does not escape the
// path a second time (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
// A signer caches signing keys by access key and day, not by secret: each request gets its
// own, so that a user whose secret changes is signed for with the new one.
func signer() *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
}

// credentials are the session user's keys, the secret looked up now.
func (c *Console) credentials(s *session) (aws.Credentials, error) {
	secret, ok := c.cfg.Users(s.accessKey)
	if !ok {
		return aws.Credentials{}, errors.New("console: the session's user is gone")
	}
	return aws.Credentials{AccessKeyID: s.accessKey, SecretAccessKey: secret}, nil
}

// s3URL is the URL of an S3 path and query on base's scheme and host. The query is sorted
// by key (url.Values.Encode) with spaces as %20, as SigV4's canonical query wants it.
func s3URL(base *url.URL, path string, query url.Values) string {
	u := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: path, RawPath: escapePath(path), RawQuery: strings.ReplaceAll(query.Encode(), "+", "%20")}
	return u.String()
}

// inProcess is the base URL of requests served in process: the S3 endpoint's when the
// console knows it (so that a Location S3 writes names it), loopback otherwise.
func (c *Console) inProcess() *url.URL {
	if c.endpoint != nil {
		return c.endpoint
	}
	return &url.URL{Scheme: "http", Host: "127.0.0.1"}
}

// request builds the S3 request for the session's user, signed. A nil body is an empty one.
func (c *Console) request(ctx context.Context, s *session, method, path string, query url.Values, header http.Header, body io.Reader) (*http.Request, error) {
	creds, err := c.credentials(s)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, s3URL(c.inProcess(), path, query), body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	hash := unsignedPayload
	if b, ok := body.(*bytes.Reader); ok {
		// A small document: sign its hash, and give the Content-MD5 that S3 requires of some
		// (PutBucketCors, DeleteObjects).
		data := make([]byte, b.Len())
		_, _ = b.ReadAt(data, 0)
		sum := md5.Sum(data)
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		hash = fmt.Sprintf("%x", sha256.Sum256(data))
	} else if n, err := strconv.ParseInt(header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		req.ContentLength = n
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := signer().SignHTTP(ctx, creds, req, hash, "s3", c.cfg.Region, c.cfg.Now()); err != nil {
		return nil, err
	}
	return req, nil
}

// presignURL is a SigV4 presigned URL of method on path at the S3 endpoint, valid for
// seconds from now, signed as the session's user
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html), and when
// it expires.
func (c *Console) presignURL(ctx context.Context, s *session, method, path string, seconds int) (string, time.Time, error) {
	creds, err := c.credentials(s)
	if err != nil {
		return "", time.Time{}, err
	}
	req, err := http.NewRequestWithContext(ctx, method, s3URL(c.endpoint, path, url.Values{"X-Amz-Expires": {strconv.Itoa(seconds)}}), nil)
	if err != nil {
		return "", time.Time{}, err
	}
	now := c.cfg.Now()
	signed, _, err := signer().PresignHTTP(ctx, creds, req, unsignedPayload, "s3", c.cfg.Region, now)
	if err != nil {
		return "", time.Time{}, err
	}
	return signed, now.Add(time.Duration(seconds) * time.Second), nil
}

// s3 sends one request to the S3 handler as the session's user and returns its answer, read
// whole (at most maxS3Response bytes). A body that is a *bytes.Reader is hashed into the
// signature and given a Content-MD5; any other is streamed, UNSIGNED-PAYLOAD, its length
// taken from a Content-Length in header.
func (c *Console) s3(ctx context.Context, s *session, method, path string, query url.Values, header http.Header, body io.Reader) (*s3Response, error) {
	req, err := c.request(ctx, s, method, path, query, header, body)
	if err != nil {
		return nil, err
	}
	return c.roundTrip(nil, req)
}

// roundTrip serves req with the S3 handler and returns its answer, read whole. With conn, the
// browser's own answer, the S3 handler reaches the browser's connection through
// http.ResponseController, and holds a streamed upload to its idle deadline as it holds an
// S3 client's.
func (c *Console) roundTrip(conn http.ResponseWriter, req *http.Request) (*s3Response, error) {
	rec := &recorder{header: make(http.Header)}
	var w http.ResponseWriter = rec
	if conn != nil {
		w = connRecorder{rec, conn}
	}
	c.cfg.S3.ServeHTTP(w, req)
	if rec.tooLarge {
		return nil, errS3ResponseTooLarge
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &s3Response{Status: rec.status, Header: rec.header, Body: rec.body.Bytes()}, nil
}

// connRecorder is a recorder that unwraps to the browser's connection.
type connRecorder struct {
	*recorder
	conn http.ResponseWriter
}

func (r connRecorder) Unwrap() http.ResponseWriter { return r.conn }

// recorder is the http.ResponseWriter of an S3 answer read whole.
type recorder struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	tooLarge bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if r.body.Len()+len(p) > maxS3Response {
		r.tooLarge = true
		return 0, errS3ResponseTooLarge
	}
	return r.body.Write(p)
}

// escapePath escapes an S3 path as S3 signs it: every byte but the unreserved ones and '/'
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, UriEncode),
// and the '/' before a "." or ".." segment too, as %2F.
//
// A key may hold "." and ".." segments ("x/../y.txt", "./a"), but a URL path may not keep
// them: a browser, parsing a URL, removes dot segments before it sends the request, and
// counts "%2e", ".%2e", "%2e." and "%2e%2e" as dot segments as well
// (https://url.spec.whatwg.org/#single-dot-path-segment), so escaping the dots changes
// nothing; the request would name another key, under a signature made for this one. With the
// '/' before it escaped, the dot segment is part of the segment before it ("x%2F..") and
// nothing removes it. The S3 server decodes the path into the key, %2F into '/', and verifies
// the signature over the path exactly as it was sent (sigv4.RequestPath), so the key and the
// signature are unchanged for any client. [UNVERIFIED] Amazon S3 is understood to do the
// same, decoding the path into the key and signing the path as sent; AWS's SDKs keep dot
// segments literal in the URLs they make (https://github.com/boto/botocore/pull/3244), which
// a browser then rewrites.
func escapePath(p string) string {
	var b strings.Builder
	for i, seg := range strings.Split(p, "/") {
		switch {
		case i == 0:
		case seg == "." || seg == "..":
			b.WriteString("%2F")
		default:
			b.WriteByte('/')
		}
		for j := 0; j < len(seg); j++ {
			ch := seg[j]
			if ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
				'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' {
				b.WriteByte(ch)
				continue
			}
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}
