package edge_test

import (
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/edge"
)

func FuzzParseCacheControl(f *testing.F) {
	for _, s := range []string{"max-age=60", `s-maxage="5", no-store`, "max-age=99999999999999999999", "private, no-cache=\"a,b\"", ",,,=,", "max-age=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cc := edge.ParseCacheControl([]string{s})
		for _, v := range []int64{cc.MaxAge, cc.SMaxAge} {
			if v < -1 || v > 1<<31 {
				t.Fatalf("%q: delta-seconds %d out of [-1, 2^31]", s, v)
			}
		}
		if cc.NoStore && !strings.Contains(strings.ToLower(s), "no-store") {
			t.Fatalf("%q: no-store invented", s)
		}
	})
}

func FuzzParseInvalidationPath(f *testing.F) {
	for _, s := range []string{"/", "/*", "/a/b*", "/a*/b", "a", "/a?b=*", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, prefix, err := edge.ParseInvalidationPath(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "*") || strings.Contains(p, "?") {
			t.Fatalf("%q accepted as %q", s, p)
		}
		if prefix != strings.HasSuffix(strings.SplitN(s, "?", 2)[0], "*") {
			t.Fatalf("%q: prefix %v", s, prefix)
		}
	})
}
