package gateway

import (
	"net/http"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/edge"
)

// Metrics receives what the gateway counts, so that operators can alert on refused CORS
// requests (a burst of refusals of one reason on one route), upstream failures, latency
// and reloads that did not apply. The gateway depends on this interface alone: which
// monitoring system records the figures is its embedder's choice (the doorman command wires
// in internal/prommetrics). Every value it is given is bounded, fit for a metric label: a
// route is a configured route's name ("-" for requests no host matches), never a raw request
// value; kinds, outcomes, reasons and results come from fixed sets; a status is an HTTP
// status. An implementation must be safe for concurrent use.
type Metrics interface {
	// edge.Metrics receives the edge cache's figures: its behaviours are the routes with a
	// cache, by route name.
	edge.Metrics
	// Route returns the recorder of one route's figures. The gateway calls it for every route
	// of a configuration as it loads it, so that a request only calls the recorder's methods:
	// it looks up no label.
	Route(name string) RouteMetrics
	// KeepRoutes is called when a reload applies, with the names of the routes it serves: the
	// figures of any other route are dropped, and those a request still in flight on an
	// earlier configuration records after the call are dropped by the next call at the
	// latest. Otherwise a route removed by a reload would be exported, frozen, until the next
	// restart, and a configuration reloaded often with changing routes would grow the
	// figures without bound.
	KeepRoutes(names []string)
	// Reload records one reload of the configuration file: applied (ok) or refused.
	Reload(ok bool)
	// TenantLoad records one load of a tenant origin file: applied (ok) or refused.
	TenantLoad(ok bool)
	// Handler serves the figures on the admin listener's GET /metrics; nil serves none.
	Handler() http.Handler
}

// RouteMetrics receives the figures of one route.
type RouteMetrics interface {
	// Request records one answered request: the status answered and the time taken.
	Request(status int, d time.Duration)
	// CORSDecision records the decision on a request with an Origin: its kind
	// (fetch.Preflight or fetch.Actual), its outcome, and why it was refused
	// (fetch.ReasonNone when it was not).
	CORSDecision(kind fetch.Kind, o Outcome, reason fetch.Reason)
	// PreflightAnswered records a preflight answered at the gateway (never forwarded).
	PreflightAnswered()
	// UpstreamError records an exchange with the upstream that failed, by kind:
	// unreachable, timeout, failed, aborted, body_too_large, client_body or canceled.
	UpstreamError(kind string)
}

// Outcome is what became of a CORS decision, as the access log and the metrics name it.
type Outcome uint8

const (
	Allowed       Outcome = iota // allowed
	Refused                      // refused, and the refusal enforced
	ShadowRefused                // refused in shadow mode: logged and counted, not enforced
)

var outcomeNames = [...]string{"allowed", "refused", "shadow-refused"}

// String returns the name of o: allowed, refused or shadow-refused.
func (o Outcome) String() string { return outcomeNames[o] }

// outcome is the outcome of the exchange's decision.
func outcome(x *exchange) Outcome {
	switch {
	case x.d.Allowed:
		return Allowed
	case x.apply:
		return Refused
	}
	return ShadowRefused
}

// observe records the figures of a finished request.
func (x *exchange) observe(d time.Duration) {
	m := x.route.metrics
	if m == nil {
		return
	}
	m.Request(x.status, d)
	if x.evaluated && x.d.Kind != fetch.NotCORS {
		m.CORSDecision(x.d.Kind, outcome(x), x.d.Reason)
	}
}

// upstreamFailed notes why the exchange with the upstream failed, for the access log, and
// counts it.
func (x *exchange) upstreamFailed(kind string) {
	x.upstreamErr = kind
	if m := x.route.metrics; m != nil {
		m.UpstreamError(kind)
	}
}

// routeNames are the names of cfg's routes.
func routeNames(cfg *Config) []string {
	names := make([]string, len(cfg.routes))
	for i, r := range cfg.routes {
		names[i] = r.name
	}
	return names
}
