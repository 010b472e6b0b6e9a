// Package s3err is the S3 protocol's error value: an HTTP status, an AWS error code and its
// message, plus the extra elements some errors carry in their XML body (BucketName, Key,
// Method, ResourceType, ...). Every layer of the S3 server returns these so that one writer can
// render AWS's exact XML.
package s3err

import (
	"encoding/hex"
	"fmt"
	"unicode/utf8"

	"github.com/doorman-s3/doorman/internal/awsxml"
)

// Error is one S3 error response.
type Error struct {
	Status  int
	Code    string
	Message string
	// Extra holds further elements of the <Error> body, written in order after Message.
	Extra []awsxml.Field
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// With returns a copy of e with more body elements appended.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Extra = append(append([]awsxml.Field(nil), e.Extra...), awsxml.Field{Name: name, Value: value})
	return &c
}

// Withf returns a copy of e whose message is formatted from format and args.
func (e *Error) Withf(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	return &c
}

func newErr(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// The errors used by the server, with AWS's statuses and messages.
var (
	AccessDenied                       = newErr(403, "AccessDenied", "Access Denied")
	AuthorizationHeaderMalformed       = newErr(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.")
	AuthorizationQueryParametersError  = newErr(400, "AuthorizationQueryParametersError", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	BadDigest                          = newErr(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
	BucketAlreadyOwnedByYou            = newErr(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
	BucketAlreadyExists                = newErr(409, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
	BucketNotEmpty                     = newErr(409, "BucketNotEmpty", "The bucket you tried to delete is not empty")
	EntityTooLarge                     = newErr(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
	EntityTooSmall                     = newErr(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
	IncompleteBody                     = newErr(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	InternalError                      = newErr(500, "InternalError", "We encountered an internal error. Please try again.")
	InvalidAccessKeyID                 = newErr(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	InvalidArgument                    = newErr(400, "InvalidArgument", "Invalid Argument")
	InvalidBucketName                  = newErr(400, "InvalidBucketName", "The specified bucket is not valid.")
	InvalidDigest                      = newErr(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
	InvalidPart                        = newErr(400, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
	InvalidPartNumber                  = newErr(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
	InvalidPartOrder                   = newErr(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.")
	InvalidRange                       = newErr(416, "InvalidRange", "The requested range is not satisfiable")
	InvalidRequest                     = newErr(400, "InvalidRequest", "Invalid Request")
	MalformedXML                       = newErr(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	MaxMessageLengthExceeded           = newErr(400, "MaxMessageLengthExceeded", "Your request was too big.")
	MissingSecurityHeader              = newErr(400, "MissingSecurityHeader", "Your request was missing a required header")
	MissingContentLength               = newErr(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
	NoSuchBucket                       = newErr(404, "NoSuchBucket", "The specified bucket does not exist")
	NoSuchKey                          = newErr(404, "NoSuchKey", "The specified key does not exist.")
	NoSuchVersion                      = newErr(404, "NoSuchVersion", "The specified version does not exist.")
	NoSuchUpload                       = newErr(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	NotImplemented                     = newErr(501, "NotImplemented", "A header you provided implies functionality that is not implemented")
	PreconditionFailed                 = newErr(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
	RequestHeaderSectionTooLarge       = newErr(400, "RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.")
	RequestTimeTooSkewed               = newErr(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	SignatureDoesNotMatch              = newErr(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	XAmzContentSHA256Mismatch          = newErr(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	InvalidToken                       = newErr(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	MalformedTrailerError              = newErr(400, "MalformedTrailerError", "The request contained trailing data that was not well-formed or did not conform to our published schema.")
	KeyTooLongError                    = newErr(400, "KeyTooLongError", "Your key is too long")
	MetadataTooLarge                   = newErr(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size")
	NoSuchCORSConfiguration            = newErr(404, "NoSuchCORSConfiguration", "The CORS configuration does not exist")
	MethodNotAllowed                   = newErr(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	NoSuchBucketPolicy                 = newErr(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
	NoSuchTagSet                       = newErr(404, "NoSuchTagSet", "The TagSet does not exist")
	NoSuchLifecycleConfiguration       = newErr(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
	MissingContentMD5                  = newErr(400, "InvalidRequest", "Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
	InvalidStorageClass                = newErr(400, "InvalidStorageClass", "The storage class you specified is not valid")
	InvalidLocationConstraint          = newErr(400, "InvalidLocationConstraint", "The specified location-constraint is not valid")
	IllegalLocationConstraintException = newErr(400, "IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	InvalidObjectName                  = newErr(400, "InvalidArgument", "Invalid object name")
	// InvalidEncryptionAlgorithm is the answer to an SSE-C algorithm other than AES256, in the
	// words S3 answers (LocalStack's snapshots, aws/aws-sdk-go#2724) rather than those of the
	// error code list ("The encryption request that you specified is not valid. The valid
	// value is AES256.").
	InvalidEncryptionAlgorithm = newErr(400, "InvalidEncryptionAlgorithmError", "The Encryption request you specified is not valid. Supported value: AES256.")
	// KMSNotFound is the answer to an SSE-KMS key that does not exist; each answer words it
	// with the key (kmsKeyError).
	KMSNotFound = newErr(400, "KMS.NotFoundException", "The request was rejected because the specified entity or resource could not be found.")
)

// MaxEcho bounds how much of a request an error element echoes (a string to sign, a canonical
// request, a header value). Amazon S3 echoes them whole but never reads a request head over
// 8 KiB; doorman does the same, yet a canonical request re-encodes the query (up to three
// bytes for one) and is echoed twice (as text and in hex), so without a bound an error body
// could weigh ten times the request. 2 KiB holds what SDKs sign (a canonical request is
// typically under 1 KiB) and keeps every error body under 32 KiB.
const MaxEcho = 2 << 10

// Echo returns s cut to at most MaxEcho bytes, at a UTF-8 character boundary.
func Echo(s string) string {
	if len(s) <= MaxEcho {
		return s
	}
	n := MaxEcho
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// SpacedHex renders s as AWS does in the *Bytes elements of signature errors: "41 57 53 34".
func SpacedHex(s string) string {
	if s == "" {
		return ""
	}
	b := make([]byte, 0, 3*len(s)-1)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = hex.AppendEncode(b, []byte{s[i]})
	}
	return string(b)
}

// ServiceUnavailable is S3's answer when it cannot serve a request for now, and doorman's when
// its backend cannot reach the store behind it (storage.ErrUnavailable): the code, status and
// message of the error list
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
var ServiceUnavailable = newErr(503, "ServiceUnavailable", "Service is unable to handle request.")

// Object Ownership and Block Public Access.
var (
	OwnershipControlsNotFoundError       = newErr(404, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found")
	NoSuchPublicAccessBlockConfiguration = newErr(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html
	AccessControlListNotSupported       = newErr(400, "AccessControlListNotSupported", "The bucket does not allow ACLs")
	InvalidBucketAclWithObjectOwnership = newErr(400, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
)

// Access control lists: the codes, statuses and messages of the error list
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
var (
	MalformedACLError               = newErr(400, "MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema.")
	UnresolvableGrantByEmailAddress = newErr(400, "UnresolvableGrantByEmailAddress", "The email address you provided does not match any account on record.")
	UnexpectedContent               = newErr(400, "UnexpectedContent", "This request does not support content.")
)
