package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The users of account 111122223333 given with --credentials: its root user and two IAM users,
// who have no permission of their own and get only what bucket policies grant them.
const policyAccount = "111122223333"

var policyUsers = []map[string]string{
	{"accessKey": "AKIDPOLICYROOT", "secretKey": "policy-root-secret", "account": policyAccount},
	{"accessKey": "AKIDPOLICYALICE", "secretKey": "policy-alice-secret", "account": policyAccount, "userName": "alice"},
	{"accessKey": "AKIDPOLICYBOB", "secretKey": "policy-bob-secret", "account": policyAccount, "userName": "bob"},
}

// startPolicyServer runs doorman with the main test user and the account's users.
func startPolicyServer(t *testing.T) *server {
	t.Helper()
	doc, err := json.Marshal(policyUsers)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return startServer(t, "", "--credentials", file)
}

// sdkAs is an aws-sdk-go-v2 client signing with the keys of one of policyUsers, or the main
// test user's when i < 0.
func sdkAs(srv *server, i int) *s3.Client {
	ak, sk := accessKey, secretKey
	if i >= 0 {
		ak, sk = policyUsers[i]["accessKey"], policyUsers[i]["secretKey"]
	}
	return s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
}

// publicReadPolicy lets anyone read bucket's objects, and denies everyone reading under
// secret/.
func publicReadPolicy(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"},` +
		`{"Sid":"NoSecrets","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/secret/*"}]}`
}

// anonymousGet fetches url without signing, with extra headers.
func anonymousGet(t *testing.T, url string, h http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// aws-sdk-go-v2: a public-read bucket made with a policy, refused while BlockPublicPolicy is
// on; GetBucketPolicyStatus; a presigned URL of the owner refused under a Deny; a per-user
// prefix with ${aws:username}.
func TestPolicySDK(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	ctx := context.Background()
	owner := sdkAs(srv, -1)
	const bucket = "sdk-policy"
	srv.createBucket(t, bucket)
	for _, key := range []string{"site/index.html", "secret/key"} {
		if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("content of " + key)}); err != nil {
			t.Fatal(err)
		}
	}
	on := true
	if _, err := owner.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicPolicy: &on}}); err != nil {
		t.Fatal(err)
	}
	put := &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(publicReadPolicy(bucket))}
	if _, err := owner.PutBucketPolicy(ctx, put); apiCode(err) != "AccessDenied" || httpStatus(err) != 403 {
		t.Fatalf("a public policy under BlockPublicPolicy: %v, want 403 AccessDenied", err)
	}
	if _, err := owner.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.PutBucketPolicy(ctx, put); err != nil {
		t.Fatal(err)
	}
	got, err := owner.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if err != nil || aws.ToString(got.Policy) != publicReadPolicy(bucket) {
		t.Errorf("GetBucketPolicy: %v %q", err, aws.ToString(got.Policy))
	}
	status, err := owner.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String(bucket)})
	if err != nil || !aws.ToBool(status.PolicyStatus.IsPublic) {
		t.Errorf("GetBucketPolicyStatus: %v %+v", err, status)
	}
	if code, body := anonymousGet(t, srv.URL+"/"+bucket+"/site/index.html", nil); code != 200 || body != "content of site/index.html" {
		t.Errorf("anonymous GET of a public object: %d %s", code, body)
	}
	if code, _ := anonymousGet(t, srv.URL+"/"+bucket+"/secret/key", nil); code != 403 {
		t.Errorf("anonymous GET under the Deny: %d, want 403", code)
	}
	// The owner's presigned URL is the owner's request: the Deny binds it too.
	presigned, err := s3.NewPresignClient(owner).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("secret/key")})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := anonymousGet(t, presigned.URL, nil); code != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Errorf("the owner's presigned URL under the Deny: %d %s", code, body)
	}

	// Per-user prefixes in the account's own bucket, with ${aws:username}.
	root, alice, bob := sdkAs(srv, 0), sdkAs(srv, 1), sdkAs(srv, 2)
	const home = "sdk-homes"
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(home)}); err != nil {
		t.Fatal(err)
	}
	// Naming the account in an Allow delegates to the account: its IAM users, with no identity
	// policy, get nothing from it
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts).
	byAccount := `{"Version":"2012-10-17","Statement":[{"Sid":"OwnPrefix","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + policyAccount + `:root"},` +
		`"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::` + home + `/home/${aws:username}/*"}]}`
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(home), Policy: aws.String(byAccount)}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(home), Key: aws.String("home/alice/notes"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Errorf("alice under a policy naming her account: %v, want AccessDenied", err)
	}
	// Every principal of the account, by a condition on aws:PrincipalAccount.
	homes := `{"Version":"2012-10-17","Statement":[{"Sid":"OwnPrefix","Effect":"Allow","Principal":"*",` +
		`"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::` + home + `/home/${aws:username}/*",` +
		`"Condition":{"StringEquals":{"aws:PrincipalAccount":"` + policyAccount + `"}}}]}`
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(home), Policy: aws.String(homes)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		client *s3.Client
		key    string
		code   string
	}{
		{"alice in her prefix", alice, "home/alice/notes", ""},
		{"bob in his prefix", bob, "home/bob/notes", ""},
		{"bob in alice's prefix", bob, "home/alice/notes", "AccessDenied"},
		{"alice outside any prefix", alice, "shared", "AccessDenied"},
	} {
		_, err := c.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(home), Key: aws.String(c.key), Body: strings.NewReader("x")})
		if apiCode(err) != c.code {
			t.Errorf("%s: PutObject %s: %v, want %q", c.name, c.key, err, c.code)
		}
	}
	// An IAM user has no identity policy: the policy is all it has, even for its account's bucket.
	if _, err := alice.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(home)}); apiCode(err) != "AccessDenied" {
		t.Errorf("alice lists the bucket: %v, want AccessDenied", err)
	}
	if _, err := alice.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(home)}); apiCode(err) != "AccessDenied" {
		t.Errorf("alice reads the policy: %v, want AccessDenied", err)
	}
}

// The AWS CLI: the same public-read bucket, made with put-public-access-block and
// put-bucket-policy, then a policy conditioned on the Referer and on the source address.
func TestPolicyAWSCLI(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	cli := newAWSCLI(t, srv)
	const bucket = "cli-policy"
	cli.run(true, "s3api", "create-bucket", "--bucket", bucket)
	file := filepath.Join(cli.dir, "site.html")
	writeTestFile(t, file, []byte("<h1>site</h1>"))
	cli.run(true, "s3api", "put-object", "--bucket", bucket, "--key", "index.html", "--body", file)
	cli.run(true, "s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
	policyFile := filepath.Join(cli.dir, "policy.json")
	writeTestFile(t, policyFile, []byte(publicReadPolicy(bucket)))
	if out, err := cli.try(true, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "file://"+policyFile); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("put-bucket-policy under BlockPublicPolicy: %v %s, want AccessDenied", err, out)
	}
	cli.run(true, "s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
		"BlockPublicAcls=false,IgnorePublicAcls=false,BlockPublicPolicy=false,RestrictPublicBuckets=false")
	cli.run(true, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "file://"+policyFile)
	var status struct{ PolicyStatus struct{ IsPublic bool } }
	cli.json(&status, "s3api", "get-bucket-policy-status", "--bucket", bucket)
	if !status.PolicyStatus.IsPublic {
		t.Errorf("get-bucket-policy-status: %+v, want IsPublic", status)
	}
	var got struct{ Policy string }
	cli.json(&got, "s3api", "get-bucket-policy", "--bucket", bucket)
	if got.Policy != publicReadPolicy(bucket) {
		t.Errorf("get-bucket-policy: %q", got.Policy)
	}
	if code, body := anonymousGet(t, srv.URL+"/"+bucket+"/index.html", nil); code != 200 || body != "<h1>site</h1>" {
		t.Errorf("anonymous GET: %d %s", code, body)
	}

	// Referer and source address conditions
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html).
	conditioned := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",` +
		`"Resource":"arn:aws:s3:::` + bucket + `/*","Condition":{"StringLike":{"aws:Referer":["https://app.test/*"]},"IpAddress":{"aws:SourceIp":"%s"}}}]}`
	for _, c := range []struct {
		name, cidr, referer string
		want                int
	}{
		{"the app's pages from loopback", "127.0.0.0/8", "https://app.test/page", 200},
		{"another site's pages", "127.0.0.0/8", "https://other.test/page", 403},
		{"no Referer", "127.0.0.0/8", "", 403},
		{"another network", "192.0.2.0/24", "https://app.test/page", 403},
	} {
		writeTestFile(t, policyFile, []byte(strings.Replace(conditioned, "%s", c.cidr, 1)))
		cli.run(true, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "file://"+policyFile)
		h := http.Header{}
		if c.referer != "" {
			h.Set("Referer", c.referer)
		}
		if code, body := anonymousGet(t, srv.URL+"/"+bucket+"/index.html", h); code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, body, c.want)
		}
	}
	cli.run(true, "s3api", "delete-bucket-policy", "--bucket", bucket)
	if out, err := cli.try(true, "s3api", "get-bucket-policy", "--bucket", bucket); err == nil || !strings.Contains(err.Error(), "NoSuchBucketPolicy") {
		t.Errorf("get-bucket-policy after delete-bucket-policy: %v %s, want NoSuchBucketPolicy", err, out)
	}
}

// boto3: put_bucket_policy, get_bucket_policy_status, and a SigV4 presigned URL refused under a
// Deny while a URL for an object outside it is served.
func TestPolicyBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	srv := startPolicyServer(t)
	script := `
import json, os, sys, urllib.request, urllib.error
import boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=os.environ["DOORMAN_ENDPOINT"], region_name="us-east-1",
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
b = "boto3-policy"
s3.create_bucket(Bucket=b)
s3.put_object(Bucket=b, Key="site/a", Body=b"public")
s3.put_object(Bucket=b, Key="secret/b", Body=b"secret")
s3.delete_public_access_block(Bucket=b)
s3.put_bucket_policy(Bucket=b, Policy=sys.argv[1])
def fetch(url):
    try:
        with urllib.request.urlopen(url) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
print(json.dumps({
    "public": s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"],
    "open": fetch(s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "site/a"})),
    "denied": fetch(s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "secret/b"})),
}))
`
	cmd := exec.Command("python3", "-c", script, publicReadPolicy("boto3-policy"))
	cmd.Env = append(clientEnv(filepath.Join(t.TempDir(), "aws-config")), "DOORMAN_ENDPOINT="+srv.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3 script: %v\n%s\nserver log:\n%s", err, stderr.String(), srv.logs)
	}
	var r struct {
		Public bool `json:"public"`
		Open   int  `json:"open"`
		Denied int  `json:"denied"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("boto3 script output: %v\n%s", err, stdout.String())
	}
	if !r.Public || r.Open != 200 || r.Denied != 403 {
		t.Errorf("boto3: %+v, want public, the open object served and the denied one 403", r)
	}
}
