package disk_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/sse"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

var (
	testCustomerKey = bytes.Repeat([]byte{0x5c}, storage.CustomerKeySize)
	sseS3           = storage.Encryption{Algorithm: storage.SSEAES256}
	sseKMS          = storage.Encryption{Algorithm: storage.SSEKMS}
	sseC            = storage.Encryption{CustomerKey: testCustomerKey}
)

// marked returns n bytes of a pattern that holds marker over and over, so that any 64 bytes
// of the body in the clear contain it.
func marked(marker string, n int) []byte {
	return bytes.Repeat([]byte(marker), n/len(marker)+1)[:n]
}

// filesHolding lists the files under dir whose bytes contain any of needles.
func filesHolding(t *testing.T, dir string, needles ...[]byte) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(b, n) {
				found = append(found, p)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// No file under the data directory, meta.db included, holds the plaintext of an encrypted
// object (in a file or inline), of a part of an encrypted upload or of an encrypted copy, nor
// the customer key or its MD5 in any encoding; an object stored in plain does hold its bytes,
// in a file or in meta.db, which shows the search finds them.
func TestNoPlaintextAtRest(t *testing.T) {
	s, dir := openWithBucket(t)
	secret := "the plaintext that must never be at rest|"
	body, small := marked(secret, 300<<10), marked(secret, 4<<10)
	for i, enc := range []storage.Encryption{sseS3, sseKMS, sseC} {
		key := []string{"s3", "kms", "c"}[i]
		if _, err := s.PutObject(ctx, "bkt", key, bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: enc}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CopyObject(ctx, "bkt", "s3", "bkt", key+" copy", storage.CopyObjectOptions{Encryption: enc}); err != nil {
			t.Fatal(err)
		}
		// A small object's data is kept in meta.db, sealed as a file's is.
		if _, err := s.PutObject(ctx, "bkt", key+" small", bytes.NewReader(small), storage.PutObjectOptions{Size: int64(len(small)), Encryption: enc}); err != nil {
			t.Fatal(err)
		}
		up, err := s.CreateMultipartUpload(ctx, "bkt", key+" upload", storage.CreateMultipartUploadOptions{Encryption: enc, ChecksumAlgorithm: storage.ChecksumCRC32, ChecksumType: storage.ChecksumFullObject})
		if err != nil {
			t.Fatal(err)
		}
		var done []storage.CompletedPart
		for n, size := range []int{storage.MinPartSize, 1000} {
			p, err := s.UploadPart(ctx, "bkt", key+" upload", up.UploadID, n+1, bytes.NewReader(marked(secret, size)), storage.UploadPartOptions{Size: int64(size), CustomerKey: enc.CustomerKey})
			if err != nil {
				t.Fatal(err)
			}
			done = append(done, storage.CompletedPart{PartNumber: n + 1, ETag: p.ETag})
		}
		// A second upload stays in progress, its parts on disk.
		pending, err := s.CreateMultipartUpload(ctx, "bkt", key+" pending", storage.CreateMultipartUploadOptions{Encryption: enc})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UploadPart(ctx, "bkt", key+" pending", pending.UploadID, 1, bytes.NewReader(body), storage.UploadPartOptions{Size: int64(len(body)), CustomerKey: enc.CustomerKey}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompleteMultipartUpload(ctx, "bkt", key+" upload", up.UploadID, done, storage.CompleteMultipartUploadOptions{CustomerKey: enc.CustomerKey}); err != nil {
			t.Fatal(err)
		}
	}
	keyMD5 := md5.Sum(testCustomerKey)
	needles := [][]byte{
		[]byte(secret), testCustomerKey, keyMD5[:],
		[]byte(base64.StdEncoding.EncodeToString(testCustomerKey)), []byte(base64.StdEncoding.EncodeToString(keyMD5[:])),
		[]byte(hex.EncodeToString(testCustomerKey)), []byte(hex.EncodeToString(keyMD5[:])),
	}
	if found := filesHolding(t, dir, needles...); len(found) != 0 {
		t.Errorf("files holding the plaintext or the customer key: %q", found)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if found := filesHolding(t, dir, needles...); len(found) != 0 {
		t.Errorf("after closing, files holding the plaintext or the customer key: %q", found)
	}
	s = reopen(t, dir)
	if got, _ := storagetest.Get(t, s, "bkt", "kms copy"); !bytes.Equal(got, body) {
		t.Error("the object does not read back after reopening")
	}
	if got, _ := readAllWith(t, s, "bkt", "c small", testCustomerKey); !bytes.Equal(got, small) {
		t.Error("the small object does not read back after reopening")
	}
	storagetest.Put(t, s, "bkt", "plain", body)
	if found := filesHolding(t, dir, []byte(secret)); len(found) != 1 || filepath.Base(found[0]) == "meta.db" {
		t.Errorf("an object in plain is found in %q, want one data file", found)
	}
	storagetest.Put(t, s, "bkt", "plain small", small)
	if found := filesHolding(t, dir, []byte(secret)); len(found) != 2 {
		t.Errorf("an object in plain is found in %q, want a data file and meta.db", found)
	}
}

// keyringPath is the keyring file of a store directory.
func keyringPath(dir string) string { return filepath.Join(dir, "keyring.json") }

// The keyring is created at Open, of mode 0600, and read again by the next Open; writes
// sealed under it read back after reopening.
func TestKeyringFile(t *testing.T) {
	s, dir := openWithBucket(t)
	fi, err := os.Stat(keyringPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("keyring mode %v, want 0600", fi.Mode().Perm())
	}
	before, _ := os.ReadFile(keyringPath(dir))
	if _, err := sse.ParseKeyring(before); err != nil {
		t.Fatalf("the keyring does not parse: %v", err)
	}
	if _, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("secret"), storage.PutObjectOptions{Size: 6, Encryption: sseS3}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = reopen(t, dir)
	if got, _ := storagetest.Get(t, s, "bkt", "k"); string(got) != "secret" {
		t.Errorf("after reopening, the object reads %q", got)
	}
	if after, _ := os.ReadFile(keyringPath(dir)); !bytes.Equal(before, after) {
		t.Error("reopening rewrote the keyring")
	}
}

// A keyring that does not parse is refused with an error naming it, and left as it is; so is
// a directory of encrypted data whose keyring is gone. A temporary keyring left by a crash is
// removed, and the keyring in place kept.
func TestKeyringRefused(t *testing.T) {
	s, dir := openWithBucket(t)
	if _, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("secret"), storage.PutObjectOptions{Size: 6, Encryption: sseS3}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	good, err := os.ReadFile(keyringPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, damaged := range [][]byte{good[:len(good)/2], []byte("{}"), nil} {
		if err := os.WriteFile(keyringPath(dir), damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		if s, err := disk.Open(dir); err == nil || !strings.Contains(err.Error(), "keyring") {
			if s != nil {
				s.Close()
			}
			t.Fatalf("Open with keyring %q = %v, want an error naming the keyring", damaged, err)
		}
		if after, _ := os.ReadFile(keyringPath(dir)); !bytes.Equal(after, damaged) {
			t.Errorf("the damaged keyring became %q", after)
		}
	}
	if err := os.Remove(keyringPath(dir)); err != nil {
		t.Fatal(err)
	}
	if s, err := disk.Open(dir); err == nil || !strings.Contains(err.Error(), "keyring") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of encrypted data without a keyring = %v", err)
	}
	if _, err := os.Stat(keyringPath(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a keyring was made for a directory of encrypted data: %v", err)
	}

	// What a crash while replacing the keyring leaves: the keyring, and a temporary one.
	if err := os.WriteFile(keyringPath(dir), good, 0o600); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, "tmp", "keyring-0123456789abcdef")
	if err := os.WriteFile(leftover, good[:10], 0o600); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, dir)
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary keyring survived Open: %v", err)
	}
	if got, _ := storagetest.Get(t, s, "bkt", "k"); string(got) != "secret" {
		t.Errorf("the object reads %q", got)
	}
}

// RotateKey adds a master key that seals what is written next, while the objects sealed by the
// older one still read, before and after reopening; S3Keys lists both, the new one current.
// CreateKMSKey makes keys that writes name by
// alias, id or ARN, reported by their ARN in the store's region; the default KMS key is made
// on its first use and kept.
func TestKeyManagement(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir, disk.WithRegion("eu-west-3"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put := func(s *disk.Store, key string, enc storage.Encryption) storage.ObjectInfo {
		t.Helper()
		info, err := s.PutObject(ctx, "bkt", key, strings.NewReader(key), storage.PutObjectOptions{Size: int64(len(key)), Encryption: enc})
		if err != nil {
			t.Fatalf("put %q: %v", key, err)
		}
		return info
	}
	put(s, "before rotation", sseS3)
	first, _ := os.ReadFile(keyringPath(dir))
	old := s.S3Keys()
	id, err := s.RotateKey()
	if err != nil || id == "" {
		t.Fatalf("RotateKey = %q, %v", id, err)
	}
	if after, _ := os.ReadFile(keyringPath(dir)); bytes.Equal(first, after) || !bytes.Contains(after, []byte(id)) {
		t.Error("the rotation is not in the keyring file")
	}
	if keys := s.S3Keys(); len(old) != 1 || !old[0].Current || len(keys) != 2 || keys[0].ID != old[0].ID || keys[0].Current || keys[1].ID != id || !keys[1].Current {
		t.Errorf("S3Keys = %+v before rotating, %+v after; the new key is %s", old, keys, id)
	}
	put(s, "after rotation", sseS3)

	if keys := s.KMSKeys(); len(keys) != 0 {
		t.Errorf("KMS keys before any use: %+v", keys)
	}
	created, err := s.CreateKMSKey("alias/photos")
	if err != nil || !strings.HasPrefix(created.ARN, "arn:aws:kms:eu-west-3:") || !strings.HasSuffix(created.ARN, ":key/"+created.ID) {
		t.Fatalf("CreateKMSKey = %+v, %v", created, err)
	}
	for _, name := range []string{"alias/photos", created.ID, created.ARN} {
		info := put(s, "named "+name, storage.Encryption{Algorithm: storage.SSEKMS, KMSKeyID: name})
		if info.Encryption.KMSKeyID != created.ARN {
			t.Errorf("SSE-KMS naming %s reports key %s, want %s", name, info.Encryption.KMSKeyID, created.ARN)
		}
	}
	def := put(s, "default", sseKMS)
	keys := s.KMSKeys()
	if len(keys) != 2 || keys[1].ARN != def.Encryption.KMSKeyID || !strings.Contains(strings.Join(keys[1].Aliases, " "), "alias/aws/s3") {
		t.Errorf("KMSKeys after the default key's first use = %+v; the object names %s", keys, def.Encryption.KMSKeyID)
	}
	if again := put(s, "default again", sseKMS); again.Encryption.KMSKeyID != def.Encryption.KMSKeyID {
		t.Errorf("a second default SSE-KMS write names %s, the first %s", again.Encryption.KMSKeyID, def.Encryption.KMSKeyID)
	}
	s.Close()

	s = reopen(t, dir)
	for _, key := range []string{"before rotation", "after rotation", "named alias/photos", "default"} {
		if got, _ := storagetest.Get(t, s, "bkt", key); string(got) != key {
			t.Errorf("%q reads %q after reopening", key, got)
		}
	}
	if reread := s.KMSKeys(); len(reread) != 2 || reread[0].ARN != created.ARN || reread[1].ARN != def.Encryption.KMSKeyID {
		t.Errorf("KMSKeys after reopening = %+v", reread)
	}
	if reread := s.S3Keys(); len(reread) != 2 || reread[1].ID != id || !reread[1].Current {
		t.Errorf("S3Keys after reopening = %+v", reread)
	}
}

// A directory takes format 4 in the change that first writes an encrypted object or upload,
// and only then: writes in plain and refused encrypted writes leave it in its format, and
// Object Lock enabled after never takes it back to 3. (Objects in files: inline objects take
// format 5, TestInlineFormat.)
func TestEncryptionFormat(t *testing.T) {
	tests := []struct {
		name   string
		format string // of the directory before
		change func(s *disk.Store) error
		want   string
	}{
		{"write in plain", "2", func(s *disk.Store) error {
			_, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1})
			return err
		}, "2"},
		{"refused encrypted write", "2", func(s *disk.Store) error {
			_, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Encryption: storage.Encryption{Algorithm: storage.SSEKMS, KMSKeyID: "alias/none"}})
			if !errors.Is(err, storage.ErrUnknownKMSKey) {
				return err
			}
			return nil
		}, "2"},
		{"encrypted write", "2", func(s *disk.Store) error {
			_, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Encryption: sseS3})
			return err
		}, "4"},
		{"encrypted copy", "2", func(s *disk.Store) error {
			_, err := s.CopyObject(ctx, "bkt", "full", "bkt", "copy", storage.CopyObjectOptions{Encryption: sseC})
			return err
		}, "4"},
		{"encrypted upload", "2", func(s *disk.Store) error {
			_, err := s.CreateMultipartUpload(ctx, "bkt", "k", storage.CreateMultipartUploadOptions{Encryption: sseKMS})
			return err
		}, "4"},
		{"encrypted write after Object Lock", "3", func(s *disk.Store) error {
			_, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Encryption: sseS3})
			return err
		}, "4"},
		{"Object Lock after an encrypted write", "2", func(s *disk.Store) error {
			if _, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Encryption: sseS3}); err != nil {
				return err
			}
			_, err := s.CreateBucket(ctx, "locked", storage.CreateBucketOptions{ObjectLockEnabled: true})
			return err
		}, "4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := changeFormat(t, tt.format, tt.change, tt.want, inFiles)
			s.Close()
			if v := formatOf(t, dir); v != tt.want {
				t.Errorf("format %q after reopening, want %q", v, tt.want)
			}
		})
	}
}

// A sealed data key is bound to its object's data file: the encryption record of one object
// moved into another's record opens nothing, and the read fails rather than return data.
func TestSealedKeyBound(t *testing.T) {
	s, dir := openWithBucket(t)
	for _, key := range []string{"a", "b"} {
		if _, err := s.PutObject(ctx, "bkt", key, strings.NewReader(key+" secret"), storage.PutObjectOptions{Size: 8, Encryption: sseS3}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	// Give b's record a's sealed key.
	updateMeta(t, dir, func(tx *bolt.Tx) error {
		objects := tx.Bucket([]byte("objects")).Bucket([]byte("bkt"))
		box := func(rec []byte) []byte {
			_, after, _ := bytes.Cut(rec, []byte(`"box":"`))
			v, _, _ := bytes.Cut(after, []byte(`"`))
			return v
		}
		a, b := objects.Get([]byte("a")), objects.Get([]byte("b"))
		if len(box(a)) == 0 {
			return errors.New("no sealed key in " + string(a))
		}
		return objects.Put([]byte("b"), bytes.Replace(b, box(b), box(a), 1))
	})
	s = reopen(t, dir)
	if r, _, err := s.GetObject(ctx, "bkt", "b", storage.ReadOptions{}); err == nil {
		r.Close()
		t.Fatal("an object read with another object's sealed key")
	}
	if got, _ := storagetest.Get(t, s, "bkt", "a"); string(got) != "a secret" {
		t.Errorf("a reads %q", got)
	}
}

// Two uploads of the same bytes as one part of an upload, under its one data key, are sealed
// apart (each part is a segment of its own random id, so no nonce is used twice): their data
// files differ.
func TestPartsSealedApart(t *testing.T) {
	s, dir := openWithBucket(t)
	up, err := s.CreateMultipartUpload(ctx, "bkt", "k", storage.CreateMultipartUploadOptions{Encryption: sseS3})
	if err != nil {
		t.Fatal(err)
	}
	body := marked("the same part|", 100<<10)
	var sealed [][]byte
	for range 2 {
		if _, err := s.UploadPart(ctx, "bkt", "k", up.UploadID, 1, bytes.NewReader(body), storage.UploadPartOptions{Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		files := dataFiles(t, dir)
		if len(files) != 1 {
			t.Fatalf("%d data files for one part", len(files))
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		sealed = append(sealed, b)
	}
	if len(sealed[0]) != len(sealed[1]) || bytes.Equal(sealed[0], sealed[1]) {
		t.Errorf("the two uploads of the part are sealed alike (%d and %d bytes)", len(sealed[0]), len(sealed[1]))
	}
	// The first 4 KiB of each differ: no chunk shares a nonce with the other's.
	if bytes.Equal(sealed[0][:4<<10], sealed[1][:4<<10]) {
		t.Error("the parts' first chunks are sealed alike")
	}
}

// A data file changed at rest fails the read of its object rather than return other bytes.
func TestTamperedDataRefused(t *testing.T) {
	s, dir := openWithBucket(t)
	body := marked("tamper|", 200<<10)
	if _, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: sseS3}); err != nil {
		t.Fatal(err)
	}
	files := dataFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("%d data files for one object", len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(files[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	r, _, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got bytes.Buffer
	if _, err := got.ReadFrom(r); !errors.Is(err, sse.ErrOpen) {
		t.Errorf("reading a tampered object = %v after %d bytes, want sse.ErrOpen", err, got.Len())
	}
	// The chunks before the change still read.
	head := make([]byte, 64<<10)
	if _, err := r.ReadAt(head, 0); err != nil || !bytes.Equal(head, body[:len(head)]) {
		t.Errorf("the first chunk = %v", err)
	}
}

// A start that fails after Open (Discard) removes the keyring that Open made with the rest of
// the directory, and keeps one that was there before.
func TestDiscardKeyring(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the directory a discarded start made is still there: %v", err)
	}
	s, err = disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	kept, _ := os.ReadFile(keyringPath(dir))
	if s, err = disk.Open(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(); err != nil {
		t.Fatal(err)
	}
	if after, err := os.ReadFile(keyringPath(dir)); err != nil || !bytes.Equal(after, kept) {
		t.Errorf("a discarded start changed the keyring it found: %v", err)
	}
}

// The segments of an encrypted multipart object are kept beside its record, under its data
// file's id, and go with the object; an entry no data file names (left by a crash between
// a data file's removal and its entry's) is removed by the sweep that follows the crash.
func TestSegmentsGoWithTheirObject(t *testing.T) {
	s, dir := openWithBucket(t)
	info := encryptedMultipart(t, s, sseS3)
	s.Close()
	if v := readRecord(t, dir, "segments/"+info.Revision); !bytes.Contains(v, []byte(`"size":10}`)) {
		t.Fatalf("segments kept for the object: %s", v)
	}
	// A stray entry, as a crash leaves it.
	updateMeta(t, dir, func(tx *bolt.Tx) error {
		if err := asCrashed(tx); err != nil {
			return err
		}
		return tx.Bucket([]byte("segments")).Put([]byte("0123456789abcdef0123456789abcdef"), []byte("[]"))
	})
	s = reopen(t, dir)
	swept(t, s)
	if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, id := range []string{info.Revision, "0123456789abcdef0123456789abcdef"} {
		if v := readRecord(t, dir, "segments/"+id); v != nil {
			t.Errorf("segments/%s survived: %s", id, v)
		}
	}
}

// encryptedMultipart completes an upload of "k" in "bkt" encrypted as enc, of two parts, of
// storage.MinPartSize and 10 bytes.
func encryptedMultipart(t *testing.T, s *disk.Store, enc storage.Encryption) storage.ObjectInfo {
	t.Helper()
	up, err := s.CreateMultipartUpload(ctx, "bkt", "k", storage.CreateMultipartUploadOptions{Encryption: enc})
	if err != nil {
		t.Fatal(err)
	}
	var done []storage.CompletedPart
	for n, size := range []int{storage.MinPartSize, 10} {
		p, err := s.UploadPart(ctx, "bkt", "k", up.UploadID, n+1, bytes.NewReader(marked("part|", size)), storage.UploadPartOptions{Size: int64(size)})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, storage.CompletedPart{PartNumber: n + 1, ETag: p.ETag})
	}
	info, err := s.CompleteMultipartUpload(ctx, "bkt", "k", up.UploadID, done, storage.CompleteMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// An SSE-KMS object's encryption context is bound to its sealed data key, as AWS KMS binds a
// context to what it encrypts: a context changed in the record opens nothing, and the read
// fails rather than report a context the object was not written with.
func TestKMSContextBound(t *testing.T) {
	const written, changed = "eyJhIjoiYiJ9", "eyJhIjoiYyJ9" // {"a":"b"}, {"a":"c"}
	enc := storage.Encryption{Algorithm: storage.SSEKMS, KMSContext: written}
	for _, tt := range []struct {
		name  string
		write func(t *testing.T, s *disk.Store)
	}{
		{"PutObject", func(t *testing.T, s *disk.Store) {
			if _, err := s.PutObject(ctx, "bkt", "k", strings.NewReader("secret"), storage.PutObjectOptions{Size: 6, Encryption: enc}); err != nil {
				t.Fatal(err)
			}
		}},
		{"CompleteMultipartUpload", func(t *testing.T, s *disk.Store) { encryptedMultipart(t, s, enc) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := openWithBucket(t)
			tt.write(t, s)
			if r, info, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{}); err != nil || info.Encryption.KMSContext != written {
				t.Fatalf("GetObject = %+v, %v", info.Encryption, err)
			} else {
				r.Close()
			}
			s.Close()
			updateMeta(t, dir, func(tx *bolt.Tx) error {
				objects := tx.Bucket([]byte("objects")).Bucket([]byte("bkt"))
				rec := objects.Get([]byte("k"))
				if !bytes.Contains(rec, []byte(written)) {
					return errors.New("no context in " + string(rec))
				}
				return objects.Put([]byte("k"), bytes.Replace(rec, []byte(written), []byte(changed), 1))
			})
			s = reopen(t, dir)
			if r, info, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{}); err == nil {
				r.Close()
				t.Errorf("read with the context %q changed to %q", written, info.Encryption.KMSContext)
			}
		})
	}
}

// updateMeta changes the metadata database of the closed store in dir with change.
func updateMeta(t *testing.T, dir string, change func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(change)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
}

// Segments that do not describe an encrypted object's data (the entry beside a multipart
// object's record gone, or sizes that do not add up to the object's) fail its reads as a
// damaged database, rather than return a body of another length than the object's.
func TestSegmentsCorrupt(t *testing.T) {
	for _, tt := range []struct {
		name      string
		multipart bool
		change    func(tx *bolt.Tx, file string) error
	}{
		{"kept segments gone", true, func(tx *bolt.Tx, file string) error {
			return tx.Bucket([]byte("segments")).Delete([]byte(file))
		}},
		{"a kept segment gone", true, func(tx *bolt.Tx, file string) error {
			b := tx.Bucket([]byte("segments"))
			var segs []json.RawMessage
			if err := json.Unmarshal(b.Get([]byte(file)), &segs); err != nil || len(segs) != 2 {
				return fmt.Errorf("segments %s: %v", b.Get([]byte(file)), err)
			}
			first, _ := json.Marshal(segs[:1])
			return b.Put([]byte(file), first)
		}},
		{"a segment's size changed", false, func(tx *bolt.Tx, _ string) error {
			objects := tx.Bucket([]byte("objects")).Bucket([]byte("bkt"))
			rec := objects.Get([]byte("k"))
			if !bytes.Contains(rec, []byte(`"size":10}]`)) {
				return errors.New("no segment of 10 bytes in " + string(rec))
			}
			return objects.Put([]byte("k"), bytes.Replace(rec, []byte(`"size":10}]`), []byte(`"size":9}]`), 1))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := openWithBucket(t)
			var info storage.ObjectInfo
			var err error
			if tt.multipart {
				info = encryptedMultipart(t, s, sseS3)
			} else if info, err = s.PutObject(ctx, "bkt", "k", bytes.NewReader(marked("k|", 10)), storage.PutObjectOptions{Size: 10, Encryption: sseS3}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			updateMeta(t, dir, func(tx *bolt.Tx) error { return tt.change(tx, info.Revision) })
			s = reopen(t, dir)
			if r, got, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "corrupt") {
				if err == nil {
					r.Close()
				}
				t.Errorf("GetObject = %d bytes, %v; want a corrupt record", got.Size, err)
			}
			if _, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "corrupt") {
				t.Errorf("HeadObject = %v; want a corrupt record", err)
			}
		})
	}
}

// An encrypted version keeps its encryption as newer versions are written: each version reads
// with its own key and reports its own encryption, in reads and in the listing of versions.
func TestEncryptedVersions(t *testing.T) {
	s, _ := openWithBucket(t)
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, enc := range []storage.Encryption{sseC, sseS3, {}} {
		info, err := s.PutObject(ctx, "bkt", "k", strings.NewReader(strconv.Itoa(i)), storage.PutObjectOptions{Size: 1, Encryption: enc})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.VersionID)
	}
	for i, customer := range [][]byte{testCustomerKey, nil, nil} {
		r, info, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: ids[i], CustomerKey: customer})
		if err != nil {
			t.Fatalf("version %d: %v", i, err)
		}
		var got bytes.Buffer
		got.ReadFrom(r)
		r.Close()
		if got.String() != strconv.Itoa(i) || info.Encryption.Customer != (i == 0) || (info.Encryption.Algorithm == storage.SSEAES256) != (i == 1) {
			t.Errorf("version %d reads %q, encryption %+v", i, got.String(), info.Encryption)
		}
	}
	if _, _, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: ids[0]}); !errors.Is(err, storage.ErrCustomerKeyRequired) {
		t.Errorf("the SSE-C version without its key: %v", err)
	}
	listed, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: 10})
	if err != nil || len(listed.Versions) != 3 {
		t.Fatalf("ListObjectVersions = %+v, %v", listed, err)
	}
	if v := listed.Versions; v[0].Encryption.Encrypted() || v[1].Encryption.Algorithm != storage.SSEAES256 || !v[2].Encryption.Customer {
		t.Errorf("versions listed with encryptions %+v, %+v, %+v", v[0].Encryption, v[1].Encryption, v[2].Encryption)
	}
}
