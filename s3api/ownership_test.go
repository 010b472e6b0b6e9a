package s3api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// The AWS pages the rows follow.
const (
	pageOwnership   = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html"
	pageOwnershipTS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html"
	pageBPA         = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
	pageCreate      = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html"
	pagePutOC       = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html"
	pagePutPAB      = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html"
	pageErrors      = "https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"
)

// accessStep is one request of a scenario whose steps run in order, each depending on the
// state the ones before left.
type accessStep struct {
	page   string // the AWS documentation the answer follows
	as     s3test.Account
	method string
	path   string
	header http.Header
	body   string
	status int
	code   string // the error code, for an error
	want   string // a fragment the body must hold
	// respHeader, when set, is a response header that must have the value respValue ("":
	// absent).
	respHeader, respValue string
}

func ownershipDoc(o string) string {
	return "<OwnershipControls><Rule><ObjectOwnership>" + o + "</ObjectOwnership></Rule></OwnershipControls>"
}

func acl(v string) http.Header { return http.Header{"X-Amz-Acl": {v}} }

func runSteps(t *testing.T, c *s3test.Client, steps []accessStep) {
	t.Helper()
	for i, s := range steps {
		as := s.as
		if as.Name == "" {
			as = s3test.Owner
		}
		res, body := c.Do(t, s3test.Request{Method: s.method, Path: s.path, Header: s.header, Body: []byte(s.body), As: as})
		what := s.method + " " + s.path + " as " + as.Name + " (" + s.page + ")"
		if s.code != "" {
			s3test.WantError(t, what, res, body, s.status, s.code, "")
		} else if res.StatusCode != s.status {
			t.Errorf("step %d: %s: status %d, want %d\n%s", i, what, res.StatusCode, s.status, body)
		}
		if !strings.Contains(string(body), s.want) {
			t.Errorf("step %d: %s: body lacks %q:\n%s", i, what, s.want, body)
		}
		if s.respHeader != "" && res.Header.Get(s.respHeader) != s.respValue {
			t.Errorf("step %d: %s: %s %q, want %q", i, what, s.respHeader, res.Header.Get(s.respHeader), s.respValue)
		}
	}
}

// New buckets have ACLs disabled and Block Public Access on; the two APIs read and change
// them; CreateBucket's x-amz-object-ownership chooses the setting.
func TestOwnershipAndPublicAccessBlockAPIs(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	runSteps(t, srv.Client, []accessStep{
		{page: pageCreate, method: "PUT", path: "/fresh", status: 200},
		{page: pageCreate, method: "GET", path: "/fresh?ownershipControls", status: 200,
			want: "<Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule>"},
		{page: pageCreate, method: "GET", path: "/fresh?publicAccessBlock", status: 200,
			want: "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>"},
		{page: pagePutOC, method: "PUT", path: "/fresh?ownershipControls", body: ownershipDoc("BucketOwnerPreferred"), status: 200},
		{page: pagePutOC, method: "GET", path: "/fresh?ownershipControls", status: 200, want: "<ObjectOwnership>BucketOwnerPreferred</ObjectOwnership>"},
		{page: pagePutOC, method: "PUT", path: "/fresh?ownershipControls", body: ownershipDoc("Everyone"), status: 400, code: "MalformedXML"},
		{page: pagePutOC, method: "PUT", path: "/fresh?ownershipControls", body: "<OwnershipControls></OwnershipControls>", status: 400, code: "MalformedXML"},
		{page: pagePutOC, as: s3test.Other, method: "PUT", path: "/fresh?ownershipControls", body: ownershipDoc("ObjectWriter"), status: 403, code: "AccessDenied"},
		{page: pagePutOC, as: s3test.Other, method: "GET", path: "/fresh?ownershipControls", status: 403, code: "AccessDenied"},
		{page: pagePutOC, method: "DELETE", path: "/fresh?ownershipControls", status: 204},
		{page: pageErrors, method: "GET", path: "/fresh?ownershipControls", status: 404, code: "OwnershipControlsNotFoundError",
			want: "<Message>The bucket ownership controls were not found</Message>"},
		{page: pagePutPAB, method: "PUT", path: "/fresh?publicAccessBlock", status: 200,
			body: "<PublicAccessBlockConfiguration><IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>"},
		{page: pagePutPAB, method: "GET", path: "/fresh?publicAccessBlock", status: 200,
			want: "<BlockPublicAcls>false</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets>"},
		{page: pagePutPAB, method: "PUT", path: "/fresh?publicAccessBlock", body: "<PublicAccessBlockConfiguration><IgnorePublicAcls>yes</IgnorePublicAcls></PublicAccessBlockConfiguration>", status: 400, code: "MalformedXML"},
		{page: pagePutPAB, as: s3test.Other, method: "DELETE", path: "/fresh?publicAccessBlock", status: 403, code: "AccessDenied"},
		{page: pagePutPAB, method: "DELETE", path: "/fresh?publicAccessBlock", status: 204},
		{page: pageErrors, method: "GET", path: "/fresh?publicAccessBlock", status: 404, code: "NoSuchPublicAccessBlockConfiguration",
			want: "<Message>The public access block configuration was not found</Message>"},
		{page: pagePutPAB, method: "DELETE", path: "/fresh?publicAccessBlock", status: 204},

		{page: pageCreate, method: "PUT", path: "/acl-at-create", header: acl("public-read"), status: 400, code: "InvalidBucketAclWithObjectOwnership",
			want: "<Message>Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting</Message>"},
		{page: pageCreate, method: "PUT", path: "/acl-at-create", header: http.Header{"X-Amz-Acl": {"public-read"}, "X-Amz-Object-Ownership": {"BucketOwnerEnforced"}}, status: 400, code: "InvalidBucketAclWithObjectOwnership"},
		{page: pageCreate, method: "GET", path: "/acl-at-create?ownershipControls", status: 404, code: "NoSuchBucket"},
		{page: pageCreate, method: "PUT", path: "/acl-at-create", header: http.Header{"X-Amz-Object-Ownership": {"Nobody"}}, status: 400, code: "InvalidArgument"},
		{page: pageCreate, method: "PUT", path: "/acl-at-create", header: acl("private"), status: 200},
		{page: pageCreate, method: "PUT", path: "/writer", header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}, status: 200},
		{page: pageCreate, method: "GET", path: "/writer?ownershipControls", status: 200, want: "<ObjectOwnership>ObjectWriter</ObjectOwnership>"},
		{page: pageCreate, method: "GET", path: "/writer?publicAccessBlock", status: 200, want: "<BlockPublicAcls>true</BlockPublicAcls>"},
		// The bucket's own settings exist once it does: a public ACL given at creation is kept,
		// and ignored (IgnorePublicAcls) until the public access block is deleted.
		{page: pageBPA, method: "PUT", path: "/writer-public", header: http.Header{"X-Amz-Acl": {"public-read"}, "X-Amz-Object-Ownership": {"ObjectWriter"}}, status: 200},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/writer-public", status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "DELETE", path: "/writer-public?publicAccessBlock", status: 204},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/writer-public", status: 200, want: "<Name>writer-public</Name>"},
	})
}

// With ACLs disabled (BucketOwnerEnforced), setting an ACL other than bucket-owner-full-control
// fails with AccessControlListNotSupported; reading one answers the owner's FULL_CONTROL.
func TestACLsDisabled(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/enforced", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/enforced/src", Body: []byte("x"), As: s3test.Owner})
	notSupported := "<Message>The bucket does not allow ACLs</Message>"
	runSteps(t, srv.Client, []accessStep{
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/k", header: acl("public-read"), status: 400, code: "AccessControlListNotSupported", want: notSupported},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/k", header: acl("private"), status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/k", header: acl("bucket-owner-full-control"), status: 200},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/k", status: 200},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?acl", header: acl("private"), status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?acl", header: acl("public-read"), status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/k?acl", header: acl("public-read"), status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/k?acl", header: acl("bucket-owner-full-control"), status: 200},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced/copy", header: http.Header{"X-Amz-Copy-Source": {"/enforced/src"}, "X-Amz-Acl": {"authenticated-read"}}, status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "POST", path: "/enforced/mp?uploads", header: acl("public-read-write"), status: 400, code: "AccessControlListNotSupported"},
		{page: pageOwnershipTS, method: "GET", path: "/enforced?acl", status: 200, want: "<AccessControlList><Grant>"},
		{page: pageOwnershipTS, method: "GET", path: "/enforced/k?acl", status: 200, want: "<Permission>FULL_CONTROL</Permission></Grant></AccessControlList>"},
		{page: pageOwnershipTS, as: s3test.Anonymous, method: "GET", path: "/enforced/k", status: 403, code: "AccessDenied"},
		// A bucket whose ACL grants others cannot have ACLs disabled.
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?ownershipControls", body: ownershipDoc("ObjectWriter"), status: 200},
		{page: pageOwnershipTS, method: "DELETE", path: "/enforced?publicAccessBlock", status: 204},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?acl", header: acl("public-read"), status: 200},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?ownershipControls", body: ownershipDoc("BucketOwnerEnforced"), status: 400, code: "InvalidBucketAclWithObjectOwnership"},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?acl", header: acl("private"), status: 200},
		{page: pageOwnershipTS, method: "PUT", path: "/enforced?ownershipControls", body: ownershipDoc("BucketOwnerEnforced"), status: 200},
	})
	// Exactly one grant: the owner's.
	if body := string(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/enforced?acl", As: s3test.Owner})); strings.Count(body, "<Grant>") != 1 {
		t.Errorf("GetBucketAcl with ACLs disabled: %s", body)
	}
}

// Block Public Access: BlockPublicAcls refuses public ACLs with AccessDenied, IgnorePublicAcls
// makes them grant nothing; a bucket is made public with an ACL once both are off.
func TestBlockPublicAcls(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/pab", Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}, As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/pab/k", Body: []byte("x"), As: s3test.Owner})
	onlyIgnore := "<PublicAccessBlockConfiguration><IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>"
	runSteps(t, srv.Client, []accessStep{
		{page: pageBPA, method: "PUT", path: "/pab?acl", header: acl("public-read"), status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "PUT", path: "/pab/k?acl", header: acl("public-read"), status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "PUT", path: "/pab/k2", header: acl("authenticated-read"), status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "PUT", path: "/pab/k2", header: acl("bucket-owner-read"), status: 200},
		{page: pageBPA, method: "PUT", path: "/pab?publicAccessBlock", body: onlyIgnore, status: 200},
		{page: pageBPA, method: "PUT", path: "/pab?acl", header: acl("public-read"), status: 200},
		{page: pageBPA, method: "PUT", path: "/pab/k?acl", header: acl("public-read"), status: 200},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/pab/k", status: 403, code: "AccessDenied"},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/pab", status: 403, code: "AccessDenied"},
		{page: pageBPA, method: "DELETE", path: "/pab?publicAccessBlock", status: 204},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/pab/k", status: 200, want: "x"},
		{page: pageBPA, as: s3test.Anonymous, method: "GET", path: "/pab", status: 200, want: "<Key>k</Key>"},
	})
}

// BucketOwnerPreferred: an object written with bucket-owner-full-control becomes the bucket
// owner's; without it, the writer's.
func TestBucketOwnerPreferred(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/preferred", Header: http.Header{"X-Amz-Object-Ownership": {"BucketOwnerPreferred"}}, As: s3test.Owner})
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/preferred?publicAccessBlock", As: s3test.Owner})
	ownedBy := func(name string) string { return "<DisplayName>" + name + "</DisplayName></Owner>" }
	runSteps(t, srv.Client, []accessStep{
		{page: pageOwnership, method: "PUT", path: "/preferred?acl", header: acl("public-read-write"), status: 200},
		{page: pageOwnership, as: s3test.Other, method: "PUT", path: "/preferred/given", header: acl("bucket-owner-full-control"), body: "x", status: 200},
		{page: pageOwnership, as: s3test.Other, method: "PUT", path: "/preferred/kept", body: "x", status: 200},
		{page: pageOwnership, method: "GET", path: "/preferred/given?acl", status: 200, want: ownedBy("owner")},
		{page: pageOwnership, as: s3test.Other, method: "GET", path: "/preferred/kept?acl", status: 200, want: ownedBy("other")},
	})
}

// The settings survive a restart; a bucket from before Object Ownership (none stored: their
// records removed from the store here) keeps ACLs enabled and no public access block.
func TestOwnershipSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 2 {
		store, err := disk.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			for _, kind := range []string{"ownership-controls", "public-access-block"} {
				if err := store.DeleteBucketConfig(context.Background(), "legacy", kind); err != nil {
					t.Fatal(err)
				}
			}
		}
		h, err := s3api.New(context.Background(), s3api.Config{Backend: store, Users: []s3api.User{s3test.Owner.User()}, Region: s3test.Region})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(h)
		c := &s3test.Client{URL: ts.URL, HTTP: ts.Client()}
		if i == 0 {
			c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/new", Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}, As: s3test.Owner})
			c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/legacy", As: s3test.Owner})
		} else {
			runSteps(t, c, []accessStep{
				{page: pagePutOC, method: "GET", path: "/new?ownershipControls", status: 200, want: "ObjectWriter"},
				{page: pagePutPAB, method: "GET", path: "/new?publicAccessBlock", status: 200, want: "<BlockPublicAcls>true</BlockPublicAcls>"},
				{page: pageOwnership, method: "GET", path: "/legacy?ownershipControls", status: 404, code: "OwnershipControlsNotFoundError"},
				{page: pageBPA, method: "GET", path: "/legacy?publicAccessBlock", status: 404, code: "NoSuchPublicAccessBlockConfiguration"},
				{page: pageOwnership, method: "PUT", path: "/legacy/k", header: acl("public-read"), body: "x", status: 200},
				{page: pageOwnership, as: s3test.Anonymous, method: "GET", path: "/legacy/k", status: 200},
			})
		}
		ts.Close()
		_ = store.Close()
	}
}
