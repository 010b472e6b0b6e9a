package main

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// sseCOverHTTPRefusal is S3's answer to SSE-C over plain HTTP
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html:
// "Amazon S3 rejects any requests made over HTTP when using SSE-C").
const sseCOverHTTPRefusal = "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection."

// An SSE-C write and read over plain HTTP are refused as S3 refuses them, unless serve is
// started with --allow-sse-c-over-http; an SSE-S3 write is served either way, and an SSE-KMS
// write names a key whose ARN is in serve's --region.
func TestServeSSECOverHTTP(t *testing.T) {
	const region = "eu-west-3"
	key := []byte("0123456789abcdef0123456789abcdef")
	sum := md5.Sum(key)
	ssec := http.Header{
		"X-Amz-Server-Side-Encryption-Customer-Algorithm": {"AES256"},
		"X-Amz-Server-Side-Encryption-Customer-Key":       {base64.StdEncoding.EncodeToString(key)},
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5":   {base64.StdEncoding.EncodeToString(sum[:])},
	}
	for _, tc := range []struct {
		name    string
		args    []string
		allowed bool
	}{
		{"by default", nil, false},
		{"with --allow-sse-c-over-http", []string{"--allow-sse-c-over-http"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s3, _ := servedClient(t, append([]string{"--region", region}, tc.args...)...)
			as := s3test.Owner
			s3.Must(t, http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/bkt", As: as, Region: region,
				Body: []byte(`<CreateBucketConfiguration><LocationConstraint>` + region + `</LocationConstraint></CreateBucketConfiguration>`)})
			s3.Must(t, http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/bkt/sse-s3", Body: []byte("x"), As: as, Region: region,
				Header: http.Header{"X-Amz-Server-Side-Encryption": {"AES256"}}})
			res, body := s3.Do(t, s3test.Request{Method: http.MethodPut, Path: "/bkt/sse-kms", Body: []byte("x"), As: as, Region: region,
				Header: http.Header{"X-Amz-Server-Side-Encryption": {"aws:kms"}}})
			if arn := res.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"); res.StatusCode != http.StatusOK ||
				!strings.HasPrefix(arn, "arn:aws:kms:"+region+":") {
				t.Errorf("SSE-KMS PUT: %d, key %q, want an ARN in %s\n%s", res.StatusCode, arn, region, body)
			}
			for _, r := range []s3test.Request{
				{Method: http.MethodPut, Path: "/bkt/sse-c", Body: []byte("x"), As: as, Region: region, Header: ssec},
				{Method: http.MethodGet, Path: "/bkt/sse-c", As: as, Region: region, Header: ssec},
			} {
				res, body := s3.Do(t, r)
				if !tc.allowed {
					s3test.WantError(t, "SSE-C "+r.Method+" over HTTP", res, body, http.StatusBadRequest, "InvalidRequest", sseCOverHTTPRefusal)
				} else if res.StatusCode != http.StatusOK || res.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") != ssec.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") {
					t.Errorf("SSE-C %s over HTTP: %d\n%s", r.Method, res.StatusCode, body)
				}
			}
		})
	}
}
