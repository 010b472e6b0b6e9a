package s3

import (
	"github.com/doorman-s3/doorman/s3/internal/s3err"
	"github.com/doorman-s3/doorman/s3/internal/sigv2"
	"github.com/doorman-s3/doorman/s3/internal/sigv4"
	"github.com/doorman-s3/doorman/storage"
)

// authenticate verifies the request's signature, if it carries one, and sets the caller and
// the body to read. A request without a signature is anonymous; what it may do is decided by
// the ACLs in authorize.
func (s *Server) authenticate(rc *request) *s3err.Error {
	r := rc.r
	rc.body = r.Body
	switch {
	case sigv4.IsSigV4(r):
		res, err := s.sigv4.Verify(r)
		if err != nil {
			return asS3(err)
		}
		rc.user, rc.auth, rc.body, rc.decodedSize = s.users[res.AccessKey], res, res.Body, res.DecodedLength
	case sigv2.IsSigV2(r):
		vhostBucket := ""
		if rc.vhost {
			vhostBucket = rc.bucket
		}
		res, err := s.sigv2.Verify(r, vhostBucket)
		if err != nil {
			return asS3(err)
		}
		rc.user = s.users[res.AccessKey]
	}
	return nil
}

func asS3(err error) *s3err.Error {
	e, _ := toS3Error(err)
	return e
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
)

// Canned ACLs, as S3 names them.
const (
	aclPrivate                = "private"
	aclPublicRead             = "public-read"
	aclPublicReadWrite        = "public-read-write"
	aclAuthenticatedRead      = "authenticated-read"
	aclBucketOwnerRead        = "bucket-owner-read"
	aclBucketOwnerFullControl = "bucket-owner-full-control"
)

var cannedACLs = map[string]bool{
	aclPrivate: true, aclPublicRead: true, aclPublicReadWrite: true, aclAuthenticatedRead: true,
	"aws-exec-read": true, aclBucketOwnerRead: true, aclBucketOwnerFullControl: true,
}

// grants reports whether a canned ACL gives the caller read (or write) permission.
func grants(acl string, authenticated, write bool) bool {
	switch acl {
	case aclPublicReadWrite:
		return true
	case aclPublicRead:
		return !write
	case aclAuthenticatedRead:
		return !write && authenticated
	}
	return false
}

// authorize decides whether the caller may perform an operation needing a on bucket st
// (nil for service-level operations). objectACL is consulted for accessObjectRead.
func (rc *request) authorize(a access, st *bucketState, objectACL string) *s3err.Error {
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
		ok = grants(st.info.ACL, authenticated, false)
	case accessBucketWrite:
		ok = grants(st.info.ACL, authenticated, true)
	case accessObjectRead:
		ok = grants(objectACL, authenticated, false)
	}
	if !ok {
		return s3err.AccessDenied
	}
	return nil
}

// authorizeObject is authorize for an operation on an existing object: the account that wrote
// the object may always act on it.
func (rc *request) authorizeObject(a access, st *bucketState, info *storage.ObjectInfo) *s3err.Error {
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
