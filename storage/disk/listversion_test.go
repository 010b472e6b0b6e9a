package disk_test

import (
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// The store's ListObjects gives each object its latest version's id, which the contract lets
// a backend leave empty (storage.Backend.ListObjects): the null version's before versioning,
// and the id of the version a write added once it is Enabled.
func TestListObjectsVersionID(t *testing.T) {
	s, _ := openWithBucket(t)
	put := func(key string) storage.ObjectInfo {
		t.Helper()
		info, err := s.PutObject(ctx, "bkt", key, strings.NewReader("x"), storage.PutObjectOptions{Size: 1})
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	null := put("a")
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	put("b")
	latest := put("b")
	want := map[string]string{"a": null.VersionID, "b": latest.VersionID}
	if null.VersionID != storage.NullVersion || latest.VersionID == storage.NullVersion || latest.VersionID == "" {
		t.Fatalf("versions written: %q, %q", null.VersionID, latest.VersionID)
	}
	res, err := s.ListObjects(ctx, "bkt", storage.ListObjectsOptions{MaxKeys: 10})
	if err != nil || len(res.Objects) != 2 {
		t.Fatalf("ListObjects = %+v, %v", res, err)
	}
	for _, o := range res.Objects {
		if o.VersionID != want[o.Key] {
			t.Errorf("ListObjects lists %q as version %q, want %q", o.Key, o.VersionID, want[o.Key])
		}
	}
}
