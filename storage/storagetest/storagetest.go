// Package storagetest checks that a [storage.Backend] behaves as the protocol layer relies on:
// the conventions and sentinel errors of package storage, observed through the interface
// alone. The embedded backend (storage/disk) runs it in its own tests; any other backend runs
// it the same way:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Backend {
//			b := mybackend.New(...)
//			t.Cleanup(func() { b.Close() })
//			return b
//		})
//	}
//
// Run runs every check as a subtest; the Test functions run one area each. A backend that
// leaves areas out (an upstream store that cannot keep object ACLs, or do Object Lock) runs
// RunWith instead, naming them; the suite then checks that it refuses each such area's
// calls with storage.ErrNotImplemented rather than half-doing them, and runs everything else:
//
//	storagetest.RunWith(t, newBackend, storagetest.Options{
//		NotImplemented: []string{storagetest.AreaObjectLock, storagetest.AreaObjectACL},
//	})
//
// The Area constants say what each area covers and which calls must be refused. Every subtest gets
// a backend of its own, so a check never depends on what another left behind. What a backend
// does beyond the interface (files on a disk, crash recovery) is for its own tests.
//
// The expectations follow Amazon S3, as the package storage documentation gives them: keys
// are stored byte for byte and listed in UTF-8 binary order
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ListingKeysUsingAPIs.html), a
// multipart ETag is the MD5 of the parts' MD5s followed by "-N"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html), and
// concurrent writers to one key leave one writer's whole object
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel).
package storagetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// NewBackend returns a new, empty backend for one test, and closes it when the test ends
// (with t.Cleanup).
type NewBackend func(t *testing.T) storage.Backend

// Run runs every check of the package against backends made by newBackend, which implements
// every area.
func Run(t *testing.T, newBackend NewBackend) {
	RunWith(t, newBackend, Options{})
}

// Options tell RunWith what the backend does not do.
type Options struct {
	// NotImplemented names the areas (AreaObjectLock, ...) the backend refuses with
	// storage.ErrNotImplemented (AreaReaderIsolation, AreaDistinctRevisions, AreaWriteTime:
	// as they say). The checks of such an area, and the parts of other checks that use its
	// feature, are not run; instead the area's refusal is checked (see the Area constants).
	NotImplemented []string
	// Region, when set, is the one LocationConstraint the backend accepts at CreateBucket,
	// as a regional S3 endpoint accepts only its own
	// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html): TestBuckets
	// then creates its bucket with a region in this one, and checks that another is refused
	// with the error S3 answers, a *storage.ServiceError IllegalLocationConstraintException
	// (status 400), creating nothing. Empty: the backend keeps whatever region it is given.
	Region string
}

// The areas a backend may leave out (Options.NotImplemented), each with the calls RunWith
// then checks it refuses with storage.ErrNotImplemented, storing nothing.
const (
	// AreaObjectLock: Object Lock (TestObjectLock). Refused: CreateBucket with
	// ObjectLockEnabled, PutBucketObjectLock, and a PutObject with a retention or a legal hold.
	AreaObjectLock = "ObjectLock"
	// AreaEncryption: server-side encryption with a KMS key or a customer's key
	// (TestEncryption). Refused: a PutObject with SSE-KMS, and one with SSE-C.
	AreaEncryption = "Encryption"
	// AreaObjectParts: the part bounds of objects (TestObjectParts, and the part read and
	// ListObjectParts of TestEncryption). Refused: ListObjectParts.
	AreaObjectParts = "ObjectParts"
	// AreaDeleteRevision: the delete conditions checked atomically with the delete
	// (TestDeleteRevision). Refused: DeleteObject with IfRevision, with IfTags, with
	// IfNoncurrent and with IfOnlyVersion.
	AreaDeleteRevision = "DeleteRevision"
	// AreaObjectACL: objects' own ACLs and owners. A backend without it keeps no object ACL
	// and records no object owner: its objects belong to their bucket's owner, and read with
	// ACL and Owner "" (Initiator and Upload too). Then no check sets an object ACL on a
	// write or reads one, an object's Owner or Initiator back: the ACL a write sets and PutObjectACL keeps
	// (TestObjects' PutACL and PutACLIfUnchanged, TestBucketIdentity's ObjectACL), an
	// upload's ACL given to its object (TestMultipart's Upload), the owner and initiator of a
	// completed upload's object (TestMultipart's Owners), and the rows of TestVersions and
	// TestTags that put an ACL. Refused: PutObjectACL.
	AreaObjectACL = "ObjectACL"
	// AreaReaderIsolation: an open GetObject reader of an object that is replaced or deleted
	// while it is read goes on returning the data it opened (TestObjects' Reader). A backend
	// over another store, whose reads elsewhere in the object are new requests to that store,
	// may instead fail them, as storage.Backend.GetObject allows. Unlike the other areas', its
	// refusal is no ErrNotImplemented: RunWith checks that a read of a replaced object, after
	// the replacement, fails with storage.ErrPreconditionFailed (with that or
	// storage.ErrNoSuchKey once it is deleted) and never returns the bytes of the write that
	// replaced it.
	AreaReaderIsolation = "ReaderIsolation"
	// AreaDistinctRevisions: every write of a key gives it a Revision of its own, even a
	// write of the same bytes within the same second (storage.ObjectInfo.Revision), so that
	// IfUnchanged tells it from the write read (TestTags' PutObjectTagsIfUnchanged rows that
	// write the same bytes again at once). A backend over another store, whose revision is
	// what that store reports (ETag, version id, Last-Modified to the second), cannot tell
	// such an unversioned write apart. Its refusal is no ErrNotImplemented: RunWith checks
	// that the limit is no wider, that IfUnchanged fails (ErrPreconditionFailed) once the
	// unversioned object was written again with other bytes, or with the same bytes in a
	// later second.
	AreaDistinctRevisions = "DistinctRevisions"
	// AreaWriteTime: PutObject reports the LastModified, and so the Revision, that reads of
	// the object it wrote report (TestObjects' Put). A backend over another store that
	// answers a write without its time (S3's PutObject answer has no Last-Modified) reports
	// when the store answered instead: past the object's own Last-Modified (taken while the
	// store wrote) by up to the write's duration, which may cross a second. Its refusal is no
	// ErrNotImplemented: RunWith checks that the limit is no wider, that PutObject's
	// LastModified is never before the object's nor after PutObject returned, and that all
	// else it reports but the Revision is what reads report.
	AreaWriteTime = "WriteTime"
)

// areas are the areas a backend may leave out.
var areas = []string{AreaObjectLock, AreaEncryption, AreaObjectParts, AreaDeleteRevision, AreaObjectACL, AreaReaderIsolation,
	AreaDistinctRevisions, AreaWriteTime}

// RunWith runs every check of the package against backends made by newBackend, but for the
// areas opts declares not implemented, whose refusals it checks instead.
func RunWith(t *testing.T, newBackend NewBackend, opts Options) {
	missing := map[string]bool{}
	for _, a := range opts.NotImplemented {
		if !slices.Contains(areas, a) {
			t.Fatalf("storagetest: no area %q may be declared not implemented; the areas are %v", a, areas)
		}
		missing[a] = true
	}
	if len(missing) > 0 || opts.Region != "" {
		inner := newBackend
		newBackend = func(t *testing.T) storage.Backend {
			return &declared{Backend: inner(t), missing: missing, region: opts.Region}
		}
	}
	tests := []namedTest{
		{"Buckets", TestBuckets},
		{"BucketConfig", TestBucketConfig},
		{"Objects", TestObjects},
		{"CopyObject", TestCopyObject},
		{"Keys", TestKeys},
		{"ListObjects", TestListObjects},
		{"Multipart", TestMultipart},
		{"BucketIdentity", TestBucketIdentity},
		{"ConcurrentWriters", TestConcurrentWriters},
		{"Tags", TestTags},
		{"Versions", TestVersions},
		{AreaObjectLock, TestObjectLock},
		{AreaObjectParts, TestObjectParts},
		{AreaDeleteRevision, TestDeleteRevision},
		{AreaEncryption, TestEncryption},
	}
	for i, tt := range tests {
		if missing[tt.name] {
			tests[i].test = refusals[tt.name]
		}
	}
	for _, a := range []string{AreaObjectACL, AreaReaderIsolation, AreaDistinctRevisions, AreaWriteTime} {
		if missing[a] {
			tests = append(tests, namedTest{a, refusals[a]})
		}
	}
	subtests(t, newBackend, tests)
}

// declared is a backend RunWith was told leaves areas out, or accepts one region alone: the
// checks read it from the backend they are given (implements, regionOf).
type declared struct {
	storage.Backend
	missing map[string]bool
	region  string
}

// regionOf is the one region s accepts (Options.Region), "" when it accepts any.
func regionOf(s storage.Backend) string {
	if d, ok := s.(*declared); ok {
		return d.region
	}
	return ""
}

// otherRegion is a region other than region.
func otherRegion(region string) string {
	if region == "eu-west-1" {
		return "us-west-2"
	}
	return "eu-west-1"
}

// needs returns test, to run only against a backend that implements area (a check of
// another area that cannot be made without it).
func needs(area string, test func(*testing.T, NewBackend)) func(*testing.T, NewBackend) {
	return func(t *testing.T, newBackend NewBackend) {
		skipWithout(t, newBackend(t), area)
		test(t, newBackend)
	}
}

// skipWithout skips the rest of the test when s does not implement area.
func skipWithout(t *testing.T, s storage.Backend, area string) {
	t.Helper()
	if !implements(s, area) {
		t.Skipf("the backend does not implement %s (its refusal is checked under %s)", area, area)
	}
}

// implements reports whether s implements area: every backend does, but one RunWith was told
// does not.
func implements(s storage.Backend, area string) bool {
	d, ok := s.(*declared)
	return !ok || !d.missing[area]
}

// subtests runs each test as a subtest of its name, in the order given.
func subtests(t *testing.T, newBackend NewBackend, tests []namedTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newBackend) })
	}
}

type namedTest struct {
	name string
	test func(*testing.T, NewBackend)
}

var ctx = context.Background()

// withBucket returns a new backend holding one bucket named "bkt".
func withBucket(t *testing.T, newBackend NewBackend) storage.Backend {
	t.Helper()
	s := newBackend(t)
	if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return s
}

// Put stores body under bucket/key, failing the test if it cannot.
func Put(t testing.TB, s storage.Backend, bucket, key string, body []byte) storage.ObjectInfo {
	t.Helper()
	info, err := s.PutObject(ctx, bucket, key, bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body))})
	if err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
	return info
}

// readBack is the version a write reported, as a read of it reports it (which the write's
// answer may not be to the second: AreaWriteTime).
func readBack(t testing.TB, s storage.Backend, written storage.ObjectInfo) storage.ObjectInfo {
	t.Helper()
	opts := storage.ReadOptions{VersionID: written.VersionID}
	if opts.VersionID == storage.NullVersion {
		opts.VersionID = ""
	}
	read, err := s.HeadObject(ctx, written.Bucket, written.Key, opts)
	if err != nil {
		t.Fatalf("read back %q version %q: %v", written.Key, written.VersionID, err)
	}
	return read
}

// Get reads the object bucket/key whole, failing the test if it cannot.
func Get(t testing.TB, s storage.Backend, bucket, key string) ([]byte, storage.ObjectInfo) {
	t.Helper()
	r, info, err := s.GetObject(ctx, bucket, key, storage.ReadOptions{})
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b, info
}

// MD5Hex is the hex MD5 of b: the ETag of an object stored in one piece.
func MD5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// maxListPages bounds the pages listAll follows: more than any listing of these tests needs,
// so that a backend whose markers do not advance fails instead of looping.
const maxListPages = 10000

// listAll pages through ListObjects and returns every key and common prefix.
func listAll(t *testing.T, s storage.Backend, bucket string, opts storage.ListObjectsOptions) (keys, prefixes []string) {
	t.Helper()
	for page := 0; ; page++ {
		res, err := s.ListObjects(ctx, bucket, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Objects {
			keys = append(keys, o.Key)
		}
		prefixes = append(prefixes, res.CommonPrefixes...)
		if !res.IsTruncated {
			return keys, prefixes
		}
		if res.NextMarker == "" || page > maxListPages {
			t.Fatalf("truncated page without progress: %+v", res)
		}
		opts.StartAfter = res.NextMarker
	}
}

// awsMultipartETag computes a multipart ETag as AWS documents it, from the parts' bytes.
func awsMultipartETag(parts ...[]byte) string {
	var concat []byte
	for _, p := range parts {
		sum := md5.Sum(p)
		concat = append(concat, sum[:]...)
	}
	sum := md5.Sum(concat)
	return fmt.Sprintf("%s-%d", hex.EncodeToString(sum[:]), len(parts))
}

// randomBytes returns n bytes that depend only on seed.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func uploadPart(t *testing.T, s storage.Backend, bucket, key, id string, n int, body []byte) storage.PartInfo {
	t.Helper()
	p, err := s.UploadPart(ctx, bucket, key, id, n, bytes.NewReader(body), storage.UploadPartOptions{Size: int64(len(body))})
	if err != nil {
		t.Fatalf("UploadPart %d: %v", n, err)
	}
	return p
}

func createUpload(t *testing.T, s storage.Backend, bucket, key string, opts storage.CreateMultipartUploadOptions) string {
	t.Helper()
	up, err := s.CreateMultipartUpload(ctx, bucket, key, opts)
	if err != nil {
		t.Fatal(err)
	}
	return up.UploadID
}
