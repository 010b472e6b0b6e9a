// Package prommetrics records the metrics of doorman's servers in Prometheus: the S3
// server's (s3api.Metrics: requests by operation and status, latency by operation, CORS
// decisions by bucket, kind and outcome; with the s3 backend, its upstream requests,
// endpoints' health and snapshot age: upstream.Metrics) and the gateway's with its edge cache's
// (gateway.Metrics: requests, latency, CORS decisions, preflights answered and upstream
// errors by route; reloads and tenant file loads; the cache's results, coalesced misses,
// evictions, invalidations and size). Each set has a registry of its own, with the Go
// runtime's and the process's collectors, served by Handler.
//
// It lives apart from the protocol packages so that they do not depend on a monitoring
// system; the doorman command wires it in (serve's --metrics-addr, the gateway's admin
// listener). The metric names, labels, help texts and buckets are part of doorman's
// interface (dashboards and alerts name them): the README lists them.
package prommetrics

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// registry is a set's registry: its own collectors, the Go runtime's and the process's.
type registry struct {
	reg *prometheus.Registry
}

func newRegistry(cs ...prometheus.Collector) registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(cs...)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return registry{reg: reg}
}

// Handler serves the metrics in the Prometheus text format.
func (r registry) Handler() http.Handler { return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{}) }

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// latencyBuckets are the request duration histograms' upper bounds: 100µs to about 26s,
// each four times the last, from a cached preflight to a large upload.
var latencyBuckets = prometheus.ExponentialBuckets(0.0001, 4, 10)

func latencyVec(name, help string, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: latencyBuckets}, labels)
}

// statusLabels are the status labels' values, made once: formatting a status per request
// would allocate. Statuses outside it share the label "other".
var statusLabels = func() (s [600]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func statusLabel(code int) string {
	if code >= 0 && code < len(statusLabels) {
		return statusLabels[code]
	}
	return "other"
}

// result is the label of a reload's or a load's result.
func result(ok bool) string {
	if ok {
		return "ok"
	}
	return "error"
}
