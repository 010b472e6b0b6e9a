package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Requests that try to get more out of a signature than it covers, or to make the server work
// for nothing, against a real server.
func TestAuthAttacks(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	b := srv.createBucket(t, "auth-attacks")
	putBytes(t, c, b, "page.txt", []byte("plain text"))

	// Credentials scoped to another region are refused before the signature is looked at.
	t.Run("WrongRegion", func(t *testing.T) {
		t.Parallel()
		req, err := http.NewRequest("GET", srv.URL+"/"+b+"/page.txt", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}, req, sha256Hex(nil), "s3", "us-west-2", time.Now()); err != nil {
			t.Fatal(err)
		}
		res, body := roundTrip(t, http.DefaultClient, req)
		if e := wantS3Error(t, "header signed for us-west-2", res, body, 400, "AuthorizationHeaderMalformed",
			"The authorization header is malformed; the region 'us-west-2' is wrong; expecting 'us-east-1'"); e.Region != "us-east-1" {
			t.Errorf("Region %q, want us-east-1", e.Region)
		}

		west := s3.NewPresignClient(s3.New(srv.client().Options(), func(o *s3.Options) { o.Region = "eu-west-1" }))
		p, err := west.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("page.txt")})
		if err != nil {
			t.Fatal(err)
		}
		res, body = httpDo(t, http.DefaultClient, "GET", p.URL, p.SignedHeader, nil)
		if e := wantS3Error(t, "URL presigned for eu-west-1", res, body, 400, "AuthorizationQueryParametersError",
			"Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'"); e.Region != "us-east-1" {
			t.Errorf("Region %q, want us-east-1", e.Region)
		}
	})

}
