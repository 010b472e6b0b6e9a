package prommetrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/prommetrics"
	"github.com/doorman-s3/doorman/storage/upstream"
)

var _ upstream.Metrics = (*prommetrics.Upstream)(nil)

// The upstream backend's figures appear on the S3 server's scrape exactly so, with bounded
// labels, and the snapshot's age follows the clock from the last load.
func TestScrapeUpstream(t *testing.T) {
	m := prommetrics.NewS3()
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	now := start
	u := m.RegisterUpstream(func() time.Time { return now })
	const a, b = "http://127.0.0.1:9001", "http://127.0.0.1:9002"
	u.UpstreamRequest(a, "GET", 200, 3*time.Millisecond)
	u.UpstreamRequest(a, "GET", 200, time.Millisecond)
	u.UpstreamRequest(b, "PUT", 503, time.Millisecond)
	u.UpstreamRequest(b, "HEAD", 0, 2*time.Second)
	u.UpstreamRequest(b, "PROPFIND", 405, time.Millisecond)
	u.EndpointHealth(a, true)
	u.EndpointHealth(b, true)
	u.EndpointHealth(b, false)

	now = start.Add(7 * time.Second)
	body := scrape(t, m.Handler())
	for _, want := range []string{
		"# HELP doorman_upstream_requests_total Requests to the upstream store, by endpoint, method and HTTP status (0: no answer, a transport failure or a timeout).",
		`doorman_upstream_requests_total{code="200",endpoint="http://127.0.0.1:9001",method="GET"} 2`,
		`doorman_upstream_requests_total{code="503",endpoint="http://127.0.0.1:9002",method="PUT"} 1`,
		`doorman_upstream_requests_total{code="0",endpoint="http://127.0.0.1:9002",method="HEAD"} 1`,
		`doorman_upstream_requests_total{code="405",endpoint="http://127.0.0.1:9002",method="other"} 1`,
		"# TYPE doorman_upstream_request_duration_seconds histogram",
		`doorman_upstream_request_duration_seconds_bucket{endpoint="http://127.0.0.1:9001",method="GET",le="0.0016"} 1`,
		`doorman_upstream_request_duration_seconds_count{endpoint="http://127.0.0.1:9001",method="GET"} 2`,
		`doorman_upstream_endpoint_up{endpoint="http://127.0.0.1:9001"} 1`,
		`doorman_upstream_endpoint_up{endpoint="http://127.0.0.1:9002"} 0`,
		// Before the first load, the age counts from the start.
		"doorman_upstream_snapshot_age_seconds 7",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}

	u.SnapshotLoaded(start.Add(5 * time.Second))
	u.SnapshotLoaded(start.Add(2 * time.Second)) // older than the last: ignored
	now = start.Add(8 * time.Second)
	if body := scrape(t, m.Handler()); !strings.Contains(body, "doorman_upstream_snapshot_age_seconds 3\n") {
		t.Errorf("snapshot age after a load at +5s, at +8s: want 3\n%s", grepLines(body, "snapshot_age"))
	}
}

// A server without the upstream backend exports none of its series.
func TestScrapeNoUpstream(t *testing.T) {
	if body := scrape(t, prommetrics.NewS3().Handler()); strings.Contains(body, "doorman_upstream_") {
		t.Errorf("an embedded server's scrape has upstream series:\n%s", grepLines(body, "doorman_upstream_"))
	}
}

func grepLines(body, sub string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
