package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/net/netutil"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway"
	"github.com/doorman-s3/doorman/internal/prommetrics"
)

// Bounds of the gateway command's own listeners and stop.
const (
	// gatewayShutdownTimeout bounds a graceful stop: requests in flight get this long to
	// finish (an upstream's answer is itself bounded by limits.upstream_timeout, 30 s by
	// default, but a stop must not wait on a slow client for as long).
	gatewayShutdownTimeout = 20 * time.Second
	// adminHeaderTimeout, adminWriteTimeout and adminIdleTimeout bound the admin listener's
	// clients: a scrape or a /config read is small, so these are far above real use.
	adminHeaderTimeout = 10 * time.Second
	adminWriteTimeout  = 30 * time.Second
	adminIdleTimeout   = 60 * time.Second
)

type gatewayFlags struct {
	config                    string
	upstream                  string
	origins, methods, headers []string
	expose                    []string
	maxAge                    time.Duration
	credentials               bool
	listen, adminListen       string
	accessLog                 string
	logFormat, logLevel       string
	maxConnections            int
}

// oneLinerFlags are the flags that build a configuration without a file.
var oneLinerFlags = []string{"upstream", "allow-origin", "allow-method", "allow-header", "expose-header", "max-age", "allow-credentials"}

func newGatewayCmd() *cobra.Command {
	f := new(gatewayFlags)
	cmd := &cobra.Command{
		Use:   "gateway (--config gateway.yaml | --upstream URL --allow-origin ORIGIN ...)",
		Short: "Run a reverse proxy for HTTP APIs with API Gateway-grade CORS",
		Long: `gateway runs a reverse proxy in front of HTTP APIs that answers CORS as the Fetch standard
asks (or as API Gateway or CloudFront answer, per route): preflights are evaluated and
answered at the gateway, never forwarded to the upstream's authentication; every response,
the upstream's errors and the gateway's own 404, 413, 431, 502 and 504 included, carries
the CORS headers its request earns, with Vary merged; and the upstream's own
Access-Control-* headers are dropped unless a route says otherwise.

The one-line start puts one upstream behind every host:

  doorman gateway --upstream http://127.0.0.1:8080 --allow-origin http://localhost:5173 --allow-credentials

--config reads a YAML configuration instead (hosts, routes, named policies, AWS imports,
per-tenant origins); every error in it is reported at once as file:line:col. The one-line
start's flags cannot be combined with --config; --listen, --admin-listen and --access-log
replace the file's values when given.

The admin listener (--admin-listen, or admin.listen in the file; off by default) serves
GET /metrics (Prometheus), GET /config (the effective configuration), GET /healthz and
POST /reload. SIGHUP re-reads the configuration file and every tenant file, and reopens
the access-log file (for log rotation): an invalid configuration file changes nothing, its
errors are logged and counted, and the tenant files are read again all the same. With the
one-line start, SIGHUP reopens the access-log file. SIGINT or SIGTERM stops the gateway,
letting requests in flight finish for up to 20 s.

Exit status: 0 after a stop by signal, 2 on a bad configuration or flag.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneGC()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runGateway(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.Flags().Changed, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "YAML configuration file")
	fl.StringVar(&f.upstream, "upstream", "", "one-line start: the upstream's URL (http://HOST:PORT)")
	fl.StringSliceVar(&f.origins, "allow-origin", nil, "one-line start: an allowed origin (repeatable): https://app.example.com, https://*.example.com, http://localhost:*")
	fl.StringSliceVar(&f.methods, "allow-method", nil, "one-line start: an allowed method beyond GET, HEAD and POST (repeatable)")
	fl.StringSliceVar(&f.headers, "allow-header", nil, "one-line start: an allowed request header (repeatable)")
	fl.StringSliceVar(&f.expose, "expose-header", nil, "one-line start: a response header the page may read (repeatable)")
	fl.DurationVar(&f.maxAge, "max-age", 0, "one-line start: how long browsers may cache a preflight's answer (Access-Control-Max-Age; none when not given)")
	fl.BoolVar(&f.credentials, "allow-credentials", false, "one-line start: allow cookies and HTTP authentication (Access-Control-Allow-Credentials)")
	fl.StringVar(&f.listen, "listen", "", "address to listen on (default "+gateway.DefaultListen+"; port 0 picks a free one)")
	fl.StringVar(&f.adminListen, "admin-listen", "", "address of the admin listener: /metrics, /config, /healthz, /reload (off when empty)")
	fl.StringVar(&f.accessLog, "access-log", "", `access log: "stderr" (default), "off", or a file path; one JSON line per request`)
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fl.IntVar(&f.maxConnections, "max-connections", 0, fmt.Sprintf("most client connections served at once; more wait to be accepted (0: as many as the open-file limit has room for, at most %d)", maxDefaultConnections))
	cmd.AddCommand(newGatewayExplainCmd())
	return cmd
}

// usageError is a bad flag or configuration: its text is printed as is, the exit status is 2.
func usageError(stderr io.Writer, err error) error {
	fmt.Fprintln(stderr, err)
	return exitError(2)
}

// gatewayConfig loads the configuration the flags name: the file, or the one-line start.
func gatewayConfig(changed func(flag string) bool, f *gatewayFlags) (*gateway.Config, error) {
	if f.config == "" {
		if f.upstream == "" {
			return nil, errors.New("doorman gateway: give --config gateway.yaml, or --upstream URL and --allow-origin ORIGIN for the one-line start")
		}
		var maxAge *time.Duration
		if changed("max-age") {
			maxAge = &f.maxAge
		}
		return gateway.FromFlags(gateway.Flags{
			Listen: f.listen, AdminListen: f.adminListen, Upstream: f.upstream,
			AllowOrigins: f.origins, AllowMethods: f.methods, AllowHeaders: f.headers, ExposeHeaders: f.expose,
			MaxAge: maxAge, AllowCredentials: f.credentials, AccessLog: f.accessLog,
		})
	}
	var given []string
	for _, name := range oneLinerFlags {
		if changed(name) {
			given = append(given, "--"+name)
		}
	}
	if len(given) > 0 {
		return nil, fmt.Errorf("doorman gateway: %s cannot be combined with --config: put them in the file", strings.Join(given, ", "))
	}
	cfg, err := gateway.LoadFile(f.config)
	if err != nil {
		return nil, err
	}
	if changed("listen") {
		cfg.Listen = f.listen
	}
	if changed("admin-listen") {
		cfg.AdminListen = f.adminListen
	}
	if changed("access-log") {
		cfg.AccessLog = f.accessLog
	}
	return cfg, nil
}

// printWarnings shows what an AWS import cannot reproduce, in the errors' file:line:col form.
func printWarnings(stderr io.Writer, cfg *gateway.Config) {
	for _, w := range cfg.Warnings {
		at := w.File
		if w.Line > 0 {
			at = fmt.Sprintf("%s:%d:%d", w.File, w.Line, w.Col)
		}
		if at != "" {
			at += ": "
		}
		fmt.Fprintf(stderr, "%swarning: %s: %s\n", at, w.Field, w.Message)
	}
}

func runGateway(ctx context.Context, stdout, stderr io.Writer, changed func(flag string) bool, f *gatewayFlags) error {
	log, err := newLogger(stderr, f.logFormat, f.logLevel)
	if err != nil {
		return usageError(stderr, fmt.Errorf("doorman gateway: %w", err))
	}
	if f.maxConnections < 0 {
		return usageError(stderr, errors.New("doorman gateway: --max-connections must not be negative"))
	}
	cfg, err := gatewayConfig(changed, f)
	if err != nil {
		return usageError(stderr, err)
	}
	printWarnings(stderr, cfg)
	maxConns := f.maxConnections
	if maxConns == 0 {
		// A client connection holds its socket and, while proxied, an upstream connection:
		// serve's bound of three descriptors a connection leaves room for both.
		openFiles, err := openFileLimit()
		if err != nil {
			return fmt.Errorf("reading the open-file limit: %w", err)
		}
		maxConns = defaultMaxConnections(openFiles)
	}
	opts := gateway.Options{Logger: log, Stderr: stderr}
	if cfg.AdminListen != "" {
		// The metrics are served by the admin listener alone: without it, nothing is counted.
		opts.Metrics = prommetrics.NewGateway()
	}
	g, err := gateway.New(cfg, opts)
	if err != nil {
		return usageError(stderr, err)
	}
	defer g.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	ln = netutil.LimitListener(ln, maxConns)
	hs := g.Server()
	servers := []*http.Server{hs}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	adminAddr := ""
	if cfg.AdminListen != "" {
		aln, err := net.Listen("tcp", cfg.AdminListen)
		if err != nil {
			_ = hs.Close()
			return err
		}
		as := &http.Server{Handler: g.AdminHandler(), ReadHeaderTimeout: adminHeaderTimeout,
			WriteTimeout: adminWriteTimeout, IdleTimeout: adminIdleTimeout,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		servers = append(servers, as)
		go func() { errc <- as.Serve(aln) }()
		adminAddr = aln.Addr().String()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	source := cfg.File
	if source == "" {
		source = "flags"
	}
	fmt.Fprintf(stdout, "doorman gateway %s listening on http://%s (configuration %s)\n", versionString(), ln.Addr(), source)
	if adminAddr != "" {
		fmt.Fprintf(stdout, "doorman gateway admin on http://%s (/metrics, /config, /healthz, /reload)\n", adminAddr)
	}
	log.Info("gateway listening", "addr", ln.Addr().String(), "admin", adminAddr, "config", source, "max_connections", maxConns)
	for {
		select {
		case err := <-errc:
			for _, s := range servers {
				_ = s.Close()
			}
			return err
		case <-hup:
			if cfg.File == "" {
				// No file to read again, but the access-log file is reopened, for rotation.
				_ = g.Reload()
				log.Info("SIGHUP: access log reopened; the configuration comes from flags")
				continue
			}
			if err := g.Reload(); err != nil {
				log.Error("reload refused: the previous configuration keeps serving", "config", source, "err", err)
			} else {
				log.Info("reloaded", "config", source)
			}
		case <-ctx.Done():
			log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), gatewayShutdownTimeout)
			defer cancel()
			var errs []error
			for _, s := range servers {
				errs = append(errs, s.Shutdown(sctx))
			}
			return errors.Join(errs...)
		}
	}
}

type gatewayExplainFlags struct {
	config, host, path     string
	origin, method, reqHdr string
}

func newGatewayExplainCmd() *cobra.Command {
	var f gatewayExplainFlags
	cmd := &cobra.Command{
		Use:   "explain --config gateway.yaml --host HOST [--path PATH] [--origin ORIGIN [--method M] [--request-headers h1,h2]]",
		Short: "Show the effective CORS policy of a host and path, where each field comes from, and a request's answer",
		Long: `explain resolves a host and path as the gateway routes a request (route beats host beats
defaults; an override replaces a policy's field, lists included) and prints the route, the
upstream, and each effective CORS field with the place in the configuration it comes from.

With --origin, it also shows what the gateway answers a browser's request from that origin:
the preflight (OPTIONS with Access-Control-Request-Method --method and
Access-Control-Request-Headers --request-headers) and the actual request (--method), each
with its status or CORS headers and the rule that decided.

Exit status: 0 when the request is allowed (or none is given), 1 when it is refused or no
policy applies, 2 on bad input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGatewayExplain(cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.Flags().Changed("origin"), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "YAML configuration file")
	fl.StringVar(&f.host, "host", "", "the request's Host (a port is ignored)")
	fl.StringVar(&f.path, "path", "/", "the request's path")
	fl.StringVar(&f.origin, "origin", "", "the request's Origin: evaluate a request from it")
	fl.StringVar(&f.method, "method", "GET", "the request's method, and the preflight's Access-Control-Request-Method")
	fl.StringVar(&f.reqHdr, "request-headers", "", "the preflight's Access-Control-Request-Headers (h1,h2)")
	_ = cmd.MarkFlagRequired("config")
	_ = cmd.MarkFlagRequired("host")
	return cmd
}

func runGatewayExplain(stdout, stderr io.Writer, withOrigin bool, f *gatewayExplainFlags) error {
	if !strings.HasPrefix(f.path, "/") {
		return usageError(stderr, fmt.Errorf("doorman gateway explain: --path %q must begin with /", f.path))
	}
	cfg, err := gateway.LoadFile(f.config)
	if err != nil {
		return usageError(stderr, err)
	}
	printWarnings(stderr, cfg)
	e := gateway.Explain(cfg, f.host, f.path)
	fmt.Fprint(stdout, e.String())
	if !withOrigin {
		return nil
	}
	pre := fetch.Request{Method: http.MethodOptions, Origin: f.origin, HasOrigin: true,
		RequestMethod: f.method, HasRequestMethod: true}
	if f.reqHdr != "" {
		pre.RequestHeaders = []string{f.reqHdr}
	}
	act := fetch.Request{Method: f.method, Origin: f.origin, HasOrigin: true}
	how := routeHandling(e)
	allowed := true
	for _, r := range []struct {
		title string
		req   *fetch.Request
	}{
		{preflightTitle(f), &pre},
		{fmt.Sprintf("Actual request: %s from %s", f.method, f.origin), &act},
	} {
		fmt.Fprintf(stdout, "\n%s\n", r.title)
		d, ok := e.Evaluate(r.req)
		if !ok {
			fmt.Fprintf(stdout, "  no CORS policy applies (cors %s): the gateway adds no CORS header\n", e.CORS)
			allowed = false
			continue
		}
		how.print(stdout, &d)
		allowed = allowed && d.Allowed
	}
	if !allowed {
		return exitError(1)
	}
	return nil
}

// handling is what the gateway does with a route's decision, from the effective fields.
type handling struct {
	enforce   string // "on", "shadow"
	forwarded string // why preflights go to the upstream; "" when answered at the gateway
	upstream  string // upstream_headers
}

func routeHandling(e *gateway.Explanation) handling {
	var h handling
	for _, f := range e.Fields {
		switch {
		case f.Name == "enforce":
			h.enforce = f.Value
		case f.Name == "upstream_headers":
			h.upstream = f.Value
		case f.Name == "preflight.mode" && f.Value == "passthrough":
			h.forwarded = "preflight.mode passthrough"
		case f.Name == "semantics" && f.Value == fetch.CloudFront.String() && h.forwarded == "":
			// CloudFront answers no preflight itself: the origin does, and the policy's
			// headers are added to its answer.
			h.forwarded = "semantics cloudfront"
		}
	}
	return h
}

func preflightTitle(f *gatewayExplainFlags) string {
	s := fmt.Sprintf("Preflight: OPTIONS from %s, Access-Control-Request-Method: %s", f.origin, f.method)
	if f.reqHdr != "" {
		s += ", Access-Control-Request-Headers: " + f.reqHdr
	}
	return s
}

// print shows a decision as the response a browser sees: the status of a preflight, the
// CORS headers, and the rule that decided.
func (h handling) print(w io.Writer, d *fetch.Decision) {
	outcome := "allowed"
	if !d.Allowed {
		outcome = "refused (" + d.Reason.String() + ")"
	}
	if h.enforce == "shadow" {
		fmt.Fprintf(w, "  would be %s; enforce shadow: only counted, the request goes to the upstream untouched\n", outcome)
		fmt.Fprintf(w, "  why: %s\n", d.Explain())
		return
	}
	fmt.Fprintf(w, "  %s\n", outcome)
	forwarded := d.Kind == fetch.Preflight && h.forwarded != ""
	switch {
	case forwarded:
		fmt.Fprintf(w, "  forwarded to the upstream (%s): the status is the upstream's\n", h.forwarded)
	case d.Kind == fetch.Preflight:
		fmt.Fprintf(w, "  HTTP %d %s\n", d.Status, http.StatusText(d.Status))
	}
	if (forwarded || d.Kind == fetch.Actual) && h.upstream != "override" {
		if h.upstream == "passthrough" {
			fmt.Fprintf(w, "  upstream_headers passthrough: the upstream's CORS headers reach the browser as they are\n")
			fmt.Fprintf(w, "  why: %s\n", d.Explain())
			return
		}
		fmt.Fprintf(w, "  upstream_headers %s: the upstream's CORS headers are kept, these added where absent\n", h.upstream)
	}
	for _, hd := range d.Headers() {
		fmt.Fprintf(w, "  %s: %s\n", hd.Name, hd.Value)
	}
	fmt.Fprintf(w, "  why: %s\n", d.Explain())
}
