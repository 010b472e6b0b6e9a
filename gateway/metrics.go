package gateway

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// metrics are the gateway's Prometheus metrics, in a registry of their own served by the
// admin listener. Every label is bounded: route is a configured route's name ("-" for
// requests no host matches), never a raw request value; kind, outcome, reason and result
// come from fixed sets; code is an HTTP status.
type metrics struct {
	reg            *prometheus.Registry
	decisions      *prometheus.CounterVec
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	preflights     *prometheus.CounterVec
	upstreamErrors *prometheus.CounterVec
	reloads        *prometheus.CounterVec
	tenantLoads    *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_gateway_cors_decisions_total",
			Help: "CORS decisions for requests with an Origin, by route, kind (preflight or actual), outcome (allowed, refused, shadow-refused) and reason of a refusal."},
			[]string{"route", "kind", "outcome", "reason"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_gateway_requests_total", Help: "Requests by route and the status answered."},
			[]string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "doorman_gateway_request_duration_seconds", Help: "Time to answer requests, by route.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)},
			[]string{"route"}),
		preflights: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_gateway_preflights_answered_total",
			Help: "Preflights answered at the gateway (never forwarded), by route."},
			[]string{"route"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_gateway_upstream_errors_total",
			Help: "Exchanges with the upstream that failed, by route and kind (unreachable, timeout, failed, aborted, body_too_large, client_body, canceled)."},
			[]string{"route", "kind"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_gateway_config_reloads_total", Help: "Configuration reloads, by result (ok or error)."},
			[]string{"result"}),
		tenantLoads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorman_gateway_tenant_loads_total", Help: "Loads of tenant origin files, by result (ok or error)."},
			[]string{"result"}),
	}
	m.reg.MustRegister(m.decisions, m.requests, m.duration, m.preflights, m.upstreamErrors, m.reloads, m.tenantLoads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// forgetRoutes deletes the series of every route cur does not have: a route removed by a
// reload would otherwise be exported, frozen, until the next restart, and a configuration
// reloaded often with changing routes would grow the registry without bound. The routes
// are read from the registry itself, so that a series a request in flight on an older table
// wrote after the previous reload goes too.
func (m *metrics) forgetRoutes(cur *Config) {
	kept := make(map[string]bool, len(cur.routes))
	for _, r := range cur.routes {
		kept[r.name] = true
	}
	families, _ := m.reg.Gather() // what could be gathered; the route series cannot fail
	gone := map[string]bool{}
	for _, mf := range families {
		for _, mt := range mf.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if lp.GetName() == "route" && !kept[lp.GetValue()] {
					gone[lp.GetValue()] = true
				}
			}
		}
	}
	for name := range gone {
		l := prometheus.Labels{"route": name}
		m.decisions.DeletePartialMatch(l)
		m.requests.DeletePartialMatch(l)
		m.duration.DeletePartialMatch(l)
		m.preflights.DeletePartialMatch(l)
		m.upstreamErrors.DeletePartialMatch(l)
	}
}

func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

// statusLabels are the code label's values, made once: formatting a status per request
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

// outcomes are the outcome label's values, by outcomeIndex.
var outcomes = [...]string{"allowed", "refused", "shadow-refused"}

// outcomeIndex is the index in outcomes of a decision's outcome.
func outcomeIndex(x *exchange) int {
	switch {
	case x.d.Allowed:
		return 0
	case x.apply:
		return 1
	}
	return 2
}

// outcome is the outcome label of a decision.
func outcome(x *exchange) string { return outcomes[outcomeIndex(x)] }

// Bounds of a route's series table.
const (
	// maxReasons is how many fetch.Reason values a route's table holds: the six there are,
	// and room for more; a reason past it is looked up by its labels.
	maxReasons = 8
	// corsKinds are the kinds counted: fetch.Preflight and fetch.Actual (NotCORS is not).
	corsKinds = 2
)

// routeSeries are a route's request and decision counters, each resolved from its vector
// the first time it counts, then kept: a request does no label lookup or hashing. A series
// appears in the export when it first counts, as with a lookup per request. The table is
// the route's in one routing table: a reload builds new ones, and forgetRoutes deletes
// removed routes' series from the vectors.
type routeSeries struct {
	m         *metrics
	route     string
	requests  [len(statusLabels) + 1]atomic.Pointer[prometheus.Counter] // by status; the last "other"
	decisions [corsKinds][len(outcomes)][maxReasons]atomic.Pointer[prometheus.Counter]
}

func (m *metrics) routeSeries(route string) *routeSeries { return &routeSeries{m: m, route: route} }

// lazyCounter returns the counter in p, resolving it with labels the first time.
func lazyCounter(p *atomic.Pointer[prometheus.Counter], vec *prometheus.CounterVec, labels ...string) prometheus.Counter {
	c := vec.WithLabelValues(labels...)
	p.Store(&c)
	return c
}

func (s *routeSeries) request(code int) prometheus.Counter {
	i := len(s.requests) - 1
	if code >= 0 && code < len(statusLabels) {
		i = code
	}
	if c := s.requests[i].Load(); c != nil {
		return *c
	}
	return lazyCounter(&s.requests[i], s.m.requests, s.route, statusLabel(code))
}

func (s *routeSeries) decision(x *exchange) prometheus.Counter {
	k, o, r := int(x.d.Kind)-int(fetch.Preflight), outcomeIndex(x), int(x.d.Reason)
	if k < 0 || k >= corsKinds || r >= maxReasons {
		return s.m.decisions.WithLabelValues(s.route, x.d.Kind.String(), outcomes[o], x.d.Reason.String())
	}
	p := &s.decisions[k][o][r]
	if c := p.Load(); c != nil {
		return *c
	}
	return lazyCounter(p, s.m.decisions, s.route, x.d.Kind.String(), outcomes[o], x.d.Reason.String())
}

func (m *metrics) observe(x *exchange, d time.Duration) {
	rt := x.route
	rt.series.request(x.status).Inc()
	rt.duration.Observe(d.Seconds())
	if x.evaluated && x.d.Kind != fetch.NotCORS {
		rt.series.decision(x).Inc()
	}
}
