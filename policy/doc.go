// Package policy is the IAM policy language as Amazon S3 bucket policies use it: the document
// PutBucketPolicy accepts (Parse, with S3's errors), its canonical form (MarshalJSON), and its
// evaluation against a request. It does no I/O.
//
// # Why a parser of its own
//
// encoding/json cannot decode a policy into structs and validate it as S3 does, for reasons the
// grammar (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html)
// and S3's validation impose:
//
//   - Scalar or list: Statement is an object or a list of them; Action, Resource, the values of
//     a principal type and of a condition key are a string or a list. A condition value may be
//     a string, a number or a boolean, and is compared as text, so numbers are kept as written.
//   - Case: element names are case-sensitive ("effect" is an unknown field) while
//     encoding/json matches struct fields without regard to case; an Effect is exactly "Allow"
//     or "Deny"; action names and S3's condition keys are not case-sensitive.
//   - Duplicates: a JSON object may repeat a name, which encoding/json silently resolves to the
//     last; S3 refuses an element given twice, and Principal with NotPrincipal (and so on).
//   - Messages: S3 answers each defect with its own MalformedPolicy message ("Invalid principal
//     in policy", "Policy has invalid action", "Action does not apply to any resource(s) in
//     statement", ...), never with a position in the document, so clients and tests written
//     against AWS see the same text here. errors.go lists each message with where it was seen
//     from AWS, or [UNVERIFIED] with the source of the choice.
//
// So Parse reads the document with encoding/json's tokenizer (json.Decoder.Token) into a small
// tree that keeps every object's members in order, bounded by MaxSize (S3's 20 KB) and by the
// grammar's nesting depth, and then validates that tree element by element.
//
// # What a bucket policy may say
//
// A statement of a bucket policy needs a Principal or NotPrincipal
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html), names only S3
// actions ("s3:..." or "*", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html)
// and only the policy's own bucket and its objects as resources, and every action it allows
// must apply to one of its resources: s3:GetObject needs an object ARN, s3:ListBucket the
// bucket's. A missing Version means 2008-10-17, in which policy variables such as
// ${aws:username} are plain text (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
// An AWS principal is accepted when it is well formed (an account id or an IAM or STS ARN):
// doorman cannot know which AWS accounts exist; ParseWith's Options.KnownPrincipal lets a
// caller that does know refuse the others as S3 does.
//
// # Canonical form
//
// MarshalJSON writes the elements in the order AWS's documentation writes them, every list as
// a JSON array, Version always, Principal "*" for the wildcard alone, and a statement's
// conditions sorted by operator and key (they must all hold, so their order means nothing).
// Parse sorts conditions the same way, so Parse(MarshalJSON(p)) is equal to p for every p
// Parse returns, a property FuzzParse checks.
package policy
