package s3api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// CORS is not access control (docs/s3-cors.md#cors-is-not-access-control): a rule decides
// which headers an answer carries, never whether the request is served, and an answer that
// refuses a request still carries the headers of the rule that matched
// (docs/s3-cors.md#errors-carry-cors-headers), so that a page reads the 403 instead of
// failing with a CORS error. AWS: "CORS ... does not grant access" is the S3 user guide's
// point in https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html, and the order in
// which access is decided is
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html.

// corsAccessOrigin is the page's origin the buckets' CORS rule allows.
const corsAccessOrigin = "https://app.test"

// corsAccessRule allows every method a page could use from corsAccessOrigin, with any
// request header: as wide as a rule gets for that origin.
var corsAccessRule = []byte(`<CORSConfiguration><CORSRule>` +
	`<AllowedOrigin>` + corsAccessOrigin + `</AllowedOrigin>` +
	`<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>PUT</AllowedMethod>` +
	`<AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod>` +
	`<AllowedHeader>*</AllowedHeader></CORSRule></CORSConfiguration>`)

// corsAccessAnswer is what a row expects: the status, the S3 error code ("" for a success)
// and whether the answer carries the rule's CORS headers.
type corsAccessAnswer struct {
	status int
	code   string
	cors   bool
}

// checkCORSAccess sends r and checks its answer against want: the status, the error (with
// S3's message for AccessDenied) and the presence or absence of the rule's headers.
func checkCORSAccess(t *testing.T, srv *s3test.Server, name string, r s3test.Request, want corsAccessAnswer) {
	t.Helper()
	res, body := srv.Do(t, r)
	if want.code != "" {
		message := ""
		if want.code == "AccessDenied" {
			message = "Access Denied"
		}
		s3test.WantError(t, name, res, body, want.status, want.code, message)
	} else if res.StatusCode != want.status {
		t.Errorf("%s: status %d, want %d\n%s", name, res.StatusCode, want.status, body)
	}
	acao, vary := res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Vary")
	switch {
	case want.cors && (acao != corsAccessOrigin || vary != "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"):
		t.Errorf("%s: Access-Control-Allow-Origin %q, Vary %q; want the rule's headers", name, acao, vary)
	case !want.cors && acao != "":
		t.Errorf("%s: Access-Control-Allow-Origin %q on an answer to a request without Origin", name, acao)
	}
}

// TestCORSNeverWidensAccess: on a bucket whose CORS rule allows the page's origin every
// method and header, a request from that origin gets exactly the access it would get without
// Origin: a caller without a grant is refused with 403 AccessDenied, and the refusal carries
// the rule's headers (so the page sees the 403); nothing is written by a refused write.
func TestCORSNeverWidensAccess(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/cors-private", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/cors-private/k", Body: []byte("private"), As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/cors-private?cors", Body: corsAccessRule, As: s3test.Owner,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(corsAccessRule)}}})

	withOrigin := http.Header{"Origin": {corsAccessOrigin}}
	denied := corsAccessAnswer{403, "AccessDenied", true}
	for _, tc := range []struct {
		name string
		r    s3test.Request
		want corsAccessAnswer
	}{
		// The rule matches: the owner's request is served with its headers.
		{"owner GET, allowed Origin", s3test.Request{Method: "GET", Path: "/cors-private/k", As: s3test.Owner, Header: withOrigin},
			corsAccessAnswer{200, "", true}},
		{"anonymous GET, allowed Origin", s3test.Request{Method: "GET", Path: "/cors-private/k", As: s3test.Anonymous, Header: withOrigin}, denied},
		{"anonymous GET, no Origin", s3test.Request{Method: "GET", Path: "/cors-private/k", As: s3test.Anonymous},
			corsAccessAnswer{403, "AccessDenied", false}},
		{"anonymous GET, allowed Origin and Access-Control-Request-Method", s3test.Request{Method: "GET", Path: "/cors-private/k", As: s3test.Anonymous,
			Header: http.Header{"Origin": {corsAccessOrigin}, "Access-Control-Request-Method": {"GET"}}}, denied},
		{"other account GET, allowed Origin", s3test.Request{Method: "GET", Path: "/cors-private/k", As: s3test.Other, Header: withOrigin}, denied},
		{"anonymous ListObjectsV2, allowed Origin", s3test.Request{Method: "GET", Path: "/cors-private?list-type=2", As: s3test.Anonymous, Header: withOrigin}, denied},
		{"anonymous PUT, allowed Origin", s3test.Request{Method: "PUT", Path: "/cors-private/written", Body: []byte("x"), As: s3test.Anonymous, Header: withOrigin}, denied},
		{"other account PUT, allowed Origin", s3test.Request{Method: "PUT", Path: "/cors-private/written", Body: []byte("x"), As: s3test.Other, Header: withOrigin}, denied},
		{"anonymous DELETE, allowed Origin", s3test.Request{Method: "DELETE", Path: "/cors-private/k", As: s3test.Anonymous, Header: withOrigin}, denied},
		{"anonymous GetBucketCors, allowed Origin", s3test.Request{Method: "GET", Path: "/cors-private?cors", As: s3test.Anonymous, Header: withOrigin}, denied},
	} {
		checkCORSAccess(t, srv, tc.name, tc.r, tc.want)
	}
	// The refused writes and the refused delete changed nothing.
	srv.Must(t, 404, s3test.Request{Method: "HEAD", Path: "/cors-private/written", As: s3test.Owner})
	if got := string(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/cors-private/k", As: s3test.Owner})); got != "private" {
		t.Errorf("the object after the refused requests: %q, want %q", got, "private")
	}
}

// TestPolicyRefusalCarriesCORS: a bucket made public with a bucket policy (after its public
// access block is deleted, as on AWS today), with Deny statements on a key prefix and on
// aws:Referer. Whatever the policy refuses is refused with 403 AccessDenied carrying the CORS
// headers of the rule that matched the request's Origin, the bucket owner's requests included
// (an explicit Deny binds the owner too); the preflight is answered from the rules alone; and
// an origin no rule allows changes nothing about access either. The policies follow
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html.
func TestPolicyRefusalCarriesCORS(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/cors-public", As: s3test.Owner})
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/cors-public?publicAccessBlock", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/cors-public?cors", Body: corsAccessRule, As: s3test.Owner,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(corsAccessRule)}}})
	for _, key := range []string{"site/index.html", "site/private/draft.html", "hotlink/cat.jpg"} {
		srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/cors-public/" + key, Body: []byte(key), As: s3test.Owner})
	}
	doc := []byte(`{"Version": "2012-10-17", "Statement": [
		{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
		 "Resource": ["arn:aws:s3:::cors-public/site/*", "arn:aws:s3:::cors-public/hotlink/*"]},
		{"Sid": "DenyPrivate", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
		 "Resource": "arn:aws:s3:::cors-public/site/private/*"},
		{"Sid": "DenyOtherSites", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
		 "Resource": "arn:aws:s3:::cors-public/hotlink/*",
		 "Condition": {"StringNotLike": {"aws:Referer": "` + corsAccessOrigin + `/*"}}}]}`)
	srv.Must(t, 204, s3test.Request{Method: "PUT", Path: "/cors-public?policy", Body: doc, As: s3test.Owner})

	header := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	withOrigin := header("Origin", corsAccessOrigin)
	allowed := corsAccessAnswer{200, "", true}
	denied := corsAccessAnswer{403, "AccessDenied", true}
	for _, tc := range []struct {
		name string
		r    s3test.Request
		want corsAccessAnswer
	}{
		{"anonymous GET of a public key, allowed Origin", s3test.Request{Method: "GET", Path: "/cors-public/site/index.html", As: s3test.Anonymous, Header: withOrigin}, allowed},
		{"anonymous GET of a public key, Origin no rule allows", s3test.Request{Method: "GET", Path: "/cors-public/site/index.html", As: s3test.Anonymous,
			Header: header("Origin", "https://elsewhere.test")}, corsAccessAnswer{200, "", false}},
		{"anonymous GET of a denied prefix, allowed Origin", s3test.Request{Method: "GET", Path: "/cors-public/site/private/draft.html", As: s3test.Anonymous, Header: withOrigin}, denied},
		{"anonymous GET of a denied prefix, no Origin", s3test.Request{Method: "GET", Path: "/cors-public/site/private/draft.html", As: s3test.Anonymous},
			corsAccessAnswer{403, "AccessDenied", false}},
		{"other account GET of a denied prefix, allowed Origin", s3test.Request{Method: "GET", Path: "/cors-public/site/private/draft.html", As: s3test.Other, Header: withOrigin}, denied},
		{"owner GET of a denied prefix, allowed Origin", s3test.Request{Method: "GET", Path: "/cors-public/site/private/draft.html", As: s3test.Owner, Header: withOrigin}, denied},
		{"owner HEAD of a denied prefix, allowed Origin", s3test.Request{Method: "HEAD", Path: "/cors-public/site/private/draft.html", As: s3test.Owner, Header: withOrigin},
			corsAccessAnswer{403, "", true}},
		{"preflight of a GET of a denied prefix", s3test.Request{Method: "OPTIONS", Path: "/cors-public/site/private/draft.html", As: s3test.Anonymous,
			Header: header("Origin", corsAccessOrigin, "Access-Control-Request-Method", "GET")}, allowed},
		{"anonymous GET, the app's Referer", s3test.Request{Method: "GET", Path: "/cors-public/hotlink/cat.jpg", As: s3test.Anonymous,
			Header: header("Origin", corsAccessOrigin, "Referer", corsAccessOrigin+"/gallery")}, allowed},
		{"anonymous GET, another site's Referer", s3test.Request{Method: "GET", Path: "/cors-public/hotlink/cat.jpg", As: s3test.Anonymous,
			Header: header("Origin", corsAccessOrigin, "Referer", "https://elsewhere.test/")}, denied},
		{"anonymous GET, no Referer", s3test.Request{Method: "GET", Path: "/cors-public/hotlink/cat.jpg", As: s3test.Anonymous, Header: withOrigin}, denied},
	} {
		checkCORSAccess(t, srv, tc.name, tc.r, tc.want)
	}
}

// TestACLRefusalCarriesCORS: an ACL request refused for what it asks (a grantee that does not
// exist, a malformed document, grants on a bucket whose ACLs are disabled, a public grant
// under BlockPublicAcls) carries the CORS headers of the rule that matched, like any other
// answer; a grant gives access with the same headers
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html).
func TestACLRefusalCarriesCORS(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	for _, b := range []struct{ name, ownership string }{{"cors-acl", "ObjectWriter"}, {"cors-enforced", "BucketOwnerEnforced"}} {
		srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/" + b.name, As: s3test.Owner, Header: http.Header{"X-Amz-Object-Ownership": {b.ownership}}})
		srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/" + b.name + "?cors", Body: corsAccessRule, As: s3test.Owner,
			Header: http.Header{"Content-Md5": {s3test.MD5Base64(corsAccessRule)}}})
	}
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/cors-acl/k", Body: []byte("k"), As: s3test.Owner})
	other := canonicalID(t, srv, s3test.Other)
	grant := func(h, v string) http.Header { return http.Header{"Origin": {corsAccessOrigin}, h: {v}} }
	withOrigin := http.Header{"Origin": {corsAccessOrigin}}
	for _, tc := range []struct {
		name string
		r    s3test.Request
		want corsAccessAnswer
	}{
		{"an unknown grantee", s3test.Request{Method: "PUT", Path: "/cors-acl?acl", As: s3test.Owner,
			Header: grant("X-Amz-Grant-Read", `id="`+strings.Repeat("0", 64)+`"`)}, corsAccessAnswer{400, "InvalidArgument", true}},
		{"an unknown e-mail grantee", s3test.Request{Method: "PUT", Path: "/cors-acl/k?acl", As: s3test.Owner,
			Header: grant("X-Amz-Grant-Read", `emailAddress="nobody@example.com"`)}, corsAccessAnswer{400, "UnresolvableGrantByEmailAddress", true}},
		{"a malformed document", s3test.Request{Method: "PUT", Path: "/cors-acl?acl", As: s3test.Owner, Header: withOrigin,
			Body: []byte("<AccessControlPolicy><AccessControlList>")}, corsAccessAnswer{400, "MalformedACLError", true}},
		{"a public grant under BlockPublicAcls", s3test.Request{Method: "PUT", Path: "/cors-acl?acl", As: s3test.Owner,
			Header: grant("X-Amz-Grant-Read", `uri="http://acs.amazonaws.com/groups/global/AllUsers"`)}, corsAccessAnswer{403, "AccessDenied", true}},
		{"a grant with ACLs disabled", s3test.Request{Method: "PUT", Path: "/cors-enforced?acl", As: s3test.Owner,
			Header: grant("X-Amz-Grant-Read", `id="`+other+`"`)}, corsAccessAnswer{400, "AccessControlListNotSupported", true}},
		{"the grantee before the grant", s3test.Request{Method: "GET", Path: "/cors-acl/k", As: s3test.Other, Header: withOrigin}, corsAccessAnswer{403, "AccessDenied", true}},
		{"a grant", s3test.Request{Method: "PUT", Path: "/cors-acl/k?acl", As: s3test.Owner,
			Header: grant("X-Amz-Grant-Read", `id="`+other+`"`)}, corsAccessAnswer{200, "", true}},
		{"the grantee after the grant", s3test.Request{Method: "GET", Path: "/cors-acl/k", As: s3test.Other, Header: withOrigin}, corsAccessAnswer{200, "", true}},
	} {
		checkCORSAccess(t, srv, tc.name, tc.r, tc.want)
	}
}
