package disk_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"hash/crc32"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"testing"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
)

var ctx = context.Background()

// openStore opens a store in a fresh directory that is closed when the test ends.
func openStore(t testing.TB) (*disk.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

// openWithBucket opens a store holding one bucket named "bkt".
func openWithBucket(t testing.TB) (*disk.Store, string) {
	t.Helper()
	s, dir := openStore(t)
	if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func put(t testing.TB, s storage.Backend, bucket, key string, body []byte) storage.ObjectInfo {
	t.Helper()
	info, err := s.PutObject(ctx, bucket, key, bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body))})
	if err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
	return info
}

func get(t testing.TB, s storage.Backend, bucket, key string) ([]byte, storage.ObjectInfo) {
	t.Helper()
	r, info, err := s.GetObject(ctx, bucket, key)
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

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
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

// listAll pages through ListObjects and returns every key and common prefix.
func listAll(t testing.TB, s storage.Backend, bucket string, opts storage.ListObjectsOptions) (keys, prefixes []string) {
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
		if res.NextMarker == "" || page > 10000 {
			t.Fatalf("truncated page without progress: %+v", res)
		}
		opts.StartAfter = res.NextMarker
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

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

func crc32cB64(b []byte) string {
	return b64(be32(crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))))
}
