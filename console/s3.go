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
	"strings"

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

// request builds the S3 request for the session's user, signed. query is sent sorted by key
// (url.Values.Encode), as the signature wants it; a nil body is an empty one.
func (c *Console) request(ctx context.Context, s *session, method, path string, query url.Values, header http.Header, body io.Reader) (*http.Request, error) {
	secret, ok := c.cfg.Users(s.accessKey)
	if !ok {
		return nil, errors.New("console: the session's user is gone")
	}
	host := "127.0.0.1"
	if c.endpoint != nil {
		host = c.endpoint.Host
	}
	u := &url.URL{Scheme: "http", Host: host, Path: path, RawPath: escapePath(path), RawQuery: strings.ReplaceAll(query.Encode(), "+", "%20")}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
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
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: s.accessKey, SecretAccessKey: secret}
	if err := signer.SignHTTP(ctx, creds, req, hash, "s3", c.cfg.Region, c.cfg.Now()); err != nil {
		return nil, err
	}
	return req, nil
}

// s3 sends one request to the S3 handler as the session's user and returns its answer, read
// whole (at most maxS3Response bytes). A body that is a *bytes.Reader is hashed into the
// signature and given a Content-MD5; any other is streamed, UNSIGNED-PAYLOAD.
func (c *Console) s3(ctx context.Context, s *session, method, path string, query url.Values, header http.Header, body io.Reader) (*s3Response, error) {
	req, err := c.request(ctx, s, method, path, query, header, body)
	if err != nil {
		return nil, err
	}
	rec := &recorder{header: make(http.Header)}
	c.cfg.S3.ServeHTTP(rec, req)
	if rec.tooLarge {
		return nil, errS3ResponseTooLarge
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &s3Response{Status: rec.status, Header: rec.header, Body: rec.body.Bytes()}, nil
}

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
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, UriEncode).
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		ch := p[i]
		if ch == '/' || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
			'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}
