package upstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/doorman-s3/doorman/storage"
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
	// same store, addressed path-style. Balance says which healthy endpoint a request goes
	// to.
	Endpoints []string
	// Balance is how requests are spread over the healthy endpoints: BalanceRoundRobin (the
	// default, when empty) or BalanceFailover.
	Balance string
	// Region is the region upstream requests are signed for; us-east-1 when empty.
	Region string
	// Service is the identity of the server's own requests (the meta bucket, polling, health)
	// and, under UnmappedService, of clients whose access key Identities does not map.
	Service Credentials
	// Identities maps a doorman access key to the upstream identity its requests are signed
	// with.
	Identities map[string]Credentials
	// Unmapped is what becomes of a client whose access key Identities does not map:
	// UnmappedService signs its requests as Service (which can write the meta bucket, and
	// every bucket the service identity can), UnmappedDeny answers it 403 AccessDenied
	// without sending anything. Empty is UnmappedService when Identities is empty and
	// UnmappedDeny otherwise.
	Unmapped string
	// SpoolDir is the directory a body of unknown length is spooled to before it is sent
	// (see the package documentation); os.TempDir() when empty. New removes the spool files
	// a previous process left there, so it should be this node's own.
	SpoolDir string
	// SpoolLimit bounds the bytes spooled at once, across every request; DefaultSpoolLimit
	// when zero. A body that would pass it fails with 503 SlowDown.
	SpoolLimit int64
	// MetaBucket is the reserved bucket holding what doorman manages itself; DefaultMetaBucket
	// when empty. It is created when missing, and hidden from every client.
	MetaBucket string
	// PollInterval is how often the meta bucket and the upstream's bucket list are read
	// again; DefaultPollInterval when zero.
	PollInterval time.Duration
	// HealthInterval is how often each endpoint is probed; DefaultHealthInterval when zero.
	HealthInterval time.Duration
	// UploadSweepInterval is how often the records of uploads that ended without doorman
	// are looked for (uploadsweep.go); DefaultUploadSweepInterval when zero.
	UploadSweepInterval time.Duration
	// AdoptOwner is the canonical id of the owner given to a bucket that exists upstream
	// without doorman's record of it (created behind doorman's back, or before doorman).
	AdoptOwner string
	// ResponseTimeout bounds each wait on the upstream: for an answer's headers once the
	// request has been sent (its body too), and for each write of a request's body and each
	// read of an answer's to make progress. A request that waits longer fails with
	// ErrUnavailable, which a client is answered 503 ServiceUnavailable.
	// DefaultResponseTimeout when zero. It applies to the HTTP client New makes, not to a
	// Config.HTTPClient.
	ResponseTimeout time.Duration
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
	DefaultSpoolLimit     = 1 << 30
)

// Values of Config.Unmapped.
const (
	UnmappedService = "service"
	UnmappedDeny    = "deny"
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
	// spooling is the budget of the bodies spooled at once (body.go).
	spooling spoolBudget
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

var (
	_ storage.BucketWatcher = (*Backend)(nil)
	_ storage.HealthChecker = (*Backend)(nil)
)

// maxLoadBackoff bounds the wait between two attempts of New's first load.
const maxLoadBackoff = 5 * time.Second

// pollTimeout bounds one poll.
const pollTimeout = 30 * time.Second

// New returns a Backend over the upstream cfg describes. It creates the meta bucket when
// missing and makes the first complete load of the buckets and their configurations before
// it returns, trying again (with a growing wait, each failure logged) until ctx is done: a
// node never serves before it knows every bucket's configurations. The endpoint prober and
// the poller and the sweep of upload records then run until Close.
func New(ctx context.Context, cfg Config) (*Backend, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("upstream: no endpoint")
	}
	if cfg.Service.AccessKey == "" || cfg.Service.SecretKey == "" {
		return nil, errors.New("upstream: the service identity needs an access key and a secret key")
	}
	if cfg.MetaBucket == "" {
		cfg.MetaBucket = DefaultMetaBucket
	}
	if !storage.ValidBucketName(cfg.MetaBucket) {
		return nil, fmt.Errorf("upstream: the meta bucket %q is not a valid bucket name", cfg.MetaBucket)
	}
	if cfg.PollInterval < 0 || cfg.HealthInterval < 0 || cfg.UploadSweepInterval < 0 {
		return nil, errors.New("upstream: negative poll, health or sweep interval")
	}
	if cfg.SpoolLimit < 0 {
		return nil, errors.New("upstream: negative spool limit")
	}
	if cfg.SpoolLimit == 0 {
		cfg.SpoolLimit = DefaultSpoolLimit
	}
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = os.TempDir()
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.HealthInterval == 0 {
		cfg.HealthInterval = DefaultHealthInterval
	}
	if cfg.UploadSweepInterval == 0 {
		cfg.UploadSweepInterval = DefaultUploadSweepInterval
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Unmapped == "" {
		cfg.Unmapped = UnmappedService
		if len(cfg.Identities) > 0 {
			cfg.Unmapped = UnmappedDeny
		}
	}
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	if err := removeLeftovers(cfg.SpoolDir, cfg.Logger); err != nil {
		return nil, err
	}
	b := &Backend{cfg: cfg, log: cfg.Logger, client: c, meta: newMeta(cfg.MetaBucket, cfg.AdoptOwner, cfg.Logger),
		spooling: spoolBudget{dir: cfg.SpoolDir, limit: cfg.SpoolLimit}}
	bg, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.wg.Add(2)
	go func() {
		defer b.wg.Done()
		c.run(bg)
	}()
	go func() {
		defer b.wg.Done()
		b.meta.notify.run(bg)
	}()
	wait := min(50*time.Millisecond, cfg.PollInterval)
	for {
		err := b.firstLoad(ctx)
		if err == nil {
			break
		}
		b.log.Warn("upstream: the first load of the buckets failed; trying again", "error", err, "wait", wait)
		select {
		case <-ctx.Done():
			b.Close()
			return nil, fmt.Errorf("upstream: the first load of the buckets did not complete: %w (last failure: %w)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, maxLoadBackoff)
	}
	b.wg.Add(2)
	go func() {
		defer b.wg.Done()
		b.pollLoop(bg)
	}()
	go func() {
		defer b.wg.Done()
		b.sweepLoop(bg)
	}()
	return b, nil
}

// firstLoad creates the meta bucket unless it exists, then polls once.
func (b *Backend) firstLoad(ctx context.Context) error {
	if err := b.createMetaBucket(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	return b.poll(ctx)
}

// createMetaBucket makes the meta bucket, as the service identity, unless it exists.
func (b *Backend) createMetaBucket(ctx context.Context) error {
	region := ""
	if b.cfg.Region != "us-east-1" {
		region = b.cfg.Region
	}
	err := b.putUpstreamBucket(ctx, b.meta.bucket, region, false, &b.cfg.Service)
	if err != nil && !alreadyOwned(err) {
		return fmt.Errorf("creating the meta bucket %s: %w", b.meta.bucket, err)
	}
	return nil
}

// pollLoop polls every PollInterval until ctx is done. A failed poll keeps the last
// snapshot (stale-if-error); Health tells its age.
func (b *Backend) pollLoop(ctx context.Context) {
	t := time.NewTicker(b.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, pollTimeout)
		err := b.poll(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			b.log.Warn("upstream: a poll of the buckets failed; serving the last snapshot", "error", err,
				"snapshot_age", b.cfg.Now().Sub(b.meta.snap.Load().loaded))
		}
	}
}

// Close stops the poller, the sweep and the endpoint prober, and waits for them; it closes the idle
// connections of the HTTP client New made (not those of a Config.HTTPClient).
func (b *Backend) Close() error {
	b.cancel()
	b.wg.Wait()
	if b.client.ownHTTP {
		b.client.http.CloseIdleConnections()
	}
	return nil
}
