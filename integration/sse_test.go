package integration

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Server-side encryption through real clients, as Amazon S3 answers it, and what the data
// directory keeps. The pages followed, under https://docs.aws.amazon.com/AmazonS3/latest/:
// userguide/ServerSideEncryptionCustomerKeys.html (SSE-C: the key on every request, over
// HTTPS only), userguide/default-encryption-faq.html (every new object SSE-S3 unless told
// otherwise), userguide/UsingKMSEncryption.html (SSE-KMS, the key's ARN answered),
// API/API_PutBucketEncryption.html, API/API_GetBucketEncryption.html and
// API/API_DeleteBucketEncryption.html. docs/encryption.md says what doorman does.

// customerKey is an SSE-C key and the header values that carry it.
type customerKey struct {
	raw []byte
	// b64 is x-amz-server-side-encryption-customer-key, md5 its -key-MD5: base64 of the
	// key's MD5.
	b64, md5 string
}

// newCustomerKey is a reproducible 32-byte customer key.
func newCustomerKey(seed uint64) customerKey {
	raw := pseudoRandom(seed, 32)
	sum := md5.Sum(raw)
	return customerKey{raw: raw, b64: base64.StdEncoding.EncodeToString(raw), md5: base64.StdEncoding.EncodeToString(sum[:])}
}

// commandWait bounds a doorman keys command: it opens a store, changes a small file and
// closes it, well under a second; a loaded machine may take many times that, and a store held
// by a server is refused after the store's own lock timeout.
const commandWait = time.Minute

// doormanCommand runs the doorman binary with args and returns what it printed (stdout and
// stderr) and its exit status.
func doormanCommand(t *testing.T, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandWait)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatalf("doorman %s: %v", strings.Join(args, " "), err)
	}
	return string(out), 0
}

// mustDoorman runs the doorman binary with args, fails the test unless it succeeds, and returns
// what it printed.
func mustDoorman(t *testing.T, args ...string) string {
	t.Helper()
	out, code := doormanCommand(t, args...)
	if code != 0 {
		t.Fatalf("doorman %s: exit status %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// kmsARNRe is the ARN of a KMS key: arn:aws:kms:REGION:ACCOUNT:key/UUID.
var kmsARNRe = regexp.MustCompile(`^arn:aws:kms:` + region + `:\d{12}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// createKMSKey creates a KMS key with alias in the data directory dir, which no server holds,
// and returns its ARN.
func createKMSKey(t *testing.T, dir, alias string) string {
	t.Helper()
	arn := strings.TrimSpace(mustDoorman(t, "keys", "create-kms", "--data", dir, "--alias", alias))
	if !kmsARNRe.MatchString(arn) {
		t.Fatalf("doorman keys create-kms printed %q, not a KMS key ARN", arn)
	}
	return arn
}

// aws-sdk-go-v2 over HTTPS: an object written without encryption headers is SSE-S3 (as S3
// since January 2023), and says so on PutObject, GetObject and HeadObject; an SSE-C object is
// read whole, by a range and by HEAD with its key, and refused without it or with another.
func TestSSESDK(t *testing.T) {
	t.Parallel()
	srv, hc, _ := startTLSServer(t)
	c := sdkClient(srv, hc)
	ctx := context.Background()
	const bucket = "sdk-sse"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	// Several of the 64 KiB chunks the data is sealed in, the last one short.
	body := pseudoRandom(41, 300_000)

	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("default"), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	get, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("default")})
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Error("GetObject of the SSE-S3 object: the body differs from the one put")
	}
	for what, sse := range map[string]types.ServerSideEncryption{"PutObject": put.ServerSideEncryption,
		"GetObject": get.ServerSideEncryption, "HeadObject": head.ServerSideEncryption} {
		if sse != types.ServerSideEncryptionAes256 {
			t.Errorf("%s of an object written without encryption headers: ServerSideEncryption %q, want AES256", what, sse)
		}
	}
	// SSE-S3 keeps the MD5 ETag, as S3 does.
	if want := `"` + md5HexOf(body) + `"`; aws.ToString(put.ETag) != want || aws.ToString(get.ETag) != want {
		t.Errorf("SSE-S3 ETags: PutObject %s, GetObject %s, want %s", aws.ToString(put.ETag), aws.ToString(get.ETag), want)
	}

	key, other := newCustomerKey(1), newCustomerKey(2)
	putC, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("customer"), Body: bytes.NewReader(body),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key.b64), SSECustomerKeyMD5: aws.String(key.md5)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(putC.SSECustomerAlgorithm) != "AES256" || aws.ToString(putC.SSECustomerKeyMD5) != key.md5 || putC.ServerSideEncryption != "" {
		t.Errorf("PutObject SSE-C: algorithm %q, key MD5 %q, ServerSideEncryption %q", aws.ToString(putC.SSECustomerAlgorithm),
			aws.ToString(putC.SSECustomerKeyMD5), putC.ServerSideEncryption)
	}
	// A range across a chunk boundary, opened from the middle of the object.
	const first, last = 70_000, 200_000
	ranged, part := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("customer"),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", first, last)), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(key.b64), SSECustomerKeyMD5: aws.String(key.md5)})
	if !bytes.Equal(part, body[first:last+1]) {
		t.Errorf("GetObject SSE-C bytes=%d-%d: %d bytes, not the object's", first, last, len(part))
	}
	if want := fmt.Sprintf("bytes %d-%d/%d", first, last, len(body)); aws.ToString(ranged.ContentRange) != want ||
		aws.ToString(ranged.SSECustomerKeyMD5) != key.md5 || aws.ToString(ranged.SSECustomerAlgorithm) != "AES256" {
		t.Errorf("GetObject SSE-C range: Content-Range %q (want %q), key MD5 %q, algorithm %q", aws.ToString(ranged.ContentRange), want,
			aws.ToString(ranged.SSECustomerKeyMD5), aws.ToString(ranged.SSECustomerAlgorithm))
	}
	headC, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("customer"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key.b64), SSECustomerKeyMD5: aws.String(key.md5)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(headC.ContentLength) != int64(len(body)) || aws.ToString(headC.SSECustomerKeyMD5) != key.md5 {
		t.Errorf("HeadObject SSE-C: length %d, key MD5 %q", aws.ToInt64(headC.ContentLength), aws.ToString(headC.SSECustomerKeyMD5))
	}
	// S3 does not answer an SSE-C object's MD5 as its ETag.
	if aws.ToString(putC.ETag) == `"`+md5HexOf(body)+`"` || aws.ToString(headC.ETag) != aws.ToString(putC.ETag) {
		t.Errorf("SSE-C ETags: PutObject %s, HeadObject %s; the data's MD5 is %s", aws.ToString(putC.ETag), aws.ToString(headC.ETag), md5HexOf(body))
	}

	// Without the key S3 answers 400 (ceph/s3-tests' test_encryption_sse_c_present, written
	// against S3), with another key 403 (LocalStack's recorded SSE-C snapshots; the suite's
	// test_encryption_sse_c_other_key expects Ceph's 400 instead).
	for _, tc := range []struct {
		name   string
		key    *customerKey
		head   bool
		status int
		code   string // "" for HEAD, whose answer has no body
	}{
		{"GetObject without the key", nil, false, http.StatusBadRequest, "InvalidRequest"},
		{"HeadObject without the key", nil, true, http.StatusBadRequest, ""},
		{"GetObject with another key", &other, false, http.StatusForbidden, "AccessDenied"},
		{"HeadObject with another key", &other, true, http.StatusForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var alg, k, sum *string
			if tc.key != nil {
				alg, k, sum = aws.String("AES256"), aws.String(tc.key.b64), aws.String(tc.key.md5)
			}
			var err error
			if tc.head {
				_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("customer"),
					SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: sum})
			} else {
				_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("customer"),
					SSECustomerAlgorithm: alg, SSECustomerKey: k, SSECustomerKeyMD5: sum})
			}
			if httpStatus(err) != tc.status || (tc.code != "" && apiCode(err) != tc.code) {
				t.Errorf("%v (status %d, code %q), want %d %s", err, httpStatus(err), apiCode(err), tc.status, tc.code)
			}
		})
	}
}

// The AWS CLI over HTTPS: `aws s3 cp --sse-c` up (multipart too) and down, a download without
// the key refused; `aws s3api put-object --server-side-encryption AES256`; head-object with the
// customer key, and without it refused.
func TestSSEAWSCLI(t *testing.T) {
	t.Parallel()
	srv, _, certFile := startTLSServer(t)
	cli := newAWSCLI(t, srv)
	cli.env = append(cli.env, "AWS_CA_BUNDLE="+certFile)
	const bucket = "cli-sse"
	cli.run(true, "s3api", "create-bucket", "--bucket", bucket)
	key := newCustomerKey(4)
	keyFile := filepath.Join(cli.dir, "customer.key")
	writeTestFile(t, keyFile, key.raw)
	sseC := []string{"--sse-c", "AES256", "--sse-c-key", "fileb://" + keyFile}

	small, big := pseudoRandom(42, 100_000), pseudoRandom(43, 12*mib) // big: three 5 MB parts
	for name, body := range map[string][]byte{"small.bin": small, "big.bin": big} {
		src, down := filepath.Join(cli.dir, name), filepath.Join(cli.dir, name+".down")
		writeTestFile(t, src, body)
		cli.run(true, append([]string{"s3", "cp", src, "s3://" + bucket + "/" + name, "--no-progress"}, sseC...)...)
		cli.run(true, append([]string{"s3", "cp", "s3://" + bucket + "/" + name, down, "--no-progress"}, sseC...)...)
		if !bytes.Equal(readTestFile(t, down), body) {
			t.Errorf("aws s3 cp --sse-c of %s: the download differs from the upload", name)
		}
		// cp asks HeadObject first, which S3 answers 400 without the key.
		if _, err := cli.try(true, "s3", "cp", "s3://"+bucket+"/"+name, down+".nokey", "--no-progress"); err == nil ||
			!strings.Contains(err.Error(), "(400)") {
			t.Errorf("aws s3 cp of the SSE-C object %s without the key: %v, want a 400", name, err)
		}
	}

	var put struct{ ServerSideEncryption, ETag string }
	src := filepath.Join(cli.dir, "small.bin")
	cli.json(&put, "s3api", "put-object", "--bucket", bucket, "--key", "sse-s3.bin", "--body", src, "--server-side-encryption", "AES256")
	if put.ServerSideEncryption != "AES256" || put.ETag != `"`+md5HexOf(small)+`"` {
		t.Errorf("s3api put-object --server-side-encryption AES256: %+v", put)
	}
	type headAnswer struct {
		ContentLength                                                 int64
		ServerSideEncryption, SSECustomerAlgorithm, SSECustomerKeyMD5 string
	}
	var h headAnswer
	cli.json(&h, "s3api", "head-object", "--bucket", bucket, "--key", "sse-s3.bin")
	if h != (headAnswer{ContentLength: int64(len(small)), ServerSideEncryption: "AES256"}) {
		t.Errorf("s3api head-object of the SSE-S3 object: %+v", h)
	}
	h = headAnswer{}
	cli.json(&h, "s3api", "head-object", "--bucket", bucket, "--key", "small.bin",
		"--sse-customer-algorithm", "AES256", "--sse-customer-key", "fileb://"+keyFile)
	if h != (headAnswer{ContentLength: int64(len(small)), SSECustomerAlgorithm: "AES256", SSECustomerKeyMD5: key.md5}) {
		t.Errorf("s3api head-object of the SSE-C object with its key: %+v", h)
	}
	if _, err := cli.try(true, "s3api", "head-object", "--bucket", bucket, "--key", "small.bin"); err == nil ||
		!strings.Contains(err.Error(), "An error occurred (400) when calling the HeadObject operation: Bad Request") {
		t.Errorf("s3api head-object of the SSE-C object without its key: %v", err)
	}
}

// boto3: SSE-C put, get, head and copy (to another customer key and to SSE-S3), the tags and
// ACL of an SSE-C object read without its key, a multipart upload with a customer key; SSE-KMS with a key `doorman keys create-kms` made before the
// server started, and with the default key; Put/Get/DeleteBucketEncryption and the default
// they set for writes without encryption headers.
func TestSSEBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	dir := t.TempDir()
	arn := createKMSKey(t, dir, "alias/app")
	srv := startServer(t, dir, "--allow-sse-c-over-http")
	cmd := exec.Command("python3", filepath.Join("testdata", "sse", "sse.py"))
	key, other := newCustomerKey(5), newCustomerKey(6)
	cmd.Env = append(clientEnv(filepath.Join(t.TempDir(), "aws-config")), "DOORMAN_ENDPOINT="+srv.URL,
		"DOORMAN_SSE_KEY="+hex.EncodeToString(key.raw), "DOORMAN_SSE_OTHER_KEY="+hex.EncodeToString(other.raw))
	got := runBoto3Script(t, cmd, srv)
	// The default KMS key, made on first use, is the keyring's key aliased alias/aws/s3.
	srv.stop()
	m := regexp.MustCompile(`(?m)^  (\S+)  created \S+  alias/aws/s3$`).FindStringSubmatch(mustDoorman(t, "keys", "list", "--data", dir))
	if m == nil || m[1] == arn || !kmsARNRe.MatchString(m[1]) {
		t.Fatalf("no default KMS key, alias/aws/s3, other than alias/app's in the keyring: %v", m)
	}
	defaultARN := m[1]

	type fields = map[string]any
	ssec := func(k customerKey) fields {
		return fields{"SSECustomerAlgorithm": "AES256", "SSECustomerKeyMD5": k.md5}
	}
	read := func(f fields) fields {
		r := fields{"body": "same"}
		for k, v := range f {
			r[k] = v
		}
		return r
	}
	sseS3 := fields{"ServerSideEncryption": "AES256"}
	kms := fields{"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": arn}
	kmsBucketKey := fields{"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": arn, "BucketKeyEnabled": true}
	kmsDefault := fields{"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": defaultARN}
	const (
		noKey         = "InvalidRequest 400 The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object."
		notApplicable = "InvalidRequest 400 The encryption parameters are not applicable to this object."
	)
	rules := func(algorithm, kmsKey string, bucketKey bool) []any {
		d := fields{"SSEAlgorithm": algorithm}
		if kmsKey != "" {
			d["KMSMasterKeyID"] = kmsKey
		}
		return []any{fields{"ApplyServerSideEncryptionByDefault": d, "BucketKeyEnabled": bucketKey}}
	}
	checkSteps(t, got, []scriptStep{
		{"put_ssec", ssec(key)},
		{"get_ssec", read(ssec(key))},
		{"head_ssec", ssec(key)},
		{"get_ssec_no_key", noKey},
		{"head_ssec_no_key", "400 400 Bad Request"},
		{"get_ssec_other_key", "AccessDenied 403"},
		{"head_ssec_other_key", "403 403 Forbidden"},
		{"get_ssec_tagging_no_key", "ok"},
		{"get_ssec_acl_no_key", "ok"},
		{"get_sse_s3_with_key", notApplicable},

		{"copy_to_other_key", ssec(other)},
		{"get_copy_other_key", read(ssec(other))},
		{"get_copy_with_source_key", "AccessDenied 403"},
		{"copy_to_sse_s3", sseS3},
		{"get_copy_sse_s3", read(sseS3)},
		{"copy_without_source_key", noKey},

		{"create_multipart", ssec(key)},
		{"upload_part_1", ssec(key)},
		{"upload_part_2", ssec(key)},
		{"upload_part_no_key", "InvalidRequest 400"},
		{"upload_part_other_key", "InvalidRequest 400"},
		// CompleteMultipartUpload's answer has no SSE-C fields (API_CompleteMultipartUpload.html).
		{"complete_multipart", fields{}},
		{"get_multipart", read(ssec(key))},
		{"get_multipart_no_key", "InvalidRequest 400"},

		{"put_kms_alias", kms},
		{"get_kms", read(kms)},
		{"head_kms", kms},
		{"put_kms_default", kmsDefault},
		{"get_kms_default", read(kmsDefault)},
		{"put_kms_unknown", "KMS.NotFoundException 400 Invalid keyId 'alias/unknown'"},

		// Every bucket has a default encryption, SSE-S3 until it is given another
		// (API_GetBucketEncryption.html).
		{"get_bucket_encryption_none", rules("AES256", "", false)},
		{"put_bucket_encryption", "ok"},
		{"get_bucket_encryption", rules("aws:kms", "alias/app", true)},
		{"put_under_kms_default", kmsBucketKey},
		{"get_under_kms_default", read(kmsBucketKey)},
		{"put_ssec_under_kms_default", ssec(key)},
		{"put_bucket_encryption_dsse", "NotImplemented 501"},
		{"delete_bucket_encryption", 204.0},
		{"get_bucket_encryption_deleted", rules("AES256", "", false)},
		{"put_after_delete", sseS3},
	})
}

// The data directory holds neither a plaintext written encrypted in any way (SSE-S3 by
// default, SSE-C, SSE-KMS, a multipart SSE-C upload, a copy) nor the customer's key, in any
// of the forms a request carries it; yet every object reads back.
func TestSSENothingInClearAtRest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, "--allow-sse-c-over-http")
	c := srv.client()
	ctx := context.Background()
	bucket := srv.createBucket(t, "at-rest")
	// canary is a line that cannot occur by chance; every chunk of every body holds it many
	// times over.
	const canary = "doorman-at-rest-canary: this line must never be found in the data directory\n"
	body := bytes.Repeat([]byte(canary), 6*mib/len(canary))
	key := newCustomerKey(7)
	ssec := func(in *s3.PutObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(key.b64), aws.String(key.md5)
	}
	for _, tc := range []struct {
		key string
		opt func(*s3.PutObjectInput)
	}{
		{"default", func(*s3.PutObjectInput) {}},
		{"customer", ssec},
		{"kms", func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAwsKms }},
	} {
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(tc.key), Body: bytes.NewReader(body)}
		tc.opt(in)
		if _, err := c.PutObject(ctx, in); err != nil {
			t.Fatalf("PutObject %s: %v", tc.key, err)
		}
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy"),
		CopySource: aws.String(bucket + "/default")}); err != nil {
		t.Fatal(err)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("multipart"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key.b64), SSECustomerKeyMD5: aws.String(key.md5)})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	for i, p := range [][]byte{body[:5*mib], body[5*mib:]} {
		n := int32(i + 1)
		res, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("multipart"), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(p),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key.b64), SSECustomerKeyMD5: aws.String(key.md5)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: res.ETag})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("multipart"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"default", "customer", "kms", "copy", "multipart"} {
		in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)}
		if k == "customer" || k == "multipart" {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(key.b64), aws.String(key.md5)
		}
		if _, got := getAll(t, c, in); !bytes.Equal(got, body) {
			t.Errorf("GetObject %s: the body differs from the one put", k)
		}
	}
	// Stopped, so that nothing is in flight and every file is complete.
	srv.stop()

	secrets := map[string][]byte{
		"the plaintext":                 []byte(canary[:48]),
		"the customer key":              key.raw,
		"the customer key (base64)":     []byte(key.b64),
		"the customer key (hex)":        []byte(hex.EncodeToString(key.raw)),
		"the customer key's MD5 header": []byte(key.md5),
	}
	var files, size int64
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		size += int64(len(data))
		for what, secret := range secrets {
			if bytes.Contains(data, secret) {
				t.Errorf("%s holds %s", strings.TrimPrefix(path, dir), what)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Five objects of the body's size were stored: a walk that read less saw not their data.
	if size < 5*int64(len(body)) {
		t.Fatalf("the data directory holds %d bytes in %d files, less than the %d bytes of data written", size, files, 5*len(body))
	}
}

// keysListRe is a line of `doorman keys list` naming an SSE-S3 key: its id, when it was
// created, then "active" for the one that seals new objects.
var keysListRe = regexp.MustCompile(`(?m)^  (\S+)  created \S+(  active)?$`)

// sseS3Keys is what `doorman keys list --data dir` says of the SSE-S3 keys: their ids and the
// active one's.
func sseS3Keys(t *testing.T, dir string) (ids []string, active string) {
	t.Helper()
	out := mustDoorman(t, "keys", "list", "--data", dir)
	section, _, _ := strings.Cut(out, "KMS keys")
	for _, m := range keysListRe.FindAllStringSubmatch(section, -1) {
		ids = append(ids, m[1])
		if m[2] != "" {
			active = m[1]
		}
	}
	return ids, active
}

// Keys rotated between runs of serve: `doorman keys rotate` is refused while a server holds the
// directory; once it stops, each rotation adds an SSE-S3 key that becomes the active one, and
// every object written under an older key still reads back in the next run.
func TestSSEKeyRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bodies := map[string][]byte{}
	const runs = 3
	for run := range runs {
		srv := startServer(t, dir)
		c := srv.client()
		if run == 0 {
			srv.createBucket(t, "rotated")
			out, code := doormanCommand(t, "keys", "rotate", "--data", dir)
			if code != 2 || !strings.Contains(out, "is in use by another doorman") {
				t.Errorf("doorman keys rotate while serve holds the directory: exit status %d\n%s", code, out)
			}
		}
		for key, body := range bodies {
			if _, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String("rotated"), Key: aws.String(key)}); !bytes.Equal(got, body) {
				t.Errorf("run %d: %s, written in an earlier run, reads back different", run, key)
			}
		}
		key := fmt.Sprintf("run-%d", run)
		bodies[key] = pseudoRandom(uint64(100+run), 200_000)
		if put := putBytes(t, c, "rotated", key, bodies[key]); put.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Errorf("run %d: PutObject ServerSideEncryption %q", run, put.ServerSideEncryption)
		}
		srv.stop()
		if run == runs-1 {
			break
		}

		before, active := sseS3Keys(t, dir)
		if len(before) != run+1 || active != before[len(before)-1] {
			t.Fatalf("before rotation %d: SSE-S3 keys %v, active %q, want %d keys, the newest active", run+1, before, active, run+1)
		}
		rotated := mustDoorman(t, "keys", "rotate", "--data", dir)
		after, active := sseS3Keys(t, dir)
		if len(after) != len(before)+1 || active != after[len(after)-1] || !strings.Contains(rotated, active) {
			t.Fatalf("rotation %d printed %q; SSE-S3 keys %v (active %q), were %v", run+1, rotated, after, active, before)
		}
	}
}
