package integration

import (
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// Full ACLs through real clients: grants given as x-amz-grant-* headers and as
// AccessControlPolicy bodies, to a canonical id, an e-mail address and a group, on buckets and
// objects, and what each permission lets the grantee do. The pages they follow, under
// https://docs.aws.amazon.com/AmazonS3/: userguide/acl-overview.html (grantees, permissions,
// what each permission allows on a bucket and on an object), API/API_PutBucketAcl.html and
// API/API_PutObjectAcl.html (the three ways to give an ACL, the grant headers' syntax),
// userguide/object-ownership-error-responses.html (ACLs disabled) and
// userguide/access-control-block-public-access.html (BlockPublicAcls, IgnorePublicAcls).

// The account the grants name: its root user, who has an e-mail address, and an IAM user of it,
// to whom a grant to the account's canonical id gives nothing (an ACL grants to an account,
// whose administrator delegates by identity policy, and doorman's IAM users have none).
const (
	aclGranteeAccount = "444455556666"
	aclGranteeEmail   = "grantee-team@example.com"
)

var (
	aclGrantee     = s3test.Account{Name: "grantee-team", AccessKey: "AKIDACLGRANTEEROOT", SecretKey: "acl-grantee-root-secret"}
	aclGranteeUser = s3test.Account{Name: "dave", AccessKey: "AKIDACLGRANTEEDAVE", SecretKey: "acl-grantee-dave-secret"}
)

// startACLServer runs doorman with the main test user (the owner of every bucket here), the
// grantee account's root and IAM user, and s3test.Third, an account no grant names.
func startACLServer(t *testing.T) *server {
	t.Helper()
	doc, err := json.Marshal([]map[string]string{
		{"accessKey": aclGrantee.AccessKey, "secretKey": aclGrantee.SecretKey, "displayName": aclGrantee.Name,
			"account": aclGranteeAccount, "email": aclGranteeEmail},
		{"accessKey": aclGranteeUser.AccessKey, "secretKey": aclGranteeUser.SecretKey, "account": aclGranteeAccount, "userName": aclGranteeUser.Name},
		{"accessKey": s3test.Third.AccessKey, "secretKey": s3test.Third.SecretKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "users.json")
	writeTestFile(t, file, doc)
	return startServer(t, "", "--credentials", file)
}

// sdkFor is an aws-sdk-go-v2 client of srv signing as a, with static keys.
func sdkFor(srv *server, a s3test.Account) *s3.Client {
	return sdkClient(srv, nil, func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(a.AccessKey, a.SecretKey, "")
	})
}

// canonicalIDOf is a's canonical user id, as ListBuckets shows its owner.
func canonicalIDOf(t *testing.T, srv *server, a s3test.Account) string {
	t.Helper()
	out, err := sdkFor(srv, a).ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil || out.Owner == nil || !canonicalID.MatchString(aws.ToString(out.Owner.ID)) {
		t.Fatalf("ListBuckets as %s: %v %+v", a.Name, err, out)
	}
	return aws.ToString(out.Owner.ID)
}

// aclGranteeView and aclGrant are a grant as the CLI and boto3 print it (GetBucketAcl's and
// GetObjectAcl's Grants), and as sdkGrants converts the SDK's.
type (
	aclGranteeView struct{ Type, ID, URI, DisplayName, EmailAddress string }
	aclGrant       struct {
		Grantee    aclGranteeView
		Permission string
	}
)

// userGrant is a grant to a canonical user, with the display name answers show for it.
func userGrant(id, displayName, permission string) aclGrant {
	return aclGrant{Grantee: aclGranteeView{Type: "CanonicalUser", ID: id, DisplayName: displayName}, Permission: permission}
}

// sdkGrants converts the SDK's grants to aclGrant.
func sdkGrants(gs []s3types.Grant) []aclGrant {
	out := []aclGrant{}
	for _, g := range gs {
		v := aclGrant{Permission: string(g.Permission)}
		if e := g.Grantee; e != nil {
			v.Grantee = aclGranteeView{Type: string(e.Type), ID: aws.ToString(e.ID), URI: aws.ToString(e.URI),
				DisplayName: aws.ToString(e.DisplayName), EmailAddress: aws.ToString(e.EmailAddress)}
		}
		out = append(out, v)
	}
	return out
}

// cliAs is a copy of cli signing with a's keys (the last value of a variable wins).
func cliAs(cli *awsCLI, a s3test.Account) *awsCLI {
	c := *cli
	c.env = append(slices.Clip(cli.env), "AWS_ACCESS_KEY_ID="+a.AccessKey, "AWS_SECRET_ACCESS_KEY="+a.SecretKey)
	return &c
}

// The AWS CLI: a bucket's READ given to another account by canonical id with --grant-read (the
// account's root lists, its IAM user and a third account do not), read back exactly; an
// object's READ given by e-mail address in an --access-control-policy document, read back as
// the account's canonical id, and then the grantee reads the object.
func TestACLGrantsAWSCLI(t *testing.T) {
	t.Parallel()
	srv := startACLServer(t)
	cli := newAWSCLI(t, srv)
	ownerID, granteeID := canonicalIDOf(t, srv, s3test.Owner), canonicalIDOf(t, srv, aclGrantee)
	grantee, iamUser, third := cliAs(cli, aclGrantee), cliAs(cli, aclGranteeUser), cliAs(cli, s3test.Third)
	const bucket = "cli-grants"
	cli.run(true, "s3api", "create-bucket", "--bucket", bucket, "--object-ownership", "ObjectWriter")
	cli.run(true, "s3api", "delete-public-access-block", "--bucket", bucket)
	list := []string{"s3api", "list-objects-v2", "--bucket", bucket}
	if out, err := grantee.try(true, list...); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("the grantee lists before any grant: %v %s, want AccessDenied", err, out)
	}
	cli.run(true, "s3api", "put-bucket-acl", "--bucket", bucket, "--grant-read", "id="+granteeID)
	for _, c := range []struct {
		who    string
		cli    *awsCLI
		denied bool
	}{
		{"the grantee account's root", grantee, false},
		{"an IAM user of the grantee account", iamUser, true},
		{"a third account", third, true},
	} {
		out, err := c.cli.try(true, list...)
		if c.denied != (err != nil) || c.denied && !strings.Contains(err.Error(), "AccessDenied") {
			t.Errorf("%s lists the bucket: %v %s, want denied %v", c.who, err, out, c.denied)
		}
	}
	var bucketACL struct {
		Owner  struct{ ID string }
		Grants []aclGrant
	}
	cli.json(&bucketACL, "s3api", "get-bucket-acl", "--bucket", bucket)
	// Grant headers list only the grants given: the owner gets no implicit FULL_CONTROL.
	if want := []aclGrant{userGrant(granteeID, aclGrantee.Name, "READ")}; bucketACL.Owner.ID != ownerID || !reflect.DeepEqual(bucketACL.Grants, want) {
		t.Errorf("get-bucket-acl: %+v, want owner %s and grants %+v", bucketACL, ownerID, want)
	}

	body := filepath.Join(cli.dir, "doc.txt")
	writeTestFile(t, body, []byte("shared by e-mail"))
	cli.run(true, "s3api", "put-object", "--bucket", bucket, "--key", "doc.txt", "--body", body)
	get := []string{"s3api", "get-object", "--bucket", bucket, "--key", "doc.txt", filepath.Join(cli.dir, "got.txt")}
	if out, err := grantee.try(true, get...); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("the grantee gets the object before its grant: %v %s, want AccessDenied", err, out)
	}
	acp, err := json.Marshal(map[string]any{
		"Owner": map[string]string{"ID": ownerID},
		"Grants": []map[string]any{
			{"Grantee": map[string]string{"Type": "CanonicalUser", "ID": ownerID}, "Permission": "FULL_CONTROL"},
			{"Grantee": map[string]string{"Type": "AmazonCustomerByEmail", "EmailAddress": aclGranteeEmail}, "Permission": "READ"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	acpFile := filepath.Join(cli.dir, "acp.json")
	writeTestFile(t, acpFile, acp)
	cli.run(true, "s3api", "put-object-acl", "--bucket", bucket, "--key", "doc.txt", "--access-control-policy", "file://"+acpFile)
	var objectACL struct{ Grants []aclGrant }
	cli.json(&objectACL, "s3api", "get-object-acl", "--bucket", bucket, "--key", "doc.txt")
	// Stored grants are by canonical id: the e-mail address is resolved once, when given.
	if want := []aclGrant{userGrant(ownerID, "", "FULL_CONTROL"), userGrant(granteeID, aclGrantee.Name, "READ")}; !reflect.DeepEqual(objectACL.Grants, want) {
		t.Errorf("get-object-acl: %+v, want %+v", objectACL.Grants, want)
	}
	grantee.run(true, get...)
	if got := readTestFile(t, get[len(get)-1]); string(got) != "shared by e-mail" {
		t.Errorf("the grantee's copy of the object: %q", got)
	}
	if out, err := third.try(true, get...); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("a third account gets the object: %v %s, want AccessDenied", err, out)
	}
}

// boto3: WRITE, READ_ACP and WRITE_ACP on a bucket given in AccessControlPolicy bodies, READ and
// FULL_CONTROL on objects given with put_object's GrantRead and GrantFullControl, and the
// refusals of grants that name no account or mix a canned ACL with grant headers
// (testdata/acl/grants.py).
func TestACLGrantsBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	srv := startACLServer(t)
	ownerID, granteeID, thirdID := canonicalIDOf(t, srv, s3test.Owner), canonicalIDOf(t, srv, aclGrantee), canonicalIDOf(t, srv, s3test.Third)
	cmd := exec.Command("python3", filepath.Join("testdata", "acl", "grants.py"))
	cmd.Env = append(clientEnv(filepath.Join(t.TempDir(), "aws-config")), "DOORMAN_ENDPOINT="+srv.URL,
		"GRANTEE_ACCESS_KEY="+aclGrantee.AccessKey, "GRANTEE_SECRET_KEY="+aclGrantee.SecretKey,
		"THIRD_ACCESS_KEY="+s3test.Third.AccessKey, "THIRD_SECRET_KEY="+s3test.Third.SecretKey,
		"OWNER_ID="+ownerID, "GRANTEE_ID="+granteeID, "THIRD_ID="+thirdID)
	got := runBoto3Script(t, cmd, srv)
	const denied = "AccessDenied 403"
	granteeRead := []aclGrant{userGrant(granteeID, aclGrantee.Name, "READ")}
	checkSteps(t, got, []scriptStep{
		{"write_before_grant", denied},
		{"write", "ok"},
		{"write_third", denied},
		{"get_acl_with_write", denied},
		{"get_acl_with_read_acp", []aclGrant{userGrant(granteeID, aclGrantee.Name, "READ_ACP")}},
		{"put_acl_with_read_acp", denied},
		{"write_with_read_acp", denied},
		{"get_acl_with_write_acp", denied},
		{"put_acl_with_write_acp", "ok"},
		{"acl_the_grantee_put", granteeRead},
		{"list_with_read", "ok"},
		{"object_read", "read body"},
		{"object_read_third", denied},
		{"object_read_get_acl", denied},
		{"object_read_acl", granteeRead},
		{"object_full_get", "full body"},
		{"object_full_acl", []aclGrant{userGrant(granteeID, aclGrantee.Name, "FULL_CONTROL")}},
		{"object_full_put_acl", "ok"},
		{"object_full_third_after", "full body"},
		{"unknown_id", "InvalidArgument 400 Invalid id"},
		{"malformed_id", "InvalidArgument 400 Invalid id"},
		{"unknown_email_header", "UnresolvableGrantByEmailAddress 400 The e-mail address you provided does not match any account on record."},
		{"unknown_email_body", "UnresolvableGrantByEmailAddress 400 The e-mail address you provided does not match any account on record."},
		{"canned_and_grant_bucket", "InvalidRequest 400 Specifying both Canned ACLs and Header Grants is not allowed"},
		{"canned_and_grant_object", "InvalidRequest 400 Specifying both Canned ACLs and Header Grants is not allowed"},
		{"bucket_acl_after_refusals", granteeRead},
		{"object_acl_after_refusals", granteeRead},
	})
}

// aws-sdk-go-v2: grants refused with ACLs disabled except the owner's FULL_CONTROL alone, public
// grants refused under BlockPublicAcls and ignored under IgnorePublicAcls, and grant headers on
// CreateBucket, CreateMultipartUpload and CopyObject.
func TestACLGrantsSDK(t *testing.T) {
	t.Parallel()
	srv := startACLServer(t)
	ctx := context.Background()
	owner, grantee, third := srv.client(), sdkFor(srv, aclGrantee), sdkFor(srv, s3test.Third)
	ownerID, granteeID := canonicalIDOf(t, srv, s3test.Owner), canonicalIDOf(t, srv, aclGrantee)
	user := func(id string, p s3types.Permission) s3types.Grant {
		return s3types.Grant{Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: aws.String(id)}, Permission: p}
	}
	group := func(uri string, p s3types.Permission) s3types.Grant {
		return s3types.Grant{Grantee: &s3types.Grantee{Type: s3types.TypeGroup, URI: aws.String(uri)}, Permission: p}
	}
	policy := func(grants ...s3types.Grant) *s3types.AccessControlPolicy {
		return &s3types.AccessControlPolicy{Owner: &s3types.Owner{ID: aws.String(ownerID)}, Grants: grants}
	}
	const (
		allUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
		authenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	)
	readByGrantee := "id=" + granteeID

	t.Run("Refusals", func(t *testing.T) {
		enforced := srv.createBucket(t, "sdk-grants-enforced")
		// ObjectWriter with the new bucket's Block Public Access left on.
		if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-grants-blocked"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
			t.Fatal(err)
		}
		putBucketACL := func(in s3.PutBucketAclInput) error {
			_, err := owner.PutBucketAcl(ctx, &in)
			return err
		}
		putObject := func(in s3.PutObjectInput) error {
			in.Key, in.Body = aws.String("obj"), strings.NewReader("x")
			_, err := owner.PutObject(ctx, &in)
			return err
		}
		for _, r := range []struct {
			what   string
			err    error
			status int
			code   string
		}{
			{"BucketOwnerEnforced: PutBucketAcl with x-amz-grant-read", putBucketACL(s3.PutBucketAclInput{Bucket: aws.String(enforced), GrantRead: aws.String(readByGrantee)}), 400, "AccessControlListNotSupported"},
			{"BucketOwnerEnforced: PutBucketAcl granting the owner FULL_CONTROL and another account READ", putBucketACL(s3.PutBucketAclInput{Bucket: aws.String(enforced),
				AccessControlPolicy: policy(user(ownerID, s3types.PermissionFullControl), user(granteeID, s3types.PermissionRead))}), 400, "AccessControlListNotSupported"},
			{"BucketOwnerEnforced: PutObject with x-amz-grant-read", putObject(s3.PutObjectInput{Bucket: aws.String(enforced), GrantRead: aws.String(readByGrantee)}), 400, "AccessControlListNotSupported"},
			{"BucketOwnerEnforced: PutBucketAcl granting the owner FULL_CONTROL alone", putBucketACL(s3.PutBucketAclInput{Bucket: aws.String(enforced),
				AccessControlPolicy: policy(user(ownerID, s3types.PermissionFullControl))}), 0, ""},
			{"BucketOwnerEnforced: PutObject with x-amz-grant-full-control to the bucket owner", putObject(s3.PutObjectInput{Bucket: aws.String(enforced), GrantFullControl: aws.String("id=" + ownerID)}), 0, ""},
			{"BlockPublicAcls: PutBucketAcl with x-amz-grant-read to AllUsers", putBucketACL(s3.PutBucketAclInput{Bucket: aws.String("sdk-grants-blocked"), GrantRead: aws.String(`uri="` + allUsers + `"`)}), 403, "AccessDenied"},
			{"BlockPublicAcls: PutBucketAcl granting AuthenticatedUsers READ", putBucketACL(s3.PutBucketAclInput{Bucket: aws.String("sdk-grants-blocked"),
				AccessControlPolicy: policy(user(ownerID, s3types.PermissionFullControl), group(authenticatedUsers, s3types.PermissionRead))}), 403, "AccessDenied"},
			{"BlockPublicAcls: PutObject with x-amz-grant-read to AllUsers", putObject(s3.PutObjectInput{Bucket: aws.String("sdk-grants-blocked"), GrantRead: aws.String("uri=" + allUsers)}), 403, "AccessDenied"},
			{"BlockPublicAcls: PutBucketAcl with x-amz-grant-read to an account", putBucketACL(s3.PutBucketAclInput{Bucket: aws.String("sdk-grants-blocked"), GrantRead: aws.String(readByGrantee)}), 0, ""},
		} {
			if httpStatus(r.err) != r.status || apiCode(r.err) != r.code {
				t.Errorf("%s: %v, want %d %q", r.what, r.err, r.status, r.code)
			}
		}
		for bucket, want := range map[string][]aclGrant{
			enforced:             {userGrant(ownerID, "", "FULL_CONTROL")},
			"sdk-grants-blocked": {userGrant(granteeID, aclGrantee.Name, "READ")},
		} {
			got, err := owner.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(bucket)})
			if err != nil {
				t.Errorf("GetBucketAcl %s after the refusals: %v", bucket, err)
			} else if g := sdkGrants(got.Grants); !reflect.DeepEqual(g, want) {
				t.Errorf("GetBucketAcl %s after the refusals: %+v, want %+v", bucket, g, want)
			}
		}
	})

	t.Run("IgnorePublicAcls", func(t *testing.T) {
		const bucket = "sdk-grants-ignored"
		if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
			t.Fatal(err)
		}
		off, on := false, true
		if _, err := owner.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: &off, IgnorePublicAcls: &on, BlockPublicPolicy: &off, RestrictPublicBuckets: &off}}); err != nil {
			t.Fatal(err)
		}
		keys := map[string]string{
			"for-everyone":      `uri="` + allUsers + `", ` + readByGrantee,
			"for-authenticated": "uri=" + authenticatedUsers,
		}
		for key, grants := range keys {
			if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(key), GrantRead: aws.String(grants)}); err != nil {
				t.Fatalf("PutObject %s with x-amz-grant-read %s: %v", key, grants, err)
			}
		}
		rows := []struct {
			who                 string
			client              *s3.Client // nil: anonymous
			key                 string
			ignored, notIgnored bool // read allowed while IgnorePublicAcls is on, and once it is off
		}{
			{"anonymous, AllUsers", nil, "for-everyone", false, true},
			{"the grantee's canonical id", grantee, "for-everyone", true, true},
			{"a third account, AllUsers", third, "for-everyone", false, true},
			{"a third account, AuthenticatedUsers", third, "for-authenticated", false, true},
			{"anonymous, AuthenticatedUsers", nil, "for-authenticated", false, false},
		}
		check := func(phase string, allowed func(int) bool) {
			t.Helper()
			for i, r := range rows {
				var status int
				if r.client == nil {
					status, _ = anonymousGet(t, srv.URL+"/"+bucket+"/"+r.key, nil)
				} else {
					out, err := r.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.key)})
					status = httpStatus(err)
					if err == nil {
						body, _ := io.ReadAll(out.Body)
						out.Body.Close()
						if status = 200; string(body) != r.key {
							t.Errorf("%s: %s reads %s: %q", phase, r.who, r.key, body)
						}
					}
				}
				if want := allowed(i); (status == 200) != want || !want && status != 403 {
					t.Errorf("%s: %s reads %s: %d, want allowed %v", phase, r.who, r.key, status, want)
				}
			}
		}
		check("IgnorePublicAcls on", func(i int) bool { return rows[i].ignored })
		if _, err := owner.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatal(err)
		}
		check("no public access block", func(i int) bool { return rows[i].notIgnored })
	})

	t.Run("CreateBucket", func(t *testing.T) {
		// With ACLs disabled, the default, a grant to another account is refused as a canned ACL is.
		_, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-grants-created-enforced"), GrantRead: aws.String(readByGrantee)})
		if httpStatus(err) != 400 || apiCode(err) != "InvalidBucketAclWithObjectOwnership" {
			t.Errorf("CreateBucket with x-amz-grant-read and ACLs disabled: %v, want 400 InvalidBucketAclWithObjectOwnership", err)
		}
		const bucket = "sdk-grants-created"
		if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectOwnership: s3types.ObjectOwnershipObjectWriter,
			GrantRead: aws.String(readByGrantee), GrantReadACP: aws.String(readByGrantee)}); err != nil {
			t.Fatalf("CreateBucket with x-amz-grant-read and x-amz-grant-read-acp: %v", err)
		}
		want := []aclGrant{userGrant(granteeID, aclGrantee.Name, "READ"), userGrant(granteeID, aclGrantee.Name, "READ_ACP")}
		got, err := grantee.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Errorf("GetBucketAcl as the grantee: %v", err)
		} else if g := sdkGrants(got.Grants); !reflect.DeepEqual(g, want) {
			t.Errorf("GetBucketAcl as the grantee: %+v, want %+v", g, want)
		}
		if _, err := grantee.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}); err != nil {
			t.Errorf("the grantee lists the bucket: %v", err)
		}
		if _, err := third.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}); apiCode(err) != "AccessDenied" {
			t.Errorf("a third account lists the bucket: %v, want AccessDenied", err)
		}
	})

	t.Run("MultipartAndCopy", func(t *testing.T) {
		bucket := createACLBucket(t, owner, "sdk-grants-headers", "")
		up, err := owner.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("multipart"), GrantRead: aws.String(readByGrantee)})
		if err != nil {
			t.Fatal(err)
		}
		part, err := owner.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("multipart"), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader("multipart")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := owner.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("multipart"), UploadId: up.UploadId,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("source"), Body: strings.NewReader("copy")}); err != nil {
			t.Fatal(err)
		}
		if _, err := owner.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy"), CopySource: aws.String(bucket + "/source"), GrantRead: aws.String(readByGrantee)}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			key, body string
			grants    []aclGrant
		}{
			{"multipart", "multipart", []aclGrant{userGrant(granteeID, aclGrantee.Name, "READ")}},
			{"copy", "copy", []aclGrant{userGrant(granteeID, aclGrantee.Name, "READ")}},
			// A copy takes the ACL its request gives, not its source's: the source stays private.
			{"source", "", []aclGrant{userGrant(ownerID, "", "FULL_CONTROL")}},
		} {
			acl, err := owner.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String(bucket), Key: aws.String(r.key)})
			if err != nil {
				t.Errorf("GetObjectAcl %s: %v", r.key, err)
			} else if g := sdkGrants(acl.Grants); !reflect.DeepEqual(g, r.grants) {
				t.Errorf("GetObjectAcl %s: %+v, want %+v", r.key, g, r.grants)
			}
			out, err := grantee.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.key)})
			if r.body == "" {
				if apiCode(err) != "AccessDenied" {
					t.Errorf("the grantee gets %s: %v, want AccessDenied", r.key, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("the grantee gets %s: %v", r.key, err)
				continue
			}
			body, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if string(body) != r.body {
				t.Errorf("the grantee gets %s: %q, want %q", r.key, body, r.body)
			}
			if _, err := third.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.key)}); apiCode(err) != "AccessDenied" {
				t.Errorf("a third account gets %s: %v, want AccessDenied", r.key, err)
			}
		}
	})
}
