package storagetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// TestObjects checks writing, reading and deleting objects: bodies of known and unknown size,
// metadata, ACLs and storage classes, Content-MD5 and the additional checksums (declared,
// computed or trailing), write conditions, limits, and readers that outlive the object.
func TestObjects(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"Put", testPutObject},
		{"PutMissingBucket", testPutObjectMissingBucket},
		{"PutCanceled", testPutObjectCanceled},
		{"ConditionalPut", testConditionalPut},
		{"Reader", testGetObjectReader},
		{"GetHeadMissing", testGetHeadMissing},
		{"Delete", testDeleteObject},
		{"PutACL", needs(AreaObjectACL, testPutObjectACL)},
		{"PutACLIfUnchanged", needs(AreaObjectACL, testPutObjectACLIfUnchanged)},
	})
}

// PutObject stores the body and what the options set, or, on any error, nothing.
func testPutObject(t *testing.T, newBackend NewBackend) {
	check := []byte("123456789") // the standard CRC check input
	sha1sum, sha256sum := sha1.Sum(check), sha256.Sum256(check)
	md5sum := md5.Sum(check)
	meta := storage.ObjectMetadata{
		ContentType: "text/plain; charset=utf-8", ContentEncoding: "gzip", ContentDisposition: `attachment; filename="a.txt"`,
		ContentLanguage: "en", CacheControl: "max-age=60", Expires: "Thu, 01 Dec 2094 16:00:00 GMT",
		User: map[string]string{"color": "blue", "empty": ""},
	}
	crc32Of := func(v uint32) storage.Checksum {
		return storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: b64(be32(v))}
	}
	goodTrailer := &trailerReader{r: bytes.NewReader(check), value: crc32Of(0xcbf43926)}
	badTrailer := &trailerReader{r: bytes.NewReader(check), value: crc32Of(0xcbf43927)}
	otherTrailer := &trailerReader{r: bytes.NewReader(check), value: storage.Checksum{Algorithm: storage.ChecksumSHA1, Value: b64(make([]byte, 20))}}
	crc32Alg := storage.Checksum{Algorithm: storage.ChecksumCRC32}
	tests := []struct {
		name     string
		key      string
		body     io.Reader
		opts     storage.PutObjectOptions
		want     []byte // stored body, when the put succeeds
		checksum string
		err      error
	}{
		{name: "known size", key: "a", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9}, want: check},
		{name: "unknown size", key: "a", body: iotest.OneByteReader(bytes.NewReader(check)), opts: storage.PutObjectOptions{Size: -1}, want: check},
		{name: "empty body", key: "empty", body: strings.NewReader(""), opts: storage.PutObjectOptions{Size: 0}, want: []byte{}},
		{name: "metadata", key: "meta", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: -1, Metadata: meta, ACL: "public-read", StorageClass: "GLACIER"}, want: check},
		{name: "content md5", key: "md5", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, ContentMD5: md5sum[:]}, want: check},
		{name: "crc32", key: "c1", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32}}, want: check, checksum: b64(be32(0xcbf43926))},
		{name: "crc32c verified", key: "c2", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32C, Value: b64(be32(0xe3069283))}}, want: check, checksum: b64(be32(0xe3069283))},
		{name: "crc64nvme", key: "c3", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC64NVME}}, want: check, checksum: b64(be64(0xae8b14860a799888))},
		{name: "sha1", key: "c4", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Checksum: storage.Checksum{Algorithm: storage.ChecksumSHA1}}, want: check, checksum: b64(sha1sum[:])},
		{name: "sha256", key: "c5", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Checksum: storage.Checksum{Algorithm: storage.ChecksumSHA256}}, want: check, checksum: b64(sha256sum[:])},

		{name: "bad content md5", key: "x", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, ContentMD5: make([]byte, 16)}, err: storage.ErrBadDigest},
		{name: "bad checksum", key: "x", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Checksum: storage.Checksum{Algorithm: storage.ChecksumSHA256, Value: b64(sha1sum[:])}}, err: storage.ErrBadDigest},
		{name: "unknown algorithm", key: "x", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Checksum: storage.Checksum{Algorithm: "MD4"}}, err: storage.ErrInvalidChecksum},
		{name: "value without algorithm", key: "x", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Checksum: storage.Checksum{Value: "AAAAAA=="}}, err: storage.ErrInvalidChecksum},
		{name: "short body", key: "x", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 10}, err: storage.ErrIncompleteBody},
		{name: "declared too large", key: "x", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: storage.MaxObjectSize + 1}, err: storage.ErrEntityTooLarge},
		{name: "error at the end of a body of the known size", key: "x", body: io.MultiReader(bytes.NewReader(check), iotest.ErrReader(errTest)), opts: storage.PutObjectOptions{Size: 9}, err: errTest},
		{name: "error at the end of an empty body", key: "x", body: iotest.ErrReader(errTest), opts: storage.PutObjectOptions{Size: 0}, err: errTest},
		{name: "body longer than its size", key: "x", body: bytes.NewReader(append(check, '0')), opts: storage.PutObjectOptions{Size: 9}, err: storage.ErrIncompleteBody},
		{name: "trailing checksum", key: "t1", body: goodTrailer, opts: storage.PutObjectOptions{Size: 9, Checksum: crc32Alg, TrailingChecksum: goodTrailer.checksum}, want: check, checksum: b64(be32(0xcbf43926))},
		{name: "bad trailing checksum", key: "x", body: badTrailer, opts: storage.PutObjectOptions{Size: 9, Checksum: crc32Alg, TrailingChecksum: badTrailer.checksum}, err: storage.ErrBadDigest},
		{name: "trailing checksum in another algorithm", key: "t2", body: otherTrailer, opts: storage.PutObjectOptions{Size: 9, Checksum: crc32Alg, TrailingChecksum: otherTrailer.checksum}, want: check, checksum: b64(be32(0xcbf43926))},
		{name: "reader error", key: "x", body: io.MultiReader(bytes.NewReader(check), iotest.ErrReader(errTest)), opts: storage.PutObjectOptions{Size: -1}, err: errTest},
		{name: "user metadata too large", key: "x", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Metadata: storage.ObjectMetadata{User: map[string]string{"k": strings.Repeat("v", storage.MaxUserMetadataSize)}}}, err: storage.ErrMetadataTooLarge},
		{name: "metadata too large", key: "x", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9, Metadata: storage.ObjectMetadata{CacheControl: strings.Repeat("c", storage.MaxMetadataSize+1)}}, err: storage.ErrMetadataTooLarge},
		{name: "key too long", key: strings.Repeat("k", storage.MaxKeyLength+1), body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9}, err: storage.ErrKeyTooLong},
		{name: "empty key", key: "", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9}, err: storage.ErrInvalidKey},
		{name: "invalid utf-8 key", key: "\xc3\x28", body: bytes.NewReader(check), opts: storage.PutObjectOptions{Size: 9}, err: storage.ErrInvalidKey},
	}
	s := withBucket(t, newBackend)
	acls := implements(s, AreaObjectACL)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !acls {
				tt.opts.ACL = ""
			}
			info, err := s.PutObject(ctx, "bkt", tt.key, tt.body, tt.opts)
			returned := time.Now()
			if !errors.Is(err, tt.err) {
				t.Fatalf("PutObject error = %v, want %v", err, tt.err)
			}
			if err != nil {
				if _, err := s.HeadObject(ctx, "bkt", tt.key, storage.ReadOptions{}); err == nil {
					t.Errorf("failed put left an object")
				}
				return
			}
			body, got := Get(t, s, "bkt", tt.key)
			if !bytes.Equal(body, tt.want) {
				t.Errorf("body = %q, want %q", body, tt.want)
			}
			if got.ETag != MD5Hex(tt.want) || got.Size != int64(len(tt.want)) || got.Key != tt.key || got.Bucket != "bkt" {
				t.Errorf("info = %+v, want ETag %s size %d", got, MD5Hex(tt.want), len(tt.want))
			}
			wantAsWritten(t, s, got, info, returned)
			if got.Checksum.Value != tt.checksum || tt.checksum != "" && got.Checksum.Type != storage.ChecksumFullObject {
				t.Errorf("checksum = %+v, want %s", got.Checksum, tt.checksum)
			}
			if tt.opts.Metadata.User != nil && !reflect.DeepEqual(got.Metadata, tt.opts.Metadata) {
				t.Errorf("metadata = %+v, want %+v", got.Metadata, tt.opts.Metadata)
			}
			wantACL, wantClass := tt.opts.ACL, tt.opts.StorageClass
			if wantACL == "" {
				wantACL = storage.DefaultACL
			}
			if wantClass == "" {
				wantClass = storage.DefaultStorageClass
			}
			if !acls {
				wantACL = "" // the bucket owner's: no ACL of its own
			}
			if got.ACL != wantACL || got.StorageClass != wantClass {
				t.Errorf("ACL, class = %q, %q; want %q, %q", got.ACL, got.StorageClass, wantACL, wantClass)
			}
		})
	}
}

var errTest = errors.New("reader failed")

// trailerReader is a body whose trailing checksum is known once it has been read to its end,
// as an aws-chunked trailer is.
type trailerReader struct {
	r     io.Reader
	value storage.Checksum
	ended bool
}

func (t *trailerReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.ended = t.ended || err == io.EOF
	return n, err
}

func (t *trailerReader) checksum() storage.Checksum {
	if !t.ended {
		return storage.Checksum{}
	}
	return t.value
}

func testPutObjectMissingBucket(t *testing.T, newBackend NewBackend) {
	s := newBackend(t)
	if _, err := s.PutObject(ctx, "nope", "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1}); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("PutObject to missing bucket = %v", err)
	}
}

// A write whose context is canceled stores nothing.
func testPutObjectCanceled(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.PutObject(cctx, "bkt", "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1}); err == nil {
		t.Fatal("PutObject with a canceled context succeeded")
	}
	if _, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("a canceled PutObject stored the object: %v", err)
	}
}

// If-None-Match and If-Match decide whether PutObject replaces an object.
func testConditionalPut(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	first := Put(t, s, "bkt", "k", []byte("one"))
	tests := []struct {
		name string
		key  string
		cond storage.WriteConditions
		want error
	}{
		{"if-none-match on existing", "k", storage.WriteConditions{IfNoneMatch: true}, storage.ErrPreconditionFailed},
		{"if-none-match on new", "new", storage.WriteConditions{IfNoneMatch: true}, nil},
		{"if-match wrong etag", "k", storage.WriteConditions{IfMatch: MD5Hex([]byte("zzz"))}, storage.ErrPreconditionFailed},
		{"if-match missing key", "absent", storage.WriteConditions{IfMatch: "*"}, storage.ErrPreconditionFailed},
		{"if-match quoted etag", "k", storage.WriteConditions{IfMatch: `"` + first.ETag + `"`}, nil},
		{"if-match star", "k", storage.WriteConditions{IfMatch: "*"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.name)
			_, err := s.PutObject(ctx, "bkt", tt.key, bytes.NewReader(body), storage.PutObjectOptions{Size: -1, Conditions: tt.cond})
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if err == nil {
				if got, _ := Get(t, s, "bkt", tt.key); !bytes.Equal(got, body) {
					t.Errorf("body = %q", got)
				}
			}
		})
	}
}

// GetObject's reader seeks and reads at offsets (what ranges are served from), and keeps the
// data it opened after the object is replaced and deleted.
func testGetObjectReader(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	body := []byte("0123456789abcdef")
	Put(t, s, "bkt", "k", body)
	r, info, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if info.Size != int64(len(body)) {
		t.Errorf("size = %d", info.Size)
	}
	buf := make([]byte, 4)
	if _, err := r.ReadAt(buf, 10); err != nil || string(buf) != "abcd" {
		t.Errorf("ReadAt = %q, %v", buf, err)
	}
	if pos, err := r.Seek(-3, io.SeekEnd); err != nil || pos != 13 {
		t.Errorf("Seek = %d, %v", pos, err)
	}
	if rest, _ := io.ReadAll(r); string(rest) != "def" {
		t.Errorf("read after seek = %q", rest)
	}
	// The open reader keeps its data when the object is replaced and then deleted (a backend
	// without AreaReaderIsolation fails such reads instead: refusesReaderIsolation).
	if !implements(s, AreaReaderIsolation) {
		return
	}
	Put(t, s, "bkt", "k", []byte("replaced"))
	if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if all, _ := io.ReadAll(r); !bytes.Equal(all, body) {
		t.Errorf("reader after overwrite = %q", all)
	}
}

func testGetHeadMissing(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	tests := []struct {
		bucket, key string
		want        error
	}{
		{"bkt", "absent", storage.ErrNoSuchKey},
		{"nope", "k", storage.ErrNoSuchBucket},
		{"bkt", "", storage.ErrInvalidKey},
	}
	for _, tt := range tests {
		if _, _, err := s.GetObject(ctx, tt.bucket, tt.key, storage.ReadOptions{}); !errors.Is(err, tt.want) {
			t.Errorf("GetObject(%s, %q) = %v, want %v", tt.bucket, tt.key, err, tt.want)
		}
		if _, err := s.HeadObject(ctx, tt.bucket, tt.key, storage.ReadOptions{}); !errors.Is(err, tt.want) {
			t.Errorf("HeadObject(%s, %q) = %v, want %v", tt.bucket, tt.key, err, tt.want)
		}
	}
}

// DeleteObject succeeds for a missing key, unless conditional; it removes only its key.
func testDeleteObject(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	Put(t, s, "bkt", "a", []byte("1"))
	Put(t, s, "bkt", "a/b", []byte("2"))
	Put(t, s, "bkt", "c", []byte("3"))
	tests := []struct {
		bucket, key, ifMatch string
		want                 error
	}{
		{"bkt", "a", "", nil},
		{"bkt", "a", "", nil}, // deleting a missing key is not an error
		{"bkt", "never", "", nil},
		{"nope", "a", "", storage.ErrNoSuchBucket},
		// Conditional deletes: a missing key is an error then.
		{"bkt", "c", `"` + MD5Hex([]byte("2")) + `"`, storage.ErrPreconditionFailed},
		{"bkt", "never", "*", storage.ErrNoSuchKey},
		{"bkt", "c", `"` + MD5Hex([]byte("3")) + `"`, nil},
		{"bkt", "c", "*", storage.ErrNoSuchKey},
	}
	for _, tt := range tests {
		if _, err := s.DeleteObject(ctx, tt.bucket, tt.key, storage.DeleteObjectOptions{IfMatch: tt.ifMatch}); !errors.Is(err, tt.want) {
			t.Errorf("DeleteObject(%s, %q, If-Match %s) = %v, want %v", tt.bucket, tt.key, tt.ifMatch, err, tt.want)
		}
	}
	if _, err := s.HeadObject(ctx, "bkt", "a", storage.ReadOptions{}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("deleted object still there: %v", err)
	}
	if body, _ := Get(t, s, "bkt", "a/b"); string(body) != "2" {
		t.Errorf("sibling object damaged: %q", body)
	}
}

func testPutObjectACL(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	Put(t, s, "bkt", "k", []byte("x"))
	if err := s.PutObjectACL(ctx, "bkt", "k", storage.PutObjectACLOptions{ACL: "authenticated-read"}); err != nil {
		t.Fatal(err)
	}
	if info, _ := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{}); info.ACL != "authenticated-read" || info.ETag != MD5Hex([]byte("x")) {
		t.Errorf("after PutObjectACL: %+v", info)
	}
	if err := s.PutObjectACL(ctx, "bkt", "absent", storage.PutObjectACLOptions{ACL: "private"}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("PutObjectACL on missing key = %v", err)
	}
}

// PutObjectACL with IfUnchanged replaces the ACL of the object read, and of no other: one
// written under the key since, or whose ACL changed since, fails with ErrPreconditionFailed and
// keeps its ACL.
func testPutObjectACLIfUnchanged(t *testing.T, newBackend NewBackend) {
	tests := []struct {
		name   string
		change func(s storage.Backend) // what happens to "k" after it was read
		err    error
	}{
		{"unchanged", func(storage.Backend) {}, nil},
		{"overwritten", func(s storage.Backend) { Put(t, s, "bkt", "k", []byte("v2")) }, storage.ErrPreconditionFailed},
		{"same bytes again", func(s storage.Backend) { Put(t, s, "bkt", "k", []byte("v1")) }, storage.ErrPreconditionFailed},
		{"another owner", func(s storage.Backend) {
			if _, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("v1"), storage.PutObjectOptions{Size: 2, Owner: "other"}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrPreconditionFailed},
		{"ACL changed", func(s storage.Backend) {
			if err := s.PutObjectACL(ctx, "bkt", "k", storage.PutObjectACLOptions{ACL: "public-read"}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrPreconditionFailed},
		{"deleted", func(s storage.Backend) {
			if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrNoSuchKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := withBucket(t, newBackend)
			Put(t, s, "bkt", "k", []byte("v1"))
			read, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tc.change(s)
			before, _ := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{})
			err = s.PutObjectACL(ctx, "bkt", "k", storage.PutObjectACLOptions{ACL: "authenticated-read", IfUnchanged: &read})
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("PutObjectACL = %v, want %v", err, tc.err)
			}
			after, _ := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{})
			if want := "authenticated-read"; tc.err != nil {
				if after.ACL != before.ACL {
					t.Errorf("ACL %q after a failed PutObjectACL, was %q", after.ACL, before.ACL)
				}
			} else if after.ACL != want {
				t.Errorf("ACL %q, want %q", after.ACL, want)
			}
		})
	}
}

// TestCopyObject checks server-side copies: metadata copied or replaced, storage class and
// checksum algorithm kept or changed, source and destination conditions.
func TestCopyObject(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	if _, err := s.CreateBucket(ctx, "other", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	srcMeta := storage.ObjectMetadata{ContentType: "image/png", User: map[string]string{"a": "1"}}
	body := []byte("copy me")
	src, err := s.PutObject(ctx, "bkt", "src", bytes.NewReader(body), storage.PutObjectOptions{
		Size: -1, Metadata: srcMeta, StorageClass: "STANDARD_IA", Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32},
	})
	if err != nil {
		t.Fatal(err)
	}
	newMeta := storage.ObjectMetadata{ContentType: "text/plain", User: map[string]string{"b": "2"}}
	tests := []struct {
		name       string
		srcBucket  string
		srcKey     string
		dstBucket  string
		dstKey     string
		opts       storage.CopyObjectOptions
		want       error
		wantMeta   storage.ObjectMetadata
		wantClass  string
		wantSumAlg storage.ChecksumAlgorithm
	}{
		{"same bucket", "bkt", "src", "bkt", "dst", storage.CopyObjectOptions{}, nil, srcMeta, "STANDARD_IA", storage.ChecksumCRC32},
		{"other bucket replace metadata", "bkt", "src", "other", "dst", storage.CopyObjectOptions{ReplaceMetadata: true, Metadata: newMeta, StorageClass: "GLACIER", ChecksumAlgorithm: storage.ChecksumSHA256}, nil, newMeta, "GLACIER", storage.ChecksumSHA256},
		{"source if-match", "bkt", "src", "bkt", "d2", storage.CopyObjectOptions{SourceIfMatch: `"` + src.ETag + `"`}, nil, srcMeta, "STANDARD_IA", storage.ChecksumCRC32},
		{"source if-match fails", "bkt", "src", "bkt", "d3", storage.CopyObjectOptions{SourceIfMatch: "0123"}, storage.ErrPreconditionFailed, srcMeta, "", ""},
		{"destination if-none-match fails", "bkt", "src", "bkt", "dst", storage.CopyObjectOptions{Conditions: storage.WriteConditions{IfNoneMatch: true}}, storage.ErrPreconditionFailed, srcMeta, "", ""},
		{"missing source", "bkt", "absent", "bkt", "d4", storage.CopyObjectOptions{}, storage.ErrNoSuchKey, srcMeta, "", ""},
		{"missing destination bucket", "bkt", "src", "nope", "d5", storage.CopyObjectOptions{}, storage.ErrNoSuchBucket, srcMeta, "", ""},
		{"metadata too large", "bkt", "src", "bkt", "d6", storage.CopyObjectOptions{ReplaceMetadata: true, Metadata: storage.ObjectMetadata{User: map[string]string{"x": strings.Repeat("y", 4096)}}}, storage.ErrMetadataTooLarge, srcMeta, "", ""},
		{"onto itself", "bkt", "src", "bkt", "src", storage.CopyObjectOptions{ReplaceMetadata: true, Metadata: newMeta}, nil, newMeta, "STANDARD_IA", storage.ChecksumCRC32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := s.CopyObject(ctx, tt.srcBucket, tt.srcKey, tt.dstBucket, tt.dstKey, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("CopyObject error = %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			got, head := Get(t, s, tt.dstBucket, tt.dstKey)
			if !bytes.Equal(got, body) || head.ETag != MD5Hex(body) || head.Size != int64(len(body)) {
				t.Errorf("copy = %q, %+v", got, head)
			}
			if !reflect.DeepEqual(head, info) {
				t.Errorf("HeadObject %+v differs from CopyObject's %+v", head, info)
			}
			if !reflect.DeepEqual(head.Metadata, tt.wantMeta) || head.StorageClass != tt.wantClass || head.Checksum.Algorithm != tt.wantSumAlg || head.Checksum.Value == "" {
				t.Errorf("copy info = %+v", head)
			}
		})
	}
}
