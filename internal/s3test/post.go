package s3test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"testing"
	"time"
)

// HMACSHA256 is the HMAC-SHA256 of data under key, SigV4's building block.
func HMACSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// SigningKey is a's SigV4 signing key for S3 in Region on the day of at
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
func (a Account) SigningKey(at time.Time) []byte {
	k := HMACSHA256([]byte("AWS4"+a.SecretKey), at.UTC().Format("20060102"))
	for _, part := range []string{Region, "s3", "aws4_request"} {
		k = HMACSHA256(k, part)
	}
	return k
}

// PostPolicy returns the fields of a browser form upload (POST Object) signed with SigV4 by a,
// as AWS documents it: a policy for bucket allowing keys under keyPrefix, image Content-Types
// and files of 1 to maxSize bytes until expires, answering 201, and its signature, the HMAC of
// the base64 policy under the day's signing key
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html).
func PostPolicy(t testing.TB, a Account, bucket, keyPrefix string, maxSize int, expires time.Time) map[string]string {
	t.Helper()
	now := time.Now().UTC()
	credential := a.AccessKey + "/" + now.Format("20060102") + "/" + Region + "/s3/aws4_request"
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
	return map[string]string{
		"policy": b64, "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": credential,
		"x-amz-date": amzDate, "x-amz-signature": hex.EncodeToString(HMACSHA256(a.SigningKey(now), b64)),
		"success_action_status": "201",
	}
}

// postFields are the form fields PostForm sends, in the order browsers send them: the file
// comes last.
var postFields = []string{"key", "Content-Type", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature", "success_action_status"}

// PostForm uploads file as key with a browser form to path (a bucket's), with the Content-Type
// field contentType and the other fields of fields (none for an anonymous upload), from the
// page origin https://app.example.
func (c *Client) PostForm(t testing.TB, path string, fields map[string]string, key, contentType string, file []byte) (*http.Response, []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, name := range postFields {
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
	fw, err := w.CreateFormFile("file", "photo.png")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(file)
	_ = w.Close()
	return c.Do(t, Request{Method: http.MethodPost, Path: path, Body: body.Bytes(), Header: http.Header{
		"Content-Type": {w.FormDataContentType()}, "Origin": {"https://app.example"}}})
}
