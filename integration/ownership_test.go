package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// createACLBucket creates name with c with ACLs enabled and, unless acl is empty, that canned
// ACL, as one must on Amazon S3 since April 2023, when new buckets began with ACLs disabled and
// Block Public Access on
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html):
// CreateBucket with Object Ownership ObjectWriter, DeletePublicAccessBlock, then PutBucketAcl.
func createACLBucket(t testing.TB, c *s3.Client, name string, acl s3types.BucketCannedACL) string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("DeletePublicAccessBlock %s: %v", name, err)
	}
	if acl != "" {
		if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(name), ACL: acl}); err != nil {
			t.Fatalf("PutBucketAcl %s: %v", name, err)
		}
	}
	return name
}

// createACLBucket is server.createBucket for a bucket whose objects are given ACLs.
func (s *server) createACLBucket(t testing.TB, name string) string {
	t.Helper()
	return createACLBucket(t, s.client(), name, "")
}

// The pages these tests follow: new buckets' defaults (API_CreateBucket.html), the refusals with
// ACLs disabled (object-ownership-error-responses.html) and Block Public Access
// (access-control-block-public-access.html), all under https://docs.aws.amazon.com/AmazonS3/.

// The AWS CLI: ACL requests on a new bucket (BucketOwnerEnforced) refused as S3 refuses them; a
// bucket made public with an ACL once created with ObjectWriter and its public access block
// deleted.
func TestOwnershipAWSCLI(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	cli := newAWSCLI(t, srv)
	file := filepath.Join(cli.dir, "page.html")
	writeTestFile(t, file, []byte("<h1>page</h1>"))
	refused := func(code string, args ...string) {
		t.Helper()
		if out, err := cli.try(true, args...); err == nil || !strings.Contains(err.Error(), code) {
			t.Errorf("aws %s: %v %s, want %s", strings.Join(args, " "), err, out, code)
		}
	}
	cli.run(true, "s3api", "create-bucket", "--bucket", "cli-enforced")
	var oc struct {
		OwnershipControls struct {
			Rules []struct{ ObjectOwnership string }
		}
	}
	cli.json(&oc, "s3api", "get-bucket-ownership-controls", "--bucket", "cli-enforced")
	if len(oc.OwnershipControls.Rules) != 1 || oc.OwnershipControls.Rules[0].ObjectOwnership != "BucketOwnerEnforced" {
		t.Errorf("get-bucket-ownership-controls of a new bucket: %+v", oc)
	}
	refused("AccessControlListNotSupported", "s3api", "put-object", "--bucket", "cli-enforced", "--key", "k", "--body", file, "--acl", "public-read")
	refused("AccessControlListNotSupported", "s3api", "put-bucket-acl", "--bucket", "cli-enforced", "--acl", "private")
	refused("AccessControlListNotSupported", "s3", "cp", file, "s3://cli-enforced/k", "--acl", "public-read")
	refused("InvalidBucketAclWithObjectOwnership", "s3api", "create-bucket", "--bucket", "cli-acl", "--acl", "public-read")
	cli.run(true, "s3api", "put-object", "--bucket", "cli-enforced", "--key", "k", "--body", file, "--acl", "bucket-owner-full-control")

	cli.run(true, "s3api", "create-bucket", "--bucket", "cli-public", "--object-ownership", "ObjectWriter")
	refused("AccessDenied", "s3api", "put-bucket-acl", "--bucket", "cli-public", "--acl", "public-read")
	cli.run(true, "s3api", "delete-public-access-block", "--bucket", "cli-public")
	refused("NoSuchPublicAccessBlockConfiguration", "s3api", "get-public-access-block", "--bucket", "cli-public")
	cli.run(true, "s3api", "put-bucket-acl", "--bucket", "cli-public", "--acl", "public-read")
	cli.run(true, "s3", "cp", file, "s3://cli-public/page.html", "--acl", "public-read", "--no-progress")
	if code, body := anonymousGet(t, srv.URL+"/cli-public/page.html", nil); code != 200 || body != "<h1>page</h1>" {
		t.Errorf("anonymous GET of the public object: %d %s", code, body)
	}
	if code, _ := anonymousGet(t, srv.URL+"/cli-public", nil); code != 200 {
		t.Errorf("anonymous listing of the public-read bucket: %d", code)
	}
	if code, _ := anonymousGet(t, srv.URL+"/cli-enforced/k", nil); code != 403 {
		t.Errorf("anonymous GET in the BucketOwnerEnforced bucket: %d, want 403", code)
	}
}

// boto3: the same refusals, the defaults read back, and a bucket made public with an ACL.
func TestOwnershipBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	srv := startServer(t, "")
	script := `
import json, os, urllib.request, urllib.error
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=os.environ["DOORMAN_ENDPOINT"], region_name="us-east-1",
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
def code(f, **kw):
    try:
        f(**kw)
        return "ok"
    except ClientError as e:
        return e.response["Error"]["Code"] + " " + str(e.response["ResponseMetadata"]["HTTPStatusCode"])
def fetch(url):
    try:
        with urllib.request.urlopen(url) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
s3.create_bucket(Bucket="boto3-enforced")
out = {
    "ownership": s3.get_bucket_ownership_controls(Bucket="boto3-enforced")["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
    "block": s3.get_public_access_block(Bucket="boto3-enforced")["PublicAccessBlockConfiguration"],
    "put_object_acl": code(s3.put_object, Bucket="boto3-enforced", Key="k", Body=b"x", ACL="public-read"),
    "put_bucket_acl": code(s3.put_bucket_acl, Bucket="boto3-enforced", ACL="public-read"),
    "create_with_acl": code(s3.create_bucket, Bucket="boto3-acl", ACL="public-read-write"),
}
s3.create_bucket(Bucket="boto3-public", ObjectOwnership="ObjectWriter")
out["blocked_acl"] = code(s3.put_bucket_acl, Bucket="boto3-public", ACL="public-read")
s3.delete_public_access_block(Bucket="boto3-public")
s3.put_bucket_acl(Bucket="boto3-public", ACL="public-read")
s3.put_object(Bucket="boto3-public", Key="k", Body=b"public", ACL="public-read")
out["anonymous_get"] = fetch(os.environ["DOORMAN_ENDPOINT"] + "/boto3-public/k")
s3.delete_bucket_ownership_controls(Bucket="boto3-public")
out["controls_deleted"] = code(s3.get_bucket_ownership_controls, Bucket="boto3-public")
print(json.dumps(out))
`
	cmd := exec.Command("python3", "-c", script)
	cmd.Env = append(clientEnv(filepath.Join(t.TempDir(), "aws-config")), "DOORMAN_ENDPOINT="+srv.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3 script: %v\n%s\nserver log:\n%s", err, stderr.String(), srv.logs)
	}
	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("boto3 script output: %v\n%s", err, stdout.String())
	}
	want := map[string]any{
		"ownership":        "BucketOwnerEnforced",
		"block":            map[string]any{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true},
		"put_object_acl":   "AccessControlListNotSupported 400",
		"put_bucket_acl":   "AccessControlListNotSupported 400",
		"create_with_acl":  "InvalidBucketAclWithObjectOwnership 400",
		"blocked_acl":      "AccessDenied 403",
		"anonymous_get":    float64(200),
		"controls_deleted": "OwnershipControlsNotFoundError 404",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("boto3:\n got %v\nwant %v", got, want)
	}
}

// aws-sdk-go-v2: the refusals with their statuses, GetBucketAcl's single grant with ACLs
// disabled, and a public-read bucket made as on S3 today (createACLBucket).
func TestOwnershipSDK(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	b := srv.createBucket(t, "sdk-enforced")
	for _, r := range []struct {
		what   string
		err    error
		status int
		code   string
	}{
		{"PutObject public-read", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x"), ACL: s3types.ObjectCannedACLPublicRead})
			return err
		}(), 400, "AccessControlListNotSupported"},
		{"PutBucketAcl private", func() error {
			_, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(b), ACL: s3types.BucketCannedACLPrivate})
			return err
		}(), 400, "AccessControlListNotSupported"},
		{"CreateMultipartUpload authenticated-read", func() error {
			_, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), ACL: s3types.ObjectCannedACLAuthenticatedRead})
			return err
		}(), 400, "AccessControlListNotSupported"},
		{"CreateBucket public-read", func() error {
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-acl"), ACL: s3types.BucketCannedACLPublicRead})
			return err
		}(), 400, "InvalidBucketAclWithObjectOwnership"},
	} {
		if httpStatus(r.err) != r.status || apiCode(r.err) != r.code {
			t.Errorf("%s: %v, want %d %s", r.what, r.err, r.status, r.code)
		}
	}
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(b)})
	if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != s3types.PermissionFullControl {
		t.Errorf("GetBucketAcl with ACLs disabled: %v %+v, want the owner's FULL_CONTROL alone", err, acl)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(b)})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Errorf("GetPublicAccessBlock of a new bucket: %v %+v", err, pab)
	}

	pub := createACLBucket(t, c, "sdk-public", s3types.BucketCannedACLPublicRead)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(pub), Key: aws.String("k"), Body: strings.NewReader("public"), ACL: s3types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if code, body := anonymousGet(t, srv.URL+"/"+pub+"/k", nil); code != 200 || body != "public" {
		t.Errorf("anonymous GET of the public object: %d %s", code, body)
	}
}
