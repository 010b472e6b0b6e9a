package acl_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/acl"
)

func TestStoredForm(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a      acl.ACL
		stored string
	}{
		{"private", acl.ACL{Canned: acl.Private}, "private"},
		{"public-read", acl.ACL{Canned: acl.PublicRead}, "public-read"},
		{"public-read-write", acl.ACL{Canned: acl.PublicReadWrite}, "public-read-write"},
		{"authenticated-read", acl.ACL{Canned: acl.AuthenticatedRead}, "authenticated-read"},
		{"aws-exec-read", acl.ACL{Canned: acl.AWSExecRead}, "aws-exec-read"},
		{"bucket-owner-read", acl.ACL{Canned: acl.BucketOwnerRead}, "bucket-owner-read"},
		{"bucket-owner-full-control", acl.ACL{Canned: acl.BucketOwnerFullControl}, "bucket-owner-full-control"},
		{"no grants", acl.ACL{}, "grants:[]"},
		{"grants", acl.ACL{Grants: []acl.Grant{user(grantee, acl.Read), group(acl.AllUsers, acl.WriteACP), user(owner, acl.FullControl)}},
			`grants:[{"id":"grantee-canonical-id","permission":"READ"},{"uri":"http://acs.amazonaws.com/groups/global/AllUsers","permission":"WRITE_ACP"},{"id":"owner-canonical-id","permission":"FULL_CONTROL"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.String(); got != tc.stored {
				t.Errorf("String = %s, want %s", got, tc.stored)
			}
			got, err := acl.Decode(tc.stored)
			if err != nil || !reflect.DeepEqual(got, tc.a) {
				t.Errorf("Decode(%s) = %+v, %v; want %+v", tc.stored, got, err, tc.a)
			}
		})
	}
}

// TestDecodeEmpty: records written before ACLs were kept have "", which is private.
func TestDecodeEmpty(t *testing.T) {
	got, err := acl.Decode("")
	if err != nil || got.Canned != acl.Private || got.Grants != nil {
		t.Errorf(`Decode("") = %+v, %v; want private`, got, err)
	}
}

func TestDecodeRefuses(t *testing.T) {
	many := "grants:[" + strings.Repeat(`{"id":"x","permission":"READ"},`, acl.MaxGrants) + `{"id":"x","permission":"READ"}]`
	for _, tc := range []struct{ name, stored string }{
		{"unknown canned name", "public"},
		{"canned name's case", "Private"},
		{"not JSON", "grants:{"},
		{"null", "grants:null"},
		{"an object", `grants:{"id":"x","permission":"READ"}`},
		{"unknown field", `grants:[{"id":"x","permission":"READ","type":"CanonicalUser"}]`},
		{"data after the list", `grants:[]x`},
		{"space after the list", `grants:[] `},
		{"second list", `grants:[][]`},
		{"an id field's case", `grants:[{"ID":"x","permission":"READ"}]`},
		{"a permission field's case", `grants:[{"id":"x","Permission":"READ"}]`},
		{"a uri field's case", `grants:[{"Uri":"http://acs.amazonaws.com/groups/global/AllUsers","permission":"READ"}]`},
		{"an id given twice", `grants:[{"id":"x","id":"y","permission":"READ"}]`},
		{"a permission given twice", `grants:[{"id":"x","permission":"READ","permission":"FULL_CONTROL"}]`},
		{"fields in another order", `grants:[{"permission":"READ","id":"x"}]`},
		{"a space in the list", `grants:[ {"id":"x","permission":"READ"}]`},
		{"a character escaped", `grants:[{"id":"\u0078","permission":"READ"}]`},
		{"unknown permission", `grants:[{"id":"x","permission":"READ_WRITE"}]`},
		{"permission's case", `grants:[{"id":"x","permission":"read"}]`},
		{"no permission", `grants:[{"id":"x"}]`},
		{"no grantee", `grants:[{"permission":"READ"}]`},
		{"two grantees", `grants:[{"id":"x","uri":"http://acs.amazonaws.com/groups/global/AllUsers","permission":"READ"}]`},
		{"unknown group", `grants:[{"uri":"http://acs.amazonaws.com/groups/global/Everyone","permission":"READ"}]`},
		{"more than MaxGrants", many},
		{"an e-mail grantee kept", acl.ACL{Grants: []acl.Grant{email("a@example.com", acl.Read)}}.String()},
	} {
		if a, err := acl.Decode(tc.stored); err == nil {
			t.Errorf("%s: Decode(%q) = %+v, want an error", tc.name, tc.stored, a)
		}
	}
	exactly := "grants:[" + strings.Repeat(`{"id":"x","permission":"READ"},`, acl.MaxGrants-1) + `{"id":"x","permission":"READ"}]`
	if a, err := acl.Decode(exactly); err != nil || len(a.Grants) != acl.MaxGrants {
		t.Errorf("Decode of %d grants = %d grants, %v", acl.MaxGrants, len(a.Grants), err)
	}
}
