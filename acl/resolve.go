package acl

// Resolver is what ParseHeaders' and ParseDocument's grantees are checked against.
type Resolver interface {
	KnownID(id string) bool                      // a canonical id of some account
	IDByEmail(email string) (id string, ok bool) // the account an e-mail address names
}

// Resolve turns e-mail grantees into CanonicalUser grantees and refuses unknown ones, in the
// grants' order, the first refusal winning. Errors are *Error:
//   - an id no account has (malformed ids included): InvalidArgument "Invalid id",
//     ArgumentName "CanonicalUser/ID", ArgumentValue the id;
//   - an e-mail address no account has: UnresolvableGrantByEmailAddress, EmailAddress the
//     address;
//   - a group S3 does not define: InvalidArgument "Invalid group uri", ArgumentName
//     "Group/URI", ArgumentValue the URI;
//   - a grantee of no known type (none of the parsers gives one): MalformedACLError.
//
// grants is left as it is; the resolved grants are a new list, nil for none.
func Resolve(grants []Grant, r Resolver) ([]Grant, error) {
	if len(grants) == 0 {
		return nil, nil
	}
	out := make([]Grant, len(grants))
	for i, g := range grants {
		switch g.Grantee.Type {
		case TypeCanonicalUser:
			if !r.KnownID(g.Grantee.ID) {
				return nil, invalidArgument(msgInvalidID, "CanonicalUser/ID", g.Grantee.ID)
			}
			out[i] = userGrant(g.Grantee.ID, g.Permission)
		case TypeEmail:
			id, ok := r.IDByEmail(g.Grantee.EmailAddress)
			if !ok {
				return nil, &Error{Code: CodeUnresolvableGrantByEmailAddress, Message: msgUnresolvableEmail,
					Fields: [][2]string{{"EmailAddress", g.Grantee.EmailAddress}}}
			}
			out[i] = userGrant(id, g.Permission)
		case TypeGroup:
			if !isGroup(g.Grantee.URI) {
				return nil, invalidArgument(msgInvalidGroup, "Group/URI", g.Grantee.URI)
			}
			out[i] = groupGrant(g.Grantee.URI, g.Permission)
		default:
			return nil, malformedACL()
		}
	}
	return out, nil
}
