// Package prommetrics records the S3 server's metrics (s3api.Metrics) in Prometheus: requests
// by operation and status, latency by operation and CORS decisions by bucket, kind and
// outcome, plus the Go runtime's and the process's collectors, in a registry of their own.
// It lives apart from the protocol layer so that s3api does not depend on a monitoring
// system; the doorman command wires it in for --metrics-addr. The metric names, labels and
// help texts are part of doorman's interface (dashboards and alerts name them): the README
// lists them.
package prommetrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// S3 holds the S3 server's metrics. It implements s3api.Metrics.
type S3 struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	cors     *prometheus.CounterVec
}

// latencyBuckets are the request duration histogram's upper bounds: 100µs to about 26s,
// each four times the last, from a cached preflight to a large upload.
var latencyBuckets = prometheus.ExponentialBuckets(0.0001, 4, 10)

// NewS3 registers the S3 server's metrics in a registry of their own.
func NewS3() *S3 {
	m := &S3{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_requests_total", Help: "S3 requests by operation and HTTP status."},
			[]string{"operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "doorman_request_duration_seconds", Help: "Time to serve S3 requests, by operation.",
			Buckets: latencyBuckets},
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
func (m *S3) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

// Request counts one request by operation and status and observes its duration.
func (m *S3) Request(operation string, status int, d time.Duration) {
	m.requests.WithLabelValues(operation, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(operation).Observe(d.Seconds())
}

// CORSDecision counts one CORS decision.
func (m *S3) CORSDecision(bucket, kind, outcome string) {
	m.cors.WithLabelValues(bucket, kind, outcome).Inc()
}
