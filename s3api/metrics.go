package s3api

import "time"

// Metrics receives what the server counts, so that operators can alert on errors, latency,
// misconfigured buckets (a burst of no_matching_rule) or probing. The server calls it once per
// request, after the answer; an implementation must be safe for concurrent use. The server
// depends on this interface alone: which monitoring system records the figures is the
// command's choice (cmd/doorman wires in internal/prommetrics).
type Metrics interface {
	// Request records one request: its operation (the S3 operation's name, as in AWS's API
	// reference, "PreflightRequest" for an OPTIONS request and "Unknown" when there is
	// none), its HTTP status and the time taken to answer it.
	Request(operation string, status int, d time.Duration)
	// CORSDecision records the CORS decision of a request with an Origin header, or of a
	// preflight: the bucket ("-" unless it exists, so that requests naming made-up buckets do
	// not add a series each), the kind ("preflight" or "actual") and the outcome
	// (cors.Outcome's String).
	CORSDecision(bucket, kind, outcome string)
}

// observe reports a finished request to m.
func observe(m Metrics, rc *request, d time.Duration) {
	m.Request(rc.op, rc.status, d)
	if rc.r.Header.Get("Origin") != "" || rc.op == "PreflightRequest" {
		kind := "actual"
		if rc.op == "PreflightRequest" {
			kind = "preflight"
		}
		bucket := "-"
		if rc.s.buckets.get(rc.bucket) != nil {
			bucket = rc.bucket
		}
		m.CORSDecision(bucket, kind, rc.cors.String())
	}
}
