package prommetrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// upstreamMethods are the method labels' values: the methods S3 requests use. Any other
// shares the label "other", so that the label stays bounded whatever a caller passes.
var upstreamMethods = map[string]string{"GET": "GET", "HEAD": "HEAD", "PUT": "PUT", "POST": "POST", "DELETE": "DELETE"}

func methodLabel(method string) string {
	if m, ok := upstreamMethods[method]; ok {
		return m
	}
	return "other"
}

// Upstream holds the metrics of the backend over an upstream S3 store (upstream.Metrics), in
// the S3 server's registry. Its labels are bounded: endpoint is one of the configured
// endpoints, method one of S3's five (or "other"), code the status number ("0" for a request
// that got no answer: a transport failure or a timeout).
type Upstream struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	up       *prometheus.GaugeVec
	age      prometheus.GaugeFunc
	now      func() time.Time

	mu     sync.Mutex
	loaded time.Time // the last snapshot's load time; the metrics' creation before the first
}

// RegisterUpstream adds the upstream backend's metrics to the S3 server's registry and returns
// them; call it once, for a server whose backend is an upstream store. now is the clock the
// snapshot's age is measured with (nil: time.Now).
func (m *S3) RegisterUpstream(now func() time.Time) *Upstream {
	if now == nil {
		now = time.Now
	}
	u := &Upstream{
		requests: counterVec("doorman_upstream_requests_total",
			"Requests to the upstream store, by endpoint, method and HTTP status (0: no answer, a transport failure or a timeout).",
			"endpoint", "method", "code"),
		latency: latencyVec("doorman_upstream_request_duration_seconds",
			"Time from sending a request to the upstream store to its answer's headers, by endpoint and method.", "endpoint", "method"),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "doorman_upstream_endpoint_up",
			Help: "Whether the upstream endpoint passed its last health probe (1) or not (0)."}, []string{"endpoint"}),
		now:    now,
		loaded: now(),
	}
	u.age = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "doorman_upstream_snapshot_age_seconds",
		Help: "Time since the last complete load of bucket settings from the upstream store (since start, before the first)."},
		u.snapshotAge)
	m.reg.MustRegister(u.requests, u.latency, u.up, u.age)
	return u
}

// UpstreamRequest counts one upstream request and observes its duration.
func (u *Upstream) UpstreamRequest(endpoint, method string, status int, d time.Duration) {
	method = methodLabel(method)
	u.requests.WithLabelValues(endpoint, method, statusLabel(status)).Inc()
	u.latency.WithLabelValues(endpoint, method).Observe(d.Seconds())
}

// EndpointHealth sets an endpoint's health after a probe.
func (u *Upstream) EndpointHealth(endpoint string, healthy bool) {
	v := 0.0
	if healthy {
		v = 1
	}
	u.up.WithLabelValues(endpoint).Set(v)
}

// SnapshotLoaded records the time of a complete load; an older time than the last one
// recorded changes nothing.
func (u *Upstream) SnapshotLoaded(at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if at.After(u.loaded) {
		u.loaded = at
	}
}

func (u *Upstream) snapshotAge() float64 {
	u.mu.Lock()
	loaded := u.loaded
	u.mu.Unlock()
	return max(u.now().Sub(loaded).Seconds(), 0)
}
