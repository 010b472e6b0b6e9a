package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/internal/prommetrics"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// The values of --backend.
const (
	backendEmbedded = "embedded"
	backendS3       = "s3"
)

// Bounds of --upstream-poll-interval: below a tenth of a second every node would mostly list
// the meta bucket; above an hour a bucket's new settings would take hours to reach every node.
const (
	minPollInterval = 100 * time.Millisecond
	maxPollInterval = time.Hour
)

// Bounds of --upstream-timeout: below a second an erasure-coded store's answer to a large
// write (every shard synced first) would often be given up on; above ten minutes a hung store
// would hold every client that reaches it past any client's own patience.
const (
	minUpstreamTimeout = time.Second
	maxUpstreamTimeout = 10 * time.Minute
)

// Bounds of --upstream-spool-limit: below a mebibyte most browser uploads would be refused;
// above a tebibyte it bounds nothing a node's disk holds.
const (
	minSpoolLimit = 1 << 20
	maxSpoolLimit = 1 << 40
)

// maxUpstreamCredentialsFile bounds what is read of --upstream-credentials: a million bytes
// hold thousands of identities.
const maxUpstreamCredentialsFile = 1 << 20

// embeddedOnlyFlags are the flags of the embedded store, refused with --backend s3: nothing of
// that store is local (no data directory, no keyring: encryption at rest is the upstream's),
// and lifecycle configurations and SSE-C are refused by the s3 backend.
var embeddedOnlyFlags = []struct{ name, why string }{
	{"data", "nothing of the store is local: objects and bucket settings are kept in the upstream store"},
	{"lifecycle-interval", "lifecycle configurations are not available with the s3 backend, so there is no lifecycle worker"},
	{"lifecycle-day", "lifecycle configurations are not available with the s3 backend"},
	{"allow-sse-c-over-http", "SSE-C is not available with the s3 backend"},
}

// s3OnlyFlags are the flags of the s3 backend, refused with the embedded one.
var s3OnlyFlags = []string{"upstream", "upstream-region", "upstream-access-key", "upstream-secret-key",
	"upstream-credentials", "upstream-unmapped", "meta-bucket", "upstream-poll-interval", "upstream-timeout", "upstream-balance", "upstream-spool-dir", "upstream-spool-limit"}

// checkBackend refuses a --backend it does not know and the flags that make no sense with the
// one given.
func (f *serveFlags) checkBackend() error {
	switch f.backend {
	case backendEmbedded:
		for _, name := range s3OnlyFlags {
			if f.changed(name) {
				return fmt.Errorf("--%s applies only with --backend s3", name)
			}
		}
		return nil
	case backendS3:
		for _, fl := range embeddedOnlyFlags {
			if f.changed(fl.name) {
				return fmt.Errorf("--%s does not apply with --backend s3: %s", fl.name, fl.why)
			}
		}
		if len(f.upstreams) == 0 {
			return errors.New("--backend s3 needs --upstream URL: the base URL of the upstream S3 store (repeat it for several endpoints of one store)")
		}
		if f.pollInterval < minPollInterval || f.pollInterval > maxPollInterval {
			return fmt.Errorf("--upstream-poll-interval must be from %v to %v", minPollInterval, maxPollInterval)
		}
		if f.upstreamTimeout < minUpstreamTimeout || f.upstreamTimeout > maxUpstreamTimeout {
			return fmt.Errorf("--upstream-timeout must be from %v to %v", minUpstreamTimeout, maxUpstreamTimeout)
		}
		if f.upstreamBalance != upstream.BalanceRoundRobin && f.upstreamBalance != upstream.BalanceFailover {
			return fmt.Errorf("--upstream-balance must be %s or %s, not %q", upstream.BalanceRoundRobin, upstream.BalanceFailover, f.upstreamBalance)
		}
		if !storage.ValidBucketName(f.metaBucket) {
			return fmt.Errorf("--meta-bucket %q is not a valid bucket name", f.metaBucket)
		}
		if f.spoolLimit < minSpoolLimit || f.spoolLimit > maxSpoolLimit {
			return fmt.Errorf("--upstream-spool-limit must be from %d to %d bytes", minSpoolLimit, maxSpoolLimit)
		}
		if f.spoolDir != "" {
			if fi, err := os.Stat(f.spoolDir); err != nil {
				return fmt.Errorf("--upstream-spool-dir: %w", err)
			} else if !fi.IsDir() {
				return fmt.Errorf("--upstream-spool-dir %s is not a directory", f.spoolDir)
			}
		}
		return nil
	}
	return fmt.Errorf("--backend must be %s or %s, not %q", backendEmbedded, backendS3, f.backend)
}

// upstreamEndpoint checks one --upstream: an http or https URL of a host, without a path,
// query or credentials. An error never shows a password the URL carries.
func upstreamEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("--upstream: not a URL")
	}
	shown := u.Redacted()
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("--upstream %s: the URL must be http:// or https://", shown)
	case u.Host == "":
		return "", fmt.Errorf("--upstream %s: the URL names no host", shown)
	case u.User != nil:
		return "", fmt.Errorf("--upstream %s: credentials go in --upstream-access-key and --upstream-secret-key, or --upstream-credentials, never in the URL", shown)
	case strings.TrimRight(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("--upstream %s: give the store's base URL (scheme, host and port), without a path or query: buckets are addressed path-style under it", shown)
	}
	return u.Scheme + "://" + u.Host, nil
}

// upstreamCredentialsJSON is the file of --upstream-credentials.
type upstreamCredentialsJSON struct {
	Service    *credentialsJSON           `json:"service"`
	Identities map[string]credentialsJSON `json:"identities"`
}

type credentialsJSON struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

func (c credentialsJSON) credentials(what string) (upstream.Credentials, error) {
	if c.AccessKey == "" || c.SecretKey == "" {
		return upstream.Credentials{}, fmt.Errorf("%s needs both accessKey and secretKey", what)
	}
	return upstream.Credentials(c), nil
}

// readUpstreamCredentials reads --upstream-credentials. Its errors name the file and where it
// is wrong, never a value it holds: the file is secrets.
func readUpstreamCredentials(path string) (upstreamCredentialsJSON, error) {
	var file upstreamCredentialsJSON
	fh, err := os.Open(path)
	if err != nil {
		return file, fmt.Errorf("--upstream-credentials: %w", err)
	}
	defer fh.Close()
	var buf bytes.Buffer
	if n, err := buf.ReadFrom(io.LimitReader(fh, maxUpstreamCredentialsFile+1)); err != nil {
		return file, fmt.Errorf("--upstream-credentials %s: %w", path, err)
	} else if n > maxUpstreamCredentialsFile {
		return file, fmt.Errorf("--upstream-credentials %s: larger than %d bytes", path, maxUpstreamCredentialsFile)
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return file, fmt.Errorf("--upstream-credentials %s: %s", path, jsonProblem(err))
	}
	return file, nil
}

// jsonProblem says where a JSON document is wrong without quoting it: a syntax error's
// message quotes the character found, which may be a secret's.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%q has the wrong type (at byte %d): want {\"service\": {\"accessKey\": ..., \"secretKey\": ...}, \"identities\": {ACCESS_KEY: {...}}}", typ.Field, typ.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "not valid JSON (it ends too early)"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// The field's name, which is the file's structure, not a value.
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "not valid JSON"
}

// upstreamConfig is the s3 backend's configuration for the flags, the environment and the
// doorman users (the first of which owns the buckets found upstream without doorman's record).
func (f *serveFlags) upstreamConfig(users []s3api.User) (upstream.Config, error) {
	cfg := upstream.Config{Region: f.upstreamRegion, MetaBucket: f.metaBucket, PollInterval: f.pollInterval, Unmapped: f.upstreamUnmapped,
		ResponseTimeout: f.upstreamTimeout, Balance: f.upstreamBalance, SpoolDir: f.spoolDir, SpoolLimit: f.spoolLimit}
	switch f.upstreamUnmapped {
	case "", upstream.UnmappedService, upstream.UnmappedDeny:
	default:
		return cfg, fmt.Errorf("--upstream-unmapped is %q: give %s or %s", f.upstreamUnmapped, upstream.UnmappedService, upstream.UnmappedDeny)
	}
	for _, raw := range f.upstreams {
		ep, err := upstreamEndpoint(raw)
		if err != nil {
			return cfg, err
		}
		cfg.Endpoints = append(cfg.Endpoints, ep)
	}
	if len(users) == 0 {
		return cfg, errors.New("--backend s3 needs doorman's users given: --access-key and --secret-key (or DOORMAN_ACCESS_KEY and DOORMAN_SECRET_KEY), or --credentials; no key pair is generated, since nothing is kept locally")
	}
	cfg.AdoptOwner = s3api.CanonicalID(users[0])

	access, secret := f.upstreamAccessKey, f.upstreamSecretKey
	if access == "" {
		access = os.Getenv("DOORMAN_UPSTREAM_ACCESS_KEY")
	}
	if secret == "" {
		secret = os.Getenv("DOORMAN_UPSTREAM_SECRET_KEY")
	}
	if (access == "") != (secret == "") {
		return cfg, errors.New("give both --upstream-access-key and --upstream-secret-key (or DOORMAN_UPSTREAM_ACCESS_KEY and DOORMAN_UPSTREAM_SECRET_KEY), or neither")
	}
	cfg.Service = upstream.Credentials{AccessKey: access, SecretKey: secret}
	if f.upstreamCredentials != "" {
		file, err := readUpstreamCredentials(f.upstreamCredentials)
		if err != nil {
			return cfg, err
		}
		if file.Service != nil {
			if access != "" {
				return cfg, fmt.Errorf("the upstream service identity is given twice: in --upstream-credentials %s and by --upstream-access-key (or DOORMAN_UPSTREAM_ACCESS_KEY); give it once", f.upstreamCredentials)
			}
			if cfg.Service, err = file.Service.credentials(fmt.Sprintf("--upstream-credentials %s: \"service\"", f.upstreamCredentials)); err != nil {
				return cfg, err
			}
		}
		known := make(map[string]bool, len(users))
		for _, u := range users {
			known[u.AccessKey] = true
		}
		for key, c := range file.Identities {
			if !known[key] {
				return cfg, fmt.Errorf("--upstream-credentials %s: identities: %q is not the access key of a doorman user", f.upstreamCredentials, key)
			}
			id, err := c.credentials(fmt.Sprintf("--upstream-credentials %s: the identity of %q", f.upstreamCredentials, key))
			if err != nil {
				return cfg, err
			}
			if cfg.Identities == nil {
				cfg.Identities = make(map[string]upstream.Credentials, len(file.Identities))
			}
			cfg.Identities[key] = id
		}
	}
	if cfg.Service.AccessKey == "" {
		return cfg, errors.New("--backend s3 needs the upstream service identity: --upstream-access-key and --upstream-secret-key (or DOORMAN_UPSTREAM_ACCESS_KEY and DOORMAN_UPSTREAM_SECRET_KEY), or \"service\" in --upstream-credentials")
	}
	return cfg, nil
}

// openUpstream opens the s3 backend, which returns once it has read the meta bucket: until
// then the node is not ready, and it waits as long as the upstream does not answer, until ctx
// (SIGINT, SIGTERM) ends the wait. pm, when not nil, receives the backend's metrics.
func (f *serveFlags) openUpstream(ctx context.Context, log *slog.Logger, cfg upstream.Config, pm *prommetrics.S3) (*upstream.Backend, error) {
	cfg.Logger = log
	if pm != nil {
		cfg.Metrics = pm.RegisterUpstream(nil)
	}
	log.Info("upstream: reading bucket settings before serving", "upstream", cfg.Endpoints, "meta_bucket", cfg.MetaBucket,
		"service_access_key", cfg.Service.AccessKey, "identities", len(cfg.Identities))
	up, err := upstream.New(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("stopped before the upstream store answered: %w", err)
		}
		return nil, fmt.Errorf("upstream store: %w", err)
	}
	return up, nil
}
