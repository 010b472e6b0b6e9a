package acl

import "strconv"

// Error is a refusal with S3's code, message and extra elements (ArgumentName, ArgumentValue,
// EmailAddress...), for the S3 API to answer as its error document. Every code is a 400 Bad
// Request in S3's error list (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
type Error struct {
	Code, Message string
	Fields        [][2]string // extra XML elements, in order
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The error codes the package answers.
const (
	CodeInvalidArgument                 = "InvalidArgument"
	CodeMalformedACLError               = "MalformedACLError"
	CodeUnresolvableGrantByEmailAddress = "UnresolvableGrantByEmailAddress"
)

// The messages, with where each was seen.
const (
	// msgMalformedACL is S3's answer to a document its schema refuses, as S3 was recorded
	// sending it by the S3 emulators that copy its wire text (LocalStack's
	// localstack/services/s3/utils.py validate_acl_acp, ceph's rgw_common.cc); S3's error list
	// paraphrases it ("The ACL that you provided was not well formed or did not validate
	// against our published schema.").
	msgMalformedACL = "The XML you provided was not well-formed or did not validate against our published schema."
	// msgInvalidID is S3's answer to a grant to a canonical id no account has, recorded from
	// Amazon S3 in ceph/s3-tests (s3tests/functional/test_s3.py, the fails_on_aws note of
	// test_bucket_acl_grant_userid_write: "<Code>InvalidArgument</Code><Message>Invalid
	// id</Message><ArgumentName>CanonicalUser/ID</ArgumentName>").
	msgInvalidID = "Invalid id"
	// msgUnresolvableEmail is the message of S3's error list as it stood when e-mail grantees
	// were current, which S3 emulators copy (ceph's rgw, the eucalyptus and jclouds S3 error
	// tables); today's list words it "The email address that you provided does not match any
	// account on record.".
	msgUnresolvableEmail = "The e-mail address you provided does not match any account on record."
	// msgInvalidGroup answers a grant to a group S3 does not define. [UNVERIFIED] No
	// recording of S3's answer was found; the message and the ArgumentName "Group/URI" are
	// LocalStack's (localstack/services/s3/utils.py, validate_acl_acp), whose S3 tests are
	// snapshots taken against AWS.
	msgInvalidGroup = "Invalid group uri"
	// msgHeaderFormat answers an x-amz-grant-* value that is not a list of id=, uri= or
	// emailAddress= pairs, naming the header (ArgumentName) and the grantee (ArgumentValue).
	// [UNVERIFIED] No recording of S3's answer was found; the message is LocalStack's
	// (localstack/services/s3/utils.py, validate_grantee_in_headers).
	msgHeaderFormat = "Argument format not recognized"
)

// msgTooManyGrants answers grant headers naming more than MaxGrants grantees. [UNVERIFIED]
// No source records S3's answer; the text is the limit as acl-overview.html states it ("An
// ACL can have up to 100 grants").
var msgTooManyGrants = "An ACL can have up to " + strconv.Itoa(MaxGrants) + " grants"

func malformedACL() *Error {
	return &Error{Code: CodeMalformedACLError, Message: msgMalformedACL}
}

func invalidArgument(message, name, value string) *Error {
	return &Error{Code: CodeInvalidArgument, Message: message, Fields: [][2]string{{"ArgumentName", name}, {"ArgumentValue", value}}}
}
