package storagetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// TestMultipart checks multipart uploads: parts uploaded, replaced and listed, completion with
// its ETag, checksums and errors (part order, part size, ETags, checksums), abort, and the
// listing of uploads.
func TestMultipart(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"Upload", testMultipartUpload},
		{"CompleteErrors", testCompleteMultipartUploadErrors},
		{"UploadPartErrors", testUploadPartErrors},
		{"ChecksumTypes", testMultipartChecksumTypes},
		{"FullObjectChecksum", testMultipartFullObjectChecksum},
		{"CompleteExpectedChecksum", testCompleteExpectedChecksum},
		{"Abort", testAbortMultipartUpload},
		{"ListParts", testListParts},
		{"ListUploads", testListMultipartUploads},
		{"Owners", testMultipartOwners},
	})
}

// An upload's parts, one replaced, assemble into the object with AWS's ETag and a COMPOSITE
// checksum; completing again answers with the same object until it is replaced.
func testMultipartUpload(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	meta := storage.ObjectMetadata{ContentType: "video/mp4", User: map[string]string{"origin": "camera"}}
	wantACL := "public-read"
	if !implements(s, AreaObjectACL) {
		wantACL = "" // the bucket owner's: no ACL of its own
	}
	id := createUpload(t, s, "bkt", "movie.mp4", storage.CreateMultipartUploadOptions{
		Metadata: meta, ACL: wantACL, StorageClass: "STANDARD_IA", ChecksumAlgorithm: storage.ChecksumSHA256,
	})
	parts := [][]byte{randomBytes(1, storage.MinPartSize), randomBytes(2, storage.MinPartSize+1), []byte("the end")}
	uploadPart(t, s, "bkt", "movie.mp4", id, 2, []byte("to be replaced"))
	var infos []storage.PartInfo
	for i, p := range parts {
		infos = append(infos, uploadPart(t, s, "bkt", "movie.mp4", id, i+1, p))
	}
	var completed []storage.CompletedPart
	var partSums []byte
	for i, p := range infos {
		sum := sha256.Sum256(parts[i])
		partSums = append(partSums, sum[:]...)
		if p.ETag != MD5Hex(parts[i]) || p.Size != int64(len(parts[i])) || p.Checksum != b64(sum[:]) {
			t.Errorf("part %d info = %+v", i+1, p)
		}
		completed = append(completed, storage.CompletedPart{PartNumber: p.PartNumber, ETag: `"` + p.ETag + `"`, Checksum: p.Checksum})
	}
	listed, err := s.ListParts(ctx, "bkt", "movie.mp4", id, storage.ListPartsOptions{MaxParts: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(listed.Parts, infos) || listed.IsTruncated || listed.Upload.ChecksumType != storage.ChecksumComposite {
		t.Errorf("ListParts = %+v, want parts %+v", listed, infos)
	}

	info, err := s.CompleteMultipartUpload(ctx, "bkt", "movie.mp4", id, completed, storage.CompleteMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	whole := bytes.Join(parts, nil)
	body, head := Get(t, s, "bkt", "movie.mp4")
	if !bytes.Equal(body, whole) {
		t.Fatalf("assembled object differs from the parts (%d bytes, want %d)", len(body), len(whole))
	}
	compositeSum := sha256.Sum256(partSums)
	wantChecksum := storage.Checksum{Algorithm: storage.ChecksumSHA256, Value: b64(compositeSum[:]) + "-3", Type: storage.ChecksumComposite}
	if head.ETag != awsMultipartETag(parts...) || head.Size != int64(len(whole)) || head.PartsCount != 3 ||
		head.Checksum != wantChecksum || head.ACL != wantACL || head.StorageClass != "STANDARD_IA" || !reflect.DeepEqual(head.Metadata, meta) {
		t.Errorf("object = %+v\nwant ETag %s, checksum %+v", head, awsMultipartETag(parts...), wantChecksum)
	}
	if !reflect.DeepEqual(head, info) {
		t.Errorf("HeadObject %+v differs from CompleteMultipartUpload's %+v", head, info)
	}
	if again, err := s.CompleteMultipartUpload(ctx, "bkt", "movie.mp4", id, completed, storage.CompleteMultipartUploadOptions{}); err != nil || !reflect.DeepEqual(again, info) {
		t.Errorf("second completion = %+v, %v; want the first's %+v", again, err, info)
	}
	if _, err := s.PutObject(ctx, "bkt", "movie.mp4", bytes.NewReader(nil), storage.PutObjectOptions{Size: 0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteMultipartUpload(ctx, "bkt", "movie.mp4", id, completed, storage.CompleteMultipartUploadOptions{}); !errors.Is(err, storage.ErrNoSuchUpload) {
		t.Errorf("completion after the object was replaced = %v, want ErrNoSuchUpload", err)
	}
	if res, _ := s.ListMultipartUploads(ctx, "bkt", storage.ListUploadsOptions{MaxUploads: 10}); len(res.Uploads) != 0 {
		t.Errorf("completed upload still listed: %+v", res.Uploads)
	}
}

func testCompleteMultipartUploadErrors(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	Put(t, s, "bkt", "exists", []byte("old"))
	id := createUpload(t, s, "bkt", "exists", storage.CreateMultipartUploadOptions{})
	bodies := map[int][]byte{1: randomBytes(3, storage.MinPartSize), 2: []byte("small"), 3: []byte("tail")}
	etags := map[int]string{}
	for n := 1; n <= 3; n++ {
		etags[n] = uploadPart(t, s, "bkt", "exists", id, n, bodies[n]).ETag
	}
	part := func(n int) storage.CompletedPart { return storage.CompletedPart{PartNumber: n, ETag: etags[n]} }
	tests := []struct {
		name  string
		id    string
		parts []storage.CompletedPart
		cond  storage.WriteConditions
		want  error
	}{
		{"no parts", id, nil, storage.WriteConditions{}, storage.ErrInvalidPart},
		{"descending", id, []storage.CompletedPart{part(2), part(1)}, storage.WriteConditions{}, storage.ErrInvalidPartOrder},
		{"duplicate", id, []storage.CompletedPart{part(1), part(1)}, storage.WriteConditions{}, storage.ErrInvalidPartOrder},
		{"wrong etag", id, []storage.CompletedPart{part(1), {PartNumber: 3, ETag: etags[2]}}, storage.WriteConditions{}, storage.ErrInvalidPart},
		{"never uploaded", id, []storage.CompletedPart{part(1), {PartNumber: 4, ETag: etags[3]}}, storage.WriteConditions{}, storage.ErrInvalidPart},
		{"part number out of range", id, []storage.CompletedPart{part(1), {PartNumber: 70000, ETag: etags[3]}}, storage.WriteConditions{}, storage.ErrInvalidPart},
		{"checksum given but none stored", id, []storage.CompletedPart{{PartNumber: 1, ETag: etags[1], Checksum: "AAAAAA=="}}, storage.WriteConditions{}, storage.ErrInvalidPart},
		{"small part not last", id, []storage.CompletedPart{part(1), part(2), part(3)}, storage.WriteConditions{}, storage.ErrEntityTooSmall},
		{"unknown upload", "0000", []storage.CompletedPart{part(1)}, storage.WriteConditions{}, storage.ErrNoSuchUpload},
		{"if-none-match", id, []storage.CompletedPart{part(1), part(3)}, storage.WriteConditions{IfNoneMatch: true}, storage.ErrPreconditionFailed},
		{"gap in part numbers is fine", id, []storage.CompletedPart{part(1), part(3)}, storage.WriteConditions{IfMatch: MD5Hex([]byte("old"))}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := s.CompleteMultipartUpload(ctx, "bkt", "exists", tt.id, tt.parts, storage.CompleteMultipartUploadOptions{Conditions: tt.cond})
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if err != nil {
				if body, _ := Get(t, s, "bkt", "exists"); string(body) != "old" {
					t.Errorf("failed completion changed the object")
				}
				if _, err := s.ListParts(ctx, "bkt", "exists", id, storage.ListPartsOptions{MaxParts: 10}); err != nil {
					t.Errorf("failed completion ended the upload: %v", err)
				}
				return
			}
			if want := awsMultipartETag(bodies[1], bodies[3]); info.ETag != want {
				t.Errorf("ETag = %s, want %s", info.ETag, want)
			}
			if body, _ := Get(t, s, "bkt", "exists"); !bytes.Equal(body, append(append([]byte{}, bodies[1]...), bodies[3]...)) {
				t.Error("assembled body differs")
			}
		})
	}
}

// trailing returns a TrailingChecksum reporting a CRC32 value.
func trailing(value string) func() storage.Checksum {
	return func() storage.Checksum { return storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: value} }
}

func testUploadPartErrors(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	plain := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{})
	crc := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC32})
	body := []byte("part body")
	goodCRC := b64(be32(crc32.ChecksumIEEE(body)))
	tests := []struct {
		name   string
		bucket string
		id     string
		n      int
		opts   storage.UploadPartOptions
		want   error
	}{
		{"part zero", "bkt", plain, 0, storage.UploadPartOptions{Size: -1}, storage.ErrInvalidPartNumber},
		{"part too high", "bkt", plain, storage.MaxPartNumber + 1, storage.UploadPartOptions{Size: -1}, storage.ErrInvalidPartNumber},
		{"highest part", "bkt", plain, storage.MaxPartNumber, storage.UploadPartOptions{Size: -1}, nil},
		{"unknown upload", "bkt", "ffff", 1, storage.UploadPartOptions{Size: -1}, storage.ErrNoSuchUpload},
		{"missing bucket", "nope", plain, 1, storage.UploadPartOptions{Size: -1}, storage.ErrNoSuchBucket},
		{"bad content md5", "bkt", plain, 1, storage.UploadPartOptions{Size: -1, ContentMD5: make([]byte, 16)}, storage.ErrBadDigest},
		{"checksum without algorithm", "bkt", plain, 1, storage.UploadPartOptions{Size: -1, ChecksumValue: goodCRC}, storage.ErrInvalidChecksum},
		{"bad checksum", "bkt", crc, 1, storage.UploadPartOptions{Size: -1, ChecksumValue: "AAAAAA=="}, storage.ErrBadDigest},
		{"good checksum", "bkt", crc, 1, storage.UploadPartOptions{Size: -1, ChecksumValue: goodCRC}, nil},
		{"another algorithm", "bkt", crc, 1, storage.UploadPartOptions{Size: -1, ChecksumAlgorithm: storage.ChecksumSHA1}, storage.ErrInvalidChecksum},
		{"SDK default checksum, good", "bkt", plain, 1, storage.UploadPartOptions{Size: -1, ChecksumAlgorithm: storage.ChecksumCRC32, ChecksumValue: goodCRC}, nil},
		{"SDK default checksum, bad", "bkt", plain, 1, storage.UploadPartOptions{Size: -1, ChecksumAlgorithm: storage.ChecksumCRC32, ChecksumValue: "AAAAAA=="}, storage.ErrBadDigest},
		{"short body", "bkt", plain, 2, storage.UploadPartOptions{Size: 100}, storage.ErrIncompleteBody},
		{"long body", "bkt", plain, 2, storage.UploadPartOptions{Size: int64(len(body)) - 1}, storage.ErrIncompleteBody},
		{"good trailing checksum", "bkt", crc, 3, storage.UploadPartOptions{Size: -1, TrailingChecksum: trailing(goodCRC)}, nil},
		{"bad trailing checksum", "bkt", crc, 4, storage.UploadPartOptions{Size: -1, TrailingChecksum: trailing("AAAAAA==")}, storage.ErrBadDigest},
		{"trailing checksum, upload without algorithm", "bkt", plain, 5, storage.UploadPartOptions{Size: -1, TrailingChecksum: trailing("AAAAAA==")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.UploadPart(ctx, tt.bucket, "k", tt.id, tt.n, bytes.NewReader(body), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if err == nil && (p.PartNumber != tt.n || p.ETag != MD5Hex(body) || tt.opts.ChecksumValue != "" && p.Checksum != tt.opts.ChecksumValue) {
				t.Errorf("part = %+v", p)
			}
		})
	}
}

func testMultipartChecksumTypes(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	tests := []struct {
		alg  storage.ChecksumAlgorithm
		typ  storage.ChecksumType
		want storage.ChecksumType
		err  error
	}{
		{"", "", "", nil},
		{storage.ChecksumCRC32, "", storage.ChecksumComposite, nil},
		{storage.ChecksumCRC32C, storage.ChecksumFullObject, storage.ChecksumFullObject, nil},
		{storage.ChecksumCRC64NVME, "", storage.ChecksumFullObject, nil},
		{storage.ChecksumSHA1, storage.ChecksumComposite, storage.ChecksumComposite, nil},
		{storage.ChecksumSHA256, storage.ChecksumFullObject, "", storage.ErrInvalidChecksum},
		{storage.ChecksumCRC64NVME, storage.ChecksumComposite, "", storage.ErrInvalidChecksum},
		{"", storage.ChecksumComposite, "", storage.ErrInvalidChecksum},
		{"MD5", "", "", storage.ErrInvalidChecksum},
		{storage.ChecksumCRC32, "PARTIAL", "", storage.ErrInvalidChecksum},
	}
	for _, tt := range tests {
		up, err := s.CreateMultipartUpload(ctx, "bkt", "k", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: tt.alg, ChecksumType: tt.typ})
		if !errors.Is(err, tt.err) || err == nil && up.ChecksumType != tt.want {
			t.Errorf("(%q, %q): type %q, error %v; want %q, %v", tt.alg, tt.typ, up.ChecksumType, err, tt.want, tt.err)
		}
	}
}

func testMultipartFullObjectChecksum(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC32, ChecksumType: storage.ChecksumFullObject})
	parts := [][]byte{randomBytes(7, storage.MinPartSize), randomBytes(8, 1000)}
	var done []storage.CompletedPart
	for i, p := range parts {
		done = append(done, storage.CompletedPart{PartNumber: i + 1, ETag: uploadPart(t, s, "bkt", "k", id, i+1, p).ETag})
	}
	info, err := s.CompleteMultipartUpload(ctx, "bkt", "k", id, done, storage.CompleteMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: b64(be32(crc32.ChecksumIEEE(bytes.Join(parts, nil)))), Type: storage.ChecksumFullObject}
	if info.Checksum != want {
		t.Errorf("checksum = %+v, want %+v", info.Checksum, want)
	}
}

// CompleteMultipartUpload checks the object's checksum the client expects; for an upload
// without an algorithm, a full-object CRC is computed over the object and kept.
func testCompleteExpectedChecksum(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	parts := [][]byte{randomBytes(9, storage.MinPartSize), randomBytes(10, 1000)}
	fullCRC := b64(be32(crc32.ChecksumIEEE(bytes.Join(parts, nil))))
	full := storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: fullCRC, Type: storage.ChecksumFullObject}
	tests := []struct {
		name   string
		upload storage.CreateMultipartUploadOptions
		want   storage.Checksum // expected by the client
		err    error
		stored storage.Checksum
	}{
		{"full object matches", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC32, ChecksumType: storage.ChecksumFullObject}, full, nil, full},
		{"full object differs", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC32, ChecksumType: storage.ChecksumFullObject},
			storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: "AAAAAA=="}, storage.ErrBadDigest, storage.Checksum{}},
		{"another type", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC32, ChecksumType: storage.ChecksumComposite}, full, storage.ErrBadDigest, storage.Checksum{}},
		{"another algorithm", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC32C, ChecksumType: storage.ChecksumFullObject}, full, storage.ErrBadDigest, storage.Checksum{}},
		{"no algorithm, full-object CRC", storage.CreateMultipartUploadOptions{}, storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: fullCRC}, nil, full},
		{"no algorithm, wrong CRC", storage.CreateMultipartUploadOptions{}, storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: "AAAAAA=="}, storage.ErrBadDigest, storage.Checksum{}},
		{"no algorithm, composite", storage.CreateMultipartUploadOptions{}, storage.Checksum{Algorithm: storage.ChecksumSHA256, Value: "x-2"}, storage.ErrInvalidChecksum, storage.Checksum{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := createUpload(t, s, "bkt", tt.name, tt.upload)
			var done []storage.CompletedPart
			for i, p := range parts {
				pi := uploadPart(t, s, "bkt", tt.name, id, i+1, p)
				done = append(done, storage.CompletedPart{PartNumber: i + 1, ETag: pi.ETag, Checksum: pi.Checksum})
			}
			info, err := s.CompleteMultipartUpload(ctx, "bkt", tt.name, id, done, storage.CompleteMultipartUploadOptions{Checksum: tt.want})
			if !errors.Is(err, tt.err) || err == nil && info.Checksum != tt.stored {
				t.Fatalf("= %+v, %v; want %+v, %v", info.Checksum, err, tt.stored, tt.err)
			}
			if _, err := s.HeadObject(ctx, "bkt", tt.name, storage.ReadOptions{}); (err == nil) != (tt.err == nil) {
				t.Errorf("object stored: %v", err)
			}
		})
	}
	// A COMPOSITE upload's completion must name every part's checksum.
	id := createUpload(t, s, "bkt", "composite", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumSHA1})
	p1 := uploadPart(t, s, "bkt", "composite", id, 1, parts[0])
	p2 := uploadPart(t, s, "bkt", "composite", id, 2, parts[1])
	_, err := s.CompleteMultipartUpload(ctx, "bkt", "composite", id, []storage.CompletedPart{{PartNumber: 1, ETag: p1.ETag, Checksum: p1.Checksum}, {PartNumber: 2, ETag: p2.ETag}}, storage.CompleteMultipartUploadOptions{})
	var missing *storage.MissingPartChecksumError
	if !errors.As(err, &missing) || missing.PartNumber != 2 || missing.Algorithm != storage.ChecksumSHA1 {
		t.Errorf("completion without part 2's checksum = %v", err)
	}
}

func testAbortMultipartUpload(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{})
	uploadPart(t, s, "bkt", "k", id, 1, []byte("one"))
	uploadPart(t, s, "bkt", "k", id, 2, []byte("two"))
	tests := []struct {
		name   string
		bucket string
		key    string
		id     string
		want   error
	}{
		{"wrong key", "bkt", "other", id, storage.ErrNoSuchUpload},
		{"missing bucket", "nope", "k", id, storage.ErrNoSuchBucket},
		{"abort", "bkt", "k", id, nil},
		{"again", "bkt", "k", id, storage.ErrNoSuchUpload},
	}
	for _, tt := range tests {
		if err := s.AbortMultipartUpload(ctx, tt.bucket, tt.key, tt.id); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := s.ListParts(ctx, "bkt", "k", id, storage.ListPartsOptions{MaxParts: 10}); !errors.Is(err, storage.ErrNoSuchUpload) {
		t.Errorf("ListParts after abort = %v", err)
	}
}

func testListParts(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{})
	numbers := []int{1, 2, 3, 5, 8, 13, 21, 10000}
	for _, n := range numbers {
		uploadPart(t, s, "bkt", "k", id, n, []byte(fmt.Sprint(n)))
	}
	tests := []struct {
		marker, max int
		want        []int
		truncated   bool
	}{
		{0, 1000, numbers, false},
		{0, 3, []int{1, 2, 3}, true},
		{3, 3, []int{5, 8, 13}, true},
		{13, 3, []int{21, 10000}, false},
		{4, 1, []int{5}, true},
		{10000, 5, nil, false},
		{0, 0, nil, true},
	}
	for _, tt := range tests {
		res, err := s.ListParts(ctx, "bkt", "k", id, storage.ListPartsOptions{PartNumberMarker: tt.marker, MaxParts: tt.max})
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, p := range res.Parts {
			got = append(got, p.PartNumber)
			if p.ETag != MD5Hex([]byte(fmt.Sprint(p.PartNumber))) {
				t.Errorf("part %d ETag %s", p.PartNumber, p.ETag)
			}
		}
		if !reflect.DeepEqual(got, tt.want) || res.IsTruncated != tt.truncated || len(got) > 0 && res.NextPartNumberMarker != got[len(got)-1] {
			t.Errorf("marker %d max %d: parts %v truncated %v next %d; want %v %v", tt.marker, tt.max, got, res.IsTruncated, res.NextPartNumberMarker, tt.want, tt.truncated)
		}
	}
}

func testListMultipartUploads(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	// Uploads of one key are listed in the order they were created.
	var ids = map[string][]string{}
	for _, k := range []string{"b", "a/1", "c/d/e", "b", "a/2", "b"} {
		ids[k] = append(ids[k], createUpload(t, s, "bkt", k, storage.CreateMultipartUploadOptions{}))
	}
	type u struct{ key, id string }
	all := []u{{"a/1", ids["a/1"][0]}, {"a/2", ids["a/2"][0]}, {"b", ids["b"][0]}, {"b", ids["b"][1]}, {"b", ids["b"][2]}, {"c/d/e", ids["c/d/e"][0]}}
	tests := []struct {
		name     string
		opts     storage.ListUploadsOptions
		want     []u
		prefixes []string
		trunc    bool
	}{
		{"all", storage.ListUploadsOptions{MaxUploads: 1000}, all, nil, false},
		{"first page", storage.ListUploadsOptions{MaxUploads: 3}, all[:3], nil, true},
		{"inside a key", storage.ListUploadsOptions{KeyMarker: "b", UploadIDMarker: ids["b"][0], MaxUploads: 2}, all[3:5], nil, true},
		{"key marker alone skips the key", storage.ListUploadsOptions{KeyMarker: "b", MaxUploads: 10}, all[5:], nil, false},
		{"upload id marker needs key marker", storage.ListUploadsOptions{UploadIDMarker: ids["b"][1], MaxUploads: 10}, all, nil, false},
		{"prefix", storage.ListUploadsOptions{Prefix: "a/", MaxUploads: 10}, all[:2], nil, false},
		{"delimiter", storage.ListUploadsOptions{Delimiter: "/", MaxUploads: 10}, all[2:5], []string{"a/", "c/"}, false},
		{"delimiter paged", storage.ListUploadsOptions{Delimiter: "/", KeyMarker: "a/", MaxUploads: 2}, all[2:4], nil, true},
		{"prefix and delimiter", storage.ListUploadsOptions{Prefix: "c/", Delimiter: "/", MaxUploads: 10}, nil, []string{"c/d/"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.ListMultipartUploads(ctx, "bkt", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []u
			for _, up := range res.Uploads {
				got = append(got, u{up.Key, up.UploadID})
			}
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(res.CommonPrefixes, tt.prefixes) || res.IsTruncated != tt.trunc {
				t.Errorf("got %v %q truncated %v; want %v %q %v", got, res.CommonPrefixes, res.IsTruncated, tt.want, tt.prefixes, tt.trunc)
			}
			if tt.trunc && len(got) > 0 && (res.NextKeyMarker != got[len(got)-1].key || res.NextUploadIDMarker != got[len(got)-1].id) {
				t.Errorf("next markers %q %q", res.NextKeyMarker, res.NextUploadIDMarker)
			}
		})
	}
	// Following the markers visits every upload exactly once.
	var paged []u
	opts := storage.ListUploadsOptions{MaxUploads: 1}
	for {
		res, err := s.ListMultipartUploads(ctx, "bkt", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, up := range res.Uploads {
			paged = append(paged, u{up.Key, up.UploadID})
		}
		if !res.IsTruncated {
			break
		}
		opts.KeyMarker, opts.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	if !reflect.DeepEqual(paged, all) {
		t.Errorf("paged = %v, want %v", paged, all)
	}
	if strings.Compare(ids["b"][0], ids["b"][1]) >= 0 {
		t.Errorf("upload ids do not sort by creation: %v", ids["b"])
	}
}

// An upload keeps its initiator (Owner) and the owner its object will have (ObjectOwner, the
// initiator's when not given); the completed object belongs to the latter and remembers the
// former. A backend without object owners (AreaObjectACL) keeps the initiator alone, which
// decides who may go on with the upload, and its objects have no owner of their own.
func testMultipartOwners(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	owners := implements(s, AreaObjectACL)
	for _, tc := range []struct {
		name, owner, objectOwner, want string
	}{
		{"the initiator's", "alice", "", "alice"},
		{"the bucket owner's", "alice", "bob", "bob"},
		{"an anonymous initiator's, the bucket owner's", "", "bob", "bob"},
	} {
		key := "obj-" + tc.want + tc.owner
		id := createUpload(t, s, "bkt", key, storage.CreateMultipartUploadOptions{Owner: tc.owner, ObjectOwner: tc.objectOwner})
		part := uploadPart(t, s, "bkt", key, id, 1, []byte("part"))
		listed, err := s.ListParts(ctx, "bkt", key, id, storage.ListPartsOptions{MaxParts: 10})
		if err != nil || listed.Upload.Owner != tc.owner || owners && listed.Upload.ObjectOwner != tc.want {
			t.Errorf("%s: ListParts' upload = %+v, %v; want Owner %q, ObjectOwner %q", tc.name, listed.Upload, err, tc.owner, tc.want)
		}
		uploads, err := s.ListMultipartUploads(ctx, "bkt", storage.ListUploadsOptions{Prefix: key, MaxUploads: 10})
		if err != nil || len(uploads.Uploads) != 1 || !reflect.DeepEqual(uploads.Uploads[0], listed.Upload) {
			t.Errorf("%s: ListMultipartUploads = %+v, %v; want %+v", tc.name, uploads.Uploads, err, listed.Upload)
		}
		info, err := s.CompleteMultipartUpload(ctx, "bkt", key, id, []storage.CompletedPart{{PartNumber: 1, ETag: part.ETag}}, storage.CompleteMultipartUploadOptions{})
		wantOwner, wantInitiator := tc.want, tc.owner
		if !owners {
			wantOwner, wantInitiator = "", ""
		}
		if err != nil || info.Owner != wantOwner || info.Initiator != wantInitiator {
			t.Errorf("%s: completed object = %+v, %v; want Owner %q, Initiator %q", tc.name, info, err, wantOwner, wantInitiator)
		}
		if head, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{}); err != nil || !reflect.DeepEqual(head, info) {
			t.Errorf("%s: HeadObject = %+v, %v; want %+v", tc.name, head, err, info)
		}
	}
}
