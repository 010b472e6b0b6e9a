package s3api_test

import (
	"crypto/md5"
	"encoding/base64"
	"hash/crc32"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
)

// The AWS pages and records the encryption rows follow.
const (
	pageSSEC          = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html"
	pageSpecifySSEC   = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html"
	pageDefaultFAQ    = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html"
	pagePutEncryption = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html"
	pageGetEncryption = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html"
	pageDelEncryption = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketEncryption.html"
	pageUploadPartSSE = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html"
	pageCopySSE       = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"
	snapshotSSEC      = "localstack tests/aws/services/s3/test_s3.snapshot.json, the SSE-C tests"
	snapshotSSEKMS    = "localstack tests/aws/services/s3/test_s3.snapshot.json test_s3_sse_validate_kms_key"
	snapshotBucketEnc = "localstack tests/aws/services/s3/test_s3.snapshot.json test_s3_default_bucket_encryption_exc"
	s3testsEncryption = "ceph/s3-tests s3tests/functional/test_s3.py test_encryption_*, test_put_obj_enc_conflict_*"
)

// The SSE-C keys of ceph/s3-tests, base64, with the base64 MD5 of each.
const (
	keyA    = "pO3upElrwuEXSoFwCfnZPdSsmt/xWeFa0N9KgDijwVs="
	keyAMD5 = "DWygnHRtgiJ77HCm+1rvHw=="
	keyB    = "6b+WOZ1T3cqZMxgThRcXAQBrS5mXKdDUphvpxptl9/4="
	keyBMD5 = "arxBvwY2V4SiOne6yppVPQ=="
)

// The SSE-C headers, and the copy source's.
const (
	sseCAlg     = "X-Amz-Server-Side-Encryption-Customer-Algorithm"
	sseCKey     = "X-Amz-Server-Side-Encryption-Customer-Key"
	sseCMD5     = "X-Amz-Server-Side-Encryption-Customer-Key-Md5"
	copySSECAlg = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm"
	copySSECKey = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key"
	copySSECMD5 = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-Md5"
	sseHeader   = "X-Amz-Server-Side-Encryption"
	sseKMSKeyID = "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"
	sseContext  = "X-Amz-Server-Side-Encryption-Context"
	sseBucket   = "X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"
)

// sseC is h with an SSE-C key's three headers, kv more headers.
func sseC(key, sum string, kv ...string) http.Header {
	return hdr(append([]string{sseCAlg, "AES256", sseCKey, key, sseCMD5, sum}, kv...)...)
}

// copySSEC is the copy source's SSE-C headers of key, kv more headers.
func copySSEC(key, sum string, kv ...string) http.Header {
	return hdr(append([]string{copySSECAlg, "AES256", copySSECKey, key, copySSECMD5, sum}, kv...)...)
}

// b64 is the base64 of s, and b64MD5 the base64 MD5 of the bytes b64 decodes to.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func b64MD5(s string) string {
	raw, _ := base64.StdEncoding.DecodeString(s)
	sum := md5.Sum(raw)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// allowSSEC lets the test servers take SSE-C over plain HTTP.
func allowSSEC(c *s3api.Config) { c.AllowSSECOverHTTP = true }

// sseResp are the encryption headers an answer must carry: algorithm (x-amz-server-side-
// encryption) and the SSE-C echo ("" for absent).
func sseResp(algorithm, customerMD5 string) map[string]string {
	m := map[string]string{sseHeader: algorithm, sseCMD5: customerMD5, sseCAlg: ""}
	if customerMD5 != "" {
		m[sseCAlg] = "AES256"
	}
	return m
}

// Every invalid combination of encryption headers, answered before anything is stored, in
// S3's words; all on a server that takes SSE-C over HTTP.
func TestEncryptionHeaderErrors(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, allowSSEC)
	short := b64(strings.Repeat("k", 16))
	const (
		notSupported = "<Message>The encryption method specified is not supported</Message><ArgumentName>x-amz-server-side-encryption</ArgumentName>"
		requiresKMS  = "<Message>Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms</Message>"
		badContext   = "<Message>The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map</Message>"
	)
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/hdrs", status: 200},
		{page: pageCreate, method: "PUT", path: "/hdrs/plain", body: "x", status: 200},
		// x-amz-server-side-encryption and the SSE-KMS headers.
		{page: s3testsEncryption + " test_put_obj_enc_conflict_bad_enc_kms", method: "PUT", path: "/hdrs/k", header: hdr(sseHeader, "aes:kms"), body: "x",
			status: 400, code: "InvalidArgument", want: []string{notSupported, "<ArgumentValue>aes:kms</ArgumentValue>"}},
		{page: "aws/aws-sdk-cpp#1771", method: "PUT", path: "/hdrs/k", header: http.Header{sseHeader: {""}}, body: "x",
			status: 400, code: "InvalidArgument", want: []string{notSupported, "<ArgumentValue></ArgumentValue>"}},
		{page: pageDefaultFAQ, method: "PUT", path: "/hdrs/k", header: hdr(sseHeader, "aws:kms:dsse"), body: "x",
			status: 501, code: "NotImplemented", want: []string{"<Header>X-Amz-Server-Side-Encryption</Header>"}},
		{page: s3testsEncryption + " test_put_obj_enc_conflict_s3_kms", method: "PUT", path: "/hdrs/k", header: hdr(sseHeader, "AES256", sseKMSKeyID, "k1"), body: "x",
			status: 400, code: "InvalidArgument", want: []string{requiresKMS}},
		{page: s3testsEncryption + " test_sse_kms_not_declared", method: "PUT", path: "/hdrs/k", header: hdr(sseKMSKeyID, "k1"), body: "x",
			status: 400, code: "InvalidArgument", want: []string{requiresKMS}},
		{page: pageSpecifySSEC, method: "PUT", path: "/hdrs/k", header: hdr(sseContext, b64(`{"a":"b"}`)), body: "x",
			status: 400, code: "InvalidArgument", want: []string{requiresKMS}},
		{page: "HADOOP-19197", method: "PUT", path: "/hdrs/k", header: hdr(sseHeader, "aws:kms", sseContext, "not base64!"), body: "x",
			status: 400, code: "InvalidArgument", want: []string{badContext}},
		{page: "HADOOP-19197", method: "PUT", path: "/hdrs/k", header: hdr(sseHeader, "aws:kms", sseContext, b64(`{"a":1}`)), body: "x",
			status: 400, code: "InvalidArgument", want: []string{badContext}},
		{page: "HADOOP-19197", method: "PUT", path: "/hdrs/k", header: hdr(sseHeader, "aws:kms", sseContext, b64(`["a"]`)), body: "x",
			status: 400, code: "InvalidArgument", want: []string{badContext}},
		{page: pageSpecifySSEC, method: "PUT", path: "/hdrs/k", header: hdr(sseHeader, "aws:kms", sseBucket, "maybe"), body: "x",
			status: 400, code: "InvalidArgument", want: []string{"<ArgumentName>x-amz-server-side-encryption-bucket-key-enabled</ArgumentName><ArgumentValue>maybe</ArgumentValue>"}},

		// SSE-C's headers, in the order S3 checks them.
		{page: s3testsEncryption + " test_put_obj_enc_conflict_c_kms", method: "PUT", path: "/hdrs/k", header: sseC(keyA, keyAMD5, sseHeader, "aws:kms"), body: "x",
			status: 400, code: "InvalidArgument", want: []string{"<Message>Server Side Encryption with Customer provided key is incompatible with the encryption method specified</Message>",
				"<ArgumentName>x-amz-server-side-encryption</ArgumentName><ArgumentValue>aws:kms</ArgumentValue>"}},
		{page: s3testsEncryption + " test_encryption_key_no_sse_c", method: "PUT", path: "/hdrs/k", header: hdr(sseCKey, keyA, sseCMD5, keyAMD5), body: "x",
			status: 400, code: "InvalidArgument", want: []string{"<Message>Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.</Message>",
				"<ArgumentName>x-amz-server-side-encryption</ArgumentName><ArgumentValue>null</ArgumentValue>"}},
		{page: snapshotSSEC, method: "PUT", path: "/hdrs/k", header: hdr(sseCAlg, "AES512", sseCKey, keyA, sseCMD5, keyAMD5), body: "x",
			status: 400, code: "InvalidEncryptionAlgorithmError", want: []string{"<Message>The Encryption request you specified is not valid. Supported value: AES256.</Message>",
				"<ArgumentName>x-amz-server-side-encryption</ArgumentName><ArgumentValue>AES512</ArgumentValue>"}},
		{page: s3testsEncryption + " test_encryption_sse_c_no_key", method: "PUT", path: "/hdrs/k", header: hdr(sseCAlg, "AES256"), body: "x",
			status: 400, code: "InvalidArgument", want: []string{"<Message>Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.</Message>"}},
		{page: s3testsEncryption + " test_encryption_sse_c_no_md5", method: "PUT", path: "/hdrs/k", header: hdr(sseCAlg, "AES256", sseCKey, keyA), body: "x",
			status: 400, code: "InvalidArgument", want: []string{"<Message>Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.</Message>"}},
		{page: s3testsEncryption + " test_encryption_sse_c_invalid_md5", method: "PUT", path: "/hdrs/k", header: sseC(keyA, "AAAAAAAAAAAAAAAAAAAAAA=="), body: "x",
			status: 400, code: "InvalidArgument", want: []string{"<Message>The calculated MD5 hash of the key did not match the hash that was provided.</Message>"}},
		{page: snapshotSSEC, method: "PUT", path: "/hdrs/k", header: sseC(short, b64MD5(short)), body: "x",
			status: 400, code: "InvalidArgument", want: []string{"<Message>The secret key was invalid for the specified algorithm.</Message>"}},
		{page: snapshotSSEC, method: "PUT", path: "/hdrs/k", header: sseC("not base64!", keyAMD5), body: "x",
			status: 400, code: "InvalidArgument", want: []string{"<Message>The secret key was invalid for the specified algorithm.</Message>"}},
		{page: pageCopySSE, method: "PUT", path: "/hdrs/k", header: hdr("X-Amz-Copy-Source", "/hdrs/plain", copySSECAlg, "AES512", copySSECKey, keyA, copySSECMD5, keyAMD5),
			status: 400, code: "InvalidEncryptionAlgorithmError", want: []string{"<ArgumentValue>AES512</ArgumentValue>"}},
		{page: pageCopySSE, method: "PUT", path: "/hdrs/k", header: hdr("X-Amz-Copy-Source", "/hdrs/plain", copySSECKey, keyA),
			status: 400, code: "InvalidArgument", want: []string{"must provide a valid encryption algorithm."}},
		{page: pageSpecifySSEC, method: "POST", path: "/hdrs/k?uploads", header: sseC(keyA, "AAAAAAAAAAAAAAAAAAAAAA=="),
			status: 400, code: "InvalidArgument", want: []string{"The calculated MD5 hash of the key"}},

		// Reads take SSE-C's headers alone.
		{page: s3testsEncryption + " test_sse_kms_method_head", method: "GET", path: "/hdrs/plain", header: hdr(sseHeader, "AES256"),
			status: 400, code: "InvalidArgument", want: []string{"<Message>x-amz-server-side-encryption header is not supported for this operation.</Message>"}},
		{page: s3testsEncryption + " test_sse_kms_method_head", method: "HEAD", path: "/hdrs/plain", header: hdr(sseHeader, "aws:kms"), status: 400},
		{page: s3testsEncryption + " test_sse_kms_method_head", method: "GET", path: "/hdrs/plain", header: hdr(sseKMSKeyID, "k1"),
			status: 400, code: "InvalidArgument", want: []string{requiresKMS}},
		{page: pageSpecifySSEC, method: "GET", path: "/hdrs/plain", header: hdr(sseBucket, "true"),
			status: 400, code: "InvalidArgument", want: []string{"<ArgumentName>x-amz-server-side-encryption-bucket-key-enabled</ArgumentName>"}},
		{page: pageSpecifySSEC, method: "GET", path: "/hdrs/plain?attributes", header: hdr("X-Amz-Object-Attributes", "ETag", sseHeader, "AES256"),
			status: 400, code: "InvalidArgument"},
		{page: pageSpecifySSEC, method: "GET", path: "/hdrs/plain", header: sseC(keyA, keyBMD5),
			status: 400, code: "InvalidArgument", want: []string{"The calculated MD5 hash of the key"}},
		{page: pageSpecifySSEC, method: "GET", path: "/hdrs/plain", status: 200, want: []string{"x"}},
	})
}

// SSE-C over plain HTTP is refused before anything is said of the key, on every operation
// that takes one, unless the server allows it; over TLS it is served.
func TestSSECOverHTTP(t *testing.T) {
	t.Parallel()
	const insecure = "<Message>Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.</Message>"
	srv := s3test.Start(t, nil)
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/insecure", status: 200},
		{page: pageSSEC, method: "PUT", path: "/insecure/k", header: sseC(keyA, keyAMD5), body: "x", status: 400, code: "InvalidRequest", want: []string{insecure}},
		{page: pageSSEC, method: "PUT", path: "/insecure/k", header: sseC(keyA, "wrong"), body: "x", status: 400, code: "InvalidRequest", want: []string{insecure}},
		{page: pageSSEC, method: "PUT", path: "/insecure/k", header: hdr(sseCAlg, "AES512"), body: "x", status: 400, code: "InvalidRequest", want: []string{insecure}},
		{page: pageSSEC, method: "PUT", path: "/insecure/k", body: "x", status: 200, respHeaders: sseResp("AES256", "")},
		{page: pageSSEC, method: "GET", path: "/insecure/k", header: sseC(keyA, keyAMD5), status: 400, code: "InvalidRequest", want: []string{insecure}},
		{page: pageSSEC, method: "HEAD", path: "/insecure/k", header: sseC(keyA, keyAMD5), status: 400},
		{page: pageSSEC, method: "PUT", path: "/insecure/c", header: copySSEC(keyA, keyAMD5, "X-Amz-Copy-Source", "/insecure/k"), status: 400, code: "InvalidRequest", want: []string{insecure}},
		{page: pageSSEC, method: "POST", path: "/insecure/m?uploads", header: sseC(keyA, keyAMD5), status: 400, code: "InvalidRequest", want: []string{insecure}},
		{page: pageSSEC, method: "GET", path: "/insecure/k", status: 200, want: []string{"x"}},
	})

	// Over TLS (a real one, on loopback) SSE-C is served without the server's leave.
	_, start := reopenable(t)
	secure, err := start(true)
	if err != nil {
		t.Fatal(err)
	}
	runVersionSteps(t, secure, []vstep{
		{page: pageCreate, method: "PUT", path: "/secure", status: 200},
		{page: pageSSEC, method: "PUT", path: "/secure/k", header: sseC(keyA, keyAMD5), body: "secret", status: 200, respHeaders: sseResp("", keyAMD5)},
		{page: pageSSEC, method: "GET", path: "/secure/k", header: sseC(keyA, keyAMD5), status: 200, want: []string{"secret"}, respHeaders: sseResp("", keyAMD5)},
	})
}

// An SSE-C object: its key on every read of its data or metadata, S3's answers without it or
// with another, metadata-only operations without it; copies with the source's key; an SSE-C
// multipart upload, whose every part gives the key.
func TestSSECObject(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, allowSSEC)
	const (
		encrypted     = "<Message>The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.</Message>"
		notApplicable = "<Message>The encryption parameters are not applicable to this object.</Message>"
		partParams    = "<Message>The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.</Message>"
		partKey       = "<Message>The provided encryption parameters did not match the ones used originally.</Message>"
	)
	part := strings.Repeat("p", 5<<20)
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/ssec", status: 200},
		{page: pageSpecifySSEC, method: "PUT", path: "/ssec/k", header: sseC(keyA, keyAMD5), body: "secret", status: 200, respHeaders: sseResp("", keyAMD5)},
		{page: pageSpecifySSEC, method: "PUT", path: "/ssec/plain", body: "open", status: 200, respHeaders: sseResp("AES256", "")},

		// Reads: without the key, with another, with its own.
		{page: s3testsEncryption + " test_encryption_sse_c_present", method: "GET", path: "/ssec/k", status: 400, code: "InvalidRequest", want: []string{encrypted}},
		{page: s3testsEncryption + " test_encryption_sse_c_method_head", method: "HEAD", path: "/ssec/k", status: 400},
		{page: pageSpecifySSEC, method: "GET", path: "/ssec/k", header: sseC(keyA, keyAMD5), status: 200, want: []string{"secret"}, respHeaders: sseResp("", keyAMD5)},
		{page: pageSpecifySSEC, method: "GET", path: "/ssec/k", header: sseC(keyA, keyAMD5, "Range", "bytes=1-3"), status: 206, want: []string{"ecr"}},
		{page: pageSpecifySSEC, method: "HEAD", path: "/ssec/k", header: sseC(keyA, keyAMD5), status: 200, respHeaders: sseResp("", keyAMD5)},
		{page: pageSpecifySSEC, method: "GET", path: "/ssec/k?attributes", header: hdr("X-Amz-Object-Attributes", "ObjectSize"), status: 400, code: "InvalidRequest", want: []string{encrypted}},
		{page: pageSpecifySSEC, method: "GET", path: "/ssec/k?attributes", header: sseC(keyA, keyAMD5, "X-Amz-Object-Attributes", "ObjectSize"), status: 200, want: []string{"<ObjectSize>6</ObjectSize>"}},
		{page: snapshotSSEC, method: "GET", path: "/ssec/plain", header: sseC(keyA, keyAMD5), status: 400, code: "InvalidRequest", want: []string{notApplicable}},
		{page: pageSpecifySSEC, method: "GET", path: "/ssec/plain", status: 200, want: []string{"open"}, respHeaders: sseResp("AES256", "")},
		{page: pageSpecifySSEC, method: "GET", path: "/ssec?list-type=2", status: 200, want: []string{"<Key>k</Key>", "<Size>6</Size>"}},

		// Copies: an SSE-C source needs its key; the copy is encrypted as asked, else as the
		// bucket's default.
		{page: pageCopySSE, method: "PUT", path: "/ssec/c1", header: hdr("X-Amz-Copy-Source", "/ssec/k"), status: 400, code: "InvalidRequest", want: []string{encrypted}},
		{page: pageCopySSE, method: "PUT", path: "/ssec/c1", header: copySSEC(keyA, keyAMD5, "X-Amz-Copy-Source", "/ssec/plain"), status: 400, code: "InvalidRequest", want: []string{notApplicable}},
		{page: pageCopySSE, method: "PUT", path: "/ssec/c1", header: copySSEC(keyA, keyAMD5, "X-Amz-Copy-Source", "/ssec/k"), status: 200, respHeaders: sseResp("AES256", "")},
		{page: pageCopySSE, method: "GET", path: "/ssec/c1", status: 200, want: []string{"secret"}, respHeaders: sseResp("AES256", "")},
		{page: pageCopySSE, method: "PUT", path: "/ssec/c2", header: copySSEC(keyA, keyAMD5, "X-Amz-Copy-Source", "/ssec/k", sseCAlg, "AES256", sseCKey, keyB, sseCMD5, keyBMD5),
			status: 200, respHeaders: sseResp("", keyBMD5)},
		{page: pageCopySSE, method: "GET", path: "/ssec/c2", header: sseC(keyB, keyBMD5), status: 200, want: []string{"secret"}},
		// A copy onto itself that changes the encryption is how an object is encrypted again.
		{page: pageCopySSE, method: "PUT", path: "/ssec/k", header: copySSEC(keyA, keyAMD5, "X-Amz-Copy-Source", "/ssec/k", sseCAlg, "AES256", sseCKey, keyB, sseCMD5, keyBMD5),
			status: 200, respHeaders: sseResp("", keyBMD5)},
		{page: pageCopySSE, method: "GET", path: "/ssec/k", header: sseC(keyB, keyBMD5), status: 200, want: []string{"secret"}},
		// And one that takes the bucket's default instead of its SSE-C.
		{page: pageCopySSE, method: "PUT", path: "/ssec/k", header: copySSEC(keyB, keyBMD5, "X-Amz-Copy-Source", "/ssec/k"), status: 200, respHeaders: sseResp("AES256", "")},
		{page: pageCopySSE, method: "GET", path: "/ssec/k", status: 200, want: []string{"secret"}, respHeaders: sseResp("AES256", "")},
		{page: pageCopySSE, method: "PUT", path: "/ssec/k", header: hdr("X-Amz-Copy-Source", "/ssec/k"), status: 400, code: "InvalidRequest",
			want: []string{"without changing the object's metadata, storage class, website redirect location or encryption attributes."}},
		{page: pageCopySSE, method: "PUT", path: "/ssec/k", header: copySSEC(keyB, keyBMD5, "X-Amz-Copy-Source", "/ssec/k", sseCAlg, "AES256", sseCKey, keyB, sseCMD5, keyBMD5),
			status: 400, code: "InvalidRequest", want: []string{notApplicable}},
		{page: pageCopySSE, method: "PUT", path: "/ssec/k", header: sseC(keyB, keyBMD5, "X-Amz-Copy-Source", "/ssec/k"), status: 200, respHeaders: sseResp("", keyBMD5)},
	})
	// An SSE-C multipart upload: every part gives the upload's key; completing needs none.
	upload := initiate(t, srv.Client, "/ssec/mp2", sseC(keyA, keyAMD5), sseResp("", keyAMD5))
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageUploadPartSSE, method: "PUT", path: "/ssec/mp2?partNumber=1&uploadId=" + upload, body: "p", status: 400, code: "InvalidRequest", want: []string{partParams}},
		{page: pageUploadPartSSE, method: "PUT", path: "/ssec/mp2?partNumber=1&uploadId=" + upload, header: sseC(keyB, keyBMD5), body: "p", status: 400, code: "InvalidRequest", want: []string{partKey}},
		{page: pageUploadPartSSE, method: "PUT", path: "/ssec/mp2?partNumber=1&uploadId=" + upload, header: sseC(keyA, keyAMD5), body: part, status: 200,
			respHeaders: sseResp("", keyAMD5), save: map[string]string{"Etag": "etag1"}},
		{page: pageUploadPartSSE, method: "PUT", path: "/ssec/mp2?partNumber=2&uploadId=" + upload, header: copySSEC(keyB, keyBMD5, "X-Amz-Copy-Source", "/ssec/c2"),
			status: 400, code: "InvalidRequest", want: []string{partParams}},
		{page: pageUploadPartSSE, method: "PUT", path: "/ssec/mp2?partNumber=2&uploadId=" + upload, header: copySSEC(keyB, keyBMD5, "X-Amz-Copy-Source", "/ssec/c2", sseCAlg, "AES256", sseCKey, keyA, sseCMD5, keyAMD5),
			status: 200, respHeaders: sseResp("", keyAMD5), want: []string{"<ETag>"}},
		{page: pageUploadPartSSE, method: "GET", path: "/ssec/mp2?uploadId=" + upload, status: 200, want: []string{"<PartNumber>1</PartNumber>", "<PartNumber>2</PartNumber>"}},
	})
	completeListed(t, srv.Client, "/ssec/mp2", upload, nil, sseResp("", ""))
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageUploadPartSSE, method: "GET", path: "/ssec/mp2", status: 400, code: "InvalidRequest", want: []string{encrypted}},
		{page: pageUploadPartSSE, method: "GET", path: "/ssec/mp2", header: sseC(keyA, keyAMD5, "Range", "bytes=5242878-5242881"), status: 206, want: []string{"ppse"}},
		{page: pageUploadPartSSE, method: "HEAD", path: "/ssec/mp2", header: sseC(keyA, keyAMD5), status: 200,
			respHeaders: map[string]string{"Content-Length": "5242886", sseCMD5: keyAMD5}},
	})

	// An upload with a checksum algorithm needs the key to complete: its checksums are kept
	// encrypted (API_CompleteMultipartUpload.html; ceph/s3-tests'
	// test_multipart_sse_c_checksum_complete).
	crc := crc32.ChecksumIEEE([]byte("abc"))
	sum := base64.StdEncoding.EncodeToString([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	upload = initiate(t, srv.Client, "/ssec/mp3", sseC(keyA, keyAMD5, "X-Amz-Checksum-Algorithm", "CRC32"), sseResp("", keyAMD5))
	doc := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag><ChecksumCRC32>` + sum + `</ChecksumCRC32></Part></CompleteMultipartUpload>`
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageUploadPartSSE, method: "PUT", path: "/ssec/mp3?partNumber=1&uploadId=" + upload, header: sseC(keyA, keyAMD5, "X-Amz-Checksum-Crc32", sum), body: "abc",
			status: 200, save: map[string]string{"Etag": "etag"}},
		{page: pageUploadPartSSE, method: "POST", path: "/ssec/mp3?uploadId=" + upload, body: doc, status: 400, code: "InvalidArgument",
			want: []string{"<Message>Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.</Message>"}},
		{page: pageUploadPartSSE, method: "POST", path: "/ssec/mp3?uploadId=" + upload, header: sseC(keyA, keyAMD5), body: doc, status: 200,
			respHeaders: sseResp("", "")},
		{page: pageUploadPartSSE, method: "GET", path: "/ssec/mp3", header: sseC(keyA, keyAMD5), status: 200, want: []string{"abc"}},
		// Its parts and their checksums, listed with the key as every read of it.
		{page: pageAttributesParts, method: "GET", path: "/ssec/mp3?attributes", header: sseC(keyA, keyAMD5, "X-Amz-Object-Attributes", "ObjectParts"), status: 200,
			want: []string{"<PartsCount>1</PartsCount>", "<ChecksumCRC32>" + sum + "</ChecksumCRC32>"}},
		{page: pageAttributesParts, method: "GET", path: "/ssec/mp3?attributes", header: hdr("X-Amz-Object-Attributes", "ObjectParts"), status: 400, code: "InvalidRequest", want: []string{encrypted}},
	})
}

// initiate starts a multipart upload of path with headers h, checks the encryption headers of
// the answer (want, as sseResp), and returns its id.
func initiate(t *testing.T, c *s3test.Client, path string, h http.Header, want map[string]string) string {
	t.Helper()
	res, body := c.Do(t, s3test.Request{Method: "POST", Path: path + "?uploads", Header: h, As: s3test.Owner})
	m := uploadID.FindSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("CreateMultipartUpload %s: %d\n%s", path, res.StatusCode, body)
	}
	checkHeaders(t, "CreateMultipartUpload "+path, res.Header, want)
	return string(m[1])
}

var listedPart = regexp.MustCompile(`<PartNumber>(\d+)</PartNumber><LastModified>[^<]*</LastModified><ETag>([^<]*)</ETag>`)

// completeListed completes upload of path with the parts ListParts lists, with headers h, and
// checks the encryption headers of the answer (want, as sseResp).
func completeListed(t *testing.T, c *s3test.Client, path, upload string, h http.Header, want map[string]string) {
	t.Helper()
	listed := c.Must(t, 200, s3test.Request{Method: "GET", Path: path + "?uploadId=" + upload, As: s3test.Owner})
	doc := "<CompleteMultipartUpload>"
	for _, m := range listedPart.FindAllSubmatch(listed, -1) {
		doc += "<Part><PartNumber>" + string(m[1]) + "</PartNumber><ETag>" + string(m[2]) + "</ETag></Part>"
	}
	doc += "</CompleteMultipartUpload>"
	res, body := c.Do(t, s3test.Request{Method: "POST", Path: path + "?uploadId=" + upload, Header: h, Body: []byte(doc), As: s3test.Owner})
	if res.StatusCode != 200 {
		t.Fatalf("CompleteMultipartUpload %s: %d\n%s", path, res.StatusCode, body)
	}
	checkHeaders(t, "CompleteMultipartUpload "+path, res.Header, want)
}

// checkHeaders checks that h holds the values want names ("": absent).
func checkHeaders(t *testing.T, what string, h http.Header, want map[string]string) {
	t.Helper()
	for name, v := range want {
		got, ok := h[http.CanonicalHeaderKey(name)]
		switch {
		case v == "" && ok:
			t.Errorf("%s: %s %q, want none", what, name, got)
		case v != "" && (!ok || got[0] != v):
			t.Errorf("%s: %s %q, want %q", what, name, got, v)
		}
	}
}

// encryptionDoc is a ServerSideEncryptionConfiguration of the given rules' inner XML.
func encryptionDoc(rules ...string) string {
	doc := `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`
	for _, r := range rules {
		doc += "<Rule>" + r + "</Rule>"
	}
	return doc + "</ServerSideEncryptionConfiguration>"
}

// byDefault is a rule's ApplyServerSideEncryptionByDefault of inner.
func byDefault(inner string) string {
	return "<ApplyServerSideEncryptionByDefault>" + inner + "</ApplyServerSideEncryptionByDefault>"
}

// The three operations of the bucket's default encryption: SSE-S3 before any is put and after
// it is deleted, the document as put, S3's answers to documents it refuses, the bucket owner
// alone, ?encryption on an object refused rather than taken for another operation.
func TestBucketEncryptionConfiguration(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	const (
		sseS3  = "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule>"
		sseKMS = "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/app</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule>"
	)
	kms := encryptionDoc(byDefault("<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/app</KMSMasterKeyID>") + "<BucketKeyEnabled>true</BucketKeyEnabled>")
	aes := encryptionDoc(byDefault("<SSEAlgorithm>AES256</SSEAlgorithm>"))
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/enc", status: 200},
		{page: "ceph/s3-tests#613", method: "GET", path: "/enc?encryption", status: 200,
			want: []string{`<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + sseS3 + "</ServerSideEncryptionConfiguration>"}},
		{page: pageDelEncryption, method: "DELETE", path: "/enc?encryption", status: 204},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: kms, status: 200},
		{page: pageGetEncryption, method: "GET", path: "/enc?encryption", status: 200, want: []string{sseKMS}},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: aes, status: 200},
		{page: pageGetEncryption, method: "GET", path: "/enc?encryption", status: 200, want: []string{sseS3}},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: kms, status: 200},

		// Documents S3 refuses; the configuration stays.
		{page: snapshotBucketEnc, method: "PUT", path: "/enc?encryption", body: encryptionDoc(), status: 400, code: "MalformedXML"},
		{page: snapshotBucketEnc, method: "PUT", path: "/enc?encryption", body: encryptionDoc(byDefault("<SSEAlgorithm>AES256</SSEAlgorithm>"), byDefault("<SSEAlgorithm>AES256</SSEAlgorithm>")),
			status: 400, code: "MalformedXML"},
		{page: snapshotBucketEnc, method: "PUT", path: "/enc?encryption", body: encryptionDoc(byDefault("<SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID>")),
			status: 400, code: "InvalidArgument", want: []string{"<Message>a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse</Message><ArgumentName>ApplyServerSideEncryptionByDefault</ArgumentName>"}},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: encryptionDoc(byDefault("<SSEAlgorithm>AES512</SSEAlgorithm>")), status: 400, code: "MalformedXML"},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: encryptionDoc(byDefault("")), status: 400, code: "MalformedXML"},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: encryptionDoc("<BucketKeyEnabled>true</BucketKeyEnabled>"), status: 400, code: "MalformedXML"},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: encryptionDoc(byDefault("<SSEAlgorithm>AES256</SSEAlgorithm>") + "<BucketKeyEnabled>maybe</BucketKeyEnabled>"),
			status: 400, code: "MalformedXML"},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: "not xml", status: 400, code: "MalformedXML"},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: encryptionDoc(byDefault("<SSEAlgorithm>aws:kms:dsse</SSEAlgorithm>")), status: 501, code: "NotImplemented"},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption",
			body: encryptionDoc(byDefault("<SSEAlgorithm>AES256</SSEAlgorithm>") + "<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>"), status: 501, code: "NotImplemented"},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", header: hdr("Content-Md5", s3test.MD5Base64([]byte("other"))), body: aes, status: 400, code: "BadDigest"},
		{page: pagePutEncryption, method: "PUT", path: "/enc?encryption", body: strings.Repeat(" ", storage.MaxConfigSize+1), status: 400, code: "MaxMessageLengthExceeded"},
		{page: pageGetEncryption, method: "GET", path: "/enc?encryption", status: 200, want: []string{sseKMS}},

		// The bucket owner alone; a missing bucket.
		{page: pagePutEncryption, as: s3test.Other, method: "PUT", path: "/enc?encryption", body: aes, status: 403, code: "AccessDenied"},
		{page: pageGetEncryption, as: s3test.Other, method: "GET", path: "/enc?encryption", status: 403, code: "AccessDenied"},
		{page: pageDelEncryption, as: s3test.Other, method: "DELETE", path: "/enc?encryption", status: 403, code: "AccessDenied"},
		{page: snapshotBucketEnc, method: "GET", path: "/absent?encryption", status: 404, code: "NoSuchBucket"},
		{page: snapshotBucketEnc, method: "PUT", path: "/absent?encryption", body: encryptionDoc(), status: 404, code: "NoSuchBucket"},
		{page: snapshotBucketEnc, method: "DELETE", path: "/absent?encryption", status: 404, code: "NoSuchBucket"},

		// ?encryption of an object (S3's UpdateObjectEncryption) is not implemented, and never
		// taken for the plain operation of its method.
		{page: pagePutEncryption, method: "PUT", path: "/enc/k?encryption", body: aes, status: 501, code: "NotImplemented",
			want: []string{"<Message>The encryption subresource is not implemented.</Message>"}},
		{page: pagePutEncryption, method: "GET", path: "/enc/k?encryption", status: 501, code: "NotImplemented"},
		{page: pagePutEncryption, method: "GET", path: "/enc/k", status: 404, code: "NoSuchKey"},

		{page: pageDelEncryption, method: "DELETE", path: "/enc?encryption", status: 204},
		{page: pageDelEncryption, method: "GET", path: "/enc?encryption", status: 200, want: []string{sseS3}},
		{page: snapshotBucketEnc, method: "DELETE", path: "/enc?encryption", status: 204},
	})
}

// The bucket's default encryption applies to every write naming none (PutObject, CopyObject,
// CreateMultipartUpload, PostObject), and the answers tell it; a write naming one gets that.
func TestDefaultEncryption(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, allowSSEC)
	kms := encryptionDoc(byDefault("<SSEAlgorithm>aws:kms</SSEAlgorithm>") + "<BucketKeyEnabled>true</BucketKeyEnabled>")
	kmsResp := map[string]string{sseHeader: "aws:kms", sseKMSKeyID: anyVersionID, sseBucket: "true"}
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/defenc", status: 200},
		// SSE-S3 with no configuration, as S3 since 5 January 2023.
		{page: pageDefaultFAQ, method: "PUT", path: "/defenc/plain", body: "plain", status: 200, respHeaders: sseResp("AES256", "")},
		{page: pageDefaultFAQ, method: "GET", path: "/defenc/plain", status: 200, want: []string{"plain"}, respHeaders: sseResp("AES256", "")},
		{page: pageDefaultFAQ, method: "HEAD", path: "/defenc/plain", status: 200, respHeaders: map[string]string{sseHeader: "AES256", sseKMSKeyID: "", sseBucket: ""}},
		{page: pageDefaultFAQ, method: "PUT", path: "/defenc/copy", header: hdr("X-Amz-Copy-Source", "/defenc/plain"), status: 200, respHeaders: sseResp("AES256", "")},
		{page: pageDefaultFAQ, method: "PUT", path: "/defenc/s3", header: hdr(sseHeader, "AES256", sseBucket, "true"), body: "s3", status: 200,
			respHeaders: map[string]string{sseHeader: "AES256", sseBucket: ""}},
		// An SSE-KMS default, whose bucket key a request naming aws:kms inherits.
		{page: pagePutEncryption, method: "PUT", path: "/defenc?encryption", body: kms, status: 200},
		{page: pagePutEncryption, method: "PUT", path: "/defenc/kms", body: "kms", status: 200, respHeaders: kmsResp},
		{page: pagePutEncryption, method: "GET", path: "/defenc/kms", status: 200, want: []string{"kms"}, respHeaders: kmsResp},
		{page: pagePutEncryption, method: "PUT", path: "/defenc/kms2", header: hdr(sseHeader, "aws:kms", sseContext, b64(`{"app":"x"}`)), body: "kms", status: 200,
			respHeaders: map[string]string{sseHeader: "aws:kms", sseBucket: "true", sseContext: b64(`{"app":"x"}`)}},
		{page: pagePutEncryption, method: "HEAD", path: "/defenc/kms2", status: 200, respHeaders: map[string]string{sseHeader: "aws:kms", sseContext: ""}},
		{page: pagePutEncryption, method: "PUT", path: "/defenc/kms3", header: hdr(sseHeader, "aws:kms", sseBucket, "false"), body: "kms", status: 200,
			respHeaders: map[string]string{sseHeader: "aws:kms", sseBucket: ""}},
		{page: pagePutEncryption, method: "PUT", path: "/defenc/s3b", header: hdr(sseHeader, "AES256"), body: "s3", status: 200, respHeaders: sseResp("AES256", "")},
		{page: pagePutEncryption, method: "PUT", path: "/defenc/c", header: sseC(keyA, keyAMD5), body: "c", status: 200, respHeaders: sseResp("", keyAMD5)},
		{page: pagePutEncryption, method: "PUT", path: "/defenc/copy2", header: hdr("X-Amz-Copy-Source", "/defenc/plain"), status: 200, respHeaders: kmsResp},
		{page: snapshotSSEKMS, method: "PUT", path: "/defenc/k", header: hdr(sseHeader, "aws:kms", sseKMSKeyID, "fake-key-id"), body: "x",
			status: 400, code: "KMS.NotFoundException", want: []string{"<Message>Invalid keyId 'fake-key-id'</Message>"}},
		// Back to SSE-S3.
		{page: pageDelEncryption, method: "DELETE", path: "/defenc?encryption", status: 204},
		{page: pageDelEncryption, method: "PUT", path: "/defenc/again", body: "again", status: 200, respHeaders: sseResp("AES256", "")},
	})
	upload := initiate(t, srv.Client, "/defenc/mp", nil, sseResp("AES256", ""))
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/defenc/mp?partNumber=1&uploadId=" + upload, Body: []byte("part"), As: s3test.Owner})
	completeListed(t, srv.Client, "/defenc/mp", upload, nil, sseResp("AES256", ""))
	res, _ := srv.Do(t, s3test.Request{Method: "HEAD", Path: "/defenc/mp", As: s3test.Owner})
	checkHeaders(t, "HEAD of a completed upload", res.Header, sseResp("AES256", ""))
}

// wrongKey is S3's answer to a read of an SSE-C object with another key than its own.
const wrongKey = "<Message>Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.</Message>"

// What needs the backend to tell an SSE-C object's metadata without its key
// (storage.ReadOptions.MetadataOnly): a read with another key answered 403 once the caller
// is known to be allowed to read the object, one who is not told nothing of its encryption,
// and what S3 tells of any object without its key (its ACL, its tags).
func TestSSECWrongKeyAndMetadata(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, allowSSEC)
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/ssecmeta", status: 200},
		{page: pageSpecifySSEC, method: "PUT", path: "/ssecmeta/k", header: sseC(keyA, keyAMD5), body: "secret", status: 200},
		{page: snapshotSSEC, method: "GET", path: "/ssecmeta/k", header: sseC(keyB, keyBMD5), status: 403, code: "AccessDenied", want: []string{wrongKey}},
		{page: snapshotSSEC, method: "HEAD", path: "/ssecmeta/k", header: sseC(keyB, keyBMD5), status: 403},
		{page: pageCopySSE, method: "PUT", path: "/ssecmeta/c", header: copySSEC(keyB, keyBMD5, "X-Amz-Copy-Source", "/ssecmeta/k"), status: 403, code: "AccessDenied", want: []string{wrongKey}},
		// A caller who may not read the object learns nothing of its encryption.
		{page: pageSpecifySSEC, as: s3test.Other, method: "GET", path: "/ssecmeta/k", status: 403, code: "AccessDenied", want: []string{"<Message>Access Denied</Message>"}},
		{page: pageSpecifySSEC, as: s3test.Other, method: "GET", path: "/ssecmeta/k", header: sseC(keyB, keyBMD5), status: 403, code: "AccessDenied", want: []string{"<Message>Access Denied</Message>"}},
		// What S3 tells of any object without its key.
		{page: pageSpecifySSEC, method: "GET", path: "/ssecmeta/k?acl", status: 200, want: []string{"<Permission>FULL_CONTROL</Permission>"}},
		{page: pageSpecifySSEC, method: "GET", path: "/ssecmeta/k?tagging", status: 200},
		{page: pageSpecifySSEC, method: "DELETE", path: "/ssecmeta/k", header: hdr("If-Match", "*"), status: 204},
	})
	upload := initiate(t, srv.Client, "/ssecmeta/mp", sseC(keyA, keyAMD5), sseResp("", keyAMD5))
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/ssecmeta/b", Header: sseC(keyB, keyBMD5), Body: []byte("b"), As: s3test.Owner})
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageUploadPartSSE, method: "PUT", path: "/ssecmeta/mp?partNumber=1&uploadId=" + upload, header: copySSEC(keyA, keyAMD5, "X-Amz-Copy-Source", "/ssecmeta/b", sseCAlg, "AES256", sseCKey, keyA, sseCMD5, keyAMD5),
			status: 403, code: "AccessDenied", want: []string{wrongKey}},
	})
}
