package s3api

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/policy"
)

// An opAction is the S3 action a bucket policy names for an operation, and whether its
// resource is an object (arn:aws:s3:::BUCKET/KEY) or the bucket (arn:aws:s3:::BUCKET).
type opAction struct {
	name   string
	object bool
}

// actions maps every operation of the handlers table to its action, from
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html and the
// "Permissions" section of each operation's page in the S3 API reference. ListBuckets and
// CreateBucket are absent: neither acts on an existing bucket, so no bucket policy applies.
var actions = map[string]opAction{
	"HeadBucket":            {"s3:ListBucket", false},
	"DeleteBucket":          {"s3:DeleteBucket", false},
	"GetBucketLocation":     {"s3:GetBucketLocation", false},
	"GetBucketVersioning":   {"s3:GetBucketVersioning", false},
	"PutBucketVersioning":   {"s3:PutBucketVersioning", false},
	"GetBucketAcl":          {"s3:GetBucketAcl", false},
	"PutBucketAcl":          {"s3:PutBucketAcl", false},
	"GetBucketCors":         {"s3:GetBucketCORS", false},
	"PutBucketCors":         {"s3:PutBucketCORS", false},
	"DeleteBucketCors":      {"s3:PutBucketCORS", false},
	"GetBucketPolicy":       {"s3:GetBucketPolicy", false},
	"PutBucketPolicy":       {"s3:PutBucketPolicy", false},
	"DeleteBucketPolicy":    {"s3:DeleteBucketPolicy", false},
	"GetBucketPolicyStatus": {"s3:GetBucketPolicyStatus", false},
	// Object Ownership and Block Public Access.
	"GetBucketOwnershipControls":    {"s3:GetBucketOwnershipControls", false},
	"PutBucketOwnershipControls":    {"s3:PutBucketOwnershipControls", false},
	"DeleteBucketOwnershipControls": {"s3:PutBucketOwnershipControls", false},
	"GetPublicAccessBlock":          {"s3:GetBucketPublicAccessBlock", false},
	"PutPublicAccessBlock":          {"s3:PutBucketPublicAccessBlock", false},
	"DeletePublicAccessBlock":       {"s3:PutBucketPublicAccessBlock", false},
	"ListObjects":                   {"s3:ListBucket", false},
	"ListObjectsV2":                 {"s3:ListBucket", false},
	"ListObjectVersions":            {"s3:ListBucketVersions", false},
	"ListMultipartUploads":          {"s3:ListBucketMultipartUploads", false},
	"DeleteObjects":                 {"s3:DeleteObject", true},
	"PostObject":                    {"s3:PutObject", true},
	"GetObject":                     {"s3:GetObject", true},
	"HeadObject":                    {"s3:GetObject", true},
	"GetObjectAttributes":           {"s3:GetObjectAttributes", true},
	"PutObject":                     {"s3:PutObject", true},
	"CopyObject":                    {"s3:PutObject", true},
	"DeleteObject":                  {"s3:DeleteObject", true},
	"GetObjectAcl":                  {"s3:GetObjectAcl", true},
	"PutObjectAcl":                  {"s3:PutObjectAcl", true},
	"CreateMultipartUpload":         {"s3:PutObject", true},
	"UploadPart":                    {"s3:PutObject", true},
	"UploadPartCopy":                {"s3:PutObject", true},
	"CompleteMultipartUpload":       {"s3:PutObject", true},
	"AbortMultipartUpload":          {"s3:AbortMultipartUpload", true},
	"ListParts":                     {"s3:ListMultipartUploadParts", true},
	"GetObjectTagging":              {"s3:GetObjectTagging", true},
	"PutObjectTagging":              {"s3:PutObjectTagging", true},
	"DeleteObjectTagging":           {"s3:DeleteObjectTagging", true},
	"GetObjectLockConfiguration":    {"s3:GetBucketObjectLockConfiguration", false},
	"PutObjectLockConfiguration":    {"s3:PutBucketObjectLockConfiguration", false},
	"GetObjectRetention":            {"s3:GetObjectRetention", true},
	"PutObjectRetention":            {"s3:PutObjectRetention", true},
	"GetObjectLegalHold":            {"s3:GetObjectLegalHold", true},
	"PutObjectLegalHold":            {"s3:PutObjectLegalHold", true},
	"GetBucketTagging":              {"s3:GetBucketTagging", false},
	"PutBucketTagging":              {"s3:PutBucketTagging", false},
	"DeleteBucketTagging":           {"s3:PutBucketTagging", false},
	// DeleteBucketLifecycle: "For this operation, a user must have the
	// s3:PutLifecycleConfiguration permission" (API_DeleteBucketLifecycle.html).
	"GetBucketLifecycleConfiguration": {"s3:GetLifecycleConfiguration", false},
	"PutBucketLifecycleConfiguration": {"s3:PutLifecycleConfiguration", false},
	"DeleteBucketLifecycle":           {"s3:PutLifecycleConfiguration", false},
	// DeleteBucketEncryption: "To use this operation, you must have permissions to perform the
	// s3:PutEncryptionConfiguration action" (API_DeleteBucketEncryption.html).
	"GetBucketEncryption":    {"s3:GetEncryptionConfiguration", false},
	"PutBucketEncryption":    {"s3:PutEncryptionConfiguration", false},
	"DeleteBucketEncryption": {"s3:PutEncryptionConfiguration", false},
}

// policyOps are the operations the bucket owner account's root user may always run, whatever
// the policy denies: "the root user of the account that owns the bucket can always delete the
// policy" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html,
// and https://repost.aws/knowledge-center/s3-accidentally-denied-access).
var policyOps = map[string]bool{"GetBucketPolicy": true, "PutBucketPolicy": true, "DeleteBucketPolicy": true}

// listingOps carry the listing condition keys s3:prefix, s3:delimiter and s3:max-keys.
var listingOps = map[string]bool{"ListObjects": true, "ListObjectsV2": true, "ListObjectVersions": true}

// grantKeys are the condition keys of the x-amz-grant-* headers, which hold the headers'
// values as sent: a policy can require or forbid a grant to a given grantee
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html). A header
// sent on several lines is one value, its lines joined by ", " as HTTP combines a repeated
// field (RFC 9110 section 5.3), since acl.ParseHeaders grants what every line names: the key
// must show all of it, or a second line would grant what a Deny on the key refuses.
// [UNVERIFIED] how S3 fills the key from a repeated header is not documented.
var grantKeys = [...]struct{ key, header string }{
	{"s3:x-amz-grant-read", "X-Amz-Grant-Read"},
	{"s3:x-amz-grant-write", "X-Amz-Grant-Write"},
	{"s3:x-amz-grant-read-acp", "X-Amz-Grant-Read-Acp"},
	{"s3:x-amz-grant-write-acp", "X-Amz-Grant-Write-Acp"},
	{"s3:x-amz-grant-full-control", "X-Amz-Grant-Full-Control"},
}

// bucketARN and objectARN are the resources a bucket policy names.
func bucketARN(bucket string) string      { return "arn:aws:s3:::" + bucket }
func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// caller is the request's principal as the policy language sees it.
func (rc *request) caller() policy.Caller {
	u := rc.user
	if u == nil {
		return policy.Caller{Anonymous: true}
	}
	return policy.Caller{Account: u.Account, ARN: u.arn(), CanonicalID: u.id, UserName: u.UserName}
}

// policyRequest is the request a bucket policy is evaluated against: the caller, the action
// on its resource, and the condition keys
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html). Keys the
// request has no value for are absent, as AWS leaves them. The error is that of stored tags
// that do not decode (objectTagKeys).
func (rc *request) policyRequest(action, resource string) (*policy.Request, error) {
	r := rc.r
	now := rc.s.cfg.Now().UTC()
	ctx := map[string][]string{
		"aws:securetransport": {strconv.FormatBool(r.TLS != nil)},
		"aws:currenttime":     {now.Format(time.RFC3339)},
		"aws:epochtime":       {strconv.FormatInt(now.Unix(), 10)},
	}
	set := func(key, value string) {
		if value != "" {
			ctx[key] = []string{value}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		set("aws:sourceip", host)
	}
	set("aws:referer", r.Header.Get("Referer"))
	set("aws:useragent", r.Header.Get("User-Agent"))
	if u := rc.user; u != nil {
		set("aws:principalaccount", u.Account)
		set("aws:principalarn", u.arn())
		set("aws:username", u.UserName)
		if u.root() {
			ctx["aws:principaltype"] = []string{"Account"}
			ctx["aws:userid"] = []string{u.Account}
		} else {
			ctx["aws:principaltype"] = []string{"User"}
		}
	} else {
		ctx["aws:principaltype"] = []string{"Anonymous"}
		ctx["aws:userid"] = []string{"anonymous"}
	}
	if listingOps[rc.op] {
		// A listing without a prefix is a listing of prefix "": S3's examples allow the root
		// of a bucket with "s3:prefix": [""].
		ctx["s3:prefix"] = []string{rc.query.Get("prefix")}
		set("s3:delimiter", rc.query.Get("delimiter"))
		set("s3:max-keys", rc.query.Get("max-keys"))
	}
	set("s3:x-amz-acl", r.Header.Get("X-Amz-Acl"))
	for _, k := range grantKeys {
		set(k.key, strings.Join(r.Header.Values(k.header), ", "))
	}
	// The encryption keys hold the request's headers, not the bucket default a write without
	// them gets (amazon-s3-policy-keys.html; a policy requiring the header refuses such writes).
	set("s3:x-amz-server-side-encryption", r.Header.Get(hdrSSE))
	set("s3:x-amz-server-side-encryption-aws-kms-key-id", r.Header.Get(hdrSSEKMSKeyID))
	set("s3:x-amz-server-side-encryption-customer-algorithm", r.Header.Get(hdrSSECustomer+customerAlgorithm))
	set("s3:x-amz-content-sha256", r.Header.Get("X-Amz-Content-Sha256"))
	// The copy keys (list_amazons3.html). Only CopyObject takes a metadata directive.
	switch rc.op {
	case "CopyObject":
		set("s3:x-amz-metadata-directive", r.Header.Get("X-Amz-Metadata-Directive"))
		fallthrough
	case "UploadPartCopy":
		set("s3:x-amz-copy-source", copySourceKey(r.Header.Get("X-Amz-Copy-Source")))
	}
	if rc.version != "" && versionAction[action] {
		// The version the request names (amazon-s3-policy-keys.html, s3:versionid).
		ctx["s3:versionid"] = []string{rc.version}
	}
	if err := rc.objectTagKeys(ctx, action, resource); err != nil {
		return nil, err
	}
	rc.objectLockKeys(ctx, now)
	rc.signatureKeys(ctx, now)
	if r.TLS != nil {
		set("s3:tlsversion", tlsVersion(r.TLS.Version))
	}
	return &policy.Request{Caller: rc.caller(), Action: action, Resource: resource, Context: ctx}, nil
}

// copySourceKey is s3:x-amz-copy-source's value for an x-amz-copy-source header: the object
// the copy reads, "bucket/key", as parseCopySource finds it, so that a policy matching the
// form AWS's examples write ("s3:x-amz-copy-source": "amzn-s3-demo-source-bucket/public/*",
// amazon-s3-policy-keys.html) matches every spelling of the same object: a leading slash,
// URL-encoded characters, a ?versionId= (the version is s3:versionid's when the source is
// authorized, see copySource). A header that names no object is kept as sent: the copy is
// then refused whatever the policy says. [UNVERIFIED] whether S3 unescapes the header, drops its
// leading slash or keeps its version before matching is not documented; matching the raw
// header would let a spelling the policy's author did not foresee copy what it denies.
func copySourceKey(raw string) string {
	bucket, key, _, err := parseCopySource(raw)
	if err != nil {
		return raw
	}
	return bucket + "/" + key
}

// signature is how a signed request was signed, as the condition keys of
// https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html
// describe it.
type signature struct {
	version   string    // s3:signatureversion: sigV2 or sigV4
	presigned bool      // a presigned URL: s3:authType REST-QUERY-STRING
	at        time.Time // SigV4's signing time, for s3:signatureAge; zero for SigV2
}

// The values of s3:signatureversion: "AWS" identifies Signature Version 2,
// "AWS4-HMAC-SHA256" Signature Version 4.
const (
	sigV2 = "AWS"
	sigV4 = "AWS4-HMAC-SHA256"
)

// signatureKeys sets s3:signatureversion, s3:authType and s3:signatureAge of a signed
// request, from how it was verified (authenticate, postObject). s3:signatureAge, the time
// in milliseconds since the signature was made, "works for" presigned URLs and POST forms
// only, and "In Signature Version 2, this value is always set to 0"
// (bucket-policy-s3-sigv4-conditions.html).
func (rc *request) signatureKeys(ctx map[string][]string, now time.Time) {
	if rc.user == nil {
		return
	}
	authType := "REST-HEADER"
	switch {
	case rc.op == "PostObject":
		authType = "POST"
	case rc.sig.presigned:
		authType = "REST-QUERY-STRING"
	}
	ctx["s3:signatureversion"] = []string{rc.sig.version}
	ctx["s3:authtype"] = []string{authType}
	if authType != "REST-HEADER" {
		var age int64
		if !rc.sig.at.IsZero() {
			age = now.Sub(rc.sig.at).Milliseconds()
		}
		ctx["s3:signatureage"] = []string{strconv.FormatInt(age, 10)}
	}
}

// tlsVersion is s3:TlsVersion's form of a TLS version: "1.2", "1.3".
func tlsVersion(v uint16) string {
	if v < 0x0301 {
		return ""
	}
	return "1." + strconv.Itoa(int(v-0x0301))
}
