package integration

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The accounts of the cross-account matrix besides the main test user, who owns every bucket
// under test. The third account owns only the buckets that copies made by the others land in.
const (
	otherKey, otherSecret = "AKIDOTHERACCOUNT", "other-account-secret-key"
	thirdKey, thirdSecret = "AKIDTHIRDACCOUNT", "third-account-secret-key"
)

// principal is a caller: an account, or anonymous (no keys).
type principal struct{ name, ak, sk string }

var (
	bucketOwner = principal{"owner", accessKey, secretKey}
	otherUser   = principal{"other", otherKey, otherSecret}
	thirdUser   = principal{"third", thirdKey, thirdSecret}
	anonymous   = principal{name: "anonymous"}
	callers     = []principal{bucketOwner, otherUser, anonymous}
)

// usersFile writes the --credentials file of otherUser and thirdUser, who are, like the main
// test user, accounts of their own.
func usersFile(t *testing.T) string {
	t.Helper()
	var users []map[string]string
	for _, p := range []principal{otherUser, thirdUser} {
		users = append(users, map[string]string{"accessKey": p.ak, "secretKey": p.sk, "displayName": p.name})
	}
	doc, err := json.Marshal(users)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// as sends r as p: signed with p's keys, or unsigned for anonymous.
func (s *server) as(t testing.TB, p principal, r rawRequest) (*http.Response, []byte) {
	t.Helper()
	r.ak, r.sk = p.ak, p.sk
	return s.raw(t, r)
}

// must sends r as p and fails the test unless the answer has the status want.
func (s *server) must(t testing.TB, p principal, want int, r rawRequest) []byte {
	t.Helper()
	res, body := s.as(t, p, r)
	if res.StatusCode != want {
		t.Fatalf("setup: %s %s as %s: %d, want %d\n%s", r.method, r.path, p.name, res.StatusCode, want, body)
	}
	return body
}

// The canned ACLs (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl).
const (
	aclPrivate                = "private"
	aclPublicRead             = "public-read"
	aclPublicReadWrite        = "public-read-write"
	aclAuthenticatedRead      = "authenticated-read"
	aclBucketOwnerRead        = "bucket-owner-read"
	aclBucketOwnerFullControl = "bucket-owner-full-control"
)

var (
	bucketACLs = []string{aclPrivate, aclPublicRead, aclPublicReadWrite, aclAuthenticatedRead}
	objectACLs = append(bucketACLs[:len(bucketACLs):len(bucketACLs)], aclBucketOwnerRead, aclBucketOwnerFullControl)
)

// permission is what a canned ACL grants (READ_ACP and WRITE_ACP are never granted to anyone
// but an owner by a canned ACL, so they are not listed).
type permission int

const (
	permRead permission = iota
	permWrite
)

// cannedGrants reports whether a canned ACL grants perm to p beyond its owner's FULL_CONTROL,
// as AWS's canned-ACL table lists it. bucketOwnerOfObject tells whether p owns the bucket of
// the object the ACL is on (for the bucket-owner-* ACLs).
func cannedGrants(acl string, p principal, perm permission, bucketOwnerOfObject bool) bool {
	switch acl {
	case aclPublicReadWrite:
		return true // AllUsers READ and WRITE (WRITE means nothing on an object)
	case aclPublicRead:
		return perm == permRead // AllUsers READ
	case aclAuthenticatedRead:
		return perm == permRead && p.ak != "" // AuthenticatedUsers READ
	case aclBucketOwnerRead:
		return perm == permRead && bucketOwnerOfObject
	case aclBucketOwnerFullControl:
		return bucketOwnerOfObject
	}
	return false
}

// need is what an operation requires of its caller, in AWS's terms.
type need int

const (
	needBucketRead  need = iota // READ on the bucket (s3:ListBucket, ListBucketMultipartUploads)
	needBucketWrite             // WRITE on the bucket (creating, overwriting and deleting objects)
	needBucketOwner             // the bucket's owner (its configuration, its ACL, deleting it)
	needObjectRead              // READ on the object: its owner or its ACL
	needObjectOwner             // READ_ACP/WRITE_ACP on the object: its owner (or full control)
	// needInitiator: WRITE on the bucket, and being the upload's initiator: "Only the initiator
	// of a multipart upload can upload parts" and complete it
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
	needInitiator
	// needInitiatorOrBucketOwner: by default the bucket owner and the initiator may list an
	// upload's parts and abort it (same page).
	needInitiatorOrBucketOwner
)

// fixtureSpec describes the state a row starts from: a bucket owned by bucketOwner with a CORS
// configuration, the object "obj" written by objectWriter, and the multipart upload "mp" with
// one part started by initiator. Another account writes and initiates only where the bucket is
// public-read-write, the only canned ACL that lets it.
type fixtureSpec struct {
	bucketACL, objectACL    string
	objectWriter, initiator principal
}

type fixture struct {
	fixtureSpec
	bucket, uploadID, partETag string
}

// ownership says who owns an object: AWS's ObjectWriter rule (the account that wrote it) or
// doorman's, which records no object owner: every object belongs to its bucket's owner, as
// under AWS's bucket-owner-enforced ownership, but with canned ACLs still in force.
type ownership func(fx *fixture) principal

var (
	writerOwns      ownership = func(fx *fixture) principal { return fx.objectWriter }
	bucketOwnerOwns ownership = func(*fixture) principal { return bucketOwner }
)

// allowed decides whether p may do what n requires on fx when objects belong to whom own says.
func allowed(n need, fx *fixture, p principal, own ownership) bool {
	isBucketOwner := p == bucketOwner
	switch n {
	case needBucketRead:
		return isBucketOwner || cannedGrants(fx.bucketACL, p, permRead, false)
	case needBucketWrite:
		return isBucketOwner || cannedGrants(fx.bucketACL, p, permWrite, false)
	case needBucketOwner:
		return isBucketOwner
	case needObjectRead:
		return p == own(fx) || cannedGrants(fx.objectACL, p, permRead, isBucketOwner)
	case needObjectOwner:
		return p == own(fx) || fx.objectACL == aclBucketOwnerFullControl && isBucketOwner
	case needInitiator:
		return p == fx.initiator && allowed(needBucketWrite, fx, p, own)
	case needInitiatorOrBucketOwner:
		return p == fx.initiator || isBucketOwner
	}
	panic("unknown need")
}

// env is what every row shares: the server, a public object to copy from and, for each caller,
// a bucket its copies land in.
type env struct {
	srv     *server
	source  string // "bucket/key" of an object anyone may read
	sinks   map[principal]string
	names   atomic.Int64
	mu      sync.Mutex
	fixture map[fixtureSpec]*sharedFixture
}

type sharedFixture struct {
	once sync.Once
	fx   *fixture
}

const (
	objectBody = "object body"
	partBody   = "part one"
	corsDoc    = `<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`
	corsDoc2   = `<CORSConfiguration><CORSRule><AllowedOrigin>https://other.example</AllowedOrigin><AllowedMethod>PUT</AllowedMethod></CORSRule></CORSConfiguration>`
)

// newFixture builds a fresh fixture of spec.
func (e *env) newFixture(t testing.TB, spec fixtureSpec) *fixture {
	t.Helper()
	fx := &fixture{fixtureSpec: spec, bucket: fmt.Sprintf("xacct-%d", e.names.Add(1))}
	s := e.srv
	s.must(t, bucketOwner, 200, rawRequest{method: "PUT", path: "/" + fx.bucket, header: http.Header{"X-Amz-Acl": {spec.bucketACL}}})
	s.must(t, bucketOwner, 200, rawRequest{method: "PUT", path: "/" + fx.bucket + "?cors",
		header: http.Header{"Content-Md5": {md5Base64([]byte(corsDoc))}}, body: []byte(corsDoc)})
	s.must(t, spec.objectWriter, 200, rawRequest{method: "PUT", path: "/" + fx.bucket + "/obj",
		header: http.Header{"X-Amz-Acl": {spec.objectACL}}, body: []byte(objectBody)})
	var up struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal(s.must(t, spec.initiator, 200, rawRequest{method: "POST", path: "/" + fx.bucket + "/mp?uploads"}), &up); err != nil || up.UploadID == "" {
		t.Fatalf("setup: CreateMultipartUpload: %v", err)
	}
	fx.uploadID = up.UploadID
	res, body := s.as(t, spec.initiator, rawRequest{method: "PUT", path: fx.uploadPath() + "&partNumber=1", body: []byte(partBody)})
	if res.StatusCode != 200 {
		t.Fatalf("setup: UploadPart: %d %s", res.StatusCode, body)
	}
	fx.partETag = res.Header.Get("Etag")
	return fx
}

// sharedFixture returns the one fixture of spec that rows which change nothing share.
func (e *env) sharedFixture(t testing.TB, spec fixtureSpec) *fixture {
	e.mu.Lock()
	sf := e.fixture[spec]
	if sf == nil {
		sf = &sharedFixture{}
		e.fixture[spec] = sf
	}
	e.mu.Unlock()
	sf.once.Do(func() { sf.fx = e.newFixture(t, spec) })
	if sf.fx == nil {
		t.Fatal("shared fixture failed to build")
	}
	return sf.fx
}

func (fx *fixture) uploadPath() string { return "/" + fx.bucket + "/mp?uploadId=" + fx.uploadID }

// snapshot is the state of a fixture's bucket as its owner sees it: the listing (keys, ETags,
// sizes, dates), the object's content and ACL, the bucket's ACL and CORS configuration, the
// uploads and the parts of "mp". Error answers count by status and code only (their bodies
// carry request ids).
func (e *env) snapshot(t testing.TB, fx *fixture) []string {
	t.Helper()
	var out []string
	for _, path := range []string{"?list-type=2", "/obj", "/obj?acl", "?acl", "?cors", "?uploads", "/mp?uploadId=" + fx.uploadID} {
		res, body := e.srv.as(t, bucketOwner, rawRequest{method: "GET", path: "/" + fx.bucket + path})
		state := string(body)
		if res.StatusCode != 200 {
			state = parseError(t, body).Code
		}
		out = append(out, fmt.Sprintf("%s: %d %s", path, res.StatusCode, state))
	}
	return out
}

// op is one operation of the matrix, run as a caller against a fixture.
type op struct {
	name string
	need need
	ok   int // the status of success
	// mutates: success changes the fixture's bucket (the snapshot), so the row gets a fresh
	// fixture, and a refusal must leave the snapshot as it was.
	mutates bool
	// objectRows: the row is repeated for every object ACL and object writer; uploadRows:
	// for an upload started by another account too.
	objectRows bool
	uploadRows bool
	// request builds the request; effect, when set, reports whether a success left its mark
	// outside the fixture's bucket.
	request func(e *env, fx *fixture, p principal) rawRequest
	effect  func(t testing.TB, e *env, fx *fixture, p principal) bool
}

// changedACL is a canned ACL other than acl, for the ACL changes of the matrix.
func changedACL(acl string) string {
	if acl == aclPublicRead {
		return aclPrivate
	}
	return aclPublicRead
}

func get(path string) func(*env, *fixture, principal) rawRequest {
	return func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "GET", path: "/" + fx.bucket + path}
	}
}

var matrixOps = []op{
	{name: "ListObjects", need: needBucketRead, ok: 200, request: get("")},
	{name: "ListObjectsV2", need: needBucketRead, ok: 200, request: get("?list-type=2")},
	{name: "ListObjectVersions", need: needBucketRead, ok: 200, request: get("?versions")},
	{name: "ListMultipartUploads", need: needBucketRead, ok: 200, uploadRows: true, request: get("?uploads")},
	{name: "HeadBucket", need: needBucketRead, ok: 200, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "HEAD", path: "/" + fx.bucket}
	}},
	{name: "GetBucketLocation", need: needBucketOwner, ok: 200, request: get("?location")},
	{name: "GetBucketVersioning", need: needBucketOwner, ok: 200, request: get("?versioning")},
	{name: "GetBucketCors", need: needBucketOwner, ok: 200, request: get("?cors")},
	{name: "PutBucketCors", need: needBucketOwner, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "PUT", path: "/" + fx.bucket + "?cors", header: http.Header{"Content-Md5": {md5Base64([]byte(corsDoc2))}}, body: []byte(corsDoc2)}
	}},
	{name: "DeleteBucketCors", need: needBucketOwner, ok: 204, mutates: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "DELETE", path: "/" + fx.bucket + "?cors"}
	}},
	{name: "GetBucketAcl", need: needBucketOwner, ok: 200, request: get("?acl")},
	{name: "PutBucketAcl", need: needBucketOwner, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "PUT", path: "/" + fx.bucket + "?acl", header: http.Header{"X-Amz-Acl": {changedACL(fx.bucketACL)}}}
	}},
	// Deleting a bucket that is not empty would fail whoever asks; the row empties it first
	// (as the bucket's owner), so that the snapshot of a refusal still shows a bucket.
	{name: "DeleteBucket", need: needBucketOwner, ok: 204, mutates: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "DELETE", path: "/" + fx.bucket}
	}},
	{name: "PutObject", need: needBucketWrite, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "PUT", path: "/" + fx.bucket + "/new", body: []byte("new object")}
	}},
	{name: "PutObject-overwrite", need: needBucketWrite, ok: 200, mutates: true, objectRows: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "PUT", path: "/" + fx.bucket + "/obj", body: []byte("overwritten")}
	}},
	{name: "GetObject", need: needObjectRead, ok: 200, objectRows: true, request: get("/obj")},
	{name: "HeadObject", need: needObjectRead, ok: 200, objectRows: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "HEAD", path: "/" + fx.bucket + "/obj"}
	}},
	{name: "DeleteObject", need: needBucketWrite, ok: 204, mutates: true, objectRows: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "DELETE", path: "/" + fx.bucket + "/obj"}
	}},
	// [UNVERIFIED] A caller without WRITE on the bucket gets 403 AccessDenied for the whole
	// DeleteObjects request, as for DeleteObject. AWS's documentation does not say what a
	// caller without any ACL grant gets; an IAM user without s3:DeleteObject gets a 200
	// DeleteResult listing AccessDenied per key (github.com/andrewrk/node-s3-client issue
	// 235). Either way nothing may be deleted, which the snapshot checks.
	{name: "DeleteObjects", need: needBucketWrite, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		doc := []byte("<Delete><Object><Key>obj</Key></Object></Delete>")
		return rawRequest{method: "POST", path: "/" + fx.bucket + "?delete", header: http.Header{"Content-Md5": {md5Base64(doc)}}, body: doc}
	}},
	{name: "CopyObject-destination", need: needBucketWrite, ok: 200, mutates: true, request: func(e *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "PUT", path: "/" + fx.bucket + "/copy", header: http.Header{"X-Amz-Copy-Source": {e.source}}}
	}},
	{name: "CopyObject-source", need: needObjectRead, ok: 200, objectRows: true, request: func(e *env, fx *fixture, p principal) rawRequest {
		return rawRequest{method: "PUT", path: "/" + e.sinks[p] + "/" + fx.bucket, header: http.Header{"X-Amz-Copy-Source": {fx.bucket + "/obj"}}}
	}, effect: func(t testing.TB, e *env, fx *fixture, p principal) bool {
		// The sink's owner looks: the copy is there, with the object's bytes, or nothing is.
		sinkOwner := map[principal]principal{bucketOwner: bucketOwner, otherUser: otherUser, anonymous: thirdUser}[p]
		res, body := e.srv.as(t, sinkOwner, rawRequest{method: "GET", path: "/" + e.sinks[p] + "/" + fx.bucket})
		return res.StatusCode == 200 && string(body) == objectBody
	}},
	{name: "GetObjectAcl", need: needObjectOwner, ok: 200, objectRows: true, request: get("/obj?acl")},
	{name: "PutObjectAcl", need: needObjectOwner, ok: 200, mutates: true, objectRows: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "PUT", path: "/" + fx.bucket + "/obj?acl", header: http.Header{"X-Amz-Acl": {changedACL(fx.objectACL)}}}
	}},
	{name: "CreateMultipartUpload", need: needBucketWrite, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "POST", path: "/" + fx.bucket + "/mp2?uploads"}
	}},
	{name: "UploadPart", need: needInitiator, ok: 200, mutates: true, uploadRows: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "PUT", path: fx.uploadPath() + "&partNumber=2", body: []byte("part two")}
	}},
	{name: "UploadPartCopy", need: needInitiator, ok: 200, mutates: true, uploadRows: true, request: func(e *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "PUT", path: fx.uploadPath() + "&partNumber=2", header: http.Header{"X-Amz-Copy-Source": {e.source}}}
	}},
	{name: "CompleteMultipartUpload", need: needInitiator, ok: 200, mutates: true, uploadRows: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		doc := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + fx.partETag + "</ETag></Part></CompleteMultipartUpload>"
		return rawRequest{method: "POST", path: fx.uploadPath(), body: []byte(doc)}
	}},
	{name: "AbortMultipartUpload", need: needInitiatorOrBucketOwner, ok: 204, mutates: true, uploadRows: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "DELETE", path: fx.uploadPath()}
	}},
	{name: "ListParts", need: needInitiatorOrBucketOwner, ok: 200, uploadRows: true, request: func(_ *env, fx *fixture, _ principal) rawRequest {
		return rawRequest{method: "GET", path: fx.uploadPath()}
	}},
}

// postObject is POST Object: a browser form, signed by the caller's keys or anonymous.
func (e *env) postObject(t testing.TB, fx *fixture, p principal) (*http.Response, []byte) {
	fields := map[string]string{}
	if p.ak != "" {
		fields = signedPostForm(t, p.ak, p.sk, fx.bucket, "", 1024, time.Now().Add(time.Hour))
	}
	return postForm(t, e.srv.URL+"/"+fx.bucket, fields, "posted", "image/png", []byte("posted"))
}

// TestCrossAccountMatrix runs every operation doorman implements as the bucket's owner,
// another account and an anonymous caller, against buckets of each canned ACL holding an
// object of each canned ACL, written by the owner or (in a public-read-write bucket) by the
// other account, and a multipart upload started by either. Each answer must be AWS's: the
// operation's success, or 403 AccessDenied and nothing changed.
//
// Where AWS's rule (the writer owns an object) and doorman's (the bucket's owner owns every
// object; doorman records no object owner) decide differently, the row is left out: the rights
// of an object written by another account on its own object, and the bucket owner's on it.
func TestCrossAccountMatrix(t *testing.T) {
	t.Parallel()
	e := &env{srv: startServer(t, "", "--credentials", usersFile(t)), sinks: map[principal]string{}, fixture: map[fixtureSpec]*sharedFixture{}}
	s := e.srv
	s.must(t, thirdUser, 200, rawRequest{method: "PUT", path: "/xacct-source", header: http.Header{"X-Amz-Acl": {aclPublicRead}}})
	s.must(t, thirdUser, 200, rawRequest{method: "PUT", path: "/xacct-source/src", header: http.Header{"X-Amz-Acl": {aclPublicRead}}, body: []byte("source")})
	e.source = "xacct-source/src"
	for p, sink := range map[principal]struct {
		owner principal
		acl   string
	}{bucketOwner: {bucketOwner, aclPrivate}, otherUser: {otherUser, aclPrivate}, anonymous: {thirdUser, aclPublicReadWrite}} {
		e.sinks[p] = "xacct-sink-" + p.name
		s.must(t, sink.owner, 200, rawRequest{method: "PUT", path: "/" + e.sinks[p], header: http.Header{"X-Amz-Acl": {sink.acl}}})
	}

	type row struct {
		op   op
		spec fixtureSpec
		p    principal
	}
	var rows []row
	ops := append(matrixOps[:len(matrixOps):len(matrixOps)], op{name: "PostObject", need: needBucketWrite, mutates: true})
	for _, o := range ops {
		for _, bacl := range bucketACLs {
			specs := []fixtureSpec{{bacl, aclPrivate, bucketOwner, bucketOwner}}
			if o.objectRows {
				specs = specs[:0]
				writers := []principal{bucketOwner}
				if bacl == aclPublicReadWrite {
					writers = append(writers, otherUser)
				}
				for _, w := range writers {
					for _, oacl := range objectACLs {
						specs = append(specs, fixtureSpec{bacl, oacl, w, bucketOwner})
					}
				}
			}
			if o.uploadRows && bacl == aclPublicReadWrite {
				specs = append(specs, fixtureSpec{bacl, aclPrivate, bucketOwner, otherUser})
			}
			for _, spec := range specs {
				for _, p := range callers {
					fx := &fixture{fixtureSpec: spec}
					if allowed(o.need, fx, p, writerOwns) != allowed(o.need, fx, p, bucketOwnerOwns) {
						continue
					}
					rows = append(rows, row{o, spec, p})
				}
			}
		}
	}

	for _, r := range rows {
		name := fmt.Sprintf("%s/bucket=%s/object=%s/writer=%s/initiator=%s/caller=%s", r.op.name,
			r.spec.bucketACL, r.spec.objectACL, r.spec.objectWriter.name, r.spec.initiator.name, r.p.name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var fx *fixture
			if r.op.mutates {
				fx = e.newFixture(t, r.spec)
			} else {
				fx = e.sharedFixture(t, r.spec)
			}
			if r.op.name == "DeleteBucket" {
				s.must(t, bucketOwner, 204, rawRequest{method: "DELETE", path: "/" + fx.bucket + "/obj"})
				s.must(t, bucketOwner, 204, rawRequest{method: "DELETE", path: fx.uploadPath()})
			}
			before := e.snapshot(t, fx)
			var res *http.Response
			var body []byte
			ok := r.op.ok
			if r.op.name == "PostObject" {
				res, body = e.postObject(t, fx, r.p)
				ok = 201 // the signed form asks for 201
				if r.p.ak == "" {
					ok = 204 // an anonymous form asks for nothing: S3's default
				}
			} else {
				res, body = s.as(t, r.p, r.op.request(e, fx, r.p))
			}
			want := allowed(r.op.need, fx, r.p, bucketOwnerOwns)
			after := e.snapshot(t, fx)
			changed := strings.Join(before, "\n") != strings.Join(after, "\n")
			if want {
				if res.StatusCode != ok {
					t.Fatalf("status %d, want %d\n%s", res.StatusCode, ok, body)
				}
				if r.op.mutates && !changed {
					t.Errorf("success changed nothing:\n%s", strings.Join(after, "\n"))
				}
				if r.op.effect != nil && !r.op.effect(t, e, fx, r.p) {
					t.Errorf("success left no trace")
				}
				return
			}
			if res.StatusCode != 403 {
				t.Fatalf("status %d, want 403 AccessDenied\n%s", res.StatusCode, body)
			}
			if r.op.name != "HeadBucket" && r.op.name != "HeadObject" { // HEAD answers carry no body
				wantS3Error(t, "refusal", res, body, 403, "AccessDenied", "Access Denied")
			}
			if changed {
				t.Errorf("a refused request changed the bucket:\nbefore\n%s\nafter\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
			}
			if r.op.effect != nil && r.op.effect(t, e, fx, r.p) {
				t.Errorf("a refused request left its mark")
			}
		})
	}
}

// ACL changes take effect at once for every caller, both ways, and survive a restart.
func TestCrossAccountACLChanges(t *testing.T) {
	t.Parallel()
	data, file := t.TempDir(), usersFile(t)
	srv := startServer(t, data, "--credentials", file)
	srv.must(t, bucketOwner, 200, rawRequest{method: "PUT", path: "/acl-changes"})
	srv.must(t, bucketOwner, 200, rawRequest{method: "PUT", path: "/acl-changes/obj", body: []byte(objectBody)})
	check := func(step string, p principal, path string, want int) {
		t.Helper()
		if res, body := srv.as(t, p, rawRequest{method: "GET", path: path}); res.StatusCode != want {
			t.Errorf("%s: GET %s as %s: %d, want %d\n%s", step, path, p.name, res.StatusCode, want, body)
		}
	}
	check("private", otherUser, "/acl-changes", 403)
	check("private", anonymous, "/acl-changes/obj", 403)
	srv.must(t, bucketOwner, 200, rawRequest{method: "PUT", path: "/acl-changes?acl", header: http.Header{"X-Amz-Acl": {aclAuthenticatedRead}}})
	srv.must(t, bucketOwner, 200, rawRequest{method: "PUT", path: "/acl-changes/obj?acl", header: http.Header{"X-Amz-Acl": {aclPublicRead}}})
	check("opened", otherUser, "/acl-changes", 200)
	check("opened", anonymous, "/acl-changes", 403)
	check("opened", anonymous, "/acl-changes/obj", 200)
	srv.stop()
	srv = startServer(t, data, "--credentials", file)
	check("opened, after a restart", otherUser, "/acl-changes", 200)
	check("opened, after a restart", anonymous, "/acl-changes/obj", 200)
	srv.must(t, bucketOwner, 200, rawRequest{method: "PUT", path: "/acl-changes?acl", header: http.Header{"X-Amz-Acl": {aclPrivate}}})
	srv.must(t, bucketOwner, 200, rawRequest{method: "PUT", path: "/acl-changes/obj?acl", header: http.Header{"X-Amz-Acl": {aclPrivate}}})
	check("closed again", otherUser, "/acl-changes", 403)
	check("closed again", anonymous, "/acl-changes/obj", 403)
}
