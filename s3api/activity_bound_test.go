package s3api

import (
	"fmt"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/cors"
)

// TestCORSActivityBucketBound: past ActivityBuckets buckets, decisions are counted under "-",
// and the table of buckets grows no more.
func TestCORSActivityBucketBound(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := NewCORSActivity(func() time.Time { return now })
	d := cors.Decision{Outcome: cors.NoConfiguration, Rule: -1}
	req := cors.Request{Method: "OPTIONS", Origin: "https://a.test", RequestMethod: "GET"}
	const extra = 5
	for i := range ActivityBuckets + extra {
		a.record(fmt.Sprintf("b%04d", i), true, &req, &d, nil)
	}
	if n := len(a.Buckets()); n != ActivityBuckets {
		t.Fatalf("%d buckets listed, want the bound %d", n, ActivityBuckets)
	}
	if len(a.buckets) != ActivityBuckets+1 {
		t.Fatalf("%d buckets held, want the bound and -", len(a.buckets))
	}
	var overflow uint32
	for _, s := range a.Series("-", time.Time{}) {
		for _, n := range s.Counts {
			overflow += n
		}
	}
	if overflow != extra {
		t.Fatalf("%d decisions counted under -, want %d", overflow, extra)
	}
}
