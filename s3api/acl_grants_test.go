package s3api_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
)

// Full ACLs: grants given by x-amz-grant-* headers and by AccessControlPolicy documents, to an
// account by canonical id or e-mail address and to S3's groups, on buckets and objects, and
// what each permission lets its grantee do. The pages the tests follow:
const (
	pageACLOverview  = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html"
	pagePutBucketAcl = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html"
	pagePutObjectAcl = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html"
	pagePolicyKeys   = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html"
)

// The account grants name: its root user, who has an e-mail address, and an IAM user of it, to
// whom a grant to the account gives nothing (an ACL grants to an account, whose administrator
// delegates by identity policy, and doorman's IAM users have none).
var (
	granteeRoot = s3test.Account{Name: "grantee", AccessKey: "AKIDGRANTEEROOT", SecretKey: "grantee-root-secret"}
	granteeUser = s3test.Account{Name: "dave", AccessKey: "AKIDGRANTEEDAVE", SecretKey: "grantee-dave-secret"}
)

const (
	granteeAccount = "444455556666"
	granteeEmail   = "grantee@example.com"
)

// startACLServer is s3test.Start with the grantee account's users besides Owner, Other and
// Third.
func startACLServer(t *testing.T) *s3test.Server {
	t.Helper()
	return s3test.Start(t, func(c *s3api.Config) {
		c.Users = append(c.Users,
			s3api.User{AccessKey: granteeRoot.AccessKey, SecretKey: granteeRoot.SecretKey, DisplayName: granteeRoot.Name, Account: granteeAccount, Email: granteeEmail},
			s3api.User{AccessKey: granteeUser.AccessKey, SecretKey: granteeUser.SecretKey, Account: granteeAccount, UserName: granteeUser.Name})
	})
}

// canonicalID is a's canonical user id, as ListBuckets names its owner.
func canonicalID(t *testing.T, srv *s3test.Server, a s3test.Account) string {
	t.Helper()
	var out struct {
		ID string `xml:"Owner>ID"`
	}
	if err := xml.Unmarshal(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/", As: a}), &out); err != nil || out.ID == "" {
		t.Fatalf("ListBuckets as %s: %v %+v", a.Name, err, out)
	}
	return out.ID
}

// aclBucket creates bucket as s3test.Owner with ACLs enabled (ObjectWriter) and its default
// Block Public Access, and the object "obj" in it.
func aclBucket(t *testing.T, srv *s3test.Server, bucket string) {
	t.Helper()
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/" + bucket, Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}, As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/" + bucket + "/obj", Body: []byte("body"), As: s3test.Owner})
}

// grantHeader is the x-amz-grant-* header of a permission.
var grantHeader = map[string]string{
	"READ": "X-Amz-Grant-Read", "WRITE": "X-Amz-Grant-Write", "READ_ACP": "X-Amz-Grant-Read-Acp",
	"WRITE_ACP": "X-Amz-Grant-Write-Acp", "FULL_CONTROL": "X-Amz-Grant-Full-Control",
}

// policyDoc is an AccessControlPolicy owned by ownerID with grants, each a grantee element's
// xsi:type and inner XML and a permission.
func policyDoc(ownerID string, grants ...[3]string) string {
	var b strings.Builder
	b.WriteString(`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	if ownerID != "" {
		b.WriteString("<Owner><ID>" + ownerID + "</ID></Owner>")
	}
	b.WriteString("<AccessControlList>")
	for _, g := range grants {
		fmt.Fprintf(&b, `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="%s">%s</Grantee><Permission>%s</Permission></Grant>`, g[0], g[1], g[2])
	}
	b.WriteString("</AccessControlList></AccessControlPolicy>")
	return b.String()
}

func userGrant(id, perm string) [3]string {
	return [3]string{"CanonicalUser", "<ID>" + id + "</ID>", perm}
}

// TestACLPermissions grants each permission on a bucket and on an object to another account,
// by header and by document, and checks what the account's root user may then do, and that
// its IAM user may do none of it (acl-overview.html, "Permissions": READ on a bucket lists it,
// WRITE creates, overwrites and deletes its objects, READ_ACP and WRITE_ACP read and write the
// ACL, FULL_CONTROL is all four; on an object READ reads it and WRITE means nothing).
func TestACLPermissions(t *testing.T) {
	t.Parallel()
	srv := startACLServer(t)
	owner, grantee := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, granteeRoot)
	type probe struct {
		name   string
		perm   string // the permission that allows it (besides FULL_CONTROL)
		object bool
	}
	probes := []probe{
		{"ListObjects", "READ", false}, {"PutObject", "WRITE", false}, {"DeleteObject", "WRITE", false},
		{"GetBucketAcl", "READ_ACP", false}, {"PutBucketAcl", "WRITE_ACP", false},
		{"GetObject", "READ", true}, {"HeadObject", "READ", true}, {"GetObjectAcl", "READ_ACP", true}, {"PutObjectAcl", "WRITE_ACP", true},
	}
	n := 0
	for _, object := range []bool{false, true} {
		for _, perm := range []string{"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"} {
			for _, byDoc := range []bool{false, true} {
				n++
				bucket := fmt.Sprintf("perm-%d", n)
				target := "/" + bucket
				if object {
					target += "/obj"
				}
				// set is the request that gives the grant; a WRITE_ACP probe sends it again.
				set := func(as s3test.Account) s3test.Request {
					if byDoc {
						return s3test.Request{Method: "PUT", Path: target + "?acl", Body: []byte(policyDoc(owner, userGrant(grantee, perm))), As: as}
					}
					return s3test.Request{Method: "PUT", Path: target + "?acl", Header: http.Header{grantHeader[perm]: {`id="` + grantee + `"`}}, As: as}
				}
				name := fmt.Sprintf("%s on the %s by %s", perm, map[bool]string{false: "bucket", true: "object"}[object], map[bool]string{false: "header", true: "document"}[byDoc])
				aclBucket(t, srv, bucket)
				srv.Must(t, 200, set(s3test.Owner))
				for _, as := range []s3test.Account{granteeUser, granteeRoot} {
					for _, p := range probes {
						want := as == granteeRoot && p.object == object && (perm == p.perm || perm == "FULL_CONTROL")
						r := s3test.Request{As: as}
						switch p.name {
						case "ListObjects":
							r.Method, r.Path = "GET", "/"+bucket
						case "PutObject":
							r.Method, r.Path, r.Body = "PUT", "/"+bucket+"/new", []byte("new")
						case "DeleteObject":
							r.Method, r.Path = "DELETE", "/"+bucket+"/new"
						case "GetBucketAcl":
							r.Method, r.Path = "GET", "/"+bucket+"?acl"
						case "PutBucketAcl", "PutObjectAcl":
							r = set(as)
							r.Path = "/" + bucket + map[bool]string{false: "", true: "/obj"}[p.object] + "?acl"
						case "GetObject":
							r.Method, r.Path = "GET", "/"+bucket+"/obj"
						case "HeadObject":
							r.Method, r.Path = "HEAD", "/"+bucket+"/obj"
						case "GetObjectAcl":
							r.Method, r.Path = "GET", "/"+bucket+"/obj?acl"
						}
						res, body := srv.Do(t, r)
						ok := res.StatusCode/100 == 2
						if ok != want {
							t.Errorf("%s (%s): %s as %s: status %d, want allowed %v\n%s", name, pageACLOverview, p.name, as.Name, res.StatusCode, want, body)
						}
					}
				}
			}
		}
	}
}

// TestACLGrantees: an e-mail grantee is stored and shown as the CanonicalUser of its account
// (acl-overview.html, "By email address"), whatever its case; the AllUsers group reaches
// anonymous callers and the AuthenticatedUsers group any signed one; the ACL read back lists
// the grants in the order given, with display names.
func TestACLGrantees(t *testing.T) {
	t.Parallel()
	srv := startACLServer(t)
	owner, grantee := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, granteeRoot)
	aclBucket(t, srv, "by-email")
	aclBucket(t, srv, "by-group")
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/by-group?publicAccessBlock", As: s3test.Owner})
	canonical := `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + grantee + `</ID><DisplayName>grantee</DisplayName></Grantee>`
	for _, tc := range []struct {
		name   string
		set    s3test.Request
		want   []string // fragments of GetBucketAcl's answer, in order
		probes []accessProbe
	}{
		{
			name: "e-mail by header",
			set:  s3test.Request{Method: "PUT", Path: "/by-email?acl", Header: http.Header{"X-Amz-Grant-Read": {`emailAddress="Grantee@Example.com"`}}},
			want: []string{"<AccessControlList><Grant>" + canonical + "<Permission>READ</Permission></Grant></AccessControlList>"},
			probes: []accessProbe{
				{granteeRoot, "GET", "/by-email", 200}, {granteeUser, "GET", "/by-email", 403}, {s3test.Third, "GET", "/by-email", 403},
			},
		},
		{
			name: "e-mail by document",
			set: s3test.Request{Method: "PUT", Path: "/by-email?acl", Body: []byte(policyDoc(owner,
				[3]string{"AmazonCustomerByEmail", "<EmailAddress>" + granteeEmail + "</EmailAddress>", "WRITE"}))},
			want: []string{"<AccessControlList><Grant>" + canonical + "<Permission>WRITE</Permission></Grant></AccessControlList>"},
			probes: []accessProbe{
				{granteeRoot, "GET", "/by-email", 403}, {granteeRoot, "PUT", "/by-email/k", 200}, {granteeUser, "PUT", "/by-email/k", 403},
			},
		},
		{
			name: "groups by header, in the headers' order",
			set: s3test.Request{Method: "PUT", Path: "/by-group?acl", Header: http.Header{
				"X-Amz-Grant-Write": {`uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"`},
				"X-Amz-Grant-Read":  {`uri="http://acs.amazonaws.com/groups/global/AllUsers", id="` + grantee + `"`},
			}},
			want: []string{
				`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission>`,
				canonical + "<Permission>READ</Permission>",
				`<URI>http://acs.amazonaws.com/groups/global/AuthenticatedUsers</URI></Grantee><Permission>WRITE</Permission>`,
			},
			probes: []accessProbe{
				{s3test.Anonymous, "GET", "/by-group", 200}, {s3test.Anonymous, "PUT", "/by-group/k", 403},
				{granteeUser, "PUT", "/by-group/k", 200}, {s3test.Third, "PUT", "/by-group/k", 200},
			},
		},
	} {
		tc.set.As = s3test.Owner
		srv.Must(t, 200, tc.set)
		got := string(srv.Must(t, 200, s3test.Request{Method: "GET", Path: tc.set.Path, As: s3test.Owner}))
		rest := got
		for _, w := range tc.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s (%s): GetBucketAcl lacks, or has out of order, %s:\n%s", tc.name, pageACLOverview, w, got)
				break
			}
			rest = rest[i+len(w):]
		}
		if n := strings.Count(got, "<Grant>"); n != len(tc.want) {
			t.Errorf("%s: %d grants, want %d:\n%s", tc.name, n, len(tc.want), got)
		}
		checkProbes(t, srv, tc.name, tc.probes)
	}
}

// accessProbe is a request and the status it must get.
type accessProbe struct {
	as           s3test.Account
	method, path string
	status       int
}

func checkProbes(t *testing.T, srv *s3test.Server, name string, probes []accessProbe) {
	t.Helper()
	for _, p := range probes {
		r := s3test.Request{Method: p.method, Path: p.path, As: p.as}
		if p.method == "PUT" {
			r.Body = []byte("x")
		}
		if res, body := srv.Do(t, r); res.StatusCode != p.status {
			t.Errorf("%s: %s %s as %s: status %d, want %d\n%s", name, p.method, p.path, p.as.Name, res.StatusCode, p.status, body)
		}
	}
}

// TestACLRefusals: every way an ACL request can be wrong, on the operations that take one, with
// S3's error; a refused request changes nothing.
func TestACLRefusals(t *testing.T) {
	t.Parallel()
	srv := startACLServer(t)
	owner, grantee := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, granteeRoot)
	aclBucket(t, srv, "refusals")
	unknownID := strings.Repeat("ab", 32)
	var many []string // short grantees, so that the request head stays under S3's 8 KiB
	for range 101 {
		many = append(many, `emailAddress="`+granteeEmail+`"`)
	}
	var manyDoc [][3]string
	for range 101 {
		manyDoc = append(manyDoc, userGrant(grantee, "READ"))
	}
	grant := func(h, v string) http.Header { return http.Header{h: {v}} }
	for _, tc := range []struct {
		name, page   string
		method, path string
		header       http.Header
		body         string
		status       int
		code         string
		message      string
		argName      string // the ArgumentName element, when the error has one
	}{
		{"an unknown canonical id", pagePutBucketAcl, "PUT", "/refusals?acl", grant("X-Amz-Grant-Read", `id="`+unknownID+`"`), "", 400, "InvalidArgument", "Invalid id", "CanonicalUser/ID"},
		{"a malformed canonical id", pagePutBucketAcl, "PUT", "/refusals?acl", grant("X-Amz-Grant-Read", `id="not-an-id"`), "", 400, "InvalidArgument", "Invalid id", "CanonicalUser/ID"},
		{"an unknown id in a document", pagePutObjectAcl, "PUT", "/refusals/obj?acl", nil, policyDoc(owner, userGrant(unknownID, "READ")), 400, "InvalidArgument", "Invalid id", "CanonicalUser/ID"},
		{"an unknown id on PutObject", pageACLOverview, "PUT", "/refusals/new", grant("X-Amz-Grant-Read", `id="`+unknownID+`"`), "x", 400, "InvalidArgument", "Invalid id", "CanonicalUser/ID"},
		{"an unknown e-mail address", pagePutBucketAcl, "PUT", "/refusals?acl", grant("X-Amz-Grant-Read", `emailAddress="nobody@example.com"`), "", 400, "UnresolvableGrantByEmailAddress", "", ""},
		{"an unknown e-mail address on CreateMultipartUpload", pageACLOverview, "POST", "/refusals/mp?uploads", grant("X-Amz-Grant-Read", `emailAddress="nobody@example.com"`), "", 400, "UnresolvableGrantByEmailAddress", "", ""},
		{"a canned ACL and grant headers", pagePutBucketAcl, "PUT", "/refusals?acl", http.Header{"X-Amz-Acl": {"private"}, "X-Amz-Grant-Read": {`id="` + grantee + `"`}}, "", 400, "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed", ""},
		{"a canned ACL and grant headers on PutObject", pageACLOverview, "PUT", "/refusals/new", http.Header{"X-Amz-Acl": {"private"}, "X-Amz-Grant-Read": {`id="` + grantee + `"`}}, "x", 400, "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed", ""},
		{"grant headers and a document", pagePutBucketAcl, "PUT", "/refusals?acl", grant("X-Amz-Grant-Read", `id="`+grantee+`"`), policyDoc(owner, userGrant(grantee, "READ")), 400, "UnexpectedContent", "This request does not support content.", ""},
		{"a canned ACL and a document", pagePutObjectAcl, "PUT", "/refusals/obj?acl", grant("X-Amz-Acl", "private"), policyDoc(owner, userGrant(grantee, "READ")), 400, "UnexpectedContent", "", ""},
		{"malformed XML", pagePutBucketAcl, "PUT", "/refusals?acl", nil, "<AccessControlPolicy><AccessControlList><Grant>", 400, "MalformedACLError", "", ""},
		{"an unknown permission", pagePutBucketAcl, "PUT", "/refusals?acl", nil, policyDoc(owner, userGrant(grantee, "EVERYTHING")), 400, "MalformedACLError", "", ""},
		{"an unknown grantee type", pagePutBucketAcl, "PUT", "/refusals?acl", nil, policyDoc(owner, [3]string{"Robot", "<ID>" + grantee + "</ID>", "READ"}), 400, "MalformedACLError", "", ""},
		{"101 grants in a document", pageACLOverview, "PUT", "/refusals?acl", nil, policyDoc(owner, manyDoc...), 400, "MalformedACLError", "", ""},
		{"101 grants in headers", pageACLOverview, "PUT", "/refusals?acl", grant("X-Amz-Grant-Read", strings.Join(many, ",")), "", 400, "InvalidArgument", "", "x-amz-grant-read"},
		{"another owner", pagePutBucketAcl, "PUT", "/refusals?acl", nil, policyDoc(grantee, userGrant(grantee, "READ")), 403, "AccessDenied", "Access Denied", ""},
		{"another owner of an object", pagePutObjectAcl, "PUT", "/refusals/obj?acl", nil, policyDoc(grantee, userGrant(grantee, "READ")), 403, "AccessDenied", "Access Denied", ""},
		{"a document without its owner", pagePutBucketAcl, "PUT", "/refusals?acl", nil, policyDoc("", userGrant(grantee, "READ")), 400, "MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema.", ""},
		{"no ACL", pagePutBucketAcl, "PUT", "/refusals?acl", nil, "", 400, "MissingSecurityHeader", "Your request was missing a required header", ""},
		{"an unknown canned ACL", pagePutBucketAcl, "PUT", "/refusals?acl", grant("X-Amz-Acl", "everyone"), "", 400, "InvalidArgument", "", "x-amz-acl"},
	} {
		what := tc.name + " (" + tc.page + ")"
		res, body := srv.Do(t, s3test.Request{Method: tc.method, Path: tc.path, Header: tc.header, Body: []byte(tc.body), As: s3test.Owner})
		e := s3test.WantError(t, what, res, body, tc.status, tc.code, tc.message)
		if tc.argName != "" && e.ArgumentName != tc.argName {
			t.Errorf("%s: ArgumentName %q, want %q", what, e.ArgumentName, tc.argName)
		}
	}
	// Nothing was set or written.
	for _, path := range []string{"/refusals?acl", "/refusals/obj?acl"} {
		if got := string(srv.Must(t, 200, s3test.Request{Method: "GET", Path: path, As: s3test.Owner})); strings.Count(got, "<Grant>") != 1 || strings.Contains(got, grantee) {
			t.Errorf("GET %s after the refusals:\n%s", path, got)
		}
	}
	srv.Must(t, 404, s3test.Request{Method: "HEAD", Path: "/refusals/new", As: s3test.Owner})
	if got := string(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/refusals?uploads", As: s3test.Owner})); strings.Contains(got, "<Upload>") {
		t.Errorf("an upload was started:\n%s", got)
	}
}

// TestACLGrantsUnderOwnershipAndBlockPublicAccess: grants are ACLs like canned ones. With ACLs
// disabled, only the bucket owner's FULL_CONTROL may be set; BlockPublicAcls refuses a grant to
// a group; IgnorePublicAcls makes public grants count for nothing, and the others still count.
func TestACLGrantsUnderOwnershipAndBlockPublicAccess(t *testing.T) {
	t.Parallel()
	srv := startACLServer(t)
	owner, grantee := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, granteeRoot)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/enforced", As: s3test.Owner})
	aclBucket(t, srv, "blocked")
	aclBucket(t, srv, "ignored")
	allUsers := `uri="http://acs.amazonaws.com/groups/global/AllUsers"`
	onlyIgnore := "<PublicAccessBlockConfiguration><IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>"
	grant := func(h, v string) http.Header { return http.Header{h: {v}} }
	runSteps(t, srv.Client, []accessStep{
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?acl", header: grant("X-Amz-Grant-Read", `id="`+grantee+`"`), status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?acl", header: grant("X-Amz-Grant-Full-Control", `id="`+owner+`", `+allUsers), status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?acl", header: grant("X-Amz-Grant-Full-Control", `id="`+owner+`"`), status: 200},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?acl", body: policyDoc(owner, userGrant(owner, "FULL_CONTROL")), status: 200},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?acl", body: policyDoc(owner, userGrant(grantee, "READ")), status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/k", header: grant("X-Amz-Grant-Full-Control", `id="`+owner+`"`), body: "x", status: 200},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/k", header: grant("X-Amz-Grant-Read", `emailAddress="`+granteeEmail+`"`), body: "x", status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/k?acl", header: grant("X-Amz-Grant-Read-Acp", `id="`+grantee+`"`), status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, as: granteeRoot, method: "GET", path: "/enforced/k?acl", status: 403, code: "AccessDenied"},
		{page: pageCreate, method: "PUT", path: "/enforced-grants", header: grant("X-Amz-Grant-Read", `id="`+grantee+`"`), status: 400, code: "InvalidBucketAclWithObjectOwnership"},
		{page: pageCreate, method: "PUT", path: "/enforced-grants", header: grant("X-Amz-Grant-Full-Control", `id="`+owner+`"`), status: 200},
		{page: pageCreate, method: "PUT", path: "/writer-grants", header: http.Header{"X-Amz-Grant-Read": {`id="` + grantee + `"`}, "X-Amz-Object-Ownership": {"ObjectWriter"}}, status: 200},
		{page: pageCreate, as: granteeRoot, method: "GET", path: "/writer-grants", status: 200},

		{page: pageBPA, method: "PUT", path: "/blocked?acl", header: grant("X-Amz-Grant-Read", allUsers), status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "PUT", path: "/blocked/obj?acl", body: policyDoc(owner, [3]string{"Group", "<URI>http://acs.amazonaws.com/groups/global/AuthenticatedUsers</URI>", "READ"}), status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "PUT", path: "/blocked/new", header: grant("X-Amz-Grant-Read", allUsers), body: "x", status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "PUT", path: "/blocked?acl", header: grant("X-Amz-Grant-Read", `id="`+grantee+`"`), status: 200},

		{page: pageBPA, method: "PUT", path: "/ignored?publicAccessBlock", body: onlyIgnore, status: 200},
		{page: pageBPA, method: "PUT", path: "/ignored?acl", header: grant("X-Amz-Grant-Read", allUsers+`, id="`+grantee+`"`), status: 200},
		{page: pageBPA, method: "PUT", path: "/ignored/obj?acl", header: grant("X-Amz-Grant-Read", allUsers+`, id="`+grantee+`"`), status: 200},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/ignored", status: 403, code: "AccessDenied"},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/ignored/obj", status: 403, code: "AccessDenied"},
		{page: pageBPA, as: granteeRoot, method: "GET", path: "/ignored", status: 200, want: "<Key>obj</Key>"},
		{page: pageBPA, as: granteeRoot, method: "GET", path: "/ignored/obj", status: 200, want: "body"},
		{page: pageBPA, method: "DELETE", path: "/ignored?publicAccessBlock", status: 204},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/ignored/obj", status: 200, want: "body"},
	})
}

// TestACLGrantConditionKeys: the s3:x-amz-grant-* condition keys hold the grant headers, so
// a bucket policy can let another account write only objects that grant the bucket owner full
// control, or forbid grants to a given account (amazon-s3-policy-keys.html). A header sent on
// several lines is one value, its lines joined by ", " as HTTP combines a repeated field
// (RFC 9110 section 5.3): the grants made are those of every line, so the key must name them
// all, or a second line would grant what the policy denies.
func TestACLGrantConditionKeys(t *testing.T) {
	t.Parallel()
	srv := startACLServer(t)
	owner, other := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, s3test.Other)
	aclBucket(t, srv, "cond")
	fullControl := "id=" + owner // quotes are optional, and JSON would need them escaped
	putPolicy(t, srv.Client, s3test.Owner, "cond", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"`+granteeAccount+`"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::cond/*",
		"Condition":{"StringEquals":{"s3:x-amz-grant-full-control":"`+fullControl+`"}}},
		{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::cond/*",
		"Condition":{"StringLike":{"s3:x-amz-grant-read":"*`+other+`*"}}}]}`)
	for _, tc := range []struct {
		name   string
		as     s3test.Account
		header http.Header
		status int
	}{
		{"no grant header", granteeRoot, nil, 403},
		{"the bucket owner's full control", granteeRoot, http.Header{"X-Amz-Grant-Full-Control": {fullControl}}, 200},
		{"full control to the bucket owner and, on a second line, to the writer", granteeRoot,
			http.Header{"X-Amz-Grant-Full-Control": {fullControl, `id="` + canonicalID(t, srv, granteeRoot) + `"`}}, 403},
		{"read granted to the owner", s3test.Owner, http.Header{"X-Amz-Grant-Read": {`id="` + owner + `"`}}, 200},
		{"read granted to the denied account", s3test.Owner, http.Header{"X-Amz-Grant-Read": {`id="` + other + `"`}}, 403},
		{"read granted to the owner and to the denied account on one line", s3test.Owner,
			http.Header{"X-Amz-Grant-Read": {`id="` + owner + `", id="` + other + `"`}}, 403},
		{"read granted to the owner, then to the denied account on a second line", s3test.Owner,
			http.Header{"X-Amz-Grant-Read": {`id="` + owner + `"`, `id="` + other + `"`}}, 403},
	} {
		r := s3test.Request{Method: "PUT", Path: "/cond/o", Body: []byte("x"), As: tc.as, Header: tc.header}
		if res, body := srv.Do(t, r); res.StatusCode != tc.status {
			t.Errorf("%s (%s): status %d, want %d\n%s", tc.name, pagePolicyKeys, res.StatusCode, tc.status, body)
		}
	}
}

// TestGetACLDocument: GetBucketAcl and GetObjectAcl answer a canned ACL byte for byte as
// before grants existed: the owner's FULL_CONTROL first, then what the canned ACL adds
// (acl-overview.html, "Canned ACL"), the bucket-owner-* grants to the bucket's owner, display
// names where the accounts have them.
func TestGetACLDocument(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	owner, other := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, s3test.Other)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/doc", Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}, As: s3test.Owner})
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/doc?publicAccessBlock", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/doc?acl", Header: http.Header{"X-Amz-Acl": {"public-read-write"}}, As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/doc/o", Header: http.Header{"X-Amz-Acl": {"bucket-owner-full-control"}}, As: s3test.Other})
	user := func(id, name, perm string) string {
		return `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + id + `</ID><DisplayName>` + name + `</DisplayName></Grantee><Permission>` + perm + `</Permission></Grant>`
	}
	allUsers := func(perm string) string {
		return `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>` + perm + `</Permission></Grant>`
	}
	doc := func(id, name, grants string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>` + id + `</ID><DisplayName>` + name +
			`</DisplayName></Owner><AccessControlList>` + grants + `</AccessControlList></AccessControlPolicy>`
	}
	for _, tc := range []struct {
		path string
		as   s3test.Account
		want string
	}{
		{"/doc?acl", s3test.Owner, doc(owner, "owner", user(owner, "owner", "FULL_CONTROL")+allUsers("READ")+allUsers("WRITE"))},
		{"/doc/o?acl", s3test.Other, doc(other, "other", user(other, "other", "FULL_CONTROL")+user(owner, "owner", "FULL_CONTROL"))},
	} {
		if got := string(srv.Must(t, 200, s3test.Request{Method: "GET", Path: tc.path, As: tc.as})); got != tc.want {
			t.Errorf("GET %s (%s):\n%s\nwant\n%s", tc.path, pageACLOverview, got, tc.want)
		}
	}
}

// TestUnreadableStoredACL: a stored ACL that does not decode (a record doorman did not write)
// grants nothing beyond its owner's, for a bucket (decoded when the server loads it) and for an
// object (decoded when a request needs it), and is logged.
func TestUnreadableStoredACL(t *testing.T) {
	t.Parallel()
	store, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	start := func(log *s3test.SyncBuffer) *s3test.Client {
		h, err := s3api.New(ctx, s3api.Config{Backend: store, Users: []s3api.User{s3test.Owner.User()}, Region: s3test.Region,
			Logger: slog.New(slog.NewJSONHandler(log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(h)
		t.Cleanup(ts.Close)
		return &s3test.Client{URL: ts.URL, HTTP: ts.Client()}
	}
	c := start(&s3test.SyncBuffer{})
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/unreadable", Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}, As: s3test.Owner})
	c.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/unreadable?publicAccessBlock", As: s3test.Owner})
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/unreadable?acl", Header: http.Header{"X-Amz-Acl": {"public-read"}}, As: s3test.Owner})
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/unreadable/obj", Header: http.Header{"X-Amz-Acl": {"public-read"}}, Body: []byte("x"), As: s3test.Owner})
	for _, path := range []string{"/unreadable", "/unreadable/obj"} {
		c.Must(t, 200, s3test.Request{Method: "GET", Path: path, As: s3test.Anonymous})
	}
	if err := store.PutBucketACL(ctx, "unreadable", "public-read-for-all"); err != nil {
		t.Fatal(err)
	}
	if err := store.PutObjectACL(ctx, "unreadable", "obj", storage.PutObjectACLOptions{ACL: `grants:[{"Grantee":`}); err != nil {
		t.Fatal(err)
	}
	log := &s3test.SyncBuffer{}
	c = start(log)
	for _, path := range []string{"/unreadable", "/unreadable/obj"} {
		c.Must(t, 403, s3test.Request{Method: "GET", Path: path, As: s3test.Anonymous})
		c.Must(t, 200, s3test.Request{Method: "GET", Path: path, As: s3test.Owner})
		if got := string(c.Must(t, 200, s3test.Request{Method: "GET", Path: path + "?acl", As: s3test.Owner})); strings.Count(got, "<Grant>") != 1 || !strings.Contains(got, "FULL_CONTROL") {
			t.Errorf("GET %s?acl: want the owner's FULL_CONTROL alone:\n%s", path, got)
		}
	}
	for _, what := range []string{`"bucket":"unreadable","key":""`, `"bucket":"unreadable","key":"obj"`} {
		if !strings.Contains(log.String(), `"msg":"stored ACL unreadable: read as private",`+what) {
			t.Errorf("no log line for %s in:\n%s", what, log)
		}
	}
}
