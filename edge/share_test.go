package edge_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/doorman-s3/doorman/edge"
)

// TestSetCookieNeverShared: a policy that forwards cookies (AllViewer) lets the origin's
// Set-Cookie reach its viewer; that answer must never be stored and replayed, with the
// first viewer's session cookie, to the next viewer.
func TestSetCookieNeverShared(t *testing.T) {
	c, err := edge.New(edge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := c.Behavior(edge.BehaviorConfig{Name: "r", Cache: managedCache(t, "CachingOptimized"), Origin: managedOrigin(t, "AllViewer")})
	if err != nil {
		t.Fatal(err)
	}
	fetches := 0
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches++
		if ck, err := r.Cookie("session"); err == nil {
			w.Header().Set("Set-Cookie", "session="+ck.Value+"; HttpOnly")
		}
		w.Write([]byte("hello"))
	})
	r1 := httptest.NewRequest(http.MethodGet, "/x", nil)
	r1.Header.Set("Cookie", "session=alice-secret")
	w1 := httptest.NewRecorder()
	b.Serve(w1, r1, origin)
	if got := w1.Header().Get("Set-Cookie"); got != "session=alice-secret; HttpOnly" {
		t.Fatalf("first viewer: Set-Cookie %q, want its own cookie", got)
	}
	w2 := httptest.NewRecorder()
	b.Serve(w2, httptest.NewRequest(http.MethodGet, "/x", nil), origin)
	if got := w2.Header().Get("Set-Cookie"); got != "" {
		t.Fatalf("second viewer got Set-Cookie %q (X-Cache %q)", got, w2.Header().Get("X-Cache"))
	}
	if fetches != 2 {
		t.Fatalf("origin fetched %d times, want 2: the first answer must not be stored", fetches)
	}
}

// TestSetCookieDroppedWhenNoCookieForwarded: with no cookie forwarded (CloudFront's rule),
// the origin's Set-Cookie is removed and the answer is stored without it.
func TestSetCookieDroppedWhenNoCookieForwarded(t *testing.T) {
	c, err := edge.New(edge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := c.Behavior(edge.BehaviorConfig{Name: "r", Cache: managedCache(t, "CachingOptimized"), Origin: managedOrigin(t, "CORS-S3Origin")})
	if err != nil {
		t.Fatal(err)
	}
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "tracker=1")
		w.Write([]byte("hello"))
	})
	for i, want := range []string{"Miss from doorman", "Hit from doorman"} {
		w := httptest.NewRecorder()
		b.Serve(w, httptest.NewRequest(http.MethodGet, "/x", nil), origin)
		if got := w.Header().Get("X-Cache"); got != want {
			t.Fatalf("request %d: X-Cache %q, want %q", i, got, want)
		}
		if got := w.Header().Get("Set-Cookie"); got != "" {
			t.Fatalf("request %d: Set-Cookie %q passed though no cookie is forwarded", i, got)
		}
	}
}

// TestViewerEncodingNeverShared: an origin request policy forwarding every header must not
// forward the viewer's own Accept-Encoding when the key holds none: a gzip answer stored for
// one viewer would reach viewers that asked for no encoding.
func TestViewerEncodingNeverShared(t *testing.T) {
	c, err := edge.New(edge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := c.Behavior(edge.BehaviorConfig{Name: "r", Cache: managedCache(t, "CachingOptimizedForUncompressedObjects"), Origin: managedOrigin(t, "AllViewer")})
	if err != nil {
		t.Fatal(err)
	}
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept-Encoding")
		if r.Header.Get("Accept-Encoding") == "gzip" {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write([]byte("GZIPBYTES"))
			return
		}
		w.Write([]byte("plain"))
	})
	r1 := httptest.NewRequest(http.MethodGet, "/x", nil)
	r1.Header.Set("Accept-Encoding", "gzip")
	b.Serve(httptest.NewRecorder(), r1, origin)
	w2 := httptest.NewRecorder()
	b.Serve(w2, httptest.NewRequest(http.MethodGet, "/x", nil), origin)
	if w2.Body.String() != "plain" || w2.Header().Get("Content-Encoding") != "" {
		t.Fatalf("viewer without Accept-Encoding got %q, Content-Encoding %q (X-Cache %q)",
			w2.Body.String(), w2.Header().Get("Content-Encoding"), w2.Header().Get("X-Cache"))
	}
}
