package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/net/netutil"

	"github.com/doorman-s3/doorman/console"
	"github.com/doorman-s3/doorman/expiry"
	"github.com/doorman-s3/doorman/internal/accesslog"
	"github.com/doorman-s3/doorman/internal/prommetrics"
	"github.com/doorman-s3/doorman/lifecycle"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/upstream"
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
	accessLog                  string
	metricsAddr                string
	consoleAddr                string
	consoleProbeAddr           string
	bodyIdleTimeout            time.Duration
	headerTimeout              time.Duration
	keepAliveTimeout           time.Duration
	maxConnections             int
	lifecycleInterval          time.Duration
	lifecycleDay               time.Duration
	allowSSECOverHTTP          bool
	// The backend, and the s3 backend's upstream store.
	backend                              string
	upstreams                            []string
	upstreamRegion                       string
	upstreamAccessKey, upstreamSecretKey string
	upstreamCredentials                  string
	upstreamUnmapped                     string
	upstreamTimeout                      time.Duration
	upstreamBalance                      string
	metaBucket                           string
	pollInterval                         time.Duration
	spoolDir                             string
	spoolLimit                           int64
	// changed reports whether a flag was given on the command line.
	changed func(name string) bool
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
  [{"accessKey": "...", "secretKey": "...", "displayName": "...", "account": "...", "userName": "...", "email": "..."}]
Each user is an account of its own unless "account" gives a 12-digit account id that users
share; "userName" makes a user an IAM user of that account, with no permissions of its own:
it may do only what bucket policies and ACLs grant it. "email" is the e-mail address of the
user's account, by which ACL grants may name it (emailAddress="..." in x-amz-grant-* headers).

Buckets are addressed path-style (http://HOST:PORT/bucket/key) or virtual-hosted
(http://bucket.DOMAIN:PORT/key, DOMAIN from --domain). Readiness: GET /_doorman/health.
Prometheus metrics are served at /metrics on --metrics-addr, a listener of their own, so that
they are never open to the S3 endpoint's clients. The web console's API is served on
--console-addr, also a listener of its own (over TLS too with --tls-cert), at the host name
that address gives (127.0.0.1 and localhost for a loopback or every-interface address; a
request naming another host is refused): it signs in with an access key and secret key, and
everything it does is an S3 request signed as that user. Its
probe page, which sends a real cross-origin request from the browser to the S3 endpoint, is
served on --console-probe-addr, another origin (by default the console's host, a free port).

Every request gets an access-log line, on stderr by default; --access-log FILE writes them to
a file through a buffer, and SIGHUP reopens it after a rotation (SIGHUP does nothing else).

Clients that stall are cut off: a request body that delivers less than 64 KiB in a
--body-idle-timeout, or a response that makes no progress for as long, ends the request (an
upload answers 400 RequestTimeout and stores nothing), headers must arrive within --header-timeout, and an idle kept-alive connection is
closed after --keepalive-timeout. At most --max-connections connections are served at once;
more wait to be accepted; by default, as many as the open-file limit has room for (its hard
limit, to which the soft one is raised at start), at most 4096.

Bucket lifecycle rules are applied in the background every --lifecycle-interval (1m by default,
1s to 24h; 0 turns it off), each time a bounded share of a pass over every bucket.
--lifecycle-day is the length of a lifecycle day (24h, S3's, by default): a shorter one is a
testing knob (1s at least, and warned of at start), as Ceph RGW's rgw_lc_debug_interval,
which makes a rule of N days fall due N such days after, without S3's rounding to midnight
UTC.

Objects are encrypted at rest: SSE-S3 unless a request or the bucket's default encryption asks
for SSE-KMS or SSE-C, as S3 does since January 2023. The master keys are in keyring.json in the
data directory (mode 0600): back it up with the data, which is unreadable without it;
doorman keys lists, rotates and creates them while serve is stopped. Requests carrying an SSE-C
key are refused over plain HTTP, as S3 refuses them, unless --allow-sse-c-over-http.

--backend s3 keeps objects in an existing S3 store (MinIO, Ceph, Amazon S3) at --upstream
(repeated for several endpoints of one store, used in turn or in order as --upstream-balance
says), so that many doorman nodes behind a load
balancer serve one store: nothing of it is kept locally (an upload of unknown length waits in
--upstream-spool-dir until it has ended, within --upstream-spool-limit), and --data,
--lifecycle-interval, --lifecycle-day and --allow-sse-c-over-http are refused. Bucket settings (owner, ACL, CORS,
policy, ownership, public access block, tags) are kept in --meta-bucket on the upstream, read
again every --upstream-poll-interval and written through by the node that changes them, so a
change made through one node reaches every node within about two intervals. doorman's own
upstream requests are signed with the service identity (--upstream-access-key and
--upstream-secret-key, or DOORMAN_UPSTREAM_ACCESS_KEY and DOORMAN_UPSTREAM_SECRET_KEY, or
"service" in --upstream-credentials); a client's requests with the identity --upstream-credentials
maps its access key to; an unmapped one's with the service identity, or refused 403 AccessDenied,
as --upstream-unmapped says; anonymous ones go unsigned. Users must
be given (no key pair is generated); buckets found upstream without doorman's record belong to
the first. serve waits until the meta bucket is read before it serves (SIGINT or SIGTERM stop
the wait). Encryption at rest is the upstream's (doorman keys does not apply); Object Lock
passes through to the upstream, which enforces it; SSE-KMS, SSE-C, lifecycle configurations
and object ACLs answer 501 NotImplemented.
See docs/scale-out.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneGC()
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
	fl.StringVar(&f.accessLog, "access-log", "stderr", `access log, a line per request in --log-format: "stderr" (INFO records of the log, so none below --log-level info), "off", or a file path, appended to through a buffer flushed every second and reopened on SIGHUP`)
	fl.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this address (off when empty)")
	fl.StringVar(&f.consoleAddr, "console-addr", "", "serve the web console on this address (off when empty)")
	fl.StringVar(&f.consoleProbeAddr, "console-probe-addr", "", "serve the console's probe page, its second origin, on this address (default: the console's host, port 0)")
	fl.DurationVar(&f.bodyIdleTimeout, "body-idle-timeout", s3api.DefaultBodyIdleTimeout, "period in which a request body must deliver 64 KiB (or end) and a response make progress; a stalled or trickling upload answers 400 RequestTimeout")
	fl.DurationVar(&f.headerTimeout, "header-timeout", defaultHeaderTimeout, "longest time to receive a request's headers")
	fl.DurationVar(&f.keepAliveTimeout, "keepalive-timeout", defaultKeepAliveTimeout, "how long an idle kept-alive connection stays open")
	fl.IntVar(&f.maxConnections, "max-connections", 0, fmt.Sprintf("most connections served at once; more wait to be accepted (0: as many as the open-file limit has room for, at most %d)", maxDefaultConnections))
	fl.DurationVar(&f.lifecycleInterval, "lifecycle-interval", defaultLifecycleInterval, fmt.Sprintf("how often lifecycle rules are applied, a bounded share each time (%v to %v; 0 turns it off)", minLifecycleInterval, maxLifecycleInterval))
	fl.DurationVar(&f.lifecycleDay, "lifecycle-day", lifecycle.Day, "length of a lifecycle rule's day; shorter than 24h for tests only (no rounding to midnight UTC)")
	fl.BoolVar(&f.allowSSECOverHTTP, "allow-sse-c-over-http", false, "serve SSE-C requests (a customer key in the headers) over plain HTTP, which S3 refuses; for development on loopback, or behind a proxy that terminates TLS")
	fl.StringVar(&f.backend, "backend", backendEmbedded, "where objects are kept: embedded (in --data) or s3 (an upstream S3 store, shared by every node given the same --upstream)")
	fl.StringArrayVar(&f.upstreams, "upstream", nil, "with --backend s3: the upstream store's base `URL`, http://HOST:PORT (repeat it for several endpoints of one store)")
	fl.StringVar(&f.upstreamRegion, "upstream-region", "us-east-1", "with --backend s3: the region upstream requests are signed for")
	fl.StringVar(&f.upstreamAccessKey, "upstream-access-key", "", "with --backend s3: the access key of doorman's own identity on the upstream (default $DOORMAN_UPSTREAM_ACCESS_KEY)")
	fl.StringVar(&f.upstreamSecretKey, "upstream-secret-key", "", "with --backend s3: its secret key (default $DOORMAN_UPSTREAM_SECRET_KEY)")
	fl.StringVar(&f.upstreamCredentials, "upstream-credentials", "", `with --backend s3: JSON file of upstream identities: {"service": {"accessKey": ..., "secretKey": ...}, "identities": {DOORMAN_ACCESS_KEY: {...}}}`)
	fl.StringVar(&f.upstreamUnmapped, "upstream-unmapped", "", "with --backend s3: what a client whose access key --upstream-credentials does not map is signed as: service (the service identity, which can write the meta bucket) or deny (403 AccessDenied); default service when no identities are given, deny when some are")
	fl.StringVar(&f.metaBucket, "meta-bucket", upstream.DefaultMetaBucket, "with --backend s3: the upstream bucket holding doorman's bucket settings, hidden from clients")
	fl.DurationVar(&f.pollInterval, "upstream-poll-interval", upstream.DefaultPollInterval, fmt.Sprintf("with --backend s3: how often bucket settings are read again from the upstream (%v to %v)", minPollInterval, maxPollInterval))
	fl.StringVar(&f.upstreamBalance, "upstream-balance", upstream.BalanceRoundRobin, fmt.Sprintf("with --backend s3: how requests are spread over the healthy --upstream endpoints: %s (each to the next in turn) or %s (every one to the first healthy endpoint in the order given, the others standing by)", upstream.BalanceRoundRobin, upstream.BalanceFailover))
	fl.DurationVar(&f.upstreamTimeout, "upstream-timeout", upstream.DefaultResponseTimeout, fmt.Sprintf("with --backend s3: how long a request waits on the upstream, for its answer's headers once sent and for each write of its body or read of the answer to progress, before the client is answered 503 ServiceUnavailable (%v to %v)", minUpstreamTimeout, maxUpstreamTimeout))
	fl.StringVar(&f.spoolDir, "upstream-spool-dir", "", "with --backend s3: the directory where uploads of unknown length (browser POST uploads, parts sent without their length) are kept until they end, since the upstream needs their length; this node's own, as serve removes the spool files left there (default the temporary directory)")
	fl.Int64Var(&f.spoolLimit, "upstream-spool-limit", upstream.DefaultSpoolLimit, fmt.Sprintf("with --backend s3: the most bytes of uploads of unknown length kept in --upstream-spool-dir at once; one that would pass it answers 503 SlowDown (%d to %d)", minSpoolLimit, maxSpoolLimit))
	f.changed = fl.Changed
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

// newLogger is the logger the flags ask for.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
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

// lineWriter serialises the writes of several writers to one stream; each writes whole lines.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// newAccessLog is the S3 server's access log, as --access-log names it: a line per request
// in the log's format, written to the log's stream as the logger would write an INFO record
// (none when the log level leaves INFO out), or to a file through a buffer, as nginx's
// access_log ... buffer= writes (accesslog.OpenFile); nil when off.
func newAccessLog(dest string, stderr io.Writer, format string, log *slog.Logger) (*accesslog.Log, error) {
	if (dest == "stderr" || dest == "") && !log.Enabled(context.Background(), slog.LevelInfo) {
		return nil, nil
	}
	f := accesslog.Text
	if format == "json" {
		f = accesslog.JSON
	}
	a, err := accesslog.Open(dest, stderr, f)
	if err != nil {
		return nil, fmt.Errorf("--access-log: %w", err)
	}
	return a, nil
}

// reopenOnHangup reopens the access-log file each time the process gets SIGHUP, as logrotate
// expects, until ctx is done; with no file, a SIGHUP is logged and otherwise ignored (by
// default it would stop the process).
func reopenOnHangup(ctx context.Context, log *slog.Logger, access *accesslog.Log) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			if access == nil || access.Path() == "" {
				log.Info("SIGHUP: no access-log file to reopen")
			} else if err := access.Reopen(); err != nil {
				log.Error("SIGHUP: the access-log file cannot be reopened; lines go on to the one open", "path", access.Path(), "error", err.Error())
			} else {
				log.Info("SIGHUP: access log reopened", "path", access.Path())
			}
		}
	}()
}

// runServe starts in an order that leaves nothing behind when a start fails: the flags are
// checked and the listeners bound before the data directory is opened (and, the first time,
// created), and generated credentials are written and shown only once everything else has
// succeeded. If it fails after all, what the store's Open created is removed (Discard).
func runServe(ctx context.Context, stdout, stderr io.Writer, f *serveFlags) error {
	// The logger and the access log share the stream: one write at a time, so that no line
	// of one is cut by a line of the other, whatever their length.
	stderr = &lineWriter{w: stderr}
	log, err := newLogger(stderr, f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	lim, err := f.check()
	if err != nil {
		return err
	}
	users, more, err := flagUsers(f)
	if err != nil {
		return err
	}
	var upCfg upstream.Config
	if f.backend == backendS3 {
		// Every user is given: none is generated, since nothing is kept locally.
		users, more = append(users, more...), nil
		if upCfg, err = f.upstreamConfig(users); err != nil {
			return err
		}
	}
	ls, err := f.listen()
	if err != nil {
		return err
	}
	defer ls.close()
	var pm *prommetrics.S3
	if ls.metrics != nil {
		pm = prommetrics.NewS3()
	}
	var backend storage.Backend
	var store *disk.Store // the embedded store; nil with --backend s3
	started := false
	if f.backend == backendS3 {
		up, err := f.openUpstream(ctx, log, upCfg, pm)
		if err != nil {
			return err
		}
		defer up.Close()
		backend = up
	} else {
		if store, err = disk.Open(f.data, disk.WithRegion(f.region)); err != nil {
			return err
		}
		defer func() {
			// Until credentials are kept, the store holds nothing: a failed start removes what
			// Open created, before the directory is released.
			if started {
				store.Close()
			} else {
				store.Discard()
			}
		}()
		backend = store
	}
	// The console's monitor reads the server's record of CORS decisions, kept only when there is
	// a console to show it.
	var activity *s3api.CORSActivity
	if ls.console != nil {
		activity = s3api.NewCORSActivity(nil)
	}
	access, err := newAccessLog(f.accessLog, stderr, f.logFormat, log)
	if err != nil {
		return err
	}
	if access != nil {
		// Closed last, after the server has stopped: what the file buffered is written.
		defer access.Close()
	}
	reopenOnHangup(ctx, log, access)
	srv, users, err := f.start(ctx, stdout, log, access, backend, users, more, pm, activity)
	if err != nil {
		return err
	}
	started = true
	if store != nil {
		// The worker stops before the store closes (the defers run in reverse).
		defer f.startLifecycle(ctx, log, store, pm)()
		go logSweep(ctx, log, store)
	}
	if ls.metrics != nil {
		ms := serveMetrics(ls.metrics, pm)
		defer ms.Close()
		fmt.Fprintf(stdout, "doorman metrics on http://%s/metrics\n", reachable(f.metricsAddr, ls.metrics))
	}
	scheme := "http"
	if lim.tls != nil {
		scheme = "https"
	}
	if ls.console != nil {
		consoleOrigins, probeOrigins := listenerOrigins(scheme, f.consoleAddr, ls.console), listenerOrigins(scheme, f.probeAddr(), ls.probe)
		con, err := console.New(console.Config{S3: srv, Users: userLookup(users), Region: f.region,
			Endpoint: scheme + "://" + reachable(f.addr, ls.s3), Origins: consoleOrigins, ProbeOrigins: probeOrigins, Logger: log, Secure: lim.tls != nil, Monitor: activity})
		if err != nil {
			return err
		}
		probe, err := console.NewProbe(console.ProbeConfig{ConsoleOrigins: consoleOrigins})
		if err != nil {
			return err
		}
		// The console and its probe stop with the S3 listener, whichever way that stops.
		defer f.serveBeside(ctx, log, "console", con, ls.console, lim.tls, maxConsoleConnections)()
		defer f.serveBeside(ctx, log, "console probe", probe, ls.probe, lim.tls, maxProbeConnections)()
		fmt.Fprintf(stdout, "doorman console on %s://%s\n", scheme, reachable(f.consoleAddr, ls.console))
		fmt.Fprintf(stdout, "doorman console probe on %s://%s\n", scheme, reachable(f.probeAddr(), ls.probe))
	}
	hs := f.httpServer(srv, log)
	hs.TLSConfig = lim.tls
	where := "data " + f.data
	logged := []any{"data", f.data}
	if f.backend == backendS3 {
		where = fmt.Sprintf("backend s3, upstream %s, meta bucket %s; lifecycle worker not started", strings.Join(upCfg.Endpoints, " "), f.metaBucket)
		logged = []any{"backend", backendS3, "upstream", upCfg.Endpoints, "meta_bucket", f.metaBucket, "poll_interval", f.pollInterval,
			"lifecycle", "not started: lifecycle configurations are not available with the s3 backend"}
	}
	fmt.Fprintf(stdout, "doorman %s listening on %s://%s (%s)\n", versionString(), scheme, reachable(f.addr, ls.s3), where)
	log.Info("listening", append([]any{"addr", ls.s3.Addr().String()}, append(logged, "domain", f.domain, "region", f.region,
		"max_connections", lim.maxConns, "open_files", lim.openFiles, "body_idle_timeout", f.bodyIdleTimeout)...)...)
	return serveUntilDone(ctx, log, hs, netutil.LimitListener(ls.s3, lim.maxConns))
}

// maxConsoleConnections bounds the console's connections: a few people's browsers, each
// opening at most six connections to an origin, with uploads in parallel.
const maxConsoleConnections = 256

// maxProbeConnections bounds the probe's connections: each try loads one small page and its
// two files, the same few people's browsers at six connections each.
const maxProbeConnections = 32

// serveBeside serves h on ln beside the S3 listener, with the flags' timeouts, tlsConfig and
// at most maxConns connections, until ctx is done or the function it returns is called, which
// waits until it has stopped. name is what its errors are logged under.
func (f *serveFlags) serveBeside(ctx context.Context, log *slog.Logger, name string, h http.Handler, ln net.Listener, tlsConfig *tls.Config, maxConns int) (stop func()) {
	hs := f.httpServer(h, log)
	// Each server gets a copy: serving TLS adds the server's HTTP/2 protocols to its
	// configuration, which servers sharing one would write at once.
	hs.TLSConfig = tlsConfig.Clone()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := serveUntilDone(ctx, log, hs, netutil.LimitListener(ln, maxConns)); err != nil {
			log.Error(name, "err", err)
		}
	}()
	return func() { cancel(); <-done }
}

// boundAddr is ln's address, bound for the address addr: the host addr names, as it names it
// (a host name stays a name, which browsers put in an origin and in the Host header, and which
// a certificate names), and the port ln is bound to (port 0 asks for any).
func boundAddr(addr string, ln net.Listener) string {
	host, _, _ := net.SplitHostPort(addr)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return net.JoinHostPort(host, port)
}

// listenerOrigins are the origins browsers reach ln at, bound for the address addr.
func listenerOrigins(scheme, addr string, ln net.Listener) []string {
	return console.ListenerOrigins(scheme, boundAddr(addr, ln))
}

// userLookup is the console's view of the users: a key's secret.
func userLookup(users []s3api.User) func(string) (string, bool) {
	secrets := make(map[string]string, len(users))
	for _, u := range users {
		secrets[u.AccessKey] = u.SecretKey
	}
	return func(key string) (string, bool) {
		secret, ok := secrets[key]
		return secret, ok
	}
}

// reachable is the address a client dials ln at, bound for the address addr: the host addr
// names, so that presigned URLs and the start-up lines name it as it was given, or loopback's
// for every interface (an unspecified IP or no host), which the same machine can always reach;
// and the port ln is bound to.
func reachable(addr string, ln net.Listener) string {
	host, port, _ := net.SplitHostPort(boundAddr(addr, ln))
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// serveLimits are what serve derives from its flags and the process's limits before it binds
// anything.
type serveLimits struct {
	tls       *tls.Config // nil: plain HTTP
	maxConns  int
	openFiles uint64
}

// check validates the flags that need no listener or directory, and loads the TLS key pair, so
// that a bad flag fails the start before anything is bound, created or shown.
func (f *serveFlags) check() (serveLimits, error) {
	var lim serveLimits
	var err error
	if err := f.checkBackend(); err != nil {
		return lim, err
	}
	if lim.tls, err = f.tls(); err != nil {
		return lim, err
	}
	if f.bodyIdleTimeout <= 0 || f.headerTimeout <= 0 || f.keepAliveTimeout <= 0 {
		return lim, errors.New("--body-idle-timeout, --header-timeout and --keepalive-timeout must be positive")
	}
	if f.maxConnections < 0 {
		return lim, errors.New("--max-connections must not be negative")
	}
	if err := f.checkLifecycle(); err != nil {
		return lim, err
	}
	if f.consoleProbeAddr != "" && f.consoleAddr == "" {
		return lim, errors.New("--console-probe-addr needs --console-addr: the probe is the console's")
	}
	if lim.openFiles, err = openFileLimit(); err != nil {
		return lim, fmt.Errorf("reading the open-file limit: %w", err)
	}
	lim.maxConns = f.maxConnections
	if lim.maxConns == 0 {
		lim.maxConns = defaultMaxConnections(lim.openFiles)
	}
	return lim, nil
}

// listeners are serve's listeners: S3's, and the metrics', the console's and its probe's when
// their flags ask for them (nil otherwise).
type listeners struct{ s3, metrics, console, probe net.Listener }

// close closes the listeners.
func (l listeners) close() {
	for _, ln := range []net.Listener{l.s3, l.metrics, l.console, l.probe} {
		if ln != nil {
			ln.Close()
		}
	}
}

// listen binds the S3 listener and those of --metrics-addr, --console-addr and, with a
// console, --console-probe-addr.
func (f *serveFlags) listen() (listeners, error) {
	var l listeners
	var err error
	if l.s3, err = net.Listen("tcp", f.addr); err != nil {
		return l, err
	}
	for _, o := range []struct {
		addr string
		ln   *net.Listener
	}{{f.metricsAddr, &l.metrics}, {f.consoleAddr, &l.console}, {f.probeAddr(), &l.probe}} {
		if o.addr == "" {
			continue
		}
		if *o.ln, err = net.Listen("tcp", o.addr); err != nil {
			l.close()
			return listeners{}, err
		}
	}
	return l, nil
}

// probeAddr is the address the console's probe listens on: --console-probe-addr, or a free
// port on the console's host; none without a console.
func (f *serveFlags) probeAddr() string {
	if f.consoleAddr == "" || f.consoleProbeAddr != "" {
		return f.consoleProbeAddr
	}
	host, _, err := net.SplitHostPort(f.consoleAddr)
	if err != nil {
		return f.consoleAddr // net.Listen refuses it for the console first
	}
	return net.JoinHostPort(host, "0")
}

// start builds the S3 server on store for the given users, or for the generated key pair kept
// in the data directory when no keys are given (with the embedded store), keeps (and shows
// once) a newly generated pair, and logs on every start where the keys come from. pm, when not
// nil, receives the metrics, and activity, when not nil, the record of CORS decisions. It
// returns the server and its users.
func (f *serveFlags) start(ctx context.Context, stdout io.Writer, log *slog.Logger, access *accesslog.Log, store storage.Backend,
	users, more []s3api.User, pm *prommetrics.S3, activity *s3api.CORSActivity) (*s3api.Server, []s3api.User, error) {
	var generated *generatedKeys
	if users == nil && f.backend != backendS3 {
		var err error
		if generated, err = readGenerated(filepath.Join(f.data, credentialsFile)); err != nil {
			return nil, nil, err
		}
		users = []s3api.User{generated.user}
	}
	users = append(users, more...)
	var metrics s3api.Metrics
	if pm != nil {
		metrics = pm
	}
	cfg := f.s3Config(store, users, log, metrics)
	cfg.Activity, cfg.AccessLog = activity, access
	srv, err := s3api.New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	where := []any{"from", "--access-key and --secret-key, or DOORMAN_ACCESS_KEY and DOORMAN_SECRET_KEY"}
	if f.accessKey == "" {
		where = nil // the users are --credentials' alone (--backend s3), or generated
	}
	if generated != nil {
		if err := generated.keep(stdout); err != nil {
			return nil, nil, err
		}
		where = []any{"file", generated.path}
	}
	if f.credentialsFile != "" {
		where = append(where, "more_users", f.credentialsFile)
	}
	log.Info("credentials", where...)
	return srv, users, nil
}

// serveMetrics serves GET /metrics on mln until the returned server is closed.
func serveMetrics(mln net.Listener, pm *prommetrics.S3) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", pm.Handler())
	ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ms.Serve(mln) }()
	return ms
}

// serveUntilDone serves hs on ln until it fails or ctx is done, then shuts it down gracefully,
// giving requests in flight shutdownGrace to finish.
func serveUntilDone(ctx context.Context, log *slog.Logger, hs *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() {
		if hs.TLSConfig != nil {
			// The key pair is in hs.TLSConfig already.
			errc <- hs.ServeTLS(ln, "", "")
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
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return hs.Shutdown(sctx)
}

// shutdownGrace bounds how long a stopping server waits for requests in flight: long enough for
// an upload over a slow link to finish its last part, short enough for a service manager's stop.
const shutdownGrace = 20 * time.Second

// tls is the TLS configuration of --tls-cert and --tls-key, nil without them. The key pair
// is loaded here, with the other flags, so that a bad one fails the start before anything
// is created or shown.
func (f *serveFlags) tls() (*tls.Config, error) {
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if f.tlsCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert and --tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}

// s3Config is the S3 server's configuration for the flags.
func (f *serveFlags) s3Config(store storage.Backend, users []s3api.User, log *slog.Logger, metrics s3api.Metrics) s3api.Config {
	return s3api.Config{Backend: store, Users: users, Region: f.region, Domain: f.domain,
		VaryOriginAlways: f.varyOriginAlways, BodyIdleTimeout: f.bodyIdleTimeout, Logger: log, Metrics: metrics,
		LifecycleDay: f.lifecycleDay, AllowSSECOverHTTP: f.allowSSECOverHTTP}
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
	Account     string `json:"account,omitempty"`
	UserName    string `json:"userName,omitempty"`
	Email       string `json:"email,omitempty"`
}

// flagUsers reads the users the flags give: the one of --access-key and --secret-key (or
// the environment), none when neither is given (the generated one is used then), and those
// of --credentials.
func flagUsers(f *serveFlags) (given, more []s3api.User, err error) {
	secret := f.secretKey
	if secret == "" {
		secret = os.Getenv("DOORMAN_SECRET_KEY")
	}
	switch {
	case f.accessKey != "" && secret != "":
		given = []s3api.User{{AccessKey: f.accessKey, SecretKey: secret}}
	case f.accessKey != "" || secret != "":
		return nil, nil, errors.New("give both an access key and a secret key, or neither")
	}
	if f.credentialsFile != "" {
		data, err := os.ReadFile(f.credentialsFile)
		if err != nil {
			return nil, nil, err
		}
		var file []userJSON
		if err := json.Unmarshal(data, &file); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.credentialsFile, err)
		}
		for _, u := range file {
			more = append(more, s3api.User(u))
		}
	}
	return given, more, nil
}

// generatedKeys is the generated key pair: read from path, or made for a first start and not
// yet written.
type generatedKeys struct {
	path string
	user s3api.User
	made bool
}

// readGenerated reads the generated key pair, or makes one if there is none yet.
func readGenerated(path string) (*generatedKeys, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		var u userJSON
		if err := json.Unmarshal(data, &u); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &generatedKeys{path: path, user: s3api.User(u)}, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	u := s3api.User{AccessKey: "DM" + rand.Text()[:18], SecretKey: rand.Text() + rand.Text()}
	return &generatedKeys{path: path, user: u, made: true}, nil
}

// keep writes a key pair made for this start (mode 0600) and shows it, once.
func (g *generatedKeys) keep(stdout io.Writer) error {
	if !g.made {
		return nil
	}
	data, _ := json.MarshalIndent(userJSON(g.user), "", "  ")
	tmp := g.path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, g.path); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(stdout, "Generated credentials (kept in %s; shown only now):\n  access key: %s\n  secret key: %s\n",
		g.path, g.user.AccessKey, g.user.SecretKey)
	return nil
}

// Bounds of --lifecycle-interval. Each tick does at most a bounded share of a pass (package
// expiry), so the interval sets how fast a large backlog is worked off.
const (
	// defaultLifecycleInterval: a minute between ticks keeps rules applied within minutes of
	// falling due in a store of modest size, at a cost the S3 clients hardly notice.
	defaultLifecycleInterval = time.Minute
	// minLifecycleInterval: a tick a second, for tests with a short --lifecycle-day; below it
	// the worker would mostly compete with the clients for the store's writes.
	minLifecycleInterval = time.Second
	// maxLifecycleInterval: S3's lifecycle runs about once a day; a longer interval would leave
	// rules undone for days.
	maxLifecycleInterval = 24 * time.Hour
	// minLifecycleDay: a day of a second already makes a rule of N days fall due N seconds
	// after its time, as fast as the worker's fastest tick (minLifecycleInterval) acts; a
	// shorter day, a slip for 1s or 1h such as 1ns, would make every rule due at once.
	minLifecycleDay = time.Second
)

// checkLifecycle checks --lifecycle-interval and --lifecycle-day.
func (f *serveFlags) checkLifecycle() error {
	if f.lifecycleInterval != 0 && (f.lifecycleInterval < minLifecycleInterval || f.lifecycleInterval > maxLifecycleInterval) {
		return fmt.Errorf("--lifecycle-interval must be 0 or from %v to %v", minLifecycleInterval, maxLifecycleInterval)
	}
	if f.lifecycleDay < minLifecycleDay || f.lifecycleDay > lifecycle.Day {
		return fmt.Errorf("--lifecycle-day must be from %v to %v", minLifecycleDay, lifecycle.Day)
	}
	return nil
}

// logSweep logs what the sweep that follows a crash removed from the embedded store, once it
// has ended; after a clean stop there is none, and nothing is logged.
func logSweep(ctx context.Context, log *slog.Logger, store *disk.Store) {
	sw, err := store.Swept(ctx)
	switch {
	case err != nil || !sw.Ran:
	case sw.Err != nil:
		log.Warn("the sweep of the files an interrupted run left stopped", "removed", sw.Removed, "error", sw.Err)
	default:
		log.Info("removed the files an interrupted run left", "files", sw.Removed, "took", sw.Took)
	}
}

// startLifecycle starts the lifecycle worker on store, unless --lifecycle-interval is 0; the
// function it returns stops it and waits until it has.
func (f *serveFlags) startLifecycle(ctx context.Context, log *slog.Logger, store *disk.Store, pm *prommetrics.S3) (stop func()) {
	if f.lifecycleDay != lifecycle.Day {
		// Every rule's days, and the x-amz-expiration dates answered, are this short: a
		// setting for tests and demonstrations, never for data anyone wants kept.
		log.Warn("lifecycle: --lifecycle-day is not 24h: every lifecycle rule's day is that short, for tests and demonstrations only",
			"lifecycle_day", f.lifecycleDay)
	}
	if f.lifecycleInterval == 0 {
		return func() {}
	}
	cfg := expiry.Config{Backend: store, Clock: lifecycle.Clock{Day: f.lifecycleDay}, Logger: log}
	if pm != nil {
		cfg.Metrics = pm.Lifecycle()
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		expiry.New(cfg).Run(ctx, f.lifecycleInterval)
	}()
	return func() { cancel(); <-done }
}
