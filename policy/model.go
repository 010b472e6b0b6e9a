package policy

import "strings"

// Effect is what a statement, or a whole evaluation, decides.
type Effect uint8

const (
	// NoEffect is the implicit deny: no statement applies.
	NoEffect Effect = iota
	// Allow grants the request unless an applicable Deny exists.
	Allow
	// Deny refuses the request whatever else applies.
	Deny
)

// String returns the effect as the policy language spells it ("Allow", "Deny"), or "NoEffect".
func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "NoEffect"
}

// Policy is a parsed bucket policy document.
type Policy struct {
	Version    string // "2012-10-17" or "2008-10-17"
	ID         string
	Statements []Statement
}

// Statement is one element of a policy's Statement list.
type Statement struct {
	Sid          string
	Effect       Effect     // Allow or Deny
	Principal    *Principal // exactly one of Principal, NotPrincipal is set
	NotPrincipal *Principal
	// Action and NotAction: exactly one is set; "s3:GetObject", "s3:Get*", "*".
	Action, NotAction []string
	// Resource and NotResource: exactly one is set; ARNs, wildcards.
	Resource, NotResource []string
	Conditions            []Condition
}

// Principal is a Principal or NotPrincipal element.
type Principal struct {
	Any           bool     // "*" or {"AWS": "*"}
	AWS           []string // account ids, "arn:aws:iam::123456789012:root", user ARNs
	CanonicalUser []string
	Service       []string
	Federated     []string
}

// Condition is one operator/key pair of a statement's Condition block.
type Condition struct {
	Operator string   // as written: "StringEquals", "ForAnyValue:StringLikeIfExists", ...
	Key      string   // as written: "aws:SourceIp", "s3:prefix"
	Values   []string // a scalar is a one-element list; booleans and numbers as text
}

// actionKind is the kind of resource an S3 action applies to.
type actionKind uint8

const (
	onBucket actionKind = iota
	onObject
	// onOther: the account, access points, batch jobs, Storage Lens: never a bucket policy's
	// own resources.
	onOther
)

type s3Action struct {
	name string
	kind actionKind
}

// s3Actions is S3's actions and the resource each applies to, from
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html.
var s3Actions = func() []s3Action {
	var out []s3Action
	add := func(kind actionKind, names string) {
		for _, n := range strings.Fields(names) {
			out = append(out, s3Action{n, kind})
		}
	}
	add(onObject, `AbortMultipartUpload BypassGovernanceRetention DeleteObject DeleteObjectTagging
		DeleteObjectVersion DeleteObjectVersionTagging GetObject GetObjectAcl GetObjectAttributes
		GetObjectLegalHold GetObjectRetention GetObjectTagging GetObjectTorrent GetObjectVersion
		GetObjectVersionAcl GetObjectVersionAttributes GetObjectVersionForReplication
		GetObjectVersionTagging GetObjectVersionTorrent InitiateReplication ListMultipartUploadParts
		ObjectOwnerOverrideToBucketOwner PutObject PutObjectAcl PutObjectLegalHold PutObjectRetention
		PutObjectTagging PutObjectVersionAcl PutObjectVersionTagging ReplicateDelete ReplicateObject
		ReplicateTags RestoreObject`)
	add(onBucket, `CreateBucket CreateBucketMetadataTableConfiguration DeleteBucket
		DeleteBucketMetadataTableConfiguration DeleteBucketOwnershipControls DeleteBucketPolicy
		DeleteBucketWebsite GetAccelerateConfiguration GetAnalyticsConfiguration GetBucketAcl
		GetBucketCORS GetBucketLocation GetBucketLogging GetBucketMetadataTableConfiguration
		GetBucketNotification GetBucketObjectLockConfiguration GetBucketOwnershipControls
		GetBucketPolicy GetBucketPolicyStatus GetBucketPublicAccessBlock GetBucketRequestPayment
		GetBucketTagging GetBucketVersioning GetBucketWebsite GetEncryptionConfiguration
		GetIntelligentTieringConfiguration GetInventoryConfiguration GetLifecycleConfiguration
		GetMetricsConfiguration GetReplicationConfiguration ListBucket ListBucketMultipartUploads
		ListBucketVersions PutAccelerateConfiguration PutAnalyticsConfiguration PutBucketAcl
		PutBucketCORS PutBucketLogging PutBucketNotification PutBucketObjectLockConfiguration
		PutBucketOwnershipControls PutBucketPolicy PutBucketPublicAccessBlock
		PutBucketRequestPayment PutBucketTagging PutBucketVersioning PutBucketWebsite
		PutEncryptionConfiguration PutIntelligentTieringConfiguration PutInventoryConfiguration
		PutLifecycleConfiguration PutMetricsConfiguration PutReplicationConfiguration`)
	add(onOther, `CreateAccessPoint CreateJob DeleteAccessPoint DeleteAccessPointPolicy
		DescribeJob GetAccessPoint GetAccessPointPolicy GetAccessPointPolicyStatus
		GetAccountPublicAccessBlock ListAccessPoints ListAllMyBuckets ListJobs
		PutAccessPointPolicy PutAccountPublicAccessBlock UpdateJobPriority UpdateJobStatus`)
	return out
}()

// conditionOperators is the IAM condition operators without prefix or suffix
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
var conditionOperators = setOf(`StringEquals StringNotEquals StringEqualsIgnoreCase
	StringNotEqualsIgnoreCase StringLike StringNotLike NumericEquals NumericNotEquals
	NumericLessThan NumericLessThanEquals NumericGreaterThan NumericGreaterThanEquals DateEquals
	DateNotEquals DateLessThan DateLessThanEquals DateGreaterThan DateGreaterThanEquals Bool
	BinaryEquals IpAddress NotIpAddress ArnEquals ArnLike ArnNotEquals ArnNotLike Null`)

// conditionKeys is S3's own condition keys, lower-cased
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html).
var conditionKeys = setOf(strings.ToLower(`s3:AccessGrantsInstanceArn s3:AccessPointNetworkOrigin
	s3:authType s3:DataAccessPointAccount s3:DataAccessPointArn s3:delimiter s3:if-match
	s3:if-none-match s3:LocationConstraint s3:max-keys s3:object-lock-legal-hold
	s3:object-lock-mode s3:object-lock-remaining-retention-days s3:object-lock-retain-until-date
	s3:prefix s3:RequestObjectTagKeys s3:ResourceAccount s3:signatureAge s3:signatureversion
	s3:TlsVersion s3:versionid s3:x-amz-acl s3:x-amz-content-sha256 s3:x-amz-copy-source
	s3:x-amz-grant-full-control s3:x-amz-grant-read s3:x-amz-grant-read-acp s3:x-amz-grant-write
	s3:x-amz-grant-write-acp s3:x-amz-metadata-directive s3:x-amz-object-ownership
	s3:x-amz-server-side-encryption s3:x-amz-server-side-encryption-aws-kms-key-id
	s3:x-amz-server-side-encryption-customer-algorithm s3:x-amz-storage-class
	s3:x-amz-website-redirect-location`))

// conditionTagKeys is the S3 keys that take a tag name after a "/", lower-cased:
// s3:ExistingObjectTag/<key>, s3:RequestObjectTag/<key>.
var conditionTagKeys = setOf("s3:existingobjecttag s3:requestobjecttag")

// listingKeys is the keys that only listing a bucket has
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html).
var listingKeys = setOf("s3:prefix s3:delimiter s3:max-keys")

func setOf(names string) map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(names) {
		m[n] = true
	}
	return m
}
