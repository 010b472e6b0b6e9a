package prommetrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway"
)

// Gateway holds the gateway's metrics and its edge cache's. It implements gateway.Metrics.
// Every label is bounded: route is a configured route's name ("-" for requests no host
// matches), never a raw request value; kind, outcome, reason, result and cause come from
// fixed sets; code is an HTTP status.
type Gateway struct {
	registry
	*cacheMetrics
	decisions      *prometheus.CounterVec
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	preflights     *prometheus.CounterVec
	upstreamErrors *prometheus.CounterVec
	reloads        *prometheus.CounterVec
	tenantLoads    *prometheus.CounterVec
}

// NewGateway registers the gateway's and its cache's metrics in a registry of their own.
func NewGateway() *Gateway {
	m := &Gateway{
		cacheMetrics: newCacheMetrics(),
		decisions: counterVec("doorman_gateway_cors_decisions_total",
			"CORS decisions for requests with an Origin, by route, kind (preflight or actual), outcome (allowed, refused, shadow-refused) and reason of a refusal.",
			"route", "kind", "outcome", "reason"),
		requests: counterVec("doorman_gateway_requests_total", "Requests by route and the status answered.", "route", "code"),
		duration: latencyVec("doorman_gateway_request_duration_seconds", "Time to answer requests, by route.", "route"),
		preflights: counterVec("doorman_gateway_preflights_answered_total",
			"Preflights answered at the gateway (never forwarded), by route.", "route"),
		upstreamErrors: counterVec("doorman_gateway_upstream_errors_total",
			"Exchanges with the upstream that failed, by route and kind (unreachable, timeout, failed, aborted, body_too_large, client_body, canceled).",
			"route", "kind"),
		reloads:     counterVec("doorman_gateway_config_reloads_total", "Configuration reloads, by result (ok or error).", "result"),
		tenantLoads: counterVec("doorman_gateway_tenant_loads_total", "Loads of tenant origin files, by result (ok or error).", "result"),
	}
	m.registry = newRegistry(append(m.cacheMetrics.collectors(),
		m.decisions, m.requests, m.duration, m.preflights, m.upstreamErrors, m.reloads, m.tenantLoads)...)
	return m
}

// Reload counts one configuration reload by result.
func (m *Gateway) Reload(ok bool) { m.reloads.WithLabelValues(result(ok)).Inc() }

// TenantLoad counts one load of a tenant origin file by result.
func (m *Gateway) TenantLoad(ok bool) { m.tenantLoads.WithLabelValues(result(ok)).Inc() }

// KeepRoutes deletes the series of every route not named. The routes are read from the
// registry itself, so that a series a request in flight on an older configuration wrote
// since the previous reload goes too.
func (m *Gateway) KeepRoutes(names []string) {
	kept := make(map[string]bool, len(names))
	for _, name := range names {
		kept[name] = true
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

// Bounds of a route's series table.
const (
	// maxReasons is how many fetch.Reason values a route's table holds: the six there are,
	// and room for more; a reason past it is looked up by its labels.
	maxReasons = 8
	// corsKinds are the kinds counted: fetch.Preflight and fetch.Actual (NotCORS is not).
	corsKinds = 2
	// outcomes are the gateway.Outcome values.
	outcomes = int(gateway.ShadowRefused) + 1
)

// Route resolves the route's latency and preflight series now, and its request and decision
// series the first time each counts.
func (m *Gateway) Route(name string) gateway.RouteMetrics {
	return &route{m: m, name: name, duration: m.duration.WithLabelValues(name), preflights: m.preflights.WithLabelValues(name)}
}

// route are a route's series, each resolved from its vector once, then kept: a request does
// no label lookup or hashing. A request or decision series appears in the export when it
// first counts, as with a lookup per request. The table is the route's in one configuration:
// a reload makes new ones, and KeepRoutes deletes removed routes' series from the vectors.
type route struct {
	m          *Gateway
	name       string
	duration   prometheus.Observer
	preflights prometheus.Counter
	requests   [len(statusLabels) + 1]atomic.Pointer[prometheus.Counter] // by status; the last "other"
	decisions  [corsKinds][outcomes][maxReasons]atomic.Pointer[prometheus.Counter]
}

// lazyCounter returns the counter in p, resolving it with labels the first time.
func lazyCounter(p *atomic.Pointer[prometheus.Counter], vec *prometheus.CounterVec, labels ...string) prometheus.Counter {
	c := vec.WithLabelValues(labels...)
	p.Store(&c)
	return c
}

// Request counts one request by status and observes its duration.
func (r *route) Request(status int, d time.Duration) {
	r.request(status).Inc()
	r.duration.Observe(d.Seconds())
}

func (r *route) request(status int) prometheus.Counter {
	i := len(r.requests) - 1
	if status >= 0 && status < len(statusLabels) {
		i = status
	}
	if c := r.requests[i].Load(); c != nil {
		return *c
	}
	return lazyCounter(&r.requests[i], r.m.requests, r.name, statusLabel(status))
}

// CORSDecision counts one decision.
func (r *route) CORSDecision(kind fetch.Kind, o gateway.Outcome, reason fetch.Reason) {
	r.decision(kind, o, reason).Inc()
}

func (r *route) decision(kind fetch.Kind, o gateway.Outcome, reason fetch.Reason) prometheus.Counter {
	k, i := int(kind)-int(fetch.Preflight), int(reason)
	if k < 0 || k >= corsKinds || i >= maxReasons {
		return r.m.decisions.WithLabelValues(r.name, kind.String(), o.String(), reason.String())
	}
	p := &r.decisions[k][o][i]
	if c := p.Load(); c != nil {
		return *c
	}
	return lazyCounter(p, r.m.decisions, r.name, kind.String(), o.String(), reason.String())
}

// PreflightAnswered counts one preflight answered at the gateway.
func (r *route) PreflightAnswered() { r.preflights.Inc() }

// UpstreamError counts one failed exchange with the upstream by kind.
func (r *route) UpstreamError(kind string) { r.m.upstreamErrors.WithLabelValues(r.name, kind).Inc() }
