package disk_test

import (
	"context"
	"io"
	"io/fs"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
)

var ctx = context.Background()

// openStore opens a store in a fresh directory that is closed when the test ends.
func openStore(t testing.TB, opts ...disk.Option) (*disk.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

// openWithBucket opens a store holding one bucket named "bkt".
func openWithBucket(t testing.TB, opts ...disk.Option) (*disk.Store, string) {
	t.Helper()
	s, dir := openStore(t, opts...)
	if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// dataFiles lists the files under the store's data directory.
func dataFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(dir, "data"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// storedData counts the data a store holds: its data files and its inline objects' data.
func storedData(t testing.TB, s *disk.Store, dir string) int {
	t.Helper()
	return len(dataFiles(t, dir)) + disk.InlineCount(s)
}

// inFiles keeps every object's data in a file, as before inline objects: for the tests of
// data files.
var inFiles = disk.WithInlineLimit(-1)

// reopen opens an existing store directory for the rest of the test.
func reopen(t testing.TB, dir string) *disk.Store {
	t.Helper()
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// keysOf returns the keys of a bucket that holds fewer than storage.MaxListKeys.
func keysOf(t testing.TB, s storage.Backend, bucket string) []string {
	t.Helper()
	res, err := s.ListObjects(ctx, bucket, storage.ListObjectsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil || res.IsTruncated {
		t.Fatalf("listing %s: %v (truncated %v)", bucket, err, res.IsTruncated)
	}
	var keys []string
	for _, o := range res.Objects {
		keys = append(keys, o.Key)
	}
	return keys
}

// getVersion reads one version of an object.
func getVersion(t testing.TB, s storage.Backend, bucket, key, id string) ([]byte, storage.ObjectInfo) {
	t.Helper()
	r, info, err := s.GetObject(ctx, bucket, key, storage.ReadOptions{VersionID: id})
	if err != nil {
		t.Fatalf("GetObject(%s, %q, version %s): %v", bucket, key, id, err)
	}
	defer r.Close()
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return body, info
}

// asCrashed removes the mark of a clean close from meta.db, as a crash leaves it, so that the
// next Open sweeps.
func asCrashed(tx *bolt.Tx) error { return tx.Bucket([]byte("format")).Delete([]byte("clean")) }

// swept waits for the start-up sweep of s and returns what it did; it fails the test if the
// sweep failed.
func swept(t testing.TB, s *disk.Store) disk.Sweep {
	t.Helper()
	sw, err := s.Swept(ctx)
	if err == nil {
		err = sw.Err
	}
	if err != nil {
		t.Fatalf("start-up sweep: %v", err)
	}
	return sw
}
