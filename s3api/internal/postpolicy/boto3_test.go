package postpolicy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// presignScript has boto3 write the fields of a presigned POST, as [name, value] pairs in
// its order, for the signature version, access key and secret given as arguments.
const presignScript = `
import json, sys
import boto3
from botocore.config import Config
version, ak, secret = sys.argv[1:4]
s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id=ak, aws_secret_access_key=secret,
                  endpoint_url="http://127.0.0.1:1", config=Config(signature_version=version))
post = s3.generate_presigned_post(
    "` + testBucket + `", "uploads/${filename}",
    Fields={"acl": "public-read", "Content-Type": "image/png", "x-amz-meta-owner": "me"},
    Conditions=[{"acl": "public-read"}, ["starts-with", "$Content-Type", "image/"],
                ["eq", "$x-amz-meta-owner", "me"], ["content-length-range", 1, 100]],
    ExpiresIn=600)
json.dump({"url": post["url"], "fields": list(post["fields"].items())}, sys.stdout)
`

// boto3Form returns the fields boto3 generates, or skips the test when python3 or boto3 is
// missing (and fails instead when the CI variable is set).
func boto3Form(t *testing.T, version string) []field {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		unavailable("python3 not found: %v", err)
	}
	if err := exec.Command(python, "-c", "import boto3").Run(); err != nil {
		unavailable("boto3 cannot be imported: %v", err)
	}
	out, err := exec.Command(python, "-c", presignScript, version, testAK, testSecret).Output()
	if err != nil {
		t.Fatalf("boto3: %v", err)
	}
	var post struct {
		URL    string      `json:"url"`
		Fields [][2]string `json:"fields"`
	}
	if err := json.Unmarshal(out, &post); err != nil {
		t.Fatalf("boto3 output %q: %v", out, err)
	}
	if !strings.HasSuffix(post.URL, "/"+testBucket) {
		t.Fatalf("url %s", post.URL)
	}
	fields := make([]field, len(post.Fields))
	for i, f := range post.Fields {
		fields[i] = field{f[0], f[1]}
	}
	return fields
}

func TestBoto3PresignedPost(t *testing.T) {
	for _, version := range []string{"s3v4", "s3"} {
		t.Run(version, func(t *testing.T) {
			fields := boto3Form(t, version)
			now := time.Now()
			file := func(content string) *upload { return &upload{filename: ptr("cat.png"), content: []byte(content)} }
			f, err := parse(request(t, fields, file("png bytes")), testBucket, creds, now)
			if err != nil {
				t.Fatal(err)
			}
			if f.AccessKey != testAK || f.Key != "uploads/cat.png" || f.ACL != "public-read" ||
				f.Metadata.ContentType != "image/png" || f.Metadata.User["owner"] != "me" {
				t.Fatalf("%+v", f)
			}
			if data, err := readFile(f); err != nil || string(data) != "png bytes" {
				t.Fatalf("file %q, %v", data, err)
			}

			// The policy's content-length-range, enforced while streaming.
			f, err = parse(request(t, fields, file(strings.Repeat("x", 101))), testBucket, creds, now)
			if err != nil {
				t.Fatal(err)
			}
			_, err = readFile(f)
			wantErr(t, err, "EntityTooLarge", "")

			// A key outside the policy's prefix.
			_, err = parse(request(t, set("key", "private/${filename}")(fields), file("x")), testBucket, creds, now)
			wantErr(t, err, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]`)

			// Another Content-Type.
			_, err = parse(request(t, set("Content-Type", "text/html")(fields), file("x")), testBucket, creds, now)
			wantErr(t, err, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]`)

			// A policy rewritten to allow any key, without a new signature.
			var policy string
			for _, f := range fields {
				if f.name == "policy" {
					policy = f.value
				}
			}
			doc, err := base64.StdEncoding.DecodeString(policy)
			if err != nil || !bytes.Contains(doc, []byte(`"uploads/"`)) {
				t.Fatalf("policy %s, %v", doc, err)
			}
			forged := base64.StdEncoding.EncodeToString(bytes.Replace(doc, []byte(`"uploads/"`), []byte(`""`), 1))
			_, err = parse(request(t, set("key", "private/${filename}")(set("policy", forged)(fields)), file("x")), testBucket, creds, now)
			wantErr(t, err, "SignatureDoesNotMatch", "")

			// The same form once the policy has expired.
			_, err = parse(request(t, fields, file("x")), testBucket, creds, now.Add(11*time.Minute))
			wantErr(t, err, "AccessDenied", "Invalid according to Policy: Policy expired.")
		})
	}
}
