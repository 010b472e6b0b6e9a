package upstream

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/doorman-s3/doorman/storage"
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// s3Error is an S3 error answer's body
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses).
type s3Error struct {
	Code         string `xml:"Code"`
	Message      string `xml:"Message"`
	ArgumentName string `xml:"ArgumentName"`
}

// codeErrors are the S3 error codes that mean a storage sentinel
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
var codeErrors = map[string]error{
	"NoSuchBucket":            storage.ErrNoSuchBucket,
	"NoSuchKey":               storage.ErrNoSuchKey,
	"NoSuchUpload":            storage.ErrNoSuchUpload,
	"NoSuchVersion":           storage.ErrNoSuchVersion,
	"BucketNotEmpty":          storage.ErrBucketNotEmpty,
	"BucketAlreadyOwnedByYou": storage.ErrBucketExists,
	"InvalidBucketName":       storage.ErrInvalidBucketName,
	"InvalidPart":             storage.ErrInvalidPart,
	"InvalidPartOrder":        storage.ErrInvalidPartOrder,
	"EntityTooSmall":          storage.ErrEntityTooSmall,
	"EntityTooLarge":          storage.ErrEntityTooLarge,
	"PreconditionFailed":      storage.ErrPreconditionFailed,
	"BadDigest":               storage.ErrBadDigest,
	"IncompleteBody":          storage.ErrIncompleteBody,
	"KeyTooLongError":         storage.ErrKeyTooLong,
	"MetadataTooLarge":        storage.ErrMetadataTooLarge,
	"InvalidPartNumber":       storage.ErrInvalidPartNumber,
	// The x-amz-content-sha256 a client signed differs from its body's: the digest is bad.
	// [UNVERIFIED] the code is MinIO's and doorman's; Amazon S3 documents none for it.
	"XAmzContentSHA256Mismatch": storage.ErrBadDigest,
}

// messageErrors are the Object Lock refusals, whose codes (AccessDenied, InvalidRequest) mean
// more than one thing: each is told by its code and message together ("code\nmessage"), as
// the upstream spells them. An Object Lock refusal of another wording passes as it came (a
// ServiceError with the upstream's code and message).
var messageErrors = map[string]error{
	// A delete or retention change a retention or legal hold forbids: Amazon S3's words, and
	// doorman's (LocalStack's snapshots test_s3_object_retention, test_delete_locked_object),
	// then MinIO's (cmd/api-errors.go, ErrObjectLocked).
	"AccessDenied\nAccess Denied because object protected by object lock.": storage.ErrObjectLocked,
	"InvalidRequest\nObject is WORM protected and cannot be overwritten":   storage.ErrObjectLocked,
	// Object Lock settings in a bucket without Object Lock: S3's words for the writes
	// (versitygw's record, github.com/versity/versitygw/pull/1755 [UNVERIFIED]), which MinIO
	// uses too, and for the retention and legal hold operations (LocalStack's snapshots
	// test_s3_object_retention_exc, test_put_object_legal_hold_exc).
	"InvalidRequest\nBucket is missing ObjectLockConfiguration":   storage.ErrNoObjectLock,
	"InvalidRequest\nBucket is missing Object Lock Configuration": storage.ErrNoObjectLock,
}

// errorFromResponse reads the error answer resp to req (at most maxErrorBody of its body,
// which it closes) and returns its error: a storage sentinel wrapped with the upstream's
// message, storage.NotImplementedError for NotImplemented, or else a *storage.ServiceError
// as it came. errorHeader returns the answer's header from the error.
func errorFromResponse(req *request, resp *http.Response) error {
	return &responseError{err: answerError(req, resp), header: resp.Header}
}

// responseError is an error answer's error, with the answer's header (a delete marker's
// x-amz-delete-marker, x-amz-version-id and Last-Modified).
type responseError struct {
	err    error
	header http.Header
}

func (e *responseError) Error() string { return e.err.Error() }
func (e *responseError) Unwrap() error { return e.err }

// errorHeader returns the header of the upstream answer err came from, and an empty header
// when err is no upstream answer (a transport failure, a body's error).
func errorHeader(err error) http.Header {
	if re, ok := errors.AsType[*responseError](err); ok {
		return re.header
	}
	return http.Header{}
}

func answerError(req *request, resp *http.Response) error {
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var e s3Error
	if len(data) > 0 {
		// A body that is not S3's error XML is an answer without a code.
		_ = xml.Unmarshal(data, &e)
	}
	e.Code, e.Message = strings.TrimSpace(e.Code), strings.TrimSpace(e.Message)

	if e.Code == "" {
		return bodilessError(req, resp.StatusCode)
	}
	if sentinel, ok := codeErrors[e.Code]; ok {
		return fmt.Errorf("%w: upstream: %s", sentinel, e.Message)
	}
	if sentinel, ok := messageErrors[e.Code+"\n"+e.Message]; ok {
		return fmt.Errorf("%w: upstream: %s", sentinel, e.Message)
	}
	switch {
	case e.Code == "NotImplemented":
		msg := e.Message
		if msg == "" {
			msg = "A header you provided implies functionality that is not implemented."
		}
		return storage.NotImplementedError("%s", msg)
	case e.Code == "InvalidArgument" && (e.ArgumentName == "versionId" ||
		strings.Contains(strings.ToLower(e.Message), "version id")):
		return fmt.Errorf("%w: upstream: %s", storage.ErrInvalidVersionID, e.Message)
	}
	return &storage.ServiceError{Status: errorStatus(resp.StatusCode), Code: e.Code, Message: e.Message}
}

// bodilessError is the error of an answer without an S3 error body (HEAD's, or a proxy's).
func bodilessError(req *request, status int) error {
	switch status {
	case http.StatusNotFound:
		if req.notFound != nil {
			return req.notFound
		}
		return storage.ErrNoSuchKey
	case http.StatusPreconditionFailed:
		return fmt.Errorf("%w: upstream: 412 without a body", storage.ErrPreconditionFailed)
	case http.StatusNotImplemented:
		return storage.NotImplementedError("The upstream store does not implement this request.")
	}
	status = errorStatus(status)
	code := strings.ReplaceAll(http.StatusText(status), " ", "")
	switch status {
	// S3's codes for these statuses
	// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
	case http.StatusForbidden:
		code = "AccessDenied"
	case http.StatusInternalServerError:
		code = "InternalError"
	}
	if code == "" {
		code = "UnknownError"
	}
	return &storage.ServiceError{Status: status, Code: code, Message: http.StatusText(status)}
}

// errorStatus is status when it is an error status (400 to 599), and 502 Bad Gateway for
// anything else an upstream answers as an error (a redirect: an upstream of another region).
func errorStatus(status int) int {
	if status >= 400 && status <= 599 {
		return status
	}
	return http.StatusBadGateway
}
