package postpolicy

import (
	"strconv"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// The errors of POST Object that the shared s3err values do not cover, with the codes,
// statuses and messages S3 returns.
var (
	// errNotMultipart answers a POST whose body is not multipart/form-data.
	errNotMultipart = s3err.PreconditionFailed.With("Condition", "Bucket POST must be of the enclosure-type multipart/form-data")
	// errMalformed answers a body that does not parse as multipart/form-data.
	errMalformed = &s3err.Error{Status: 400, Code: "MalformedPOSTRequest", Message: "The body of your POST request is not well-formed multipart/form-data."}
	// errPreDataTooLarge answers a form whose fields before the file exceed MaxFieldBytes or
	// MaxFields. The message is S3's, spelling included.
	errPreDataTooLarge = (&s3err.Error{Status: 400, Code: "MaxPostPreDataLengthExceeded", Message: "Your POST request fields preceeding the upload file was too large."}).
				With("MaxPostPreDataLengthBytes", strconv.Itoa(MaxFieldBytes))
	// errNoFile answers a form without a file field before the end of the body.
	errNoFile = s3err.InvalidArgument.Withf("POST requires exactly one file upload per request.").
			With("ArgumentName", "file").With("ArgumentValue", "0")
	// errAnonymousPolicy answers a policy sent without any signature field: the form is then
	// anonymous, and an anonymous form has no business carrying a policy.
	errAnonymousPolicy = s3err.AccessDenied
)

// missingField is S3's answer to a form that lacks a required field, or has it after the file.
func missingField(name string) *s3err.Error {
	return s3err.InvalidArgument.
		Withf("Bucket POST must contain a field named '%s'.  If it is specified, please check the order of the fields.", name).
		With("ArgumentName", name).With("ArgumentValue", "")
}

// invalidField is an InvalidArgument naming a field and its value.
func invalidField(name, value, format string, args ...any) *s3err.Error {
	return s3err.InvalidArgument.Withf(format, args...).With("ArgumentName", name).With("ArgumentValue", value)
}

// invalidPolicy is an InvalidPolicyDocument with the text after "Invalid Policy: ".
func invalidPolicy(format string, args ...any) *s3err.Error {
	e := &s3err.Error{Status: 400, Code: "InvalidPolicyDocument"}
	return e.Withf("Invalid Policy: "+format, args...)
}

// errInvalidJSON is S3's answer to a policy that is not JSON, and to JSON values of a type a
// condition cannot hold.
var errInvalidJSON = invalidPolicy("Invalid JSON.")

// denied is an AccessDenied with the text after "Invalid according to Policy: ".
func denied(format string, args ...any) *s3err.Error {
	return s3err.AccessDenied.Withf("Invalid according to Policy: "+format, args...)
}

// tooLarge is S3's answer to a file above the policy's content-length-range. The size of the
// whole file is not known, since reading stops once the bound is passed, so unlike S3 no
// ProposedSize is given.
func tooLarge(max int64) *s3err.Error {
	return s3err.EntityTooLarge.Withf("Your proposed upload exceeds the maximum allowed size").
		With("MaxSizeAllowed", strconv.FormatInt(max, 10))
}

// tooSmall is S3's answer to a file below the policy's content-length-range.
func tooSmall(size, min int64) *s3err.Error {
	return s3err.EntityTooSmall.Withf("Your proposed upload is smaller than the minimum allowed size").
		With("ProposedSize", strconv.FormatInt(size, 10)).
		With("MinSizeAllowed", strconv.FormatInt(min, 10))
}
