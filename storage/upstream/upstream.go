package upstream

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Credentials are an upstream identity's key pair. They are never logged, nor printed by
// String: fmt shows "<credentials ACCESSKEY>" without the secret.
type Credentials struct {
	AccessKey string
	SecretKey string
}

// Config is what New needs. Endpoints and Service are required.
type Config struct {
	// Endpoints are the upstream's base URLs (http://127.0.0.1:9001), every one serving the
	// same store, addressed path-style. Requests go to healthy endpoints in turn.
	Endpoints []string
	// Region is the region upstream requests are signed for; us-east-1 when empty.
	Region string
	// Service is the identity of the server's own requests (the meta bucket, polling, health)
	// and of clients whose access key Identities does not map.
	Service Credentials
	// Identities maps a doorman access key to the upstream identity its requests are signed
	// with.
	Identities map[string]Credentials
	// MetaBucket is the reserved bucket holding what doorman manages itself; DefaultMetaBucket
	// when empty. It is created when missing, and hidden from every client.
	MetaBucket string
	// PollInterval is how often the meta bucket and the upstream's bucket list are read
	// again; DefaultPollInterval when zero.
	PollInterval time.Duration
	// HealthInterval is how often each endpoint is probed; DefaultHealthInterval when zero.
	HealthInterval time.Duration
	// AdoptOwner is the canonical id of the owner given to a bucket that exists upstream
	// without doorman's record of it (created behind doorman's back, or before doorman).
	AdoptOwner string
	// HTTPClient sends the upstream requests; nil uses one with the timeouts of this package.
	HTTPClient *http.Client
	// Metrics, when set, receives the figures of upstream requests, endpoints and snapshots.
	Metrics Metrics
	Logger  *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultMetaBucket     = "doorman-meta"
	DefaultPollInterval   = time.Second
	DefaultHealthInterval = 2 * time.Second
)

// Metrics receives what the backend measures.
type Metrics interface {
	// UpstreamRequest records one upstream request: the endpoint it went to, its method,
	// the status answered (0 for a transport failure) and its duration until headers.
	UpstreamRequest(endpoint, method string, status int, d time.Duration)
	// EndpointHealth records an endpoint's health after each probe.
	EndpointHealth(endpoint string, healthy bool)
	// SnapshotLoaded records that a poll installed a complete snapshot at the time given;
	// the age exported is the time since.
	SnapshotLoaded(at time.Time)
}

// Backend is a storage.Backend over an upstream S3 store; see the package documentation.
type Backend struct {
	cfg    Config
	log    *slog.Logger
	client *client // client.go
	meta   *meta   // meta.go
	cancel context.CancelFunc
	done   chan struct{}
}
