package acl_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/acl"
)

// FuzzParseDocument: ParseDocument never panics, refuses only with MalformedACLError, and what
// it accepts MarshalDocument writes so that it reads back the same.
func FuzzParseDocument(f *testing.F) {
	f.Add(putObjectACLExample)
	f.Add(policyXML(grantXML("CanonicalUser", "ID", grantee, "READ_ACP"), grantXML("Group", "URI", acl.AuthenticatedUsers, "WRITE"), grantXML("AmazonCustomerByEmail", "EmailAddress", "a@example.com", "READ")))
	f.Add(policyXML(grantXML("CanonicalUser", "ID", " a&amp;b\n", "FULL_CONTROL")))
	f.Add(policyXML())
	f.Add(`<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="Group"><URI>x</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`)
	f.Add(policyXML(grantXML("User", "ID", grantee, "READ")))
	f.Add(policyXML(`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>a</ID></Grantee><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>` + acl.AllUsers + `</URI></Grantee><Permission>READ</Permission></Grant>`))
	f.Fuzz(func(t *testing.T, body string) {
		doc, err := acl.ParseDocument([]byte(body))
		if err != nil {
			var e *acl.Error
			if !errors.As(err, &e) || e.Code != "MalformedACLError" {
				t.Fatalf("ParseDocument refused with %#v", err)
			}
			return
		}
		if len(doc.Grants) > acl.MaxGrants {
			t.Fatalf("ParseDocument accepted %d grants", len(doc.Grants))
		}
		out, err := acl.MarshalDocument(doc.OwnerID, doc.Grants, nil)
		if err != nil {
			t.Fatalf("MarshalDocument(%+v): %v", doc, err)
		}
		back, err := acl.ParseDocument(out)
		if err != nil || back.OwnerID != doc.OwnerID || !reflect.DeepEqual(back.Grants, doc.Grants) {
			t.Fatalf("%s\nreads back as %+v, %v\nwant %+v", out, back, err, doc)
		}
	})
}

// FuzzParseHeaders: ParseHeaders never panics, refuses only with InvalidArgument naming the
// header, accepts at most MaxGrants grantees, each with its type's field set, and the grants it
// accepts written back as quoted header values read back the same.
func FuzzParseHeaders(f *testing.F) {
	f.Add(`id="`+longID+`"`, `uri="`+acl.AllUsers+`", emailAddress="xyz@amazon.com"`)
	f.Add(`id=a,id=b`, ``)
	f.Add(`id="a,b"`, `emailaddress=user1@example.com`)
	f.Add(`id="a`, `x`)
	f.Add(strings.Repeat(`id="x",`, acl.MaxGrants), `uri=y`)
	f.Fuzz(func(t *testing.T, read, fullControl string) {
		h := http.Header{"X-Amz-Grant-Read": {read}, "X-Amz-Grant-Full-Control": {fullControl}}
		grants, present, err := acl.ParseHeaders(h)
		if !present {
			t.Fatal("present is false")
		}
		if err != nil {
			var e *acl.Error
			if !errors.As(err, &e) || e.Code != "InvalidArgument" || len(e.Fields) != 2 || e.Fields[0][0] != "ArgumentName" ||
				(e.Fields[0][1] != "x-amz-grant-read" && e.Fields[0][1] != "x-amz-grant-full-control") {
				t.Fatalf("ParseHeaders refused with %#v", err)
			}
			return
		}
		if len(grants) > acl.MaxGrants {
			t.Fatalf("ParseHeaders accepted %d grants", len(grants))
		}
		written := map[acl.Permission][]string{}
		keys := map[string]string{acl.TypeCanonicalUser: "id", acl.TypeGroup: "uri", acl.TypeEmail: "emailAddress"}
		for _, g := range grants {
			value := g.Grantee.ID + g.Grantee.URI + g.Grantee.EmailAddress
			if value == "" || keys[g.Grantee.Type] == "" {
				t.Fatalf("ParseHeaders accepted the grantee %+v", g.Grantee)
			}
			written[g.Permission] = append(written[g.Permission], keys[g.Grantee.Type]+`="`+value+`"`)
		}
		again := http.Header{}
		for p, name := range map[acl.Permission]string{acl.Read: "X-Amz-Grant-Read", acl.FullControl: "X-Amz-Grant-Full-Control"} {
			if len(written[p]) > 0 {
				again.Set(name, strings.Join(written[p], ", "))
			}
		}
		back, _, err := acl.ParseHeaders(again)
		if err != nil || !reflect.DeepEqual(back, grants) {
			t.Fatalf("%v reads back as %v, %v; want %v", again, back, err, grants)
		}
	})
}

// FuzzDecode: Decode never panics, and what it accepts is stored and read back the same.
func FuzzDecode(f *testing.F) {
	f.Add("")
	for _, name := range cannedNames {
		f.Add(name)
	}
	f.Add(acl.ACL{}.String())
	f.Add(acl.ACL{Grants: []acl.Grant{user(grantee, acl.Read), group(acl.AllUsers, acl.WriteACP), user(`a"\<>`, acl.FullControl)}}.String())
	f.Add(`grants:[{"id":"x","uri":"y","permission":"READ"}]`)
	f.Add(`grants:[{"id":"\u00e9","permission":"READ"}]`)
	f.Fuzz(func(t *testing.T, stored string) {
		a, err := acl.Decode(stored)
		if err != nil {
			return
		}
		back, err := acl.Decode(a.String())
		if err != nil || !reflect.DeepEqual(back, a) {
			t.Fatalf("Decode(%q) = %+v, stored as %q, reads back as %+v, %v", stored, a, a.String(), back, err)
		}
	})
}
