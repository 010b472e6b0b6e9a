package s3api_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
)

// clock is a test's clock, moved by hand.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }
func newClock(t time.Time) *clock    { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func activityServer(t *testing.T, c *clock) (*s3test.Server, *s3api.CORSActivity) {
	t.Helper()
	a := s3api.NewCORSActivity(c.now)
	srv := s3test.Start(t, func(cfg *s3api.Config) { cfg.Activity = a })
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/watched", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/bare", As: s3test.Owner})
	doc := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>https://app.test</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>content-type</AllowedHeader></CORSRule></CORSConfiguration>`)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/watched?cors", Body: doc, As: s3test.Owner,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(doc)}}})
	return srv, a
}

func preflight(t *testing.T, srv *s3test.Server, path, origin, method, headers string) {
	t.Helper()
	h := http.Header{"Access-Control-Request-Method": {method}}
	if origin != "" {
		h.Set("Origin", origin)
	}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	srv.Do(t, s3test.Request{Method: "OPTIONS", Path: path, Header: h, As: s3test.Anonymous})
}

func TestCORSActivity(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	c := newClock(start)
	srv, a := activityServer(t, c)

	type req struct {
		path, origin, method, headers string
		preflight                     bool
	}
	sends := []req{
		{"/watched/k", "https://app.test", "PUT", "content-type", true}, // allowed
		{"/watched/k", "https://evil.test", "PUT", "", true},            // refused: origin
		{"/watched/k", "https://app.test", "DELETE", "", true},          // refused: method
		{"/watched/k", "https://app.test", "PUT", "x-secret", true},     // refused: headers
		{"/watched/k", "", "GET", "", true},                             // refused: no Origin
		{"/bare/k", "https://app.test", "GET", "", true},                // refused: no configuration
		{"/nowhere/k", "https://app.test", "GET", "", true},             // no bucket: counted, not kept
		{"/watched/k", "https://evil.test", "GET", "", false},           // actual, refused: origin
		{"/watched/k", "", "GET", "", false},                            // actual without Origin: not CORS
		{"/watched/k", "https://app.test", "GET", "", false},            // actual, allowed
	}
	for i, s := range sends {
		c.add(time.Second / 2)
		if i == 7 {
			c.add(s3api.ActivitySlot) // the actual requests fall in the next slot
		}
		if s.preflight {
			preflight(t, srv, s.path, s.origin, s.method, s.headers)
			continue
		}
		h := http.Header{}
		if s.origin != "" {
			h.Set("Origin", s.origin)
		}
		srv.Do(t, s3test.Request{Method: s.method, Path: s.path, Header: h, As: s3test.Owner})
	}

	if got, want := a.Buckets(), []string{"bare", "watched"}; !slices.Equal(got, want) {
		t.Fatalf("Buckets() = %q, want %q", got, want)
	}

	type count struct {
		kind, outcome, check string
		counts               []uint32
	}
	tests := []struct {
		bucket string
		since  time.Time
		want   []count
	}{
		{"watched", time.Time{}, []count{
			{"actual", "allowed", "", []uint32{0, 1}},
			{"actual", "no_matching_rule", "origin", []uint32{0, 1}},
			{"preflight", "no_origin", "", []uint32{1, 0}},
			{"preflight", "allowed", "", []uint32{1, 0}},
			{"preflight", "no_matching_rule", "origin", []uint32{1, 0}},
			{"preflight", "no_matching_rule", "method", []uint32{1, 0}},
			{"preflight", "no_matching_rule", "headers", []uint32{1, 0}},
		}},
		{"bare", time.Time{}, []count{{"preflight", "no_configuration", "", []uint32{1, 0}}}},
		{"-", time.Time{}, []count{{"preflight", "no_bucket", "", []uint32{1, 0}}}},
		// since the second slot: only the actual requests.
		{"watched", start.Add(s3api.ActivitySlot), []count{
			{"actual", "allowed", "", []uint32{1}},
			{"actual", "no_matching_rule", "origin", []uint32{1}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.bucket+"/"+tt.since.String(), func(t *testing.T) {
			series := a.Series(tt.bucket, tt.since)
			var got []count
			for _, s := range series {
				if len(s.Counts) == 0 || !s.Start.Equal(s.Start.Truncate(s3api.ActivitySlot)) {
					t.Fatalf("series %+v: not slot-aligned", s)
				}
				// The hour's slots end at now: keep the last ones, where the test's requests are.
				n := len(tt.want[0].counts)
				got = append(got, count{s.Kind, s.Outcome, s.Check, s.Counts[len(s.Counts)-n:]})
			}
			key := func(c count) string { return c.kind + c.outcome + c.check }
			slices.SortFunc(got, func(x, y count) int { return compare(key(x), key(y)) })
			want := slices.Clone(tt.want)
			slices.SortFunc(want, func(x, y count) int { return compare(key(x), key(y)) })
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("series\n got %v\nwant %v", got, want)
			}
		})
	}

	// The refusals, newest first, with their reasons and the evaluation as it was.
	recent := a.Recent("watched", time.Time{})
	var reasons []string
	for _, r := range recent {
		reasons = append(reasons, fmt.Sprintf("%t %s %s", r.Preflight, r.Request.Origin, r.Reason()))
	}
	want := []string{
		`false https://evil.test no rule allows origin "https://evil.test"`,
		`true  no Origin header`,
		`true https://app.test no rule for this origin and method allows headers x-secret`,
		`true https://app.test no rule for this origin allows method DELETE`,
		`true https://evil.test no rule allows origin "https://evil.test"`,
	}
	if !slices.Equal(reasons, want) {
		t.Fatalf("recent reasons\n got %q\nwant %q", reasons, want)
	}
	e := recent[2].Explain()
	if len(e.Rules) != 1 || !e.Rules[0].OriginMatched || !e.Rules[0].MethodMatched || e.Rules[0].Headers[0].AllowedBy != "" {
		t.Fatalf("evaluation of the headers refusal: %+v", e.Rules)
	}
	// The evaluation is the one of the policy in force then: deleting the configuration
	// does not change it.
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/watched?cors", As: s3test.Owner})
	if e := a.Recent("watched", time.Time{})[2].Explain(); e.Decision.Outcome != cors.NoMatchingRule {
		t.Fatalf("after DeleteBucketCors: %s", e.Decision.Outcome)
	}
	if got := a.Recent("watched", recent[0].Time); len(got) != 1 {
		t.Fatalf("Recent since the newest: %d refusals", len(got))
	}

	// An hour later, nothing is left in the series.
	c.add(time.Hour + s3api.ActivitySlot)
	if s := a.Series("watched", time.Time{}); len(s) != 0 || len(a.Buckets()) != 0 {
		t.Fatalf("an hour later: %+v %q", s, a.Buckets())
	}
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestCORSActivityBounds fills the ring and the bucket table past their bounds, from many
// goroutines at once (run with -race).
func TestCORSActivityBounds(t *testing.T) {
	c := newClock(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC))
	srv, a := activityServer(t, c)
	const workers, each = 4, s3api.ActivityRecent / 2
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				preflight(t, srv, "/watched/k", fmt.Sprintf("https://w%d-%d.test", w, i), "GET", "")
				_ = a.Recent("watched", time.Time{})
				_ = a.Series("watched", time.Time{})
			}
		}()
	}
	wg.Wait()
	if n := len(a.Recent("watched", time.Time{})); n != s3api.ActivityRecent {
		t.Fatalf("%d refusals kept, want the bound %d", n, s3api.ActivityRecent)
	}
	var total uint32
	for _, s := range a.Series("watched", time.Time{}) {
		for _, n := range s.Counts {
			total += n
		}
	}
	if total != workers*each {
		t.Fatalf("counted %d decisions, want %d", total, workers*each)
	}
}
