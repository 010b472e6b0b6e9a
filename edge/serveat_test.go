package edge_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/edge"
)

// ServeAt measures a hit's age and freshness from the time its caller read when the request
// arrived, as Serve does from the cache's clock; a Cache made with Options.Now keeps to
// that clock. Each row would fail if the caller's time were ignored, or used against the
// configured clock.
func TestServeAt(t *testing.T) {
	origin := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = io.WriteString(w, "object")
	})
	clk := newClock()
	for _, tc := range []struct {
		name    string
		opts    edge.Options
		after   time.Duration // the caller's time, after the fill
		age     string
		xCache  string
		fetches int
	}{
		{"caller's time: 10s later (RFC 9111 §5.1 Age)", edge.Options{}, 10 * time.Second, "10", "Hit from doorman", 1},
		{"caller's time: past the TTL, fetched again (RFC 9111 §4.2)", edge.Options{}, 61 * time.Second, "", "Miss from doorman", 2},
		{"Options.Now kept: the caller's time ignored", edge.Options{Now: clk.Now}, time.Hour, "0", "Hit from doorman", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := edge.New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			b, err := c.Behavior(edge.BehaviorConfig{Name: "r", Cache: managedCache(t, "CachingOptimized")})
			if err != nil {
				t.Fatal(err)
			}
			fetches := 0
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fetches++; origin(w, r) })
			req := httptest.NewRequest("GET", "http://edge.test/o", nil)
			b.Serve(httptest.NewRecorder(), req, next)
			w := httptest.NewRecorder()
			b.ServeAt(w, req, next, time.Now().Add(tc.after))
			if got := w.Header().Get("X-Cache"); got != tc.xCache {
				t.Errorf("X-Cache %q, want %q", got, tc.xCache)
			}
			if got := w.Header().Get("Age"); got != tc.age {
				t.Errorf("Age %q, want %q", got, tc.age)
			}
			if fetches != tc.fetches {
				t.Errorf("%d origin fetches, want %d", fetches, tc.fetches)
			}
		})
	}
}

// Hits of the same second share one Age line, and a later second gets its own: a hit never
// sees an earlier hit's age, and no line is changed in place under a response sent.
func TestAgeLinePerSecond(t *testing.T) {
	c, err := edge.New(edge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := c.Behavior(edge.BehaviorConfig{Name: "r", Cache: managedCache(t, "CachingOptimized")})
	if err != nil {
		t.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "max-age=600")
		_, _ = io.WriteString(w, "object")
	})
	req := httptest.NewRequest("GET", "http://edge.test/o", nil)
	b.Serve(httptest.NewRecorder(), req, next)
	at := time.Now()
	var lines [][]string
	for _, d := range []time.Duration{5 * time.Second, 5*time.Second + 100*time.Millisecond, 7 * time.Second} {
		w := httptest.NewRecorder()
		b.ServeAt(w, req, next, at.Add(d))
		lines = append(lines, w.Header()["Age"])
	}
	// Read after all three were served: the first two are still 5.
	if len(lines[0]) != 1 || lines[0][0] != "5" || len(lines[1]) != 1 || lines[1][0] != "5" || len(lines[2]) != 1 || lines[2][0] != "7" {
		t.Fatalf("Age lines %q, want 5, 5, 7", lines)
	}
}
