package storagetest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// TestEncryption checks server-side encryption (storage/encryption.go): objects written with
// each kind read back whole and in ranges, through single writes, multipart uploads and
// copies between kinds; reads report the encryption (ObjectInfo.Encryption, in listings too);
// an SSE-C object's ETag is not its MD5; the customer key's rules on every read and part
// upload; and the settings refused.
func TestEncryption(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"RoundTrip", testEncryptionRoundTrip},
		{"Empty", testEncryptedEmpty},
		{"Ranges", testEncryptedRanges},
		{"Multipart", testEncryptedMultipart},
		{"MultipartFullObjectChecksum", testEncryptedFullObjectChecksum},
		{"Copy", testEncryptedCopy},
		{"CustomerKeyRules", testCustomerKeyRules},
		{"UploadPartCustomerKey", testUploadPartCustomerKey},
		{"Invalid", testInvalidEncryption},
	})
}

// Two SSE-C keys: the object's, and another.
var (
	customerKey      = bytes.Repeat([]byte{0xc1}, storage.CustomerKeySize)
	otherCustomerKey = bytes.Repeat([]byte{0xc2}, storage.CustomerKeySize)
)

// encryptedBodySize is the size of the bodies written encrypted: several times 64 KiB, the
// size of a sealed chunk of a backend that seals in chunks (as storage/disk does), and not a
// multiple of it, so that reads cross chunk boundaries and end inside a chunk.
const encryptedBodySize = 3*64<<10 + 1234

// encryptionKind is one way to write an object encrypted, and what reads should report.
type encryptionKind struct {
	name string
	enc  storage.Encryption
	// want is what reads report; a KMSKeyID of "*" stands for any ARN.
	want storage.ObjectEncryption
	// key is what every read needs: the SSE-C key.
	key []byte
	// md5ETag tells a kind whose ETag is its data's MD5: SSE-S3, as without encryption.
	md5ETag bool
}

// encryptionKinds are the kinds every backend supports. SSE-KMS names the backend's default
// key, which every backend with a key store has.
var encryptionKinds = []encryptionKind{
	{"SSE-S3", storage.Encryption{Algorithm: storage.SSEAES256}, storage.ObjectEncryption{Algorithm: storage.SSEAES256}, nil, true},
	{"SSE-S3 bucket key", storage.Encryption{Algorithm: storage.SSEAES256, BucketKeyEnabled: true},
		storage.ObjectEncryption{Algorithm: storage.SSEAES256, BucketKeyEnabled: true}, nil, true},
	{"SSE-KMS", storage.Encryption{Algorithm: storage.SSEKMS}, storage.ObjectEncryption{Algorithm: storage.SSEKMS, KMSKeyID: "*"}, nil, false},
	{"SSE-KMS context", storage.Encryption{Algorithm: storage.SSEKMS, KMSContext: "eyJhIjoiYiJ9", BucketKeyEnabled: true},
		storage.ObjectEncryption{Algorithm: storage.SSEKMS, KMSKeyID: "*", KMSContext: "eyJhIjoiYiJ9", BucketKeyEnabled: true}, nil, false},
	{"SSE-C", storage.Encryption{CustomerKey: customerKey}, storage.ObjectEncryption{Customer: true}, customerKey, false},
}

// checkEncryption fails the test unless got is what kind reports.
func checkEncryption(t *testing.T, op string, got storage.ObjectEncryption, kind encryptionKind) {
	t.Helper()
	want := kind.want
	if want.KMSKeyID == "*" && strings.HasPrefix(got.KMSKeyID, "arn:") {
		want.KMSKeyID = got.KMSKeyID
	}
	if got != want {
		t.Errorf("%s: encryption %+v, want %+v", op, got, want)
	}
}

// checkETag fails the test unless etag is one of an object of kind whose plain ETag is plain:
// that, for a kind whose ETag is the MD5; for another, an ETag of the same form that differs.
func checkETag(t *testing.T, op, etag, plain string, kind encryptionKind) {
	t.Helper()
	name, parts, _ := strings.Cut(etag, "-")
	plainName, plainParts, _ := strings.Cut(plain, "-")
	_, err := hex.DecodeString(name)
	switch {
	case kind.md5ETag && etag != plain:
		t.Errorf("%s: ETag %s, want %s", op, etag, plain)
	case !kind.md5ETag && (name == plainName || len(name) != 32 || err != nil || parts != plainParts):
		t.Errorf("%s: ETag %s is not an opaque ETag in the form of %s", op, etag, plain)
	}
}

// readAllWith reads an object whole with a customer key.
func readAllWith(t *testing.T, s storage.Backend, bucket, key string, customer []byte) ([]byte, storage.ObjectInfo) {
	t.Helper()
	r, info, err := s.GetObject(ctx, bucket, key, storage.ReadOptions{CustomerKey: customer})
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return b, info
}

// Each kind's object reads back as written, with its checksum, size and Content-MD5 those of
// the plaintext, its encryption in every read and listing, and an ETag that is the MD5 only
// for SSE-S3; an SSE-KMS object names its key's ARN, and a write naming that ARN uses it.
func testEncryptionRoundTrip(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	body := randomBytes(21, encryptedBodySize)
	sum := md5.Sum(body)
	for _, kind := range encryptionKinds {
		t.Run(kind.name, func(t *testing.T) {
			info, err := s.PutObject(ctx, "bkt", kind.name, bytes.NewReader(body), storage.PutObjectOptions{
				Size: int64(len(body)), ContentMD5: sum[:], Encryption: kind.enc,
				Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: b64(be32(crc32.ChecksumIEEE(body)))},
			})
			if err != nil {
				t.Fatal(err)
			}
			checkEncryption(t, "PutObject", info.Encryption, kind)
			checkETag(t, "PutObject", info.ETag, MD5Hex(body), kind)
			got, get := readAllWith(t, s, "bkt", kind.name, kind.key)
			if !bytes.Equal(got, body) {
				t.Fatalf("read %d bytes that differ from the %d written", len(got), len(body))
			}
			head, err := s.HeadObject(ctx, "bkt", kind.name, storage.ReadOptions{CustomerKey: kind.key})
			if err != nil {
				t.Fatal(err)
			}
			for op, i := range map[string]storage.ObjectInfo{"GetObject": get, "HeadObject": head} {
				checkEncryption(t, op, i.Encryption, kind)
				if i.ETag != info.ETag || i.Size != int64(len(body)) || i.Checksum.Value != b64(be32(crc32.ChecksumIEEE(body))) {
					t.Errorf("%s = %+v, want the ETag %s, size and checksum of the plaintext", op, i, info.ETag)
				}
			}
			if kind.want.KMSKeyID == "*" {
				// The ARN reported names the key: a write naming it uses the same.
				named := kind.enc
				named.KMSKeyID = info.Encryption.KMSKeyID
				again, err := s.PutObject(ctx, "bkt", kind.name+" by ARN", bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: named})
				if err != nil || again.Encryption != info.Encryption {
					t.Errorf("PutObject naming %s = %+v, %v", named.KMSKeyID, again.Encryption, err)
				}
			}
		})
	}
	// Listings need no key, and report each object's encryption.
	listed, err := s.ListObjects(ctx, "bkt", storage.ListObjectsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatal(err)
	}
	versions, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range encryptionKinds {
		for op, infos := range map[string][]storage.ObjectInfo{"ListObjects": listed.Objects, "ListObjectVersions": versions.Versions} {
			found := false
			for _, o := range infos {
				if o.Key == kind.name {
					found = true
					checkEncryption(t, op+" "+kind.name, o.Encryption, kind)
				}
			}
			if !found {
				t.Errorf("%s lists no %q", op, kind.name)
			}
		}
	}
	// An object written without encryption reports none.
	Put(t, s, "bkt", "plain", body)
	if head, err := s.HeadObject(ctx, "bkt", "plain", storage.ReadOptions{}); err != nil || head.Encryption.Encrypted() || head.ETag != MD5Hex(body) {
		t.Errorf("HeadObject(plain) = %+v, %v", head, err)
	}
}

// An empty object, written whole or as an upload of one empty part, reads back empty.
func testEncryptedEmpty(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	for _, kind := range encryptionKinds {
		t.Run(kind.name, func(t *testing.T) {
			info, err := s.PutObject(ctx, "bkt", "empty", bytes.NewReader(nil), storage.PutObjectOptions{Size: 0, Encryption: kind.enc})
			if err != nil {
				t.Fatal(err)
			}
			checkETag(t, "PutObject", info.ETag, MD5Hex(nil), kind)
			if body, got := readAllWith(t, s, "bkt", "empty", kind.key); len(body) != 0 || got.Size != 0 {
				t.Errorf("empty object reads %d bytes, size %d", len(body), got.Size)
			}
			up, err := s.CreateMultipartUpload(ctx, "bkt", "empty upload", storage.CreateMultipartUploadOptions{Encryption: kind.enc})
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.UploadPart(ctx, "bkt", "empty upload", up.UploadID, 1, bytes.NewReader(nil), storage.UploadPartOptions{CustomerKey: kind.key})
			if err != nil {
				t.Fatal(err)
			}
			done := []storage.CompletedPart{{PartNumber: 1, ETag: p.ETag}}
			if _, err := s.CompleteMultipartUpload(ctx, "bkt", "empty upload", up.UploadID, done, storage.CompleteMultipartUploadOptions{CustomerKey: kind.key}); err != nil {
				t.Fatal(err)
			}
			if body, got := readAllWith(t, s, "bkt", "empty upload", kind.key); len(body) != 0 || got.Size != 0 {
				t.Errorf("empty upload reads %d bytes, size %d", len(body), got.Size)
			}
		})
	}
}

// A reader of an encrypted object reads any range, at any offset, by ReadAt and by Seek and
// Read: within a chunk, across chunk boundaries, up to and past the end.
func testEncryptedRanges(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	body := randomBytes(22, encryptedBodySize)
	for _, kind := range encryptionKinds {
		t.Run(kind.name, func(t *testing.T) {
			if _, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: kind.enc}); err != nil {
				t.Fatal(err)
			}
			r, _, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{CustomerKey: kind.key})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			checkRanges(t, r, body)
		})
	}
}

// checkRanges reads ranges of r, whose data is body, by ReadAt and by Seek and Read, at
// offsets about 64 KiB boundaries and at the ends.
func checkRanges(t *testing.T, r storage.ObjectReader, body []byte) {
	t.Helper()
	size := int64(len(body))
	ranges := [][2]int64{{0, 1}, {0, 100}, {1, 64 << 10}, {64<<10 - 1, 2}, {64 << 10, 64 << 10}, {64<<10 - 5, 128<<10 + 10},
		{size - 1, 1}, {size - 100, 100}, {0, size}, {size/2 - 3, 7}}
	for _, rg := range ranges {
		off, n := rg[0], rg[1]
		p := make([]byte, n)
		if got, err := r.ReadAt(p, off); got != int(n) || err != nil && err != io.EOF || !bytes.Equal(p, body[off:off+n]) {
			t.Errorf("ReadAt(%d bytes, %d) = %d, %v (bytes equal: %v)", n, off, got, err, bytes.Equal(p[:got], body[off:off+int64(got)]))
		}
		if pos, err := r.Seek(off, io.SeekStart); pos != off || err != nil {
			t.Fatalf("Seek(%d) = %d, %v", off, pos, err)
		}
		p = make([]byte, n)
		if got, err := io.ReadFull(r, p); got != int(n) || err != nil || !bytes.Equal(p, body[off:off+n]) {
			t.Errorf("Read of %d bytes at %d = %d, %v", n, off, got, err)
		}
	}
	// Past the end: a short read and io.EOF.
	p := make([]byte, 10)
	if got, err := r.ReadAt(p, size-4); got != 4 || err != io.EOF || !bytes.Equal(p[:4], body[size-4:]) {
		t.Errorf("ReadAt past the end = %d, %v", got, err)
	}
	if pos, err := r.Seek(-3, io.SeekEnd); pos != size-3 || err != nil {
		t.Fatalf("Seek(-3, end) = %d, %v", pos, err)
	}
	if rest, err := io.ReadAll(r); err != nil || !bytes.Equal(rest, body[size-3:]) {
		t.Errorf("reading the last bytes = %q, %v", rest, err)
	}
}

// uploadEncrypted uploads parts to an upload of kind, the second part first with other bytes,
// and returns the parts to complete it with.
func uploadEncrypted(t *testing.T, s storage.Backend, key, id string, kind encryptionKind, parts [][]byte) []storage.CompletedPart {
	t.Helper()
	var done []storage.CompletedPart
	upload := func(n int, body []byte) storage.PartInfo {
		p, err := s.UploadPart(ctx, "bkt", key, id, n, bytes.NewReader(body), storage.UploadPartOptions{Size: int64(len(body)), CustomerKey: kind.key})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		return p
	}
	upload(2, randomBytes(99, len(parts[1])))
	for i, body := range parts {
		p := upload(i+1, body)
		if p.Size != int64(len(body)) {
			t.Errorf("part %d: size %d, want %d", i+1, p.Size, len(body))
		}
		if kind.md5ETag && p.ETag != MD5Hex(body) {
			t.Errorf("part %d: ETag %s, want %s", i+1, p.ETag, MD5Hex(body))
		}
		done = append(done, storage.CompletedPart{PartNumber: i + 1, ETag: p.ETag, Checksum: p.Checksum})
	}
	return done
}

// An encrypted upload's parts, one uploaded twice, assemble into an object that reads back
// whole and in ranges across the parts' bounds, with its encryption in the upload's info, its
// listing and the object's; the ETag is AWS's multipart one for SSE-S3 only.
func testEncryptedMultipart(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	parts := [][]byte{randomBytes(23, storage.MinPartSize), randomBytes(24, storage.MinPartSize+5), []byte("the end")}
	whole := bytes.Join(parts, nil)
	for _, kind := range encryptionKinds {
		t.Run(kind.name, func(t *testing.T) {
			up, err := s.CreateMultipartUpload(ctx, "bkt", kind.name, storage.CreateMultipartUploadOptions{Encryption: kind.enc, ChecksumAlgorithm: storage.ChecksumSHA256})
			if err != nil {
				t.Fatal(err)
			}
			checkEncryption(t, "CreateMultipartUpload", up.Encryption, kind)
			done := uploadEncrypted(t, s, kind.name, up.UploadID, kind, parts)
			listed, err := s.ListParts(ctx, "bkt", kind.name, up.UploadID, storage.ListPartsOptions{MaxParts: 10})
			if err != nil || len(listed.Parts) != len(parts) {
				t.Fatalf("ListParts = %+v, %v", listed, err)
			}
			checkEncryption(t, "ListParts", listed.Upload.Encryption, kind)
			uploads, err := s.ListMultipartUploads(ctx, "bkt", storage.ListUploadsOptions{Prefix: kind.name, MaxUploads: 10})
			if err != nil || len(uploads.Uploads) != 1 {
				t.Fatalf("ListMultipartUploads = %+v, %v", uploads, err)
			}
			checkEncryption(t, "ListMultipartUploads", uploads.Uploads[0].Encryption, kind)

			info, err := s.CompleteMultipartUpload(ctx, "bkt", kind.name, up.UploadID, done, storage.CompleteMultipartUploadOptions{CustomerKey: kind.key})
			if err != nil {
				t.Fatal(err)
			}
			checkEncryption(t, "CompleteMultipartUpload", info.Encryption, kind)
			checkETag(t, "CompleteMultipartUpload", info.ETag, awsMultipartETag(parts...), kind)
			body, get := readAllWith(t, s, "bkt", kind.name, kind.key)
			if !bytes.Equal(body, whole) {
				t.Fatalf("assembled object differs from the parts (%d bytes, want %d)", len(body), len(whole))
			}
			checkEncryption(t, "GetObject", get.Encryption, kind)
			if get.Size != int64(len(whole)) || get.PartsCount != len(parts) || get.ETag != info.ETag {
				t.Errorf("GetObject = %+v", get)
			}
			r, _, err := s.GetObject(ctx, "bkt", kind.name, storage.ReadOptions{CustomerKey: kind.key})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			checkRanges(t, r, whole)
			// Across the parts' bounds.
			for _, off := range []int64{int64(len(parts[0])) - 3, int64(len(parts[0]) + len(parts[1]) - 2)} {
				p := make([]byte, 6)
				if n, err := r.ReadAt(p, off); n != 6 || err != nil && err != io.EOF || !bytes.Equal(p, whole[off:off+6]) {
					t.Errorf("ReadAt(6, %d) across a part's end = %d, %v", off, n, err)
				}
			}
			// A part read alone.
			if !implements(s, AreaObjectParts) {
				return
			}
			pr, pinfo, err := s.GetObject(ctx, "bkt", kind.name, storage.ReadOptions{CustomerKey: kind.key, PartNumber: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			p := make([]byte, pinfo.Part.Size)
			if _, err := pr.ReadAt(p, pinfo.Part.Offset); err != nil && err != io.EOF || !bytes.Equal(p, parts[1]) {
				t.Errorf("part 2 read at %d differs: %v", pinfo.Part.Offset, err)
			}
		})
	}
}

// A FULL_OBJECT checksum of an encrypted upload is the plaintext's; an SSE-C upload needs its
// key to compute it, and the right one.
func testEncryptedFullObjectChecksum(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	parts := [][]byte{randomBytes(25, storage.MinPartSize), randomBytes(26, 1000)}
	want := storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: b64(be32(crc32.ChecksumIEEE(bytes.Join(parts, nil)))), Type: storage.ChecksumFullObject}
	for _, kind := range encryptionKinds {
		t.Run(kind.name, func(t *testing.T) {
			up, err := s.CreateMultipartUpload(ctx, "bkt", kind.name, storage.CreateMultipartUploadOptions{
				Encryption: kind.enc, ChecksumAlgorithm: storage.ChecksumCRC32, ChecksumType: storage.ChecksumFullObject,
			})
			if err != nil {
				t.Fatal(err)
			}
			done := uploadEncrypted(t, s, kind.name, up.UploadID, kind, parts)
			if kind.key != nil {
				_, err := s.CompleteMultipartUpload(ctx, "bkt", kind.name, up.UploadID, done, storage.CompleteMultipartUploadOptions{})
				wantErr(t, "CompleteMultipartUpload without the key", err, storage.ErrCustomerKeyRequired)
				_, err = s.CompleteMultipartUpload(ctx, "bkt", kind.name, up.UploadID, done, storage.CompleteMultipartUploadOptions{CustomerKey: otherCustomerKey})
				wantErr(t, "CompleteMultipartUpload with another key", err, storage.ErrCustomerKeyMismatch)
			}
			info, err := s.CompleteMultipartUpload(ctx, "bkt", kind.name, up.UploadID, done, storage.CompleteMultipartUploadOptions{CustomerKey: kind.key, Checksum: want})
			if err != nil || info.Checksum != want {
				t.Fatalf("CompleteMultipartUpload = %+v, %v; want checksum %+v", info.Checksum, err, want)
			}
			if body, _ := readAllWith(t, s, "bkt", kind.name, kind.key); !bytes.Equal(body, bytes.Join(parts, nil)) {
				t.Error("assembled object differs from the parts")
			}
		})
	}
	// An SSE-C upload of a COMPOSITE checksum completes without its key, which every read
	// still needs.
	up, err := s.CreateMultipartUpload(ctx, "bkt", "composite", storage.CreateMultipartUploadOptions{Encryption: storage.Encryption{CustomerKey: customerKey}, ChecksumAlgorithm: storage.ChecksumSHA256})
	if err != nil {
		t.Fatal(err)
	}
	sseC := encryptionKinds[len(encryptionKinds)-1]
	done := uploadEncrypted(t, s, "composite", up.UploadID, sseC, parts)
	if _, err := s.CompleteMultipartUpload(ctx, "bkt", "composite", up.UploadID, done, storage.CompleteMultipartUploadOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.GetObject(ctx, "bkt", "composite", storage.ReadOptions{CustomerKey: otherCustomerKey})
	wantErr(t, "GetObject with another key", err, storage.ErrCustomerKeyMismatch)
	if body, _ := readAllWith(t, s, "bkt", "composite", customerKey); !bytes.Equal(body, bytes.Join(parts, nil)) {
		t.Error("object completed without its key differs from the parts")
	}
}

// A copy is sealed as its own options say, whatever the source's: every kind copies into
// every kind and into none, the source read with its key.
func testEncryptedCopy(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	body := randomBytes(27, encryptedBodySize)
	kinds := append([]encryptionKind{{name: "none", md5ETag: true}}, encryptionKinds...)
	kinds[len(kinds)-1].enc.CustomerKey = otherCustomerKey // copies into SSE-C under another key
	kinds[len(kinds)-1].key = otherCustomerKey
	for _, from := range encryptionKinds {
		if _, err := s.PutObject(ctx, "bkt", "src "+from.name, bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: from.enc}); err != nil {
			t.Fatal(err)
		}
		for _, to := range kinds {
			t.Run(from.name+" to "+to.name, func(t *testing.T) {
				dst := "copy of " + from.name + " to " + to.name
				info, err := s.CopyObject(ctx, "bkt", "src "+from.name, "bkt", dst, storage.CopyObjectOptions{SourceCustomerKey: from.key, Encryption: to.enc})
				if err != nil {
					t.Fatal(err)
				}
				checkEncryption(t, "CopyObject", info.Encryption, to)
				checkETag(t, "CopyObject", info.ETag, MD5Hex(body), to)
				got, head := readAllWith(t, s, "bkt", dst, to.key)
				if !bytes.Equal(got, body) {
					t.Fatal("the copy differs from the source")
				}
				checkEncryption(t, "GetObject", head.Encryption, to)
			})
		}
	}
}

// The customer key's rules, on every read of an object: an SSE-C object needs its key, and
// no other; any other object refuses a key; a HeadObject for metadata only checks none.
func testCustomerKeyRules(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	body := []byte("secret")
	for key, enc := range map[string]storage.Encryption{
		"plain": {}, "SSE-S3": {Algorithm: storage.SSEAES256}, "SSE-C": {CustomerKey: customerKey},
	} {
		if _, err := s.PutObject(ctx, "bkt", key, bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: enc}); err != nil {
			t.Fatal(err)
		}
	}
	reads := map[string]func(key string, customer []byte) error{
		"GetObject": func(key string, customer []byte) error {
			r, _, err := s.GetObject(ctx, "bkt", key, storage.ReadOptions{CustomerKey: customer})
			if err == nil {
				r.Close()
			}
			return err
		},
		"HeadObject": func(key string, customer []byte) error {
			_, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{CustomerKey: customer})
			return err
		},
		"ListObjectParts": func(key string, customer []byte) error {
			_, err := s.ListObjectParts(ctx, "bkt", key, storage.ListObjectPartsOptions{CustomerKey: customer, MaxParts: 10})
			return err
		},
		"CopyObject source": func(key string, customer []byte) error {
			_, err := s.CopyObject(ctx, "bkt", key, "bkt", "copy", storage.CopyObjectOptions{SourceCustomerKey: customer})
			return err
		},
	}
	if !implements(s, AreaObjectParts) {
		delete(reads, "ListObjectParts")
	}
	tests := []struct {
		key      string
		customer []byte
		want     error
	}{
		{"SSE-C", customerKey, nil},
		{"SSE-C", nil, storage.ErrCustomerKeyRequired},
		{"SSE-C", otherCustomerKey, storage.ErrCustomerKeyMismatch},
		{"SSE-C", customerKey[:16], storage.ErrCustomerKeyMismatch},
		{"SSE-S3", nil, nil},
		{"SSE-S3", customerKey, storage.ErrCustomerKeyNotApplicable},
		{"plain", nil, nil},
		{"plain", customerKey, storage.ErrCustomerKeyNotApplicable},
	}
	for op, read := range reads {
		for _, tt := range tests {
			err := read(tt.key, tt.customer)
			wantErr(t, op+" of "+tt.key+" with key "+hex.EncodeToString(tt.customer), err, tt.want)
		}
	}
	// What S3 tells of any version without its key (ReadOptions.MetadataOnly) needs none, and
	// ignores one.
	for _, tt := range tests {
		info, err := s.HeadObject(ctx, "bkt", tt.key, storage.ReadOptions{CustomerKey: tt.customer, MetadataOnly: true})
		if err != nil || info.Size != int64(len(body)) || info.Encryption.Customer != (tt.key == "SSE-C") {
			t.Errorf("HeadObject(MetadataOnly) of %s with key %x = %+v, %v", tt.key, tt.customer, info, err)
		}
	}
}

// A part of an SSE-C upload needs the upload's key, and a part of any other upload refuses
// one; a part refused leaves the upload as it was.
func testUploadPartCustomerKey(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	uploads := map[string]storage.Encryption{"plain": {}, "SSE-S3": {Algorithm: storage.SSEAES256}, "SSE-C": {CustomerKey: customerKey}}
	ids := map[string]string{}
	for key, enc := range uploads {
		ids[key] = createUpload(t, s, "bkt", key, storage.CreateMultipartUploadOptions{Encryption: enc})
	}
	tests := []struct {
		key      string
		customer []byte
		want     error
	}{
		{"SSE-C", nil, storage.ErrCustomerKeyRequired},
		{"SSE-C", otherCustomerKey, storage.ErrCustomerKeyMismatch},
		{"SSE-S3", customerKey, storage.ErrCustomerKeyNotApplicable},
		{"plain", customerKey, storage.ErrCustomerKeyNotApplicable},
		{"SSE-C", customerKey, nil},
		{"SSE-S3", nil, nil},
	}
	for _, tt := range tests {
		_, err := s.UploadPart(ctx, "bkt", tt.key, ids[tt.key], 1, strings.NewReader("part"), storage.UploadPartOptions{Size: 4, CustomerKey: tt.customer})
		wantErr(t, "UploadPart to "+tt.key+" with key "+hex.EncodeToString(tt.customer), err, tt.want)
		listed, err := s.ListParts(ctx, "bkt", tt.key, ids[tt.key], storage.ListPartsOptions{MaxParts: 10})
		if err != nil || (len(listed.Parts) == 1) != (tt.want == nil) {
			t.Errorf("after UploadPart to %s with key %x: parts %+v, %v", tt.key, tt.customer, listed.Parts, err)
		}
	}
}

// Settings Validate refuses, and an unknown KMS key, fail every write before anything is
// stored.
func testInvalidEncryption(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	Put(t, s, "bkt", "src", []byte("source"))
	tests := []struct {
		name string
		enc  storage.Encryption
		want error
	}{
		{"short customer key", storage.Encryption{CustomerKey: customerKey[:16]}, storage.ErrInvalidEncryption},
		{"customer key with an algorithm", storage.Encryption{CustomerKey: customerKey, Algorithm: storage.SSEAES256}, storage.ErrInvalidEncryption},
		{"unknown algorithm", storage.Encryption{Algorithm: "AES128"}, storage.ErrInvalidEncryption},
		{"KMS key without SSE-KMS", storage.Encryption{Algorithm: storage.SSEAES256, KMSKeyID: "alias/k"}, storage.ErrInvalidEncryption},
		{"KMS context without SSE-KMS", storage.Encryption{KMSContext: "e30="}, storage.ErrInvalidEncryption},
		{"bucket key alone", storage.Encryption{BucketKeyEnabled: true}, storage.ErrInvalidEncryption},
		{"unknown KMS alias", storage.Encryption{Algorithm: storage.SSEKMS, KMSKeyID: "alias/no-such-key"}, storage.ErrUnknownKMSKey},
		{"unknown KMS key id", storage.Encryption{Algorithm: storage.SSEKMS, KMSKeyID: "0b0c2b7e-5d5b-4c5e-9f7a-3c2f1e0d9a8b"}, storage.ErrUnknownKMSKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.PutObject(ctx, "bkt", "put", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Encryption: tt.enc})
			wantErr(t, "PutObject", err, tt.want)
			_, err = s.CopyObject(ctx, "bkt", "src", "bkt", "copy", storage.CopyObjectOptions{Encryption: tt.enc})
			wantErr(t, "CopyObject", err, tt.want)
			_, err = s.CreateMultipartUpload(ctx, "bkt", "upload", storage.CreateMultipartUploadOptions{Encryption: tt.enc})
			wantErr(t, "CreateMultipartUpload", err, tt.want)
		})
	}
	if keys, _ := listAll(t, s, "bkt", storage.ListObjectsOptions{MaxKeys: storage.MaxListKeys}); len(keys) != 1 {
		t.Errorf("keys after refused writes: %q", keys)
	}
	if res, err := s.ListMultipartUploads(ctx, "bkt", storage.ListUploadsOptions{MaxUploads: 10}); err != nil || len(res.Uploads) != 0 {
		t.Errorf("uploads after refused creations: %+v, %v", res.Uploads, err)
	}
}
