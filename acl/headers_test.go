package acl_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/acl"
)

const docPutBucketACL = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html"

const longID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

func TestParseHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    map[string][]string
		want []acl.Grant
		doc  string
	}{
		{"quoted id", map[string][]string{"X-Amz-Grant-Read": {`id="` + longID + `"`}}, []acl.Grant{user(longID, acl.Read)}, docPutBucketACL + ` (x-amz-grant-read: id="11112222333", id="444455556666")`},
		{"bare values", map[string][]string{"X-Amz-Grant-Write": {`uri=http://acs.amazonaws.com/groups/s3/LogDelivery`}}, []acl.Grant{group(acl.LogDelivery, acl.Write)},
			"https://docs.aws.amazon.com/cli/latest/reference/s3api/put-bucket-acl.html (--grant-read uri=http://acs.amazonaws.com/groups/global/AllUsers)"},
		{"several grantees, spaced", map[string][]string{"X-Amz-Grant-Read-Acp": {` id = "a" ,uri="` + acl.AllUsers + `",  emailAddress="xyz@amazon.com" `}},
			[]acl.Grant{user("a", acl.ReadACP), group(acl.AllUsers, acl.ReadACP), email("xyz@amazon.com", acl.ReadACP)}, docPutBucketACL},
		{"key's case", map[string][]string{"X-Amz-Grant-Full-Control": {`emailaddress=user1@example.com,emailaddress=user2@example.com`}},
			[]acl.Grant{email("user1@example.com", acl.FullControl), email("user2@example.com", acl.FullControl)},
			"https://docs.aws.amazon.com/cli/latest/reference/s3api/put-bucket-acl.html (--grant-full-control emailaddress=user1@example.com,emailaddress=user2@example.com)"},
		{"a comma inside quotes", map[string][]string{"X-Amz-Grant-Read": {`id="a,b", id=c`}}, []acl.Grant{user("a,b", acl.Read), user("c", acl.Read)}, docPutBucketACL},
		{"every header, in the documented order", map[string][]string{
			"X-Amz-Grant-Full-Control": {`id="f"`},
			"X-Amz-Grant-Write-Acp":    {`id="wa"`},
			"X-Amz-Grant-Read-Acp":     {`id="ra"`},
			"X-Amz-Grant-Write":        {`id="w"`},
			"X-Amz-Grant-Read":         {`id="r"`},
		}, []acl.Grant{user("r", acl.Read), user("w", acl.Write), user("ra", acl.ReadACP), user("wa", acl.WriteACP), user("f", acl.FullControl)}, docPutBucketACL},
		{"a header on two lines", map[string][]string{"X-Amz-Grant-Read": {`id="a"`, `id="b", id="c"`}}, []acl.Grant{user("a", acl.Read), user("b", acl.Read), user("c", acl.Read)}, "https://www.rfc-editor.org/rfc/rfc9110#section-5.3"},
		{"MaxGrants grantees", map[string][]string{"X-Amz-Grant-Read": {strings.Repeat(`id="x",`, acl.MaxGrants-1) + `id="x"`}}, repeat(user("x", acl.Read), acl.MaxGrants), "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			grants, present, err := acl.ParseHeaders(http.Header(tc.h))
			if err != nil || !present || !reflect.DeepEqual(grants, tc.want) {
				t.Errorf("ParseHeaders = %v, %v, %v; want %v (%s)", grants, present, err, tc.want, tc.doc)
			}
		})
	}
}

func repeat(g acl.Grant, n int) []acl.Grant {
	gs := make([]acl.Grant, n)
	for i := range gs {
		gs[i] = g
	}
	return gs
}

func TestParseHeadersAbsent(t *testing.T) {
	grants, present, err := acl.ParseHeaders(http.Header{"X-Amz-Acl": {"private"}, "X-Amz-Grant": {`id="a"`}})
	if grants != nil || present || err != nil {
		t.Errorf("ParseHeaders without grant headers = %v, %v, %v", grants, present, err)
	}
}

// TestParseHeadersRefuses: a value that is not a list of id=, uri= or emailAddress= pairs is
// InvalidArgument naming the header and the grantee. [UNVERIFIED] The message is LocalStack's
// (localstack/services/s3/utils.py); S3's own answer is not recorded.
func TestParseHeadersRefuses(t *testing.T) {
	const format = "Argument format not recognized"
	for _, tc := range []struct {
		name                   string
		h                      map[string][]string
		message, header, value string
	}{
		{"no equals sign", map[string][]string{"X-Amz-Grant-Read": {`id "a"`}}, format, "x-amz-grant-read", `id "a"`},
		{"unknown key", map[string][]string{"X-Amz-Grant-Write": {`fakekey="1234"`}}, format, "x-amz-grant-write", `fakekey="1234"`},
		{"canonical id spelled out", map[string][]string{"X-Amz-Grant-Write": {`CanonicalUser="1234"`}}, format, "x-amz-grant-write", `CanonicalUser="1234"`},
		{"empty value", map[string][]string{"X-Amz-Grant-Read-Acp": {`id=`}}, format, "x-amz-grant-read-acp", `id=`},
		{"empty quoted value", map[string][]string{"X-Amz-Grant-Read-Acp": {`id=""`}}, format, "x-amz-grant-read-acp", `id=""`},
		{"quote left open", map[string][]string{"X-Amz-Grant-Write-Acp": {`id="a, id="b"`}}, format, "x-amz-grant-write-acp", `id="a, id="b"`},
		{"quote inside", map[string][]string{"X-Amz-Grant-Full-Control": {`id=a"b`}}, format, "x-amz-grant-full-control", `id=a"b`},
		{"trailing comma", map[string][]string{"X-Amz-Grant-Read": {`id="a",`}}, format, "x-amz-grant-read", ``},
		{"empty header", map[string][]string{"X-Amz-Grant-Read": {``}}, format, "x-amz-grant-read", ``},
		{"second grantee bad", map[string][]string{"X-Amz-Grant-Read": {`id="a", bad`}}, format, "x-amz-grant-read", `bad`},
		{"MaxGrants+1 in one header", map[string][]string{"X-Amz-Grant-Read": {strings.Repeat(`id="x",`, acl.MaxGrants) + `id="y"`}},
			"An ACL can have up to 100 grants", "x-amz-grant-read", `id="y"`},
		{"MaxGrants+1 over two headers", map[string][]string{"X-Amz-Grant-Read": {strings.Repeat(`id="x",`, acl.MaxGrants-1) + `id="x"`}, "X-Amz-Grant-Write": {`uri="` + acl.AllUsers + `"`}},
			"An ACL can have up to 100 grants", "x-amz-grant-write", `uri="` + acl.AllUsers + `"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			grants, present, err := acl.ParseHeaders(http.Header(tc.h))
			want := &acl.Error{Code: "InvalidArgument", Message: tc.message, Fields: [][2]string{{"ArgumentName", tc.header}, {"ArgumentValue", tc.value}}}
			var e *acl.Error
			if !errors.As(err, &e) || !reflect.DeepEqual(e, want) || grants != nil || !present {
				t.Errorf("ParseHeaders = %v, %v, %#v; want %#v (%s)", grants, present, err, want, docPutBucketACL)
			}
		})
	}
}
