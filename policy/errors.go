package policy

// Error is a policy refused as Amazon S3's PutBucketPolicy refuses it: Code is the S3 error code
// (MalformedPolicy, or PolicyTooLarge for an oversized document) and Message S3's message. The
// HTTP status is 400 for every one of them.
type Error struct{ Code, Message string }

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The error codes Parse returns.
const (
	// CodeMalformedPolicy is S3's code for every policy it cannot accept
	// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
	CodeMalformedPolicy = "MalformedPolicy"
	// CodePolicyTooLarge is the code for a document over MaxSize. [UNVERIFIED] AWS documents the
	// 20 KB limit but not its error; this is the code and message MinIO (minio/minio,
	// cmd/api-errors.go, ErrPolicyTooLarge) returns for the same limit.
	CodePolicyTooLarge = "PolicyTooLarge"
)

// S3's messages. Those marked [UNVERIFIED] were not found in any record of what AWS returns;
// each names the source the text was chosen from. The rest were seen from AWS by the cited
// issues and by versitygw's tests against AWS (versity/versitygw, tests/integration/PutBucketPolicy.go).
const (
	// versity/versitygw tests (PutBucketPolicy_invalid_json); cloud-gov/terraform-provision#574.
	msgFirstByte = "Policies must be valid JSON and the first byte must be '{'"
	// versity/versitygw tests (PutBucketPolicy_invalid_json).
	msgInvalidJSON = "This policy contains invalid Json"
	// [UNVERIFIED] minio/minio cmd/api-errors.go (ErrPolicyTooLarge).
	msgTooLarge = "Policy exceeds the maximum allowed document size."
	// versity/versitygw#1176 and its test PutBucketPolicy_statement_not_provided.
	msgMissingStatement = "Missing required field Statement"
	// versity/versitygw#646.
	msgEmptyStatement = "Could not parse the policy: Statement is empty!"
	// versity/versitygw tests (PutBucketPolicy_version).
	msgInvalidVersion = "The policy must contain a valid version string"
	// versity/versitygw#647: "Invalid effect: hello".
	msgInvalidEffect = "Invalid effect: "
	// hashicorp/terraform#28688, humanmade/S3-Uploads#191 (Principal); the same pattern for
	// Effect, Action and Resource is [UNVERIFIED].
	msgMissingField = "Missing required field "
	// versity/versitygw#649; cloud-custodian/cloud-custodian#4948.
	msgInvalidPrincipal = "Invalid principal in policy"
	// versity/versitygw#650 and its test PutBucketPolicy_invalid_action.
	msgInvalidAction = "Policy has invalid action"
	// versity/versitygw#648; noobaa/noobaa-core#10058 (a Resource of "*");
	// aws-samples/aws-serverless-appsync-app#4 (another bucket).
	msgInvalidResource = "Policy has invalid resource"
	// versity/versitygw#645; ministryofjustice/modernisation-platform#10762.
	msgActionResource = "Action does not apply to any resource(s) in statement"
	// humanmade/S3-Uploads#239 (s3:prefix with actions that are not listings).
	msgConditionNotApplicable = "Conditions do not apply to combination of actions and resources in statement"
	// scality/cloudserver lib/api/apiUtils/authorization/permissionChecks.js, which reproduces
	// AWS: an unknown key outside "aws:" is refused, any "aws:" key is accepted.
	msgInvalidConditionKey = "Policy has an invalid condition key"
	// scality/cloudserver lib/api/apiUtils/authorization/permissionChecks.js (checkIp).
	msgInvalidIP = "Invalid IP address in Conditions"
	// [UNVERIFIED] the text reimplementations of S3 use for an unknown condition operator.
	msgInvalidConditionType = "Invalid Condition type : "
	// [UNVERIFIED] the text reimplementations of S3 use for an unknown element.
	msgUnknownField = "Unknown field "
	// [UNVERIFIED] IAM's text for an element given twice (MalformedPolicyDocument
	// "Statement/policy already has instance of Action."), without IAM's final period as S3's
	// other messages have none.
	msgDuplicate = "Statement/policy already has instance of "
	// [UNVERIFIED] IAM's text for a value of the wrong JSON type (boto/boto3#180).
	msgSyntax = "Syntax errors in policy."
)

func malformed(msg string) *Error { return &Error{Code: CodeMalformedPolicy, Message: msg} }
