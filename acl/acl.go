package acl

// Permission is what a grant allows
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions).
type Permission string

// The permissions S3 defines. FULL_CONTROL implies the other four.
const (
	Read        Permission = "READ"
	Write       Permission = "WRITE"
	ReadACP     Permission = "READ_ACP"
	WriteACP    Permission = "WRITE_ACP"
	FullControl Permission = "FULL_CONTROL"
)

// valid reports whether p is one of S3's permissions.
func (p Permission) valid() bool {
	switch p {
	case Read, Write, ReadACP, WriteACP, FullControl:
		return true
	}
	return false
}

// Grantee types, as the xsi:type attribute of an AccessControlPolicy's Grantee names them
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html).
const (
	TypeCanonicalUser = "CanonicalUser"
	TypeGroup         = "Group"
	TypeEmail         = "AmazonCustomerByEmail"
)

// The groups S3 defines
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee-predefined-groups).
const (
	AllUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	AuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	LogDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// MaxGrants bounds an ACL: "An ACL can have up to 100 grants"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html).
const MaxGrants = 100

// Grantee is who a grant is to. Type says which one field names it.
type Grantee struct {
	Type         string // one of the Type* constants
	ID           string // CanonicalUser: the account's canonical user id
	URI          string // Group: one of AllUsers, AuthenticatedUsers, LogDelivery
	EmailAddress string // AmazonCustomerByEmail, only before Resolve
}

// Grant is one entry of an ACL.
type Grant struct {
	Grantee    Grantee
	Permission Permission
}

// ACL is an access control list as doorman keeps it: a canned ACL's name (Canned != ""), or
// explicit grants (Canned == "", Grants possibly empty: "revoke all" is a valid ACL). The zero
// ACL has no grant at all; Decode("") is the canned private ACL.
type ACL struct {
	Canned string
	Grants []Grant
}

// Canned ACL names, as S3 spells them in x-amz-acl
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl).
const (
	Private                = "private"
	PublicRead             = "public-read"
	PublicReadWrite        = "public-read-write"
	AuthenticatedRead      = "authenticated-read"
	AWSExecRead            = "aws-exec-read"
	BucketOwnerRead        = "bucket-owner-read"
	BucketOwnerFullControl = "bucket-owner-full-control"
)

// IsCanned reports whether name is one of S3's canned ACLs.
func IsCanned(name string) bool {
	switch name {
	case Private, PublicRead, PublicReadWrite, AuthenticatedRead, AWSExecRead, BucketOwnerRead, BucketOwnerFullControl:
		return true
	}
	return false
}

// Expand lists the grants S3 shows for a: a canned ACL spelled out (the owner's FULL_CONTROL
// first, then what the canned ACL adds; bucket-owner-* grant to bucketOwner on objects, nothing
// when owner == bucketOwner), explicit grants as they are, in their order.
func (a ACL) Expand(owner, bucketOwner string) []Grant {
	if a.Canned == "" {
		return a.Grants
	}
	grants := []Grant{userGrant(owner, FullControl)}
	for _, cg := range cannedGrants[a.Canned] {
		if cg.uri != "" || bucketOwner != owner {
			grants = append(grants, cg.grant(bucketOwner))
		}
	}
	return grants
}

// cannedGrant is a grant a canned ACL adds to its owner's FULL_CONTROL: to a group, or, when
// uri is empty, to the bucket's owner (nothing when the bucket's owner owns the object too:
// "If you specify this canned ACL when creating a bucket, Amazon S3 ignores it").
type cannedGrant struct {
	uri        string
	permission Permission
}

// cannedGrants lists, by canned ACL, the grants it adds
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl). The
// READ aws-exec-read gives Amazon EC2 is not listed: no EC2 reads AMI bundles here.
var cannedGrants = map[string][]cannedGrant{
	PublicRead:             {{AllUsers, Read}},
	PublicReadWrite:        {{AllUsers, Read}, {AllUsers, Write}},
	AuthenticatedRead:      {{AuthenticatedUsers, Read}},
	BucketOwnerRead:        {{"", Read}},
	BucketOwnerFullControl: {{"", FullControl}},
}

func (cg cannedGrant) grant(bucketOwner string) Grant {
	if cg.uri == "" {
		return userGrant(bucketOwner, cg.permission)
	}
	return groupGrant(cg.uri, cg.permission)
}

func userGrant(id string, p Permission) Grant {
	return Grant{Grantee: Grantee{Type: TypeCanonicalUser, ID: id}, Permission: p}
}

func groupGrant(uri string, p Permission) Grant {
	return Grant{Grantee: Grantee{Type: TypeGroup, URI: uri}, Permission: p}
}

// Caller is who asks. ID is the caller's canonical user id ("" for anonymous). Root is false
// for an IAM user: an IAM user has no identity policy, so grants to its account's canonical id
// do not reach it (AWS: an ACL grants to an account, whose administrator delegates by identity
// policy); the AllUsers and AuthenticatedUsers groups do.
type Caller struct {
	ID   string
	Root bool
}

// Allows reports whether a grants p to c. FULL_CONTROL implies every permission.
// AllUsers matches everyone, AuthenticatedUsers any signed caller, a CanonicalUser grant the
// root user of that canonical id, LogDelivery nobody (no log delivery exists).
// ignorePublic (Block Public Access IgnorePublicAcls) skips the AllUsers and
// AuthenticatedUsers grants. It does not allocate for canned ACLs.
//
// A canned ACL is decided from its table (cannedGrants) without spelling it out (Expand), as
// authorization asks on every request.
func (a ACL) Allows(c Caller, p Permission, owner, bucketOwner string, ignorePublic bool) bool {
	if a.Canned == "" {
		for _, g := range a.Grants {
			if implies(g.Permission, p) && g.Grantee.matches(c, ignorePublic) {
				return true
			}
		}
		return false
	}
	if isAccount(c, owner) {
		return true // the owner's FULL_CONTROL, first in every canned ACL
	}
	for _, cg := range cannedGrants[a.Canned] {
		if g := cg.grant(bucketOwner); implies(g.Permission, p) && g.Grantee.matches(c, ignorePublic) {
			return true
		}
	}
	return false
}

// implies reports whether a grant of granted gives p: FULL_CONTROL gives every permission.
func implies(granted, p Permission) bool {
	return granted == p || granted == FullControl
}

// isAccount reports whether c is the root user of the account whose canonical id is id.
func isAccount(c Caller, id string) bool {
	return c.Root && c.ID != "" && c.ID == id
}

// matches reports whether a grant to g reaches c. An e-mail grantee not yet resolved to its
// account reaches nobody, nor does LogDelivery or a group S3 does not define.
func (g Grantee) matches(c Caller, ignorePublic bool) bool {
	switch g.Type {
	case TypeCanonicalUser:
		return isAccount(c, g.ID)
	case TypeGroup:
		switch g.URI {
		case AllUsers:
			return !ignorePublic
		case AuthenticatedUsers:
			return !ignorePublic && c.ID != ""
		}
	}
	return false
}

// Public reports whether a grants anything to AllUsers or AuthenticatedUsers (S3's meaning of
// a public ACL,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
func (a ACL) Public() bool {
	if a.Canned != "" {
		for _, cg := range cannedGrants[a.Canned] {
			if publicGroup(cg.uri) {
				return true
			}
		}
		return false
	}
	for _, g := range a.Grants {
		if g.Grantee.Type == TypeGroup && publicGroup(g.Grantee.URI) {
			return true
		}
	}
	return false
}

// publicGroup reports whether uri is a group whose grants make an ACL public.
func publicGroup(uri string) bool {
	return uri == AllUsers || uri == AuthenticatedUsers
}

// OwnerFullControlOnly reports whether a amounts to FULL_CONTROL for bucketOwner and nothing
// else: private, bucket-owner-full-control, or exactly that one grant. BucketOwnerEnforced
// accepts only such ACLs
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html).
func (a ACL) OwnerFullControlOnly(bucketOwner string) bool {
	switch a.Canned {
	case Private, BucketOwnerFullControl:
		return true
	case "":
		return len(a.Grants) == 1 && a.Grants[0] == userGrant(bucketOwner, FullControl)
	}
	return false
}
