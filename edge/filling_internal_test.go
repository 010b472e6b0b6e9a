package edge

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestFillsBoundedTogether: fills under way for distinct keys are each bounded by the
// largest object, and all together by the store's budget: while one fill holds most of the
// budget, another that would pass it is streamed to its viewer and not stored, and every
// byte counted is given back when the fills end.
func TestFillsBoundedTogether(t *testing.T) {
	const budget = 64 << 10
	c, err := New(Options{MaxBytes: budget, MaxEntryBytes: budget})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := c.Behavior(BehaviorConfig{Name: "r", Cache: mustManagedCache(t, "CachingOptimized")})
	if err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	fetches := map[string]int{}
	var mu sync.Mutex
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetches[r.URL.Path]++
		mu.Unlock()
		w.Header().Set("Cache-Control", "max-age=600")
		if r.URL.Path == "/held" {
			w.Write(bytes.Repeat([]byte("h"), 48<<10)) // no Content-Length: buffered as it comes
			close(holding)
			<-release
			return
		}
		w.Write(bytes.Repeat([]byte("o"), 24<<10))
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Serve(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/held", nil), origin)
	}()
	<-holding
	for i := range 2 {
		w := httptest.NewRecorder()
		b.Serve(w, httptest.NewRequest(http.MethodGet, "/other", nil), origin)
		if w.Body.Len() != 24<<10 || w.Header().Get("X-Cache") != "Miss from doorman" {
			t.Fatalf("request %d for /other: %d bytes, X-Cache %q, want the whole body, a miss", i, w.Body.Len(), w.Header().Get("X-Cache"))
		}
	}
	if fetches["/other"] != 2 {
		t.Fatalf("/other fetched %d times while /held filled 48 of the 64 KiB budget, want 2 (never stored)", fetches["/other"])
	}
	if n := c.filling.Load(); n != 48<<10 {
		t.Fatalf("bytes counted while /held fills: %d, want %d", n, 48<<10)
	}
	close(release)
	<-done
	if n := c.filling.Load(); n != 0 {
		t.Fatalf("bytes still counted after every fill ended: %d", n)
	}
}

func mustManagedCache(t *testing.T, name string) *CachePolicy {
	t.Helper()
	p, err := ManagedCachePolicy(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
