package acl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// grantsPrefix starts the stored form of explicit grants. It cannot be mistaken for a canned
// ACL's name, none of which holds a colon.
const grantsPrefix = "grants:"

// storedGrant is one grant in the stored form: exactly one of ID (a CanonicalUser grantee) and
// URI (a Group grantee) is set. Stored grants never name an e-mail address: Resolve replaces
// those by the account's canonical id before anything is stored.
type storedGrant struct {
	ID         string     `json:"id,omitempty"`
	URI        string     `json:"uri,omitempty"`
	Permission Permission `json:"permission"`
}

// String returns a's stored form: a canned name as is (Canned wins over Grants when both are
// set), or "grants:" followed by a compact JSON encoding of the grants, "grants:[]" for none.
// Decode reads it back. A grant to an e-mail address (one Resolve has not replaced) is stored
// under its canonical id field, empty, so Decode refuses it: no such grant may be kept.
func (a ACL) String() string {
	if a.Canned != "" {
		return a.Canned
	}
	stored := make([]storedGrant, len(a.Grants))
	for i, g := range a.Grants {
		stored[i] = storedGrant{ID: g.Grantee.ID, URI: g.Grantee.URI, Permission: g.Permission}
		if g.Grantee.Type == TypeGroup {
			stored[i].ID = ""
		} else {
			stored[i].URI = ""
		}
	}
	b, err := json.Marshal(stored)
	if err != nil {
		// A slice of structs of strings always encodes.
		panic(err)
	}
	return grantsPrefix + string(b)
}

// errStored is the error Decode wraps for every refusal.
var errStored = errors.New("acl: stored ACL does not decode")

// Decode reads an ACL's stored form. "" is the private canned ACL (records written before
// ACLs existed). It is strict: an unknown canned name, JSON that does not decode, a grant
// naming no grantee or two, a group S3 does not define, a permission S3 does not define, more
// than MaxGrants grants, or grants not written exactly as String writes them (field names in
// another case, a field given twice, another order, spacing or escaping, an unknown field,
// anything after the list) is an error: a stored ACL is doorman's own, and one it did not
// write is not trusted. Empty grants decode as nil Grants.
func Decode(stored string) (ACL, error) {
	if stored == "" {
		return ACL{Canned: Private}, nil
	}
	rest, ok := strings.CutPrefix(stored, grantsPrefix)
	if !ok {
		if !IsCanned(stored) {
			return ACL{}, fmt.Errorf("%w: unknown canned ACL %q", errStored, stored)
		}
		return ACL{Canned: stored}, nil
	}
	var list []storedGrant
	if err := json.Unmarshal([]byte(rest), &list); err != nil {
		return ACL{}, fmt.Errorf("%w: %v", errStored, err)
	}
	if len(list) > MaxGrants {
		return ACL{}, fmt.Errorf("%w: %d grants, more than %d", errStored, len(list), MaxGrants)
	}
	var a ACL
	for i, s := range list {
		if !s.Permission.valid() {
			return ACL{}, fmt.Errorf("%w: grant %d: unknown permission %q", errStored, i, s.Permission)
		}
		switch {
		case s.ID != "" && s.URI == "":
			a.Grants = append(a.Grants, userGrant(s.ID, s.Permission))
		case s.URI != "" && s.ID == "" && isGroup(s.URI):
			a.Grants = append(a.Grants, groupGrant(s.URI, s.Permission))
		default:
			return ACL{}, fmt.Errorf("%w: grant %d: grantee id %q, uri %q", errStored, i, s.ID, s.URI)
		}
	}
	// encoding/json matches field names ignoring case and lets a repeated field overwrite
	// the first: only the exact form String writes is the ACL doorman stored.
	if a.String() != stored {
		return ACL{}, fmt.Errorf("%w: grants not in their stored form", errStored)
	}
	return a, nil
}

// isGroup reports whether uri names one of S3's groups.
func isGroup(uri string) bool {
	return uri == AllUsers || uri == AuthenticatedUsers || uri == LogDelivery
}
