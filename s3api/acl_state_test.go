package s3api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
)

// continueWait bounds how long the client waits for the server's 100 Continue before it sends
// a body anyway: long enough that the server always answers first, so that a test knows the
// request has reached its handler when the body starts to flow.
const continueWait = time.Minute

// sendMidBody sends r with its body held back until the server's handler starts reading it
// (Expect: 100-continue), runs during with the first byte of the body sent and the rest not,
// and then finishes the body. The request was authorized, and the bucket's state read, before
// during runs; what the request's answer depends on is what it checks once the body is in.
func sendMidBody(t *testing.T, srv *s3test.Server, r s3test.Request, during func()) (*http.Response, []byte) {
	t.Helper()
	pr, pw := io.Pipe()
	defer pw.CloseWithError(io.ErrUnexpectedEOF) // should the test stop midway, the request ends
	body := r.Body
	r.Tamper = func(req *http.Request) {
		req.Body, req.GetBody = pr, nil
		req.Header.Set("Expect", "100-continue")
	}
	transport := &http.Transport{ExpectContinueTimeout: continueWait}
	t.Cleanup(transport.CloseIdleConnections)
	c := &s3test.Client{URL: srv.URL, HTTP: &http.Client{Transport: transport}}
	req := c.NewRequest(t, r)
	type answer struct {
		res  *http.Response
		body []byte
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := c.HTTP.Do(req)
		if err != nil {
			done <- answer{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		done <- answer{res, b, err}
	}()
	// The transport reads the body only once the server asked for it: when this write
	// returns, the handler is reading.
	if _, err := pw.Write(body[:1]); err != nil {
		t.Fatal(err)
	}
	during()
	if _, err := pw.Write(body[1:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a := <-done
	if a.err != nil {
		t.Fatal(a.err)
	}
	return a.res, a.body
}

// TestPutBucketACLChecksTheBucketAsChanged: PutBucketAcl checks its ACL against the bucket's
// Block Public Access and Object Ownership as they are when the ACL is stored, not as they
// were when the request arrived: a public ACL whose body was still on its way when
// BlockPublicAcls was turned on is refused, and so are grants to another account when ACLs
// were disabled meanwhile.
func TestPutBucketACLChecksTheBucketAsChanged(t *testing.T) {
	t.Parallel()
	srv := startACLServer(t)
	owner, grantee := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, granteeRoot)
	allUsersRead := [3]string{"Group", "<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI>", "READ"}
	for _, tc := range []struct {
		name, page   string
		during       s3test.Request // the change made while the ACL's body is on its way
		undo         s3test.Request // the change undone, so that a stored ACL would show
		doc          string
		status       int
		code         string
		probe        s3test.Account // may not list the bucket afterwards
		unblockFirst bool           // Block Public Access off before the request
	}{
		{"public-blocked", pageBPA,
			s3test.Request{Method: "PUT", Path: "?publicAccessBlock", Body: []byte("<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>")},
			s3test.Request{Method: "DELETE", Path: "?publicAccessBlock"},
			policyDoc(owner, allUsersRead), 403, "AccessDenied", s3test.Anonymous, true},
		{"acls-disabled", pageOwnershipTS,
			s3test.Request{Method: "PUT", Path: "?ownershipControls", Body: []byte(ownershipDoc("BucketOwnerEnforced"))},
			s3test.Request{Method: "PUT", Path: "?ownershipControls", Body: []byte(ownershipDoc("ObjectWriter"))},
			policyDoc(owner, userGrant(grantee, "READ")), 400, "AccessControlListNotSupported", granteeRoot, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := "midbody-" + tc.name
			aclBucket(t, srv, bucket)
			if tc.unblockFirst {
				srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/" + bucket + "?publicAccessBlock", As: s3test.Owner})
			}
			during, undo := tc.during, tc.undo
			during.Path, during.As = "/"+bucket+during.Path, s3test.Owner
			undo.Path, undo.As = "/"+bucket+undo.Path, s3test.Owner
			res, body := sendMidBody(t, srv, s3test.Request{Method: "PUT", Path: "/" + bucket + "?acl", Body: []byte(tc.doc), As: s3test.Owner},
				func() { srv.Must(t, 200, during) })
			s3test.WantError(t, "PUT ?acl ("+tc.page+")", res, body, tc.status, tc.code, "")
			if res, _ := srv.Do(t, undo); res.StatusCode/100 != 2 {
				t.Fatalf("%s %s: %d", undo.Method, undo.Path, res.StatusCode)
			}
			srv.Must(t, 403, s3test.Request{Method: "GET", Path: "/" + bucket, As: tc.probe})
		})
	}
}

// TestRecreateBucketChecksItsACL: re-creating a bucket one owns in us-east-1 answers 200 and
// resets its ACL (API_CreateBucket.html, BucketAlreadyOwnedByYou), and that ACL is checked as
// any other: against the bucket's Block Public Access ("PUT Bucket calls fail if the request
// includes a public ACL") and against the bucket's own Object Ownership, which a re-create
// does not change whatever x-amz-object-ownership names.
func TestRecreateBucketChecksItsACL(t *testing.T) {
	t.Parallel()
	srv := startACLServer(t)
	owner, grantee := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, granteeRoot)
	aclBucket(t, srv, "re-blocked")
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/re-enforced", As: s3test.Owner})
	blockACLs := "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>"
	writer := func(h http.Header) http.Header { h.Set("X-Amz-Object-Ownership", "ObjectWriter"); return h }
	allUsers := `uri="http://acs.amazonaws.com/groups/global/AllUsers"`
	runSteps(t, srv.Client, []accessStep{
		// BlockPublicAcls alone, so that a public ACL stored would be one anonymous callers use.
		{page: pagePutPAB, method: "PUT", path: "/re-blocked?publicAccessBlock", body: blockACLs, status: 200},
		{page: pageBPA, method: "PUT", path: "/re-blocked", header: writer(http.Header{"X-Amz-Grant-Read": {allUsers}}), status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "PUT", path: "/re-blocked", header: writer(acl("public-read")), status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "PUT", path: "/re-blocked", header: acl("public-read"), status: 403, code: "AccessDenied"},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/re-blocked", status: 403, code: "AccessDenied"},
		// The bucket's ObjectWriter, not the header's absence (BucketOwnerEnforced for a new
		// bucket), decides: grants to another account are set, and reset again.
		{page: pageCreate, method: "PUT", path: "/re-blocked", header: http.Header{"X-Amz-Grant-Read": {`id="` + grantee + `"`}}, status: 200},
		{page: pageCreate, as: granteeRoot, method: "GET", path: "/re-blocked", status: 200, want: "<Key>obj</Key>"},
		{page: pageCreate, method: "PUT", path: "/re-blocked", status: 200},
		{page: pageCreate, as: granteeRoot, method: "GET", path: "/re-blocked", status: 403, code: "AccessDenied"},

		{page: pageCreate, method: "PUT", path: "/re-enforced", header: writer(http.Header{}), status: 200},
		{page: pageCreate, method: "GET", path: "/re-enforced?ownershipControls", status: 200, want: "<ObjectOwnership>BucketOwnerEnforced</ObjectOwnership>"},
		{page: pageOwnershipTS, method: "PUT", path: "/re-enforced", header: writer(http.Header{"X-Amz-Grant-Read": {`id="` + grantee + `"`}}), status: 400, code: "InvalidBucketAclWithObjectOwnership"},
		{page: pageOwnershipTS, method: "PUT", path: "/re-enforced", header: writer(acl("public-read")), status: 400, code: "InvalidBucketAclWithObjectOwnership"},
		{page: pageOwnershipTS, method: "PUT", path: "/re-enforced", header: writer(http.Header{"X-Amz-Grant-Full-Control": {`id="` + owner + `"`}}), status: 200},
		{page: pagePutOC, method: "PUT", path: "/re-enforced?ownershipControls", body: ownershipDoc("ObjectWriter"), status: 200},
		{page: pagePutOC, method: "DELETE", path: "/re-enforced?publicAccessBlock", status: 204},
		{page: pageOwnershipTS, as: granteeRoot, method: "GET", path: "/re-enforced", status: 403, code: "AccessDenied"},
		{page: pageOwnershipTS, as: s3test.Anonymous, method: "GET", path: "/re-enforced", status: 403, code: "AccessDenied"},
	})
}

// TestDisableACLsUnderOwnerOnlyBucketACL: ACLs may be disabled (BucketOwnerEnforced) while the
// bucket's ACL grants nobody but the bucket owner, whatever it grants the owner and even when
// it grants nothing at all; one that grants anyone else anything is
// InvalidBucketAclWithObjectOwnership until it is reset
// (object-ownership-migrating-acls-prerequisites.html).
func TestDisableACLsUnderOwnerOnlyBucketACL(t *testing.T) {
	t.Parallel()
	const page = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-migrating-acls-prerequisites.html"
	srv := startACLServer(t)
	owner, grantee := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, granteeRoot)
	for _, tc := range []struct {
		name   string
		header http.Header
		doc    string
		code   string // "" when the switch succeeds
	}{
		{"no-grants", nil, policyDoc(owner), ""},
		{"owner-full-control-and-read", nil, policyDoc(owner, userGrant(owner, "FULL_CONTROL"), userGrant(owner, "READ")), ""},
		{"owner-read", http.Header{"X-Amz-Grant-Read": {`id="` + owner + `"`}}, "", ""},
		{"private", acl("private"), "", ""},
		{"bucket-owner-read", acl("bucket-owner-read"), "", ""},
		{"owner-and-grantee", nil, policyDoc(owner, userGrant(owner, "FULL_CONTROL"), userGrant(grantee, "READ")), "InvalidBucketAclWithObjectOwnership"},
		{"authenticated-users", http.Header{"X-Amz-Grant-Read": {`uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"`}}, "", "InvalidBucketAclWithObjectOwnership"},
		{"public-read", acl("public-read"), "", "InvalidBucketAclWithObjectOwnership"},
		{"aws-exec-read", acl("aws-exec-read"), "", "InvalidBucketAclWithObjectOwnership"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := "disable-" + tc.name
			aclBucket(t, srv, bucket)
			srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/" + bucket + "?publicAccessBlock", As: s3test.Owner})
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/" + bucket + "?acl", Header: tc.header, Body: []byte(tc.doc), As: s3test.Owner})
			steps := []accessStep{{page: page, method: "PUT", path: "/" + bucket + "?ownershipControls", body: ownershipDoc("BucketOwnerEnforced"), status: 200}}
			if tc.code != "" {
				steps[0].status, steps[0].code = 400, tc.code
			}
			runSteps(t, srv.Client, steps)
		})
	}
}

// TestUnreadableObjectACLLoggedOnce: a stored object ACL that does not decode is logged the
// first time a request needs it, not on every request: callers anyone can be, anonymous ones
// included, would otherwise fill the log.
func TestUnreadableObjectACLLoggedOnce(t *testing.T) {
	t.Parallel()
	var store storage.Backend
	srv := s3test.Start(t, func(c *s3api.Config) { store = c.Backend })
	aclBucket(t, srv, "damaged")
	for _, tc := range []struct {
		key      string
		requests []s3test.Request
	}{
		{"two-reads", []s3test.Request{{Method: "GET", As: s3test.Anonymous}, {Method: "GET", As: s3test.Anonymous}}},
		{"read-and-acl", []s3test.Request{{Method: "HEAD", As: s3test.Anonymous}, {Method: "GET", Path: "?acl", As: s3test.Owner}, {Method: "GET", As: s3test.Third}}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/damaged/" + tc.key, Body: []byte("x"), As: s3test.Owner})
			if err := store.PutObjectACL(context.Background(), "damaged", tc.key, storage.PutObjectACLOptions{ACL: `grants:[{"Grantee":`}); err != nil {
				t.Fatal(err)
			}
			for _, r := range tc.requests {
				r.Path = "/damaged/" + tc.key + r.Path
				srv.Do(t, r)
			}
			line := `"msg":"stored ACL unreadable: read as private","bucket":"damaged","key":"` + tc.key + `"`
			if n := strings.Count(srv.Log.String(), line); n != 1 {
				t.Errorf("%d log lines for %s, want 1:\n%s", n, tc.key, srv.Log)
			}
		})
	}
}
