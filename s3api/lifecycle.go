package s3api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/doorman-s3/doorman/lifecycle"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/tagging"
)

// Bucket lifecycle configuration
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html). Package
// lifecycle reads and validates the document and decides what each rule does; the document is
// stored, in the form GetBucketLifecycleConfiguration answers, as the bucket configuration of
// kind lifecycle.ConfigKind, which the worker applying the rules reads too. The server keeps the
// parsed configuration in the bucket's state, as it keeps the CORS configuration, because
// every GetObject, HeadObject and write of the bucket tells when its object expires
// (x-amz-expiration).

// transitionMinimumSize is the header naming which objects a transition moves
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html,
// x-amz-transition-default-minimum-object-size), and defaultTransitionMinimumSize its default
// value, which S3 answers on GetBucketLifecycleConfiguration and PutBucketLifecycleConfiguration
// (LocalStack's snapshots of AWS, tests/aws/services/s3/test_s3.snapshot.json,
// test_delete_bucket_lifecycle_configuration: TransitionDefaultMinimumObjectSize). Doorman
// moves no object between storage classes, so the default is the only setting it has: a
// request asking for the other one is refused (refusals.go), one naming a value S3 does not
// define is InvalidArgument (an answer S3 is not recorded to give [UNVERIFIED]).
const (
	transitionMinimumSize        = "X-Amz-Transition-Default-Minimum-Object-Size"
	defaultTransitionMinimumSize = "all_storage_classes_128K"
)

// lifecycleError is the S3 error of a configuration lifecycle refuses: its code and message,
// the argument it names, and the status of its code, 501 for NotImplemented (a transition,
// which doorman does not do) and 400 for the others (MalformedXML, InvalidArgument,
// InvalidRequest: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
func lifecycleError(err error) error {
	var le *lifecycle.Error
	if !errors.As(err, &le) {
		return err
	}
	e := &s3err.Error{Status: http.StatusBadRequest, Code: le.Code, Message: le.Message}
	if le.Code == s3err.NotImplemented.Code {
		e.Status = s3err.NotImplemented.Status
	}
	if le.ArgumentName != "" {
		e = e.With("ArgumentName", le.ArgumentName).With("ArgumentValue", le.ArgValue)
	}
	return e
}

// putBucketLifecycleConfiguration replaces the bucket's lifecycle configuration
// (API_PutBucketLifecycleConfiguration.html): the document, at most storage.MaxConfigSize
// bytes, needs Content-MD5 or a checksum ("Content-MD5 ... This header must be used as a
// message integrity check", and botocore marks the operation requestChecksumRequired), is
// validated as S3 validates it, and is stored before the bucket's state shows it.
func (s *Server) putBucketLifecycleConfiguration(rc *request, st *bucketState) error {
	if v, ok := rc.r.Header[transitionMinimumSize]; ok && v[0] != defaultTransitionMinimumSize {
		return s3err.InvalidArgument.With("ArgumentName", "x-amz-transition-default-minimum-object-size").With("ArgumentValue", v[0])
	}
	body, err := rc.readIntegrityCheckedBody(storage.MaxConfigSize, integrityRequired)
	if err != nil {
		return err
	}
	cfg, err := lifecycle.Parse(body)
	if err != nil {
		return lifecycleError(err)
	}
	if err := s.setBucketConfig(rc, st, lifecycle.ConfigKind, cfg.Encode(), func(st *bucketState) { st.lifecycle = cfg }); err != nil {
		return err
	}
	h := rc.w.Header()
	h[transitionMinimumSize] = []string{defaultTransitionMinimumSize}
	h["Content-Length"] = []string{"0"}
	rc.w.WriteHeader(http.StatusOK)
	return nil
}

// getBucketLifecycleConfiguration answers the bucket's configuration, or 404
// NoSuchLifecycleConfiguration naming the bucket without one
// (API_GetBucketLifecycleConfiguration.html; the message and the BucketName element:
// LocalStack's snapshot test_delete_bucket_lifecycle_configuration, get-bucket-lifecycle-exc-1).
func (s *Server) getBucketLifecycleConfiguration(rc *request, st *bucketState) error {
	if st.lifecycle == nil {
		return s3err.NoSuchLifecycleConfiguration.With("BucketName", rc.bucket)
	}
	rc.w.Header()[transitionMinimumSize] = []string{defaultTransitionMinimumSize}
	rc.writeXMLBytes(http.StatusOK, st.lifecycle.Encode())
	return nil
}

// deleteBucketLifecycle removes the bucket's configuration and answers 204, whether or not
// there was one (API_DeleteBucketLifecycle.html; ceph/s3-tests' test_lifecycle_delete).
func (s *Server) deleteBucketLifecycle(rc *request, st *bucketState) error {
	if err := s.setBucketConfig(rc, st, lifecycle.ConfigKind, nil, func(st *bucketState) { st.lifecycle = nil }); err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusNoContent)
	return nil
}

// loadLifecycle reads a bucket's stored configuration; nil when it has none. One that no
// longer parses is an error, as a CORS configuration's is: a lifecycle configuration grants
// nothing, so the server may refuse to start rather than serve the bucket without it. One
// that does not parse fails with an errUndecodable.
func loadLifecycle(doc []byte, err error) (*lifecycle.Configuration, error) {
	switch {
	case errors.Is(err, storage.ErrNoSuchConfig):
		return nil, nil
	case err != nil:
		return nil, err
	}
	c, err := lifecycle.Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUndecodable, err)
	}
	return c, nil
}

// writeExpiration sets x-amz-expiration on the answer of a write (PutObject, CopyObject,
// CompleteMultipartUpload) or of a GetObject or HeadObject naming no version, about info, the
// current version of key in st: when an enabled rule of the bucket's configuration expires
// it, the day it does and the rule's ID, `expiry-date="Fri, 23 Dec 2012 00:00:00 GMT",
// rule-id="ID"` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html,
// x-amz-expiration; the format is ceph/s3-tests' check_lifecycle_expiration_header). "The
// value of the rule-id is URL-encoded" (API_PutObject.html), form-encoded here as doorman
// encodes a listing's values for encoding-type=url [UNVERIFIED: which characters S3 escapes].
// A read naming a version gets none, even of the current version: LocalStack's snapshot
// test_bucket_lifecycle_configuration_object_expiry_versioned records AWS's HEAD so
// (head-object-expiry-current-with-version-id); a GET is assumed to answer as a HEAD
// [UNVERIFIED]. Stored tags that do not decode leave the header out: the object's answer does
// not fail for a header that only informs.
func (s *Server) writeExpiration(h http.Header, st *bucketState, key string, info *storage.ObjectInfo) {
	if st.lifecycle == nil {
		return
	}
	set, err := tagging.Decode(info.Tags)
	if err != nil {
		return
	}
	tags := make([]lifecycle.Tag, len(set))
	for i, t := range set {
		tags[i] = lifecycle.Tag(t)
	}
	at, id := st.lifecycle.Expiry(lifecycle.Version{Key: key, Size: info.Size, Tags: tags, LastModified: info.LastModified, IsLatest: true},
		lifecycle.Clock{Day: s.cfg.LifecycleDay})
	if at.IsZero() {
		return
	}
	h["X-Amz-Expiration"] = []string{`expiry-date="` + at.UTC().Format(http.TimeFormat) + `", rule-id="` + url.QueryEscape(id) + `"`}
}
