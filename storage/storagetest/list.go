package storagetest

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// referenceList computes one ListObjects page the naive way, over a sorted slice of keys.
func referenceList(keys []string, prefix, delimiter, after string, limit int) (objects, prefixes []string, truncated bool) {
	type entry struct {
		name string
		cp   bool
	}
	var entries []entry
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		e := entry{name: k}
		if delimiter != "" {
			if i := strings.Index(k[len(prefix):], delimiter); i >= 0 {
				e = entry{name: k[:len(prefix)+i+len(delimiter)], cp: true}
			}
		}
		if e.name <= after || len(entries) > 0 && entries[len(entries)-1] == e {
			continue
		}
		entries = append(entries, e)
	}
	if len(entries) > limit {
		entries, truncated = entries[:limit], true
	}
	for _, e := range entries {
		if e.cp {
			prefixes = append(prefixes, e.name)
		} else {
			objects = append(objects, e.name)
		}
	}
	return objects, prefixes, truncated
}

// listKeys returns about 1100 keys with nested "directories", shared prefixes and Unicode.
func listKeys() []string {
	dirs := []string{"photos/2023", "photos/2024", "docs", "a", "a/b", "z-last", "ü"}
	keys := []string{"photos", "photos.txt", "a", "b-c-d", "docs/", "readme", "a/b/", "a//double"}
	for i := 0; i < 1100; i++ {
		keys = append(keys, fmt.Sprintf("%s/%04d", dirs[i%len(dirs)], i))
	}
	sort.Strings(keys)
	return keys
}

// TestListObjects checks ListObjects against a naive listing of the same keys: prefixes,
// delimiters, markers, page sizes and the paging that NextMarker drives.
func TestListObjects(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	keys := listKeys()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(keys); i += 4 {
				if _, err := s.PutObject(ctx, "bkt", keys[i], strings.NewReader(keys[i]), storage.PutObjectOptions{Size: -1}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()

	tests := []struct {
		name string
		opts storage.ListObjectsOptions
	}{
		{"everything", storage.ListObjectsOptions{MaxKeys: 1000}},
		{"small pages", storage.ListObjectsOptions{MaxKeys: 7}},
		{"root delimiter", storage.ListObjectsOptions{Delimiter: "/", MaxKeys: 1000}},
		{"root delimiter paged", storage.ListObjectsOptions{Delimiter: "/", MaxKeys: 2}},
		{"prefix and delimiter", storage.ListObjectsOptions{Prefix: "photos/", Delimiter: "/", MaxKeys: 1000}},
		{"prefix without delimiter", storage.ListObjectsOptions{Prefix: "photos/2024/", MaxKeys: 13}},
		{"partial-name prefix", storage.ListObjectsOptions{Prefix: "photo", Delimiter: "/", MaxKeys: 3}},
		{"nested prefix", storage.ListObjectsOptions{Prefix: "a/", Delimiter: "/", MaxKeys: 50}},
		{"start after a common prefix", storage.ListObjectsOptions{Prefix: "a/", Delimiter: "/", StartAfter: "a/b/", MaxKeys: 50}},
		{"start after a key inside a common prefix", storage.ListObjectsOptions{Prefix: "a/", Delimiter: "/", StartAfter: "a/b/0500", MaxKeys: 50}},
		{"start after mid-range", storage.ListObjectsOptions{StartAfter: "docs/0500", MaxKeys: 100}},
		{"start after before prefix", storage.ListObjectsOptions{Prefix: "z", StartAfter: "b", MaxKeys: 100}},
		{"start after everything", storage.ListObjectsOptions{StartAfter: "\U0010ffff", MaxKeys: 100}},
		{"other delimiter", storage.ListObjectsOptions{Delimiter: "-", MaxKeys: 1000}},
		{"multi-byte delimiter", storage.ListObjectsOptions{Delimiter: "/0", MaxKeys: 1000}},
		{"unicode prefix", storage.ListObjectsOptions{Prefix: "ü/", MaxKeys: 1000}},
		{"no match", storage.ListObjectsOptions{Prefix: "nomatch", Delimiter: "/", MaxKeys: 1000}},
		{"max keys zero", storage.ListObjectsOptions{MaxKeys: 0}},
		{"max keys capped", storage.ListObjectsOptions{MaxKeys: 5000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.ListObjects(ctx, "bkt", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			limit := min(tt.opts.MaxKeys, storage.MaxListKeys)
			wantObjs, wantCPs, wantTrunc := referenceList(keys, tt.opts.Prefix, tt.opts.Delimiter, tt.opts.StartAfter, limit)
			var gotObjs []string
			for _, o := range res.Objects {
				gotObjs = append(gotObjs, o.Key)
				if o.ETag != MD5Hex([]byte(o.Key)) || o.Size != int64(len(o.Key)) {
					t.Errorf("listed %q with ETag %s size %d", o.Key, o.ETag, o.Size)
				}
			}
			if !reflect.DeepEqual(gotObjs, wantObjs) || !reflect.DeepEqual(res.CommonPrefixes, wantCPs) || res.IsTruncated != wantTrunc {
				t.Fatalf("page:\n got %d keys %.200q\n   prefixes %q truncated %v\nwant %d keys %.200q\n   prefixes %q truncated %v",
					len(gotObjs), gotObjs, res.CommonPrefixes, res.IsTruncated, len(wantObjs), wantObjs, wantCPs, wantTrunc)
			}
			if res.IsTruncated != (res.NextMarker != "") && len(gotObjs)+len(res.CommonPrefixes) > 0 {
				t.Errorf("NextMarker %q with IsTruncated %v", res.NextMarker, res.IsTruncated)
			}
			if tt.opts.MaxKeys == 0 {
				return
			}
			// Following NextMarker page by page yields the same as one unbounded listing.
			allObjs, allCPs := listAll(t, s, "bkt", tt.opts)
			wantObjs, wantCPs, _ = referenceList(keys, tt.opts.Prefix, tt.opts.Delimiter, tt.opts.StartAfter, len(keys))
			if !reflect.DeepEqual(allObjs, wantObjs) || !reflect.DeepEqual(allCPs, wantCPs) {
				t.Errorf("paged listing: got %d keys, %q; want %d keys, %q", len(allObjs), allCPs, len(wantObjs), wantCPs)
			}
		})
	}
	if _, err := s.ListObjects(ctx, "nope", storage.ListObjectsOptions{MaxKeys: 10}); err == nil {
		t.Error("listing a missing bucket succeeded")
	}
}
