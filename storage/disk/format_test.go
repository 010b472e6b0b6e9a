package disk_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// A directory as doorman wrote it before the format had a version: its records, written out by
// hand, and the data files they name.
var (
	legacyRecords = map[string]string{
		"buckets/bkt": `{"id":"cbcd44977852315e3a27238fd3f9189b","created":"2026-11-30T13:57:43Z","acl":"private"}`,
		"objects/bkt/full": `{"file":"1e5b35b5c93efc2ff1586875d9304c18","size":5,"etag":"5d41402abc4b2a76b9719d911017c592","modified":"2026-11-30T13:57:43Z",` +
			`"metadata":{"ContentType":"text/plain","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"","Expires":"","User":{"a":"b"}},` +
			`"acl":"private","class":"STANDARD","checksum":{"Algorithm":"CRC32","Value":"NhCmhg==","Type":"FULL_OBJECT"},"owner":"o"}`,
		"uploads/bkt/up/18ecd749d462e0cfebe2b02bb1a6910e/meta": `{"initiated":"2026-11-30T13:57:43Z",` +
			`"metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"no","Expires":"","User":null},` +
			`"acl":"private","class":"STANDARD","checksumAlgorithm":"SHA256","checksumType":"COMPOSITE"}`,
		"uploads/bkt/up/18ecd749d462e0cfebe2b02bb1a6910e/parts/\x00\x01": `{"file":"d4c1b2cfa054eb03ad0b4e228731a58e","size":4,"etag":"f4c9385f1902f7334b00b9b4ecd164de",` +
			`"modified":"2026-11-30T13:57:43Z","checksum":"N6aAEzvQk0L5NK+43Sx9nhtiTaXzXjo4rbED43wFXtE="}`,
		"configs/bkt/cors": `<CORSConfiguration/>`,
	}
	legacyFiles = map[string]string{
		"1e5b35b5c93efc2ff1586875d9304c18": "hello",
		"d4c1b2cfa054eb03ad0b4e228731a58e": "part",
	}
)

// splitPath splits a record's path into its nested bbolt buckets and its key.
func splitPath(path string) (buckets []string, key string) {
	names := strings.Split(path, "/")
	return names[:len(names)-1], names[len(names)-1]
}

// writeLegacyDir writes the directory, with format as its format version unless empty.
// withRecords writes legacyRecords into it.
func writeLegacyDir(t *testing.T, format string, withRecords bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	for id, body := range legacyFiles {
		shard := filepath.Join(dir, "data", id[:2])
		if err := os.MkdirAll(shard, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shard, id), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		records := map[string]string{}
		if withRecords {
			maps.Copy(records, legacyRecords)
		}
		if format != "" {
			records["format/version"] = format
		}
		for path, v := range records {
			names, key := splitPath(path)
			b, err := tx.CreateBucketIfNotExists([]byte(names[0]))
			for _, name := range names[1:] {
				if err != nil {
					return err
				}
				b, err = b.CreateBucketIfNotExists([]byte(name))
			}
			if err != nil {
				return err
			}
			if err := b.Put([]byte(key), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// readRecord returns the stored bytes of a record, nil when there is none.
func readRecord(t *testing.T, dir, path string) []byte {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	err = db.View(func(tx *bolt.Tx) error {
		names, key := splitPath(path)
		b := tx.Bucket([]byte(names[0]))
		for _, name := range names[1:] {
			if b == nil {
				return nil
			}
			b = b.Bucket([]byte(name))
		}
		if b != nil {
			v = append([]byte(nil), b.Get([]byte(key))...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A directory written before records had their own types and a format version, or in format
// 1, before versions, opens, reads as it was written, and keeps its records byte for byte; Open
// only sets the version to 2.
func TestOpenLegacyDirectory(t *testing.T) {
	for _, format := range []string{"", "1"} {
		t.Run("format="+format, func(t *testing.T) { testOpenLegacyDirectory(t, format) })
	}
}

func testOpenLegacyDirectory(t *testing.T, format string) {
	dir := writeLegacyDir(t, format, true)
	s := reopen(t, dir)
	when := time.Date(2026, 11, 30, 13, 57, 43, 0, time.UTC)

	b, err := s.HeadBucket(ctx, "bkt")
	if want := (storage.BucketInfo{Name: "bkt", ID: "cbcd44977852315e3a27238fd3f9189b", CreationDate: when, ACL: "private"}); err != nil || b != want {
		t.Errorf("HeadBucket = %+v, %v; want %+v", b, err, want)
	}
	body, info := storagetest.Get(t, s, "bkt", "full")
	wantInfo := storage.ObjectInfo{Bucket: "bkt", Key: "full", Size: 5, ETag: "5d41402abc4b2a76b9719d911017c592", LastModified: when,
		Metadata: storage.ObjectMetadata{ContentType: "text/plain", User: map[string]string{"a": "b"}}, ACL: "private", StorageClass: "STANDARD",
		Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: "NhCmhg==", Type: storage.ChecksumFullObject}, Owner: "o",
		Revision:  "1e5b35b5c93efc2ff1586875d9304c18", // the record's data file
		VersionID: storage.NullVersion}
	if string(body) != "hello" || !reflect.DeepEqual(info, wantInfo) {
		t.Errorf("GetObject = %q %+v; want hello %+v", body, info, wantInfo)
	}
	parts, err := s.ListParts(ctx, "bkt", "up", "18ecd749d462e0cfebe2b02bb1a6910e", storage.ListPartsOptions{MaxParts: 10})
	wantUpload := storage.UploadInfo{Bucket: "bkt", Key: "up", UploadID: "18ecd749d462e0cfebe2b02bb1a6910e", Initiated: when,
		Metadata: storage.ObjectMetadata{CacheControl: "no"}, ACL: "private", StorageClass: "STANDARD",
		ChecksumAlgorithm: storage.ChecksumSHA256, ChecksumType: storage.ChecksumComposite}
	wantParts := []storage.PartInfo{{PartNumber: 1, ETag: "f4c9385f1902f7334b00b9b4ecd164de", Size: 4, LastModified: when, Checksum: "N6aAEzvQk0L5NK+43Sx9nhtiTaXzXjo4rbED43wFXtE="}}
	if err != nil || !reflect.DeepEqual(parts.Upload, wantUpload) || !reflect.DeepEqual(parts.Parts, wantParts) {
		t.Errorf("ListParts = %+v, %v; want %+v %+v", parts, err, wantUpload, wantParts)
	}
	if doc, err := s.GetBucketConfig(ctx, "bkt", "cors"); err != nil || string(doc) != legacyRecords["configs/bkt/cors"] {
		t.Errorf("GetBucketConfig = %q, %v", doc, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for path, want := range legacyRecords {
		if got := readRecord(t, dir, path); string(got) != want {
			t.Errorf("%q after Open:\n%s\nwant\n%s", path, got, want)
		}
	}
	if v := readRecord(t, dir, "format/version"); string(v) != "2" {
		t.Errorf("format version %q, want 2", v)
	}
}

// A directory of a format this version does not know is refused, not misread, and left as it
// was.
func TestOpenUnknownFormat(t *testing.T) {
	for _, format := range []string{"6", "0", "one"} {
		dir := writeLegacyDir(t, format, false)
		s, err := disk.Open(dir)
		if err == nil {
			s.Close()
			t.Fatalf("format %q: Open succeeded", format)
		}
		if !errors.Is(err, disk.ErrUnknownFormat) {
			t.Errorf("format %q: %v, want ErrUnknownFormat", format, err)
		}
		if v := readRecord(t, dir, "format/version"); string(v) != format {
			t.Errorf("format %q became %q", format, v)
		}
	}
}

// A directory converted from format 1 takes versions: the object it held becomes the null
// version when a new one is written, and stays, with its data, across a reopen.
func TestOpenFormat1Versions(t *testing.T) {
	dir := writeLegacyDir(t, "1", true)
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	v1 := storagetest.Put(t, s, "bkt", "full", []byte("v1"))
	s.Close()
	s = reopen(t, dir)
	for _, v := range []struct{ id, body string }{{v1.VersionID, "v1"}, {storage.NullVersion, "hello"}} {
		if body, _ := getVersion(t, s, "bkt", "full", v.id); string(body) != v.body {
			t.Errorf("version %s holds %q, want %q", v.id, body, v.body)
		}
	}
}

// A directory takes format 3 in the change that first gives a bucket Object Lock, and only
// then: a directory without Object Lock stays in format 2, which doorman of format 2 opens, and
// one with it is refused by that doorman (which reads format 2 alone) rather than have its
// locked versions deleted. A change refused leaves the format as it was; a reopened directory
// keeps its format and its Object Lock state.
func TestObjectLockFormat(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *disk.Store) error
		want   string
	}{
		{"bucket without Object Lock", func(s *disk.Store) error {
			_, err := s.CreateBucket(ctx, "plain", storage.CreateBucketOptions{})
			return err
		}, "2"},
		{"refused Object Lock", func(s *disk.Store) error {
			if err := s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true}); !errors.Is(err, storage.ErrInvalidBucketState) {
				return fmt.Errorf("PutBucketObjectLock on a bucket never versioned: %v", err)
			}
			return nil
		}, "2"},
		{"bucket created with Object Lock", func(s *disk.Store) error {
			_, err := s.CreateBucket(ctx, "locked", storage.CreateBucketOptions{ObjectLockEnabled: true})
			return err
		}, "3"},
		{"Object Lock enabled on a bucket", func(s *disk.Store) error {
			if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
				return err
			}
			return s.PutBucketObjectLock(ctx, "bkt", storage.ObjectLockConfig{Enabled: true})
		}, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := changeFormat(t, "2", tt.change, tt.want)
			buckets, err := s.ListBuckets(ctx)
			locked := 0
			for _, b := range buckets {
				if b.ObjectLock.Enabled {
					locked++
				}
			}
			if err != nil || (locked > 0) != (tt.want == "3") {
				t.Errorf("%d buckets with Object Lock after reopening (%v) in format %s", locked, err, tt.want)
			}
			s.Close()
			if v := readRecord(t, dir, "format/version"); string(v) != tt.want {
				t.Errorf("format %q after reopening, want %q", v, tt.want)
			}
		})
	}
}

// formatOf reads the format version of a closed store directory.
func formatOf(t *testing.T, dir string) string { return string(readRecord(t, dir, "format/version")) }

// holdsEncrypted reports whether the closed store in dir says it has held encrypted data: by
// its format, 4, or by the mark a later format carries.
func holdsEncrypted(t *testing.T, dir string) bool {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	marked := false
	db.View(func(tx *bolt.Tx) error {
		marked = tx.Bucket([]byte("format")).Get([]byte("encrypted")) != nil
		return nil
	})
	return marked || formatOf(t, dir) == "4"
}

// changeFormat writes a directory of legacyRecords in format, applies change to a store
// opened on it and checks that the directory is then in format want. It returns the
// directory, reopened, after checking that its object still reads as written.
func changeFormat(t *testing.T, format string, change func(*disk.Store) error, want string, opts ...disk.Option) (*disk.Store, string) {
	t.Helper()
	dir := writeLegacyDir(t, format, true)
	s, err := disk.Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := change(s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if v := formatOf(t, dir); v != want {
		t.Fatalf("format %q, want %q", v, want)
	}
	s = reopen(t, dir)
	if body, _ := storagetest.Get(t, s, "bkt", "full"); string(body) != "hello" {
		t.Errorf("the object holds %q", body)
	}
	return s, dir
}
