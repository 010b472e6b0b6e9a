package acl_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/doorman-s3/doorman/acl"
)

// accounts is a Resolver over a fixed set of accounts.
type accounts map[string]string // e-mail address -> canonical id

func (a accounts) KnownID(id string) bool {
	for _, known := range a {
		if known == id {
			return true
		}
	}
	return false
}

func (a accounts) IDByEmail(email string) (string, bool) {
	id, ok := a[email]
	return id, ok
}

var someAccounts = accounts{"owner@example.com": owner, "grantee@example.com": grantee}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name   string
		grants []acl.Grant
		want   []acl.Grant
		doc    string
	}{
		{"known ids and groups as they are", []acl.Grant{user(grantee, acl.Read), group(acl.AllUsers, acl.Read), group(acl.AuthenticatedUsers, acl.Write), group(acl.LogDelivery, acl.ReadACP)},
			[]acl.Grant{user(grantee, acl.Read), group(acl.AllUsers, acl.Read), group(acl.AuthenticatedUsers, acl.Write), group(acl.LogDelivery, acl.ReadACP)}, docGroups},
		{"e-mail addresses become canonical ids, in place", []acl.Grant{user(owner, acl.FullControl), email("grantee@example.com", acl.WriteACP), email("owner@example.com", acl.Read)},
			[]acl.Grant{user(owner, acl.FullControl), user(grantee, acl.WriteACP), user(owner, acl.Read)}, docGrantees + ` ("Amazon S3 finds the canonical user ID for that account and adds it to the ACL")`},
		{"none", nil, nil, docPutBucketACL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]acl.Grant(nil), tc.grants...)
			got, err := acl.Resolve(in, someAccounts)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Resolve = %v, %v; want %v (%s)", got, err, tc.want, tc.doc)
			}
			if !reflect.DeepEqual(in, tc.grants) {
				t.Errorf("Resolve changed its argument to %v", in)
			}
		})
	}
}

func TestResolveRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		grants []acl.Grant
		want   *acl.Error
		doc    string
	}{
		{"unknown id", []acl.Grant{user(grantee, acl.Read), user(other, acl.Read)},
			&acl.Error{Code: "InvalidArgument", Message: "Invalid id", Fields: [][2]string{{"ArgumentName", "CanonicalUser/ID"}, {"ArgumentValue", other}}},
			"ceph/s3-tests s3tests/functional/test_s3.py, S3's answer recorded in test_bucket_acl_grant_userid_write's note"},
		{"malformed id", []acl.Grant{user("not an id", acl.Read)},
			&acl.Error{Code: "InvalidArgument", Message: "Invalid id", Fields: [][2]string{{"ArgumentName", "CanonicalUser/ID"}, {"ArgumentValue", "not an id"}}},
			"ceph/s3-tests s3tests/functional/test_s3.py"},
		{"unknown e-mail address", []acl.Grant{email("nobody@example.com", acl.Read)},
			&acl.Error{Code: "UnresolvableGrantByEmailAddress", Message: "The e-mail address you provided does not match any account on record.", Fields: [][2]string{{"EmailAddress", "nobody@example.com"}}},
			"https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList"},
		// [UNVERIFIED] S3's answer to an unknown group is not recorded; the message and
		// ArgumentName are LocalStack's (localstack/services/s3/utils.py).
		{"unknown group", []acl.Grant{group("http://acs.amazonaws.com/groups/s3/FakeGroup", acl.Write)},
			&acl.Error{Code: "InvalidArgument", Message: "Invalid group uri", Fields: [][2]string{{"ArgumentName", "Group/URI"}, {"ArgumentValue", "http://acs.amazonaws.com/groups/s3/FakeGroup"}}},
			"https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList (InvalidArgument)"},
		{"the first refusal wins", []acl.Grant{email("nobody@example.com", acl.Read), user(other, acl.Read)},
			&acl.Error{Code: "UnresolvableGrantByEmailAddress", Message: "The e-mail address you provided does not match any account on record.", Fields: [][2]string{{"EmailAddress", "nobody@example.com"}}},
			docPutBucketACL},
		{"a grantee of no type", []acl.Grant{{Grantee: acl.Grantee{ID: grantee}, Permission: acl.Read}},
			&acl.Error{Code: "MalformedACLError", Message: "The XML you provided was not well-formed or did not validate against our published schema."},
			docGrantee},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := acl.Resolve(tc.grants, someAccounts)
			var e *acl.Error
			if !errors.As(err, &e) || !reflect.DeepEqual(e, tc.want) || got != nil {
				t.Errorf("Resolve = %v, %#v; want %#v (%s)", got, err, tc.want, tc.doc)
			}
		})
	}
}
