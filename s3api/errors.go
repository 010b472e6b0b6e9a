package s3api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// toS3Error maps an error from any layer to the S3 error the client gets. Storage sentinels map
// to their S3 codes; anything unknown is an InternalError (and is logged by the caller).
func toS3Error(err error) (*s3err.Error, bool) {
	var se *s3err.Error
	if errors.As(err, &se) {
		return se, true
	}
	var cm *storage.ChecksumMismatchError
	if errors.As(err, &cm) {
		if cm.Algorithm.Valid() {
			return checksum.Mismatch(cm.Algorithm), true
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
}

// writeError sends e as AWS's XML error document. Headers already set on w (CORS among them)
// stay: S3 sends CORS headers on errors too. Once the client has failed to send its body,
// whatever error that caused further up is answered as that failure.
func (rc *request) writeError(e *s3err.Error) {
	if f := rc.bodyFault(); f != nil {
		e = f
	}
	rc.errCode = e.Code
	h := rc.w.Header()
	h.Set("Content-Type", "application/xml")
	if rc.in != nil && !rc.in.done {
		// The rest of the body is not wanted: the connection closes after the answer, which
		// then goes out at once instead of after net/http has read what the client still
		// sends (or waited for what it never sends).
		h.Set("Connection", "close")
	}
	extra := make([]awsxml.Field, len(e.Extra))
	for i, f := range e.Extra {
		extra[i] = awsxml.Field{Name: f.Name, Value: f.Value}
	}
	if rc.r.Method == http.MethodHead {
		// A HEAD response has no body; S3 sends the status alone.
		h.Del("Content-Type")
		rc.w.WriteHeader(e.Status)
		return
	}
	body := awsxml.ErrorBody(e.Code, e.Message, extra, rc.id, rc.hostID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rc.w.WriteHeader(e.Status)
	_, _ = rc.w.Write(body)
}
