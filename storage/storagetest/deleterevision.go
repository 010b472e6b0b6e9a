package storagetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// TestDeleteRevision checks DeleteObjectOptions.IfRevision: a delete decided on a listing (a
// lifecycle rule's, https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html)
// removes, or hides behind a delete marker, only the object the listing showed, in every
// versioning state, with and without a version id; a write that comes between the listing and
// the delete survives it. A delete marker is matched by its own revision, and only when named.
func TestDeleteRevision(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"Objects", testDeleteRevisionObjects},
		{"DeleteMarkers", testDeleteRevisionMarkers},
		{"Noncurrent", testDeleteNoncurrent},
		{"Tags", testDeleteTags},
		{"ConditionWithoutVersion", testDeleteConditionWithoutVersion},
		{"OnlyVersion", testDeleteOnlyVersion},
	})
}

// listedVersionOf is the version of key with id as ListObjectVersions shows it.
func listedVersionOf(t *testing.T, s storage.Backend, key, id string) storage.ObjectInfo {
	t.Helper()
	res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{Prefix: key, MaxKeys: storage.MaxListKeys})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Versions {
		if v.Key == key && v.VersionID == id {
			return v
		}
	}
	t.Fatalf("%q version %q not listed in %+v", key, id, res.Versions)
	return storage.ObjectInfo{}
}

// latestBody is the body of key's latest version, "" when the key reads as missing.
func latestBody(t *testing.T, s storage.Backend, key string) string {
	t.Helper()
	if _, err := s.HeadObject(ctx, "bkt", key, storage.ReadOptions{}); errors.Is(err, storage.ErrNoSuchKey) {
		return ""
	}
	b, _ := Get(t, s, "bkt", key)
	return string(b)
}

// An object's revision, as listed, conditions the delete of the version named or of the
// latest: met, the delete is done as without it; not met (the key written again after the
// listing, or a revision the object never had), nothing changes.
func testDeleteRevisionObjects(t *testing.T, newBackend NewBackend) {
	for _, state := range []string{"", storage.VersioningEnabled, storage.VersioningSuspended} {
		for _, named := range []bool{false, true} {
			for _, tc := range []struct {
				name     string
				rewrite  bool   // a write of "new" between the listing and the delete
				revision string // the revision asked; the listed one when empty
			}{
				{name: "met"},
				{name: "written after the listing", rewrite: true},
				{name: "another revision", revision: "no-such-revision"},
			} {
				t.Run(fmt.Sprintf("%q/named=%v/%s", state, named, tc.name), func(t *testing.T) {
					s := withBucket(t, newBackend)
					if state != "" {
						if err := s.PutBucketVersioning(ctx, "bkt", state); err != nil {
							t.Fatal(err)
						}
					}
					old := Put(t, s, "bkt", "k", []byte("old"))
					listed := listedVersionOf(t, s, "k", old.VersionID)
					if listed.Revision == "" || listed.Revision != old.Revision {
						t.Fatalf("listed revision %q, written %q", listed.Revision, old.Revision)
					}
					if tc.rewrite {
						Put(t, s, "bkt", "k", []byte("new"))
					}
					opts := storage.DeleteObjectOptions{IfRevision: listed.Revision}
					if tc.revision != "" {
						opts.IfRevision = tc.revision
					}
					if named {
						opts.VersionID = old.VersionID
					}
					res, err := s.DeleteObject(ctx, "bkt", "k", opts)

					// The version named is still the old object only in a bucket with
					// versioning Enabled, where a write adds a version.
					stillOld := named && state == storage.VersioningEnabled
					met := tc.revision == "" && (!tc.rewrite || stillOld)
					if !met {
						if !errors.Is(err, storage.ErrPreconditionFailed) {
							t.Fatalf("DeleteObject: %+v %v, want ErrPreconditionFailed", res, err)
						}
						want := "old"
						if tc.rewrite {
							want = "new"
						}
						if got := latestBody(t, s, "k"); got != want {
							t.Fatalf("after a refused delete the key reads %q, want %q", got, want)
						}
						return
					}
					if err != nil {
						t.Fatalf("DeleteObject: %v", err)
					}
					wantLatest := ""
					if tc.rewrite {
						wantLatest = "new"
					}
					if got := latestBody(t, s, "k"); got != wantLatest {
						t.Fatalf("after the delete the key reads %q, want %q", got, wantLatest)
					}
					_, err = s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: old.VersionID})
					switch {
					case !named && state != "":
						if !res.DeleteMarker {
							t.Errorf("DeleteObject without a version id: %+v, want a delete marker added", res)
						}
						if state == storage.VersioningEnabled && err != nil {
							t.Errorf("the object the marker hides: %v", err)
						}
					case err == nil:
						t.Errorf("the version deleted still reads")
					}
				})
			}
		}
	}
}

// A delete marker, latest or not, is no object: a revision of an object finds none
// (ErrNoSuchKey), and a delete without a version id adds no marker over it. Named by its
// version id, a marker is removed with its own revision, which tells it from a null version
// written in its place.
func testDeleteRevisionMarkers(t *testing.T, newBackend NewBackend) {
	for _, state := range []string{storage.VersioningEnabled, storage.VersioningSuspended} {
		t.Run(state, func(t *testing.T) {
			newKey := func(t *testing.T) (s storage.Backend, old storage.ObjectInfo, marker storage.ObjectInfo) {
				s = withBucket(t, newBackend)
				if err := s.PutBucketVersioning(ctx, "bkt", state); err != nil {
					t.Fatal(err)
				}
				if state == storage.VersioningSuspended {
					// The object stays, beside the null delete marker, as a version of its own.
					if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
						t.Fatal(err)
					}
				}
				old = Put(t, s, "bkt", "k", []byte("old"))
				if err := s.PutBucketVersioning(ctx, "bkt", state); err != nil {
					t.Fatal(err)
				}
				res, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{})
				if err != nil || !res.DeleteMarker {
					t.Fatalf("DeleteObject: %+v %v", res, err)
				}
				marker = listedVersionOf(t, s, "k", res.VersionID)
				if marker.Revision == "" || marker.Revision == old.Revision {
					t.Fatalf("delete marker's revision %q (the object's %q)", marker.Revision, old.Revision)
				}
				return s, old, marker
			}
			versions := func(t *testing.T, s storage.Backend) int {
				res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
				if err != nil {
					t.Fatal(err)
				}
				return len(res.Versions)
			}
			for _, tc := range []struct {
				name       string
				named      bool
				byMarker   bool // IfRevision is the marker's, not the object's
				rewrite    bool // a write of "new" between the listing and the delete
				want       error
				wantLatest string
				wantCount  int // versions of the key left
			}{
				{name: "latest marker, object's revision", want: storage.ErrNoSuchKey, wantCount: 2},
				{name: "latest marker, its own revision, unnamed", byMarker: true, want: storage.ErrNoSuchKey, wantCount: 2},
				{name: "marker named, object's revision", named: true, want: storage.ErrNoSuchKey, wantCount: 2},
				{name: "marker named, its revision", named: true, byMarker: true, wantLatest: "old", wantCount: 1},
				{name: "marker named, written after the listing", named: true, byMarker: true, rewrite: true, wantLatest: "new", wantCount: 2},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s, old, marker := newKey(t)
					if tc.rewrite {
						Put(t, s, "bkt", "k", []byte("new"))
					}
					opts := storage.DeleteObjectOptions{IfRevision: old.Revision}
					if tc.byMarker {
						opts.IfRevision = marker.Revision
					}
					if tc.named {
						opts.VersionID = marker.VersionID
					}
					res, err := s.DeleteObject(ctx, "bkt", "k", opts)
					want := tc.want
					if tc.rewrite && state == storage.VersioningSuspended {
						// The null object written replaced the null marker: another object.
						want = storage.ErrPreconditionFailed
					}
					if want == nil && err != nil || want != nil && !errors.Is(err, want) {
						t.Fatalf("DeleteObject: %+v %v, want %v", res, err, want)
					}
					if got := latestBody(t, s, "k"); got != tc.wantLatest {
						t.Errorf("the key reads %q, want %q", got, tc.wantLatest)
					}
					if got := versions(t, s); got != tc.wantCount {
						t.Errorf("%d versions left, want %d", got, tc.wantCount)
					}
				})
			}
		})
	}
}

// DeleteObjectOptions.IfNoncurrent removes a version only while the facts of its newer
// versions a NoncurrentVersionExpiration was decided on still hold
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html): it
// is not the latest, the nearest newer version was written when the decision says, and at
// least as many noncurrent versions are newer. A change between the listing and the delete
// (the latest deleted to restore the version before it, a newer version removed) fails it
// with nothing removed.
func testDeleteNoncurrent(t *testing.T, newBackend NewBackend) {
	for _, tc := range []struct {
		name string
		// marker makes the latest version a delete marker rather than the object v3.
		marker bool
		// removed are the versions (by index, 0 oldest) deleted between the listing and the
		// delete of the version numbered target.
		removed []int
		target  int
		// since is the index of the version whose LastModified the condition names; later
		// adds a second to it.
		since int
		later bool
		newer int
		want  error
	}{
		{name: "met", target: 0, since: 1, newer: 1},
		{name: "met, fewer newer asked", target: 0, since: 1},
		{name: "met, under a delete marker", marker: true, target: 1, since: 2},
		{name: "more newer asked than there are", target: 0, since: 1, newer: 2, want: storage.ErrPreconditionFailed},
		{name: "nearest written at another time", target: 0, since: 1, later: true, want: storage.ErrPreconditionFailed},
		{name: "the latest deleted: the version is the latest again", removed: []int{2}, target: 1, since: 2, want: storage.ErrPreconditionFailed},
		{name: "the latest marker deleted", marker: true, removed: []int{2}, target: 1, since: 2, want: storage.ErrPreconditionFailed},
		{name: "a newer noncurrent version deleted", removed: []int{1}, target: 0, since: 1, newer: 1, want: storage.ErrPreconditionFailed},
		{name: "the latest named", target: 2, since: 2, want: storage.ErrPreconditionFailed},
		{name: "the version gone", removed: []int{0}, target: 0, since: 1, want: storage.ErrNoSuchKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := withBucket(t, newBackend)
			if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
				t.Fatal(err)
			}
			Put(t, s, "bkt", "k", []byte("v0"))
			Put(t, s, "bkt", "k", []byte("v1"))
			if tc.marker {
				if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{}); err != nil {
					t.Fatal(err)
				}
			} else {
				Put(t, s, "bkt", "k", []byte("v2"))
			}
			res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
			if err != nil || len(res.Versions) != 3 {
				t.Fatalf("ListObjectVersions: %+v %v", res, err)
			}
			listed := slices.Clone(res.Versions)
			slices.Reverse(listed) // oldest first
			for _, i := range tc.removed {
				if _, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: listed[i].VersionID}); err != nil {
					t.Fatal(err)
				}
			}
			c := storage.NoncurrentCondition{Since: listed[tc.since].LastModified, Newer: tc.newer}
			if tc.later {
				c.Since = c.Since.Add(time.Second)
			}
			target := listed[tc.target]
			_, err = s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: target.VersionID, IfRevision: target.Revision, IfNoncurrent: &c})
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("DeleteObject: %v, want %v", err, tc.want)
			}
			_, err = s.HeadObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: target.VersionID})
			gone := errors.Is(err, storage.ErrNoSuchVersion) || errors.Is(err, storage.ErrNoSuchKey)
			if wantGone := tc.want == nil || tc.want == storage.ErrNoSuchKey; gone != wantGone {
				t.Errorf("after the delete the version reads with %v, want it gone: %v", err, wantGone)
			}
		})
	}
}

// DeleteObjectOptions.IfTags removes the version named, or the latest, only while its tags
// are those the delete was decided on (a lifecycle rule's Tag filter,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRuleFilter.html). A change of
// the tags after the listing keeps the object's Revision, so IfRevision alone lets it through;
// IfTags fails it with nothing removed.
func testDeleteTags(t *testing.T, newBackend NewBackend) {
	for _, state := range []string{"", storage.VersioningEnabled} {
		for _, named := range []bool{false, true} {
			for _, tc := range []struct {
				name       string
				tags       string  // the object's tags when listed
				retag      *string // its tags set between the listing and the delete
				ifTags     string  // the tags asked
				wantFailed bool
			}{
				{name: "met", tags: tagsA, ifTags: tagsA},
				{name: "met, untagged", ifTags: ""},
				{name: "tags changed after the listing", tags: tagsA, retag: ptr(tagsB), ifTags: tagsA, wantFailed: true},
				{name: "tags removed after the listing", tags: tagsA, retag: ptr(""), ifTags: tagsA, wantFailed: true},
				{name: "tags set after the listing", retag: ptr(tagsA), ifTags: "", wantFailed: true},
				{name: "set again as listed", tags: tagsA, retag: ptr(tagsA), ifTags: tagsA},
				{name: "other tags asked", tags: tagsA, ifTags: tagsB, wantFailed: true},
			} {
				t.Run(fmt.Sprintf("%q/named=%v/%s", state, named, tc.name), func(t *testing.T) {
					s := withBucket(t, newBackend)
					if state != "" {
						if err := s.PutBucketVersioning(ctx, "bkt", state); err != nil {
							t.Fatal(err)
						}
					}
					put := putTagged(t, s, "k", "old", tc.tags)
					listed := listedVersionOf(t, s, "k", put.VersionID)
					if tc.retag != nil {
						if err := s.PutObjectTags(ctx, "bkt", "k", storage.PutObjectTagsOptions{Tags: *tc.retag}); err != nil {
							t.Fatal(err)
						}
					}
					opts := storage.DeleteObjectOptions{IfRevision: listed.Revision, IfTags: &tc.ifTags}
					if named {
						opts.VersionID = listed.VersionID
					}
					res, err := s.DeleteObject(ctx, "bkt", "k", opts)
					if tc.wantFailed {
						if !errors.Is(err, storage.ErrPreconditionFailed) {
							t.Fatalf("DeleteObject: %+v %v, want ErrPreconditionFailed", res, err)
						}
						if got := latestBody(t, s, "k"); got != "old" {
							t.Errorf("after a refused delete the key reads %q, want %q", got, "old")
						}
						return
					}
					if err != nil {
						t.Fatalf("DeleteObject: %v", err)
					}
					if got := latestBody(t, s, "k"); got != "" {
						t.Errorf("after the delete the key reads %q", got)
					}
				})
			}
		}
	}
	// A delete marker has no tags: named, it is removed while no tags are asked; the latest
	// being one, there is no object to delete.
	s := withBucket(t, newBackend)
	if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	Put(t, s, "bkt", "k", []byte("old"))
	marker, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		opts   storage.DeleteObjectOptions
		want   error
		wantOK bool
	}{
		{name: "unnamed", opts: storage.DeleteObjectOptions{IfTags: ptr("")}, want: storage.ErrNoSuchKey},
		{name: "named, tags asked", opts: storage.DeleteObjectOptions{VersionID: marker.VersionID, IfTags: ptr(tagsA)}, want: storage.ErrPreconditionFailed},
		{name: "named, no tags asked", opts: storage.DeleteObjectOptions{VersionID: marker.VersionID, IfTags: ptr("")}, wantOK: true},
	} {
		res, err := s.DeleteObject(ctx, "bkt", "k", tc.opts)
		if tc.wantOK && (err != nil || !res.DeleteMarker) || !tc.wantOK && !errors.Is(err, tc.want) {
			t.Errorf("delete marker, %s: %+v %v, want %v", tc.name, res, err, tc.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// A condition of the version named, given without a version id, is refused
// (ErrInvalidDeleteCondition) with nothing changed, never dropped to delete the latest
// unchecked: no object removed, no delete marker added.
func testDeleteConditionWithoutVersion(t *testing.T, newBackend NewBackend) {
	for _, state := range []string{"", storage.VersioningEnabled, storage.VersioningSuspended} {
		for _, tc := range []struct {
			name string
			opts storage.DeleteObjectOptions
		}{
			{"IfNoncurrent", storage.DeleteObjectOptions{IfNoncurrent: &storage.NoncurrentCondition{}}},
			{"IfOnlyVersion", storage.DeleteObjectOptions{IfOnlyVersion: true}},
		} {
			t.Run(fmt.Sprintf("%q/%s", state, tc.name), func(t *testing.T) {
				s := withBucket(t, newBackend)
				if state != "" {
					if err := s.PutBucketVersioning(ctx, "bkt", state); err != nil {
						t.Fatal(err)
					}
				}
				Put(t, s, "bkt", "k", []byte("old"))
				if res, err := s.DeleteObject(ctx, "bkt", "k", tc.opts); !errors.Is(err, storage.ErrInvalidDeleteCondition) {
					t.Fatalf("DeleteObject: %+v %v, want ErrInvalidDeleteCondition", res, err)
				}
				if got := latestBody(t, s, "k"); got != "old" {
					t.Errorf("after a refused delete the key reads %q, want %q", got, "old")
				}
				res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
				if err != nil || len(res.Versions) != 1 {
					t.Errorf("versions after a refused delete: %+v %v, want the object alone", res.Versions, err)
				}
			})
		}
	}
}

// DeleteObjectOptions.IfOnlyVersion removes the version named only while it is its key's
// latest and only version: an expired object delete marker
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html)
// decided on a listing is kept once a version was written after it, or when one is behind it.
func testDeleteOnlyVersion(t *testing.T, newBackend NewBackend) {
	del := func(t *testing.T, s storage.Backend, opts storage.DeleteObjectOptions) storage.DeleteResult {
		t.Helper()
		res, err := s.DeleteObject(ctx, "bkt", "k", opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, tc := range []struct {
		name  string
		state string
		// setup writes the key and returns the version to delete.
		setup func(t *testing.T, s storage.Backend) string
		want  error
	}{
		{"a lone delete marker", storage.VersioningEnabled, func(t *testing.T, s storage.Backend) string {
			v := Put(t, s, "bkt", "k", []byte("old"))
			m := del(t, s, storage.DeleteObjectOptions{})
			del(t, s, storage.DeleteObjectOptions{VersionID: v.VersionID})
			return m.VersionID
		}, nil},
		{"a lone null delete marker", storage.VersioningSuspended, func(t *testing.T, s storage.Backend) string {
			return del(t, s, storage.DeleteObjectOptions{}).VersionID
		}, nil},
		{"a lone object", storage.VersioningEnabled, func(t *testing.T, s storage.Backend) string {
			return Put(t, s, "bkt", "k", []byte("old")).VersionID
		}, nil},
		{"a lone object, never versioned", "", func(t *testing.T, s storage.Backend) string {
			return Put(t, s, "bkt", "k", []byte("old")).VersionID
		}, nil},
		{"a delete marker with an object behind", storage.VersioningEnabled, func(t *testing.T, s storage.Backend) string {
			Put(t, s, "bkt", "k", []byte("old"))
			return del(t, s, storage.DeleteObjectOptions{}).VersionID
		}, storage.ErrPreconditionFailed},
		{"a lone delete marker, then an object written", storage.VersioningEnabled, func(t *testing.T, s storage.Backend) string {
			m := del(t, s, storage.DeleteObjectOptions{})
			Put(t, s, "bkt", "k", []byte("new"))
			return m.VersionID
		}, storage.ErrPreconditionFailed},
		{"an object with a version behind", storage.VersioningEnabled, func(t *testing.T, s storage.Backend) string {
			Put(t, s, "bkt", "k", []byte("old"))
			return Put(t, s, "bkt", "k", []byte("new")).VersionID
		}, storage.ErrPreconditionFailed},
		{"a noncurrent version", storage.VersioningEnabled, func(t *testing.T, s storage.Backend) string {
			v := Put(t, s, "bkt", "k", []byte("old"))
			Put(t, s, "bkt", "k", []byte("new"))
			return v.VersionID
		}, storage.ErrPreconditionFailed},
		{"the version gone", storage.VersioningEnabled, func(t *testing.T, s storage.Backend) string {
			Put(t, s, "bkt", "k", []byte("new"))
			m := del(t, s, storage.DeleteObjectOptions{})
			del(t, s, storage.DeleteObjectOptions{VersionID: m.VersionID})
			return m.VersionID
		}, storage.ErrNoSuchKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := withBucket(t, newBackend)
			if tc.state != "" {
				if err := s.PutBucketVersioning(ctx, "bkt", tc.state); err != nil {
					t.Fatal(err)
				}
			}
			id := tc.setup(t, s)
			versions := func() []storage.ObjectInfo {
				res, err := s.ListObjectVersions(ctx, "bkt", storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
				if err != nil {
					t.Fatal(err)
				}
				return res.Versions
			}
			before := versions()
			_, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{VersionID: id, IfOnlyVersion: true})
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("DeleteObject: %v, want %v", err, tc.want)
			}
			after := versions()
			if tc.want == nil && len(after) != 0 || tc.want != nil && len(after) != len(before) {
				t.Errorf("versions after the delete: %+v (before: %+v)", after, before)
			}
		})
	}
}
