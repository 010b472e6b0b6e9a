package disk_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// partBodies are the parts of the uploads of TestPartBounds: sizes that differ, and repeat,
// so that the record's runs of equal sizes start and end between parts.
func partBodies() [][]byte {
	sizes := []int{storage.MinPartSize, storage.MinPartSize + 1, storage.MinPartSize + 1, storage.MinPartSize, 7}
	rng := rand.New(rand.NewPCG(5, 5))
	bodies := make([][]byte, len(sizes))
	for i, n := range sizes {
		bodies[i] = make([]byte, n)
		for j := range bodies[i] {
			bodies[i][j] = byte(rng.Uint32())
		}
	}
	return bodies
}

// completeParts uploads the bodies as the parts of a new upload with the checksum given and
// completes it.
func completeParts(t *testing.T, s storage.Backend, key string, alg storage.ChecksumAlgorithm, typ storage.ChecksumType, bodies [][]byte) storage.ObjectInfo {
	t.Helper()
	up, err := s.CreateMultipartUpload(ctx, "bkt", key, storage.CreateMultipartUploadOptions{ChecksumAlgorithm: alg, ChecksumType: typ})
	if err != nil {
		t.Fatal(err)
	}
	var done []storage.CompletedPart
	for i, b := range bodies {
		p, err := s.UploadPart(ctx, "bkt", key, up.UploadID, i+1, bytes.NewReader(b), storage.UploadPartOptions{Size: int64(len(b))})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, storage.CompletedPart{PartNumber: i + 1, ETag: p.ETag, Checksum: p.Checksum})
	}
	info, err := s.CompleteMultipartUpload(ctx, "bkt", key, up.UploadID, done, storage.CompleteMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// wantParts are the bounds of the bodies as parts of one object; with a checksum algorithm,
// each part's checksum in it.
func wantParts(bodies [][]byte, alg storage.ChecksumAlgorithm) []storage.ObjectPart {
	var parts []storage.ObjectPart
	offset := int64(0)
	for i, b := range bodies {
		p := storage.ObjectPart{PartNumber: i + 1, Offset: offset, Size: int64(len(b))}
		if alg != "" {
			p.Checksum = alg.Sum(b)
		}
		parts = append(parts, p)
		offset += int64(len(b))
	}
	return parts
}

// Each part of a multipart object has the bounds and checksum of the part uploaded, whose bytes
// the object holds there, in a read of the part by number and in ListObjectParts, page by page;
// a number above the count is refused; an object no upload made is its own part 1 and lists
// no parts; and a copy of a multipart object is such an object, as S3 makes it.
func TestPartBounds(t *testing.T) {
	s, _ := openWithBucket(t)
	bodies := partBodies()
	whole := bytes.Join(bodies, nil)
	tests := []struct {
		name  string
		key   string
		alg   storage.ChecksumAlgorithm
		typ   storage.ChecksumType
		parts []storage.ObjectPart
	}{
		{"composite checksum", "composite", storage.ChecksumSHA256, storage.ChecksumComposite, wantParts(bodies, storage.ChecksumSHA256)},
		{"full-object checksum", "full", storage.ChecksumCRC32, storage.ChecksumFullObject, wantParts(bodies, "")},
		{"no checksum", "none", "", "", wantParts(bodies, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := completeParts(t, s, tt.key, tt.alg, tt.typ, bodies)
			checkParts(t, s, tt.key, info.Size, tt.parts, whole)
		})
	}
	t.Run("single part objects", func(t *testing.T) {
		storagetest.Put(t, s, "bkt", "plain", whole[:10])
		if _, err := s.CopyObject(ctx, "bkt", "composite", "bkt", "copy", storage.CopyObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			key  string
			size int64
		}{{"plain", 10}, {"copy", int64(len(whole))}} {
			info, err := s.HeadObject(ctx, "bkt", c.key, storage.ReadOptions{PartNumber: 1})
			if want := (storage.ObjectPart{PartNumber: 1, Size: c.size}); err != nil || info.Part != want || info.PartsCount != 0 {
				t.Errorf("%s: part 1 = %+v (of %d), %v; want %+v", c.key, info.Part, info.PartsCount, err, want)
			}
			if _, err := s.HeadObject(ctx, "bkt", c.key, storage.ReadOptions{PartNumber: 2}); !errors.Is(err, storage.ErrInvalidPartNumber) {
				t.Errorf("%s: part 2: %v, want ErrInvalidPartNumber", c.key, err)
			}
			res, err := s.ListObjectParts(ctx, "bkt", c.key, storage.ListObjectPartsOptions{MaxParts: 10})
			if err != nil || len(res.Parts) != 0 || res.IsTruncated || res.Object.Size != c.size {
				t.Errorf("%s: ListObjectParts = %+v, %v; want no parts", c.key, res, err)
			}
		}
	})
}

// checkParts checks the parts of the object at key, which holds whole.
func checkParts(t *testing.T, s storage.Backend, key string, size int64, want []storage.ObjectPart, whole []byte) {
	t.Helper()
	for _, p := range want {
		r, info, err := s.GetObject(ctx, "bkt", key, storage.ReadOptions{PartNumber: p.PartNumber})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r)
		r.Close()
		if info.Part != p || int64(len(body)) != size {
			t.Errorf("GetObject part %d = %+v over %d bytes; want %+v over %d", p.PartNumber, info.Part, len(body), p, size)
			continue
		}
		if !bytes.Equal(body[p.Offset:p.Offset+p.Size], whole[p.Offset:p.Offset+p.Size]) || !bytes.Equal(body, whole) {
			t.Errorf("part %d: the bytes at its bounds are not the part's", p.PartNumber)
		}
		if head, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{PartNumber: p.PartNumber}); err != nil || head.Part != p {
			t.Errorf("HeadObject part %d = %+v, %v; want %+v", p.PartNumber, head.Part, err, p)
		}
	}
	for _, n := range []int{len(want) + 1, storage.MaxPartNumber, -1} {
		if _, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{PartNumber: n}); !errors.Is(err, storage.ErrInvalidPartNumber) {
			t.Errorf("HeadObject part %d: %v, want ErrInvalidPartNumber", n, err)
		}
	}
	var listed []storage.ObjectPart
	marker := 0
	for pages := 0; ; pages++ {
		res, err := s.ListObjectParts(ctx, "bkt", key, storage.ListObjectPartsOptions{PartNumberMarker: marker, MaxParts: 2})
		if err != nil || res.Object.Size != size || len(res.Parts) > 2 || pages > len(want) {
			t.Fatalf("ListObjectParts after %d: %+v, %v", marker, res, err)
		}
		listed = append(listed, res.Parts...)
		if !res.IsTruncated {
			break
		}
		marker = res.NextPartNumberMarker
	}
	if !reflect.DeepEqual(listed, want) {
		t.Errorf("ListObjectParts, two at a time:\n%+v\nwant\n%+v", listed, want)
	}
}

// An object completed before part bounds were recorded answers ErrPartsNotRecorded for a
// part it has, and ErrInvalidPartNumber for one above its count, which it knows.
func TestPartsNotRecorded(t *testing.T) {
	s, dir := openWithBucket(t)
	storagetest.Put(t, s, "bkt", "old", []byte("0123456789"))
	s.Close()
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The record as doorman wrote it at the completion of a 2-part upload before part bounds.
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("objects")).Bucket([]byte("bkt"))
		rec := bytes.Replace(b.Get([]byte("old")), []byte(`"class"`), []byte(`"parts":2,"class"`), 1)
		return b.Put([]byte("old"), rec)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	s = reopen(t, dir)
	for _, c := range []struct {
		n    int
		want error
	}{{1, storage.ErrPartsNotRecorded}, {2, storage.ErrPartsNotRecorded}, {3, storage.ErrInvalidPartNumber}} {
		if _, err := s.HeadObject(ctx, "bkt", "old", storage.ReadOptions{PartNumber: c.n}); !errors.Is(err, c.want) {
			t.Errorf("part %d: %v, want %v", c.n, err, c.want)
		}
	}
	if _, err := s.ListObjectParts(ctx, "bkt", "old", storage.ListObjectPartsOptions{MaxParts: 1}); !errors.Is(err, storage.ErrPartsNotRecorded) {
		t.Errorf("ListObjectParts: %v, want ErrPartsNotRecorded", err)
	}
	if info, err := s.HeadObject(ctx, "bkt", "old", storage.ReadOptions{}); err != nil || info.PartsCount != 2 {
		t.Errorf("HeadObject = %+v, %v; the object still reads", info, err)
	}
}

// The part checksums of a COMPOSITE object are kept beside its record, not in it: the record a
// read, a listing and a write of the key decode stays as small with 5 parts as with none. They
// go with the object's data file, when its version is removed, and at Open for any left by a
// crash between the two.
func TestPartChecksumsBesideRecord(t *testing.T) {
	s, dir := openWithBucket(t)
	bodies := partBodies()
	info := completeParts(t, s, "mp", storage.ChecksumSHA256, storage.ChecksumComposite, bodies)
	checkParts(t, s, "mp", info.Size, wantParts(bodies, storage.ChecksumSHA256), bytes.Join(bodies, nil))
	s.Close()
	entries := func() (record []byte, kept int) {
		t.Helper()
		db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.View(func(tx *bolt.Tx) error {
			record = append(record, tx.Bucket([]byte("objects")).Bucket([]byte("bkt")).Get([]byte("mp"))...)
			kept = tx.Bucket([]byte("partchecksums")).Stats().KeyN
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return record, kept
	}
	record, kept := entries()
	if kept != 1 || bytes.Contains(record, []byte(wantParts(bodies, storage.ChecksumSHA256)[1].Checksum)) {
		t.Fatalf("%d entries of part checksums; the record holds them: %s", kept, record)
	}
	// An entry no object names, as a crash after the object's removal and before its
	// checksums' leaves: dropped by the sweep that follows the crash.
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := asCrashed(tx); err != nil {
			return err
		}
		return tx.Bucket([]byte("partchecksums")).Put([]byte("0123456789abcdef0123456789abcdef"), []byte(`["x"]`))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	s = reopen(t, dir)
	swept(t, s)
	checkParts(t, s, "mp", info.Size, wantParts(bodies, storage.ChecksumSHA256), bytes.Join(bodies, nil))
	if _, err := s.DeleteObject(ctx, "bkt", "mp", storage.DeleteObjectOptions{VersionID: info.VersionID}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, kept := entries(); kept != 0 {
		t.Errorf("%d entries of part checksums left after the object's removal", kept)
	}
}
