package disk_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// FuzzKeyRoundTrip checks that any valid key is stored, listed and read back exactly, and
// that an invalid one is refused with the documented error.
func FuzzKeyRoundTrip(f *testing.F) {
	for _, k := range []string{"a", "../../etc/passwd", "/", "\x00", "a\x01b", "日本", strings.Repeat("z", storage.MaxKeyLength), "\xff", ""} {
		f.Add(k)
	}
	s, _ := openWithBucket(f)
	f.Fuzz(func(t *testing.T, key string) {
		body := []byte("value:" + key)
		_, err := s.PutObject(ctx, "bkt", key, strings.NewReader(string(body)), storage.PutObjectOptions{Size: int64(len(body))})
		switch {
		case len(key) > storage.MaxKeyLength:
			if !errors.Is(err, storage.ErrKeyTooLong) {
				t.Fatalf("long key: %v", err)
			}
			return
		case key == "" || !utf8.ValidString(key):
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("invalid key %q: %v", key, err)
			}
			return
		case err != nil:
			t.Fatalf("put %q: %v", key, err)
		}
		defer s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{})
		if got, info := storagetest.Get(t, s, "bkt", key); string(got) != string(body) || info.Key != key {
			t.Fatalf("get %q: %q, key %q", key, got, info.Key)
		}
		res, err := s.ListObjects(ctx, "bkt", storage.ListObjectsOptions{Prefix: key, MaxKeys: 1})
		if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != key || res.Objects[0].ETag != storagetest.MD5Hex(body) {
			t.Fatalf("list %q: %+v, %v", key, res, err)
		}
	})
}
