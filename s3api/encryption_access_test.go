package s3api_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
)

// pageEncryptionKeys is where AWS lists the encryption actions and condition keys.
const pageEncryptionKeys = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"

// A bucket policy grants the default encryption's operations by s3:GetEncryptionConfiguration
// and s3:PutEncryptionConfiguration, the second deleting it too
// (API_DeleteBucketEncryption.html, "Permissions"); and decides writes by the encryption they
// ask for (s3:x-amz-server-side-encryption, -aws-kms-key-id, -customer-algorithm), the
// request's headers and not the bucket default a write without them gets.
func TestBucketEncryptionActions(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "encacts")
	checkConfigActions(t, srv, "encacts", "encryption", encryptionDoc(byDefault("<SSEAlgorithm>AES256</SSEAlgorithm>")), []actionRow{
		{"s3:GetEncryptionConfiguration reads", "s3:GetEncryptionConfiguration", "GET", 200},
		{"s3:GetEncryptionConfiguration does not put", "s3:GetEncryptionConfiguration", "PUT", 403},
		{"s3:GetEncryptionConfiguration does not delete", "s3:GetEncryptionConfiguration", "DELETE", 403},
		{"s3:PutEncryptionConfiguration puts", "s3:PutEncryptionConfiguration", "PUT", 200},
		{"s3:PutEncryptionConfiguration deletes", "s3:PutEncryptionConfiguration", "DELETE", 204},
		{"s3:PutEncryptionConfiguration does not read", "s3:PutEncryptionConfiguration", "GET", 403},
		{"s3:PutLifecycleConfiguration does not put", "s3:PutLifecycleConfiguration", "PUT", 403},
	})

	// Writes denied unless they ask for a given encryption (ceph/s3-tests'
	// test_bucket_policy_put_obj_s3_noenc, test_encryption_sse_c_deny_algo_with_bucket_policy).
	deny := func(key, value string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::encacts/*"},
			{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::encacts/*","Condition":{"StringNotEquals":{"` + key + `":"` + value + `"}}}]}`
	}
	for _, tc := range []struct {
		name, key, value string
		header           http.Header
		status           int
	}{
		{"no header, SSE-S3 required", "s3:x-amz-server-side-encryption", "AES256", nil, 403},
		{"SSE-S3 asked, SSE-S3 required", "s3:x-amz-server-side-encryption", "AES256", hdr(sseHeader, "AES256"), 200},
		{"SSE-KMS asked, SSE-S3 required", "s3:x-amz-server-side-encryption", "AES256", hdr(sseHeader, "aws:kms"), 403},
		{"the KMS key required", "s3:x-amz-server-side-encryption-aws-kms-key-id", "alias/app", hdr(sseHeader, "aws:kms"), 403},
		{"SSE-C required, none asked", "s3:x-amz-server-side-encryption-customer-algorithm", "AES256", hdr(sseHeader, "AES256"), 403},
		// Past the policy, SSE-C over plain HTTP is refused (TestSSECOverHTTP).
		{"SSE-C required, SSE-C asked", "s3:x-amz-server-side-encryption-customer-algorithm", "AES256", sseC(keyA, keyAMD5), 400},
	} {
		putPolicy(t, srv.Client, s3test.Owner, "encacts", deny(tc.key, tc.value))
		if res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: "/encacts/w", Header: tc.header, Body: []byte("w"), As: teamRoot}); res.StatusCode != tc.status {
			t.Errorf("%s (%s): %d, want %d\n%s", tc.name, pageEncryptionKeys, res.StatusCode, tc.status, body)
		}
	}
}

// A form upload's encryption fields are a PutObject's headers
// (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html), with the same answers:
// the bucket's default without them, SSE-KMS, SSE-C (over plain HTTP only where the server
// allows it), S3's refusals.
func TestPostObjectEncryption(t *testing.T) {
	t.Parallel()
	const b = "postenc"
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::` + b + `/*"}]}`
	post := func(srv *s3test.Server, key string, fields ...string) (*http.Response, []byte) {
		var form bytes.Buffer
		w := multipart.NewWriter(&form)
		_ = w.WriteField("key", key)
		for i := 0; i < len(fields); i += 2 {
			_ = w.WriteField(fields[i], fields[i+1])
		}
		fw, _ := w.CreateFormFile("file", "f.txt")
		_, _ = fw.Write([]byte("form body"))
		_ = w.Close()
		return srv.Do(t, s3test.Request{Method: "POST", Path: "/" + b, Header: http.Header{"Content-Type": {w.FormDataContentType()}}, Body: form.Bytes()})
	}
	ssecFields := []string{"x-amz-server-side-encryption-customer-algorithm", "AES256",
		"x-amz-server-side-encryption-customer-key", keyA, "x-amz-server-side-encryption-customer-key-MD5", keyAMD5}
	for _, allowed := range []bool{true, false} {
		srv := s3test.Start(t, func(c *s3api.Config) { c.AllowSSECOverHTTP = allowed })
		srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/" + b, As: s3test.Owner})
		srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/" + b + "?publicAccessBlock", As: s3test.Owner})
		srv.Must(t, 204, s3test.Request{Method: "PUT", Path: "/" + b + "?policy", Body: []byte(public), As: s3test.Owner})
		tests := []struct {
			key    string
			fields []string
			ssec   bool
			status int
			code   string
			want   map[string]string
		}{
			{"default", nil, false, 204, "", sseResp("AES256", "")},
			{"kms", []string{"x-amz-server-side-encryption", "aws:kms"}, false, 204, "", map[string]string{sseHeader: "aws:kms"}},
			{"dsse", []string{"x-amz-server-side-encryption", "aws:kms:dsse"}, false, 501, "NotImplemented", nil},
			{"bad", []string{"x-amz-server-side-encryption", "AES512"}, false, 400, "InvalidArgument", nil},
			{"badmd5", append(ssecFields[:4:4], "x-amz-server-side-encryption-customer-key-MD5", keyBMD5), true, 400, "InvalidArgument", nil},
			{"ssec", ssecFields, true, 204, "", sseResp("", keyAMD5)},
		}
		for _, tt := range tests {
			if !allowed && tt.ssec {
				tt.status, tt.code, tt.want = 400, "InvalidRequest", nil
			}
			res, body := post(srv, tt.key, tt.fields...)
			if tt.code != "" {
				s3test.WantError(t, tt.key, res, body, tt.status, tt.code, "")
				srv.Must(t, 404, s3test.Request{Method: "HEAD", Path: "/" + b + "/" + tt.key, As: s3test.Owner})
				continue
			}
			if res.StatusCode != tt.status {
				t.Fatalf("%s: %d %s", tt.key, res.StatusCode, body)
			}
			checkHeaders(t, "form upload "+tt.key, res.Header, tt.want)
		}
		if allowed {
			if got := srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/" + b + "/ssec", Header: sseC(keyA, keyAMD5), As: s3test.Owner}); string(got) != "form body" {
				t.Errorf("GET of the SSE-C form upload: %q", got)
			}
		}
	}
}

// The encryption headers are answers' headers like any other: a bucket's CORS configuration
// exposes them to scripts by name.
func TestEncryptionExposedByCORS(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	o := s3test.Owner
	rules := `<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-amz-server-side-encryption</ExposeHeader></CORSRule></CORSConfiguration>`
	origin := http.Header{"Origin": {"https://app.example"}}
	runSteps(t, srv.Client, []accessStep{
		step(pageCreate, o, "PUT", "/corsenc", nil, "", 200, "", ""),
		step(pageGetObject, o, "PUT", "/corsenc?cors", withMD5(rules), rules, 200, "", ""),
		step(pagePutObject, o, "PUT", "/corsenc/k", nil, "x", 200, "", ""),
		withResponse(step(pageGetObject, o, "GET", "/corsenc/k", origin, "", 200, "", ""), "Access-Control-Expose-Headers", "x-amz-server-side-encryption"),
		withResponse(step(pageGetObject, o, "GET", "/corsenc/k", origin, "", 200, "", ""), sseHeader, "AES256"),
	})
}

// A server reads each bucket's stored default encryption when it starts: one put before
// answers GetBucketEncryption and encrypts writes after; one that no longer parses stops the
// start with an error naming the bucket, rather than encrypting otherwise than asked.
func TestStoredEncryption(t *testing.T) {
	t.Parallel()
	store, start := reopenable(t)
	first, err := start(false)
	if err != nil {
		t.Fatal(err)
	}
	doc := encryptionDoc(byDefault("<SSEAlgorithm>aws:kms</SSEAlgorithm>"))
	first.Must(t, 200, s3test.Request{Method: "PUT", Path: "/kept", As: s3test.Owner})
	first.Must(t, 200, s3test.Request{Method: "PUT", Path: "/kept?encryption", Body: []byte(doc), Header: hdr("Content-Md5", s3test.MD5Base64([]byte(doc))), As: s3test.Owner})

	again, err := start(false)
	if err != nil {
		t.Fatal(err)
	}
	if body := again.Must(t, 200, s3test.Request{Method: "GET", Path: "/kept?encryption", As: s3test.Owner}); !strings.Contains(string(body), "<SSEAlgorithm>aws:kms</SSEAlgorithm>") {
		t.Errorf("GetBucketEncryption after a restart: %s", body)
	}
	if res, _ := again.Do(t, s3test.Request{Method: "PUT", Path: "/kept/k", Body: []byte("k"), As: s3test.Owner}); res.Header.Get(sseHeader) != "aws:kms" {
		t.Errorf("PutObject after a restart: x-amz-server-side-encryption %q", res.Header.Get(sseHeader))
	}

	if err := store.PutBucketConfig(context.Background(), "kept", "encryption", []byte("<ServerSideEncryptionConfiguration><Rule>")); err != nil {
		t.Fatal(err)
	}
	if _, err := start(false); err == nil || !strings.Contains(err.Error(), "bucket kept: stored encryption configuration") {
		t.Errorf("a start with a damaged configuration: %v", err)
	}
}
