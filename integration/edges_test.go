package integration

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// Edge cases where a careless answer would lose data or leak it.
func TestObjectEdges(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	bucket := srv.createACLBucket(t, "edges-bucket")
	put := func(key string, body string, in *s3.PutObjectInput) {
		if in == nil {
			in = &s3.PutObjectInput{}
		}
		in.Bucket, in.Key, in.Body = aws.String(bucket), aws.String(key), bytes.NewReader([]byte(body))
		if _, err := c.PutObject(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(key string) bool {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		return err == nil
	}

	t.Run("a version other than null touches nothing", func(t *testing.T) {
		put("keep", "data", nil)
		res, body := srv.Do(t, s3test.Request{Method: "DELETE", Path: "/" + bucket + "/keep?versionId=abc", As: s3test.Owner})
		if e := s3test.ParseError(t, body); res.StatusCode != 400 || e.Code != "InvalidArgument" || e.Message != "Invalid version id specified" {
			t.Fatalf("DELETE ?versionId=abc: %d %+v", res.StatusCode, e)
		}
		out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{
			Objects: []types.ObjectIdentifier{{Key: aws.String("keep"), VersionId: aws.String("abc")}}}})
		if err != nil || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Code) != "NoSuchVersion" {
			t.Fatalf("DeleteObjects with a version: %v %+v", err, out)
		}
		if !exists("keep") {
			t.Fatal("the current object was deleted")
		}
		if res, _ := srv.Do(t, s3test.Request{Method: "DELETE", Path: "/" + bucket + "/keep?versionId=null", As: s3test.Owner}); res.StatusCode != 204 || exists("keep") {
			t.Fatalf("versionId=null names the object: %d", res.StatusCode)
		}
	})

	t.Run("416 carries no object headers", func(t *testing.T) {
		put("gz", "zzz", &s3.PutObjectInput{ContentEncoding: aws.String("gzip"), Metadata: map[string]string{"secret": "x"}})
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/" + bucket + "/gz", Header: http.Header{"Range": {"bytes=10-"}}, As: s3test.Owner})
		if e := s3test.ParseError(t, body); res.StatusCode != 416 || e.Code != "InvalidRange" {
			t.Fatalf("%d %+v", res.StatusCode, e)
		}
		for _, h := range []string{"Content-Encoding", "Etag", "Last-Modified", "X-Amz-Meta-Secret"} {
			if res.Header.Get(h) != "" {
				t.Errorf("the error carries the object's %s", h)
			}
		}
	})

	t.Run("a copy does not reveal keys of buckets the caller cannot list", func(t *testing.T) {
		// Another account's public-read-write bucket: writable, but not listable by us.
		other := srv.createBucket(t, "edges-dest")
		srv.Do(t, s3test.Request{Method: "PUT", Path: "/" + other + "?acl", Header: http.Header{"X-Amz-Acl": {"public-read-write"}}, As: s3test.Owner})
		res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: "/" + other + "/copy", Header: http.Header{"X-Amz-Copy-Source": {"/" + bucket + "/no-such-key"}}})
		if e := s3test.ParseError(t, body); res.StatusCode != 403 || e.Code != "AccessDenied" {
			t.Fatalf("anonymous copy from a private bucket's missing key: %d %+v", res.StatusCode, e)
		}
	})

	t.Run("virtual-hosted names ignore the host's case, and the health path is a key there", func(t *testing.T) {
		put("_doorman/health", "my object", &s3.PutObjectInput{ACL: types.ObjectCannedACLPublicRead})
		_, port, _ := net.SplitHostPort(srv.Addr)
		hc := loopbackClient(srv.Addr)
		res, err := hc.Get("http://EDGES-Bucket.S3.localhost:" + port + "/_doorman/health")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(b) != "my object" {
			t.Fatalf("%d %q", res.StatusCode, b)
		}
	})
}
