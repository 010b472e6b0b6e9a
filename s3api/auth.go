package s3api

import (
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/s3api/internal/sigv2"
	"github.com/doorman-s3/doorman/s3api/internal/sigv4"
	"github.com/doorman-s3/doorman/storage"
)

// authenticate verifies the request's signature, if it carries one, and sets the caller and
// the body to read. A request without a signature is anonymous; what it may do is decided by
// the ACLs in authorize. An Authorization header of another scheme is refused: taking it for
// an anonymous request would silently ignore what the client asked for.
func (s *Server) authenticate(rc *request) error {
	r := rc.r
	rc.body = r.Body
	switch {
	case sigv4.IsSigV4(r):
		res, err := s.sigv4.Verify(r)
		if err != nil {
			return err
		}
		rc.user, rc.auth, rc.body, rc.decodedSize = s.users[res.AccessKey], res, res.Body, res.DecodedLength
	case sigv2.IsSigV2(r, rc.query):
		target := sigv2.Target{Query: rc.query, BucketLevel: rc.bucket != "" && rc.key == ""}
		if rc.vhost {
			target.VirtualBucket = rc.bucket
		}
		res, err := s.sigv2.Verify(r, target)
		if err != nil {
			return err
		}
		rc.user = s.users[res.AccessKey]
	case r.Header.Get("Authorization") != "":
		return sigv4.UnsupportedAuthorization(r.Header.Get("Authorization"))
	}
	return nil
}

// access is what an operation needs.
type access uint8

const (
	accessAuthenticated access = iota // any signed request (CreateBucket, ListBuckets)
	accessOwner                       // the bucket's owner only (configuration, ACLs)
	accessBucketRead                  // READ on the bucket (listing)
	accessBucketWrite                 // WRITE on the bucket (creating and deleting objects)
	accessObjectRead                  // READ on the object (its ACL) or the bucket's owner
	accessObjectOwner                 // the object's owner (see authorizeObject) or the bucket's owner: object ACLs
	accessPostForm                    // a form upload: its fields name the caller, then WRITE on the bucket
	// accessUploadInitiator: WRITE on the bucket, and being the upload's initiator. AWS:
	// "Only the initiator of a multipart upload can upload parts" and complete it
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
	accessUploadInitiator
	// accessUploadOwners: the upload's initiator or the bucket's owner, who by default may list
	// an upload's parts and abort it (same page).
	accessUploadOwners
)

// authorize decides whether the caller may perform an operation needing a on bucket st
// (nil for service-level operations). objectACL is consulted for accessObjectRead. The
// buckets' and objects' canned ACLs (acl.go) say what they grant others.
func (rc *request) authorize(a access, st *bucketState, objectACL string) error {
	authenticated := rc.user != nil
	if a == accessAuthenticated {
		if !authenticated {
			return s3err.AccessDenied
		}
		return nil
	}
	if authenticated && st.info.Owner == rc.user.id {
		return nil
	}
	ok := false
	switch a {
	case accessBucketRead:
		ok = grants(st.effectiveACL(st.info.ACL), authenticated, false)
	case accessBucketWrite:
		ok = grants(st.effectiveACL(st.info.ACL), authenticated, true)
	case accessObjectRead:
		ok = grants(st.effectiveACL(objectACL), authenticated, false)
	}
	if !ok {
		return s3err.AccessDenied
	}
	return nil
}

// authorizeUpload decides an operation on an existing multipart upload: WRITE on the bucket
// first where it is needed, then who started the upload (the canonical id, "" for anonymous:
// anonymous callers are one principal to S3). The error is an S3 error, or the storage's
// when the upload cannot be read.
func (s *Server) authorizeUpload(rc *request, a access, st *bucketState) error {
	if a == accessUploadInitiator {
		if err := rc.authorize(accessBucketWrite, st, ""); err != nil {
			return err
		}
	}
	initiator, err := s.uploadInitiator(rc)
	if err != nil {
		return err
	}
	if rc.ownerID() == initiator || a == accessUploadOwners && rc.user != nil && st.info.Owner == rc.user.id {
		return nil
	}
	return s3err.AccessDenied
}

// authorizeObject is authorize for an operation on an existing object: the account that wrote
// the object may always act on it.
func (rc *request) authorizeObject(a access, st *bucketState, info *storage.ObjectInfo) error {
	if rc.user != nil && info.Owner == rc.user.id {
		return nil
	}
	return rc.authorize(a, st, info.ACL)
}

func (rc *request) ownerID() string {
	if rc.user == nil {
		return ""
	}
	return rc.user.id
}
