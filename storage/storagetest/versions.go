package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// TestVersions checks object versioning as the "Versions" section of the package storage
// documentation describes it, after S3
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html): a bucket's
// versioning state, the versions every write and delete adds, removes or replaces, delete
// markers and the errors of reading them, version ids, the ACL and tags of one version, copies
// from a version, ListObjectVersions and its paging, and what keeps a versioned bucket from
// being deleted.
//
// Most checks compare the backend with a history: the versions each key should hold, newest
// first, kept up to date by the operations of the test as package storage says each one changes
// them, and compared with everything the backend reports (ListObjectVersions, ListObjects, a
// read of every version by its id and of every key's latest) after each operation.
func TestVersions(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"PutBucketVersioning", testPutBucketVersioning},
		{"Histories", testVersionHistories},
		{"VersionIDErrors", testVersionIDErrors},
		{"ACLAndTags", testVersionACLAndTags},
		{"IfUnchanged", testVersionIfUnchanged},
		{"Copy", testVersionCopy},
		{"List", testListObjectVersions},
		{"ListWhileDeleting", testListVersionsWhileDeleting},
		{"DeleteBucket", testDeleteVersionedBucket},
		{"WriteConditions", testVersionWriteConditions},
		{"DeleteConditions", testVersionDeleteConditions},
		{"ConcurrentWriters", testConcurrentVersions},
	})
}

// PutBucketVersioning accepts Enabled and Suspended and nothing else, and never returns a
// bucket to the state of one whose versioning was never set; HeadBucket and ListBuckets report
// the state of each bucket.
func testPutBucketVersioning(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	if _, err := s.CreateBucket(ctx, "other", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	reported := func(t *testing.T, want string) {
		t.Helper()
		if head, err := s.HeadBucket(ctx, "bkt"); err != nil || head.Versioning != want {
			t.Errorf("HeadBucket: versioning %q %v, want %q", head.Versioning, err, want)
		}
		list, err := s.ListBuckets(ctx)
		if err != nil || len(list) != 2 || list[0].Versioning != want || list[1].Versioning != "" {
			t.Errorf("ListBuckets = %+v %v, want bkt %q and other never set", list, err, want)
		}
	}
	reported(t, "")
	tests := []struct {
		status string
		err    error
		want   string // the state afterwards
	}{
		{"", storage.ErrInvalidVersioning, ""},
		{storage.VersioningEnabled, nil, storage.VersioningEnabled},
		{"enabled", storage.ErrInvalidVersioning, storage.VersioningEnabled},
		{"Disabled", storage.ErrInvalidVersioning, storage.VersioningEnabled},
		{" Enabled", storage.ErrInvalidVersioning, storage.VersioningEnabled},
		{storage.VersioningSuspended, nil, storage.VersioningSuspended},
		{"", storage.ErrInvalidVersioning, storage.VersioningSuspended},
		{storage.VersioningSuspended, nil, storage.VersioningSuspended},
		{storage.VersioningEnabled, nil, storage.VersioningEnabled},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d %q", i, tt.status), func(t *testing.T) {
			err := s.PutBucketVersioning(ctx, "bkt", tt.status)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Errorf("PutBucketVersioning(%q) = %v, want %v", tt.status, err, tt.err)
			}
			reported(t, tt.want)
		})
	}
	if err := s.PutBucketVersioning(ctx, "missing", storage.VersioningEnabled); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("PutBucketVersioning of a missing bucket = %v, want ErrNoSuchBucket", err)
	}
}

// withVersioning returns a new backend holding one bucket, "bkt", with versioning Enabled.
func withVersioning(t *testing.T, newBackend NewBackend) storage.Backend {
	t.Helper()
	s := withBucket(t, newBackend)
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	return s
}

// version is one version of a key in a history.
type version struct {
	id     string
	marker bool
	body   string
	etag   string
}

// history is what the keys of bucket "bkt" should hold, newest version first.
type history struct {
	versioning string
	keys       map[string][]version
	issued     map[string]bool   // every id other than "null" the backend returned
	removed    map[string]string // id (other than "null") removed for good → its key
}

func newHistory() *history {
	return &history{keys: map[string][]version{}, issued: map[string]bool{}, removed: map[string]string{}}
}

// step is one operation of a scenario: it calls the backend, checks its answer, and records
// its effect in the history.
type step struct {
	name string
	do   func(t *testing.T, s storage.Backend, h *history)
}

// runSteps runs steps in order, checking the backend against the history after each, and
// stops the test at the first that fails.
func runSteps(t *testing.T, s storage.Backend, h *history, steps []step) {
	t.Helper()
	for i, st := range steps {
		t.Logf("step %d: %s", i, st.name)
		st.do(t, s, h)
		if !t.Failed() {
			h.check(t, s)
		}
		if t.Failed() {
			t.Fatalf("failed at step %d: %s", i, st.name)
		}
	}
}

func setVersioning(status string) step {
	return step{"versioning " + status, func(t *testing.T, s storage.Backend, h *history) {
		if err := s.PutBucketVersioning(ctx, "bkt", status); err != nil {
			t.Fatal(err)
		}
		h.versioning = status
	}}
}

func putVersion(key, body string) step {
	return step{"put " + key + " " + body, func(t *testing.T, s storage.Backend, h *history) {
		info := Put(t, s, "bkt", key, []byte(body))
		h.wrote(t, key, body, MD5Hex([]byte(body)), info)
	}}
}

// completeVersion writes key with a multipart upload of one part.
func completeVersion(key, body string) step {
	return step{"complete " + key + " " + body, func(t *testing.T, s storage.Backend, h *history) {
		id := createUpload(t, s, "bkt", key, storage.CreateMultipartUploadOptions{})
		part := uploadPart(t, s, "bkt", key, id, 1, []byte(body))
		info, err := s.CompleteMultipartUpload(ctx, "bkt", key, id, []storage.CompletedPart{{PartNumber: 1, ETag: part.ETag}}, storage.CompleteMultipartUploadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h.wrote(t, key, body, awsMultipartETag([]byte(body)), info)
	}}
}

// copyVersion copies src's version i (newest 0; -1 the latest, naming no version) to dst.
func copyVersion(src string, i int, dst string) step {
	return step{fmt.Sprintf("copy %s version %d to %s", src, i, dst), func(t *testing.T, s storage.Backend, h *history) {
		from, opts := h.at(t, src, max(i, 0)), storage.CopyObjectOptions{}
		if i >= 0 {
			opts.SourceVersionID = from.id
		}
		info, err := s.CopyObject(ctx, "bkt", src, "bkt", dst, opts)
		if err != nil {
			t.Fatal(err)
		}
		h.wrote(t, dst, from.body, MD5Hex([]byte(from.body)), info)
	}}
}

// deleteKey deletes key naming no version.
func deleteKey(key string) step {
	return step{"delete " + key, func(t *testing.T, s storage.Backend, h *history) {
		res, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if h.versioning == "" {
			if res != (storage.DeleteResult{}) {
				t.Errorf("DeleteObject in a bucket never versioned = %+v, want an empty result", res)
			}
			h.drop(key, storage.NullVersion)
			return
		}
		if !res.DeleteMarker {
			t.Errorf("DeleteObject = %+v, want a delete marker", res)
		}
		h.add(t, key, version{id: res.VersionID, marker: true})
	}}
}

// deleteVersion deletes key's version i (newest 0) by its id.
func deleteVersion(key string, i int) step {
	return step{fmt.Sprintf("delete %s version %d", key, i), func(t *testing.T, s storage.Backend, h *history) {
		v := h.at(t, key, i)
		res, err := s.DeleteObject(ctx, "bkt", key, storage.DeleteObjectOptions{VersionID: v.id})
		if err != nil {
			t.Fatal(err)
		}
		// DeleteResult is empty when DeleteObject removed the key of a bucket never
		// versioned; naming its null version may echo the id.
		if (res.VersionID != v.id && (h.versioning != "" || res.VersionID != "")) || res.DeleteMarker != v.marker {
			t.Errorf("DeleteObject of version %q (delete marker %v) = %+v", v.id, v.marker, res)
		}
		h.drop(key, v.id)
	}}
}

// at returns key's version i, newest 0.
func (h *history) at(t *testing.T, key string, i int) version {
	t.Helper()
	if i >= len(h.keys[key]) {
		t.Fatalf("the test names version %d of %q, which has %d", i, key, len(h.keys[key]))
	}
	return h.keys[key][i]
}

// wrote records the object a write made, after checking what the write returned.
func (h *history) wrote(t *testing.T, key, body, etag string, info storage.ObjectInfo) {
	t.Helper()
	if info.Key != key || info.ETag != etag || info.Size != int64(len(body)) || info.DeleteMarker {
		t.Errorf("write of %q returned %+v, want ETag %s size %d", key, info, etag, len(body))
	}
	h.add(t, key, version{id: info.VersionID, body: body, etag: etag})
}

// add records the version a write, or a delete naming no version, made: a new one while
// versioning is Enabled, otherwise the null version, which replaces the key's null version.
func (h *history) add(t *testing.T, key string, v version) {
	t.Helper()
	if h.versioning == storage.VersioningEnabled {
		// Version ids as package storage defines them: opaque, at most MaxVersionIDLength bytes of URL-safe
		// text (taken here as what a query string carries unescaped), never "null", and
		// never issued twice.
		if v.id == "" || v.id == storage.NullVersion || len(v.id) > storage.MaxVersionIDLength || url.QueryEscape(v.id) != v.id {
			t.Fatalf("new version id %.80q: want URL-safe text other than %q of at most %d bytes", v.id, storage.NullVersion, storage.MaxVersionIDLength)
		}
		if h.issued[v.id] {
			t.Fatalf("version id %q issued twice", v.id)
		}
		h.issued[v.id] = true
	} else {
		if v.id != storage.NullVersion {
			t.Fatalf("version id %q while versioning is %q, want %q", v.id, h.versioning, storage.NullVersion)
		}
		h.drop(key, storage.NullVersion)
	}
	h.keys[key] = append([]version{v}, h.keys[key]...)
}

// drop records that key's version id is gone.
func (h *history) drop(key, id string) {
	h.keys[key] = slices.DeleteFunc(h.keys[key], func(v version) bool { return v.id == id })
	if len(h.keys[key]) == 0 {
		delete(h.keys, key)
	}
	if id != storage.NullVersion {
		h.removed[id] = key
	}
}

// listedVersion is what a test compares of a version ListObjectVersions lists.
type listedVersion struct {
	Key, VersionID string
	DeleteMarker   bool
	IsLatest       bool
	ETag           string
	Size           int64
}

func (v listedVersion) String() string {
	kind := "object"
	if v.DeleteMarker {
		kind = "marker"
	}
	if v.IsLatest {
		kind += ",latest"
	}
	return fmt.Sprintf("%s@%.12s(%s)", v.Key, v.VersionID, kind)
}

func listedOf(infos []storage.ObjectInfo) []listedVersion {
	out := []listedVersion{}
	for _, o := range infos {
		out = append(out, listedVersion{o.Key, o.VersionID, o.DeleteMarker, o.IsLatest, o.ETag, o.Size})
	}
	return out
}

// sortedKeys returns the history's keys in UTF-8 binary order.
func (h *history) sortedKeys() []string {
	keys := make([]string, 0, len(h.keys))
	for k := range h.keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// listing is every version, in ListObjectVersions' order: by key, then newest first.
func (h *history) listing() []listedVersion {
	out := []listedVersion{}
	for _, k := range h.sortedKeys() {
		for i, v := range h.keys[k] {
			out = append(out, listedVersion{k, v.id, v.marker, i == 0, v.etag, int64(len(v.body))})
		}
	}
	return out
}

// check compares everything the backend reports of bucket "bkt" with the history.
func (h *history) check(t *testing.T, s storage.Backend) {
	t.Helper()
	res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatalf("ListObjectVersions: %v", err)
	}
	if got, want := listedOf(res.Versions), h.listing(); !reflect.DeepEqual(got, want) || res.IsTruncated || len(res.CommonPrefixes) > 0 {
		t.Fatalf("ListObjectVersions:\n got %v (truncated %v, prefixes %q)\nwant %v", got, res.IsTruncated, res.CommonPrefixes, want)
	}
	for _, o := range res.Versions {
		if o.LastModified.IsZero() {
			t.Errorf("listed %s without LastModified", listedOf([]storage.ObjectInfo{o})[0])
		}
	}
	var live []string
	for _, key := range h.sortedKeys() {
		versions := h.keys[key]
		for _, v := range versions {
			expectRead(t, s, key, v.id, v, false)
		}
		expectRead(t, s, key, "", versions[0], true)
		if !versions[0].marker {
			live = append(live, key)
		}
		if !slices.ContainsFunc(versions, func(v version) bool { return v.id == storage.NullVersion }) {
			if _, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{VersionID: storage.NullVersion}); !errors.Is(err, storage.ErrNoSuchVersion) {
				t.Errorf("HeadObject(%q, null) of a key without a null version = %v, want ErrNoSuchVersion", key, err)
			}
		}
	}
	for id, key := range h.removed {
		if _, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{VersionID: id}); !errors.Is(err, storage.ErrNoSuchVersion) {
			t.Errorf("HeadObject(%q) of the removed version %q = %v, want ErrNoSuchVersion", key, id, err)
		}
	}
	objects, err := s.ListObjects(ctx, "bkt", storage.ListObjectsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, o := range objects.Objects {
		listed = append(listed, o.Key)
		// A listed object's VersionID may be left empty (storage.Backend.ListObjects).
		if vs := h.keys[o.Key]; len(vs) > 0 && o.VersionID != "" && o.VersionID != vs[0].id {
			t.Errorf("ListObjects lists %q as version %q, want the latest, %q", o.Key, o.VersionID, vs[0].id)
		}
	}
	if !reflect.DeepEqual(listed, live) {
		t.Errorf("ListObjects = %q, want the keys whose latest version is an object, %q", listed, live)
	}
}

// expectRead reads key's version id ("" the latest) with HeadObject and GetObject and checks
// that it is want: its bytes, or the error of a delete marker.
func expectRead(t *testing.T, s storage.Backend, key, id string, want version, latest bool) {
	t.Helper()
	head, herr := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{VersionID: id})
	r, info, gerr := s.GetObject(ctx, "bkt", key, storage.ReadOptions{VersionID: id})
	if gerr == nil {
		body, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != want.body {
			t.Errorf("GetObject(%q, version %q) read %q, want %q", key, id, body, want.body)
		}
	}
	if want.marker {
		wantDeleteMarker(t, fmt.Sprintf("HeadObject(%q, version %q)", key, id), herr, key, want.id, latest)
		wantDeleteMarker(t, fmt.Sprintf("GetObject(%q, version %q)", key, id), gerr, key, want.id, latest)
		return
	}
	if herr != nil || gerr != nil {
		t.Errorf("reading %q version %q: HeadObject %v, GetObject %v", key, id, herr, gerr)
		return
	}
	if head.VersionID != want.id || head.ETag != want.etag || head.Key != key || head.DeleteMarker {
		t.Errorf("HeadObject(%q, version %q) = %+v, want version %q, ETag %s", key, id, head, want.id, want.etag)
	}
	if !reflect.DeepEqual(head, info) {
		t.Errorf("GetObject(%q, version %q) = %+v, HeadObject %+v", key, id, info, head)
	}
}

// wantDeleteMarker checks that err is the error of a read that found key's delete marker id:
// an ErrNoSuchKey when it is the latest of a read naming no version, otherwise an
// ErrDeleteMarker.
func wantDeleteMarker(t *testing.T, op string, err error, key, id string, latest bool) {
	t.Helper()
	want, other := storage.ErrDeleteMarker, storage.ErrNoSuchKey
	if latest {
		want, other = other, want
	}
	var dm *storage.DeleteMarkerError
	if !errors.Is(err, want) || errors.Is(err, other) || !errors.As(err, &dm) || dm.Latest != latest || dm.VersionID != id || dm.Key != key || dm.LastModified.IsZero() {
		t.Errorf("%s = %v (%+v), want a DeleteMarkerError (Latest %v) of %q that is %v", op, err, dm, latest, id, want)
	}
}

// Sequences of writes and deletes, in each versioning state, leave the versions package storage
// says, and each version reads as what it is.
func testVersionHistories(t *testing.T, newBackend NewBackend) {
	enable, suspend := setVersioning(storage.VersioningEnabled), setVersioning(storage.VersioningSuspended)
	tests := []struct {
		name  string
		steps []step
	}{
		{"never versioned: one null version, replaced by each write", []step{
			putVersion("k", "v0"), putVersion("k", "v1"), deleteVersion("k", 0), putVersion("k", "v2"),
			copyVersion("k", -1, "c"), completeVersion("k", "v3"), deleteKey("k"), deleteKey("k"),
		}},
		{"enabled: every write a new version", []step{
			enable, putVersion("k", "v1"), putVersion("k", "v2"), copyVersion("k", 1, "k"),
			copyVersion("k", 2, "c"), completeVersion("k", "v3"), putVersion("j", "j1"),
		}},
		{"a null version survives enabling", []step{
			putVersion("k", "v0"), enable, putVersion("k", "v1"), putVersion("k", "v2"), deleteVersion("k", 2),
		}},
		{"delete markers", []step{
			enable, deleteKey("k"), putVersion("k", "v1"), deleteKey("k"), deleteKey("k"),
			deleteVersion("k", 0), deleteVersion("k", 0), deleteVersion("k", 1),
		}},
		{"removing the latest promotes the one before", []step{
			enable, putVersion("k", "v1"), putVersion("k", "v2"), deleteVersion("k", 0), putVersion("k", "v3"),
			deleteKey("k"), deleteVersion("k", 1), deleteVersion("k", 0), deleteVersion("k", 0),
		}},
		{"removing a noncurrent version", []step{
			enable, putVersion("k", "v1"), putVersion("k", "v2"), putVersion("k", "v3"), deleteVersion("k", 1), deleteVersion("k", 1),
		}},
		{"suspended: writes and deletes replace the null version only", []step{
			putVersion("k", "v0"), enable, putVersion("k", "v1"), suspend, putVersion("k", "v2"), putVersion("k", "v3"),
			deleteKey("k"), deleteKey("k"), putVersion("k", "v4"), completeVersion("k", "v5"), copyVersion("k", 1, "k"),
			enable, putVersion("k", "v6"), deleteKey("k"), deleteVersion("k", 2), suspend, deleteKey("k"),
		}},
		{"suspended without having been enabled", []step{
			suspend, putVersion("k", "v1"), putVersion("k", "v2"), deleteKey("k"), putVersion("k", "v3"), deleteVersion("k", 0),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSteps(t, withBucket(t, newBackend), newHistory(), tt.steps)
		})
	}
}

// tooLongVersionID is longer than any version id a backend may issue (MaxVersionIDLength).
var tooLongVersionID = strings.Repeat("a", 2*storage.MaxVersionIDLength)

// Every operation that names a version fails with ErrNoSuchVersion when it names none of the
// key's, and with ErrInvalidVersionID for an id no backend could have issued; DeleteObject
// succeeds for a missing version and removes nothing else.
//
// What a backend "could never have issued" depends on its ids, which are opaque; the one id
// every backend could never have issued is one longer than MaxVersionIDLength, so that is the
// one checked for ErrInvalidVersionID. DeleteObject's documentation names no error for it: it
// may fail with ErrInvalidVersionID or succeed, removing nothing.
func testVersionIDErrors(t *testing.T, newBackend NewBackend) {
	s := withVersioning(t, newBackend)
	removed := Put(t, s, "bkt", "k", []byte("removed"))
	kept := Put(t, s, "bkt", "k", []byte("kept"))
	other := Put(t, s, "bkt", "other", []byte("other"))
	if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: removed.VersionID}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, id string
		err           error
	}{
		{"removed version", "k", removed.VersionID, storage.ErrNoSuchVersion},
		{"another key's version", "k", other.VersionID, storage.ErrNoSuchVersion},
		{"null version of a key without one", "k", storage.NullVersion, storage.ErrNoSuchVersion},
		{"version of a missing key", "absent", kept.VersionID, storage.ErrNoSuchVersion},
		{"longer than any id issued", "k", tooLongVersionID, storage.ErrInvalidVersionID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := []struct {
				name string
				call func() error
			}{
				{"HeadObject", func() error {
					_, err := s.HeadObject(ctx, "bkt", tt.key, storage.ReadOptions{VersionID: tt.id})
					return err
				}},
				{"GetObject", func() error {
					r, _, err := s.GetObject(ctx, "bkt", tt.key, storage.ReadOptions{VersionID: tt.id})
					if err == nil {
						r.Close()
					}
					return err
				}},
				{"PutObjectACL", func() error {
					return s.PutObjectACL(ctx, "bkt", tt.key, storage.PutObjectACLOptions{ACL: "public-read", VersionID: tt.id})
				}},
				{"PutObjectTags", func() error {
					return s.PutObjectTags(ctx, "bkt", tt.key, storage.PutObjectTagsOptions{Tags: tagsA, VersionID: tt.id})
				}},
				{"CopyObject", func() error {
					_, err := s.CopyObject(ctx, "bkt", tt.key, "bkt", "copy", storage.CopyObjectOptions{SourceVersionID: tt.id})
					return err
				}},
				{"ListObjectVersions", func() error {
					_, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{KeyMarker: tt.key, VersionIDMarker: tt.id, MaxKeys: 10})
					return err
				}},
			}
			for _, c := range calls {
				if c.name == "PutObjectACL" && !implements(s, AreaObjectACL) {
					continue
				}
				want := tt.err
				if c.name == "ListObjectVersions" && want == storage.ErrNoSuchVersion {
					// A marker naming no version lists from where it would be (see
					// testListVersionsWhileDeleting).
					want = nil
				}
				if err := c.call(); !errors.Is(err, want) {
					t.Errorf("%s naming %.40q = %v, want %v", c.name, tt.id, err, want)
				}
			}
			_, err := s.DeleteObject(ctx, "bkt", tt.key, storage.DeleteObjectOptions{VersionID: tt.id})
			if err != nil && (tt.err != storage.ErrInvalidVersionID || !errors.Is(err, tt.err)) {
				t.Errorf("DeleteObject naming %.40q = %v, want success", tt.id, err)
			}
			h := newHistory()
			h.keys["k"] = []version{{id: kept.VersionID, body: "kept", etag: kept.ETag}}
			h.keys["other"] = []version{{id: other.VersionID, body: "other", etag: other.ETag}}
			h.check(t, s)
		})
	}
}

// PutObjectACL and PutObjectTags change the version they name and no other, the latest when
// they name none, and fail on a delete marker.
func testVersionACLAndTags(t *testing.T, newBackend NewBackend) {
	tests := []struct {
		name  string
		set   func(s storage.Backend, id string) error
		field func(*storage.ObjectInfo) *string // the field set
		value string
	}{
		{"PutObjectACL", func(s storage.Backend, id string) error {
			return s.PutObjectACL(ctx, "bkt", "k", storage.PutObjectACLOptions{ACL: "public-read", VersionID: id})
		}, func(o *storage.ObjectInfo) *string { return &o.ACL }, "public-read"},
		{"PutObjectTags", func(s storage.Backend, id string) error {
			return s.PutObjectTags(ctx, "bkt", "k", storage.PutObjectTagsOptions{Tags: tagsA, VersionID: id})
		}, func(o *storage.ObjectInfo) *string { return &o.Tags }, tagsA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := withVersioning(t, newBackend)
			if tt.name == "PutObjectACL" {
				skipWithout(t, s, AreaObjectACL)
			}
			v1, v2 := readBack(t, s, Put(t, s, "bkt", "k", []byte("v1"))), readBack(t, s, Put(t, s, "bkt", "k", []byte("v2")))
			// expect checks that version v reads as want but for the field set, which has
			// value.
			expect := func(want storage.ObjectInfo, value string) {
				t.Helper()
				got, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: want.VersionID})
				if err != nil || *tt.field(&got) != value {
					t.Fatalf("version %q: %+v %v, want %q", want.VersionID, got, err, value)
				}
				if *tt.field(&got) = *tt.field(&want); !reflect.DeepEqual(got, want) {
					t.Errorf("version %q changed beyond %s: %+v, was %+v", want.VersionID, tt.name, got, want)
				}
			}
			if err := tt.set(s, v1.VersionID); err != nil {
				t.Fatal(err)
			}
			expect(v1, tt.value)
			expect(v2, *tt.field(&v2))
			if err := tt.set(s, ""); err != nil {
				t.Fatal(err)
			}
			expect(v2, tt.value)
			marker, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.set(s, ""); !errors.Is(err, storage.ErrNoSuchKey) {
				t.Errorf("%s of a key whose latest version is a delete marker = %v, want ErrNoSuchKey", tt.name, err)
			}
			if err := tt.set(s, marker.VersionID); !errors.Is(err, storage.ErrDeleteMarker) {
				t.Errorf("%s naming a delete marker = %v, want ErrDeleteMarker", tt.name, err)
			}
		})
	}
}

// PutObjectACL and PutObjectTags with IfUnchanged change the version read while it has the
// Revision, Owner, ACL and Tags it was read with: a change of either its ACL or its tags fails
// both (who may change either can depend on both), while a newer version of its key does not
// touch it.
func testVersionIfUnchanged(t *testing.T, newBackend NewBackend) {
	changes := []struct {
		name      string
		versioned bool // only in a versioned bucket, the version read named
		change    func(t *testing.T, s storage.Backend, read storage.ObjectInfo)
		err       error
	}{
		{"unchanged", false, func(*testing.T, storage.Backend, storage.ObjectInfo) {}, nil},
		{"ACL changed", false, func(t *testing.T, s storage.Backend, read storage.ObjectInfo) {
			skipWithout(t, s, AreaObjectACL)
			if err := s.PutObjectACL(ctx, "bkt", "k", storage.PutObjectACLOptions{ACL: "authenticated-read", VersionID: read.VersionID}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrPreconditionFailed},
		{"tags changed", false, func(t *testing.T, s storage.Backend, read storage.ObjectInfo) {
			if err := s.PutObjectTags(ctx, "bkt", "k", storage.PutObjectTagsOptions{Tags: tagsB, VersionID: read.VersionID}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrPreconditionFailed},
		{"a newer version", true, func(t *testing.T, s storage.Backend, _ storage.ObjectInfo) {
			Put(t, s, "bkt", "k", []byte("newer"))
		}, nil},
		{"a delete marker over it", true, func(t *testing.T, s storage.Backend, _ storage.ObjectInfo) {
			if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"removed", true, func(t *testing.T, s storage.Backend, read storage.ObjectInfo) {
			if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: read.VersionID}); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrNoSuchVersion},
	}
	setters := []struct {
		name string
		// set changes version id ("" the latest) if it is still read.
		set   func(s storage.Backend, read storage.ObjectInfo, id string) error
		field func(storage.ObjectInfo) string
	}{
		{"PutObjectACL", func(s storage.Backend, read storage.ObjectInfo, id string) error {
			return s.PutObjectACL(ctx, "bkt", "k", storage.PutObjectACLOptions{ACL: "public-read", IfUnchanged: &read, VersionID: id})
		}, func(o storage.ObjectInfo) string { return o.ACL }},
		{"PutObjectTags", func(s storage.Backend, read storage.ObjectInfo, id string) error {
			return s.PutObjectTags(ctx, "bkt", "k", storage.PutObjectTagsOptions{Tags: "", IfUnchanged: &read, VersionID: id})
		}, func(o storage.ObjectInfo) string { return o.Tags }},
	}
	for _, named := range []bool{false, true} {
		for _, set := range setters {
			for _, c := range changes {
				if c.versioned && !named {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/version named %v", set.name, c.name, named), func(t *testing.T) {
					newBucket := withBucket
					if named {
						newBucket = withVersioning
					}
					s := newBucket(t, newBackend)
					if set.name == "PutObjectACL" {
						skipWithout(t, s, AreaObjectACL)
					}
					putTagged(t, s, "k", "v1", tagsA)
					read, err := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{})
					if err != nil {
						t.Fatal(err)
					}
					c.change(t, s, read)
					before, _ := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: read.VersionID})
					id := ""
					if named {
						id = read.VersionID
					}
					err = set.set(s, read, id)
					if !errors.Is(err, c.err) || (err == nil) != (c.err == nil) {
						t.Fatalf("%s = %v, want %v", set.name, err, c.err)
					}
					after, _ := s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: read.VersionID})
					if err != nil && set.field(after) != set.field(before) {
						t.Errorf("%s failed but changed %q to %q", set.name, set.field(before), set.field(after))
					}
					if err == nil && set.field(after) == set.field(before) {
						t.Errorf("%s succeeded but left %q", set.name, set.field(after))
					}
				})
			}
		}
	}
}

// CopyObject copies the source version it names, the latest when it names none; a delete
// marker as the source fails as HeadObject fails.
func testVersionCopy(t *testing.T, newBackend NewBackend) {
	s := withVersioning(t, newBackend)
	if _, err := s.CreateBucket(ctx, "other", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	one, two := Put(t, s, "bkt", "src", []byte("one")), Put(t, s, "bkt", "src", []byte("two"))
	Put(t, s, "bkt", "live", []byte("live"))
	marker, err := s.DeleteObject(ctx, "bkt", "src", storage.DeleteObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, version, dstBucket string
		want                          string // the copy's bytes
		err                           error
	}{
		{"older version", "src", one.VersionID, "bkt", "one", nil},
		{"version under a delete marker", "src", two.VersionID, "bkt", "two", nil},
		{"into a bucket never versioned", "src", one.VersionID, "other", "one", nil},
		{"latest", "live", "", "bkt", "live", nil},
		{"latest is a delete marker", "src", "", "bkt", "", storage.ErrNoSuchKey},
		{"a delete marker named", "src", marker.VersionID, "bkt", "", storage.ErrDeleteMarker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := s.CopyObject(ctx, "bkt", tt.key, tt.dstBucket, "dst", storage.CopyObjectOptions{SourceVersionID: tt.version})
			if !errors.Is(err, tt.err) {
				t.Fatalf("CopyObject = %v, want %v", err, tt.err)
			}
			if err != nil {
				_, headErr := s.HeadObject(ctx, "bkt", tt.key, storage.ReadOptions{VersionID: tt.version})
				var copyDM, headDM *storage.DeleteMarkerError
				if !errors.As(err, &copyDM) || !errors.As(headErr, &headDM) || *copyDM != *headDM {
					t.Errorf("CopyObject failed with %v (%+v), HeadObject with %v (%+v)", err, copyDM, headErr, headDM)
				}
				return
			}
			wantID := storage.NullVersion
			if tt.dstBucket == "bkt" {
				wantID = info.VersionID
				if wantID == "" || wantID == storage.NullVersion || wantID == tt.version {
					t.Errorf("the copy's version id %q, want a new one", wantID)
				}
			}
			r, got, err := s.GetObject(ctx, tt.dstBucket, "dst", storage.ReadOptions{VersionID: info.VersionID})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if body, _ := io.ReadAll(r); string(body) != tt.want || got.VersionID != wantID || info.ETag != MD5Hex([]byte(tt.want)) {
				t.Errorf("copy: %q, %+v; want %q as version %q", body, got, tt.want, wantID)
			}
		})
	}
}

// listFixture writes keys whose versions exercise ListObjectVersions: several versions of a
// key (one of them null), keys whose latest is a delete marker, keys that are only delete
// markers (the only keys under "gone/"), and a multi-byte key.
var listFixture = []step{
	putVersion("a", "a0"),
	setVersioning(storage.VersioningEnabled),
	putVersion("a", "a1"), putVersion("a", "a2"),
	putVersion("a/b", "ab1"), deleteKey("a/b"),
	putVersion("a/c/d", "acd1"),
	deleteKey("b"),
	deleteKey("gone/1"), deleteKey("gone/2"), deleteKey("gone/2"),
	putVersion("c", "c1"), deleteKey("c"), putVersion("c", "c2"),
	putVersion("ü", "u1"),
}

// referenceVersions computes one ListObjectVersions page the naive way, from a history.
func referenceVersions(h *history, opts storage.ListVersionsOptions, limit int) (versions []listedVersion, prefixes []string, truncated bool) {
	type entry struct {
		v  listedVersion
		cp string
	}
	var entries []entry
	passed := false // whether VersionIDMarker was passed among KeyMarker's versions
	for _, v := range h.listing() {
		if !strings.HasPrefix(v.Key, opts.Prefix) {
			continue
		}
		if i := strings.Index(v.Key[len(opts.Prefix):], opts.Delimiter); opts.Delimiter != "" && i >= 0 {
			cp := v.Key[:len(opts.Prefix)+i+len(opts.Delimiter)]
			if cp > opts.KeyMarker && (len(entries) == 0 || entries[len(entries)-1].cp != cp) {
				entries = append(entries, entry{cp: cp})
			}
			continue
		}
		if v.Key == opts.KeyMarker {
			if !passed {
				passed = opts.VersionIDMarker != "" && v.VersionID == opts.VersionIDMarker
				continue
			}
		} else if v.Key < opts.KeyMarker {
			continue
		}
		entries = append(entries, entry{v: v})
	}
	if len(entries) > limit {
		entries, truncated = entries[:limit], true
	}
	versions = []listedVersion{}
	for _, e := range entries {
		if e.cp != "" {
			prefixes = append(prefixes, e.cp)
		} else {
			versions = append(versions, e.v)
		}
	}
	return versions, prefixes, truncated
}

// ListObjectVersions lists versions and common prefixes as a naive listing of the history
// does, page after page, whatever the page size; the markers of a page lead to the next.
func testListObjectVersions(t *testing.T, newBackend NewBackend) {
	s, h := withBucket(t, newBackend), newHistory()
	runSteps(t, s, h, listFixture)
	tests := []struct {
		name string
		opts storage.ListVersionsOptions
		// versionMarker, when above 0, makes VersionIDMarker the id of KeyMarker's version
		// number versionMarker, newest 1.
		versionMarker int
	}{
		{"everything", storage.ListVersionsOptions{}, 0},
		{"prefix", storage.ListVersionsOptions{Prefix: "a"}, 0},
		{"delimiter", storage.ListVersionsOptions{Delimiter: "/"}, 0},
		{"prefix and delimiter", storage.ListVersionsOptions{Prefix: "a/", Delimiter: "/"}, 0},
		{"prefix of delete markers only", storage.ListVersionsOptions{Prefix: "gone/"}, 0},
		{"key marker skips all the key's versions", storage.ListVersionsOptions{KeyMarker: "a"}, 0},
		{"key marker inside a common prefix", storage.ListVersionsOptions{KeyMarker: "a/b", Delimiter: "/"}, 0},
		{"key marker of a missing key", storage.ListVersionsOptions{KeyMarker: "bb"}, 0},
		{"version id marker of the newest", storage.ListVersionsOptions{KeyMarker: "a"}, 1},
		{"version id marker of a middle version", storage.ListVersionsOptions{KeyMarker: "c"}, 2},
		{"version id marker of the null version", storage.ListVersionsOptions{KeyMarker: "a"}, 3},
		{"version id marker of a delete marker", storage.ListVersionsOptions{KeyMarker: "gone/2"}, 1},
		{"key marker after everything", storage.ListVersionsOptions{KeyMarker: "\U0010ffff"}, 0},
		{"no match", storage.ListVersionsOptions{Prefix: "nomatch", Delimiter: "/"}, 0},
	}
	for _, tt := range tests {
		if tt.versionMarker > 0 {
			tt.opts.VersionIDMarker = h.keys[tt.opts.KeyMarker][tt.versionMarker-1].id
		}
		for _, maxKeys := range []int{0, 1, 2, 3, storage.MaxListKeys} {
			t.Run(fmt.Sprintf("%s/max keys %d", tt.name, maxKeys), func(t *testing.T) {
				opts := tt.opts
				opts.MaxKeys = maxKeys
				all, allPrefixes := []listedVersion{}, []string(nil)
				for page := 0; ; page++ {
					res, err := s.ListObjectVersions(ctx, "bkt", opts)
					if err != nil {
						t.Fatal(err)
					}
					got := listedOf(res.Versions)
					want, wantPrefixes, wantTruncated := referenceVersions(h, opts, maxKeys)
					if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(res.CommonPrefixes, wantPrefixes) || res.IsTruncated != wantTruncated {
						t.Fatalf("page %d after %q %q:\n got %v prefixes %q truncated %v\nwant %v prefixes %q truncated %v",
							page, opts.KeyMarker, opts.VersionIDMarker, got, res.CommonPrefixes, res.IsTruncated, want, wantPrefixes, wantTruncated)
					}
					all, allPrefixes = append(all, got...), append(allPrefixes, res.CommonPrefixes...)
					if !res.IsTruncated || maxKeys == 0 {
						break
					}
					// The next page starts after the last entry of this one: its last version,
					// or its last common prefix when that comes later.
					nextKey, nextID := "", ""
					if n := len(got); n > 0 {
						nextKey, nextID = got[n-1].Key, got[n-1].VersionID
					}
					if n := len(res.CommonPrefixes); n > 0 && res.CommonPrefixes[n-1] > nextKey {
						nextKey, nextID = res.CommonPrefixes[n-1], ""
					}
					if res.NextKeyMarker != nextKey || res.NextVersionIDMarker != nextID || page > maxListPages {
						t.Fatalf("page %d ends with %q %q, but its next markers are %q %q", page, nextKey, nextID, res.NextKeyMarker, res.NextVersionIDMarker)
					}
					opts.KeyMarker, opts.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
				}
				if maxKeys == 0 {
					return
				}
				want, wantPrefixes, _ := referenceVersions(h, tt.opts, len(h.listing()))
				if !reflect.DeepEqual(all, want) || !reflect.DeepEqual(allPrefixes, wantPrefixes) {
					t.Errorf("all pages:\n got %v prefixes %q\nwant %v prefixes %q", all, allPrefixes, want, wantPrefixes)
				}
			})
		}
	}
	if _, err := s.ListObjectVersions(ctx, "missing", storage.ListVersionsOptions{MaxKeys: 10}); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("ListObjectVersions of a missing bucket = %v, want ErrNoSuchBucket", err)
	}
}

// A client emptying a bucket lists a page of versions, deletes them by id, and asks for the
// next page after the last version it listed, which no longer exists. The listing goes on from
// where that version was, as S3 does, never failing and never skipping a version; only a
// deleted null version, whose place a backend may not know, lets the listing start its key
// again from its newest version.
func testListVersionsWhileDeleting(t *testing.T, newBackend NewBackend) {
	for _, pageSize := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("page of %d", pageSize), func(t *testing.T) {
			s := withBucket(t, newBackend)
			// "n" has a null version between two others: written while versioning was
			// suspended.
			Put(t, s, "bkt", "a", []byte("a0"))
			for _, st := range []struct{ versioning, key string }{
				{storage.VersioningEnabled, "n"}, {storage.VersioningSuspended, "n"}, {storage.VersioningEnabled, "n"},
			} {
				if err := s.PutBucketVersioning(ctx, "bkt", st.versioning); err != nil {
					t.Fatal(err)
				}
				Put(t, s, "bkt", st.key, []byte(st.versioning))
			}
			for i := range 4 {
				Put(t, s, "bkt", "k", fmt.Appendf(nil, "k%d", i))
			}
			Put(t, s, "bkt", "z", []byte("z"))
			before, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			opts := storage.ListVersionsOptions{MaxKeys: pageSize}
			for page := 0; ; page++ {
				res, err := s.ListObjectVersions(ctx, "bkt", opts)
				if err != nil {
					t.Fatalf("page %d after %q %q: %v", page, opts.KeyMarker, opts.VersionIDMarker, err)
				}
				for _, v := range res.Versions {
					seen[v.Key+" "+v.VersionID]++
					if _, err := s.DeleteObject(ctx, "bkt", v.Key, storage.DeleteObjectOptions{VersionID: v.VersionID}); err != nil {
						t.Fatal(err)
					}
				}
				if !res.IsTruncated {
					break
				}
				if page > len(before.Versions) {
					t.Fatalf("still listing after %d pages", page)
				}
				opts.KeyMarker, opts.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
			}
			for _, v := range before.Versions {
				id := v.Key + " " + v.VersionID
				if seen[id] != 1 && (v.Key != "n" || seen[id] == 0) {
					t.Errorf("version %s listed %d times", id, seen[id])
				}
			}
			if left, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys}); err != nil || len(left.Versions) != 0 {
				t.Errorf("left after deleting every version listed: %v, %v", listedOf(left.Versions), err)
			}
		})
	}
}

// A bucket is not empty while it holds any version: noncurrent versions under a delete
// marker, or delete markers alone. Once every version is removed by its id it can be
// deleted, and a bucket created under its name holds none of them.
func testDeleteVersionedBucket(t *testing.T, newBackend NewBackend) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"noncurrent versions under a delete marker", []step{
			setVersioning(storage.VersioningEnabled), putVersion("k", "v1"), putVersion("k", "v2"), deleteKey("k"),
		}},
		{"delete markers only", []step{
			setVersioning(storage.VersioningEnabled), deleteKey("k"), deleteKey("k"), deleteKey("j"),
		}},
		{"a null delete marker only", []step{
			setVersioning(storage.VersioningSuspended), deleteKey("k"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, h := withBucket(t, newBackend), newHistory()
			runSteps(t, s, h, tt.steps)
			if err := s.DeleteBucket(ctx, "bkt"); !errors.Is(err, storage.ErrBucketNotEmpty) {
				t.Fatalf("DeleteBucket = %v, want ErrBucketNotEmpty", err)
			}
			var removals []step
			for _, key := range h.sortedKeys() {
				for range h.keys[key] {
					removals = append(removals, deleteVersion(key, 0))
				}
			}
			runSteps(t, s, h, removals[:len(removals)-1])
			if err := s.DeleteBucket(ctx, "bkt"); !errors.Is(err, storage.ErrBucketNotEmpty) {
				t.Fatalf("DeleteBucket with one version left = %v, want ErrBucketNotEmpty", err)
			}
			runSteps(t, s, h, removals[len(removals)-1:])
			if err := s.DeleteBucket(ctx, "bkt"); err != nil {
				t.Fatalf("DeleteBucket of a bucket without versions: %v", err)
			}
			if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
			if err != nil || len(res.Versions) != 0 {
				t.Errorf("a bucket created again lists %v, %v", listedOf(res.Versions), err)
			}
			if head, err := s.HeadBucket(ctx, "bkt"); err != nil || head.Versioning != "" {
				t.Errorf("a bucket created again has versioning %q, %v; want it never set", head.Versioning, err)
			}
		})
	}
}

// A write's conditions are about the object it would replace: none when the key's latest
// version is a delete marker, so If-None-Match succeeds and If-Match fails, whatever the
// versions under the marker.
func testVersionWriteConditions(t *testing.T, newBackend NewBackend) {
	writers := []struct {
		name  string
		write func(t *testing.T, s storage.Backend, cond storage.WriteConditions) (storage.ObjectInfo, error)
	}{
		{"PutObject", func(t *testing.T, s storage.Backend, cond storage.WriteConditions) (storage.ObjectInfo, error) {
			return s.PutObject(ctx, "bkt", "k", strings.NewReader("new"), storage.PutObjectOptions{Size: 3, Conditions: cond})
		}},
		{"CopyObject", func(t *testing.T, s storage.Backend, cond storage.WriteConditions) (storage.ObjectInfo, error) {
			return s.CopyObject(ctx, "bkt", "src", "bkt", "k", storage.CopyObjectOptions{Conditions: cond})
		}},
		{"CompleteMultipartUpload", func(t *testing.T, s storage.Backend, cond storage.WriteConditions) (storage.ObjectInfo, error) {
			id := createUpload(t, s, "bkt", "k", storage.CreateMultipartUploadOptions{})
			part := uploadPart(t, s, "bkt", "k", id, 1, []byte("new"))
			return s.CompleteMultipartUpload(ctx, "bkt", "k", id, []storage.CompletedPart{{PartNumber: 1, ETag: part.ETag}}, storage.CompleteMultipartUploadOptions{Conditions: cond})
		}},
	}
	conditions := []struct {
		name string
		cond storage.WriteConditions
		err  error
	}{
		{"if-match any", storage.WriteConditions{IfMatch: "*"}, storage.ErrPreconditionFailed},
		{"if-match the version under the marker", storage.WriteConditions{IfMatch: MD5Hex([]byte("old"))}, storage.ErrPreconditionFailed},
		{"if-none-match", storage.WriteConditions{IfNoneMatch: true}, nil},
		{"if-none-match over the new object", storage.WriteConditions{IfNoneMatch: true}, storage.ErrPreconditionFailed},
	}
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			s := withVersioning(t, newBackend)
			Put(t, s, "bkt", "src", []byte("new"))
			Put(t, s, "bkt", "k", []byte("old"))
			marker, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := 2 // versions of "k"
			for _, c := range conditions {
				_, err := w.write(t, s, c.cond)
				if !errors.Is(err, c.err) || (err == nil) != (c.err == nil) {
					t.Fatalf("%s, %s = %v, want %v", w.name, c.name, err, c.err)
				}
				res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{Prefix: "k", MaxKeys: storage.MaxListKeys})
				if err != nil {
					t.Fatal(err)
				}
				if c.err == nil {
					want++
				}
				// Until a write succeeds the key holds the old object under the marker.
				if len(res.Versions) != want || (want == 2) != (res.Versions[0].VersionID == marker.VersionID) {
					t.Errorf("after %s, %s: versions %v, want %d", w.name, c.name, listedOf(res.Versions), want)
				}
			}
		})
	}
}

// DeleteObject with IfMatch deletes only an object with that ETag, the version named or the
// latest; a delete marker is no object.
func testVersionDeleteConditions(t *testing.T, newBackend NewBackend) {
	s, h := withBucket(t, newBackend), newHistory()
	runSteps(t, s, h, []step{
		setVersioning(storage.VersioningEnabled), putVersion("k", "v1"), putVersion("k", "v2"), deleteKey("k"),
	})
	marker, v2, v1 := h.keys["k"][0], h.keys["k"][1], h.keys["k"][2]
	tests := []struct {
		name, id, ifMatch string
		err               error
	}{
		{"latest is a delete marker", "", "*", storage.ErrNoSuchKey},
		{"a delete marker named", marker.id, "*", storage.ErrNoSuchKey},
		{"another version's ETag", v1.id, v2.etag, storage.ErrPreconditionFailed},
		{"the version's ETag", v1.id, v1.etag, nil},
		{"any", v2.id, "*", nil},
	}
	for _, tt := range tests {
		_, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: tt.id, IfMatch: tt.ifMatch})
		if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("%s: DeleteObject = %v, want %v", tt.name, err, tt.err)
		}
		if tt.err == nil {
			h.drop("k", tt.id)
		}
		h.check(t, s)
	}
}

// versionWriters is how many writers race to add versions of one key: enough for their
// commits to overlap, few enough for a slow backend.
const versionWriters = 12

// Writers racing on one key of a bucket with versioning Enabled each add a version of their
// own: none is lost, each keeps its bytes, and the latest is one of them.
func testConcurrentVersions(t *testing.T, newBackend NewBackend) {
	s, h := withBucket(t, newBackend), newHistory()
	runSteps(t, s, h, []step{setVersioning(storage.VersioningEnabled)})
	infos := make([]storage.ObjectInfo, versionWriters)
	bodies := make([][]byte, versionWriters)
	var wg sync.WaitGroup
	for w := range versionWriters {
		bodies[w] = randomBytes(uint64(w), 1000+w*7919)
		wg.Add(1)
		go func() {
			defer wg.Done()
			info, err := s.PutObject(ctx, "bkt", "hot", bytes.NewReader(bodies[w]), storage.PutObjectOptions{Size: -1})
			if err != nil {
				t.Error(err)
			}
			infos[w] = info
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// The writers' order is the listing's, newest first; each version is the writer's.
	res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Versions) != versionWriters {
		t.Fatalf("%d writers left %d versions: %v", versionWriters, len(res.Versions), listedOf(res.Versions))
	}
	for i := range res.Versions {
		v := res.Versions[len(res.Versions)-1-i]
		w := slices.IndexFunc(infos, func(info storage.ObjectInfo) bool { return info.VersionID == v.VersionID })
		if w < 0 {
			t.Fatalf("listed version %q, which no writer was given", v.VersionID)
		}
		h.wrote(t, "hot", string(bodies[w]), MD5Hex(bodies[w]), infos[w])
	}
	h.check(t, s)
}
