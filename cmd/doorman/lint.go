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
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway"
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
a bucket with GetBucketCors (--endpoint and --bucket; path-style addressing, credentials
from the usual AWS environment variables and files).

A doorman gateway configuration (YAML) is linted too: it is recognised by its top-level
version key beside policies or hosts, or named with --gateway. What the gateway refuses is
reported as CORS001 findings, each at its line; otherwise every route's effective policy (after
overrides and imports, as "doorman gateway explain" shows it) gets the same checks as S3 rules,
plus the gateway's own: preflights passed to the upstream (CORS504), the upstream's CORS
headers passed under a policy that answers preflights (CORS505), unused policies (CORS506).
A finding is placed at the field that causes it, in the policy or in a route's override.

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
			return err
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
			return configErrors(err)
		}
		report.Findings = lint.Lint(cfg)
		lint.SetLines(report.Findings, lint.RuleLines(data))
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
	if u, err := url.Parse(f.endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--endpoint %q: want an http:// or https:// URL", f.endpoint)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(f.region))
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(f.endpoint)
		o.UsePathStyle = true
	})
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

// gatewayProbeHost is a host no configuration names (the .invalid top-level domain is
// reserved, RFC 2606): explained, it resolves as a request that matches no exact host does,
// to the "*" host or the defaults.
const gatewayProbeHost = "doorman-lint.invalid"

// isGatewayConfig reports whether doc looks like a doorman gateway configuration.
func isGatewayConfig(doc []byte) bool {
	root := yamlRoot(doc)
	return root != nil && yamlKey(root, "version") != nil && (yamlKey(root, "policies") != nil || yamlKey(root, "hosts") != nil)
}

// yamlRoot parses doc and returns its top-level mapping, nil when it is not one.
func yamlRoot(doc []byte) *yaml.Node {
	var n yaml.Node
	if yaml.Unmarshal(doc, &n) != nil || n.Kind != yaml.DocumentNode || len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	return n.Content[0]
}

// yamlKey returns the value of key in the mapping m, nil when absent.
func yamlKey(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// lintGateway lints a gateway configuration: what the gateway refuses (every load error, as
// a CORS001 finding at its line), else each route's effective policy (after overrides and
// imports, as `doorman gateway explain` shows it) with lint.Policy and lint.GatewayModes,
// and the named policies nothing applies. A finding on a field a policy sets is located at
// that field; one on a route whose cors block overrides the policy names the route.
func lintGateway(name string, doc []byte) []lint.Finding {
	cfg, err := gateway.Load(name, doc)
	if err != nil {
		return gatewayRejected(err)
	}
	root := yamlRoot(doc)
	// The places to explain: every route's path on its host, the host itself, and a host no
	// entry names (the "*" host, or the defaults).
	type probe struct{ host, path string }
	probes := []probe{{gatewayProbeHost, "/"}}
	if hosts := yamlKey(root, "hosts"); hosts != nil && hosts.Kind == yaml.SequenceNode {
		for _, h := range hosts.Content {
			host := gatewayProbeHost
			if m := yamlKey(h, "match"); m != nil && m.Value != "*" {
				host = strings.Replace(m.Value, "{tenant}", "tenant", 1)
			}
			probes = append(probes, probe{host, "/"})
			if routes := yamlKey(h, "routes"); routes != nil && routes.Kind == yaml.SequenceNode {
				for _, r := range routes.Content {
					if p := yamlKey(r, "path"); p != nil {
						probes = append(probes, probe{host, p.Value})
					}
				}
			}
		}
	}
	policyAt := map[string]int{} // each named policy's line
	if ps := yamlKey(root, "policies"); ps != nil && ps.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ps.Content); i += 2 {
			policyAt[ps.Content[i].Value] = ps.Content[i].Line
		}
	}

	// Routes that apply a policy as it is come first: their findings are the policy's own.
	// A route that overrides the policy adds the findings the policy alone does not have.
	var routes []*gateway.Explanation
	explained := map[string]bool{}
	for _, pr := range probes {
		ex := gateway.Explain(cfg, pr.host, pr.path)
		if ex.CORS == "on" && !explained[ex.RouteAt] {
			explained[ex.RouteAt] = true
			routes = append(routes, ex)
		}
	}
	slices.SortStableFunc(routes, func(a, b *gateway.Explanation) int {
		return cmp.Compare(b2i(overrides(a)), b2i(overrides(b)))
	})
	var out []lint.Finding
	seen := map[string]bool{}
	used := map[string]bool{}
	for _, ex := range routes {
		used[ex.Policy] = true
		c, modes := policyFromExplanation(ex)
		for _, f := range append(lint.Policy(ex.Policy, c), lint.GatewayModes(ex.Policy, modes)...) {
			placeGatewayFinding(&f, ex, policyAt[ex.Policy])
			key := strings.Join([]string{f.Code, f.Location(), f.Value, f.Message}, "\x00")
			if !seen[key] {
				seen[key] = true
				out = append(out, f)
			}
		}
	}
	for name, line := range policyAt {
		if !used[name] {
			f := lint.UnusedPolicy(name)
			f.Line = line
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b lint.Finding) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Route, b.Route), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// gatewayRejected turns each load error into a finding at its line.
func gatewayRejected(err error) []lint.Finding {
	chk, _ := lint.CheckFor(lint.CodeRejected)
	var out []lint.Finding
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		f := lint.Finding{Code: chk.Code, Name: chk.Name, Severity: chk.Severity, Rule: -1,
			Message: "The gateway refuses the configuration: " + err.Error() + ".",
			Fix:     "Correct the configuration: doorman gateway does not start with it, and a reload keeps the previous one."}
		var ge *gateway.Error
		if errors.As(err, &ge) {
			f.Policy, f.Line = ge.Field, ge.Line
			f.Message = "The gateway refuses the configuration: " + ge.Message + "."
		}
		if f.Policy == "" {
			f.Policy = "document" // the file as a whole
		}
		out = append(out, f)
	}
	walk(err)
	return out
}

// placeGatewayFinding locates a finding of a route's effective policy: at the field's
// position in the policy, the import or the override that set it; a field nothing set is
// the policy's (or, under an override, the route's cors block's). A finding of a route
// that overrides its policy names the route.
func placeGatewayFinding(f *lint.Finding, ex *gateway.Explanation, policyLine int) {
	base, _, _ := strings.Cut(f.Field, "[")
	var source, pos string
	for _, ef := range ex.Fields {
		if ef.Name == base {
			source, pos = ef.Source, ef.Position
		}
	}
	overridden := overrides(ex)
	f.Policy = "policies." + ex.Policy
	if overridden {
		f.Route, _, _ = strings.Cut(ex.Route, " (tenant ")
		if f.Route == "-" { // explain's name for requests that match no host
			f.Route = "defaults"
		}
	}
	switch level, isOverride := strings.CutPrefix(source, "override in "); {
	case isOverride:
		f.Policy = levelPath(level) + ".cors.override"
	case pos == "" && overridden:
		f.Policy, pos = levelPath(ex.Level)+".cors", ex.PolicyAt
	}
	f.Line = positionLine(pos)
	if f.Line == 0 && !overridden {
		f.Line = policyLine
	}
}

// overrides reports whether a route's cors block overrides fields of its policy.
func overrides(ex *gateway.Explanation) bool {
	return slices.ContainsFunc(ex.Fields, func(f gateway.ExplainField) bool { return strings.HasPrefix(f.Source, "override in ") })
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// levelPath is the key path of a cors block's level: "route hosts[0].routes[1]" →
// "hosts[0].routes[1]", "defaults" → "defaults".
func levelPath(level string) string {
	if _, p, ok := strings.Cut(level, " "); ok {
		return p
	}
	return level
}

// positionLine reads the line of "file:line:col", 0 when there is none.
func positionLine(pos string) int {
	i := strings.LastIndexByte(pos, ':')
	if i < 0 {
		return 0
	}
	j := strings.LastIndexByte(pos[:i], ':')
	n, _ := strconv.Atoi(pos[j+1 : i])
	return n
}

// policyFromExplanation rebuilds the effective policy from what explain shows of it. The
// gateway package exports no other view of a route's effective policy; explain's values are
// written for people: lists as "[a, b]", max_age as "600s", headers as "[Name: value, ...]".
// An entry of a list cannot hold ", " (origins, methods and header names are tokens), except
// an origin pattern, whose pieces are joined back until each is anchored, and a header value,
// joined back until the next piece names a header.
func policyFromExplanation(ex *gateway.Explanation) (*fetch.Config, lint.Modes) {
	c := &fetch.Config{}
	var m lint.Modes
	for _, f := range ex.Fields {
		v := f.Value
		switch f.Name {
		case "origins":
			if !strings.HasPrefix(f.Source, "origins_from") { // each tenant's origins are in files
				c.Origins = splitList(v, nil)
			}
		case "origin_patterns":
			c.OriginPatterns = splitList(v, func(next string) bool {
				return strings.HasPrefix(next, "^") || strings.HasPrefix(next, `\A`) || strings.HasPrefix(next, "(?")
			})
		case "methods":
			c.Methods = splitList(v, nil)
		case "request_headers":
			c.RequestHeaders = splitList(v, nil)
		case "expose_headers":
			c.ExposeHeaders = splitList(v, nil)
		case "max_age":
			if n, err := strconv.Atoi(strings.TrimSuffix(v, "s")); err == nil {
				c.MaxAge = &n
			}
		case "credentials":
			c.Credentials = v == "true"
		case "semantics":
			c.Semantics, _ = fetch.ParseSemantics(v)
		case "advertise":
			c.Advertise, _ = fetch.ParseAdvertise(v)
		case "preflight.success_status":
			c.PreflightStatus, _ = strconv.Atoi(v)
		case "preflight.failure_status":
			c.FailureStatus, _ = strconv.Atoi(v)
		case "preflight.mode":
			m.Preflight = v
		case "upstream_headers":
			if !strings.HasPrefix(f.Source, "default") {
				m.UpstreamHeaders = v
			}
		case "enforce":
			m.Enforce = v
		case "static", "errors_4xx", "errors_5xx":
			var hs []fetch.Header
			for _, h := range splitList(v, func(next string) bool {
				name, _, ok := strings.Cut(next, ": ")
				return ok && httpguts.ValidHeaderFieldName(name)
			}) {
				name, value, _ := strings.Cut(h, ": ")
				hs = append(hs, fetch.Header{Name: name, Value: value})
			}
			switch f.Name {
			case "static":
				c.Static = hs
			case "errors_4xx":
				c.Errors4XX = hs
			default:
				c.Errors5XX = hs
			}
		}
	}
	return c, m
}

// splitList reads "[a, b, c]". starts, when not nil, says whether a piece begins an entry;
// a piece that does not is joined to the one before.
func splitList(v string, starts func(string) bool) []string {
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	if v == "" {
		return nil
	}
	var out []string
	for p := range strings.SplitSeq(v, ", ") {
		if len(out) > 0 && starts != nil && !starts(p) {
			out[len(out)-1] += ", " + p
			continue
		}
		out = append(out, p)
	}
	return out
}
