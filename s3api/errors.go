package s3api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// toS3Error maps an error from any layer to the S3 error the client gets. Storage sentinels map
// to their S3 codes, the cors engine's refusals and configuration errors to theirs; anything
// unknown is an InternalError (and is logged by writeError).
func toS3Error(err error) (*s3err.Error, bool) {
	var se *s3err.Error
	if errors.As(err, &se) {
		return se, true
	}
	var ce *corserr.Error
	if errors.As(err, &ce) {
		return fromCORSError(ce), true
	}
	var up *storage.ServiceError
	if errors.As(err, &up) {
		return fromServiceError(up), true
	}
	if errors.Is(err, storage.ErrNotImplemented) {
		return notImplemented(err), true
	}
	var cm *storage.ChecksumMismatchError
	if errors.As(err, &cm) {
		if alg, ok := checksum.ParseAlgorithm(string(cm.Algorithm)); ok {
			return checksum.Mismatch(alg), true
		}
	}
	for _, m := range storageErrors {
		if errors.Is(err, m.err) {
			return m.s3, true
		}
	}
	return s3err.InternalError, false
}

var storageErrors = []struct {
	err error
	s3  *s3err.Error
}{
	{storage.ErrNoSuchBucket, s3err.NoSuchBucket},
	{storage.ErrBucketExists, s3err.BucketAlreadyOwnedByYou},
	{storage.ErrBucketNotEmpty, s3err.BucketNotEmpty},
	{storage.ErrInvalidBucketName, s3err.InvalidBucketName},
	{storage.ErrNoSuchKey, s3err.NoSuchKey},
	{storage.ErrNoSuchUpload, s3err.NoSuchUpload},
	{storage.ErrInvalidPart, s3err.InvalidPart},
	{storage.ErrInvalidPartOrder, s3err.InvalidPartOrder},
	{storage.ErrEntityTooSmall, s3err.EntityTooSmall},
	{storage.ErrEntityTooLarge, s3err.EntityTooLarge},
	{storage.ErrPreconditionFailed, s3err.PreconditionFailed},
	{storage.ErrBadDigest, s3err.BadDigest},
	{storage.ErrIncompleteBody, s3err.IncompleteBody},
	{storage.ErrKeyTooLong, s3err.KeyTooLongError},
	{storage.ErrMetadataTooLarge, s3err.MetadataTooLarge},
	{storage.ErrInvalidKey, s3err.InvalidObjectName},
	{storage.ErrInvalidPartNumber, s3err.InvalidPartNumber},
	{storage.ErrInvalidChecksum, s3err.InvalidRequest},
	{storage.ErrStorageFull, errStorageFull},
	// Object Lock (objectlock.go); the handlers answer the two first where they can arise
	// with S3's words for the operation, these are for a change racing another.
	{storage.ErrInvalidBucketState, errLockedVersioning},
	{storage.ErrNoObjectLock, missingObjectLock},
	{storage.ErrInvalidObjectLock, s3err.MalformedXML},
	{storage.ErrObjectLocked, errObjectLocked},
	// The protocol layer refuses such retentions itself (parseRetention, parseLockHeaders).
	{storage.ErrInvalidRetention, s3err.MalformedXML},
	// Server-side encryption (encryption.go): each operation answers these with S3's words
	// for it (readEncryptionError, partEncryptionError, kmsKeyError); these are the answers of
	// a read, for any other operation that meets them.
	{storage.ErrCustomerKeyRequired, errSSEEncryptedObject},
	{storage.ErrCustomerKeyMismatch, errSSEWrongKey},
	{storage.ErrCustomerKeyNotApplicable, errSSENotApplicable},
	{storage.ErrInvalidEncryption, errSSEUnsupported},
	{storage.ErrUnknownKMSKey, s3err.KMSNotFound},
	// A backend in front of another store that cannot reach it (storage/upstream.go).
	{storage.ErrUnavailable, s3err.ServiceUnavailable},
}

// notImplemented answers a storage.ErrNotImplemented: 501 NotImplemented, in the words of
// the storage.NotImplementedError it holds (the error itself, not what wraps it), else in S3's.
func notImplemented(err error) *s3err.Error {
	if e := notImplementedCause(err); e != nil {
		return s3err.NotImplemented.Withf("%s", e.Error())
	}
	return s3err.NotImplemented
}

// notImplementedCause returns the error of err's tree that says it is an ErrNotImplemented
// by its own Is method (a storage.NotImplementedError), nil when there is none.
func notImplementedCause(err error) error {
	if x, ok := err.(interface{ Is(error) bool }); ok && x.Is(storage.ErrNotImplemented) {
		return err
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if next := u.Unwrap(); next != nil {
			return notImplementedCause(next)
		}
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if c := notImplementedCause(e); c != nil {
				return c
			}
		}
	}
	return nil
}

// fromServiceError forwards an upstream store's own answer as it came: its status, code and
// message. A status outside the HTTP error range (which the backend should never give) is
// answered 500, the code and message still the upstream's.
func fromServiceError(e *storage.ServiceError) *s3err.Error {
	status := e.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	return &s3err.Error{Status: status, Code: e.Code, Message: e.Message}
}

// fromCORSError turns a cors refusal or configuration error into the S3 error value.
func fromCORSError(e *corserr.Error) *s3err.Error {
	return &s3err.Error{Status: e.Status, Code: e.Code, Message: e.Message, Extra: e.Fields()}
}

// objectError adds to a storage error of an object operation the elements S3 puts in the body
// (the key of a NoSuchKey, the condition of a PreconditionFailed, the version of a
// NoSuchVersion) and the headers of a delete marker (deleteMarkerError); other errors are
// returned as they are.
func (rc *request) objectError(err error) error {
	var dm *storage.DeleteMarkerError
	switch {
	case errors.As(err, &dm):
		return rc.deleteMarkerError(dm)
	case errors.Is(err, storage.ErrNoSuchVersion):
		return s3err.NoSuchVersion.With("Key", rc.key).With("VersionId", rc.version)
	case errors.Is(err, storage.ErrInvalidVersionID):
		return invalidVersionID("versionId", rc.version)
	case errors.Is(err, storage.ErrNoSuchKey):
		return s3err.NoSuchKey.With("Key", rc.key)
	case errors.Is(err, storage.ErrNoSuchBucket):
		// The bucket was deleted, or deleted and created again, while the request ran.
		return s3err.NoSuchBucket.With("BucketName", rc.bucket)
	case errors.Is(err, storage.ErrPreconditionFailed):
		cond := "If-Match"
		if rc.r.Header.Get("If-None-Match") != "" {
			cond = "If-None-Match"
		}
		return s3err.PreconditionFailed.With("Condition", cond)
	}
	return err
}

// uploadError is objectError for an operation on a multipart upload: it names a missing
// upload, and the part that lacks the checksum the upload was created with.
func (rc *request) uploadError(err error) error {
	var missing *storage.MissingPartChecksumError
	switch {
	case errors.Is(err, storage.ErrNoSuchUpload):
		return s3err.NoSuchUpload.With("UploadId", rc.query.Get("uploadId"))
	case errors.As(err, &missing):
		// AWS's words, as SDK users have reported them (aws/aws-sdk-php#2648).
		return s3err.InvalidRequest.Withf("The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %d in the request.",
			strings.ToLower(string(missing.Algorithm)), missing.PartNumber)
	}
	return rc.objectError(err)
}
