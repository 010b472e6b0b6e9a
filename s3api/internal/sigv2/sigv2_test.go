package sigv2

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/s3api/internal/sigv4"
)

const (
	testAK     = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

type creds map[string]string

func (c creds) SecretKey(ak string) (string, bool) { s, ok := c[ak]; return s, ok }

var testCreds = creds{testAK: testSecret}

// wire parses a raw HTTP/1.1 request as a server would.
func wire(t *testing.T, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// routed is the Target the server's router makes of r, bucket being the bucket named by the
// host of a virtual-hosted request.
func routed(r *http.Request, bucket string) Target {
	t := Target{Query: sigv4.ParseQuery(r.URL.RawQuery), VirtualBucket: bucket}
	key := strings.TrimPrefix(r.URL.Path, "/")
	if bucket == "" {
		bucket, key, _ = strings.Cut(key, "/")
	}
	t.BucketLevel = bucket != "" && key == ""
	return t
}

// verifyAt verifies r as the server does, bucket being the bucket named by the host of a
// virtual-hosted request.
func (v *Verifier) verifyAt(r *http.Request, bucket string) (*Result, error) {
	return v.Verify(r, routed(r, bucket))
}

func at(t *testing.T, date string) func() time.Time {
	t.Helper()
	tm, ok := parseDate(date)
	if !ok {
		t.Fatalf("bad date %q", date)
	}
	return func() time.Time { return tm }
}

// The examples of "Signing and authenticating REST requests" in the S3 documentation.
var documented = []struct {
	name, raw, bucket, date, sts string
}{
	{"object GET", "GET /photos/puppy.jpg HTTP/1.1\r\nHost: johnsmith.s3.amazonaws.com\r\nDate: Tue, 27 Mar 2007 19:36:42 +0000\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\r\n\r\n",
		"johnsmith", "Tue, 27 Mar 2007 19:36:42 +0000", "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg"},
	{"object PUT", "PUT /photos/puppy.jpg HTTP/1.1\r\nContent-Type: image/jpeg\r\nContent-Length: 0\r\nHost: johnsmith.s3.amazonaws.com\r\nDate: Tue, 27 Mar 2007 21:15:45 +0000\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg=\r\n\r\n",
		"johnsmith", "Tue, 27 Mar 2007 21:15:45 +0000", "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg"},
	{"list", "GET /?prefix=photos&max-keys=50&marker=puppy HTTP/1.1\r\nUser-Agent: Mozilla/5.0\r\nHost: johnsmith.s3.amazonaws.com\r\nDate: Tue, 27 Mar 2007 19:42:41 +0000\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:htDYFYduRNen8P9ZfE/s9SuKy0U=\r\n\r\n",
		"johnsmith", "Tue, 27 Mar 2007 19:42:41 +0000", "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/"},
	{"fetch ACL", "GET /?acl HTTP/1.1\r\nHost: johnsmith.s3.amazonaws.com\r\nDate: Tue, 27 Mar 2007 19:44:46 +0000\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:c2WLPFtWHVgbEmeEG93a4cG37dM=\r\n\r\n",
		"johnsmith", "Tue, 27 Mar 2007 19:44:46 +0000", "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl"},
	{"list all buckets", "GET / HTTP/1.1\r\nHost: s3.amazonaws.com\r\nDate: Wed, 28 Mar 2007 01:29:59 +0000\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:qGdzdERIC03wnaRNKh6OqZehG9s=\r\n\r\n",
		"", "Wed, 28 Mar 2007 01:29:59 +0000", "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/"},
	{"unicode keys", "GET /dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re HTTP/1.1\r\nHost: s3.amazonaws.com\r\nDate: Wed, 28 Mar 2007 01:49:49 +0000\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:DNEZGsoieTZ92F3bUfSPQcbGmlM=\r\n\r\n",
		"", "Wed, 28 Mar 2007 01:49:49 +0000", "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re"},
	{"upload with metadata", "PUT /db-backup.dat.gz HTTP/1.1\r\nUser-Agent: curl/7.15.5\r\nHost: static.johnsmith.net:8080\r\nDate: Tue, 27 Mar 2007 21:06:08 +0000\r\nx-amz-acl: public-read\r\ncontent-type: application/x-download\r\nContent-MD5: 4gJE4saaMU4BqNR0kLY+lw==\r\nX-Amz-Meta-ReviewedBy: joe@johnsmith.net\r\nX-Amz-Meta-ReviewedBy: jane@johnsmith.net\r\nX-Amz-Meta-FileChecksum: 0x02661779\r\nX-Amz-Meta-ChecksumAlgorithm: crc32\r\nContent-Disposition: attachment; filename=database.dat\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:ilyl83RwaSoYIEdixDQcA4OnAnc=\r\n\r\n",
		"static.johnsmith.net", "Tue, 27 Mar 2007 21:06:08 +0000", "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\nx-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\nx-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n/static.johnsmith.net/db-backup.dat.gz"},
}

func TestDocumentedExamples(t *testing.T) {
	for _, ex := range documented {
		t.Run(ex.name, func(t *testing.T) {
			r := wire(t, ex.raw)
			if !IsSigV2(r, sigv4.ParseQuery(r.URL.RawQuery)) {
				t.Fatal("not recognised as SigV2")
			}
			if got := StringToSign(r, r.Header.Get("Date"), routed(r, ex.bucket)); got != ex.sts {
				t.Fatalf("string to sign\n%q\nwant\n%q", got, ex.sts)
			}
			v := New(testCreds, at(t, ex.date))
			res, err := v.verifyAt(r, ex.bucket)
			if err != nil || res.AccessKey != testAK || res.Presigned {
				t.Fatalf("%+v, %v", res, err)
			}
			// Any change to a signed part fails.
			for _, edit := range []func(*http.Request){
				func(r *http.Request) { r.Method = "DELETE" },
				func(r *http.Request) { r.RequestURI = strings.Replace(r.RequestURI, "/", "/x", 1) },
				func(r *http.Request) { r.Header.Set("Content-Type", "text/html") },
				func(r *http.Request) { r.Header.Set("X-Amz-Meta-Extra", "1") },
				func(r *http.Request) { r.URL.RawQuery += "&versionId=2" },
			} {
				r := wire(t, ex.raw)
				edit(r)
				_, err := v.verifyAt(r, ex.bucket)
				var e *s3err.Error
				if !errors.As(err, &e) || e.Code != "SignatureDoesNotMatch" || e.Extra[0].Value != testAK || e.Extra[1].Name != "StringToSign" {
					t.Fatalf("tampered: %v", err)
				}
			}
			// The bucket of a virtual-hosted request is signed.
			if ex.bucket != "" {
				if _, err := v.verifyAt(wire(t, ex.raw), ""); code(err) != "SignatureDoesNotMatch" {
					t.Fatalf("bucket left out: %v", err)
				}
			}
		})
	}
}

func TestDocumentedPresignedURL(t *testing.T) {
	raw := "GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620 HTTP/1.1\r\nHost: johnsmith.s3.amazonaws.com\r\n\r\n"
	expires := time.Unix(1175139620, 0)
	res, err := New(testCreds, func() time.Time { return expires }).verifyAt(wire(t, raw), "johnsmith")
	if err != nil || !res.Presigned || res.AccessKey != testAK {
		t.Fatalf("%+v, %v", res, err)
	}
	// An unescaped '+' in the signature still verifies.
	plain := strings.Replace(raw, "%2B", "+", 1)
	if _, err := New(testCreds, func() time.Time { return expires }).verifyAt(wire(t, plain), "johnsmith"); err != nil {
		t.Fatalf("unescaped plus: %v", err)
	}
	_, err = New(testCreds, func() time.Time { return expires.Add(time.Second) }).verifyAt(wire(t, raw), "johnsmith")
	check(t, err, 403, "AccessDenied", "Request has expired", "Expires", "2007-03-29T03:40:20Z", "ServerTime", "2007-03-29T03:40:21Z")
}

func check(t *testing.T, err error, status int, code, message string, extra ...string) {
	t.Helper()
	var e *s3err.Error
	if !errors.As(err, &e) || e.Status != status || e.Code != code || e.Message != message {
		t.Fatalf("got %v, want %d %s %q", err, status, code, message)
	}
	var want []awsxml.Field
	for i := 0; i < len(extra); i += 2 {
		want = append(want, awsxml.Field{Name: extra[i], Value: extra[i+1]})
	}
	if len(extra) > 0 && !slices.Equal(e.Extra, want) {
		t.Fatalf("extra %q, want %q", e.Extra, want)
	}
}

func code(err error) string {
	var e *s3err.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestErrors(t *testing.T) {
	const get = "GET /photos/puppy.jpg HTTP/1.1\r\nHost: johnsmith.s3.amazonaws.com\r\nDate: Tue, 27 Mar 2007 19:36:42 +0000\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\r\n\r\n"
	date := "Tue, 27 Mar 2007 19:36:42 +0000"
	tm, _ := parseDate(date)
	v := New(testCreds, func() time.Time { return tm })
	r := wire(t, strings.Replace(get, "AKIAIOSFODNN7EXAMPLE:", "AKIAUNKNOWN:", 1))
	_, err := v.verifyAt(r, "johnsmith")
	check(t, err, 403, "InvalidAccessKeyId", s3err.InvalidAccessKeyID.Message, "AWSAccessKeyId", "AKIAUNKNOWN")

	for _, bad := range []string{"AWS AKIAIOSFODNN7EXAMPLE", "AWS :sig", "AWS AKIAIOSFODNN7EXAMPLE:"} {
		r := wire(t, get)
		r.Header.Set("Authorization", bad)
		_, err := v.verifyAt(r, "johnsmith")
		check(t, err, 400, "InvalidArgument", "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature", "ArgumentName", "Authorization", "ArgumentValue", bad)
	}

	for _, offset := range []time.Duration{16 * time.Minute, -16 * time.Minute} {
		_, err := New(testCreds, func() time.Time { return tm.Add(offset) }).verifyAt(wire(t, get), "johnsmith")
		check(t, err, 403, "RequestTimeTooSkewed", s3err.RequestTimeTooSkewed.Message,
			"RequestTime", date, "ServerTime", tm.Add(offset).UTC().Format(serverTime), "MaxAllowedSkewMilliseconds", "900000")
	}
	if _, err := New(testCreds, func() time.Time { return tm.Add(15 * time.Minute) }).verifyAt(wire(t, get), "johnsmith"); err != nil {
		t.Fatalf("15 minutes of skew: %v", err)
	}

	// Without Date, a signature over an empty date verifies but the request has no time.
	noDate := wire(t, strings.Replace(strings.Replace(get, "Date: "+date+"\r\n", "", 1), "bWq2s1WEIj+Ydj0vQ697zp+IXMU=", sign("GET\n\n\n\n/johnsmith/photos/puppy.jpg"), 1))
	_, err = v.verifyAt(noDate, "johnsmith")
	check(t, err, 403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")

	// x-amz-date replaces Date: the Date line is empty and x-amz-date is signed as an amz header.
	amz := "DELETE /photos/puppy.jpg HTTP/1.1\r\nHost: johnsmith.s3.amazonaws.com\r\nDate: Tue, 27 Mar 2007 21:20:27 +0000\r\nx-amz-date: Tue, 27 Mar 2007 21:20:26 +0000\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:" +
		sign("DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg") + "\r\n\r\n"
	if _, err := New(testCreds, at(t, "Tue, 27 Mar 2007 21:20:26 +0000")).verifyAt(wire(t, amz), "johnsmith"); err != nil {
		t.Fatalf("x-amz-date: %v", err)
	}

	for _, q := range []string{"AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1", "Signature=x&Expires=1", "AWSAccessKeyId=a&Signature=b&Expires=soon"} {
		_, err := v.verifyAt(wire(t, "GET /k?"+q+" HTTP/1.1\r\nHost: h\r\n\r\n"), "")
		check(t, err, 400, "AuthorizationQueryParametersError", s3err.AuthorizationQueryParametersError.Message)
	}
	tok := wire(t, strings.Replace(get, "\r\n\r\n", "\r\nX-Amz-Security-Token: tok\r\n\r\n", 1))
	_, err = v.verifyAt(tok, "johnsmith")
	check(t, err, 400, "InvalidToken", s3err.InvalidToken.Message, "Token-0", "tok")
	_, err = v.verifyAt(wire(t, "GET /k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=b&Expires=1&x-amz-security-token=tok HTTP/1.1\r\nHost: h\r\n\r\n"), "")
	check(t, err, 400, "InvalidToken", s3err.InvalidToken.Message, "Token-0", "tok")
	_, err = v.verifyAt(wire(t, "GET /k?AWSAccessKeyId=a&Signature=b&Expires=1 HTTP/1.1\r\nHost: h\r\nAuthorization: AWS a:b\r\n\r\n"), "")
	check(t, err, 400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
}

func sign(sts string) string {
	m := hmac.New(sha1.New, []byte(testSecret))
	m.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// botocoreScript signs with botocore's SigV2 ("s3") signer: two presigned URLs, path-style
// and virtual-hosted, and one header-signed request.
const botocoreScript = `
import json, sys
import botocore.session
from botocore.auth import HmacV1Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
ak, sk = sys.argv[1], sys.argv[2]
out = {}
for style in ("path", "virtual"):
    c = botocore.session.get_session().create_client("s3", region_name="us-east-1",
        endpoint_url="http://s3.example.test", aws_access_key_id=ak, aws_secret_access_key=sk,
        config=Config(signature_version="s3", s3={"addressing_style": style}))
    out[style] = c.generate_presigned_url("get_object", ExpiresIn=3600, Params={
        "Bucket": "bucket", "Key": "dir/a b+c~\u00fc&=.txt", "VersionId": "v 1",
        "ResponseContentType": "text/plain; charset=utf-8", "ResponseContentDisposition": "attachment; filename=\"x y\""})
req = AWSRequest(method="PUT", url="http://s3.example.test/bucket/part%20key?partNumber=2&uploadId=abc%2Fdef&x-id=UploadPart",
    headers={"Content-Type": "text/plain", "Content-MD5": "XUFAKrxLKna5cZ2REBfFkg==", "x-amz-meta-a": " one ", "X-Amz-Meta-B": "two", "X-Amz-Storage-Class": "STANDARD"}, data=b"hello")
HmacV1Auth(Credentials(ak, sk)).add_auth(req)
out["header"] = {"url": req.url, "headers": dict(req.headers.items())}
print(json.dumps(out))
`

func TestBotocore(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	out, err := exec.Command(python, "-c", botocoreScript, testAK, testSecret).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && bytes.Contains(ee.Stderr, []byte("No module named 'botocore'")) {
			t.Skip("botocore is not installed")
		}
		t.Fatal(err)
	}
	var signed struct {
		Path, Virtual string
		Header        struct {
			URL     string
			Headers map[string]string
		}
	}
	if err := json.Unmarshal(out, &signed); err != nil {
		t.Fatal(err)
	}
	v := New(testCreds, nil)
	for _, c := range []struct{ url, bucket string }{{signed.Path, ""}, {signed.Virtual, "bucket"}} {
		r, err := http.NewRequest("GET", c.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.verifyAt(wireOut(t, r), c.bucket)
		if err != nil || !res.Presigned {
			t.Fatalf("%s: %+v %v", c.url, res, err)
		}
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "versionId=v", "versionId=w", 1)
		if _, err := v.verifyAt(wireOut(t, r), c.bucket); code(err) != "SignatureDoesNotMatch" {
			t.Fatalf("changed sub-resource: %v", err)
		}
	}

	r, err := http.NewRequest("PUT", signed.Header.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, val := range signed.Header.Headers {
		r.Header.Set(k, val)
	}
	date := r.Header.Get("Date")
	if _, err := New(testCreds, at(t, date)).verifyAt(wireOut(t, r), ""); err != nil {
		t.Fatalf("header-signed: %v\n%q", err, StringToSign(wireOut(t, r), date, routed(r, "")))
	}
	r.Header.Set("X-Amz-Meta-B", "three")
	if _, err := New(testCreds, at(t, date)).verifyAt(wireOut(t, r), ""); code(err) != "SignatureDoesNotMatch" {
		t.Fatalf("changed metadata: %v", err)
	}
}

func wireOut(t *testing.T, r *http.Request) *http.Request {
	t.Helper()
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	return wire(t, b.String())
}

func FuzzParseHeader(f *testing.F) {
	f.Add("AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=")
	f.Add("AWS :")
	f.Add("AWS a:b:c")
	v := New(testCreds, nil)
	f.Fuzz(func(t *testing.T, authz string) {
		ak, sig, err := ParseHeader(authz)
		if err == nil && (ak == "" || sig == "" || !strings.HasPrefix(authz, "AWS ")) {
			t.Fatalf("accepted %q as %q:%q", authz, ak, sig)
		}
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/b/k"}, RequestURI: "/b/k", Header: http.Header{"Authorization": {authz}, "Date": {"Tue, 27 Mar 2007 19:36:42 +0000"}}}
		if _, err := v.verifyAt(r, ""); err == nil {
			t.Fatalf("forged header accepted: %q", authz)
		}
	})
}

// A sub-resource counts however its name is escaped: the server routes on the decoded query,
// so a presigned URL with %61cl (acl) or %75ploadId (uploadId) appended no longer verifies.
func TestEncodedSubResources(t *testing.T) {
	const expires = "1175139620"
	now := func() time.Time { return time.Unix(1175139620, 0) }
	presign := func(method, path, subs string) string {
		resource := path
		if subs != "" {
			resource += "?" + subs
		}
		q := "AWSAccessKeyId=" + testAK + "&Expires=" + expires + "&Signature=" + url.QueryEscape(sign(method+"\n\n\n"+expires+"\n"+resource))
		if subs != "" {
			q += "&" + subs
		}
		return method + " " + path + "?" + q + " HTTP/1.1\r\nHost: s3.example.test\r\n\r\n"
	}
	v := New(testCreds, now)
	for _, tc := range []struct {
		name, method, path, signed, added string
	}{
		{"response-content-type", "GET", "/b/k", "", "%72esponse-content-type=text/html"},
		{"response-content-type, upper-case escape", "GET", "/b/k", "", "response%2Dcontent%2Dtype=text/html"},
		{"acl", "GET", "/b/k", "", "%61cl"},
		{"cors", "GET", "/b", "", "%63ors="},
		{"uploadId", "DELETE", "/b/k", "", "%75ploadId=abc"},
		{"another versionId", "GET", "/b/k", "versionId=1", "%76ersionId=2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := presign(tc.method, tc.path, tc.signed)
			if _, err := v.verifyAt(wire(t, raw), ""); err != nil {
				t.Fatalf("as signed: %v", err)
			}
			tampered := strings.Replace(raw, " HTTP/1.1", "&"+tc.added+" HTTP/1.1", 1)
			if _, err := v.verifyAt(wire(t, tampered), ""); code(err) != "SignatureDoesNotMatch" {
				t.Fatalf("%s added: %v", tc.added, err)
			}
		})
	}
	// The same decoded sub-resource, escaped otherwise, is still what was signed.
	raw := strings.Replace(presign("GET", "/b/k", "versionId=1"), "&versionId=1 ", "&%76ersionId=%31 ", 1)
	if _, err := v.verifyAt(wire(t, raw), ""); err != nil {
		t.Fatalf("sub-resource escaped otherwise: %v", err)
	}
}

// A bucket-level request verifies whether its resource was signed with a trailing slash
// (botocore) or without one (minio-go); an object-level one only as sent.
func TestBucketLevelResource(t *testing.T) {
	const date = "Tue, 27 Mar 2007 19:36:42 +0000"
	v := New(testCreds, at(t, date))
	request := func(target, resource string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: s3.example.test\r\nDate: " + date +
			"\r\nAuthorization: AWS " + testAK + ":" + sign("GET\n\n\n"+date+"\n"+resource) + "\r\n\r\n"
	}
	for _, tc := range []struct {
		target, vhost, resource string
		ok                      bool
	}{
		{"/bucket", "", "/bucket", true},
		{"/bucket", "", "/bucket/", true},
		{"/bucket/", "", "/bucket", true},
		{"/bucket/", "", "/bucket/", true},
		{"/bucket?acl", "", "/bucket/?acl", true},
		{"/bucket/?cors", "", "/bucket?cors", true},
		{"/", "bucket", "/bucket/", true},
		{"/", "bucket", "/bucket", true},
		{"/bucket/key", "", "/bucket/key", true},
		{"/bucket/key", "", "/bucket/key/", false},
		{"/bucket/key/", "", "/bucket/key", false},
		{"/bucket%2Fkey", "", "/bucket%2Fkey/", false},
		{"/key", "bucket", "/bucket/key/", false},
		{"/", "", "/", true},
		{"/", "", "//", false},
		{"/bucket", "", "/bucket//", false},
	} {
		_, err := v.verifyAt(wire(t, request(tc.target, tc.resource)), tc.vhost)
		if tc.ok && err != nil || !tc.ok && code(err) != "SignatureDoesNotMatch" {
			t.Errorf("%s (virtual host %q) signed as %s: %v", tc.target, tc.vhost, tc.resource, err)
		}
	}
}

// A sub-resource that botocore leaves out of its canonical resource and minio-go puts in
// (publicAccessBlock, encryption, ...) verifies signed either way; a sub-resource every client
// signs (acl) must still be signed, beside it or alone.
func TestOptionalSubResources(t *testing.T) {
	const date = "Tue, 27 Mar 2007 19:36:42 +0000"
	v := New(testCreds, at(t, date))
	for _, tc := range []struct {
		method, target, resource string
		ok                       bool
	}{
		{"DELETE", "/bucket?publicAccessBlock", "/bucket/", true},                   // boto3, the AWS CLI
		{"DELETE", "/bucket?publicAccessBlock", "/bucket/?publicAccessBlock", true}, // minio-go
		{"GET", "/bucket?encryption", "/bucket/", true},
		{"GET", "/bucket?encryption", "/bucket?encryption", true},
		{"GET", "/bucket/key?retention", "/bucket/key", true},
		{"GET", "/bucket?acl&policyStatus", "/bucket/?acl", true},
		{"GET", "/bucket?acl&policyStatus", "/bucket/?acl&policyStatus", true},
		{"GET", "/bucket?acl&policyStatus", "/bucket/?policyStatus", false},
		{"GET", "/bucket?acl&policyStatus", "/bucket/", false},
		{"GET", "/bucket?acl", "/bucket/", false},
		{"DELETE", "/bucket?publicAccessBlock", "/bucket/?encryption", false},
	} {
		raw := tc.method + " " + tc.target + " HTTP/1.1\r\nHost: s3.example.test\r\nDate: " + date +
			"\r\nAuthorization: AWS " + testAK + ":" + sign(tc.method+"\n\n\n"+date+"\n"+tc.resource) + "\r\n\r\n"
		_, err := v.verifyAt(wire(t, raw), "")
		if tc.ok && err != nil || !tc.ok && code(err) != "SignatureDoesNotMatch" {
			t.Errorf("%s %s signed as %s: %v", tc.method, tc.target, tc.resource, err)
		}
	}
}

// Whatever the request, the echoed string to sign stays within s3err.MaxEcho.
func TestMismatchEchoIsBounded(t *testing.T) {
	const date = "Tue, 27 Mar 2007 19:36:42 +0000"
	raw := "GET /b/k HTTP/1.1\r\nHost: h\r\nDate: " + date + "\r\nX-Amz-Meta-Big: " + strings.Repeat("é", 8<<10) +
		"\r\nAuthorization: AWS " + testAK + ":" + strings.Repeat("A", 8<<10) + "\r\n\r\n"
	_, err := New(testCreds, at(t, date)).verifyAt(wire(t, raw), "")
	var e *s3err.Error
	if !errors.As(err, &e) || e.Code != "SignatureDoesNotMatch" {
		t.Fatalf("%v", err)
	}
	for _, f := range e.Extra {
		if limit := 3 * s3err.MaxEcho; len(f.Value) > limit {
			t.Errorf("%s: %d bytes", f.Name, len(f.Value))
		}
	}
}
