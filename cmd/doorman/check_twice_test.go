package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/edge"
)

// s3Like answers as S3 answers a bucket with a CORS rule for checkOrigin
// (docs/cloudfront.md#the-stale-cors-trap, [LS:s3cors]): Allow-Origin and Vary only for a request
// with that Origin.
func s3Like(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") == checkOrigin {
		w.Header().Set("Access-Control-Allow-Origin", checkOrigin)
		w.Header().Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
	}
	w.Header().Set("Cache-Control", "max-age=600")
	_, _ = io.WriteString(w, "jpeg")
}

// edgeServer runs a real edge cache with the named policies in front of s3Like.
func edgeServer(t *testing.T, cachePolicy, originPolicy string, keyOrigin bool) *httptest.Server {
	t.Helper()
	c, err := edge.New(edge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cp, err := edge.ManagedCachePolicy(cachePolicy)
	if err != nil {
		t.Fatal(err)
	}
	if keyOrigin {
		cp.Headers = edge.Values{Mode: edge.Whitelist, Names: []string{"origin"}}
	}
	cfg := edge.BehaviorConfig{Name: "t", Cache: cp}
	if originPolicy != "" {
		if cfg.Origin, err = edge.ManagedOriginRequestPolicy(originPolicy); err != nil {
			t.Fatal(err)
		}
	}
	b, err := c.Behavior(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(b.Handler(http.HandlerFunc(s3Like)))
	t.Cleanup(s.Close)
	return s
}

func TestCheckTwice(t *testing.T) {
	tests := []struct {
		name, source  string
		cache, origin string
		keyOrigin     bool
		code          int
		want          []string
	}{
		{"trap", "docs/cloudfront.md#the-stale-cors-trap case 2: CachingOptimized + CORS-S3Origin", "CachingOptimized", "CORS-S3Origin", false, 1,
			[]string{"SHARED CACHE", "Hit from doorman", "no Access-Control-Allow-Origin", "Fix: put Origin in the cache key"}},
		{"Origin in the key", "docs/cloudfront.md#the-stale-cors-trap case 3", "CachingOptimized", "CORS-S3Origin", true, 0,
			[]string{"OK: the answer with Origin did not come from the entry", "Miss from doorman"}},
		{"no cache", "CachingDisabled: every answer from the origin", "CachingDisabled", "CORS-S3Origin", false, 0,
			[]string{"OK:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := edgeServer(t, tt.cache, tt.origin, tt.keyOrigin)
			out, code := execute(t, "check", s.URL+"/bucket/photo.jpg", "--origin", checkOrigin, "--twice")
			if code != tt.code {
				t.Errorf("%s: exit %d, want %d\n%s", tt.source, code, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s: output lacks %q:\n%s", tt.source, w, out)
				}
			}
		})
	}
	s := edgeServer(t, "CachingOptimized", "CORS-S3Origin", false)
	out, code := execute(t, "check", s.URL+"/x", "--origin", checkOrigin, "--twice", "--json")
	var got twiceJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 || got.Verdict != "shared-cache" || len(got.Probes) != 2 ||
		got.Probes[0].Cached || !got.Probes[1].Cached {
		t.Errorf("--json: %d %v %+v\n%s", code, err, got, out)
	}
	if _, code := execute(t, "check", s.URL+"/x", "--origin", checkOrigin, "--twice", "--method", "PUT"); code != 2 {
		t.Errorf("--twice --method PUT: exit %d, want a usage error", code)
	}
}
