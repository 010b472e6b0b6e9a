package edge

import (
	"github.com/maypok86/otter/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the cache's Prometheus metrics. Labels are bounded: route is a configured
// behaviour's name, result and cause come from fixed sets.
type metrics struct {
	requests    *prometheus.CounterVec
	coalesced   *prometheus.CounterVec
	evictions   *prometheus.CounterVec
	invalidated prometheus.Counter
	bytes       prometheus.GaugeFunc
	entries     prometheus.GaugeFunc
}

func newMetrics() *metrics {
	return &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_gateway_cache_requests_total",
			Help: "Requests of cache behaviours, by route and result (hit, miss, refresh_hit, bypass for methods not cached)."},
			[]string{"route", "result"}),
		coalesced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_gateway_cache_coalesced_total",
			Help: "Misses served by another request's origin fetch for the same key instead of a fetch of their own, by route."},
			[]string{"route"}),
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_gateway_cache_evictions_total",
			Help: "Entries removed by the store, by cause (size: over the memory budget; expired: past their TTL and stale retention)."},
			[]string{"cause"}),
		invalidated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "doorman_gateway_cache_invalidated_total", Help: "Entries removed by invalidations."}),
	}
}

// gauges reads the store's size when scraped.
func (m *metrics) gauges(s *otter.Cache[string, *entry]) {
	m.bytes = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "doorman_gateway_cache_bytes", Help: "Weight of the stored entries in bytes (bodies, headers, keys and a fixed overhead)."},
		func() float64 { return float64(s.WeightedSize()) })
	m.entries = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "doorman_gateway_cache_entries", Help: "Entries stored."},
		func() float64 { return float64(s.EstimatedSize()) })
}

func (m *metrics) register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.requests, m.coalesced, m.evictions, m.invalidated, m.bytes, m.entries} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}
