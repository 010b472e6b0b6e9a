package acl

import "net/http"

// ParseHeaders reads the x-amz-grant-read, -write, -read-acp, -write-acp and -full-control
// headers (values: comma-separated id="...", uri="...", emailAddress="..."; quotes optional;
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html).
// present is false when none is set. Grants come in the order of the header list above, each
// header's grantees in order. Errors are *Error.
func ParseHeaders(h http.Header) (grants []Grant, present bool, err error) {
	return nil, false, nil
}
