package s3api

import (
	"github.com/doorman-s3/doorman/acl"
	"github.com/doorman-s3/doorman/policy"
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
		rc.sig = signature{version: sigV4, presigned: res.Presigned, at: res.SignedAt}
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
		rc.sig = signature{version: sigV2, presigned: res.Presigned}
	case r.Header.Get("Authorization") != "":
		return sigv4.UnsupportedAuthorization(r.Header.Get("Authorization"))
	}
	return nil
}

// access is what an operation needs.
type access uint8

const (
	accessAuthenticated  access = iota // any signed request (CreateBucket, ListBuckets)
	accessOwner                        // the bucket's owner only (its configuration)
	accessBucketRead                   // READ on the bucket (listing)
	accessBucketWrite                  // WRITE on the bucket (creating and deleting objects)
	accessBucketReadACP                // READ_ACP on the bucket (GetBucketAcl)
	accessBucketWriteACP               // WRITE_ACP on the bucket (PutBucketAcl)
	// accessObjectRead: READ on the object (its ACL), which its owner (see authorizeObject)
	// has, and the bucket's owner where it owns the object (see decide).
	accessObjectRead
	// accessObjectReadACP and accessObjectWriteACP: READ_ACP and WRITE_ACP on the object
	// (GetObjectAcl, PutObjectAcl), which its owner and, as for accessObjectRead, the bucket's
	// owner have.
	accessObjectReadACP
	accessObjectWriteACP
	accessPostForm // a form upload: its fields name the caller, then WRITE on the bucket
	// accessUploadInitiator: WRITE on the bucket, and being the upload's initiator. AWS:
	// "Only the initiator of a multipart upload can upload parts" and complete it
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
	accessUploadInitiator
	// accessUploadOwners: the upload's initiator or the bucket's owner, who by default may list
	// an upload's parts and abort it (same page).
	accessUploadOwners
	// accessObjectTagging: the object's tags, which its owner and, as for accessObjectRead,
	// the bucket's owner may read and change, and a bucket policy may let others; no ACL
	// grants them (the ACL permissions map to no tagging action:
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions).
	accessObjectTagging
	// accessSourceTagging: s3:GetObjectTagging on the source of a copy that keeps its tags
	// (copySource).
	accessSourceTagging
	// accessObjectAttributes: s3:GetObjectAttributes, which GetObjectAttributes needs besides
	// s3:GetObject, and READ on the object where ACLs decide (getObjectAttributes).
	accessObjectAttributes
	// accessObjectLock: a version's retention or legal hold (objectlock.go), which its owner
	// and, as for accessObjectRead, the bucket's owner may change, and a bucket policy may let
	// others; no ACL grants it.
	accessObjectLock
	// accessRetentionRead, accessLegalHoldRead, accessBypassGovernance, and
	// accessRetentionWrite and accessLegalHoldWrite (a write that sets a retention or a legal
	// hold, authorizeNewLock): as accessObjectLock, with the action of lockActions whatever the
	// operation.
	accessRetentionRead
	accessLegalHoldRead
	accessBypassGovernance
	accessRetentionWrite
	accessLegalHoldWrite
)

// aclPermissions is the ACL permission each access needs, and whether on the object rather
// than the bucket (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions).
// An access absent here is granted by no ACL.
var aclPermissions = [...]struct {
	p      acl.Permission
	object bool
}{
	accessBucketRead:     {acl.Read, false},
	accessBucketWrite:    {acl.Write, false},
	accessBucketReadACP:  {acl.ReadACP, false},
	accessBucketWriteACP: {acl.WriteACP, false},
	accessObjectRead:     {acl.Read, true},
	accessObjectReadACP:  {acl.ReadACP, true},
	accessObjectWriteACP: {acl.WriteACP, true},
	// READ on the object grants GetObjectAttributes: "you must have READ access to the object"
	// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html).
	accessObjectAttributes: {acl.Read, true},
}

// authorize decides whether the caller may perform an operation needing a on bucket st
// (nil for service-level operations), on the key the request names.
func (rc *request) authorize(a access, st *bucketState) error {
	return rc.authorizeKey(a, st, rc.key)
}

// authorizeKey is authorize for an operation on key, which no object's ACL decides.
func (rc *request) authorizeKey(a access, st *bucketState, key string) error {
	return rc.decide(a, st, key, nil)
}

// decide is authorize for an operation on key, whose object obj (nil when there is none, or
// its ACL does not count) is stored, in the order in which Amazon S3 decides
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
//  1. an explicit Deny of the bucket policy refuses, the bucket owner included (policyDecision);
//  2. the root user of the account that owns the bucket may do anything else;
//  3. an Allow of the bucket policy grants;
//  4. the bucket's and objects' ACLs grant what they say (aclAllows), unless ACLs are disabled
//     (Object Ownership BucketOwnerEnforced) or public ones ignored (IgnorePublicAcls);
//  5. anything else is refused with AccessDenied.
//
// Steps 2 and 3 do not apply to an object another account owns (ACLs enabled, written under
// ObjectWriter, or under BucketOwnerPreferred without bucket-owner-full-control): in the
// bucket context S3 only "evaluates all the policies owned by the bucket owner to check if the
// bucket owner has not explicitly denied access to the object", and in the object context
// those "owned by the object owner" (the page above); a bucket policy's permissions "don't
// apply to objects that are owned by other AWS accounts"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html). So the bucket
// owner reads such an object, or its ACL, only as its ACL allows (bucket-owner-read,
// bucket-owner-full-control, a grant), and a policy's Allow reaches nobody there, while its
// Deny binds everyone, the object's owner included (authorizeObject). Operations that need
// WRITE on the bucket, deleting the object among them, and listing stay the bucket owner's.
//
// IAM users (User.UserName) have no identity policy: steps 3 and 4 are all they get.
func (rc *request) decide(a access, st *bucketState, key string, obj *storage.ObjectInfo) error {
	authenticated := rc.user != nil
	if a == accessAuthenticated {
		// ListBuckets and CreateBucket: only an identity policy grants them, and an IAM user
		// has none.
		if !authenticated || !rc.user.root() {
			return s3err.AccessDenied
		}
		return nil
	}
	allowed, err := rc.policyDecision(a, st, key)
	if err != nil {
		return err
	}
	if obj != nil && st.objectOwnerOf(obj) != st.info.Owner {
		// Another account's object: the bucket's owner has no right to it of its own, and
		// the bucket policy, the bucket owner's, grants nothing on it; only its ACL does.
		allowed = false
	} else if authenticated && st.info.Owner == rc.user.id && rc.user.root() {
		return nil
	}
	if allowed || rc.aclAllows(a, st, obj) {
		return nil
	}
	return s3err.AccessDenied
}

// aclAllows is step 4 of decide: whether the bucket's ACL, or the ACL of obj for an access
// to an object, grants the permission a needs. ACLs grant nothing under BucketOwnerEnforced,
// and their public grants nothing under IgnorePublicAcls. The bucket's ACL is decoded once,
// when it is set or loaded; an object's when a request gets this far.
func (rc *request) aclAllows(a access, st *bucketState, obj *storage.ObjectInfo) bool {
	if int(a) >= len(aclPermissions) || aclPermissions[a].p == "" || st.aclsDisabled() {
		return false
	}
	need := aclPermissions[a]
	c := acl.Caller{ID: rc.ownerID(), Root: rc.user != nil && rc.user.root()}
	if a == accessBucketWrite && rc.version != "" && c.ID != st.info.Owner {
		// WRITE grants s3:DeleteObjectVersion only "when the grantee is the bucket owner"
		// (acl-overview.html#permissions).
		return false
	}
	ignorePublic := st.publicAccess.IgnorePublicAcls
	if !need.object {
		return st.acl.Allows(c, need.p, st.info.Owner, st.info.Owner, ignorePublic)
	}
	if obj == nil {
		return false
	}
	return rc.s.decodeACL(obj.ACL, st.info.Name, obj.Key).Allows(c, need.p, st.objectOwnerOf(obj), st.info.Owner, ignorePublic)
}

// authorizeUpload decides an operation on an existing multipart upload: WRITE on the bucket
// first where it is needed, then who started the upload (the canonical id, "" for anonymous:
// anonymous callers are one principal to S3). The error is an S3 error, or the storage's
// when the upload cannot be read.
func (s *Server) authorizeUpload(rc *request, a access, st *bucketState) error {
	if a == accessUploadInitiator {
		if err := rc.authorize(accessBucketWrite, st); err != nil {
			return err
		}
	}
	if a == accessUploadOwners {
		// What a bucket policy says comes first: a Deny, or an Allow of the action.
		allowed, err := rc.policyDecision(a, st, rc.key)
		if allowed || err != nil {
			return err
		}
	}
	initiator, err := s.uploadInitiator(rc)
	if err != nil {
		return err
	}
	// The stored initiator is a canonical id, which the users of one account share. For
	// UploadPart and CompleteMultipartUpload, WRITE was decided above (for an IAM user by the
	// bucket policy alone), so the account is what is left to match. Listing or aborting
	// another's upload asks no write permission: there the id names the initiator only for a
	// root user or an anonymous caller, and an IAM user has only what the policy granted.
	sameAccount := rc.ownerID() == initiator
	switch {
	case a == accessUploadInitiator && sameAccount,
		a == accessUploadOwners && (sameAccount && (rc.user == nil || rc.user.root()) || rc.ownerRoot(st)):
		return nil
	}
	return s3err.AccessDenied
}

// authorizeObject is authorize for an operation on an existing object, whose ACL counts: the
// root user of the account that owns the object (objectOwnerOf: its writer, or the bucket's
// owner for every object under BucketOwnerEnforced, whatever Object Ownership was when it was
// written) may act on it, unless the bucket policy denies it.
func (rc *request) authorizeObject(a access, st *bucketState, info *storage.ObjectInfo) error {
	rc.object, rc.objectResource = info, objectARN(st.info.Name, info.Key)
	if rc.user != nil && st.objectOwnerOf(info) == rc.user.id && rc.user.root() {
		_, err := rc.policyDecision(a, st, info.Key)
		return err
	}
	return rc.decide(a, st, info.Key, info)
}

// ownerRoot reports whether the caller is the root user of the account that owns the bucket.
func (rc *request) ownerRoot(st *bucketState) bool {
	return rc.ofOwnerAccount(st) && rc.user.root()
}

// ofOwnerAccount reports whether the caller is a user of the account that owns the bucket.
func (rc *request) ofOwnerAccount(st *bucketState) bool {
	return rc.user != nil && rc.user.id == st.info.Owner
}

// policyDecision evaluates the bucket's policy, if it has one, for an operation needing a on
// key: an error for an explicit Deny, and whether an Allow grants the request. The Deny binds
// everyone but the owner account's root user on the policy's own operations, whom S3 always
// lets read, change or delete the policy. An Allow of a public policy does not reach callers
// outside the owner's account while RestrictPublicBuckets is on
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html:
// it restricts access "to only AWS service principals and authorized users within the bucket
// owner's account"). [UNVERIFIED] Whether "authorized" asks an IAM user of that account for an
// identity policy of its own: doorman's IAM users have none, so the public policy's Allow is
// what authorizes them, and it still reaches them.
// Without a bucket policy it costs nothing.
func (rc *request) policyDecision(a access, st *bucketState, key string) (bool, error) {
	bp := st.access
	if bp == nil {
		return false, nil
	}
	action, resource := rc.permission(a, st, key)
	req, err := rc.policyRequest(action, resource)
	if err != nil {
		return false, err
	}
	switch bp.parsed.Evaluate(req).Effect {
	case policy.Deny:
		if policyOps[rc.op] && rc.ownerRoot(st) {
			return false, nil
		}
		return false, s3err.AccessDenied
	case policy.Allow:
		return !bp.public || !st.publicAccess.RestrictPublicBuckets || rc.ofOwnerAccount(st), nil
	}
	return false, nil
}

// permission is the action and resource a needs on key: the operation's own (actions), except
// where a check reads something else than the operation acts on: an object's content
// (s3:GetObject, the source of a copy or the ETag a conditional delete tests), or whether a
// key exists (s3:ListBucket).
func (rc *request) permission(a access, st *bucketState, key string) (action, resource string) {
	op := actions[rc.op]
	switch {
	case a == accessObjectRead:
		op = opAction{"s3:GetObject", true}
	case a == accessBucketRead && op.object:
		// An object operation that tells whether its key exists only to those who may list.
		op = opAction{"s3:ListBucket", false}
	case a == accessSourceTagging:
		op = opAction{"s3:GetObjectTagging", true}
	case lockActions[a] != "":
		op = opAction{lockActions[a], true}
	case a == accessObjectTagging && op.name == "s3:PutObject":
		// A write that sets tags (authorizeNewTags).
		op = opAction{"s3:PutObjectTagging", true}
	}
	if v, ok := versionActions[op.name]; ok && rc.version != "" {
		op.name = v
	}
	if op.object {
		return op.name, objectARN(st.info.Name, key)
	}
	return op.name, bucketARN(st.info.Name)
}

func (rc *request) ownerID() string {
	if rc.user == nil {
		return ""
	}
	return rc.user.id
}
