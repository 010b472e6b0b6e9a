package prommetrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/expiry"
	"github.com/doorman-s3/doorman/internal/prommetrics"
)

// The lifecycle worker's figures appear on the S3 server's scrape exactly so.
func TestScrapeLifecycle(t *testing.T) {
	m := prommetrics.NewS3()
	lc := m.Lifecycle()
	lc.Action(expiry.KindExpireCurrent)
	lc.Action(expiry.KindExpireCurrent)
	lc.Action(expiry.KindAbortUpload)
	lc.Skipped(expiry.SkipLocked)
	lc.Error()
	lc.Pass(3 * time.Second)
	body := scrape(t, m.Handler())
	for _, want := range []string{
		"# HELP doorman_lifecycle_actions_total Lifecycle actions done, by kind (expire_current, delete_version, abort_upload).",
		`doorman_lifecycle_actions_total{kind="expire_current"} 2`,
		`doorman_lifecycle_actions_total{kind="abort_upload"} 1`,
		`doorman_lifecycle_skipped_total{reason="locked"} 1`,
		"doorman_lifecycle_errors_total 1",
		`doorman_lifecycle_pass_duration_seconds_bucket{le="1"} 0`,
		`doorman_lifecycle_pass_duration_seconds_bucket{le="4"} 1`,
		"doorman_lifecycle_pass_duration_seconds_count 1",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}
}
