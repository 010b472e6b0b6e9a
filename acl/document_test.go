package acl_test

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/acl"
)

const (
	docPutObjectACL = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html"
	docGrantee      = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html"
	docGetBucketACL = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html"
)

// grantXML is one Grant element of a document, with the grantee's type attribute.
func grantXML(typ, field, value, permission string) string {
	return `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="` + typ + `"><` + field + `>` + value + `</` + field + `></Grantee><Permission>` + permission + `</Permission></Grant>`
}

func policyXML(grants ...string) string {
	return `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>` + owner + `</ID></Owner><AccessControlList>` + strings.Join(grants, "") + `</AccessControlList></AccessControlPolicy>`
}

// putObjectACLExample is the request body of API_PutObjectAcl.html's example, as written there.
const putObjectACLExample = `<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner>
    <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
    <DisplayName>CustomersName@amazon.com</DisplayName>
  </Owner>
  <AccessControlList>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">
        <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
        <DisplayName>CustomerName@amazon.com</DisplayName>
      </Grantee>
      <Permission>FULL_CONTROL</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail">
        <EmailAddress>xyz@amazon.com</EmailAddress>
      </Grantee>
      <Permission>WRITE_ACP</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail">
        <EmailAddress>xyz@amazon.com</EmailAddress>
      </Grantee>
      <Permission>READ</Permission>
    </Grant>
  </AccessControlList>
</AccessControlPolicy>`

func manyGrants(n int) []string {
	gs := make([]string, n)
	for i := range gs {
		gs[i] = grantXML("CanonicalUser", "ID", grantee, "READ")
	}
	return gs
}

func TestParseDocument(t *testing.T) {
	const exampleID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
	for _, tc := range []struct {
		name string
		body string
		want acl.Document
		doc  string
	}{
		{"the API reference's example", putObjectACLExample, acl.Document{OwnerID: exampleID, Grants: []acl.Grant{
			user(exampleID, acl.FullControl), email("xyz@amazon.com", acl.WriteACP), email("xyz@amazon.com", acl.Read)}}, docPutObjectACL},
		{"every grantee type", policyXML(grantXML("CanonicalUser", "ID", grantee, "READ_ACP"), grantXML("Group", "URI", acl.AuthenticatedUsers, "WRITE"), grantXML("AmazonCustomerByEmail", "EmailAddress", "a@example.com", "READ")),
			acl.Document{OwnerID: owner, Grants: []acl.Grant{user(grantee, acl.ReadACP), group(acl.AuthenticatedUsers, acl.Write), email("a@example.com", acl.Read)}}, docGrantee},
		{"another xsi prefix", `<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="Group"><URI>` + acl.AllUsers + `</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`,
			acl.Document{Grants: []acl.Grant{group(acl.AllUsers, acl.Read)}}, "https://www.w3.org/TR/xmlschema-1/#xsi_type"},
		{"no namespace, no owner", `<AccessControlPolicy><AccessControlList>` + grantXML("CanonicalUser", "ID", grantee, "WRITE") + `</AccessControlList></AccessControlPolicy>`,
			acl.Document{Grants: []acl.Grant{user(grantee, acl.Write)}}, docPutObjectACL},
		{"no grants", policyXML(), acl.Document{OwnerID: owner}, docPutBucketACL},
		{"a group's field beside an id", policyXML(`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + grantee + `</ID><URI>` + acl.AllUsers + `</URI></Grantee><Permission>READ</Permission></Grant>`),
			acl.Document{OwnerID: owner, Grants: []acl.Grant{user(grantee, acl.Read)}}, docGrantee + " (the type says which field names the grantee)"},
		{"MaxGrants grants", policyXML(manyGrants(acl.MaxGrants)...), acl.Document{OwnerID: owner, Grants: repeat(user(grantee, acl.Read), acl.MaxGrants)}, "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html"},
		{"a comment after the root", policyXML() + "\n<!-- end -->\n", acl.Document{OwnerID: owner}, "https://www.w3.org/TR/xml/#NT-document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := acl.ParseDocument([]byte(tc.body))
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseDocument = %+v, %v; want %+v (%s)", got, err, tc.want, tc.doc)
			}
		})
	}
}

// TestParseDocumentRefuses: a document S3's schema refuses is MalformedACLError, with the
// message S3 sends (ErrorResponses.html#ErrorCodeList). The schema (AccessControlPolicy,
// Grant and Grantee in API_AccessControlPolicy.html, API_Grant.html, API_Grantee.html) has
// one AccessControlList, each Grant one Grantee and one Permission, each Grantee at most one
// of each field, and a Permission is one of its enumeration's values as written.
func TestParseDocumentRefuses(t *testing.T) {
	const xsi = `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`
	withOwner := func(rest string) string {
		return `<AccessControlPolicy><Owner><ID>` + owner + `</ID></Owner>` + rest + `</AccessControlPolicy>`
	}
	userGrantee := `<Grantee ` + xsi + ` xsi:type="CanonicalUser"><ID>` + grantee + `</ID></Grantee>`
	allUsersGrantee := `<Grantee ` + xsi + ` xsi:type="Group"><URI>` + acl.AllUsers + `</URI></Grantee>`
	for _, tc := range []struct{ name, body string }{
		{"empty", ""},
		{"not XML", "{}"},
		{"not well-formed", `<AccessControlPolicy><Owner></AccessControlPolicy>`},
		{"another root", `<Policy><AccessControlList/></Policy>`},
		{"unknown permission", policyXML(grantXML("CanonicalUser", "ID", grantee, "READ_WRITE"))},
		{"permission's case", policyXML(grantXML("CanonicalUser", "ID", grantee, "read"))},
		{"no permission", policyXML(`<Grant><Grantee ` + xsi + ` xsi:type="CanonicalUser"><ID>x</ID></Grantee></Grant>`)},
		{"no grantee", policyXML(`<Grant><Permission>READ</Permission></Grant>`)},
		{"no type", policyXML(`<Grant><Grantee><ID>x</ID></Grantee><Permission>READ</Permission></Grant>`)},
		{"unknown type", policyXML(grantXML("User", "ID", grantee, "READ"))},
		{"type's case", policyXML(grantXML("canonicaluser", "ID", grantee, "READ"))},
		{"type without the namespace", policyXML(`<Grant><Grantee type="CanonicalUser"><ID>x</ID></Grantee><Permission>READ</Permission></Grant>`)},
		{"type in another namespace", policyXML(`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema" xsi:type="CanonicalUser"><ID>x</ID></Grantee><Permission>READ</Permission></Grant>`)},
		{"canonical user without ID", policyXML(grantXML("CanonicalUser", "URI", acl.AllUsers, "READ"))},
		{"group without URI", policyXML(grantXML("Group", "ID", grantee, "READ"))},
		{"e-mail without EmailAddress", policyXML(grantXML("AmazonCustomerByEmail", "ID", grantee, "READ"))},
		{"blank ID", policyXML(grantXML("CanonicalUser", "ID", "  \n ", "READ"))},
		{"MaxGrants+1 grants", policyXML(manyGrants(acl.MaxGrants + 1)...)},
		{"an element after the root", policyXML() + "<AccessControlPolicy/>"},
		{"text after the root", policyXML() + "x"},
		{"longer than MaxDocumentSize", policyXML() + strings.Repeat(" ", acl.MaxDocumentSize)},
		{"no AccessControlList", withOwner("")},
		{"two AccessControlLists", withOwner(`<AccessControlList>` + grantXML("CanonicalUser", "ID", grantee, "READ") + `</AccessControlList><AccessControlList>` + grantXML("Group", "URI", acl.AllUsers, "READ") + `</AccessControlList>`)},
		{"two Owners", `<AccessControlPolicy><Owner><ID>` + owner + `</ID></Owner><Owner><ID>` + grantee + `</ID></Owner><AccessControlList/></AccessControlPolicy>`},
		{"two owner IDs", `<AccessControlPolicy><Owner><ID>` + owner + `</ID><ID>` + grantee + `</ID></Owner><AccessControlList/></AccessControlPolicy>`},
		{"two Grantees in a Grant", policyXML(`<Grant>` + userGrantee + allUsersGrantee + `<Permission>READ</Permission></Grant>`)},
		{"two Permissions in a Grant", policyXML(`<Grant>` + userGrantee + `<Permission>READ</Permission><Permission>FULL_CONTROL</Permission></Grant>`)},
		{"two IDs in a Grantee", policyXML(`<Grant><Grantee ` + xsi + ` xsi:type="CanonicalUser"><ID>` + grantee + `</ID><ID>` + owner + `</ID></Grantee><Permission>READ</Permission></Grant>`)},
		{"two URIs in a Grantee", policyXML(`<Grant><Grantee ` + xsi + ` xsi:type="Group"><URI>` + acl.LogDelivery + `</URI><URI>` + acl.AllUsers + `</URI></Grantee><Permission>READ</Permission></Grant>`)},
		{"two EmailAddresses in a Grantee", policyXML(`<Grant><Grantee ` + xsi + ` xsi:type="AmazonCustomerByEmail"><EmailAddress>a@example.com</EmailAddress><EmailAddress>b@example.com</EmailAddress></Grantee><Permission>READ</Permission></Grant>`)},
		{"spaces around the permission", policyXML(grantXML("CanonicalUser", "ID", grantee, " READ "))},
		{"a newline after the permission", policyXML(grantXML("CanonicalUser", "ID", grantee, "READ\n"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := acl.ParseDocument([]byte(tc.body))
			want := &acl.Error{Code: "MalformedACLError", Message: "The XML you provided was not well-formed or did not validate against our published schema."}
			var e *acl.Error
			if !errors.As(err, &e) || !reflect.DeepEqual(e, want) {
				t.Errorf("ParseDocument = %+v, %#v; want %#v (%s)", got, err, want, "https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList")
			}
		})
	}
}

func displayNames(id string) string {
	return map[string]string{"alice-id": "alice"}[id]
}

// TestMarshalDocumentCanned holds GetBucketAcl's and GetObjectAcl's answer for every canned
// ACL to the bytes doorman answered before explicit grants existed (testdata/getacl): a
// bucket of alice's, and an object bob wrote to it.
func TestMarshalDocumentCanned(t *testing.T) {
	for _, name := range cannedNames {
		t.Run(name, func(t *testing.T) {
			objectOwner := "alice-id"
			if name == acl.BucketOwnerRead || name == acl.BucketOwnerFullControl {
				objectOwner = "bob-id"
			}
			want, err := os.ReadFile("testdata/getacl/" + name + ".xml")
			if err != nil {
				t.Fatal(err)
			}
			got, err := acl.MarshalDocument(objectOwner, acl.ACL{Canned: name}.Expand(objectOwner, "alice-id"), displayNames)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("MarshalDocument = %s, %v\nwant %s (%s)", got, err, want, docGetBucketACL)
			}
		})
	}
}

func TestMarshalDocument(t *testing.T) {
	for _, tc := range []struct {
		name        string
		ownerID     string
		grants      []acl.Grant
		displayName func(string) string
		want        string
	}{
		{"no grants", "alice-id", nil, displayNames,
			`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>alice-id</ID><DisplayName>alice</DisplayName></Owner><AccessControlList></AccessControlList></AccessControlPolicy>`},
		{"no display names", "alice-id", []acl.Grant{user("alice-id", acl.Read), group(acl.LogDelivery, acl.Write)}, nil,
			`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>alice-id</ID></Owner><AccessControlList>` +
				`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>alice-id</ID></Grantee><Permission>READ</Permission></Grant>` +
				`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/s3/LogDelivery</URI></Grantee><Permission>WRITE</Permission></Grant>` +
				`</AccessControlList></AccessControlPolicy>`},
		{"an e-mail grantee and text to escape", "a<b", []acl.Grant{email("x&y@example.com", acl.WriteACP)}, displayNames,
			`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>a&lt;b</ID></Owner><AccessControlList>` +
				`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail"><EmailAddress>x&amp;y@example.com</EmailAddress></Grantee><Permission>WRITE_ACP</Permission></Grant>` +
				`</AccessControlList></AccessControlPolicy>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := acl.MarshalDocument(tc.ownerID, tc.grants, tc.displayName)
			if err != nil || string(got) != tc.want {
				t.Errorf("MarshalDocument = %s, %v\nwant %s (%s)", got, err, tc.want, docGetBucketACL)
			}
		})
	}
}
