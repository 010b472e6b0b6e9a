// Package acl is Amazon S3's access control list model: the grants a bucket or an object
// carries, the canned ACLs that name common sets of them, the x-amz-grant-* headers and the
// AccessControlPolicy document that set them, and the stored form doorman keeps. It does no
// I/O.
//
// # Why ACLs still matter
//
// ACLs are S3's original grant model, older than bucket policies: each bucket and object lists
// up to MaxGrants grants of READ, WRITE, READ_ACP, WRITE_ACP or FULL_CONTROL to a grantee (an
// account by canonical id, an account by e-mail address, or one of S3's groups)
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html). AWS now
// recommends disabling them (Object Ownership BucketOwnerEnforced, the default for new buckets
// since April 2023), but buckets made before, tools and test suites still set and read them.
// S3 consults them after the bucket policy: an explicit deny wins, then an allow from the
// policy or from an ACL grants access
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-bucket-operation.html).
//
// # What is public
//
// An ACL is public when it grants anything to the AllUsers or AuthenticatedUsers group
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
// Block Public Access refuses such ACLs (BlockPublicAcls) or ignores their public grants
// (IgnorePublicAcls, the ignorePublic argument of ACL.Allows).
//
// # Stored form
//
// Storage keeps one opaque string per bucket and object. A canned ACL is kept by its name, as
// doorman always kept it, so every record written before explicit grants existed keeps its
// meaning and "" still means private; explicit grants are kept as "grants:" followed by compact
// JSON (ACL.String, Decode). Stored grants name accounts by canonical id only: Resolve turns
// e-mail grantees into canonical ids before anything is stored.
//
// # Errors
//
// Refusals are *Error values carrying S3's code, message and extra elements, which the S3 API
// answers as its error document. errors.go gives each message with where it was seen from S3,
// or [UNVERIFIED] with the source of the choice where no recording of S3's answer exists.
//
// # Sources
//
//   - Grants, grantees, permissions and canned ACLs:
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
//   - The grant headers and the AccessControlPolicy body:
//     https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html and
//     https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html
//   - The answer of GetBucketAcl and GetObjectAcl:
//     https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html
//   - ACLs under Object Ownership:
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html
//   - Error codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
package acl
