package integration

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signedPostForm builds the fields of a browser form upload signed with SigV4 by the access
// key ak (secret sk), as AWS documents: the signature is the HMAC of the base64 policy under the
// day's signing key.
func signedPostForm(t testing.TB, ak, sk, bucket, keyPrefix string, maxSize int, expires time.Time) map[string]string {
	t.Helper()
	now := time.Now().UTC()
	date := now.Format("20060102")
	credential := ak + "/" + date + "/" + region + "/s3/aws4_request"
	amzDate := now.Format("20060102T150405Z")
	policy, err := json.Marshal(map[string]any{
		"expiration": expires.UTC().Format("2006-01-02T15:04:05.000Z"),
		"conditions": []any{
			map[string]string{"bucket": bucket},
			[]any{"starts-with", "$key", keyPrefix},
			[]any{"starts-with", "$Content-Type", "image/"},
			[]any{"content-length-range", 1, maxSize},
			map[string]string{"success_action_status": "201"},
			map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256"},
			map[string]string{"x-amz-credential": credential},
			map[string]string{"x-amz-date": amzDate},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(policy)
	k := hmacSHA256([]byte("AWS4"+sk), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, "s3")
	k = hmacSHA256(k, "aws4_request")
	return map[string]string{
		"policy": b64, "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": credential,
		"x-amz-date": amzDate, "x-amz-signature": hex.EncodeToString(hmacSHA256(k, b64)),
		"success_action_status": "201",
	}
}

func postForm(t testing.TB, url string, fields map[string]string, key, contentType string, file []byte) (*http.Response, []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, name := range []string{"key", "Content-Type", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature", "success_action_status"} {
		v, ok := fields[name]
		switch name {
		case "key":
			v, ok = key, true
		case "Content-Type":
			v, ok = contentType, true
		}
		if ok {
			_ = w.WriteField(name, v)
		}
	}
	fw, _ := w.CreateFormFile("file", "photo.png")
	fw.Write(file)
	w.Close()
	req, _ := http.NewRequest("POST", url, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", "https://app.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// A browser form upload (POST Object) with a signed policy: stored when the policy allows it,
// refused with AWS's errors when it does not.
func TestPostObjectForm(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	bucket := srv.createBucket(t, "form-bucket")
	putCORS(t, c, bucket, `{"CORSRules":[{"AllowedMethods":["POST"],"AllowedOrigins":["https://app.example"],"ExposeHeaders":["ETag","Location"]}]}`)
	fields := signedPostForm(t, accessKey, secretKey, bucket, "uploads/", 1024, time.Now().Add(time.Hour))
	png := []byte("\x89PNG fake image bytes")

	res, body := postForm(t, srv.URL+"/"+bucket, fields, "uploads/a.png", "image/png", png)
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
		{"expired policy", "uploads/c.png", "image/png", png, signedPostForm(t, accessKey, secretKey, bucket, "uploads/", 1024, time.Now().Add(-time.Minute)), 403, "AccessDenied"},
		{"forged signature", "uploads/d.png", "image/png", png, func() map[string]string {
			f := signedPostForm(t, accessKey, secretKey, bucket, "uploads/", 1024, time.Now().Add(time.Hour))
			f["x-amz-signature"] = "0000000000000000000000000000000000000000000000000000000000000000"
			return f
		}(), 403, "SignatureDoesNotMatch"},
	} {
		res, body := postForm(t, srv.URL+"/"+bucket, tc.fields, tc.key, tc.contentType, tc.file)
		if e := parseError(t, body); res.StatusCode != tc.status || e.Code != tc.code {
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
	req := rawRequest{method: http.MethodPost, path: "/" + bucket, header: http.Header{"Content-Type": {ct}},
		body: other, ak: accessKey, sk: secretKey, payloadHash: sha256Hex(signed)}
	res, body := srv.raw(t, req)
	wantS3Error(t, "another form", res, body, 400, "XAmzContentSHA256Mismatch", "")
	if _, err := srv.client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")}); err == nil {
		t.Fatal("the other form's file was stored")
	}

	req.body = signed
	if res, body := srv.raw(t, req); res.StatusCode != http.StatusNoContent {
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
