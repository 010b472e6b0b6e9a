package disk_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/sse"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// inlineLimit is the store's default inline limit, which these tests cross.
const inlineLimit = 16 << 10

// An object of up to the inline limit, written by PutObject or CopyObject with a known size,
// keeps its data in meta.db and no file; a larger one, or one of unknown size, a file. Either
// reads back whole and at any offset, plain or sealed, with the size and ETag of its bytes.
func TestInlineObjects(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		known  bool // the size is given to PutObject
		inline bool
	}{
		{"empty", 0, true, true},
		{"one byte", 1, true, true},
		{"4 KiB", 4 << 10, true, true},
		{"at the limit", inlineLimit, true, true},
		{"one byte past the limit", inlineLimit + 1, true, false},
		{"size unknown", 10, false, false},
	}
	for _, enc := range []struct {
		name string
		enc  storage.Encryption
	}{{"plain", storage.Encryption{}}, {"SSE-S3", sseS3}, {"SSE-KMS", sseKMS}, {"SSE-C", sseC}} {
		for _, tt := range tests {
			t.Run(enc.name+"/"+tt.name, func(t *testing.T) {
				s, dir := openWithBucket(t)
				body := marked("inline|", tt.size)
				size := int64(-1)
				if tt.known {
					size = int64(len(body))
				}
				info, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: size, Encryption: enc.enc})
				if err != nil {
					t.Fatal(err)
				}
				files, inline := len(dataFiles(t, dir)), disk.InlineCount(s)
				if tt.inline && (files != 0 || inline != 1) || !tt.inline && (files != 1 || inline != 0) {
					t.Errorf("%d data files and %d inline objects; inline %v", files, inline, tt.inline)
				}
				if info.Size != int64(len(body)) || enc.name == "plain" && info.ETag != storagetest.MD5Hex(body) {
					t.Errorf("PutObject = %+v", info)
				}
				checkReads(t, s, "k", body, enc.enc.CustomerKey)

				// A copy of it is placed by its own size, under its own encryption.
				if _, err := s.CopyObject(ctx, "bkt", "k", "bkt", "copy", storage.CopyObjectOptions{SourceCustomerKey: enc.enc.CustomerKey}); err != nil {
					t.Fatal(err)
				}
				checkReads(t, s, "copy", body, nil)
				wantInline := 0
				if tt.inline {
					wantInline = 2
				} else if tt.size <= inlineLimit {
					wantInline = 1 // the copy, whose size is known
				}
				if got := disk.InlineCount(s); got != wantInline {
					t.Errorf("%d inline objects after the copy, want %d", got, wantInline)
				}
			})
		}
	}
}

// checkReads reads the object at key whole, from the middle (Seek, then Read) and at an
// offset (ReadAt), and checks each against body.
func checkReads(t *testing.T, s *disk.Store, key string, body, customer []byte) {
	t.Helper()
	got, info := readAllWith(t, s, "bkt", key, customer)
	if !bytes.Equal(got, body) || info.Size != int64(len(body)) {
		t.Fatalf("%s reads %d bytes (size %d), want the %d written", key, len(got), info.Size, len(body))
	}
	r, _, err := s.GetObject(ctx, "bkt", key, storage.ReadOptions{CustomerKey: customer})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mid := int64(len(body) / 2)
	if _, err := r.Seek(mid, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(r); err != nil || !bytes.Equal(rest, body[mid:]) {
		t.Errorf("%s from %d: %d bytes, %v", key, mid, len(rest), err)
	}
	if len(body) > 2 {
		p := make([]byte, 2)
		if _, err := r.ReadAt(p, 1); err != nil || !bytes.Equal(p, body[1:3]) {
			t.Errorf("%s at 1: %q, %v", key, p, err)
		}
	}
	head, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{CustomerKey: customer})
	if err != nil || head.Size != int64(len(body)) || head.ETag != info.ETag {
		t.Errorf("HeadObject(%s) = %+v, %v; GetObject's %+v", key, head, err, info)
	}
}

// An inline object's data goes with its last record, in the change that drops it: an
// overwrite by a file, by another inline object, a delete, and a versioned key's versions,
// each removed in turn. Reads in progress keep the data they read.
func TestInlineDataReleased(t *testing.T) {
	s, dir := openWithBucket(t)
	small, big := []byte("small"), marked("big|", inlineLimit+1)
	storagetest.Put(t, s, "bkt", "k", small)
	r, _, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	storagetest.Put(t, s, "bkt", "k", big)
	checkDataFiles(t, s, dir, 1)
	if disk.InlineCount(s) != 0 {
		t.Error("an inline object replaced by a file kept its data")
	}
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, small) {
		t.Errorf("a read begun before the overwrite = %q, %v", got, err)
	}
	storagetest.Put(t, s, "bkt", "k", small) // a file replaced by an inline object
	storagetest.Put(t, s, "bkt", "k", small) // an inline object by another
	checkDataFiles(t, s, dir, 1)
	if len(dataFiles(t, dir)) != 0 {
		t.Error("a file replaced by an inline object is still there")
	}
	if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	checkDataFiles(t, s, dir, 0)

	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, b := range [][]byte{small, big, small} {
		versions = append(versions, storagetest.Put(t, s, "bkt", "v", b).VersionID)
	}
	if _, err := s.DeleteObject(ctx, "bkt", "v", storage.DeleteObjectOptions{}); err != nil {
		t.Fatal(err) // a delete marker: every version stays
	}
	checkDataFiles(t, s, dir, 3)
	for i, id := range versions {
		if _, err := s.DeleteObject(ctx, "bkt", "v", storage.DeleteObjectOptions{VersionID: id}); err != nil {
			t.Fatal(err)
		}
		checkDataFiles(t, s, dir, len(versions)-1-i)
	}
}

// A read of an inline object holds its own copy of the data: writes that reuse the
// database's pages after the read's lookup never change what it reads.
func TestInlineReadKeepsItsData(t *testing.T) {
	s, _ := openWithBucket(t)
	first := bytes.Repeat([]byte("a"), 8<<10)
	storagetest.Put(t, s, "bkt", "k", first)
	r, _, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := range 64 {
		storagetest.Put(t, s, "bkt", "k", bytes.Repeat([]byte{byte('b' + i%20)}, len(first)))
	}
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, first) {
		t.Errorf("a read begun before 64 overwrites = %d bytes (%q...), %v", len(got), got[:min(8, len(got))], err)
	}
}

// A directory takes format 5 in the change that first commits an inline object, and only
// then; one that has held encrypted data says so after, as format 4 did, so that a missing
// keyring is still refused, while one that never has is given a new keyring.
func TestInlineFormat(t *testing.T) {
	putSmall := func(enc storage.Encryption) func(*disk.Store) error {
		return func(s *disk.Store) error {
			_, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader([]byte("x")), storage.PutObjectOptions{Size: 1, Encryption: enc})
			return err
		}
	}
	tests := []struct {
		name      string
		format    string
		change    func(*disk.Store) error
		want      string
		encrypted bool
	}{
		{"object in a file", "2", func(s *disk.Store) error {
			body := marked("big|", inlineLimit+1)
			_, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body))})
			return err
		}, "2", false},
		{"inline object", "2", putSmall(storage.Encryption{}), "5", false},
		{"inline object after Object Lock", "3", putSmall(storage.Encryption{}), "5", false},
		{"encrypted inline object", "2", putSmall(sseS3), "5", true},
		{"encrypted object in a file, then an inline object", "2", func(s *disk.Store) error {
			body := marked("big|", inlineLimit+1)
			if _, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: sseS3}); err != nil {
				return err
			}
			return putSmall(storage.Encryption{})(s)
		}, "5", true},
		{"inline object, then an encrypted one", "2", func(s *disk.Store) error {
			if err := putSmall(storage.Encryption{})(s); err != nil {
				return err
			}
			return putSmall(sseKMS)(s)
		}, "5", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := changeFormat(t, tt.format, tt.change, tt.want)
			s.Close()
			if got := holdsEncrypted(t, dir); got != tt.encrypted {
				t.Errorf("says it held encrypted data: %v, want %v", got, tt.encrypted)
			}
			if err := os.Remove(keyringPath(dir)); err != nil {
				t.Fatal(err)
			}
			s, err := disk.Open(dir)
			if err == nil {
				s.Close()
			}
			if refused := err != nil; refused != tt.encrypted {
				t.Errorf("Open without the keyring: %v; encrypted data held: %v", err, tt.encrypted)
			}
		})
	}

	// A directory in format 4, before inline objects, keeps saying it held encrypted data.
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir, inFiles)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := putSmall(sseS3)(s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if f := formatOf(t, dir); f != "4" {
		t.Fatalf("format %q, want 4", f)
	}
	// As a doorman before inline objects left it: format 4, and no mark.
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("format")).Delete([]byte("encrypted")) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	aside := keyringPath(dir) + ".aside"
	if err := os.Rename(keyringPath(dir), aside); err != nil {
		t.Fatal(err)
	}
	if s, err := disk.Open(dir); err == nil {
		s.Close()
		t.Error("a directory of format 4 without its keyring opened")
	}
	if err := os.Rename(aside, keyringPath(dir)); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, dir)
	if _, err := s.PutObject(ctx, "bkt", "plain", bytes.NewReader([]byte("y")), storage.PutObjectOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if f := formatOf(t, dir); f != "5" || !holdsEncrypted(t, dir) {
		t.Errorf("format %q, encrypted data held %v: want 5, true", f, holdsEncrypted(t, dir))
	}
}

// The sealed data of an inline object changed at rest is refused rather than read as other
// bytes: when the object is opened, since its data is opened whole then (a sealed file's
// fails the read of the chunk that changed).
func TestTamperedInlineDataRefused(t *testing.T) {
	s, dir := openWithBucket(t)
	body := marked("tamper|", 8<<10)
	if _, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: sseS3}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("inline"))
		id, v := b.Cursor().First()
		if id == nil {
			return errors.New("no inline object")
		}
		v = bytes.Clone(v)
		v[len(v)/2] ^= 1
		return b.Put(id, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = reopen(t, dir)
	if r, _, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{}); !errors.Is(err, sse.ErrOpen) {
		if err == nil {
			r.Close()
		}
		t.Errorf("GetObject of a tampered inline object = %v, want sse.ErrOpen", err)
	}
	if _, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{}); err != nil {
		t.Errorf("HeadObject of a tampered inline object, which reads no data: %v", err)
	}
}
