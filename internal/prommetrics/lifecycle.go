package prommetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/doorman-s3/doorman/expiry"
)

// passBuckets are the lifecycle pass duration histogram's upper bounds: 1s to about three
// days, each four times the last. A pass is as long as its ticks take to go over every bucket:
// seconds for a few buckets, hours for millions of versions at a tick a minute.
var passBuckets = prometheus.ExponentialBuckets(1, 4, 10)

// lifecycleMetrics are the lifecycle worker's metrics (expiry.Metrics), in the S3 server's
// registry.
type lifecycleMetrics struct {
	actions *prometheus.CounterVec
	skipped *prometheus.CounterVec
	errors  prometheus.Counter
	passes  prometheus.Histogram
}

func newLifecycleMetrics() *lifecycleMetrics {
	return &lifecycleMetrics{
		actions: counterVec("doorman_lifecycle_actions_total",
			"Lifecycle actions done, by kind (expire_current, delete_version, abort_upload).", "kind"),
		skipped: counterVec("doorman_lifecycle_skipped_total",
			"Lifecycle actions the store refused, by reason (locked: under Object Lock; changed: written or removed since listed).", "reason"),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "doorman_lifecycle_errors_total",
			Help: "Failures of the store during lifecycle passes, other than refusals; the entry or bucket is left to the next pass."}),
		passes: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "doorman_lifecycle_pass_duration_seconds",
			Help: "Time from the start to the end of a lifecycle pass over every bucket.", Buckets: passBuckets}),
	}
}

func (m *lifecycleMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.actions, m.skipped, m.errors, m.passes}
}

// Action counts one lifecycle action by kind.
func (m *lifecycleMetrics) Action(kind string) { m.actions.WithLabelValues(kind).Inc() }

// Skipped counts one action the store refused, by reason.
func (m *lifecycleMetrics) Skipped(reason string) { m.skipped.WithLabelValues(reason).Inc() }

// Error counts one failure of the store.
func (m *lifecycleMetrics) Error() { m.errors.Inc() }

// Pass observes the duration of one pass.
func (m *lifecycleMetrics) Pass(d time.Duration) { m.passes.Observe(d.Seconds()) }

// Lifecycle is the lifecycle worker's metrics, served with the S3 server's.
func (m *S3) Lifecycle() expiry.Metrics { return m.lifecycle }
