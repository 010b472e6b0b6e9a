package s3api

import (
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// handler runs one operation on an existing bucket (st is nil for service-level operations
// and for CreateBucket, whose bucket does not exist yet). It writes the answer of a success
// and returns any failure, which ServeHTTP answers.
type handler struct {
	need access
	run  func(s *Server, rc *request, st *bucketState) error
}

var handlers = map[string]handler{
	"ListBuckets":             {accessAuthenticated, (*Server).listBuckets},
	"CreateBucket":            {accessAuthenticated, (*Server).createBucket},
	"HeadBucket":              {accessBucketRead, (*Server).headBucket},
	"DeleteBucket":            {accessOwner, (*Server).deleteBucket},
	"GetBucketLocation":       {accessOwner, (*Server).getBucketLocation},
	"GetBucketVersioning":     {accessOwner, (*Server).getBucketVersioning},
	"PutBucketVersioning":     {accessOwner, (*Server).putBucketVersioning},
	"GetBucketAcl":            {accessBucketReadACP, (*Server).getBucketACL},
	"PutBucketAcl":            {accessBucketWriteACP, (*Server).putBucketACL},
	"GetBucketCors":           {accessOwner, (*Server).getBucketCors},
	"PutBucketCors":           {accessOwner, (*Server).putBucketCors},
	"DeleteBucketCors":        {accessOwner, (*Server).deleteBucketCors},
	"GetBucketPolicy":         {accessOwner, (*Server).getBucketPolicy},
	"PutBucketPolicy":         {accessOwner, (*Server).putBucketPolicy},
	"DeleteBucketPolicy":      {accessOwner, (*Server).deleteBucketPolicy},
	"GetBucketPolicyStatus":   {accessOwner, (*Server).getBucketPolicyStatus},
	"ListObjects":             {accessBucketRead, (*Server).listObjectsV1},
	"ListObjectsV2":           {accessBucketRead, (*Server).listObjectsV2},
	"ListObjectVersions":      {accessBucketRead, (*Server).listObjectVersions},
	"ListMultipartUploads":    {accessBucketRead, (*Server).listMultipartUploads},
	"DeleteObjects":           {accessBucketWrite, (*Server).deleteObjects},
	"PostObject":              {accessPostForm, (*Server).postObject},
	"GetObject":               {accessObjectRead, (*Server).getObject},
	"HeadObject":              {accessObjectRead, (*Server).getObject},
	"GetObjectAttributes":     {accessObjectRead, (*Server).getObjectAttributes},
	"PutObject":               {accessBucketWrite, (*Server).putObject},
	"CopyObject":              {accessBucketWrite, (*Server).copyObject},
	"DeleteObject":            {accessBucketWrite, (*Server).deleteObject},
	"GetObjectAcl":            {accessObjectReadACP, (*Server).getObjectACL},
	"PutObjectAcl":            {accessObjectWriteACP, (*Server).putObjectACL},
	"CreateMultipartUpload":   {accessBucketWrite, (*Server).createMultipartUpload},
	"UploadPart":              {accessUploadInitiator, (*Server).uploadPart},
	"UploadPartCopy":          {accessUploadInitiator, (*Server).uploadPartCopy},
	"CompleteMultipartUpload": {accessUploadInitiator, (*Server).completeMultipartUpload},
	"AbortMultipartUpload":    {accessUploadOwners, (*Server).abortMultipartUpload},
	"ListParts":               {accessUploadOwners, (*Server).listParts},

	// Object Ownership and Block Public Access (ownership.go, publicaccess.go).
	"GetBucketOwnershipControls":    {accessOwner, (*Server).getBucketOwnershipControls},
	"PutBucketOwnershipControls":    {accessOwner, (*Server).putBucketOwnershipControls},
	"DeleteBucketOwnershipControls": {accessOwner, (*Server).deleteBucketOwnershipControls},
	"GetPublicAccessBlock":          {accessOwner, (*Server).getPublicAccessBlock},
	"PutPublicAccessBlock":          {accessOwner, (*Server).putPublicAccessBlock},
	"DeletePublicAccessBlock":       {accessOwner, (*Server).deletePublicAccessBlock},

	// Object Lock (objectlock.go).
	"GetObjectLockConfiguration": {accessOwner, (*Server).getObjectLockConfiguration},
	"PutObjectLockConfiguration": {accessOwner, (*Server).putObjectLockConfiguration},
	"GetObjectRetention":         {accessRetentionRead, (*Server).getObjectRetention},
	"PutObjectRetention":         {accessObjectLock, (*Server).putObjectRetention},
	"GetObjectLegalHold":         {accessLegalHoldRead, (*Server).getObjectLegalHold},
	"PutObjectLegalHold":         {accessObjectLock, (*Server).putObjectLegalHold},

	// Tagging (tagging.go).
	"GetObjectTagging":    {accessObjectTagging, (*Server).getObjectTagging},
	"PutObjectTagging":    {accessObjectTagging, (*Server).putObjectTagging},
	"DeleteObjectTagging": {accessObjectTagging, (*Server).deleteObjectTagging},
	"GetBucketTagging":    {accessOwner, (*Server).getBucketTagging},
	"PutBucketTagging":    {accessOwner, (*Server).putBucketTagging},
	"DeleteBucketTagging": {accessOwner, (*Server).deleteBucketTagging},

	// Lifecycle (lifecycle.go).
	"GetBucketLifecycleConfiguration": {accessOwner, (*Server).getBucketLifecycleConfiguration},
	"PutBucketLifecycleConfiguration": {accessOwner, (*Server).putBucketLifecycleConfiguration},
	"DeleteBucketLifecycle":           {accessOwner, (*Server).deleteBucketLifecycle},

	// Default encryption (bucketencryption.go).
	"GetBucketEncryption":    {accessOwner, (*Server).getBucketEncryption},
	"PutBucketEncryption":    {accessOwner, (*Server).putBucketEncryption},
	"DeleteBucketEncryption": {accessOwner, (*Server).deleteBucketEncryption},
}

// dispatch finds the operation (routes), checks that the bucket exists, is owned by the
// account the request expects (x-amz-expected-bucket-owner) and that the caller may act on it,
// refuses the headers the operation does not implement (refusals), and runs
// the handler. Operations doorman does not implement answer NotImplemented.
func (s *Server) dispatch(rc *request) error {
	op, err := rc.operation()
	if err != nil {
		rc.op = "Unknown"
		return err
	}
	rc.op = op
	h := handlers[op]
	var st *bucketState
	if op != "CreateBucket" {
		if st, err = s.bucketOf(rc); err != nil {
			return err
		}
		if err := rc.checkVersionParam(op, st); err != nil {
			return err
		}
	}
	if err := s.authorizeOperation(rc, h.need, st); err != nil {
		return err
	}
	if err := rc.refused(op); err != nil {
		return err
	}
	return h.run(s, rc, st)
}

// bucketOf returns the state of the bucket the request names, nil for a service-level
// request, after checking the owner it expects.
func (s *Server) bucketOf(rc *request) (*bucketState, error) {
	if rc.bucket == "" {
		return nil, nil
	}
	st := s.buckets.get(rc.bucket)
	if st == nil {
		return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
	}
	if err := checkExpectedOwner(rc.r.Header, "X-Amz-Expected-Bucket-Owner", st); err != nil {
		return nil, err
	}
	return st, nil
}

// authorizeOperation decides whether the caller may run an operation needing need on st,
// where that can be decided before the handler runs.
func (s *Server) authorizeOperation(rc *request, need access, st *bucketState) error {
	switch need {
	case accessObjectRead, accessObjectReadACP, accessObjectWriteACP, accessObjectTagging, accessPostForm,
		accessObjectLock, accessRetentionRead, accessLegalHoldRead:
		// The handler decides, once it knows the object's ACL and owner or the form's signer.
		return nil
	case accessUploadInitiator, accessUploadOwners:
		if err := s.authorizeUpload(rc, need, st); err != nil {
			return rc.uploadError(err)
		}
		return nil
	}
	return rc.authorize(need, st)
}
