package prommetrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/edge"
	"github.com/doorman-s3/doorman/gateway"
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

var _ gateway.Metrics = (*prommetrics.Gateway)(nil)

// settle bounds the wait for the cache's store to apply a write in the background.
const settle = 5 * time.Second

// scrape returns what a Prometheus server scraping h reads.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: status %d", rec.Code)
	}
	return rec.Body.String()
}

// The gateway's and its cache's figures appear on the scrape exactly so, in one registry: a
// route's series from the handles of any configuration that named it.
func TestScrapeGateway(t *testing.T) {
	m := prommetrics.NewGateway()
	c, err := edge.New(edge.Options{Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	optimized, err := edge.ManagedCachePolicy("CachingOptimized")
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Behavior(edge.BehaviorConfig{Name: "cdn.test", Cache: optimized})
	if err != nil {
		t.Fatal(err)
	}
	origin := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = io.WriteString(w, "object body")
	})
	for range 2 { // a miss, then a hit
		b.Serve(httptest.NewRecorder(), httptest.NewRequest("GET", "/object", nil), origin)
	}
	// The store applies a write's weight in the background: the gauges are read once it has.
	for deadline := time.Now().Add(settle); c.Bytes() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	api := m.Route("api.test")
	api.Request(200, 3*time.Millisecond)
	m.Route("api.test").Request(200, time.Millisecond) // the same route in a reloaded configuration
	api.Request(404, time.Millisecond)
	api.Request(1000, time.Millisecond)
	api.CORSDecision(fetch.Preflight, gateway.Refused, fetch.ReasonMethod)
	api.CORSDecision(fetch.Actual, gateway.ShadowRefused, fetch.ReasonOrigin)
	api.CORSDecision(fetch.Actual, gateway.Refused, fetch.ReasonOrigin)
	api.CORSDecision(fetch.Actual, gateway.Allowed, fetch.ReasonNone)
	api.CORSDecision(fetch.Actual, gateway.Allowed, fetch.ReasonNone)
	api.PreflightAnswered()
	api.UpstreamError("timeout")
	m.Route("-")
	m.Reload(true)
	m.Reload(false)
	m.Reload(false)
	m.TenantLoad(true)
	cdn := m.Behavior("cdn.test") // the same behaviour in a reloaded configuration
	cdn.Request(edge.RefreshHit)
	cdn.Request(edge.RefreshHit)
	cdn.Coalesced()
	m.Evicted("size")
	m.Invalidated(3)

	body := scrape(t, m.Handler())
	for _, want := range []string{
		"# HELP doorman_gateway_requests_total Requests by route and the status answered.",
		"# TYPE doorman_gateway_requests_total counter",
		`doorman_gateway_requests_total{code="200",route="api.test"} 2`,
		`doorman_gateway_requests_total{code="404",route="api.test"} 1`,
		`doorman_gateway_requests_total{code="other",route="api.test"} 1`,
		"# HELP doorman_gateway_request_duration_seconds Time to answer requests, by route.",
		"# TYPE doorman_gateway_request_duration_seconds histogram",
		`doorman_gateway_request_duration_seconds_bucket{route="api.test",le="0.0016"} 3`,
		`doorman_gateway_request_duration_seconds_bucket{route="api.test",le="0.0064"} 4`,
		`doorman_gateway_request_duration_seconds_bucket{route="api.test",le="26.2144"} 4`,
		`doorman_gateway_request_duration_seconds_count{route="api.test"} 4`,
		`doorman_gateway_request_duration_seconds_count{route="-"} 0`,
		"# HELP doorman_gateway_cors_decisions_total CORS decisions for requests with an Origin, by route, kind (preflight or actual), outcome (allowed, refused, shadow-refused) and reason of a refusal.",
		`doorman_gateway_cors_decisions_total{kind="preflight",outcome="refused",reason="method",route="api.test"} 1`,
		`doorman_gateway_cors_decisions_total{kind="actual",outcome="shadow-refused",reason="origin",route="api.test"} 1`,
		`doorman_gateway_cors_decisions_total{kind="actual",outcome="refused",reason="origin",route="api.test"} 1`,
		`doorman_gateway_cors_decisions_total{kind="actual",outcome="allowed",reason="",route="api.test"} 2`,
		"# HELP doorman_gateway_preflights_answered_total Preflights answered at the gateway (never forwarded), by route.",
		`doorman_gateway_preflights_answered_total{route="api.test"} 1`,
		`doorman_gateway_preflights_answered_total{route="-"} 0`,
		"# HELP doorman_gateway_upstream_errors_total Exchanges with the upstream that failed, by route and kind (unreachable, timeout, failed, aborted, body_too_large, client_body, canceled).",
		`doorman_gateway_upstream_errors_total{kind="timeout",route="api.test"} 1`,
		"# HELP doorman_gateway_config_reloads_total Configuration reloads, by result (ok or error).",
		`doorman_gateway_config_reloads_total{result="ok"} 1`,
		`doorman_gateway_config_reloads_total{result="error"} 2`,
		"# HELP doorman_gateway_tenant_loads_total Loads of tenant origin files, by result (ok or error).",
		`doorman_gateway_tenant_loads_total{result="ok"} 1`,
		"# HELP doorman_gateway_cache_requests_total Requests of cache behaviours, by route and result (hit, miss, refresh_hit, bypass for methods not cached).",
		`doorman_gateway_cache_requests_total{result="hit",route="cdn.test"} 1`,
		`doorman_gateway_cache_requests_total{result="refresh_hit",route="cdn.test"} 2`,
		`doorman_gateway_cache_requests_total{result="miss",route="cdn.test"} 1`,
		`doorman_gateway_cache_requests_total{result="bypass",route="cdn.test"} 0`,
		"# HELP doorman_gateway_cache_coalesced_total Misses served by another request's origin fetch for the same key instead of a fetch of their own, by route.",
		`doorman_gateway_cache_coalesced_total{route="cdn.test"} 1`,
		"# HELP doorman_gateway_cache_evictions_total Entries removed by the store, by cause (size: over the memory budget; expired: past their TTL and stale retention).",
		`doorman_gateway_cache_evictions_total{cause="size"} 1`,
		"# HELP doorman_gateway_cache_invalidated_total Entries removed by invalidations.",
		"doorman_gateway_cache_invalidated_total 3",
		"# HELP doorman_gateway_cache_bytes Weight of the stored entries in bytes (bodies, headers, keys and a fixed overhead).",
		"# TYPE doorman_gateway_cache_bytes gauge",
		fmt.Sprintf("doorman_gateway_cache_bytes %d", c.Bytes()),
		"# HELP doorman_gateway_cache_entries Entries stored.",
		"doorman_gateway_cache_entries 1",
		"# TYPE go_goroutines gauge",
		"# TYPE process_start_time_seconds gauge",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

// A reload that applies drops the series of the routes it removed, those written through a
// handle of the previous configuration since included, and keeps the others'.
func TestKeepRoutes(t *testing.T) {
	m := prommetrics.NewGateway()
	old, kept := m.Route("old.test"), m.Route("kept.test")
	for _, r := range []gateway.RouteMetrics{old, kept} {
		r.Request(200, time.Millisecond)
		r.CORSDecision(fetch.Preflight, gateway.Allowed, fetch.ReasonNone)
		r.PreflightAnswered()
		r.UpstreamError("unreachable")
	}
	m.KeepRoutes([]string{"kept.test"})
	old.Request(404, time.Millisecond) // a request in flight on the previous configuration
	m.KeepRoutes([]string{"kept.test"})
	m.Reload(true)

	body := scrape(t, m.Handler())
	if strings.Contains(body, "old.test") {
		t.Errorf("the removed route's series stay:\n%s", body)
	}
	for _, want := range []string{
		`doorman_gateway_requests_total{code="200",route="kept.test"} 1`,
		`doorman_gateway_request_duration_seconds_count{route="kept.test"} 1`,
		`doorman_gateway_cors_decisions_total{kind="preflight",outcome="allowed",reason="",route="kept.test"} 1`,
		`doorman_gateway_preflights_answered_total{route="kept.test"} 1`,
		`doorman_gateway_upstream_errors_total{kind="unreachable",route="kept.test"} 1`,
		`doorman_gateway_config_reloads_total{result="ok"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}
}
