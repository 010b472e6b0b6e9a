package edge_test

import (
	"net/http"
	"net/url"
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

// FuzzCacheKey: the key reads the query string, cookies and Accept-Encoding of any request
// without panicking, and two requests whose keyed values differ never share a key.
func FuzzCacheKey(f *testing.F) {
	f.Add("/a", "v=1&x=2", "https://a.example", "lang=fr; s=1", "gzip, br;q=0")
	f.Add("/%zz", "&&=&v", "", "=;;lang", "br;q=0.0")
	c, err := edge.New(edge.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	p := managedCache(f, "CachingOptimized")
	p.Headers = edge.Values{Mode: edge.Whitelist, Names: []string{"origin"}}
	p.Cookies = edge.Values{Mode: edge.Whitelist, Names: []string{"lang"}}
	p.QueryStrings = edge.Values{Mode: edge.All}
	b, err := c.Behavior(edge.BehaviorConfig{Name: "f", Cache: p})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, query, origin, cookie, ae string) {
		u, err := url.Parse("http://edge.test" + path)
		if err != nil || !strings.HasPrefix(path, "/") {
			return
		}
		u.RawQuery = query
		r := &http.Request{Method: "GET", URL: u, Host: "edge.test", Header: http.Header{"Cookie": {cookie}, "Accept-Encoding": {ae}}}
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		k1, ok := b.Key(r)
		if !ok {
			t.Fatal("GET not cached")
		}
		r2 := r.Clone(r.Context())
		r2.Header.Set("Origin", origin+"x")
		if k2, _ := b.Key(r2); k1 == k2 {
			t.Fatalf("origins %q and %q share the key %q", origin, origin+"x", k1)
		}
	})
}
