package s3test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

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
// as AWS's canned-ACL table lists it. ownsBucket tells whether p owns the bucket of
// the object the ACL is on (for the bucket-owner-* ACLs).
func cannedGrants(acl string, p Account, perm permission, ownsBucket bool) bool {
	switch acl {
	case aclPublicReadWrite:
		return true // AllUsers READ and WRITE (WRITE means nothing on an object)
	case aclPublicRead:
		return perm == permRead // AllUsers READ
	case aclAuthenticatedRead:
		return perm == permRead && !p.IsAnonymous() // AuthenticatedUsers READ
	case aclBucketOwnerRead:
		return perm == permRead && ownsBucket
	case aclBucketOwnerFullControl:
		return ownsBucket
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

// fixtureSpec describes the state a row starts from: a bucket owned by Owner with a CORS
// configuration, the object "obj" written by objectWriter, and the multipart upload "mp" with
// one part started by initiator. Another account writes and initiates only where the bucket is
// public-read-write, the only canned ACL that lets it.
type fixtureSpec struct {
	bucketACL, objectACL    string
	objectWriter, initiator Account
}

type fixture struct {
	fixtureSpec
	bucket, uploadID, partETag string
}

// ownership says who owns an object: AWS's ObjectWriter rule (the account that wrote it) or
// doorman's, which records no object owner: every object belongs to its bucket's owner, as
// under AWS's bucket-owner-enforced ownership, but with canned ACLs still in force.
type ownership func(fx *fixture) Account

var (
	writerOwns ownership = func(fx *fixture) Account { return fx.objectWriter }
	ownerOwns  ownership = func(*fixture) Account { return Owner }
)

// allowed decides whether p may do what n requires on fx when objects belong to whom own says.
func allowed(n need, fx *fixture, p Account, own ownership) bool {
	isBucketOwner := p == Owner
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

// callers are the callers of every row: the owner of the buckets under test, another
// account and an anonymous caller. Third owns only the buckets that copies made by anonymous
// callers land in.
var callers = []Account{Owner, Other, Anonymous}

// env is what every row shares: the server, a public object to copy from and, for each caller,
// a bucket its copies land in.
type env struct {
	c       *Client
	source  string // "bucket/key" of an object anyone may read
	sinks   map[Account]string
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
	e.c.CreateACLBucket(t, Owner, fx.bucket, spec.bucketACL)
	e.must(t, Owner, 200, Request{Method: "PUT", Path: "/" + fx.bucket + "?cors",
		Header: http.Header{"Content-Md5": {MD5Base64([]byte(corsDoc))}}, Body: []byte(corsDoc)})
	e.must(t, spec.objectWriter, 200, Request{Method: "PUT", Path: "/" + fx.bucket + "/obj",
		Header: http.Header{"X-Amz-Acl": {spec.objectACL}}, Body: []byte(objectBody)})
	var up struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal(e.must(t, spec.initiator, 200, Request{Method: "POST", Path: "/" + fx.bucket + "/mp?uploads"}), &up); err != nil || up.UploadID == "" {
		t.Fatalf("setup: CreateMultipartUpload: %v", err)
	}
	fx.uploadID = up.UploadID
	res, body := e.as(t, spec.initiator, Request{Method: "PUT", Path: fx.uploadPath() + "&partNumber=1", Body: []byte(partBody)})
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

// as sends r as p.
func (e *env) as(t testing.TB, p Account, r Request) (*http.Response, []byte) {
	t.Helper()
	r.As = p
	return e.c.Do(t, r)
}

// must sends r as p and fails the test unless the answer has the status want.
func (e *env) must(t testing.TB, p Account, want int, r Request) []byte {
	t.Helper()
	r.As = p
	return e.c.Must(t, want, r)
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
		res, body := e.as(t, Owner, Request{Method: "GET", Path: "/" + fx.bucket + path})
		state := string(body)
		if res.StatusCode != 200 {
			state = ParseError(t, body).Code
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
	request func(e *env, fx *fixture, p Account) Request
	effect  func(t testing.TB, e *env, fx *fixture, p Account) bool
}

// changedACL is a canned ACL other than acl, for the ACL changes of the matrix.
func changedACL(acl string) string {
	if acl == aclPublicRead {
		return aclPrivate
	}
	return aclPublicRead
}

func get(path string) func(*env, *fixture, Account) Request {
	return func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "GET", Path: "/" + fx.bucket + path}
	}
}

var matrixOps = []op{
	{name: "ListObjects", need: needBucketRead, ok: 200, request: get("")},
	{name: "ListObjectsV2", need: needBucketRead, ok: 200, request: get("?list-type=2")},
	{name: "ListObjectVersions", need: needBucketRead, ok: 200, request: get("?versions")},
	{name: "ListMultipartUploads", need: needBucketRead, ok: 200, uploadRows: true, request: get("?uploads")},
	{name: "HeadBucket", need: needBucketRead, ok: 200, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "HEAD", Path: "/" + fx.bucket}
	}},
	{name: "GetBucketLocation", need: needBucketOwner, ok: 200, request: get("?location")},
	{name: "GetBucketVersioning", need: needBucketOwner, ok: 200, request: get("?versioning")},
	{name: "GetBucketCors", need: needBucketOwner, ok: 200, request: get("?cors")},
	{name: "PutBucketCors", need: needBucketOwner, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "PUT", Path: "/" + fx.bucket + "?cors", Header: http.Header{"Content-Md5": {MD5Base64([]byte(corsDoc2))}}, Body: []byte(corsDoc2)}
	}},
	{name: "DeleteBucketCors", need: needBucketOwner, ok: 204, mutates: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "DELETE", Path: "/" + fx.bucket + "?cors"}
	}},
	{name: "GetBucketAcl", need: needBucketOwner, ok: 200, request: get("?acl")},
	{name: "PutBucketAcl", need: needBucketOwner, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "PUT", Path: "/" + fx.bucket + "?acl", Header: http.Header{"X-Amz-Acl": {changedACL(fx.bucketACL)}}}
	}},
	// Deleting a bucket that is not empty would fail whoever asks; the row empties it first
	// (as the bucket's owner), so that the snapshot of a refusal still shows a bucket.
	{name: "DeleteBucket", need: needBucketOwner, ok: 204, mutates: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "DELETE", Path: "/" + fx.bucket}
	}},
	{name: "PutObject", need: needBucketWrite, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "PUT", Path: "/" + fx.bucket + "/new", Body: []byte("new object")}
	}},
	{name: "PutObject-overwrite", need: needBucketWrite, ok: 200, mutates: true, objectRows: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "PUT", Path: "/" + fx.bucket + "/obj", Body: []byte("overwritten")}
	}},
	{name: "GetObject", need: needObjectRead, ok: 200, objectRows: true, request: get("/obj")},
	{name: "HeadObject", need: needObjectRead, ok: 200, objectRows: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "HEAD", Path: "/" + fx.bucket + "/obj"}
	}},
	{name: "DeleteObject", need: needBucketWrite, ok: 204, mutates: true, objectRows: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "DELETE", Path: "/" + fx.bucket + "/obj"}
	}},
	// [UNVERIFIED] A caller without WRITE on the bucket gets 403 AccessDenied for the whole
	// DeleteObjects request, as for DeleteObject. AWS's documentation does not say what a
	// caller without any ACL grant gets; an IAM user without s3:DeleteObject gets a 200
	// DeleteResult listing AccessDenied per key (github.com/andrewrk/node-s3-client issue
	// 235). Either way nothing may be deleted, which the snapshot checks.
	{name: "DeleteObjects", need: needBucketWrite, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ Account) Request {
		doc := []byte("<Delete><Object><Key>obj</Key></Object></Delete>")
		return Request{Method: "POST", Path: "/" + fx.bucket + "?delete", Header: http.Header{"Content-Md5": {MD5Base64(doc)}}, Body: doc}
	}},
	{name: "CopyObject-destination", need: needBucketWrite, ok: 200, mutates: true, request: func(e *env, fx *fixture, _ Account) Request {
		return Request{Method: "PUT", Path: "/" + fx.bucket + "/copy", Header: http.Header{"X-Amz-Copy-Source": {e.source}}}
	}},
	{name: "CopyObject-source", need: needObjectRead, ok: 200, objectRows: true, request: func(e *env, fx *fixture, p Account) Request {
		return Request{Method: "PUT", Path: "/" + e.sinks[p] + "/" + fx.bucket, Header: http.Header{"X-Amz-Copy-Source": {fx.bucket + "/obj"}}}
	}, effect: func(t testing.TB, e *env, fx *fixture, p Account) bool {
		// The sink's owner looks: the copy is there, with the object's bytes, or nothing is.
		sinkOwner := map[Account]Account{Owner: Owner, Other: Other, Anonymous: Third}[p]
		res, body := e.as(t, sinkOwner, Request{Method: "GET", Path: "/" + e.sinks[p] + "/" + fx.bucket})
		return res.StatusCode == 200 && string(body) == objectBody
	}},
	{name: "GetObjectAcl", need: needObjectOwner, ok: 200, objectRows: true, request: get("/obj?acl")},
	{name: "PutObjectAcl", need: needObjectOwner, ok: 200, mutates: true, objectRows: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "PUT", Path: "/" + fx.bucket + "/obj?acl", Header: http.Header{"X-Amz-Acl": {changedACL(fx.objectACL)}}}
	}},
	{name: "CreateMultipartUpload", need: needBucketWrite, ok: 200, mutates: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "POST", Path: "/" + fx.bucket + "/mp2?uploads"}
	}},
	{name: "UploadPart", need: needInitiator, ok: 200, mutates: true, uploadRows: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "PUT", Path: fx.uploadPath() + "&partNumber=2", Body: []byte("part two")}
	}},
	{name: "UploadPartCopy", need: needInitiator, ok: 200, mutates: true, uploadRows: true, request: func(e *env, fx *fixture, _ Account) Request {
		return Request{Method: "PUT", Path: fx.uploadPath() + "&partNumber=2", Header: http.Header{"X-Amz-Copy-Source": {e.source}}}
	}},
	{name: "CompleteMultipartUpload", need: needInitiator, ok: 200, mutates: true, uploadRows: true, request: func(_ *env, fx *fixture, _ Account) Request {
		doc := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + fx.partETag + "</ETag></Part></CompleteMultipartUpload>"
		return Request{Method: "POST", Path: fx.uploadPath(), Body: []byte(doc)}
	}},
	{name: "AbortMultipartUpload", need: needInitiatorOrBucketOwner, ok: 204, mutates: true, uploadRows: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "DELETE", Path: fx.uploadPath()}
	}},
	{name: "ListParts", need: needInitiatorOrBucketOwner, ok: 200, uploadRows: true, request: func(_ *env, fx *fixture, _ Account) Request {
		return Request{Method: "GET", Path: fx.uploadPath()}
	}},
}

// postObject is POST Object: a browser form, signed by the caller's keys or anonymous.
func (e *env) postObject(t testing.TB, fx *fixture, p Account) (*http.Response, []byte) {
	fields := map[string]string{}
	if !p.IsAnonymous() {
		fields = PostPolicy(t, p, fx.bucket, "", 1024, time.Now().Add(time.Hour))
	}
	return e.c.PostForm(t, "/"+fx.bucket, fields, "posted", "image/png", []byte("posted"))
}

// ACLMatrix runs every operation doorman implements as the bucket's owner,
// another account and an anonymous caller, against buckets of each canned ACL holding an
// object of each canned ACL, written by the owner or (in a public-read-write bucket) by the
// other account, and a multipart upload started by either. Each answer must be AWS's: the
// operation's success, or 403 AccessDenied and nothing changed.
//
// Where AWS's rule (the writer owns an object) and doorman's (the bucket's owner owns every
// object; doorman records no object owner) decide differently, the row is left out: the rights
// of an object written by another account on its own object, and the bucket owner's on it.
//
// c is a client of a server whose users are Owner, Other and Third, and where no bucket's name
// starts with "xacct-". Each row is a parallel subtest of t named after the operation, the
// bucket's and the object's ACLs, the object's writer, the upload's initiator and the caller.
func ACLMatrix(t *testing.T, c *Client) {
	e := &env{c: c, sinks: map[Account]string{}, fixture: map[fixtureSpec]*sharedFixture{}}
	e.c.CreateACLBucket(t, Third, "xacct-source", aclPublicRead)
	e.must(t, Third, 200, Request{Method: "PUT", Path: "/xacct-source/src", Header: http.Header{"X-Amz-Acl": {aclPublicRead}}, Body: []byte("source")})
	e.source = "xacct-source/src"
	for p, sink := range map[Account]struct {
		owner Account
		acl   string
	}{Owner: {Owner, aclPrivate}, Other: {Other, aclPrivate}, Anonymous: {Third, aclPublicReadWrite}} {
		e.sinks[p] = "xacct-sink-" + p.Name
		e.c.CreateACLBucket(t, sink.owner, e.sinks[p], sink.acl)
	}

	type row struct {
		op   op
		spec fixtureSpec
		p    Account
	}
	var rows []row
	ops := append(matrixOps[:len(matrixOps):len(matrixOps)], op{name: "PostObject", need: needBucketWrite, mutates: true})
	for _, o := range ops {
		for _, bacl := range bucketACLs {
			specs := []fixtureSpec{{bacl, aclPrivate, Owner, Owner}}
			if o.objectRows {
				specs = specs[:0]
				writers := []Account{Owner}
				if bacl == aclPublicReadWrite {
					writers = append(writers, Other)
				}
				for _, w := range writers {
					for _, oacl := range objectACLs {
						specs = append(specs, fixtureSpec{bacl, oacl, w, Owner})
					}
				}
			}
			if o.uploadRows && bacl == aclPublicReadWrite {
				specs = append(specs, fixtureSpec{bacl, aclPrivate, Owner, Other})
			}
			for _, spec := range specs {
				for _, p := range callers {
					fx := &fixture{fixtureSpec: spec}
					if allowed(o.need, fx, p, writerOwns) != allowed(o.need, fx, p, ownerOwns) {
						continue
					}
					rows = append(rows, row{o, spec, p})
				}
			}
		}
	}

	for _, r := range rows {
		name := fmt.Sprintf("%s/bucket=%s/object=%s/writer=%s/initiator=%s/caller=%s", r.op.name,
			r.spec.bucketACL, r.spec.objectACL, r.spec.objectWriter.Name, r.spec.initiator.Name, r.p.Name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var fx *fixture
			if r.op.mutates {
				fx = e.newFixture(t, r.spec)
			} else {
				fx = e.sharedFixture(t, r.spec)
			}
			if r.op.name == "DeleteBucket" {
				e.must(t, Owner, 204, Request{Method: "DELETE", Path: "/" + fx.bucket + "/obj"})
				e.must(t, Owner, 204, Request{Method: "DELETE", Path: fx.uploadPath()})
			}
			before := e.snapshot(t, fx)
			var res *http.Response
			var body []byte
			ok := r.op.ok
			if r.op.name == "PostObject" {
				res, body = e.postObject(t, fx, r.p)
				ok = 201 // the signed form asks for 201
				if r.p.IsAnonymous() {
					ok = 204 // an anonymous form asks for nothing: S3's default
				}
			} else {
				res, body = e.as(t, r.p, r.op.request(e, fx, r.p))
			}
			want := allowed(r.op.need, fx, r.p, ownerOwns)
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
				WantError(t, "refusal", res, body, 403, "AccessDenied", "Access Denied")
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
