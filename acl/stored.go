package acl

// String returns a's stored form: a canned name as is, or "grants:" followed by a compact JSON
// encoding of the grants. Decode reads it back.
func (a ACL) String() string {
	return a.Canned
}

// Decode reads an ACL's stored form. "" is the private canned ACL (records written before
// ACLs existed). It is strict: an unknown canned name, JSON that does not decode, a grantee
// type or permission S3 does not define, or more than MaxGrants grants is an error.
func Decode(stored string) (ACL, error) {
	return ACL{Canned: stored}, nil
}
