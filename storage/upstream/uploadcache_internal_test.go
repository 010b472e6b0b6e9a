package upstream

import (
	"strconv"
	"testing"
)

// TestUploadCacheBound: the cache of upload records holds maxCachedUploads entries at most,
// dropping the one put longest ago first.
func TestUploadCacheBound(t *testing.T) {
	var c uploadCache
	key := func(i int) string { return "uploads/b/id/" + strconv.Itoa(i) }
	for i := range maxCachedUploads + 10 {
		c.put(key(i), &uploadRecord{Key: strconv.Itoa(i)})
	}
	if n := len(c.recs); n != maxCachedUploads {
		t.Fatalf("%d records cached, want %d", n, maxCachedUploads)
	}
	for _, tc := range []struct {
		i    int
		kept bool
	}{{0, false}, {9, false}, {10, true}, {maxCachedUploads + 9, true}} {
		if r := c.get(key(tc.i)); (r != nil) != tc.kept || r != nil && r.Key != strconv.Itoa(tc.i) {
			t.Errorf("record %d: %+v, want kept %v", tc.i, r, tc.kept)
		}
	}
	c.drop(key(10))
	if c.get(key(10)) != nil {
		t.Error("a dropped record is still cached")
	}
	// Put again after its drop, a key takes a new place; the cache stays bounded.
	for i := range 2 * maxCachedUploads {
		c.put(key(10), &uploadRecord{})
		c.drop(key(10))
		c.put(key(i%5), &uploadRecord{})
	}
	if n := len(c.recs); n > maxCachedUploads {
		t.Errorf("%d records cached, more than %d", n, maxCachedUploads)
	}
}
