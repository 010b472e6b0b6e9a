package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway"
	"github.com/doorman-s3/doorman/gateway/tenant"
	"github.com/doorman-s3/doorman/internal/errlist"
	"github.com/doorman-s3/doorman/lint"
)

type lintFlags struct {
	endpoint string
	bucket   string
	region   string
	timeout  time.Duration
	format   string
	failOn   string
	gateway  bool
}

func newLintCmd() *cobra.Command {
	var f lintFlags
	cmd := &cobra.Command{
		Use:   "lint {cors.json | gateway.yaml | --endpoint URL --bucket NAME} [--gateway] [--format text|json|sarif] [--fail-on error|warning|info|none]",
		Short: "Find mistakes and risks in a bucket CORS configuration or a gateway configuration",
		Long: `lint checks a bucket CORS configuration against what Amazon S3 accepts and how browsers
behave, and reports every finding with its code, severity, rule, field, and a fix: what S3
would refuse, origins that let in sites you do not control (null, https://*.com,
https://*example.com), origins no browser ever sends (a trailing slash, upper case, :443),
rules an earlier rule hides, uploads without ETag exposed, preflight cache lifetimes browsers
ignore, and more. Rules are numbered from 1 in text output, from 0 in JSON and SARIF.

The configuration comes from a file (AWS CLI JSON or S3 XML; - for standard input), or from
a bucket with GetBucketCors (--endpoint and --bucket; path-style addressing, keys from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or from the shared files' profile AWS_PROFILE
names, else "default"; nothing but the endpoint is contacted).

A doorman gateway configuration (YAML) is linted too: it is recognised by its top-level
version key beside policies or hosts, or named with --gateway. What the gateway refuses is
reported as CORS001 findings, each at its line and column; otherwise every route's effective
policy (after overrides and imports, as "doorman gateway explain" shows it) gets the same checks
as S3 rules, plus the gateway's own: preflights passed to the upstream (CORS504), the upstream's
CORS headers passed under a policy that answers preflights (CORS505), unused policies (CORS506,
each still checked in full), and on each route with a cache block the edge checks: Origin
forwarded but not in the cache key (CORS601), Origin neither forwarded nor keyed (CORS602), OPTIONS
cached without the preflight's headers in the key (CORS603), OriginOverride relied on for cache
hits (CORS604), each at the cache block. Under origins_from, each tenant's file is checked as the gateway
loads it. A finding is placed at the list entry or field that causes it: in the policy, a
route's override, an imported AWS configuration or a tenant's file.

--format sarif writes SARIF 2.1.0 for code-scanning services.

Exit status: 1 when a finding is at or above --fail-on, 0 otherwise, 2 on bad input.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd.Context(), cmd.OutOrStdout(), &f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.endpoint, "endpoint", "", "S3 endpoint URL to read the configuration from with GetBucketCors")
	fl.StringVar(&f.bucket, "bucket", "", "the bucket whose configuration --endpoint reads")
	fl.StringVar(&f.region, "region", "us-east-1", "the region requests to --endpoint are signed for")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "how long GetBucketCors may take, retries included")
	fl.StringVar(&f.format, "format", "text", "output format: text, json or sarif")
	fl.StringVar(&f.failOn, "fail-on", "error", "exit 1 when a finding is at least this severe: error, warning, info or none")
	fl.BoolVar(&f.gateway, "gateway", false, "the file is a doorman gateway configuration (also recognised by its top-level version and policies or hosts keys)")
	return cmd
}

func runLint(ctx context.Context, w io.Writer, f *lintFlags, args []string) error {
	switch f.format {
	case "text", "json", "sarif":
	default:
		return fmt.Errorf("--format %q: want text, json or sarif", f.format)
	}
	var threshold lint.Severity
	if f.failOn != "none" {
		s, err := lint.ParseSeverity(f.failOn)
		if err != nil {
			return fmt.Errorf("--fail-on: %w", err)
		}
		threshold = s
	}

	var report lint.Report
	switch {
	case f.endpoint != "" && len(args) > 0:
		return errors.New("give a configuration file or --endpoint, not both")
	case f.endpoint != "" && f.gateway:
		return errors.New("--gateway lints a file: a bucket holds no gateway configuration")
	case f.endpoint != "":
		if f.bucket == "" {
			return errors.New("--endpoint needs --bucket")
		}
		cfg, err := fetchCORS(ctx, f)
		if err != nil {
			return err
		}
		report.Source = strings.TrimSuffix(f.endpoint, "/") + "/" + url.PathEscape(f.bucket) + "?cors"
		report.Findings = lint.Lint(cfg)
	case len(args) == 0:
		return errors.New("name a configuration file, or use --endpoint and --bucket")
	default:
		data, err := readDocument(args[0])
		if err != nil {
			return configError(args[0], err)
		}
		report.Source = args[0]
		if args[0] == "-" {
			report.Source = "stdin"
		}
		if f.gateway || isGatewayConfig(data) {
			report.Findings = lintGateway(report.Source, data)
			break
		}
		cfg, err := cors.Decode(data)
		if err != nil {
			return configError(args[0], err)
		}
		report.Findings = lint.Placed(cfg, data)
	}

	var err error
	switch f.format {
	case "json":
		err = report.WriteJSON(w)
	case "sarif":
		err = report.WriteSARIF(w, versionString())
	default:
		err = report.WriteText(w)
	}
	if err != nil {
		return err
	}
	if threshold != 0 && report.Worst() >= threshold {
		return exitError(1)
	}
	return nil
}

// maxGatewayConfig is the largest gateway configuration the gateway loads (1 MiB); a larger
// one is refused by gateway.Load, as a larger S3 document is by cors.Decode.
const maxGatewayConfig = 1 << 20

// readDocument reads a file, or standard input for "-", keeping the bytes for line numbers.
// Standard input is read up to one byte past the larger bound, so that the decoder refuses
// what is too large rather than a truncated copy.
func readDocument(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, max(cors.MaxJSONSize, maxGatewayConfig)+1))
	}
	return os.ReadFile(path)
}

// fetchCORS reads a bucket's configuration with GetBucketCors.
func fetchCORS(ctx context.Context, f *lintFlags) (*cors.Config, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	client, err := endpointClient(ctx, f.endpoint, f.region, "GetBucketCors")
	if err != nil {
		return nil, err
	}
	out, err := client.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(f.bucket)})
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchCORSConfiguration" {
			return nil, fmt.Errorf("bucket %q has no CORS configuration (GetBucketCors answered NoSuchCORSConfiguration): there is nothing to lint", f.bucket)
		}
		return nil, fmt.Errorf("GetBucketCors on bucket %q: %w", f.bucket, err)
	}
	cfg := &cors.Config{Rules: make([]cors.Rule, len(out.CORSRules))}
	for i, r := range out.CORSRules {
		cfg.Rules[i] = cors.Rule{
			ID:             aws.ToString(r.ID),
			AllowedHeaders: nonEmpty(r.AllowedHeaders),
			AllowedMethods: nonEmpty(r.AllowedMethods),
			AllowedOrigins: nonEmpty(r.AllowedOrigins),
			ExposeHeaders:  nonEmpty(r.ExposeHeaders),
			MaxAgeSeconds:  r.MaxAgeSeconds,
		}
	}
	return cfg, nil
}

// endpointClient is a path-style client for endpoint (--endpoint) that signs op, the one
// request it is for, with endpointCredentials.
func endpointClient(ctx context.Context, endpoint, region, op string) (*s3.Client, error) {
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--endpoint %q: want an http:// or https:// URL", endpoint)
	}
	creds, err := endpointCredentials(ctx, op)
	if err != nil {
		return nil, err
	}
	awsCfg, err := endpointConfig(ctx, region, creds)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	}), nil
}

// endpointConfig is the SDK configuration a request to --endpoint is sent with: the region, the
// credentials given, and no client for EC2 instance metadata, so that nothing but the
// endpoint is contacted (the SDK would otherwise ask the metadata address for a region or
// credentials it lacks).
func endpointConfig(ctx context.Context, region string, creds aws.Credentials) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx, config.WithRegion(region),
		config.WithCredentialsProvider(credentials.StaticCredentialsProvider{Value: creds}),
		config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
}

// endpointCredentials are the keys op, a request to --endpoint, is signed with: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), else the keys written in the shared
// credentials or config file for the profile AWS_PROFILE names (default: "default"). No other
// source is tried: instance metadata, containers, SSO and assumed roles each contact a
// service other than the endpoint.
func endpointCredentials(ctx context.Context, op string) (aws.Credentials, error) {
	env, err := config.NewEnvConfig()
	if err != nil {
		return aws.Credentials{}, err
	}
	if env.Credentials.HasKeys() {
		return env.Credentials, nil
	}
	profile := cmp.Or(env.SharedConfigProfile, "default")
	shared, err := config.LoadSharedConfigProfile(ctx, profile, func(o *config.LoadSharedConfigOptions) {
		if env.SharedCredentialsFile != "" {
			o.CredentialsFiles = []string{env.SharedCredentialsFile}
		}
		if env.SharedConfigFile != "" {
			o.ConfigFiles = []string{env.SharedConfigFile}
		}
	})
	if err == nil && shared.Credentials.HasKeys() {
		return shared.Credentials, nil
	}
	return aws.Credentials{}, fmt.Errorf("no credentials to sign %s with: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "+
		"or write aws_access_key_id and aws_secret_access_key under [%s] in ~/.aws/credentials "+
		"(AWS_PROFILE names another profile, AWS_SHARED_CREDENTIALS_FILE another file); "+
		"instance metadata, SSO and assumed roles are not used, so that nothing but --endpoint is contacted", op, profile)
}

// nonEmpty returns nil for an empty list, as cors.Decode stores an absent element.
func nonEmpty(vs []string) []string {
	if len(vs) == 0 {
		return nil
	}
	return vs
}

// A gateway configuration is linted policy by policy, as the gateway applies them. A file is
// taken for one when --gateway says so, or when it is a YAML mapping with a top-level
// version key and a policies or hosts key, which no S3 CORS document has.

// isGatewayConfig reports whether doc looks like a doorman gateway configuration.
func isGatewayConfig(doc []byte) bool {
	var n yaml.Node
	if yaml.Unmarshal(doc, &n) != nil || n.Kind != yaml.DocumentNode || len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
		return false
	}
	has := func(key string) bool {
		root := n.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == key {
				return true
			}
		}
		return false
	}
	return has("version") && (has("policies") || has("hosts"))
}

// lintGateway lints a gateway configuration: what the gateway refuses (every load error, as
// a CORS001 finding at its place), else every cors block's effective policy (after
// overrides and imports, as the gateway applies it) with lint.Policy and lint.GatewayModes,
// the origins of each tenant's file under origins_from, and the named policies nothing
// applies, in full. A finding on a field is located at the field, or at the list entry,
// where it is written: in the policy, the import or the override; one on a route whose cors
// block overrides the policy names the route.
func lintGateway(name string, doc []byte) []lint.Finding {
	cfg, err := gateway.Load(name, doc)
	if err != nil {
		return gatewayRejected(name, err)
	}
	l := gatewayLinter{file: name, seen: map[string]bool{}}
	// One route per cors block: routes that share a block share its findings. Blocks that
	// apply a policy as it is come first, so that a finding they share with a block that
	// overrides the policy is the policy's own; an overriding block adds what the policy
	// alone does not have.
	var blocks []*gateway.RouteView
	seenBlock := map[string]bool{}
	for _, r := range cfg.Routes() {
		if r.CORS == "on" && !seenBlock[r.Block] {
			seenBlock[r.Block] = true
			blocks = append(blocks, r)
		}
	}
	slices.SortStableFunc(blocks, func(a, b *gateway.RouteView) int { return cmp.Compare(b2i(a.Override), b2i(b.Override)) })
	used := map[string]bool{}
	for _, r := range blocks {
		used[r.Policy.Name] = true
		l.policy(r.Policy, r)
		if r.OriginsFrom != nil {
			l.tenants(r)
		}
	}
	for _, r := range cfg.Routes() {
		if c := r.Cache; c != nil {
			for _, f := range lint.Edge(lint.EdgeRoute{Route: r.Name, Block: c.Field, Caches: c.Caches,
				KeyHeaders: c.KeyHeaders, Forwarded: c.Forwarded, ForwardsAll: c.ForwardsAll,
				CachesOptions: c.CachesOptions, PreflightsForwarded: c.PreflightsForwarded,
				PerRequestCORS: c.PerRequestCORS, ByOriginOverride: c.ByOriginOverride}) {
				l.locate(&f, c.Position)
				l.add(f)
			}
		}
	}
	for _, p := range cfg.Policies() {
		if !used[p.Name] {
			f := lint.UnusedPolicy(p.Name)
			f.Line, f.Column = p.At.Line, p.At.Col
			l.add(f)
			l.policy(p, nil)
		}
	}
	slices.SortStableFunc(l.out, func(a, b lint.Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Route, b.Route), cmp.Compare(a.ID, b.ID))
	})
	return l.out
}

type gatewayLinter struct {
	file string // the configuration's name
	seen map[string]bool
	out  []lint.Finding
}

// add keeps f unless an identical finding at the same place was kept already.
func (l *gatewayLinter) add(f lint.Finding) {
	key := strings.Join([]string{f.Code, f.File, f.Location(), f.Value, f.Message}, "\x00")
	if !l.seen[key] {
		l.seen[key] = true
		l.out = append(l.out, f)
	}
}

// policy lints p, the effective policy of the cors block r applies (r nil: a named policy on
// its own). Under origins_from the policy's origins are not the route's: each tenant's file
// is (see tenants).
func (l *gatewayLinter) policy(p *gateway.PolicyView, r *gateway.RouteView) {
	c := *p.Config
	if r != nil && r.OriginsFrom != nil {
		c.Origins, c.OriginPatterns = nil, nil
	}
	m := lint.Modes{Preflight: p.Preflight, Enforce: p.Enforce}
	if f := p.Field("upstream_headers"); f != nil && f.Source != gateway.SourceDefault {
		m.UpstreamHeaders = p.UpstreamHeaders
	}
	for _, f := range slices.Concat(lint.Policy(p.Name, &c), lint.GatewayModes(p.Name, m)) {
		l.place(&f, p, r)
		l.add(f)
	}
}

// place locates a finding of p: at the list entry or field in the policy, the import or the
// override that set it; a field nothing set is the policy's (or, under an override, the
// cors block's). A finding of a block that overrides its policy names the route.
func (l *gatewayLinter) place(f *lint.Finding, p *gateway.PolicyView, r *gateway.RouteView) {
	base, index := splitField(f.Field)
	overridden := r != nil && r.Override
	if overridden {
		f.Route = routeName(r)
	}
	f.Policy = "policies." + p.Name
	at := p.At
	switch pf := p.Field(base); {
	case (pf == nil || pf.Source == gateway.SourceDefault) && overridden:
		f.Policy, at = r.Block, r.BlockAt
	case pf == nil || pf.Source == gateway.SourceDefault:
	default:
		if pf.Source == gateway.SourceOverride {
			f.Policy = r.Block + ".override"
		}
		at = pf.At
		if index >= 0 && index < len(pf.Items) && pf.Items[index].Line > 0 {
			at = pf.Items[index]
		}
	}
	l.locate(f, at)
}

// locate sets f's line, column and, outside the configuration, file.
func (l *gatewayLinter) locate(f *lint.Finding, at gateway.Position) {
	f.Line, f.Column = at.Line, at.Col
	if at.File != "" && at.File != l.file {
		f.File = at.File
	}
}

// routeName names a route in findings: "defaults" for what no host matches.
func routeName(r *gateway.RouteView) string {
	if r.Name == "-" {
		return "defaults"
	}
	return r.Name
}

// splitField reads "origins[2]" as ("origins", 2), "max_age" as ("max_age", -1).
func splitField(s string) (string, int) {
	base, rest, ok := strings.Cut(s, "[")
	if !ok {
		return s, -1
	}
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	if err != nil {
		return base, -1
	}
	return base, n
}

// tenants lints the origins of each tenant's file that r's origins_from names, as the
// gateway loads them (tenant.Read): a file the gateway refuses is a CORS001 finding at its
// fault, the others' origins get the origin checks of the policy. Files are found as the
// gateway finds them: in the template's folder, named with a valid tenant name in place of
// {tenant}; at most tenant.MaxTenants, as a gateway holds.
func (l *gatewayLinter) tenants(r *gateway.RouteView) {
	files, err := tenant.Files(r.OriginsFrom.File)
	if err != nil {
		return // the gateway starts without the folder, and watches for it
	}
	for _, f := range files {
		l.tenant(r, f)
	}
}

// tenant lints one tenant's file.
func (l *gatewayLinter) tenant(r *gateway.RouteView, file tenant.File) {
	name, path := file.Tenant, file.Path
	route := routeName(r) + " (tenant " + name + ")"
	p, err := tenant.Read(r.OriginsFrom.File, name, r.Policy.Config)
	if err != nil {
		chk, _ := lint.CheckFor(lint.CodeRejected)
		for _, e := range errlist.Flatten(err) {
			f := lint.Finding{Code: chk.Code, Name: chk.Name, Severity: chk.Severity, Rule: -1, ID: r.Policy.Name,
				Policy: r.Block + ".origins_from", Route: route, File: path,
				Message: "The gateway refuses tenant " + name + "'s file: " + e.Error() + ".",
				Fix:     "Correct the file: until it is, the tenant keeps its last good origins (on_error keep-last), or is refused every origin (deny-all, or a gateway that never loaded a good file)."}
			var fe *tenant.FileError
			if errors.As(e, &fe) {
				f.Line, f.Column = fe.Line, fe.Col
				f.Message = "The gateway refuses tenant " + name + "'s file: " + fe.Err.Error() + "."
			}
			var ce *fetch.ConfigError
			if errors.As(e, &ce) {
				f.Field, f.Value = ce.Field, ce.Value
				if ce.Index >= 0 {
					f.Field += "[" + strconv.Itoa(ce.Index) + "]"
				}
				f.Message = "The gateway refuses tenant " + name + "'s file: " + ce.Message + "."
				if ce.Fix != "" {
					f.Fix = strings.ToUpper(ce.Fix[:1]) + ce.Fix[1:] + ". Until then, the tenant keeps its last good origins (on_error keep-last), or is refused every origin (deny-all, or a gateway that never loaded a good file)."
				}
			}
			l.add(f)
		}
		return
	}
	c := *r.Policy.Config
	c.Origins, c.OriginPatterns = p.Config().Origins, nil
	for _, f := range lint.Policy(r.Policy.Name, &c) {
		if base, _ := splitField(f.Field); base != "origins" {
			continue // the policy's own, reported for the route
		}
		f.Policy, f.Route, f.File = r.Block+".origins_from", route, path
		l.add(f)
	}
}

// gatewayRejected turns each load error into a finding at its place: in the configuration,
// or in a file it names (an imported AWS configuration).
func gatewayRejected(name string, err error) []lint.Finding {
	chk, _ := lint.CheckFor(lint.CodeRejected)
	var out []lint.Finding
	for ge := range gateway.Errors(err) {
		f := lint.Finding{Code: chk.Code, Name: chk.Name, Severity: chk.Severity, Rule: -1,
			Policy: cmp.Or(ge.Field, "document"), // "document": the file as a whole
			Line:   ge.Line, Column: ge.Col,
			Message: "The gateway refuses the configuration: " + ge.Message + ".",
			Fix:     "Correct the configuration: doorman gateway does not start with it, and a reload keeps the previous one."}
		if ge.File != "" && ge.File != name {
			f.File = ge.File
		}
		out = append(out, f)
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
