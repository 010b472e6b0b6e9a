package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

type copyObjectResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

// copySource reads x-amz-copy-source (parseCopySource), checks that the caller may read the
// source and applies the x-amz-copy-source-if-* conditions. It returns the source's
// information (the version read among it) and the source bucket's state. A copy that keeps the source's tags (keepTags) needs
// s3:GetObjectTagging on a tagged source: https://repost.aws/knowledge-center/s3-troubleshoot-copy-between-buckets
// and ceph/ceph#47897. [UNVERIFIED] the API reference does not list it. A copy of a version
// named by its id needs s3:GetObjectVersion (API_CopyObject.html, "Permissions"), and its
// tags s3:GetObjectVersionTagging [UNVERIFIED]. An SSE-C source is read with its key, srcKey
// (x-amz-copy-source-server-side-encryption-customer-*).
func (s *Server) copySource(rc *request, keepTags bool, srcKey []byte) (bucket, key string, info storage.ObjectInfo, st *bucketState, err error) {
	var version string
	if bucket, key, version, err = parseCopySource(rc.r.Header.Get("X-Amz-Copy-Source")); err != nil {
		return "", "", info, nil, err
	}
	st = s.buckets.get(bucket)
	if st == nil {
		return "", "", info, nil, s3err.NoSuchBucket.With("BucketName", bucket)
	}
	if err := checkExpectedOwner(rc.r.Header, "X-Amz-Source-Expected-Bucket-Owner", st); err != nil {
		return "", "", info, nil, err
	}
	if st.info.Versioning == "" && version != "" && version != storage.NullVersion {
		// A bucket whose versioning was never set has the null version alone.
		return "", "", info, nil, s3err.NoSuchVersion.With("Key", key).With("VersionId", version)
	}
	rc.version = version
	defer func() { rc.version = "" }()
	info, err = s.cfg.Backend.HeadObject(rc.ctx, bucket, key, storage.ReadOptions{VersionID: version, CustomerKey: srcKey})
	if kerr := s.readKeyError(rc, st, bucket, key, version, err); kerr != nil {
		return "", "", info, nil, kerr
	}
	if err != nil {
		// As for GetObject: without permission to list the source bucket, a missing key or
		// version is not revealed.
		if missingVersion(err) && rc.authorize(accessBucketRead, st) != nil {
			return "", "", info, nil, s3err.AccessDenied
		}
		return "", "", info, nil, rc.copySourceError(err, key, version)
	}
	if err := rc.authorizeObject(accessObjectRead, st, &info); err != nil {
		return "", "", info, nil, err
	}
	if keepTags && info.Tags != "" {
		if err := rc.authorizeObject(accessSourceTagging, st, &info); err != nil {
			return "", "", info, nil, err
		}
	}
	h := rc.r.Header
	cond := http.Header{}
	for _, n := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if v := h.Get("X-Amz-Copy-Source-" + n); v != "" {
			cond.Set(n, v)
		}
	}
	if checkReadConditions(cond, &info) != 0 {
		return "", "", info, nil, s3err.PreconditionFailed
	}
	return bucket, key, info, st, nil
}

// writeCopySourceVersion sets x-amz-copy-source-version-id on the answer of a copy from a
// bucket whose versioning was ever set: the version copied, also when the request names
// none (observed [UNVERIFIED: no public record to cite]); not for a null version, which
// LocalStack does not name either (localstack/services/s3/provider.py, copy_object)
// [UNVERIFIED].
func writeCopySourceVersion(h http.Header, srcBucket *bucketState, src *storage.ObjectInfo) {
	if srcBucket.info.Versioning != "" && src.VersionID != storage.NullVersion {
		h["X-Amz-Copy-Source-Version-Id"] = []string{src.VersionID}
	}
}

// copySourceError answers a source that cannot be copied: a key without one, a version that is
// missing, malformed or a delete marker. A delete marker named by its id is InvalidRequest with
// S3's words, the latest version being one NoSuchKey with the delete marker's headers, as for
// GetObject; a malformed id is InvalidRequest for CopyObject and InvalidArgument for
// UploadPartCopy (observed [UNVERIFIED: no public record to cite]; the first message is the
// one LocalStack answers, localstack/services/s3/provider.py, copy_object).
func (rc *request) copySourceError(err error, key, version string) error {
	var dm *storage.DeleteMarkerError
	switch {
	case errors.As(err, &dm) && dm.Latest:
		h := rc.w.Header()
		h["X-Amz-Delete-Marker"] = []string{"true"}
		h["X-Amz-Version-Id"] = []string{dm.VersionID}
		return s3err.NoSuchKey.With("Key", key)
	case errors.Is(err, storage.ErrDeleteMarker):
		return s3err.InvalidRequest.Withf("The source of a copy request may not specifically refer to a delete marker by version id.")
	case errors.Is(err, storage.ErrNoSuchKey):
		return s3err.NoSuchKey.With("Key", key)
	case errors.Is(err, storage.ErrNoSuchVersion):
		return s3err.NoSuchVersion.With("Key", key).With("VersionId", version)
	case errors.Is(err, storage.ErrInvalidVersionID) && rc.op == "CopyObject":
		return s3err.InvalidRequest
	case errors.Is(err, storage.ErrInvalidVersionID):
		return invalidVersionID("x-amz-copy-source", version)
	}
	return err
}

// parseCopySource reads an x-amz-copy-source value: "bucket/key", URL-encoded, optionally
// with a leading slash and ?versionId= naming the version to copy, URL-encoded too (botocore
// quotes it). An empty version id is refused as S3 refuses it (emptyVersionID), a query that
// does not decode as a malformed id.
func parseCopySource(raw string) (bucket, key, version string, err error) {
	src, query, _ := strings.Cut(raw, "?")
	src, err = url.PathUnescape(strings.TrimPrefix(src, "/"))
	bucket, key, found := strings.Cut(src, "/")
	if err != nil || !found || bucket == "" || key == "" {
		return "", "", "", s3err.InvalidArgument.Withf("Copy Source must mention the source bucket and key: sourcebucket/sourcekey").
			With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", raw)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", "", "", invalidVersionID("x-amz-copy-source", query)
	}
	if v, ok := q["versionId"]; ok {
		if v[0] == "" {
			return "", "", "", emptyVersionID("x-amz-copy-source")
		}
		version = v[0]
	}
	return bucket, key, version, nil
}

func (s *Server) copyObject(rc *request, st *bucketState) error {
	if err := storage.ValidateKey(rc.key); err != nil {
		return err
	}
	srcCK, err := rc.customerKeyOf(rc.r.Header, copySourceCustomerKey)
	if err != nil {
		return err
	}
	srcBucket, srcKey, src, srcState, err := s.copySource(rc, rc.r.Header.Get("X-Amz-Tagging-Directive") != "REPLACE", srcCK.bytes())
	if err != nil {
		return err
	}
	opts, err := rc.copyOptions(st)
	if err == nil && !opts.ReplaceTags {
		// The copy gets the source's tags: setting them needs s3:PutObjectTagging.
		err = rc.authorizeNewTags(st, src.Tags)
	}
	if err != nil {
		return err
	}
	// The copy is encrypted as the request asks, else as the bucket's default, never as its
	// source: "if you don't specify encryption information in your copy request, the
	// encryption setting of the target object is set to the default encryption configuration
	// of the destination bucket" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html).
	ne, err := rc.newObjectEncryption(rc.r.Header, st)
	if err != nil {
		return err
	}
	opts.Encryption, opts.SourceCustomerKey = ne.enc, srcCK.bytes()
	// A copy onto its own source that changes nothing is refused, unless the source names a
	// version: that is how a previous version is restored
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RestoringPreviousVersions.html),
	// and S3 accepts it with the metadata unchanged (observed: versity/versitygw#2418). Nor is
	// one with a write condition: S3 copies in place with If-Match and judges If-None-Match
	// (LocalStack's snapshots test_copy_object_if_match_in_place and
	// test_copy_object_if_none_match_in_place). Nor is one that changes the encryption: that
	// is how an object is encrypted again (https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-encryption.html).
	_, _, named, _ := parseCopySource(rc.r.Header.Get("X-Amz-Copy-Source"))
	if srcBucket == rc.bucket && srcKey == rc.key && named == "" && opts.Conditions == (storage.WriteConditions{}) &&
		!opts.ReplaceMetadata && (opts.StorageClass == "" || opts.StorageClass == src.StorageClass) && !ne.changes(src.Encryption) {
		return s3err.InvalidRequest.Withf("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	if alg := rc.r.Header.Get("X-Amz-Checksum-Algorithm"); alg != "" {
		a, ok := checksum.ParseAlgorithm(alg)
		if !ok {
			return s3err.InvalidRequest.Withf("Invalid Request: Checksum algorithm %s is not supported.", alg)
		}
		opts.ChecksumAlgorithm = a
	}
	opts.SourceIfMatch, opts.SourceVersionID = src.ETag, src.VersionID
	info, err := s.cfg.Backend.CopyObject(rc.ctx, srcBucket, srcKey, rc.bucket, rc.key, opts)
	if err != nil {
		return rc.conditionalWriteError(kmsKeyError(readEncryptionError(err), ne.enc), opts.Conditions)
	}
	writeCopySourceVersion(rc.w.Header(), srcState, &src)
	writeEncryptionHeaders(rc.w.Header(), info.Encryption, ne.customer, sseWriteAnswer)
	writeNewVersionHeader(rc.w.Header(), &info)
	s.writeExpiration(rc.w.Header(), st, rc.key, &info)
	return rc.writeXML(http.StatusOK, copyObjectResult{ETag: quote(info.ETag), LastModified: xmlTime(info.LastModified)})
}

// copyOptions reads what a CopyObject request says about the copy: the metadata directive
// (COPY, the default, or REPLACE with the request's metadata), the ACL, the storage class, the
// Object Lock settings and the conditions on what the copy replaces.
func (rc *request) copyOptions(st *bucketState) (storage.CopyObjectOptions, error) {
	h := rc.r.Header
	cond, err := writeConditions(h)
	opts := storage.CopyObjectOptions{Conditions: cond, BucketID: st.info.ID}
	if err != nil {
		return opts, err
	}
	directive := h.Get("X-Amz-Metadata-Directive")
	if directive != "" && directive != "COPY" && directive != "REPLACE" {
		return opts, s3err.InvalidArgument.Withf("Unknown metadata directive.").With("ArgumentName", "x-amz-metadata-directive").With("ArgumentValue", directive)
	}
	a, err := rc.newObjectACL(st)
	if err != nil {
		return opts, err
	}
	opts.ACL, opts.Owner = st.storedACL(a), st.objectOwner(rc.ownerID(), a)
	if opts.StorageClass, err = rc.storageClass(); err != nil {
		return opts, err
	}
	// The copy's Object Lock settings are the request's; the source's are not copied
	// (LocalStack's snapshot test_s3_copy_object_retention_lock, head-dest-key).
	if opts.Lock, err = newObjectLock(h, st, rc.s.cfg.Now()); err == nil {
		err = rc.authorizeNewLock(st, rc.key, opts.Lock)
	}
	if err != nil {
		return opts, err
	}
	if directive == "REPLACE" {
		opts.ReplaceMetadata, opts.Metadata = true, metadataFromHeaders(h)
	}
	// The tagging directive: COPY, the default, keeps the source's tags; REPLACE gives the
	// copy x-amz-tagging's, none without it
	// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html). The answer to
	// another value is the metadata directive's, with its name. [UNVERIFIED]
	switch td := h.Get("X-Amz-Tagging-Directive"); td {
	case "", "COPY":
	case "REPLACE":
		opts.ReplaceTags = true
		if opts.Tags, err = headerTags(h); err == nil {
			err = rc.authorizeNewTags(st, opts.Tags)
		}
		if err != nil {
			return opts, err
		}
	default:
		return opts, s3err.InvalidArgument.Withf("Unknown tagging directive.").With("ArgumentName", "x-amz-tagging-directive").With("ArgumentValue", td)
	}
	return opts, nil
}
