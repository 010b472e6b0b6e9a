package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// TestObjectParts checks the parts of stored objects, which GetObject and HeadObject read with
// ReadOptions.PartNumber and ListObjectParts lists, as S3's GetObject partNumber and
// GetObjectAttributes' ObjectParts answer them
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html): a multipart
// object's parts are the parts its completion named, numbered from 1, with their bytes and,
// for a COMPOSITE checksum, their checksums; any other object is one part, itself, for a read
// and has none to list.
func TestObjectParts(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"Read", testReadPart},
		{"ReadSinglePart", testReadPartOfSinglePart},
		{"List", testListObjectParts},
		{"Checksums", testObjectPartChecksums},
		{"Errors", testObjectPartErrors},
	})
}

// partsFixture is a key of "bkt", versioning Enabled, whose older version was made by a
// multipart upload with SHA256 checksums (COMPOSITE) and whose latest version is a PutObject.
type partsFixture struct {
	parts     [][]byte             // the bytes of each part of the multipart version
	multipart storage.ObjectInfo   // the multipart version
	plain     storage.ObjectInfo   // the latest version
	want      []storage.ObjectPart // the multipart version's parts
}

// newPartsFixture writes "bkt"/"k" as partsFixture describes, with four parts: three of
// MinPartSize, as clients make them, the second uploaded twice, and a short last part.
func newPartsFixture(t *testing.T, s storage.Backend) partsFixture {
	t.Helper()
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	f := partsFixture{parts: [][]byte{randomBytes(21, storage.MinPartSize), randomBytes(22, storage.MinPartSize), randomBytes(23, storage.MinPartSize), []byte("tail")}}
	id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumSHA256})
	uploadPart(t, s, "bkt", "k", id, 2, randomBytes(24, storage.MinPartSize+100))
	var done []storage.CompletedPart
	var offset int64
	for i, p := range f.parts {
		info := uploadPart(t, s, "bkt", "k", id, i+1, p)
		done = append(done, storage.CompletedPart{PartNumber: i + 1, ETag: info.ETag, Checksum: info.Checksum})
		f.want = append(f.want, storage.ObjectPart{PartNumber: i + 1, Offset: offset, Size: int64(len(p)), Checksum: storage.ChecksumSHA256.Sum(p)})
		offset += int64(len(p))
	}
	var err error
	if f.multipart, err = s.CompleteMultipartUpload(ctx, "bkt", "k", id, done, storage.CompleteMultipartUploadOptions{}); err != nil {
		t.Fatal(err)
	}
	if f.multipart.PartsCount != len(f.parts) || f.multipart.Size != offset {
		t.Fatalf("the multipart object = %+v, want %d parts, %d bytes", f.multipart, len(f.parts), offset)
	}
	f.plain = Put(t, s, "bkt", "k", []byte("a later version"))
	return f
}

// readPart reads key's version id with part n through HeadObject and GetObject, checks that
// both answer the same and that the reader holds the whole object, and returns the answer,
// with the part's bytes as the reader holds them at the part's bounds.
func readPart(t *testing.T, s storage.Backend, key, id string, n int) (storage.ObjectInfo, []byte, error) {
	t.Helper()
	opts := storage.ReadOptions{VersionID: id, PartNumber: n}
	head, herr := s.HeadObject(ctx, "bkt", key, opts)
	r, info, gerr := s.GetObject(ctx, "bkt", key, opts)
	for _, sentinel := range []error{nil, storage.ErrInvalidPartNumber, storage.ErrPartsNotRecorded, storage.ErrNoSuchKey, storage.ErrDeleteMarker, storage.ErrNoSuchVersion, storage.ErrNoSuchBucket} {
		if errors.Is(herr, sentinel) != errors.Is(gerr, sentinel) {
			t.Fatalf("part %d of %q version %q: HeadObject %v, GetObject %v", n, key, id, herr, gerr)
		}
	}
	if herr != nil {
		return head, nil, herr
	}
	defer r.Close()
	if !reflect.DeepEqual(head, info) {
		t.Errorf("part %d of %q: GetObject %+v, HeadObject %+v", n, key, info, head)
	}
	if end, err := r.Seek(0, io.SeekEnd); err != nil || end != info.Size {
		t.Errorf("part %d of %q: the reader ends at %d, %v; want the whole object, %d bytes", n, key, end, err, info.Size)
	}
	p := info.Part
	if p.Offset < 0 || p.Size < 0 || p.Offset+p.Size > info.Size {
		t.Fatalf("part %d of %q: bounds %+v outside the object's %d bytes", n, key, p, info.Size)
	}
	b := make([]byte, p.Size)
	if _, err := r.ReadAt(b, p.Offset); err != nil && !(err == io.EOF && p.Offset+p.Size == info.Size) {
		t.Fatal(err)
	}
	return info, b, nil
}

// GetObject and HeadObject with a PartNumber answer the part's bounds and checksum, of the
// version named or the latest, with everything else as without one; the bytes at those bounds
// are the part's.
func testReadPart(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	f := newPartsFixture(t, s)
	whole, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: f.multipart.VersionID})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range f.want {
		info, b, err := readPart(t, s, "k", f.multipart.VersionID, i+1)
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		if info.Part != want || !bytes.Equal(b, f.parts[i]) {
			t.Errorf("part %d: %+v, want %+v (its bytes the part's: %v)", i+1, info.Part, want, bytes.Equal(b, f.parts[i]))
		}
		info.Part = storage.ObjectPart{}
		if !reflect.DeepEqual(info, whole) {
			t.Errorf("part %d: %+v, want the object as without a part number, %+v", i+1, info, whole)
		}
	}
	if info, _, err := readPart(t, s, "k", f.multipart.VersionID, 0); err != nil || info.Part != (storage.ObjectPart{}) {
		t.Errorf("part number 0 = %+v, %v; want no part", info.Part, err)
	}
	// The latest version is the plain object: one part.
	if info, b, err := readPart(t, s, "k", "", 1); err != nil || info.VersionID != f.plain.VersionID || string(b) != "a later version" {
		t.Errorf("part 1 of the latest = %+v, %q, %v", info, b, err)
	}
	for _, tt := range []struct {
		name, id string
		n        int
	}{
		{"above the count", f.multipart.VersionID, len(f.parts) + 1},
		{"the highest part number", f.multipart.VersionID, storage.MaxPartNumber},
		{"of the latest, a single part", "", 2},
	} {
		if _, _, err := readPart(t, s, "k", tt.id, tt.n); !errors.Is(err, storage.ErrInvalidPartNumber) {
			t.Errorf("%s: part %d = %v, want ErrInvalidPartNumber", tt.name, tt.n, err)
		}
	}
}

// An object not made by a multipart upload, empty or not, with a checksum or not, is one
// part, itself, without a part checksum; so is a multipart object of one part but for its
// checksum.
func testReadPartOfSinglePart(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	body := []byte("one piece")
	Put(t, s, "bkt", "plain", body)
	Put(t, s, "bkt", "empty", nil)
	if _, err := s.PutObject(ctx, "bkt", "summed", bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Checksum: storage.Checksum{Algorithm: storage.ChecksumSHA256}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CopyObject(ctx, "bkt", "plain", "bkt", "copy", storage.CopyObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	id := createUpload(t, s, "bkt", "one-part", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC32})
	part := uploadPart(t, s, "bkt", "one-part", id, 1, body)
	if _, err := s.CompleteMultipartUpload(ctx, "bkt", "one-part", id, []storage.CompletedPart{{PartNumber: 1, ETag: part.ETag, Checksum: part.Checksum}}, storage.CompleteMultipartUploadOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key  string
		want storage.ObjectPart
		body []byte
	}{
		{"plain", storage.ObjectPart{PartNumber: 1, Size: int64(len(body))}, body},
		{"empty", storage.ObjectPart{PartNumber: 1}, []byte{}},
		{"summed", storage.ObjectPart{PartNumber: 1, Size: int64(len(body))}, body},
		{"copy", storage.ObjectPart{PartNumber: 1, Size: int64(len(body))}, body},
		{"one-part", storage.ObjectPart{PartNumber: 1, Size: int64(len(body)), Checksum: storage.ChecksumCRC32.Sum(body)}, body},
	} {
		info, b, err := readPart(t, s, tt.key, "", 1)
		if err != nil || info.Part != tt.want || !bytes.Equal(b, tt.body) {
			t.Errorf("part 1 of %q = %+v, %q, %v; want %+v", tt.key, info.Part, b, err, tt.want)
		}
		if _, _, err := readPart(t, s, tt.key, "", 2); !errors.Is(err, storage.ErrInvalidPartNumber) {
			t.Errorf("part 2 of %q = %v, want ErrInvalidPartNumber", tt.key, err)
		}
	}
}

// referenceParts is one page of ListObjectParts computed the naive way: the parts after
// marker, at most maxParts of them, and whether more follow.
func referenceParts(all []storage.ObjectPart, marker, maxParts int) ([]storage.ObjectPart, bool) {
	var page []storage.ObjectPart
	for _, p := range all {
		if p.PartNumber > marker {
			page = append(page, p)
		}
	}
	if len(page) > maxParts {
		return page[:maxParts], true
	}
	return page, false
}

// ListObjectParts lists the parts of the version named, or of the latest, as a naive listing
// does, page after page, whatever the page size and the first marker; the marker of a page
// leads to the next. An object not made by a multipart upload has no parts.
func testListObjectParts(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	f := newPartsFixture(t, s)
	multipart, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: f.multipart.VersionID})
	if err != nil {
		t.Fatal(err)
	}
	for _, maxParts := range []int{1, 2, 3, storage.MaxListKeys} {
		// math.MaxInt: a marker whose successor overflows lists nothing, as any past the end.
		for _, marker := range []int{0, 1, 3, len(f.parts), storage.MaxPartNumber, math.MaxInt} {
			t.Run(fmt.Sprintf("max %d from %d", maxParts, marker), func(t *testing.T) {
				opts := storage.ListObjectPartsOptions{VersionID: f.multipart.VersionID, PartNumberMarker: marker, MaxParts: maxParts}
				var all []storage.ObjectPart
				for page := 0; ; page++ {
					res, err := s.ListObjectParts(ctx, "bkt", "k", opts)
					if err != nil {
						t.Fatal(err)
					}
					want, truncated := referenceParts(f.want, opts.PartNumberMarker, maxParts)
					if !reflect.DeepEqual(res.Parts, want) && len(res.Parts)+len(want) > 0 || res.IsTruncated != truncated {
						t.Fatalf("page %d after %d:\n got %+v truncated %v\nwant %+v truncated %v", page, opts.PartNumberMarker, res.Parts, res.IsTruncated, want, truncated)
					}
					if !reflect.DeepEqual(res.Object, multipart) {
						t.Errorf("page %d: Object %+v, want %+v", page, res.Object, multipart)
					}
					all = append(all, res.Parts...)
					if !res.IsTruncated {
						break
					}
					if res.NextPartNumberMarker != want[len(want)-1].PartNumber || page > len(f.parts) {
						t.Fatalf("page %d ends with part %d, but its next marker is %d", page, want[len(want)-1].PartNumber, res.NextPartNumberMarker)
					}
					opts.PartNumberMarker = res.NextPartNumberMarker
				}
				if want, _ := referenceParts(f.want, marker, len(f.want)); !reflect.DeepEqual(all, want) && len(all)+len(want) > 0 {
					t.Errorf("all pages: %+v, want %+v", all, want)
				}
			})
		}
	}
	for _, id := range []string{"", f.plain.VersionID} {
		res, err := s.ListObjectParts(ctx, "bkt", "k", storage.ListObjectPartsOptions{VersionID: id, MaxParts: storage.MaxListKeys})
		if err != nil || len(res.Parts) != 0 || res.IsTruncated || res.Object.VersionID != f.plain.VersionID {
			t.Errorf("ListObjectParts of the object a PutObject made (version %q) = %+v, %v; want no parts", id, res, err)
		}
	}
}

// A part's checksum is listed and read in the object's algorithm when the object's checksum is
// COMPOSITE, and is empty otherwise: for a FULL_OBJECT checksum, and for an upload without an
// algorithm, even when its parts were sent with a checksum or its completion checked one.
func testObjectPartChecksums(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	parts := [][]byte{randomBytes(31, storage.MinPartSize), []byte("second and last")}
	whole := bytes.Join(parts, nil)
	tests := []struct {
		name     string
		upload   storage.CreateMultipartUploadOptions
		declared storage.ChecksumAlgorithm // declared by UploadPart
		complete storage.Checksum          // expected by CompleteMultipartUpload
		sum      storage.ChecksumAlgorithm // of the parts' checksums; "" for none
	}{
		{"SHA1 composite", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumSHA1}, storage.ChecksumSHA1, storage.Checksum{}, storage.ChecksumSHA1},
		{"CRC32C composite", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC32C, ChecksumType: storage.ChecksumComposite}, storage.ChecksumCRC32C, storage.Checksum{}, storage.ChecksumCRC32C},
		{"CRC32 full object", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC32, ChecksumType: storage.ChecksumFullObject}, storage.ChecksumCRC32, storage.Checksum{}, ""},
		{"CRC64NVME", storage.CreateMultipartUploadOptions{ChecksumAlgorithm: storage.ChecksumCRC64NVME}, storage.ChecksumCRC64NVME, storage.Checksum{}, ""},
		{"none", storage.CreateMultipartUploadOptions{}, "", storage.Checksum{}, ""},
		{"none, parts sent with CRC32", storage.CreateMultipartUploadOptions{}, storage.ChecksumCRC32, storage.Checksum{}, ""},
		{"none, a full-object CRC32 checked", storage.CreateMultipartUploadOptions{}, "",
			storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: storage.ChecksumCRC32.Sum(whole)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.name
			id := createUpload(t, s, "bkt", key, tt.upload)
			var done []storage.CompletedPart
			var want []storage.ObjectPart
			var offset int64
			for i, p := range parts {
				opts := storage.UploadPartOptions{Size: int64(len(p)), ChecksumAlgorithm: tt.declared}
				if tt.declared != "" {
					opts.ChecksumValue = tt.declared.Sum(p)
				}
				info, err := s.UploadPart(ctx, "bkt", key, id, i+1, bytes.NewReader(p), opts)
				if err != nil {
					t.Fatal(err)
				}
				done = append(done, storage.CompletedPart{PartNumber: i + 1, ETag: info.ETag})
				if tt.sum != "" {
					done[i].Checksum = info.Checksum
				}
				part := storage.ObjectPart{PartNumber: i + 1, Offset: offset, Size: int64(len(p))}
				if tt.sum != "" {
					part.Checksum = tt.sum.Sum(p)
				}
				want = append(want, part)
				offset += int64(len(p))
			}
			if _, err := s.CompleteMultipartUpload(ctx, "bkt", key, id, done, storage.CompleteMultipartUploadOptions{Checksum: tt.complete}); err != nil {
				t.Fatal(err)
			}
			res, err := s.ListObjectParts(ctx, "bkt", key, storage.ListObjectPartsOptions{MaxParts: storage.MaxListKeys})
			if err != nil || !reflect.DeepEqual(res.Parts, want) || res.IsTruncated {
				t.Errorf("ListObjectParts = %+v, %v; want %+v", res.Parts, err, want)
			}
			for _, p := range want {
				if info, _, err := readPart(t, s, key, "", p.PartNumber); err != nil || info.Part != p {
					t.Errorf("part %d = %+v, %v; want %+v", p.PartNumber, info.Part, err, p)
				}
			}
		})
	}
}

// ListObjectParts and reads of a part fail as HeadObject fails: on a delete marker, the latest
// or named, a missing key, version or bucket.
func testObjectPartErrors(t *testing.T, newBackend NewBackend) {
	s := withVersioning(t, newBackend)
	id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{})
	v := completeLocked(t, s, "k", id)
	removed := Put(t, s, "bkt", "k", []byte("removed"))
	if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: removed.VersionID}); err != nil {
		t.Fatal(err)
	}
	marker, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, bucket, key, id string
		err                   error
	}{
		{"the latest, a delete marker", "bkt", "k", "", storage.ErrNoSuchKey},
		{"a delete marker named", "bkt", "k", marker.VersionID, storage.ErrDeleteMarker},
		{"a removed version", "bkt", "k", removed.VersionID, storage.ErrNoSuchVersion},
		{"a missing key", "bkt", "absent", "", storage.ErrNoSuchKey},
		{"a missing bucket", "missing", "k", "", storage.ErrNoSuchBucket},
	}
	for _, tt := range tests {
		_, lerr := s.ListObjectParts(ctx, tt.bucket, tt.key, storage.ListObjectPartsOptions{VersionID: tt.id, MaxParts: storage.MaxListKeys})
		_, herr := s.HeadObject(ctx, tt.bucket, tt.key, storage.ReadOptions{VersionID: tt.id, PartNumber: 1})
		for op, err := range map[string]error{"ListObjectParts": lerr, "HeadObject of part 1": herr} {
			wantErr(t, tt.name+": "+op, err, tt.err)
			if tt.bucket == "bkt" && tt.key == "k" && tt.id != removed.VersionID {
				wantDeleteMarker(t, tt.name+": "+op, err, "k", marker.VersionID, tt.id == "")
			}
		}
	}
	// Under the marker, the multipart version is still listed and read by its id.
	res, err := s.ListObjectParts(ctx, "bkt", "k", storage.ListObjectPartsOptions{VersionID: v.VersionID, MaxParts: 1})
	if err != nil || len(res.Parts) != 1 || res.IsTruncated || res.Parts[0] != (storage.ObjectPart{PartNumber: 1, Size: v.Size}) {
		t.Errorf("ListObjectParts of the version under the marker = %+v, %v", res, err)
	}
}
