package s3api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus metrics: requests by operation and status, latency by
// operation, and CORS decisions by bucket and outcome, so that operators can alert on
// misconfigured buckets (a burst of no_matching_rule) or on probing.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	cors     *prometheus.CounterVec
}

// NewMetrics registers the metrics in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_requests_total", Help: "S3 requests by operation and HTTP status."},
			[]string{"operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "doorman_request_duration_seconds", Help: "Time to serve S3 requests, by operation.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)},
			[]string{"operation"}),
		cors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_cors_decisions_total",
			Help: "CORS decisions for requests with an Origin, by bucket (\"-\" for missing ones), request kind (preflight or actual) and outcome."},
			[]string{"bucket", "kind", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.cors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

func (m *Metrics) observe(rc *request, d time.Duration) {
	m.requests.WithLabelValues(rc.op, strconv.Itoa(rc.status)).Inc()
	m.latency.WithLabelValues(rc.op).Observe(d.Seconds())
	if rc.r.Header.Get("Origin") != "" || rc.op == "PreflightRequest" {
		kind := "actual"
		if rc.op == "PreflightRequest" {
			kind = "preflight"
		}
		// Only existing buckets become label values: names from unsigned requests to missing
		// buckets would otherwise add a series each, without bound.
		bucket := "-"
		if rc.s.buckets.get(rc.bucket) != nil {
			bucket = rc.bucket
		}
		m.cors.WithLabelValues(bucket, kind, rc.cors.String()).Inc()
	}
}
