package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

const (
	testAK     = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
)

var t0 = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

func testVerifier(now time.Time) *Verifier {
	return New(Config{
		Credentials: StaticCredentials{testAK: testSecret},
		Region:      testRegion,
		Now:         func() time.Time { return now },
	})
}

// s3Signer signs as the S3 client does: the path is signed as already escaped.
var s3Signer = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })

var testCreds = aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSecret}

// wire sends r through HTTP/1.1 serialization and parsing, so that the verifier sees exactly
// what a server would.
func wire(t testing.TB, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// rawURL builds a URL whose path is sent exactly as escaped.
func rawURL(t testing.TB, host, rawPath, rawQuery string) *url.URL {
	t.Helper()
	p, err := url.PathUnescape(rawPath)
	if err != nil {
		t.Fatal(err)
	}
	return &url.URL{Scheme: "http", Host: host, Path: p, RawPath: rawPath, RawQuery: rawQuery}
}

type shape struct {
	name, method, path, query string
	headers                   http.Header
	body                      string
}

var shapes = []shape{
	{name: "root", method: "GET", path: "/"},
	{name: "key with spaces, unicode, plus and tilde", method: "GET", path: "/bucket/a%20b%2Bc~d%C3%BC%E4%B8%AD.txt"},
	{name: "key with reserved characters", method: "GET", path: "/bucket/dir/%21%27%28%29%2A%3A%40%26%3D%24%2C"},
	{name: "query with special characters", method: "GET", path: "/bucket", query: "prefix=a%20b%2Bc%2F%C3%A9&delimiter=%2F&list-type=2&max-keys=10&start-after=~x"},
	{name: "query encoded with plus for space", method: "GET", path: "/bucket", query: "prefix=a+b&marker=%7E"},
	{name: "query keys without values", method: "GET", path: "/bucket/key", query: "acl&versionId=3%2F4&tagging="},
	{name: "repeated query key", method: "GET", path: "/bucket", query: "z=2&a=1&a=0"},
	{name: "multiple header values", method: "GET", path: "/bucket/key", headers: http.Header{
		"X-Amz-Meta-Multi": {"one", "two  with   spaces "},
		"Range":            {"bytes=0-9"},
		"If-None-Match":    {`"etag"`},
	}},
	{name: "put with body", method: "PUT", path: "/bucket/key%20one", body: "hello, world", headers: http.Header{
		"Content-Type":        {"text/plain"},
		"X-Amz-Meta-Author":   {"Ünïcödé"},
		"X-Amz-Storage-Class": {"STANDARD"},
	}},
	{name: "delete with query", method: "DELETE", path: "/bucket/k", query: "uploadId=abc%3D%3D"},
}

func (sh shape) request(t testing.TB, payload string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(sh.method, "http://example.com/", strings.NewReader(sh.body))
	if err != nil {
		t.Fatal(err)
	}
	r.URL = rawURL(t, "bucket.s3.example.com:8080", sh.path, sh.query)
	r.Host = r.URL.Host
	for k, vs := range sh.headers {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	if payload == "" {
		payload = sha256Hex([]byte(sh.body))
	}
	r.Header.Set("X-Amz-Content-Sha256", payload)
	return r
}

func signHeader(t testing.TB, r *http.Request, at time.Time) *http.Request {
	t.Helper()
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if err := s3Signer.SignHTTP(context.Background(), testCreds, r, payload, "s3", testRegion, at); err != nil {
		t.Fatal(err)
	}
	return wire(t, r)
}

func presign(t testing.TB, r *http.Request, at time.Time, expires string) *http.Request {
	t.Helper()
	q := r.URL.Query()
	q.Set("X-Amz-Expires", expires)
	r.URL.RawQuery = q.Encode()
	r.Header.Del("X-Amz-Content-Sha256")
	signed, headers, err := s3Signer.PresignHTTP(context.Background(), testCreds, r, UnsignedPayload, "s3", testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(r.Method, signed, r.Body)
	if err != nil {
		t.Fatal(err)
	}
	out.URL = u
	out.ContentLength = r.ContentLength
	for k, vs := range headers {
		if !strings.EqualFold(k, "host") {
			out.Header[k] = vs
		}
	}
	return wire(t, out)
}

func readBody(t testing.TB, res *Result) ([]byte, error) {
	t.Helper()
	return io.ReadAll(res.Body)
}

func code(err error) string {
	var e *s3err.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestSDKSignedShapes(t *testing.T) {
	v := testVerifier(t0)
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			for _, payload := range []string{"", UnsignedPayload} {
				res, err := v.Verify(signHeader(t, sh.request(t, payload), t0))
				if err != nil {
					t.Fatalf("payload %q: %v", payload, err)
				}
				if res.AccessKey != testAK || res.Presigned {
					t.Fatalf("result %+v", res)
				}
				body, err := readBody(t, res)
				if err != nil || string(body) != sh.body {
					t.Fatalf("body %q, %v", body, err)
				}
			}
		})
	}
}

func TestSDKPresignedShapes(t *testing.T) {
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			r := presign(t, sh.request(t, ""), t0, "3600")
			if !IsSigV4(r) {
				t.Fatal("not recognised as SigV4")
			}
			res, err := testVerifier(t0.Add(time.Hour)).Verify(r)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Presigned || res.Payload != PayloadUnsigned {
				t.Fatalf("result %+v", res)
			}
			if body, err := readBody(t, res); err != nil || string(body) != sh.body {
				t.Fatalf("body %q, %v", body, err)
			}
		})
	}
}

func TestTampering(t *testing.T) {
	v := testVerifier(t0)
	sh := shapes[8] // PUT with a body, signed headers and metadata
	sh.query = "x-id=PutObject&tagging="
	edits := []struct {
		name string
		edit func(r *http.Request)
	}{
		{"method", func(r *http.Request) { r.Method = "POST" }},
		{"path", func(r *http.Request) { r.RequestURI = strings.Replace(r.RequestURI, "key%20one", "key%20two", 1) }},
		{"path escaping", func(r *http.Request) { r.RequestURI = strings.Replace(r.RequestURI, "key%20one", "key+one", 1) }},
		{"query value", func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "PutObject", "GetObject", 1) }},
		{"query added", func(r *http.Request) { r.URL.RawQuery += "&versionId=1" }},
		{"query removed", func(r *http.Request) {
			q := r.URL.Query()
			q.Del("tagging")
			r.URL.RawQuery = q.Encode()
		}},
		{"signed header", func(r *http.Request) { r.Header.Set("Content-Type", "text/html") }},
		{"signed metadata", func(r *http.Request) { r.Header.Set("X-Amz-Meta-Author", "mallory") }},
		{"host", func(r *http.Request) { r.Host = "other.s3.example.com:8080" }},
	}
	for _, payload := range []string{"", UnsignedPayload} {
		for _, e := range edits {
			r := signHeader(t, sh.request(t, payload), t0)
			e.edit(r)
			if _, err := v.Verify(r); code(err) != "SignatureDoesNotMatch" {
				t.Errorf("%s (payload %q): got %v", e.name, payload, err)
			}
		}
		pr := presign(t, sh.request(t, ""), t0, "60")
		for _, e := range edits {
			r := presign(t, sh.request(t, ""), t0, "60")
			e.edit(r)
			if _, err := v.Verify(r); code(err) != "SignatureDoesNotMatch" {
				t.Errorf("presigned %s: got %v", e.name, err)
			}
		}
		if _, err := v.Verify(pr); err != nil {
			t.Fatalf("untampered presigned request: %v", err)
		}
	}

	// The body of a signed payload: the error comes from the final Read.
	r := signHeader(t, sh.request(t, ""), t0)
	r.Body = io.NopCloser(strings.NewReader("hello, World"))
	res, err := v.Verify(r)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readBody(t, res)
	var e *s3err.Error
	if !errors.As(err, &e) || e.Code != "XAmzContentSHA256Mismatch" || len(e.Extra) != 2 ||
		e.Extra[0] != (awsxml.Field{Name: "ClientComputedContentSHA256", Value: sha256Hex([]byte("hello, world"))}) ||
		e.Extra[1] != (awsxml.Field{Name: "S3ComputedContentSHA256", Value: sha256Hex([]byte("hello, World"))}) {
		t.Fatalf("body tampering: %#v", err)
	}
	// A truncated body also fails.
	r = signHeader(t, sh.request(t, ""), t0)
	r.Body = io.NopCloser(strings.NewReader("hello"))
	if res, err = v.Verify(r); err != nil {
		t.Fatal(err)
	}
	if _, err := readBody(t, res); code(err) != "XAmzContentSHA256Mismatch" {
		t.Fatalf("truncated body: %v", err)
	}
}

// TestSignatureDoesNotMatchBody checks the elements AWS adds to SignatureDoesNotMatch, built
// from the documented example GET Object request.
func TestSignatureDoesNotMatchBody(t *testing.T) {
	r := wire(t, mustRequest(t, "GET", "http://examplebucket.s3.amazonaws.com/test.txt", map[string]string{
		"Range":                "bytes=0-9",
		"X-Amz-Content-Sha256": emptySHA256,
		"X-Amz-Date":           "20130524T000000Z",
		"Authorization":        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
	}))
	v := testVerifier(t0)
	if _, err := v.Verify(r); err != nil {
		t.Fatalf("documented example: %v", err)
	}
	r.Header.Set("Range", "bytes=0-10")
	_, err := v.Verify(r)
	var e *s3err.Error
	if !errors.As(err, &e) || e.Code != "SignatureDoesNotMatch" || e.Status != 403 {
		t.Fatalf("got %v", err)
	}
	canon := "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-10\nx-amz-content-sha256:" + emptySHA256 +
		"\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" + emptySHA256
	sts := "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" + sha256Hex([]byte(canon))
	want := []awsxml.Field{
		{Name: "AWSAccessKeyId", Value: testAK},
		{Name: "StringToSign", Value: sts},
		{Name: "SignatureProvided", Value: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
		{Name: "StringToSignBytes", Value: s3err.SpacedHex(sts)},
		{Name: "CanonicalRequest", Value: canon},
		{Name: "CanonicalRequestBytes", Value: s3err.SpacedHex(canon)},
	}
	if len(e.Extra) != len(want) {
		t.Fatalf("extra %v", e.Extra)
	}
	for i := range want {
		if e.Extra[i] != want[i] {
			t.Errorf("extra %d: got %q want %q", i, e.Extra[i], want[i])
		}
	}
	if got := s3err.SpacedHex("AWS4"); got != "41 57 53 34" {
		t.Errorf("spacedHex = %q", got)
	}
}

func TestDocumentedPresignedURL(t *testing.T) {
	r := wire(t, mustRequest(t, "GET", "http://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", nil))
	if _, err := testVerifier(t0.Add(time.Hour)).Verify(r); err != nil {
		t.Fatal(err)
	}
}

func mustRequest(t testing.TB, method, target string, headers map[string]string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

func BenchmarkVerifyHeaderGET(b *testing.B) {
	sh := shapes[3] // a listing with a query string
	sh.headers = http.Header{"X-Amz-Meta-A": {"1"}, "Range": {"bytes=0-99"}}
	r := signHeader(b, sh.request(b, ""), t0)
	v := testVerifier(t0)
	if _, err := v.Verify(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyChunked(b *testing.B) {
	body := docBody(docChunkSigs, "")
	r := docRequest(b, false, body)
	v := testVerifier(t0)
	b.SetBytes(int64(len(docData)))
	b.ReportAllocs()
	for b.Loop() {
		r.Body = io.NopCloser(strings.NewReader(body))
		res, err := v.Verify(r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			b.Fatal(err)
		}
	}
}
