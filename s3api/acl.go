package s3api

import (
	"errors"
	"net/http"
	"sync"

	"github.com/doorman-s3/doorman/acl"
	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// Access control lists. The acl package knows what they are: the canned ACLs, the grants, the
// x-amz-grant-* headers and the AccessControlPolicy document, what an ACL allows and how
// storage keeps it. Here they meet requests: reading the ACL a request sets (a canned ACL,
// grant headers or, for PutBucketAcl and PutObjectAcl, a document; exactly one of them), with
// grantees named by e-mail address resolved to their accounts (accountIndex); answering
// GetBucketAcl and GetObjectAcl; and, in authorize (auth.go), deciding what the bucket's and
// the object's ACL grant the caller. Object Ownership and Block Public Access decide which
// ACLs may be set and which count (ownership.go, publicaccess.go).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html.

// errCannedAndGrants is the answer to x-amz-acl given with x-amz-grant-* headers, a canned
// ACL and explicit grants at once (API_PutBucketAcl.html, "Permissions"). [UNVERIFIED] The
// message is the one LocalStack answers (localstack/services/s3/utils.py,
// get_access_control_policy_from_acl_request), whose S3 tests are snapshots taken against AWS.
var errCannedAndGrants = s3err.InvalidRequest.Withf("Specifying both Canned ACLs and Header Grants is not allowed")

// aclErrors are the S3 errors the acl package's refusals (acl.Error) answer as, by code.
var aclErrors = map[string]*s3err.Error{
	acl.CodeInvalidArgument:                 s3err.InvalidArgument,
	acl.CodeMalformedACLError:               s3err.MalformedACLError,
	acl.CodeUnresolvableGrantByEmailAddress: s3err.UnresolvableGrantByEmailAddress,
}

// aclError turns the acl package's refusal into the S3 error of its code, with its message
// and extra elements. Any other error is returned as it is.
func aclError(err error) error {
	var e *acl.Error
	if !errors.As(err, &e) {
		return err
	}
	out, ok := aclErrors[e.Code]
	if !ok {
		return err // answered InternalError, and logged
	}
	if e.Message != "" {
		out = out.Withf("%s", e.Message)
	}
	for _, f := range e.Fields {
		out = out.With(f[0], f[1])
	}
	return out
}

// headerACL reads the ACL a request's headers set: a canned ACL (x-amz-acl) or grants
// (x-amz-grant-*), never both. It is nil when they set none. Grantees are not resolved yet
// (resolveACL).
func (rc *request) headerACL() (*acl.ACL, error) {
	h := rc.r.Header
	canned := h.Get("X-Amz-Acl")
	grants, present, err := acl.ParseHeaders(h)
	switch {
	case canned != "" && (present || err != nil):
		return nil, errCannedAndGrants
	case err != nil:
		return nil, aclError(err)
	case canned != "":
		if !acl.IsCanned(canned) {
			return nil, s3err.InvalidArgument.With("ArgumentName", "x-amz-acl").With("ArgumentValue", canned)
		}
		return &acl.ACL{Canned: canned}, nil
	case present:
		return &acl.ACL{Grants: grants}, nil
	}
	return nil, nil
}

// resolveACL checks a's grantees against the configured accounts, and names the accounts
// given by e-mail address by their canonical ids, the only form stored. It runs once the
// caller is authorized, so that a refusal says nothing about which accounts exist to a caller
// who may not set the ACL.
func (s *Server) resolveACL(a *acl.ACL) error {
	if a == nil || a.Canned != "" {
		return nil
	}
	grants, err := acl.Resolve(a.Grants, s.accounts)
	if err != nil {
		return aclError(err)
	}
	a.Grants = grants
	return nil
}

// requestACL reads the ACL of a PutBucketAcl or PutObjectAcl, which takes exactly one of a
// canned ACL, grant headers or an AccessControlPolicy document (API_PutBucketAcl.html: "You
// cannot specify access permission using both the body and the request headers"). It also
// returns the owner the document names ("" for headers). None of them: MissingSecurityHeader;
// headers and a document: UnexpectedContent, with the message of S3's error list ("This
// request does not support content."). [UNVERIFIED] That S3 answers this code here, and the
// order of the checks, are LocalStack's (the function named at errCannedAndGrants).
func (rc *request) requestACL() (a *acl.ACL, ownerID string, err error) {
	if a, err = rc.headerACL(); err != nil {
		return nil, "", err
	}
	body, err := rc.readIntegrityCheckedBody(acl.MaxDocumentSize, integrityOptional)
	switch {
	case err != nil:
		return nil, "", err
	case a != nil && len(body) > 0:
		return nil, "", s3err.UnexpectedContent
	case a != nil:
		return a, "", nil
	case len(body) == 0:
		return nil, "", s3err.MissingSecurityHeader
	}
	doc, err := acl.ParseDocument(body)
	switch {
	case err != nil:
		return nil, "", aclError(err)
	case doc.OwnerID == "":
		// A document without its Owner is MalformedACLError: the schema requires the element
		// (AmazonS3.xsd's AccessControlPolicy is a sequence of Owner and AccessControlList),
		// and S3 answers so to a document without it (boto/boto3#1615,
		// aws/aws-sdk-java-v2#3478).
		return nil, "", s3err.MalformedACLError
	}
	return &acl.ACL{Grants: doc.Grants}, doc.OwnerID, nil
}

// checkDocumentOwner refuses a document naming another owner than the resource's: an
// AccessControlPolicy sets grants, it cannot give a bucket or an object away. [UNVERIFIED]
// S3's pages document no error for it; doorman answers AccessDenied, as S3 is reported to
// (scality/cloudserver#367, after ceph/s3-tests' test_object_giveaway).
func checkDocumentOwner(named, owner string) error {
	if named != "" && named != owner {
		return s3err.AccessDenied
	}
	return nil
}

// decodeACL reads a stored ACL. One that does not decode (a record doorman did not write)
// grants nothing beyond its owner's: it is read as private, and logged: a bucket's when it is
// loaded or set, an object's the first time a request needs it (firstDamage).
func (s *Server) decodeACL(stored, bucket, key string) acl.ACL {
	a, err := acl.Decode(stored)
	if err != nil {
		if key == "" || s.firstDamage(bucket, key) {
			s.log.Error("stored ACL unreadable: read as private", "bucket", bucket, "key", key, "error", err)
		}
		return acl.ACL{Canned: acl.Private}
	}
	return a
}

// maxDamagedACLs bounds the unreadable object ACLs remembered as logged. An entry is a bucket's
// ID and a key of at most 1024 bytes, so the set stays near a MiB; a store with more damaged
// records than that forgets them all and starts again, logging each at most once per
// maxDamagedACLs others.
const maxDamagedACLs = 1024

// damagedACLs are the unreadable object ACLs already logged, by bucket ID and key: requests
// that reach one, which anyone may send, log it once rather than each time.
type damagedACLs struct {
	sync.Mutex
	seen map[string]bool
}

// firstDamage reports whether the unreadable ACL of bucket/key is met for the first time, and
// remembers that it was.
func (s *Server) firstDamage(bucket, key string) bool {
	id := ""
	if st := s.buckets.get(bucket); st != nil {
		id = st.info.ID
	}
	entry := id + "/" + key
	d := &s.damagedACLs
	d.Lock()
	defer d.Unlock()
	if d.seen[entry] {
		return false
	}
	if len(d.seen) >= maxDamagedACLs {
		d.seen = nil
	}
	if d.seen == nil {
		d.seen = make(map[string]bool)
	}
	d.seen[entry] = true
	return true
}

// writeACL answers GetBucketAcl or GetObjectAcl: the grants of a as S3 lists them, with the
// owners' display names.
func (s *Server) writeACL(rc *request, owner, bucketOwner string, a acl.ACL) error {
	doc, err := acl.MarshalDocument(owner, a.Expand(owner, bucketOwner), s.accounts.displayName)
	if err != nil {
		return err
	}
	rc.writeXMLBytes(http.StatusOK, append([]byte(awsxml.Header), doc...))
	return nil
}

// getBucketACL answers the bucket's ACL; with ACLs disabled, the owner's FULL_CONTROL alone.
func (s *Server) getBucketACL(rc *request, st *bucketState) error {
	return s.writeACL(rc, st.info.Owner, st.info.Owner, st.aclInForce(st.acl))
}

// putBucketACL checks the ACL against the bucket as it is when the ACL is stored, under the
// bucket table's lock: the body arrives after the bucket's state was read, and its Object
// Ownership or Block Public Access may have changed meanwhile.
func (s *Server) putBucketACL(rc *request, st *bucketState) error {
	a, ownerID, err := rc.requestACL()
	if err == nil {
		err = s.resolveACL(a)
	}
	if err != nil {
		return err
	}
	stored := a.String()
	err = s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if !sameBucket(old, st) {
			return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
		}
		if err := old.checkACL(a); err != nil {
			return nil, err
		}
		if err := checkDocumentOwner(ownerID, old.info.Owner); err != nil {
			return nil, err
		}
		if err := s.cfg.Backend.PutBucketACL(rc.ctx, rc.bucket, stored); err != nil {
			return nil, err
		}
		st := old.clone()
		st.info.ACL, st.acl = stored, *a
		return st, nil
	})
	if err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusOK)
	return nil
}

// objectForACL returns the object whose ACL or tags the caller reads or changes (a is
// accessObjectReadACP, accessObjectWriteACP or accessObjectTagging): the version the request
// names, or the latest. Its owner, the bucket's owner where it owns the object, and those its
// ACL grants the permission may (see decide). A caller who may not learns nothing about
// whether the key or version exists. Once the caller may, the answer names the version
// (writeVersionHeader), as S3's does (observed [UNVERIFIED: no public record to cite];
// LocalStack's snapshot test_object_tagging_versioned for the tagging operations).
func (s *Server) objectForACL(rc *request, a access, st *bucketState) (storage.ObjectInfo, error) {
	info, err := s.authorizedVersion(rc, a, st)
	if err == nil {
		writeVersionHeader(rc.w.Header(), st, info.VersionID)
	}
	return info, err
}

// authorizedVersion is objectForACL without the version header, for the operations whose
// answer has none (the Object Lock operations).
func (s *Server) authorizedVersion(rc *request, a access, st *bucketState) (storage.ObjectInfo, error) {
	info, err := s.cfg.Backend.HeadObject(rc.ctx, rc.bucket, rc.key, storage.ReadOptions{VersionID: rc.version, MetadataOnly: true})
	if err != nil {
		// A missing key is NoSuchKey only to a caller who may list the bucket (s3:ListBucket),
		// as for GetObject; anyone else learns nothing of it, whatever the operation's own
		// action would allow (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
		// "If you don't have the s3:ListBucket permission, Amazon S3 returns ... 403").
		if aerr := rc.authorize(accessBucketRead, st); aerr != nil {
			return info, aerr
		}
		return info, rc.objectError(err)
	}
	return info, rc.authorizeObject(a, st, &info)
}

func (s *Server) getObjectACL(rc *request, st *bucketState) error {
	info, err := s.objectForACL(rc, accessObjectReadACP, st)
	if err != nil {
		return err
	}
	return s.writeACL(rc, st.objectOwnerOf(&info), st.info.Owner, st.aclInForce(s.decodeACL(info.ACL, rc.bucket, info.Key)))
}

// errObjectChanged answers a PutObjectAcl whose object was written again, or had its ACL
// changed, between the request's authorization and its change: the new ACL was authorized
// against an object that is no longer there, and is not set. The answer is S3's to a request
// that meets a conflicting one on the same resource, 409 OperationAborted
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), with the message S3
// sends (quoted in aws/aws-sdk-pandas#813); the client tries again and is then authorized
// against the object as it is. [UNVERIFIED] That S3 answers so to PutObjectAcl: it documents
// no answer to this race.
var errObjectChanged = &s3err.Error{Status: http.StatusConflict, Code: "OperationAborted",
	Message: "A conflicting conditional operation is currently in progress against this resource. Please try again."}

// putObjectACL reads the ACL, finds the object and authorizes the caller, then checks the
// grantees and what the bucket allows to be set. A canned ACL, which names no account, is
// checked against the bucket first, as it was before grants existed. The ACL is set only on
// the object the caller was authorized for (storage.PutObjectACLOptions.IfUnchanged).
func (s *Server) putObjectACL(rc *request, st *bucketState) error {
	a, ownerID, err := rc.requestACL()
	if err == nil && a.Canned != "" {
		err = st.checkACL(a)
	}
	if err != nil {
		return err
	}
	info, err := s.objectForACL(rc, accessObjectWriteACP, st)
	if err == nil {
		err = s.resolveACL(a)
	}
	if err == nil {
		err = st.checkACL(a)
	}
	if err == nil {
		err = checkDocumentOwner(ownerID, st.objectOwnerOf(&info))
	}
	if err != nil {
		return err
	}
	err = s.cfg.Backend.PutObjectACL(rc.ctx, rc.bucket, rc.key, storage.PutObjectACLOptions{ACL: st.storedACL(a), IfUnchanged: &info,
		VersionID: rc.version, BucketID: st.info.ID})
	switch {
	case errors.Is(err, storage.ErrPreconditionFailed):
		return errObjectChanged
	case err != nil:
		return rc.objectError(err)
	}
	rc.w.WriteHeader(http.StatusOK)
	return nil
}
