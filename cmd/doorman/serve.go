package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/net/netutil"

	"github.com/doorman-s3/doorman/internal/prommetrics"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// defaultAddr: port 3667 spells DOOR on a phone keypad, and is not MinIO's (9000),
// LocalStack's (4566) or versitygw's (7070).
const defaultAddr = "127.0.0.1:3667"

// Bounds on what clients hold open. With them, clients that stall cannot exhaust the
// server's descriptors or keep others out for longer than a timeout.
const (
	// defaultHeaderTimeout bounds the reading of a request's headers.
	defaultHeaderTimeout = 20 * time.Second
	// defaultKeepAliveTimeout is how long an idle kept-alive connection stays open.
	defaultKeepAliveTimeout = 60 * time.Second
	// filesPerConnection is the most descriptors one connection holds at once: its socket,
	// an upload's temporary file and a file it reads (a copy's source, a part being
	// assembled).
	filesPerConnection = 3
	// reservedFiles are the descriptors kept for the rest: the database, the listeners, the
	// directories synced after a write.
	reservedFiles = 64
	// maxDefaultConnections caps the default connection bound: a connection uploading holds
	// a 256 KiB copy buffer, so 4096 of them hold at most 1 GiB.
	maxDefaultConnections = 4096
)

// defaultMaxConnections is the connection bound for an open-file limit: as many connections
// as the limit has room for, at most maxDefaultConnections.
func defaultMaxConnections(openFiles uint64) int {
	if openFiles < reservedFiles+filesPerConnection {
		return 1
	}
	return int(min((openFiles-reservedFiles)/filesPerConnection, maxDefaultConnections))
}

type serveFlags struct {
	addr, data, domain, region string
	accessKey, secretKey       string
	credentialsFile            string
	tlsCert, tlsKey            string
	varyOriginAlways           bool
	logFormat, logLevel        string
	metricsAddr                string
	bodyIdleTimeout            time.Duration
	headerTimeout              time.Duration
	keepAliveTimeout           time.Duration
	maxConnections             int
}

func newServeCmd() *cobra.Command { return serveCommand(new(serveFlags)) }

// serveCommand is the serve command, its flags parsed into f.
func serveCommand(f *serveFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the S3-compatible object store",
		Long: `serve runs an S3 endpoint with embedded, durable storage in --data.

Credentials come from --access-key/--secret-key, or DOORMAN_ACCESS_KEY/DOORMAN_SECRET_KEY; with
neither, a key pair is generated on first start, kept in the data directory (mode 0600) and
printed once. --credentials names a JSON file of more users:
  [{"accessKey": "...", "secretKey": "...", "displayName": "..."}]

Buckets are addressed path-style (http://HOST:PORT/bucket/key) or virtual-hosted
(http://bucket.DOMAIN:PORT/key, DOMAIN from --domain). Readiness: GET /_doorman/health.
Prometheus metrics are served at /metrics on --metrics-addr, a listener of their own, so that
they are never open to the S3 endpoint's clients.

Clients that stall are cut off: a request body that delivers less than 64 KiB in a
--body-idle-timeout, or a response that makes no progress for as long, ends the request (an
upload answers 400 RequestTimeout and stores nothing), headers must arrive within --header-timeout, and an idle kept-alive connection is
closed after --keepalive-timeout. At most --max-connections connections are served at once;
more wait to be accepted; by default, as many as the open-file limit has room for (its hard
limit, to which the soft one is raised at start), at most 4096.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", defaultAddr, "address to listen on (port 0 picks a free one)")
	fl.StringVar(&f.data, "data", defaultDataDir(), "data directory")
	fl.StringVar(&f.domain, "domain", "s3.localhost", "domain for virtual-hosted addressing (BUCKET.DOMAIN); empty disables it")
	fl.StringVar(&f.region, "region", "us-east-1", "the endpoint's region")
	fl.StringVar(&f.accessKey, "access-key", os.Getenv("DOORMAN_ACCESS_KEY"), "access key (default $DOORMAN_ACCESS_KEY)")
	fl.StringVar(&f.secretKey, "secret-key", "", "secret key (default $DOORMAN_SECRET_KEY)")
	fl.StringVar(&f.credentialsFile, "credentials", "", "JSON file of more users")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (serve HTTPS)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "TLS key file")
	fl.BoolVar(&f.varyOriginAlways, "vary-origin-always", false, "send Vary: Origin on every non-preflight response of a bucket with a CORS configuration (not what S3 does; prevents cache poisoning)")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fl.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this address (off when empty)")
	fl.DurationVar(&f.bodyIdleTimeout, "body-idle-timeout", s3api.DefaultBodyIdleTimeout, "period in which a request body must deliver 64 KiB (or end) and a response make progress; a stalled or trickling upload answers 400 RequestTimeout")
	fl.DurationVar(&f.headerTimeout, "header-timeout", defaultHeaderTimeout, "longest time to receive a request's headers")
	fl.DurationVar(&f.keepAliveTimeout, "keepalive-timeout", defaultKeepAliveTimeout, "how long an idle kept-alive connection stays open")
	fl.IntVar(&f.maxConnections, "max-connections", 0, fmt.Sprintf("most connections served at once; more wait to be accepted (0: as many as the open-file limit has room for, at most %d)", maxDefaultConnections))
	return cmd
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "doorman")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "doorman")
	}
	return "doorman-data"
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func runServe(ctx context.Context, stdout, stderr io.Writer, f *serveFlags) error {
	log, err := newLogger(stderr, f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if f.bodyIdleTimeout <= 0 || f.headerTimeout <= 0 || f.keepAliveTimeout <= 0 {
		return errors.New("--body-idle-timeout, --header-timeout and --keepalive-timeout must be positive")
	}
	if f.maxConnections < 0 {
		return errors.New("--max-connections must not be negative")
	}
	maxConns := f.maxConnections
	openFiles, err := openFileLimit()
	if err != nil {
		return fmt.Errorf("reading the open-file limit: %w", err)
	}
	if maxConns == 0 {
		maxConns = defaultMaxConnections(openFiles)
	}
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return err
	}
	users, err := loadUsers(stdout, f)
	if err != nil {
		return err
	}
	store, err := disk.Open(f.data)
	if err != nil {
		return err
	}
	defer store.Close()
	var metrics s3api.Metrics
	if f.metricsAddr != "" {
		pm := prommetrics.NewS3()
		metrics = pm
		mln, err := net.Listen("tcp", f.metricsAddr)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", pm.Handler())
		ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = ms.Serve(mln) }()
		defer ms.Close()
		fmt.Fprintf(stdout, "doorman metrics on http://%s/metrics\n", mln.Addr())
	}
	srv, err := s3api.New(ctx, f.s3Config(store, users, log, metrics))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	ln = netutil.LimitListener(ln, maxConns)
	hs := f.httpServer(srv, log)
	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "doorman %s listening on %s://%s (data %s)\n", versionString(), scheme, ln.Addr(), f.data)
	log.Info("listening", "addr", ln.Addr().String(), "data", f.data, "domain", f.domain, "region", f.region,
		"max_connections", maxConns, "open_files", openFiles, "body_idle_timeout", f.bodyIdleTimeout)
	errc := make(chan error, 1)
	go func() {
		if f.tlsCert != "" {
			errc <- hs.ServeTLS(ln, f.tlsCert, f.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	return nil
}

// s3Config is the S3 server's configuration for the flags.
func (f *serveFlags) s3Config(store *disk.Store, users []s3api.User, log *slog.Logger, metrics s3api.Metrics) s3api.Config {
	return s3api.Config{Backend: store, Users: users, Region: f.region, Domain: f.domain,
		VaryOriginAlways: f.varyOriginAlways, BodyIdleTimeout: f.bodyIdleTimeout, Logger: log, Metrics: metrics}
}

// httpServer is the HTTP server for the flags.
func (f *serveFlags) httpServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: f.headerTimeout,
		IdleTimeout:       f.keepAliveTimeout,
		MaxHeaderBytes:    s3api.HTTPMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// credentialsFile is the generated key pair kept in the data directory.
const credentialsFile = "credentials.json"

type userJSON struct {
	AccessKey   string `json:"accessKey"`
	SecretKey   string `json:"secretKey"`
	DisplayName string `json:"displayName,omitempty"`
}

// loadUsers gathers the users: the one given by flags or environment (or the generated one),
// plus those of --credentials.
func loadUsers(stdout io.Writer, f *serveFlags) ([]s3api.User, error) {
	secret := f.secretKey
	if secret == "" {
		secret = os.Getenv("DOORMAN_SECRET_KEY")
	}
	var users []s3api.User
	switch {
	case f.accessKey != "" && secret != "":
		users = append(users, s3api.User{AccessKey: f.accessKey, SecretKey: secret})
	case f.accessKey != "" || secret != "":
		return nil, errors.New("give both an access key and a secret key, or neither")
	default:
		u, err := generatedUser(stdout, filepath.Join(f.data, credentialsFile))
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	if f.credentialsFile != "" {
		data, err := os.ReadFile(f.credentialsFile)
		if err != nil {
			return nil, err
		}
		var more []userJSON
		if err := json.Unmarshal(data, &more); err != nil {
			return nil, fmt.Errorf("%s: %w", f.credentialsFile, err)
		}
		for _, u := range more {
			users = append(users, s3api.User(u))
		}
	}
	return users, nil
}

// generatedUser reads the generated key pair, creating it (mode 0600) and printing it on the
// first start.
func generatedUser(stdout io.Writer, path string) (s3api.User, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		var u userJSON
		if err := json.Unmarshal(data, &u); err != nil {
			return s3api.User{}, fmt.Errorf("%s: %w", path, err)
		}
		return s3api.User(u), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return s3api.User{}, err
	}
	u := userJSON{AccessKey: "DM" + rand.Text()[:18], SecretKey: rand.Text() + rand.Text()}
	data, _ = json.MarshalIndent(u, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return s3api.User{}, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return s3api.User{}, err
	}
	fmt.Fprintf(stdout, "Generated credentials (kept in %s; shown only now):\n  access key: %s\n  secret key: %s\n",
		path, u.AccessKey, u.SecretKey)
	return s3api.User(u), nil
}
