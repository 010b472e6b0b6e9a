package s3test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Client sends requests to an S3 endpoint: a Server of this package or a process's URL.
type Client struct {
	URL  string       // scheme and authority, without a path
	HTTP *http.Client // nil means http.DefaultClient
}

// Auth is how a Request's account signs it.
type Auth int

const (
	SigV4      Auth = iota // SigV4 in the Authorization header, as the SDKs sign
	SigV4Query             // a SigV4 presigned URL
	SigV2                  // SigV2 in the Authorization header ("AWS key:signature")
	SigV2Query             // a SigV2 presigned URL (AWSAccessKeyId, Expires, Signature)
)

// DefaultExpires is how long a presigned Request is valid when it does not say: the SDKs'
// default for presigned URLs.
const DefaultExpires = 15 * time.Minute

// Request is a request as a test writes it. The path is sent exactly as given (already escaped,
// dot segments and all), and the request is signed as As with Auth, or sent anonymously when As
// has no keys.
type Request struct {
	Method string
	Path   string // the escaped path and, after '?', the query
	// URL, when set, is the whole URL to send to instead of the client's URL and Path: a
	// presigned URL made by another client.
	URL string
	// Host, when set, is the Host header (a virtual-hosted bucket's name).
	Host string
	// Header is sent as given, but for a Host entry (a presigned URL's signed headers carry
	// one), which sets the Host header.
	Header http.Header
	Body   []byte

	As   Account
	Auth Auth
	// At is the signing time; zero means now.
	At time.Time
	// Expires is how long a presigned URL is valid from At; zero means DefaultExpires.
	Expires time.Duration
	// Region is the region of a SigV4 signature; "" means Region.
	Region string
	// PayloadHash is the x-amz-content-sha256 sent and signed with SigV4 in the header;
	// "" means the SHA-256 of Body.
	PayloadHash string
	// Tamper, when set, changes the signed request before it is sent.
	Tamper func(*http.Request)
}

// NewRequest builds r, signed.
func (c *Client) NewRequest(t testing.TB, r Request) *http.Request {
	t.Helper()
	target := r.URL
	if target == "" {
		target = c.URL + r.Path
	}
	req, err := http.NewRequest(r.Method, target, bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.Header {
		if strings.EqualFold(k, "Host") { // a presigned URL's signed headers name it
			req.Host = v[0]
			continue
		}
		req.Header[k] = v
	}
	if r.Host != "" {
		req.Host = r.Host
	}
	if !r.As.IsAnonymous() {
		at := r.At
		if at.IsZero() {
			at = time.Now()
		}
		expires := r.Expires
		if expires == 0 {
			expires = DefaultExpires
		}
		switch r.Auth {
		case SigV4:
			signV4(t, req, r, at)
		case SigV4Query:
			presignV4(t, req, r, at, expires)
		case SigV2:
			req.Header.Set("Date", at.UTC().Format(http.TimeFormat))
			req.Header.Set("Authorization", "AWS "+r.As.AccessKey+":"+signatureV2(req, r.As, req.Header.Get("Date")))
		case SigV2Query:
			exp := strconv.FormatInt(at.Add(expires).Unix(), 10)
			sig := signatureV2(req, r.As, exp)
			addQuery(req, "AWSAccessKeyId="+url.QueryEscape(r.As.AccessKey)+"&Expires="+exp+"&Signature="+url.QueryEscape(sig))
		}
	}
	if r.Tamper != nil {
		r.Tamper(req)
	}
	return req
}

// Send sends req, built by NewRequest or by hand, and returns the answer with its body read.
func (c *Client) Send(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// Do sends r and returns the answer with its body read.
func (c *Client) Do(t testing.TB, r Request) (*http.Response, []byte) {
	t.Helper()
	return c.Send(t, c.NewRequest(t, r))
}

// Must sends r and fails the test unless the answer has the status want; it returns the body.
func (c *Client) Must(t testing.TB, want int, r Request) []byte {
	t.Helper()
	res, body := c.Do(t, r)
	if res.StatusCode != want {
		t.Fatalf("%s %s as %s: %d, want %d\n%s", r.Method, r.Path, r.As.Name, res.StatusCode, want, body)
	}
	return body
}

func (r Request) region() string {
	if r.Region != "" {
		return r.Region
	}
	return Region
}

// v4Signer signs the path as sent, as S3 wants it: S3 does not escape the path a second time
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html). A signer
// caches signing keys by access key and day, not by secret: each request gets its own, so that
// a request signed with a wrong secret is signed with that secret.
func v4Signer() *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
}

func (a Account) credentials() aws.Credentials {
	return aws.Credentials{AccessKeyID: a.AccessKey, SecretAccessKey: a.SecretKey}
}

func signV4(t testing.TB, req *http.Request, r Request, at time.Time) {
	t.Helper()
	hash := r.PayloadHash
	if hash == "" {
		hash = SHA256Hex(r.Body)
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4Signer().SignHTTP(context.Background(), r.As.credentials(), req, hash, "s3", r.region(), at); err != nil {
		t.Fatal(err)
	}
}

func presignV4(t testing.TB, req *http.Request, r Request, at time.Time, expires time.Duration) {
	t.Helper()
	addQuery(req, "X-Amz-Expires="+strconv.Itoa(int(expires/time.Second)))
	signed, header, err := v4Signer().PresignHTTP(context.Background(), r.As.credentials(), req, "UNSIGNED-PAYLOAD", "s3", r.region(), at)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = u.RawQuery
	for k, v := range header {
		if !strings.EqualFold(k, "Host") {
			req.Header[k] = v
		}
	}
}

func addQuery(req *http.Request, q string) {
	if req.URL.RawQuery != "" {
		q = req.URL.RawQuery + "&" + q
	}
	req.URL.RawQuery = q
}

// subResourcesV2 are the query parameters SigV2 signs as part of the resource, as AWS lists
// them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#ConstructingTheCanonicalizedResourceElement),
// with the configuration sub-resources doorman serves besides.
var subResourcesV2 = []string{
	"acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber", "policy",
	"requestPayment", "response-cache-control", "response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires", "tagging", "torrent",
	"uploadId", "uploads", "versionId", "versioning", "versions", "website",
}

// signatureV2 is the SigV2 signature of req with date as its Date line: the Date header, or
// a presigned URL's Expires. The resource is the path as sent: path-style requests only.
func signatureV2(req *http.Request, a Account, date string) string {
	var b strings.Builder
	b.WriteString(req.Method + "\n" + req.Header.Get("Content-Md5") + "\n" + req.Header.Get("Content-Type") + "\n" + date + "\n")
	var amz []string
	for k := range req.Header {
		if l := strings.ToLower(k); strings.HasPrefix(l, "x-amz-") {
			amz = append(amz, l+":"+strings.Join(req.Header[k], ",")+"\n")
		}
	}
	slices.Sort(amz)
	b.WriteString(strings.Join(amz, ""))
	b.WriteString(req.URL.EscapedPath())
	q := req.URL.Query()
	sep := "?"
	for _, name := range subResourcesV2 { // sorted
		for _, v := range q[name] {
			b.WriteString(sep + name)
			if v != "" {
				b.WriteString("=" + v)
			}
			sep = "&"
		}
	}
	mac := hmac.New(sha1.New, []byte(a.SecretKey))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SHA256Hex is the hex SHA-256 of b, as x-amz-content-sha256 carries it.
func SHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// MD5Base64 is the base64 MD5 of b, as Content-MD5 carries it.
func MD5Base64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// Error is the body of an S3 error answer
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
type Error struct {
	Code         string `xml:"Code"`
	Message      string `xml:"Message"`
	Method       string `xml:"Method"`
	ResourceType string `xml:"ResourceType"`
	BucketName   string `xml:"BucketName"`
	// Authentication errors.
	ArgumentName   string `xml:"ArgumentName"`
	ArgumentValue  string `xml:"ArgumentValue"`
	Region         string `xml:"Region"`
	MaxSizeAllowed string `xml:"MaxSizeAllowed"`
	RequestID      string `xml:"RequestId"`
	HostID         string `xml:"HostId"`
}

// ParseError decodes an error body, failing the test when it is not one.
func ParseError(t testing.TB, body []byte) Error {
	t.Helper()
	var e Error
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an S3 error body: %v\n%s", err, body)
	}
	return e
}

// WantError checks an error answer: its status, its code, its message unless message is "",
// and that the body's RequestId and HostId are the x-amz-request-id and x-amz-id-2 headers.
// what names the request in the test's messages.
func WantError(t testing.TB, what string, res *http.Response, body []byte, status int, code, message string) Error {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: status %d, want %d\n%s", what, res.StatusCode, status, body)
		return Error{}
	}
	e := ParseError(t, body)
	if e.Code != code || (message != "" && e.Message != message) {
		t.Errorf("%s: %s %q, want %s %q", what, e.Code, e.Message, code, message)
	}
	if id := res.Header.Get("X-Amz-Request-Id"); id == "" || e.RequestID != id {
		t.Errorf("%s: RequestId %q in the body, x-amz-request-id %q", what, e.RequestID, id)
	}
	if e.HostID == "" || e.HostID != res.Header.Get("X-Amz-Id-2") {
		t.Errorf("%s: HostId %q in the body, x-amz-id-2 %q", what, e.HostID, res.Header.Get("X-Amz-Id-2"))
	}
	return e
}
