package postpolicy

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// awsPolicy is the policy of AWS's SigV4 POST example (sigv4-post-example in the S3
// developer guide), as the page gives it, with its signature under the example credentials.
const (
	awsPolicy    = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
	awsSignature = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
)

// awsForm is the form of AWS's example, in its order and spelling, with a file and the
// submit button after it.
func awsForm() ([]field, *upload) {
	return []field{
			{"key", "user/user1/${filename}"},
			{"acl", "public-read"},
			{"success_action_redirect", "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
			{"Content-Type", "image/jpeg"},
			{"x-amz-meta-uuid", "14365123651274"},
			{"x-amz-server-side-encryption", "AES256"},
			{"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
			{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
			{"X-Amz-Date", "20151229T000000Z"},
			{"x-amz-meta-tag", ""},
			{"Policy", awsPolicy},
			{"X-Amz-Signature", awsSignature},
		}, &upload{filename: ptr(`C:\Users\me\photo.jpg`), content: []byte("jpeg bytes"),
			after: []field{{"submit", "Upload to Amazon S3"}}}
}

var awsNow = time.Date(2015, 12, 29, 12, 0, 0, 0, time.UTC)

func TestSigningKeyVector(t *testing.T) {
	// The key for AWS's example scope, and its signature of the example policy.
	key := signingKey(testSecret, "20151229", "us-east-1")
	if got := hex.EncodeToString(key); got != "cbcef1ebeaefc82cce6530b9f0a9ae598846065f5c5bae0674bd5ebc4ba52d28" {
		t.Fatalf("signing key %s", got)
	}
	if !bytes.Equal(key, testSigningKey(testSecret, "20151229", "us-east-1")) {
		t.Fatal("the test's derivation disagrees")
	}
	m := hmac.New(sha256Hash, key)
	io.WriteString(m, awsPolicy)
	if got := hex.EncodeToString(m.Sum(nil)); got != awsSignature {
		t.Fatalf("signature %s", got)
	}
}

func TestAWSExample(t *testing.T) {
	fields, file := awsForm()
	f, err := parse(request(t, fields, file), testBucket, creds, awsNow)
	if err != nil {
		t.Fatal(err)
	}
	if f.AccessKey != testAK || f.Key != "user/user1/photo.jpg" || f.Filename != "photo.jpg" || f.ACL != "public-read" {
		t.Fatalf("form %+v", f)
	}
	if f.Metadata.ContentType != "image/jpeg" || f.Metadata.User["uuid"] != "14365123651274" || f.Metadata.User["tag"] != "" || len(f.Metadata.User) != 2 {
		t.Fatalf("metadata %+v", f.Metadata)
	}
	if f.Redirect != "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html" || f.SuccessStatus != 204 {
		t.Fatalf("redirect %q status %d", f.Redirect, f.SuccessStatus)
	}
	if f.Fields["x-amz-server-side-encryption"] != "AES256" {
		t.Fatalf("fields %v", f.Fields)
	}
	if _, ok := f.Fields["submit"]; ok {
		t.Fatal("a field after the file was read")
	}
	data, err := readFile(f)
	if err != nil || string(data) != "jpeg bytes" {
		t.Fatalf("file %q, %v", data, err)
	}

	// Every change to what the policy binds is refused.
	for _, tt := range []struct {
		name      string
		edit      func([]field) []field
		bucket    string
		now       time.Time
		code, msg string
	}{
		{"key outside the prefix", set("key", "user/user2/${filename}"), testBucket, awsNow,
			"AccessDenied", `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/user1/"]`},
		{"another ACL", set("acl", "public-read-write"), testBucket, awsNow,
			"AccessDenied", `Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "public-read"]`},
		{"another bucket", nil, "otherbucket", awsNow,
			"AccessDenied", `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "sigv4examplebucket"]`},
		{"an added field", add("x-amz-meta-admin", "true"), testBucket, awsNow,
			"AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-admin"},
		{"expired", nil, testBucket, time.Date(2015, 12, 30, 12, 0, 1, 0, time.UTC),
			"AccessDenied", "Invalid according to Policy: Policy expired."},
		{"edited policy", set("Policy", strings.Replace(awsPolicy, "dXNlci91c2VyMS8", "dXNlci91c2VyMi8", 1)), testBucket, awsNow,
			"SignatureDoesNotMatch", ""},
		{"truncated policy", set("Policy", awsPolicy[:len(awsPolicy)-2]), testBucket, awsNow, "SignatureDoesNotMatch", ""},
		{"another signature", set("X-Amz-Signature", strings.Repeat("0", 64)), testBucket, awsNow, "SignatureDoesNotMatch", ""},
		{"another date", set("X-Amz-Date", "20151228T000000Z"), testBucket, awsNow, "InvalidArgument",
			`Invalid credential date "20151229". This date is not the same as X-Amz-Date: "20151228".`},
		{"another region", set("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request"), testBucket, awsNow,
			"SignatureDoesNotMatch", ""},
		{"unknown access key", set("X-Amz-Credential", "AKIDEXAMPLE/20151229/us-east-1/s3/aws4_request"), testBucket, awsNow,
			"InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fields, file := awsForm()
			if tt.edit != nil {
				fields = tt.edit(fields)
			}
			_, err := parse(request(t, fields, file), tt.bucket, creds, tt.now)
			wantErr(t, err, tt.code, tt.msg)
		})
	}
}

// set replaces the value of a field, matched without regard to case.
func set(name, value string) func([]field) []field {
	return func(fs []field) []field {
		out := append([]field(nil), fs...)
		for i := range out {
			if strings.EqualFold(out[i].name, name) {
				out[i].value = value
			}
		}
		return out
	}
}

func add(name, value string) func([]field) []field {
	return func(fs []field) []field { return append(append([]field(nil), fs...), field{name, value}) }
}

func drop(names ...string) func([]field) []field {
	return func(fs []field) []field {
		var out []field
	next:
		for _, f := range fs {
			for _, n := range names {
				if strings.EqualFold(f.name, n) {
					continue next
				}
			}
			out = append(out, f)
		}
		return out
	}
}

func TestSignatureMismatchBody(t *testing.T) {
	fields, file := awsForm()
	fields = set("X-Amz-Signature", strings.Repeat("ab", 32))(fields)
	_, err := parse(request(t, fields, file), testBucket, creds, awsNow)
	e := wantErr(t, err, "SignatureDoesNotMatch", s3err.SignatureDoesNotMatch.Message)
	if e.Status != 403 || extra(e, "AWSAccessKeyId") != testAK || extra(e, "StringToSign") != awsPolicy ||
		extra(e, "SignatureProvided") != strings.Repeat("ab", 32) || !strings.HasPrefix(extra(e, "StringToSignBytes"), "65 79 41 69 ") {
		t.Fatalf("%+v", e)
	}
}

// TestBotocoreVector checks the fields botocore's generate_presigned_post produces for
// AWS's example credentials with its clock at 2015-12-29T00:00:00Z.
func TestBotocoreVector(t *testing.T) {
	fields := []field{
		{"key", "user/user1/photo.jpg"},
		{"x-amz-algorithm", "AWS4-HMAC-SHA256"},
		{"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
		{"x-amz-date", "20151229T000000Z"},
		{"policy", "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNrZXQiOiAic2lndjRleGFtcGxlYnVja2V0In0sIHsia2V5IjogInVzZXIvdXNlcjEvcGhvdG8uanBnIn0sIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwgeyJ4LWFtei1jcmVkZW50aWFsIjogIkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMTUxMjI5L3VzLWVhc3QtMS9zMy9hd3M0X3JlcXVlc3QifSwgeyJ4LWFtei1kYXRlIjogIjIwMTUxMjI5VDAwMDAwMFoifV19"},
		{"x-amz-signature", "3364624b39010d9b06f5d9b8c9a18a6e478d261c048159c92f2fd6fa885f14e6"},
	}
	at := time.Date(2015, 12, 29, 0, 30, 0, 0, time.UTC)
	f, err := parse(request(t, fields, &upload{content: []byte("x")}), testBucket, creds, at)
	if err != nil {
		t.Fatal(err)
	}
	if f.Key != "user/user1/photo.jpg" || f.AccessKey != testAK {
		t.Fatalf("%+v", f)
	}
	_, err = parse(request(t, set("key", "user/user1/other.jpg")(fields), &upload{content: []byte("x")}), testBucket, creds, at)
	wantErr(t, err, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "user/user1/photo.jpg"]`)
}

func v2Form(conditions string, fields []field) []field {
	doc := `{"expiration": "2026-03-01T13:00:00Z", "conditions": [` + conditions + `]}`
	policy := base64.StdEncoding.EncodeToString([]byte(doc))
	m := hmac.New(sha1.New, []byte(testSecret))
	io.WriteString(m, policy)
	return append(append([]field(nil), fields...),
		field{"AWSAccessKeyId", testAK},
		field{"policy", policy},
		field{"signature", base64.StdEncoding.EncodeToString(m.Sum(nil))})
}

func TestSigV2(t *testing.T) {
	fields := v2Form(`{"bucket": "`+testBucket+`"}, ["starts-with", "$key", "foo"], {"acl": "private"}, ["content-length-range", 0, 1024]`,
		[]field{{"key", "foo.txt"}, {"acl", "private"}})
	f, err := parse(request(t, fields, &upload{content: []byte("bar")}), testBucket, creds, t0)
	if err != nil {
		t.Fatal(err)
	}
	if f.AccessKey != testAK || f.Key != "foo.txt" || f.ACL != "private" {
		t.Fatalf("%+v", f)
	}
	// Field names in any case.
	upper := append([]field(nil), fields...)
	for i := range upper {
		upper[i].name = strings.ToUpper(upper[i].name)
	}
	if _, err := parse(request(t, upper, &upload{content: []byte("bar")}), testBucket, creds, t0); err != nil {
		t.Fatalf("upper-case names: %v", err)
	}
	for _, tt := range []struct {
		name      string
		edit      func([]field) []field
		code, msg string
	}{
		{"bad signature", set("signature", "AAAA"), "SignatureDoesNotMatch", ""},
		{"signature not base64", set("signature", "!!"), "SignatureDoesNotMatch", ""},
		{"unknown key", set("AWSAccessKeyId", "nobody"), "InvalidAccessKeyId", ""},
		{"no signature", drop("signature"), "InvalidArgument",
			"Bucket POST must contain a field named 'Signature'.  If it is specified, please check the order of the fields."},
		{"no access key", drop("AWSAccessKeyId"), "InvalidArgument",
			"Bucket POST must contain a field named 'AWSAccessKeyId'.  If it is specified, please check the order of the fields."},
		{"no policy", drop("policy"), "InvalidArgument",
			"Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(request(t, tt.edit(fields), &upload{content: []byte("bar")}), testBucket, creds, t0)
			wantErr(t, err, tt.code, tt.msg)
		})
	}
}

func TestAnonymous(t *testing.T) {
	f, err := parse(request(t, []field{{"key", "foo.txt"}, {"acl", "public-read"}, {"anything", "goes"}}, &upload{content: []byte("bar")}),
		testBucket, creds, t0)
	if err != nil {
		t.Fatal(err)
	}
	if f.AccessKey != "" || f.ACL != "public-read" || f.Fields["anything"] != "goes" {
		t.Fatalf("%+v", f)
	}
	// A policy alone does not make an anonymous form authenticated.
	_, err = parse(request(t, []field{{"key", "foo.txt"}, {"policy", "e30="}}, &upload{content: []byte("bar")}), testBucket, creds, t0)
	wantErr(t, err, "AccessDenied", "Access Denied")
}

func TestRequiredFields(t *testing.T) {
	good := signedV4([]field{{"key", "a.txt"}}, `{"key": "a.txt"}`, t0)
	missing := func(name string) string {
		return "Bucket POST must contain a field named '" + name + "'.  If it is specified, please check the order of the fields."
	}
	for _, tt := range []struct {
		name      string
		fields    []field
		file      *upload
		code, msg string
		arg       string
	}{
		{"no key", drop("key")(good), &upload{}, "InvalidArgument", missing("key"), "key"},
		{"key after the file", drop("key")(good), &upload{after: []field{{"key", "a.txt"}}}, "InvalidArgument", missing("key"), "key"},
		{"empty key", set("key", "")(good), &upload{}, "InvalidArgument", missing("key"), "key"},
		{"no file", good, nil, "InvalidArgument", "POST requires exactly one file upload per request.", "file"},
		{"file under another name", good, &upload{name: "upload"}, "InvalidArgument", "POST requires exactly one file upload per request.", "file"},
		{"no signature", drop("x-amz-signature")(good), &upload{}, "InvalidArgument", missing("X-Amz-Signature"), "X-Amz-Signature"},
		{"no algorithm nor credential", drop("x-amz-algorithm", "x-amz-credential")(good), &upload{}, "InvalidArgument", missing("X-Amz-Algorithm"), "X-Amz-Algorithm"},
		{"no date", drop("x-amz-date")(good), &upload{}, "InvalidArgument", missing("X-Amz-Date"), "X-Amz-Date"},
		{"empty signature", set("x-amz-signature", "")(good), &upload{}, "InvalidArgument", missing("X-Amz-Signature"), "X-Amz-Signature"},
		{"no policy", drop("policy")(good), &upload{}, "InvalidArgument", missing("policy"), "policy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(request(t, tt.fields, tt.file), testBucket, creds, t0)
			e := wantErr(t, err, tt.code, tt.msg)
			if extra(e, "ArgumentName") != tt.arg {
				t.Fatalf("ArgumentName %q", extra(e, "ArgumentName"))
			}
		})
	}
}

func TestSigV4FieldErrors(t *testing.T) {
	good := signedV4([]field{{"key", "a.txt"}}, `{"key": "a.txt"}`, t0)
	if _, err := parse(request(t, good, &upload{}), testBucket, creds, t0); err != nil {
		t.Fatal(err)
	}
	cred := func(c string) func([]field) []field { return set("x-amz-credential", c) }
	for _, tt := range []struct {
		name      string
		edit      func([]field) []field
		code, msg string
	}{
		{"algorithm", set("x-amz-algorithm", "AWS4-HMAC-SHA1"), "InvalidArgument", `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{"credential parts", cred(testAK + "/20260301/us-east-1/s3"), "InvalidArgument",
			`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{"empty access key", cred("/20260301/us-east-1/s3/aws4_request"), "InvalidArgument",
			"a non-empty Access Key (AKID) must be provided in the credential."},
		{"credential date", cred(testAK + "/2026-03-01/us-east-1/s3/aws4_request"), "InvalidArgument",
			`incorrect date format "2026-03-01". This date in the credential must be in the format "yyyyMMdd".`},
		{"service", cred(testAK + "/20260301/us-east-1/iam/aws4_request"), "InvalidArgument",
			`incorrect service "iam". This endpoint belongs to "s3".`},
		{"terminal", cred(testAK + "/20260301/us-east-1/s3/aws5_request"), "InvalidArgument",
			`incorrect terminal "aws5_request". This endpoint uses "aws4_request".`},
		{"date", set("x-amz-date", "2026-03-01T12:00:00Z"), "InvalidArgument", "X-Amz-Date must be formated via ISO8601 Long format"},
		{"security token", add("x-amz-security-token", "token"), "InvalidToken", ""},
		{"signature not hex", set("x-amz-signature", strings.Repeat("zz", 32)), "SignatureDoesNotMatch", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(request(t, tt.edit(good), &upload{}), testBucket, creds, t0)
			wantErr(t, err, tt.code, tt.msg)
		})
	}
}

// signPolicy signs a whole policy document (not just its conditions) for a SigV4 form.
func signPolicy(fields []field, doc string) []field {
	date := t0.Format("20060102T150405Z")
	policy := base64.StdEncoding.EncodeToString([]byte(doc))
	m := hmac.New(sha256Hash, testSigningKey(testSecret, date[:8], "us-east-1"))
	io.WriteString(m, policy)
	return append(append([]field(nil), fields...),
		field{"x-amz-algorithm", "AWS4-HMAC-SHA256"},
		field{"x-amz-credential", testAK + "/" + date[:8] + "/us-east-1/s3/aws4_request"},
		field{"x-amz-date", date},
		field{"policy", policy},
		field{"x-amz-signature", hex.EncodeToString(m.Sum(nil))})
}

func TestSignedPolicyErrors(t *testing.T) {
	// The signature is checked over the policy as sent, then the policy is decoded.
	fields := signPolicy([]field{{"key", "a"}}, `{"expiration": "2026-03-01T13:00:00Z", "conditions": [["eq", "$key", "a"]`)
	_, err := parse(request(t, fields, &upload{}), testBucket, creds, t0)
	wantErr(t, err, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")

	fields = signPolicy([]field{{"key", "a"}}, "")
	fields = set("policy", "not base64!")(fields)
	m := hmac.New(sha256Hash, testSigningKey(testSecret, "20260301", "us-east-1"))
	io.WriteString(m, "not base64!")
	fields = set("x-amz-signature", hex.EncodeToString(m.Sum(nil)))(fields)
	_, err = parse(request(t, fields, &upload{}), testBucket, creds, t0)
	wantErr(t, err, "InvalidPolicyDocument", "Invalid Policy: invalid Base64 encoding.")
}

func TestFilename(t *testing.T) {
	for _, tt := range []struct {
		name     string
		filename *string
		key      string
		disp     string
	}{
		{"plain", ptr("photo.jpg"), "up/photo.jpg", `attachment; filename="photo.jpg"`},
		{"unix path", ptr("/home/me/photo.jpg"), "up/photo.jpg", `attachment; filename="photo.jpg"`},
		{"windows path", ptr(`C:\Program Files\directory1\file.txt`), "up/file.txt", `attachment; filename="file.txt"`},
		{"empty", ptr(""), "up/", `attachment; filename=""`},
		{"trailing slash", ptr("dir/"), "up/", `attachment; filename=""`},
		// S3 was seen to keep the variable when the part has no filename at all.
		{"no filename parameter", nil, "up/${filename}", `attachment; filename="${filename}"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fields := signedV4([]field{{"key", "up/${filename}"}, {"Content-Disposition", `attachment; filename="${filename}"`}},
				`["starts-with", "$key", "up/"], ["starts-with", "$content-disposition", "attachment"]`, t0)
			f, err := parse(request(t, fields, &upload{filename: tt.filename}), testBucket, creds, t0)
			if err != nil {
				t.Fatal(err)
			}
			if f.Key != tt.key || f.Metadata.ContentDisposition != tt.disp {
				t.Fatalf("key %q disposition %q", f.Key, f.Metadata.ContentDisposition)
			}
		})
	}
	// The expanded key is what the policy checks.
	fields := signedV4([]field{{"key", "${filename}"}}, `{"key": "a.txt"}`, t0)
	if _, err := parse(request(t, fields, &upload{filename: ptr("a.txt")}), testBucket, creds, t0); err != nil {
		t.Fatal(err)
	}
	_, err := parse(request(t, fields, &upload{filename: ptr("b.txt")}), testBucket, creds, t0)
	wantErr(t, err, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a.txt"]`)
}

func TestFieldValues(t *testing.T) {
	sum := checksum.SHA256.Sum([]byte("bar"))
	fields := signedV4([]field{
		{"key", "k"},
		{"success_action_status", "201"},
		{"success_action_redirect", "https://example.com/done?x=1"},
		{"Cache-Control", "max-age=60"},
		{"Content-Encoding", "gzip"},
		{"Expires", "Thu, 01 Dec 2026 16:00:00 GMT"},
		{"X-Amz-Meta-Color", "blue"},
		{"x-amz-meta-tag", "a"},
		{"x-amz-meta-tag", "b"},
		{"x-amz-checksum-sha256", sum},
		{"x-amz-checksum-algorithm", "sha256"},
		{"x-amz-storage-class", "STANDARD_IA"},
		{"Content-MD5", "N7UdGUp1E+RbVvZSTy1R8g=="},
	}, `{"key": "k"}, ["starts-with", "$success_action_status", ""], ["starts-with", "$success_action_redirect", "https://example.com/"],
		["starts-with", "$cache-control", ""], ["starts-with", "$content-encoding", ""], ["starts-with", "$expires", ""],
		["starts-with", "$x-amz-meta-color", ""], {"x-amz-meta-tag": "a,b"}, ["starts-with", "$x-amz-checksum-sha256", ""],
		["starts-with", "$x-amz-checksum-algorithm", ""], ["starts-with", "$x-amz-storage-class", ""], ["starts-with", "$content-md5", ""]`, t0)
	f, err := parse(request(t, fields, &upload{content: []byte("bar")}), testBucket, creds, t0)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Metadata
	if f.SuccessStatus != 201 || f.Redirect != "https://example.com/done?x=1" || m.CacheControl != "max-age=60" ||
		m.ContentEncoding != "gzip" || m.Expires != "Thu, 01 Dec 2026 16:00:00 GMT" || m.User["color"] != "blue" ||
		m.User["tag"] != "a,b" || f.StorageClass != "STANDARD_IA" || len(f.ContentMD5) != 16 ||
		f.Checksum != (checksum.Checksum{Algorithm: checksum.SHA256, Value: sum}) {
		t.Fatalf("%+v", f)
	}

	for _, tt := range []struct {
		fields   []field
		status   int
		redirect string
	}{
		{nil, 204, ""},
		{[]field{{"success_action_status", "200"}}, 200, ""},
		{[]field{{"success_action_status", "404"}}, 204, ""},
		{[]field{{"success_action_redirect", "/relative"}}, 204, ""},
		{[]field{{"redirect", "http://example.com/"}}, 204, "http://example.com/"},
		{[]field{{"success_action_redirect", "ftp://example.com/"}}, 204, ""},
	} {
		f, err := parse(request(t, append([]field{{"key", "k"}}, tt.fields...), &upload{}), testBucket, creds, t0)
		if err != nil {
			t.Fatal(err)
		}
		if f.SuccessStatus != tt.status || f.Redirect != tt.redirect {
			t.Errorf("%v: status %d redirect %q", tt.fields, f.SuccessStatus, f.Redirect)
		}
	}

	for _, tt := range []struct {
		fields    []field
		code, msg string
	}{
		{[]field{{"x-amz-checksum-sha256", "nope"}}, "InvalidRequest", "Value for x-amz-checksum-sha256 header is invalid."},
		{[]field{{"x-amz-checksum-algorithm", "crc32"}}, "InvalidRequest", ""},
		{[]field{{"x-amz-checksum-algorithm", "md4"}}, "InvalidRequest", "Value for x-amz-checksum-algorithm header is invalid."},
		{[]field{{"content-md5", "short"}}, "InvalidDigest", ""},
	} {
		_, err := parse(request(t, append([]field{{"key", "k"}}, tt.fields...), &upload{}), testBucket, creds, t0)
		wantErr(t, err, tt.code, tt.msg)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestSizeLimits(t *testing.T) {
	fields := signedV4([]field{{"key", "k"}}, `{"key": "k"}, ["content-length-range", 5, 10]`, t0)
	for _, tt := range []struct {
		size      int
		code      string
		extraName string
		extraVal  string
	}{
		{0, "EntityTooSmall", "MinSizeAllowed", "5"},
		{4, "EntityTooSmall", "ProposedSize", "4"},
		{5, "", "", ""},
		{10, "", "", ""},
		{11, "EntityTooLarge", "MaxSizeAllowed", "10"},
		{1 << 20, "EntityTooLarge", "MaxSizeAllowed", "10"},
	} {
		content := bytes.Repeat([]byte("x"), tt.size)
		ct, b := body(t, fields, &upload{content: content})
		counter := &countingReader{r: bytes.NewReader(b)}
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/"+testBucket, counter)
		r.Header.Set("Content-Type", ct)
		f, err := parse(r, testBucket, creds, t0)
		if err != nil {
			t.Fatal(err)
		}
		data, err := readFile(f)
		if tt.code == "" {
			if err != nil || !bytes.Equal(data, content) {
				t.Fatalf("size %d: %d bytes, %v", tt.size, len(data), err)
			}
			continue
		}
		e := wantErr(t, err, tt.code, "")
		if extra(e, tt.extraName) != tt.extraVal {
			t.Fatalf("size %d: %+v", tt.size, e)
		}
		if tt.code == "EntityTooLarge" && counter.n > len(b)-tt.size+64<<10 {
			t.Fatalf("read %d bytes of a %d-byte body before failing", counter.n, len(b))
		}
		// The error sticks.
		if _, again := f.File.Read(make([]byte, 1)); again != err {
			t.Fatalf("second read: %v", again)
		}
	}
	e := wantErr(t, tooSmall(1, 5), "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
	if e.Status != 400 {
		t.Fatal(e.Status)
	}
	wantErr(t, tooLarge(10), "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
}

func TestAnonymousSizeCap(t *testing.T) {
	f, err := parse(request(t, []field{{"key", "k"}}, &upload{content: []byte("abc")}), testBucket, creds, t0)
	if err != nil {
		t.Fatal(err)
	}
	fr := f.File.(*fileReader)
	if fr.min != 0 || fr.max != 5<<30 {
		t.Fatalf("range %d..%d", fr.min, fr.max)
	}
}

func TestBodyErrors(t *testing.T) {
	post := func(ct string, b []byte) error {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/"+testBucket, bytes.NewReader(b))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		_, err := parse(r, testBucket, creds, t0)
		return err
	}
	e := wantErr(t, post("text/html", nil), "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
	if e.Status != 412 || extra(e, "Condition") != "Bucket POST must be of the enclosure-type multipart/form-data" {
		t.Fatalf("%+v", e)
	}
	wantErr(t, post("", nil), "PreconditionFailed", "")
	wantErr(t, post("multipart/form-data", nil), "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
	wantErr(t, post("multipart/form-data; boundary=xyz", []byte("--xyz\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nvalue")),
		"MalformedPOSTRequest", "")

	// The fields before the file are bounded, however they are spread.
	tooLarge := func(err error) {
		t.Helper()
		e := wantErr(t, err, "MaxPostPreDataLengthExceeded", "Your POST request fields preceeding the upload file was too large.")
		if e.Status != 400 || extra(e, "MaxPostPreDataLengthBytes") != "20480" {
			t.Fatalf("%+v", e)
		}
	}
	ct, b := body(t, []field{{"key", "k"}, {"x-ignore-pad", strings.Repeat("p", MaxFieldBytes)}}, &upload{})
	tooLarge(post(ct, b))
	var many []field
	for range 40 {
		many = append(many, field{"x-ignore-pad", strings.Repeat("p", 600)})
	}
	ct, b = body(t, many, &upload{})
	tooLarge(post(ct, b))
	// Parts without headers cost little each, but their number is bounded too.
	parts := strings.Repeat("--b\r\n\r\n\r\n", MaxFields) + "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--b--\r\n"
	wantErr(t, post("multipart/form-data; boundary=b", []byte(parts)), "InvalidArgument", missingField("key").Message)
	parts = strings.Repeat("--b\r\n\r\n\r\n", MaxFields+1) + "--b--\r\n"
	tooLarge(post("multipart/form-data; boundary=b", []byte(parts)))
	// A header line that never ends.
	huge := "--b\r\nContent-Disposition: form-data; name=\"key\"\r\nX-Pad: " + strings.Repeat("p", 10<<20)
	tooLarge(post("multipart/form-data; boundary=b", []byte(huge)))

	// Just under the bound is fine.
	ct, b = body(t, []field{{"key", "k"}, {"x-ignore-pad", strings.Repeat("p", MaxFieldBytes-300)}}, &upload{})
	if err := post(ct, b); err != nil {
		t.Fatal(err)
	}
}

func TestTruncatedFile(t *testing.T) {
	fields := signedV4([]field{{"key", "k"}}, `{"key": "k"}`, t0)
	ct, b := body(t, fields, &upload{content: bytes.Repeat([]byte("x"), 100)})
	b = b[:len(b)-60]
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/"+testBucket, bytes.NewReader(b))
	r.Header.Set("Content-Type", ct)
	f, err := parse(r, testBucket, creds, t0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readFile(f)
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("a body cut in the file read as complete: %v", err)
	}
	wantErr(t, err, "MalformedPOSTRequest", "")
}

func TestResponseBody(t *testing.T) {
	got := string(ResponseBody("https://b.s3.amazonaws.com/pr%C3%A9sident.jpg", "b", "président & <co>.jpg", "14dd4667441ada2b3914e5c1b72573b3"))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<PostResponse><Location>https://b.s3.amazonaws.com/pr%C3%A9sident.jpg</Location><Bucket>b</Bucket>` +
		`<Key>président &amp; &lt;co&gt;.jpg</Key><ETag>"14dd4667441ada2b3914e5c1b72573b3"</ETag></PostResponse>`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestRedirectURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"http://example.com/done", "http://example.com/done?bucket=b&key=a%2Fb+c.txt&etag=%22e1%22"},
		{"http://example.com/done?md5=1&x=a b", "http://example.com/done?md5=1&x=a b&bucket=b&key=a%2Fb+c.txt&etag=%22e1%22"},
		{"http://example.com/done?", "http://example.com/done?bucket=b&key=a%2Fb+c.txt&etag=%22e1%22"},
		{"http://example.com/done#top", "http://example.com/done?bucket=b&key=a%2Fb+c.txt&etag=%22e1%22#top"},
	} {
		if got := RedirectURL(tt.in, "b", "a/b c.txt", "e1"); got != tt.want {
			t.Errorf("%s: got %s", tt.in, got)
		}
	}
}

// failingEnd is a body's end that reports an error, as a payload hash check does.
type failingEnd struct{ err error }

func (f failingEnd) Read([]byte) (int, error) { return 0, f.err }

// TestFileEndsWithBody: the file reads to io.EOF only once the whole body has, so that an
// error at the body's end (a payload hash that does not match) fails the upload, and what
// follows the file is bounded.
func TestFileEndsWithBody(t *testing.T) {
	for _, tc := range []struct {
		name   string
		after  []field
		endErr error
		code   string
	}{
		{"fields after the file", []field{{"submit", "Upload"}}, nil, ""},
		{"a body failing at its end", nil, s3err.XAmzContentSHA256Mismatch, "XAmzContentSHA256Mismatch"},
		{"a body failing after fields after the file", []field{{"submit", "Upload"}}, s3err.XAmzContentSHA256Mismatch, "XAmzContentSHA256Mismatch"},
		{"too much after the file", []field{{"pad", strings.Repeat("x", 2*MaxTrailingBytes)}}, nil, "MalformedPOSTRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, b := body(t, []field{{"key", "k"}}, &upload{content: []byte("file data"), after: tc.after})
			var r io.Reader = bytes.NewReader(b)
			if tc.endErr != nil {
				r = io.MultiReader(r, failingEnd{tc.endErr})
			}
			f, err := Parse(ct, r, testBucket, creds, t0)
			if err != nil {
				t.Fatal(err)
			}
			data, err := readFile(f)
			if tc.code != "" {
				wantErr(t, err, tc.code, "")
				return
			}
			if err != nil || string(data) != "file data" {
				t.Fatalf("file %q, %v", data, err)
			}
		})
	}
}
