package storagetest

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// TestKeys checks that keys are stored byte for byte, whatever they hold, and listed in UTF-8
// binary order.
func TestKeys(t *testing.T, newBackend NewBackend) {
	subtests(t, newBackend, []namedTest{
		{"RoundTrip", testHostileKeys},
		{"Order", testKeyOrder},
	})
}

// Keys that would be dangerous as file names, or that stretch the limits, round-trip exactly.
func testHostileKeys(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	keys := []string{
		"../../etc/passwd",
		"../escape",
		"/absolute/path",
		"./dot",
		"..",
		".",
		"a/../../b",
		`..\..\windows`,
		strings.Repeat("x", storage.MaxKeyLength),
		strings.Repeat("../", storage.MaxKeyLength/3),
		strings.Repeat("é", storage.MaxKeyLength/2),
		"日本語/ファイル.txt",
		"emoji 🎉 key",
		"ctrl\x01\x02\x1f",
		"nul\x00byte",
		"trailing/",
		"new\nline",
		"p",
		"pre",
		"prefix",
		"prefix/",
		"prefix/x",
		"\u00a0",
		"\U0010ffff",
	}
	for _, k := range keys {
		Put(t, s, "bkt", k, []byte("body of "+k))
	}
	for _, k := range keys {
		if body, info := Get(t, s, "bkt", k); string(body) != "body of "+k || info.Key != k {
			t.Errorf("key %.40q: body %.40q, info key %.40q", k, body, info.Key)
		}
	}
	listed, prefixes := listAll(t, s, "bkt", storage.ListObjectsOptions{MaxKeys: 5})
	want := append([]string(nil), keys...)
	sort.Strings(want)
	if !reflect.DeepEqual(listed, want) || len(prefixes) != 0 {
		t.Errorf("listed %q, want %q", listed, want)
	}
}

// Keys are listed in the order of their UTF-8 bytes, which is not the order of their UTF-16
// code units (U+FFFF sorts before U+10000 in UTF-8, after it in UTF-16), nor of letters.
func testKeyOrder(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	want := []string{"A", "Z", "a", "a-b", "a/b", "a0", "z", "\u00e9", "\uffff", "\U00010000"}
	for i := len(want) - 1; i >= 0; i-- {
		Put(t, s, "bkt", want[i], []byte(want[i]))
	}
	if listed, _ := listAll(t, s, "bkt", storage.ListObjectsOptions{MaxKeys: 3}); !reflect.DeepEqual(listed, want) {
		t.Errorf("listed %q, want %q", listed, want)
	}
}
