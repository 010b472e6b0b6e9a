package prommetrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/prommetrics"
	"github.com/doorman-s3/doorman/s3api"
)

var _ s3api.Metrics = (*prommetrics.S3)(nil)

// The names, labels and help texts are what dashboards and alerts rely on: each recorded
// figure appears on the scrape exactly so.
func TestScrape(t *testing.T) {
	m := prommetrics.NewS3()
	m.Request("GetObject", 200, 3*time.Millisecond)
	m.Request("GetObject", 200, time.Millisecond)
	m.Request("Unknown", 501, time.Millisecond)
	m.CORSDecision("photos", "preflight", "no_matching_rule")
	m.CORSDecision("-", "actual", "no_bucket")

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		"# HELP doorman_requests_total S3 requests by operation and HTTP status.",
		`doorman_requests_total{operation="GetObject",status="200"} 2`,
		`doorman_requests_total{operation="Unknown",status="501"} 1`,
		"# HELP doorman_request_duration_seconds Time to serve S3 requests, by operation.",
		`doorman_request_duration_seconds_bucket{operation="GetObject",le="0.0016"} 1`,
		`doorman_request_duration_seconds_bucket{operation="GetObject",le="0.0064"} 2`,
		`doorman_request_duration_seconds_count{operation="GetObject"} 2`,
		`# HELP doorman_cors_decisions_total CORS decisions for requests with an Origin, by bucket ("-" for missing ones), request kind (preflight or actual) and outcome.`,
		`doorman_cors_decisions_total{bucket="photos",kind="preflight",outcome="no_matching_rule"} 1`,
		`doorman_cors_decisions_total{bucket="-",kind="actual",outcome="no_bucket"} 1`,
		"# TYPE go_goroutines gauge",
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}
}
