package s3api

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/s3api/internal/sigv4"
)

// handler runs one operation on an existing bucket (st is nil for service-level ones).
type handler struct {
	need access
	run  func(s *Server, rc *request, st *bucketState)
}

var handlers = map[string]handler{
	"ListBuckets":             {accessAuthenticated, (*Server).listBuckets},
	"CreateBucket":            {accessAuthenticated, nil}, // the bucket does not exist yet
	"HeadBucket":              {accessBucketRead, (*Server).headBucket},
	"DeleteBucket":            {accessOwner, (*Server).deleteBucket},
	"GetBucketLocation":       {accessOwner, (*Server).getBucketLocation},
	"GetBucketVersioning":     {accessOwner, (*Server).getBucketVersioning},
	"GetBucketAcl":            {accessOwner, (*Server).getBucketACL},
	"PutBucketAcl":            {accessOwner, (*Server).putBucketACL},
	"GetBucketCors":           {accessOwner, (*Server).getBucketCors},
	"PutBucketCors":           {accessOwner, (*Server).putBucketCors},
	"DeleteBucketCors":        {accessOwner, (*Server).deleteBucketCors},
	"ListObjects":             {accessBucketRead, (*Server).listObjectsV1},
	"ListObjectsV2":           {accessBucketRead, (*Server).listObjectsV2},
	"ListObjectVersions":      {accessBucketRead, (*Server).listObjectVersions},
	"ListMultipartUploads":    {accessBucketRead, (*Server).listMultipartUploads},
	"DeleteObjects":           {accessBucketWrite, (*Server).deleteObjects},
	"PostObject":              {accessPostForm, (*Server).postObject},
	"GetObject":               {accessObjectRead, (*Server).getObject},
	"HeadObject":              {accessObjectRead, (*Server).getObject},
	"PutObject":               {accessBucketWrite, (*Server).putObject},
	"CopyObject":              {accessBucketWrite, (*Server).copyObject},
	"DeleteObject":            {accessBucketWrite, (*Server).deleteObject},
	"GetObjectAcl":            {accessObjectOwner, (*Server).getObjectACL},
	"PutObjectAcl":            {accessObjectOwner, (*Server).putObjectACL},
	"CreateMultipartUpload":   {accessBucketWrite, (*Server).createMultipartUpload},
	"UploadPart":              {accessUploadInitiator, (*Server).uploadPart},
	"UploadPartCopy":          {accessUploadInitiator, (*Server).uploadPartCopy},
	"CompleteMultipartUpload": {accessUploadInitiator, (*Server).completeMultipartUpload},
	"AbortMultipartUpload":    {accessUploadOwners, (*Server).abortMultipartUpload},
	"ListParts":               {accessUploadOwners, (*Server).listParts},
}

// dispatch finds the operation, checks that the bucket exists, is owned by the account the
// request expects (x-amz-expected-bucket-owner) and that the caller may act on it, refuses the
// headers and parameters the operation does not implement (refusals), and runs the handler.
// Operations doorman does not implement answer NotImplemented.
func (s *Server) dispatch(rc *request) {
	op, err := rc.operation()
	if err != nil {
		rc.op = "Unknown"
		rc.writeError(asS3(err))
		return
	}
	rc.op = op
	h := handlers[op]
	if rc.op == "CreateBucket" {
		if err := rc.authorize(accessAuthenticated, nil, ""); err != nil {
			rc.writeError(err)
			return
		}
		if e := rc.refused(rc.op); e != nil {
			rc.writeError(e)
			return
		}
		s.createBucket(rc)
		return
	}
	// Buckets are never versioned: the only version there is is "null".
	if v, ok := rc.query["versionId"]; ok && rc.key != "" && v[0] != "null" {
		rc.writeError(s3err.InvalidArgument.Withf("Invalid version id specified").
			With("ArgumentName", "versionId").With("ArgumentValue", v[0]))
		return
	}
	var st *bucketState
	if rc.bucket != "" {
		if st = s.buckets.get(rc.bucket); st == nil {
			rc.writeError(s3err.NoSuchBucket.With("BucketName", rc.bucket))
			return
		}
		if e := checkExpectedOwner(rc.r.Header, "X-Amz-Expected-Bucket-Owner", st); e != nil {
			rc.writeError(e)
			return
		}
	}
	switch h.need {
	case accessObjectRead, accessObjectOwner, accessPostForm:
		// The handler decides, once it knows the object's ACL and owner or the form's signer.
	case accessUploadInitiator, accessUploadOwners:
		if err := s.authorizeUpload(rc, h.need, st); err != nil {
			rc.failUpload(err)
			return
		}
	default:
		if err := rc.authorize(h.need, st, ""); err != nil {
			rc.writeError(err)
			return
		}
	}
	if e := rc.refused(rc.op); e != nil {
		rc.writeError(e)
		return
	}
	h.run(s, rc, st)
}

// fail writes the S3 error for err, logging errors that are not the client's doing.
func (rc *request) fail(err error) {
	e, known := toS3Error(err)
	switch {
	case rc.bodyFault() != nil:
		// The client's body broke off; writeError answers that, and the access log has it.
	case !known:
		rc.s.log.Error("internal error", "request_id", rc.id, "op", rc.op, "error", err)
	case e == errStorageFull:
		rc.s.log.Error("storage full: write refused", "request_id", rc.id, "op", rc.op, "error", err)
	}
	rc.writeError(e)
}

// writeXML marshals v as an S3 response document.
func (rc *request) writeXML(status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		rc.fail(err)
		return
	}
	rc.writeXMLBytes(status, append([]byte(awsxml.Header), b...))
}

func (rc *request) writeXMLBytes(status int, body []byte) {
	h := rc.w.Header()
	h["Content-Type"] = []string{"application/xml"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	rc.w.WriteHeader(status)
	if rc.r.Method != http.MethodHead {
		_, _ = rc.w.Write(body)
	}
}

// bodyIntegrity says which integrity headers describe a small request body.
type bodyIntegrity uint8

const (
	integrityOptional bodyIntegrity = iota // Content-MD5 and x-amz-checksum-*, checked when present
	integrityRequired                      // one of them is mandatory
	// integrityMD5Only checks Content-MD5 alone: the x-amz-checksum-* headers of
	// CompleteMultipartUpload are the checksum of the object it assembles, not of its body.
	integrityMD5Only
)

// readIntegrityCheckedBody reads a small request body (a configuration or a request
// document) of at most limit bytes, checking the Content-MD5 and x-amz-checksum-* headers
// when present; integrityRequired makes one of them mandatory, as S3 requires for
// PutBucketCors and DeleteObjects. A checksum sent as an aws-chunked trailer satisfies the
// requirement and is checked by the signature layer as the body is read. BadDigest and
// InvalidDigest are the errors recorded for PutObject; that PutBucketCors answers the same is
// assumed [UNVERIFIED].
func (rc *request) readIntegrityCheckedBody(limit int64, integrity bodyIntegrity) ([]byte, *s3err.Error) {
	h := rc.r.Header
	md5sum, err := checksum.ContentMD5(h.Get("Content-Md5"))
	if err != nil {
		return nil, asS3(err)
	}
	var sum checksum.Checksum
	if integrity != integrityMD5Only {
		if sum, err = checksum.FromHeader(h); err != nil {
			return nil, asS3(err)
		}
	}
	// A trailer counts only where the signature layer verifies it: an aws-chunked body.
	trailer := rc.auth != nil && h.Get("X-Amz-Trailer") != "" &&
		(rc.auth.Payload == sigv4.PayloadStreamingTrailer || rc.auth.Payload == sigv4.PayloadStreamingUnsignedTrailer)
	if integrity == integrityRequired && md5sum == nil && sum.Algorithm == "" && !trailer {
		return nil, s3err.MissingContentMD5
	}
	body, rerr := io.ReadAll(io.LimitReader(rc.body, limit+1))
	if rerr != nil {
		return nil, asS3(rerr)
	}
	if int64(len(body)) > limit {
		return nil, s3err.MaxMessageLengthExceeded
	}
	if sum := md5.Sum(body); md5sum != nil && !bytes.Equal(sum[:], md5sum) {
		return nil, s3err.BadDigest
	}
	if sum.Algorithm != "" && sum.Algorithm.Sum(body) != sum.Value {
		return nil, checksum.Mismatch(sum.Algorithm)
	}
	return body, nil
}

// decodeXMLBody reads a request document of at most limit bytes (checked for integrity as
// readIntegrityCheckedBody does) into v. It answers MalformedXML itself, and reports false,
// when the body is not such a document.
func (rc *request) decodeXMLBody(limit int64, integrity bodyIntegrity, v any) bool {
	body, e := rc.readIntegrityCheckedBody(limit, integrity)
	if e == nil && xml.Unmarshal(body, v) != nil {
		e = s3err.MalformedXML
	}
	if e != nil {
		rc.writeError(e)
		return false
	}
	return true
}
