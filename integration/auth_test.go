package integration

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// maxErrorBody is the most an error answer may weigh, whatever the request: an error body
// must never amplify what an unauthenticated client sends.
const maxErrorBody = 32 << 10

// Requests that try to get more out of a signature than it covers, or to make the server work
// for nothing, against a real server.
func TestAuthAttacks(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	b := srv.createACLBucket(t, "auth-attacks")
	putBytes(t, c, b, "page.txt", []byte("plain text"))

	// A SigV2 presigned URL signs the sub-resources it names and nothing else: a sub-resource
	// added with a percent-encoded name is one the router acts on, so it must be signed too.
	t.Run("SigV2EncodedSubResources", func(t *testing.T) {
		t.Parallel()
		// presigned is a SigV2 presigned URL of method on path, with extra added to its query
		// after signing.
		presigned := func(method, path, extra string) s3test.Request {
			return s3test.Request{Method: method, Path: path, As: s3test.Owner, Auth: s3test.SigV2Query, Expires: 5 * time.Minute,
				Tamper: func(req *http.Request) { req.URL.RawQuery += extra }}
		}
		get, list := "/"+b+"/page.txt", "/"+b
		res, body := srv.Do(t, presigned("GET", get, ""))
		if res.StatusCode != 200 || string(body) != "plain text" {
			t.Fatalf("the presigned GET itself: %d %s", res.StatusCode, body)
		}
		if res, body := srv.Do(t, presigned("GET", list, "")); res.StatusCode != 200 {
			t.Fatalf("the presigned listing itself: %d %s", res.StatusCode, body)
		}
		for _, tc := range []struct{ name, path, extra string }{
			{"response-content-type", get, "&%72esponse-content-type=text/html"},
			{"response-content-type, name half encoded", get, "&response-content-%74ype=text/html"},
			{"acl", get, "&%61cl"},
			{"cors", list, "&%63ors"},
			{"acl on the bucket", list, "&%61cl="},
			{"versionId", get, "&%76ersionId=null"},
		} {
			res, body := srv.Do(t, presigned("GET", tc.path, tc.extra))
			s3test.WantError(t, tc.name, res, body, 403, "SignatureDoesNotMatch", "")
			if strings.Contains(res.Header.Get("Content-Type"), "html") {
				t.Errorf("%s: served as %s", tc.name, res.Header.Get("Content-Type"))
			}
		}

		// A DeleteObject URL does not abort a multipart upload of the same key.
		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
		if err != nil {
			t.Fatal(err)
		}
		res, body = srv.Do(t, presigned("DELETE", "/"+b+"/mp", "&%75ploadId="+aws.ToString(up.UploadId)))
		s3test.WantError(t, "DeleteObject URL with an encoded uploadId", res, body, 403, "SignatureDoesNotMatch", "")
		if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId}); err != nil {
			t.Errorf("the upload is gone: %v", err)
		}
		// Signed as AbortMultipartUpload, the same request aborts it.
		if res, body := srv.Do(t, presigned("DELETE", "/"+b+"/mp?uploadId="+aws.ToString(up.UploadId), "")); res.StatusCode != 204 {
			t.Errorf("signed AbortMultipartUpload: %d %s", res.StatusCode, body)
		}
	})

	// Credentials scoped to another region are refused before the signature is looked at.
	t.Run("WrongRegion", func(t *testing.T) {
		t.Parallel()
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/" + b + "/page.txt", As: s3test.Owner, Region: "us-west-2"})
		if e := s3test.WantError(t, "header signed for us-west-2", res, body, 400, "AuthorizationHeaderMalformed",
			"The authorization header is malformed; the region 'us-west-2' is wrong; expecting 'us-east-1'"); e.Region != "us-east-1" {
			t.Errorf("Region %q, want us-east-1", e.Region)
		}

		west := s3.NewPresignClient(s3.New(srv.client().Options(), func(o *s3.Options) { o.Region = "eu-west-1" }))
		p, err := west.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("page.txt")})
		if err != nil {
			t.Fatal(err)
		}
		res, body = srv.Do(t, s3test.Request{Method: "GET", URL: p.URL, Header: p.SignedHeader})
		if e := s3test.WantError(t, "URL presigned for eu-west-1", res, body, 400, "AuthorizationQueryParametersError",
			"Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'"); e.Region != "us-east-1" {
			t.Errorf("Region %q, want us-east-1", e.Region)
		}
	})

	// Only the two AWS schemes authenticate; any other Authorization header is refused, not
	// taken for an anonymous request.
	t.Run("UnsupportedAuthorization", func(t *testing.T) {
		t.Parallel()
		if _, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String(b), Key: aws.String("page.txt"), ACL: "public-read"}); err != nil {
			t.Fatal(err)
		}
		for _, authz := range []string{
			"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
			"AWS4-ECDSA-P256-SHA256 Credential=" + accessKey + "/20261130/s3/aws4_request, SignedHeaders=host, Signature=3045",
			"AWS4-HMAC-SHA25 Credential=x",
			"Basic dXNlcjpwYXNz",
		} {
			res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/" + b + "/page.txt", Header: http.Header{"Authorization": {authz}}})
			e := s3test.WantError(t, authz, res, body, 400, "InvalidArgument", "Unsupported Authorization Type")
			if e.ArgumentName != "Authorization" || e.ArgumentValue != authz {
				t.Errorf("%s: ArgumentName %q ArgumentValue %q", authz, e.ArgumentName, e.ArgumentValue)
			}
		}
		// A presigned URL of another algorithm than SigV4's is refused too.
		pc := s3.NewPresignClient(c)
		p, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("page.txt")})
		if err != nil {
			t.Fatal(err)
		}
		res, body := srv.Do(t, s3test.Request{Method: "GET", URL: strings.Replace(p.URL, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", 1), Header: p.SignedHeader})
		s3test.WantError(t, "SigV4a presigned URL", res, body, 400, "AuthorizationQueryParametersError",
			`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256"`)
		// The public object stays readable anonymously.
		if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/" + b + "/page.txt"}); res.StatusCode != 200 {
			t.Errorf("anonymous GET of a public-read object: %d %s", res.StatusCode, body)
		}
	})

	// A made-up signature needs only a known access key id. Whatever the size of the request,
	// the answer stays small, and a request head over S3's 8 KiB is refused before any
	// signature work.
	t.Run("CostAmplification", func(t *testing.T) {
		t.Parallel()
		now := time.Now().UTC()
		forged := "/" + b + "/page.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + accessKey + "%2F" + now.Format("20060102") +
			"%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=" + now.Format("20060102T150405Z") +
			"&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("0", 64) + "&x="
		for _, tc := range []struct {
			name    string
			padding string
			status  int
			code    string
		}{
			// Just under the limit, with characters the canonical request escapes (3 bytes each).
			{"7 KiB query", strings.Repeat("!", 7<<10), 403, "SignatureDoesNotMatch"},
			{"9 KiB query", strings.Repeat("a", 9<<10), 400, "RequestHeaderSectionTooLarge"},
		} {
			res, body := srv.Do(t, s3test.Request{Method: "GET", Path: forged + tc.padding})
			if len(body) > maxErrorBody {
				t.Errorf("%s: a %d-byte answer", tc.name, len(body))
			}
			e := s3test.WantError(t, tc.name, res, body, tc.status, tc.code, "")
			if tc.code == "RequestHeaderSectionTooLarge" && e.MaxSizeAllowed != "8192" {
				t.Errorf("%s: MaxSizeAllowed %q", tc.name, e.MaxSizeAllowed)
			}
		}
		// Far over the limit, the HTTP server stops reading: a bare 431, or the connection
		// closed while the client is still writing.
		req, err := http.NewRequest("GET", srv.URL+forged+strings.Repeat("!", 1<<20), nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Logf("1 MiB query: %v", err)
		} else {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
			res.Body.Close()
			if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || len(body) > maxErrorBody {
				t.Errorf("1 MiB query: %d and a %d-byte answer", res.StatusCode, len(body))
			}
		}
		// A signed request with a long key and query but a head under 8 KiB still works.
		key := strings.Repeat("k", 1024)
		putBytes(t, c, b, key, []byte("long"))
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/" + b + "/" + key + "?response-content-disposition=" + strings.Repeat("d", 4<<10),
			As: s3test.Owner})
		if res.StatusCode != 200 || !bytes.Equal(body, []byte("long")) {
			t.Errorf("signed GET with a 5 KiB request line: %d %s", res.StatusCode, body)
		}
	})
}
