package disk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// modelVersion is one version of a key as the test expects it.
type modelVersion struct {
	id     string
	marker bool
	body   string
}

// versionModel is what a bucket must hold: each key's versions, newest first, and the state.
type versionModel struct {
	state string
	keys  map[string][]modelVersion
}

// withoutNull drops the key's null version.
func (m *versionModel) withoutNull(key string) []modelVersion {
	var out []modelVersion
	for _, v := range m.keys[key] {
		if v.id != storage.NullVersion {
			out = append(out, v)
		}
	}
	return out
}

// add records what a write or a delete without a version id made.
func (m *versionModel) add(key string, v modelVersion) {
	switch m.state {
	case "":
		m.keys[key] = []modelVersion{v}
		if v.marker {
			delete(m.keys, key)
		}
		return
	case storage.VersioningSuspended:
		m.keys[key] = m.withoutNull(key)
	}
	m.keys[key] = append([]modelVersion{v}, m.keys[key]...)
}

// maxModelOps bounds the random operations of TestVersionsModel: enough to reach every
// transition (put, delete and removal of each kind in each state) many times over, in well
// under a second.
const maxModelOps = 400

// After any sequence of writes, deletes, removals of versions and changes of versioning, each
// key's versions are the ones written, in order, with their bodies; objects/ holds exactly
// the latest version of each key whose latest is an object; versions/ holds no empty bucket;
// and the data directory holds exactly the files of the object versions, before and after
// reopening as after a crash (Open's garbage collection keeps noncurrent versions' files).
func TestVersionsModel(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { s.Close() }()
			ctx := context.Background()
			if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			m := &versionModel{keys: map[string][]modelVersion{}}
			rng := rand.New(rand.NewPCG(seed, 0))
			keys := []string{"a", "a/b", "c"}
			for i := range maxModelOps {
				key := keys[rng.IntN(len(keys))]
				op := rng.IntN(10)
				switch {
				case op == 0:
					state := []string{storage.VersioningEnabled, storage.VersioningSuspended}[rng.IntN(2)]
					if err := s.PutBucketVersioning(ctx, "bkt", state); err != nil {
						t.Fatal(err)
					}
					m.state = state
				case op < 5:
					body := fmt.Sprintf("op %d", i)
					info, err := s.PutObject(ctx, "bkt", key, bytes.NewReader([]byte(body)), storage.PutObjectOptions{Size: -1})
					if err != nil {
						t.Fatal(err)
					}
					m.add(key, modelVersion{id: info.VersionID, body: body})
				case op < 7:
					res, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{})
					if err != nil {
						t.Fatal(err)
					}
					if m.state != "" && (!res.DeleteMarker || res.VersionID == "") || m.state == "" && res != (storage.DeleteResult{}) {
						t.Fatalf("op %d: DeleteObject = %+v in state %q", i, res, m.state)
					}
					m.add(key, modelVersion{id: res.VersionID, marker: true})
				default:
					versions := m.keys[key]
					if len(versions) == 0 {
						continue
					}
					j := rng.IntN(len(versions))
					res, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{VersionID: versions[j].id})
					if want := (storage.DeleteResult{VersionID: versions[j].id, DeleteMarker: versions[j].marker}); err != nil || res != want {
						t.Fatalf("op %d: DeleteObject(%s) = %+v, %v; want %+v", i, versions[j].id, res, err, want)
					}
					m.keys[key] = append(versions[:j:j], versions[j+1:]...)
					if len(m.keys[key]) == 0 {
						delete(m.keys, key)
					}
				}
				checkModel(t, s, m, fmt.Sprintf("op %d", i))
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// As after a crash, so that Open's garbage collection runs.
			db, err := bolt.Open(filepath.Join(dir, dbName), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bktFormat).Delete(cleanKey) })
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			if s, err = Open(dir); err != nil {
				t.Fatal(err)
			}
			if sw, err := s.Swept(ctx); err != nil || sw.Err != nil || !sw.Ran {
				t.Fatalf("the sweep after reopening: %+v, %v", sw, err)
			}
			checkModel(t, s, m, "after reopening")
		})
	}
}

// checkModel compares the store with the model: the listing, each version's body, the
// records and the data files.
func checkModel(t *testing.T, s *Store, m *versionModel, when string) {
	t.Helper()
	ctx := context.Background()
	res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	var got, want []string
	for _, v := range res.Versions {
		got = append(got, fmt.Sprintf("%s %s marker=%v latest=%v", v.Key, v.VersionID, v.DeleteMarker, v.IsLatest))
	}
	files := 0
	for _, key := range []string{"a", "a/b", "c"} {
		for i, v := range m.keys[key] {
			want = append(want, fmt.Sprintf("%s %s marker=%v latest=%v", key, v.id, v.marker, i == 0))
			if v.marker {
				continue
			}
			files++
			r, _, err := s.GetObject(ctx, "bkt", key, storage.ReadOptions{VersionID: v.id})
			if err != nil {
				t.Fatalf("%s: GetObject(%s, %s): %v", when, key, v.id, err)
			}
			body, _ := io.ReadAll(r)
			r.Close()
			if string(body) != v.body {
				t.Fatalf("%s: %s version %s holds %q, want %q", when, key, v.id, body, v.body)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: versions\n%q\nwant\n%q", when, got, want)
	}
	if err := s.db.View(checkInvariant); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if n := countDataFiles(t, s.dir); n != files {
		t.Fatalf("%s: %d data files for %d object versions", when, n, files)
	}
}

// checkInvariant checks the layout of every key's versions: objects/<key> is the newest
// version when it is an object, versions/ holds the others under their numbers, never an
// empty nested bucket, at most one null version per key, and ids that name their numbers.
func checkInvariant(tx *bolt.Tx) error {
	return tx.Bucket(bktBuckets).ForEach(func(bucket, _ []byte) error {
		objects, versions := sub(tx, bktObjects, string(bucket)), sub(tx, bktVersions, string(bucket))
		c := &unionCursor{a: objects.Cursor(), b: versions.Cursor()}
		for key, v := c.Seek(nil); key != nil; key, v = c.Next() {
			var all []objectRecord
			if v != nil {
				var rec objectRecord
				if err := decode(v, &rec); err != nil {
					return err
				}
				if rec.Marker {
					return fmt.Errorf("%q: a delete marker in objects/", key)
				}
				all = append(all, rec)
			}
			if kept := versions.Bucket(key); kept != nil {
				n := 0
				err := kept.ForEach(func(k, v []byte) error {
					n++
					var rec objectRecord
					if err := decode(v, &rec); err != nil {
						return err
					}
					if !bytes.Equal(k, seqKey(rec.Seq)) {
						return fmt.Errorf("%q: version %d kept under %x", key, rec.Seq, k)
					}
					all = append(all, rec)
					return nil
				})
				if err != nil {
					return err
				}
				if n == 0 {
					return fmt.Errorf("%q: an empty bucket in versions/", key)
				}
			}
			if v == nil && !all[0].Marker {
				return fmt.Errorf("%q: the latest version is an object outside objects/", key)
			}
			nulls := 0
			for i, rec := range all {
				if i > 0 && rec.Seq >= all[i-1].Seq {
					return fmt.Errorf("%q: version %d listed after %d", key, rec.Seq, all[i-1].Seq)
				}
				if rec.Version == "" {
					nulls++
				} else if seq, ok := versionSeq(rec.Version); !ok || seq != rec.Seq {
					return fmt.Errorf("%q: version id %q does not name number %d", key, rec.Version, rec.Seq)
				}
			}
			if nulls > 1 {
				return fmt.Errorf("%q: %d null versions", key, nulls)
			}
		}
		return nil
	})
}

// countDataFiles counts the files under the store's data directory.
func countDataFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(dir, dataDir), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// openBucket opens a store in a fresh directory, closed when the test ends, that holds one
// bucket named "bkt".
func openBucket(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.CreateBucket(context.Background(), "bkt", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return s
}

// The reads of a version answer as the contract says for each kind of id.
func TestVersionReads(t *testing.T) {
	s := openBucket(t)
	ctx := context.Background()
	put := func(body string) storage.ObjectInfo {
		info, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader([]byte(body)), storage.PutObjectOptions{Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	null := put("null")
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	v1 := put("v1")
	del, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := versionSeq(v1.VersionID)
	forged := newVersionID(seq) // the number of v1, other random bytes
	tests := []struct {
		id   string
		body string
		err  error
	}{
		{"", "", storage.ErrNoSuchKey},
		{del.VersionID, "", storage.ErrDeleteMarker},
		{v1.VersionID, "v1", nil},
		{storage.NullVersion, "null", nil},
		{forged, "", storage.ErrNoSuchVersion},
		{newVersionID(seq + 100), "", storage.ErrNoSuchVersion},
		{"not-an-id", "", storage.ErrInvalidVersionID},
		{"ABCDEF0123456789ABCDEF0123456789", "", storage.ErrInvalidVersionID},
	}
	for _, tt := range tests {
		r, info, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: tt.id})
		if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("GetObject(%q) = %v, want %v", tt.id, err, tt.err)
			continue
		}
		var dm *storage.DeleteMarkerError
		if errors.As(err, &dm) && (dm.VersionID != del.VersionID || dm.Key != "k" || dm.Latest != (tt.id == "")) {
			t.Errorf("GetObject(%q) = %+v", tt.id, dm)
		}
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(r)
		r.Close()
		if string(body) != tt.body || info.VersionID != tt.id {
			t.Errorf("GetObject(%q) = %q version %q", tt.id, body, info.VersionID)
		}
	}
	if null.VersionID != storage.NullVersion {
		t.Errorf("an object of a never-versioned bucket has version %q", null.VersionID)
	}
}

// The null version is found among its key's versions reading of the newer ones only their
// version id, whatever else they hold: a page of ListObjectVersions resumed at VersionIDMarker
// "null", or the removal of a noncurrent null version, costs no full decoding of every newer
// version of the key.
func TestNullVersionLookup(t *testing.T) {
	// newer versions, each with userMetadata entries: decoded whole, each costs some seventy
	// allocations; its id decoded alone, under ten. maxAllocsPerNewer is between, and the
	// null version's own decoding fits in what the versions before it leave.
	const newer, userMetadata, maxAllocsPerNewer = 50, 16, 16
	s := openBucket(t)
	ctx := context.Background()
	put := func(body string, meta map[string]string) {
		if _, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader([]byte(body)), storage.PutObjectOptions{Size: -1, Metadata: storage.ObjectMetadata{User: meta}}); err != nil {
			t.Fatal(err)
		}
	}
	put("null", nil)
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for i := range userMetadata {
		meta[fmt.Sprintf("key-%d", i)] = fmt.Sprintf("value-%d", i)
	}
	for i := range newer {
		put(fmt.Sprintf("v%d", i), meta)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		k, err := keyIn(tx, "bkt", "k")
		if err != nil {
			return err
		}
		var found bool
		allocs := testing.AllocsPerRun(10, func() {
			var rec objectRecord
			rec, _, found, err = k.version(storage.NullVersion)
			found = found && rec.Version == "" && rec.Size == int64(len("null"))
		})
		if err != nil || !found {
			t.Fatalf("the null version: found %v, %v", found, err)
		}
		if allocs > newer*maxAllocsPerNewer {
			t.Errorf("finding the null version behind %d versions: %v allocations, want at most %d", newer, allocs, newer*maxAllocsPerNewer)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
