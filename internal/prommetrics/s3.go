package prommetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// S3 holds the S3 server's metrics. It implements s3api.Metrics.
type S3 struct {
	registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	cors     *prometheus.CounterVec
	// lifecycle is the lifecycle worker's (Lifecycle).
	lifecycle *lifecycleMetrics
}

// NewS3 registers the S3 server's metrics in a registry of their own.
func NewS3() *S3 {
	m := &S3{
		requests: counterVec("doorman_requests_total", "S3 requests by operation and HTTP status.", "operation", "status"),
		latency:  latencyVec("doorman_request_duration_seconds", "Time to serve S3 requests, by operation.", "operation"),
		cors: counterVec("doorman_cors_decisions_total",
			"CORS decisions for requests with an Origin, by bucket (\"-\" for missing ones), request kind (preflight or actual) and outcome.",
			"bucket", "kind", "outcome"),
		lifecycle: newLifecycleMetrics(),
	}
	m.registry = newRegistry(append([]prometheus.Collector{m.requests, m.latency, m.cors}, m.lifecycle.collectors()...)...)
	return m
}

// Request counts one request by operation and status and observes its duration.
func (m *S3) Request(operation string, status int, d time.Duration) {
	m.requests.WithLabelValues(operation, statusLabel(status)).Inc()
	m.latency.WithLabelValues(operation).Observe(d.Seconds())
}

// CORSDecision counts one CORS decision.
func (m *S3) CORSDecision(bucket, kind, outcome string) {
	m.cors.WithLabelValues(bucket, kind, outcome).Inc()
}
