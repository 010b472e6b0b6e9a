package integration

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// loopbackClient sends every request to addr whatever the host name, as a resolver mapping
// *.s3.localhost to 127.0.0.1 would.
func loopbackClient(addr string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
}

// Virtual-hosted addressing (BUCKET.s3.localhost:PORT) works for the SDK, for preflights and
// for anonymous reads, and names the same bucket as path-style addressing.
func TestVirtualHostedAddressing(t *testing.T) {
	srv := startServer(t, "", "--domain", "s3.localhost")
	_, port, _ := net.SplitHostPort(srv.Addr)
	hc := loopbackClient(srv.Addr)
	vc := s3.New(s3.Options{Region: region, BaseEndpoint: aws.String("http://s3.localhost:" + port), HTTPClient: hc,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")})
	ctx := context.Background()
	createACLBucket(t, vc, "vhost-bucket", "")
	if _, err := vc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("dir/a b.txt"),
		Body: bytes.NewReader([]byte("hello")), ACL: "public-read"}); err != nil {
		t.Fatal(err)
	}
	putCORS(t, vc, "vhost-bucket", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://app.localhost:8080"]}]}`)

	// The same object through path-style addressing.
	out, err := srv.client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("dir/a b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(out.Body); string(b) != "hello" {
		t.Fatalf("path-style read %q", b)
	}
	// A browser's anonymous GET and preflight on the virtual host.
	req, _ := http.NewRequest("GET", "http://vhost-bucket.s3.localhost:"+port+"/dir/a%20b.txt", nil)
	req.Header.Set("Origin", "http://app.localhost:8080")
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "hello" || res.Header.Get("Access-Control-Allow-Origin") != "http://app.localhost:8080" {
		t.Fatalf("virtual-hosted GET: %d %q %v", res.StatusCode, b, res.Header)
	}
	req, _ = http.NewRequest("OPTIONS", "http://vhost-bucket.s3.localhost:"+port+"/", nil)
	req.Header.Set("Origin", "http://app.localhost:8080")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	res, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 403 || !strings.Contains(string(b), "<Method>PUT</Method><ResourceType>BUCKET</ResourceType>") {
		t.Fatalf("virtual-hosted preflight of the bucket: %d %s", res.StatusCode, b)
	}
}

// Operations doorman does not implement answer 501 NotImplemented, never a wrong success.
func TestUnsupportedOperations(t *testing.T) {
	srv := startServer(t, "")
	bucket := srv.createBucket(t, "unsupported-bucket")
	for _, tc := range []struct{ method, path string }{
		{"GET", "/" + bucket + "?website"},
		{"PUT", "/" + bucket + "?replication"},
		{"GET", "/" + bucket + "?logging"},
		{"PUT", "/" + bucket + "?intelligent-tiering"},
		{"POST", "/" + bucket + "/k?restore"},
		{"PATCH", "/" + bucket + "/k"},
	} {
		res, body := srv.Do(t, s3test.Request{Method: tc.method, Path: tc.path, As: s3test.Owner})
		if e := s3test.ParseError(t, body); res.StatusCode != 501 || e.Code != "NotImplemented" {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, res.StatusCode, e.Code)
		}
	}
}

// A continuation token doorman did not issue is refused, as S3 refuses it.
func TestForeignContinuationToken(t *testing.T) {
	srv := startServer(t, "")
	bucket := srv.createBucket(t, "token-bucket")
	for _, tok := range []string{"garbage", "Z2FyYmFnZQ", "not base64!"} {
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/" + bucket + "?list-type=2&continuation-token=" + url.QueryEscape(tok), As: s3test.Owner})
		if e := s3test.ParseError(t, body); res.StatusCode != 400 || e.Code != "InvalidArgument" || e.Message != "The continuation token provided is incorrect" {
			t.Errorf("token %q: %d %+v", tok, res.StatusCode, e)
		}
	}
}
