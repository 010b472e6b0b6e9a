package prommetrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/doorman-s3/doorman/edge"
)

// cacheMetrics are the edge cache's metrics, in the gateway's registry: the methods of
// edge.Metrics.
type cacheMetrics struct {
	requests    *prometheus.CounterVec
	coalesced   *prometheus.CounterVec
	evictions   *prometheus.CounterVec
	invalidated prometheus.Counter
	bytes       prometheus.GaugeFunc
	entries     prometheus.GaugeFunc
	cache       atomic.Pointer[edge.Cache] // the cache whose size the gauges read; nil reads 0
}

func newCacheMetrics() *cacheMetrics {
	m := &cacheMetrics{
		requests: counterVec("doorman_gateway_cache_requests_total",
			"Requests of cache behaviours, by route and result (hit, miss, refresh_hit, bypass for methods not cached).",
			"route", "result"),
		coalesced: counterVec("doorman_gateway_cache_coalesced_total",
			"Misses served by another request's origin fetch for the same key instead of a fetch of their own, by route.",
			"route"),
		evictions: counterVec("doorman_gateway_cache_evictions_total",
			"Entries removed by the store, by cause (size: over the memory budget; expired: past their TTL and stale retention).",
			"cause"),
		invalidated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "doorman_gateway_cache_invalidated_total", Help: "Entries removed by invalidations."}),
	}
	m.bytes = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "doorman_gateway_cache_bytes", Help: "Weight of the stored entries in bytes (bodies, headers, keys and a fixed overhead)."},
		func() float64 { _, bytes := m.size(); return float64(bytes) })
	m.entries = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "doorman_gateway_cache_entries", Help: "Entries stored."},
		func() float64 { entries, _ := m.size(); return float64(entries) })
	return m
}

func (m *cacheMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.coalesced, m.evictions, m.invalidated, m.bytes, m.entries}
}

// size is the watched cache's entries and their weight, none before there is a cache.
func (m *cacheMetrics) size() (entries int, bytes int64) {
	if c := m.cache.Load(); c != nil {
		return c.Len(), c.Bytes()
	}
	return 0, 0
}

// WatchSize has the bytes and entries gauges read c's size.
func (m *cacheMetrics) WatchSize(c *edge.Cache) { m.cache.Store(c) }

// Evicted counts one entry the store removed, by cause.
func (m *cacheMetrics) Evicted(cause string) { m.evictions.WithLabelValues(cause).Inc() }

// Invalidated counts n entries removed by an invalidation.
func (m *cacheMetrics) Invalidated(n int) { m.invalidated.Add(float64(n)) }

// Behavior resolves a behaviour's series once, so that a request does no label lookup.
func (m *cacheMetrics) Behavior(name string) edge.BehaviorMetrics {
	b := &cacheBehavior{coalesced: m.coalesced.WithLabelValues(name)}
	for r := range b.results {
		b.results[r] = m.requests.WithLabelValues(name, edge.Result(r).String())
	}
	return b
}

// cacheBehavior are one behaviour's series.
type cacheBehavior struct {
	results   [edge.Bypass + 1]prometheus.Counter // by edge.Result, Bypass the last
	coalesced prometheus.Counter
}

func (b *cacheBehavior) Request(r edge.Result) { b.results[r].Inc() }

func (b *cacheBehavior) Coalesced() { b.coalesced.Inc() }
