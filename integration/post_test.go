package integration

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// A browser form upload (POST Object) with a signed policy: stored when the policy allows it,
// refused with AWS's errors when it does not.
func TestPostObjectForm(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	bucket := srv.createBucket(t, "form-bucket")
	putCORS(t, c, bucket, `{"CORSRules":[{"AllowedMethods":["POST"],"AllowedOrigins":["https://app.example"],"ExposeHeaders":["ETag","Location"]}]}`)
	fields := s3test.PostPolicy(t, s3test.Owner, bucket, "uploads/", 1024, time.Now().Add(time.Hour))
	png := []byte("\x89PNG fake image bytes")

	res, body := srv.PostForm(t, "/"+bucket, fields, "uploads/a.png", "image/png", png)
	if res.StatusCode != 201 || !bytes.Contains(body, []byte("<Key>uploads/a.png</Key>")) || res.Header.Get("Etag") == "" ||
		res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || res.Header.Get("Access-Control-Expose-Headers") != "ETag, Location" {
		t.Fatalf("upload: %d %v\n%s", res.StatusCode, res.Header, body)
	}
	got, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("uploads/a.png")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	if !bytes.Equal(data, png) || aws.ToString(got.ContentType) != "image/png" {
		t.Fatalf("stored %q as %s", data, aws.ToString(got.ContentType))
	}

	for _, tc := range []struct {
		name, key, contentType string
		file                   []byte
		fields                 map[string]string
		status                 int
		code                   string
	}{
		{"key outside the policy", "other/a.png", "image/png", png, fields, 403, "AccessDenied"},
		{"content type outside the policy", "uploads/b.txt", "text/plain", png, fields, 403, "AccessDenied"},
		{"file over content-length-range", "uploads/big.png", "image/png", bytes.Repeat([]byte("x"), 2048), fields, 400, "EntityTooLarge"},
		{"expired policy", "uploads/c.png", "image/png", png, s3test.PostPolicy(t, s3test.Owner, bucket, "uploads/", 1024, time.Now().Add(-time.Minute)), 403, "AccessDenied"},
		{"forged signature", "uploads/d.png", "image/png", png, func() map[string]string {
			f := s3test.PostPolicy(t, s3test.Owner, bucket, "uploads/", 1024, time.Now().Add(time.Hour))
			f["x-amz-signature"] = "0000000000000000000000000000000000000000000000000000000000000000"
			return f
		}(), 403, "SignatureDoesNotMatch"},
	} {
		res, body := srv.PostForm(t, "/"+bucket, tc.fields, tc.key, tc.contentType, tc.file)
		if e := s3test.ParseError(t, body); res.StatusCode != tc.status || e.Code != tc.code {
			t.Errorf("%s: %d %s; want %d %s\n%s", tc.name, res.StatusCode, e.Code, tc.status, tc.code, body)
		}
		if _, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(tc.key)}); err == nil {
			t.Errorf("%s: the object was stored", tc.name)
		}
	}
}

// formBody is a form upload of file under key, with a fixed boundary.
func formBody(t *testing.T, key string, file []byte) (contentType string, body []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary("doorman-form-boundary"); err != nil {
		t.Fatal(err)
	}
	_ = w.WriteField("key", key)
	fw, _ := w.CreateFormFile("file", "f.txt")
	fw.Write(file)
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// A form upload signed in its headers is read through the payload hash it was signed with:
// another form of the same length sent under that signature is refused and stores nothing.
func TestSignedPostFormBodyIsVerified(t *testing.T) {
	srv := startServer(t, "")
	bucket := srv.createBucket(t, "signed-form")
	ct, signed := formBody(t, "k", []byte("the signed file"))
	_, other := formBody(t, "k", []byte("another file!!!"))
	if len(other) != len(signed) {
		t.Fatal("the forms differ in length")
	}
	req := s3test.Request{Method: http.MethodPost, Path: "/" + bucket, Header: http.Header{"Content-Type": {ct}},
		Body: other, As: s3test.Owner, PayloadHash: s3test.SHA256Hex(signed)}
	res, body := srv.Do(t, req)
	s3test.WantError(t, "another form", res, body, 400, "XAmzContentSHA256Mismatch", "")
	if _, err := srv.client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")}); err == nil {
		t.Fatal("the other form's file was stored")
	}

	req.Body = signed
	if res, body := srv.Do(t, req); res.StatusCode != http.StatusNoContent {
		t.Fatalf("the signed form: %d\n%s", res.StatusCode, body)
	}
	got, err := srv.client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(data) != "the signed file" {
		t.Fatalf("stored %q", data)
	}
}
