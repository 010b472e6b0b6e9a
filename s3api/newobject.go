package s3api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/doorman-s3/doorman/acl"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// What a request that creates an object (PutObject, CopyObject, CreateMultipartUpload,
// PostObject) says about it besides its bytes: its metadata, ACL, storage class, the validity
// of its key, and the conditions on what it replaces.

// defaultContentType is what S3 records for an object stored without a Content-Type.
const defaultContentType = "binary/octet-stream"

var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
	"OUTPOSTS": true, "SNOW": true, "EXPRESS_ONEZONE": true,
}

// metadataFromHeaders reads the object metadata a PUT, POST or copy sets.
func metadataFromHeaders(h http.Header) storage.ObjectMetadata {
	m := storage.ObjectMetadata{
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    stripAWSChunked(h.Get("Content-Encoding")),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage:    h.Get("Content-Language"),
		CacheControl:       h.Get("Cache-Control"),
		Expires:            h.Get("Expires"),
	}
	if m.ContentType == "" {
		m.ContentType = defaultContentType
	}
	for k, vs := range h {
		if name, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-"); ok && name != "" {
			if m.User == nil {
				m.User = map[string]string{}
			}
			m.User[name] = strings.Join(vs, ",")
		}
	}
	return m
}

// stripAWSChunked removes the aws-chunked coding, which describes the transfer, not the
// object. A value without it is kept byte for byte ("deflate, gzip" stays as sent).
func stripAWSChunked(v string) string {
	if !strings.Contains(strings.ToLower(v), "aws-chunked") {
		return v
	}
	var keep []string
	for _, c := range strings.Split(v, ",") {
		if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "aws-chunked") {
			keep = append(keep, c)
		}
	}
	return strings.Join(keep, ",")
}

func (rc *request) storageClass() (string, error) {
	sc := rc.r.Header.Get("X-Amz-Storage-Class")
	if sc != "" && !storageClasses[sc] {
		return "", s3err.InvalidStorageClass
	}
	return sc, nil
}

// orDefaultStorageClass is the storage class listings show: STANDARD when none was given.
func orDefaultStorageClass(sc string) string {
	if sc == "" {
		return storage.DefaultStorageClass
	}
	return sc
}

// writeConditions reads the conditions of a write (PutObject, CopyObject,
// CompleteMultipartUpload) on the object it replaces
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): If-None-Match,
// which S3 takes only as "*" (no object under the key), and If-Match, which takes one ETag, not
// "*". What S3 does not take it refuses with 501 NotImplemented naming the header, and both
// headers at once as well, rather than write unconditionally; the answers are AWS's, as
// LocalStack's snapshots record them (tests/aws/services/s3/test_s3_api.snapshot.json,
// test_put_object_if_none_match_validation, test_put_object_if_match_validation,
// test_put_object_if_match_and_if_none_match_validation,
// test_copy_object_precondition_write_validation). CompleteMultipartUpload is assumed to
// answer as PutObject. [UNVERIFIED]
func writeConditions(h http.Header) (storage.WriteConditions, error) {
	c := storage.WriteConditions{IfMatch: h.Get("If-Match")}
	inm := h.Get("If-None-Match")
	switch {
	case c.IfMatch != "" && inm != "":
		return c, conditionNotImplemented("If-Match,If-None-Match", "Multiple conditional request headers present in the request")
	case inm != "" && inm != "*":
		return c, conditionNotImplemented("If-None-Match", "We don't accept the provided value of If-None-Match header for this API")
	case c.IfMatch == "*":
		return c, conditionNotImplemented("If-Match", "We don't accept the provided value of If-Match header for this API")
	}
	c.IfNoneMatch = inm == "*"
	return c, nil
}

func conditionNotImplemented(header, detail string) error {
	return s3err.NotImplemented.With("Header", header).With("additionalMessage", detail)
}

// conditionalWriteError is objectError for a write made with conditions c. S3 answers an
// If-Match on a key without an object (none, or a delete marker as its latest version) with
// 404 NoSuchKey, not 412 (the conditional-writes page above; LocalStack's snapshots
// test_put_object_if_match and test_put_object_if_match_versioned_bucket). The backend checks
// the condition in the write's transaction and fails either way with ErrPreconditionFailed;
// which of the two happened is read afterwards. The write failed in both cases: a key written
// or deleted between the two only changes which refusal is answered.
//
// S3 answers 409 ConditionalRequestConflict to a CompleteMultipartUpload with a condition when
// the key was written or deleted after the upload was created (the snapshots
// test_multipart_if_none_match_with_delete and test_multipart_if_match_with_put); doorman
// instead judges the condition against the key as it is at completion, in the completion's
// transaction, and never answers 409.
func (rc *request) conditionalWriteError(err error, c storage.WriteConditions) error {
	if c.IfMatch != "" && errors.Is(err, storage.ErrPreconditionFailed) {
		_, herr := rc.s.cfg.Backend.HeadObject(rc.ctx, rc.bucket, rc.key, storage.ReadOptions{MetadataOnly: true})
		if errors.Is(herr, storage.ErrNoSuchKey) {
			return s3err.NoSuchKey.With("Key", rc.key)
		}
	}
	return rc.objectError(err)
}

// newObjectSettings reads what every request creating an object in st names: its ACL (nil
// when none: a canned ACL or grant headers, which the bucket's Object Ownership and Block
// Public Access may refuse), its key's validity and its storage class.
func (rc *request) newObjectSettings(st *bucketState) (a *acl.ACL, storageClass string, err error) {
	if a, err = rc.newObjectACL(st); err != nil {
		return
	}
	if err = storage.ValidateKey(rc.key); err != nil {
		return
	}
	storageClass, err = rc.storageClass()
	return
}

// newObjectACL reads the ACL a request creating an object in st sets (nil: none), its
// grantees resolved, once it is known to be one st accepts.
func (rc *request) newObjectACL(st *bucketState) (*acl.ACL, error) {
	a, err := rc.headerACL()
	if err == nil {
		err = rc.s.resolveACL(a)
	}
	if err == nil {
		err = st.checkACL(a)
	}
	return a, err
}
