package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/lint"
)

type lintFlags struct {
	endpoint string
	bucket   string
	region   string
	timeout  time.Duration
	format   string
	failOn   string
}

func newLintCmd() *cobra.Command {
	var f lintFlags
	cmd := &cobra.Command{
		Use:   "lint {cors.json | --endpoint URL --bucket NAME} [--format text|json|sarif] [--fail-on error|warning|info|none]",
		Short: "Find mistakes and risks in a bucket CORS configuration",
		Long: `lint checks a bucket CORS configuration against what Amazon S3 accepts and how browsers
behave, and reports every finding with its code, severity, rule, field, and a fix: what S3
would refuse, origins that let in sites you do not control (null, https://*.com,
https://*example.com), origins no browser ever sends (a trailing slash, upper case, :443),
rules an earlier rule hides, uploads without ETag exposed, preflight cache lifetimes browsers
ignore, and more. Rules are numbered from 1 in text output, from 0 in JSON and SARIF.

The configuration comes from a file (AWS CLI JSON or S3 XML; - for standard input), or from
a bucket with GetBucketCors (--endpoint and --bucket; path-style addressing, credentials
from the usual AWS environment variables and files).

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

	var (
		report lint.Report
		cfg    *cors.Config
		lines  []int
	)
	switch {
	case f.endpoint != "" && len(args) > 0:
		return errors.New("give a configuration file or --endpoint, not both")
	case f.endpoint != "":
		if f.bucket == "" {
			return errors.New("--endpoint needs --bucket")
		}
		var err error
		if cfg, err = fetchCORS(ctx, f); err != nil {
			return err
		}
		report.Source = strings.TrimSuffix(f.endpoint, "/") + "/" + url.PathEscape(f.bucket) + "?cors"
	case len(args) == 0:
		return errors.New("name a configuration file, or use --endpoint and --bucket")
	default:
		data, err := readDocument(args[0])
		if err != nil {
			return err
		}
		if cfg, err = cors.Decode(data); err != nil {
			return configErrors(err)
		}
		lines = lint.RuleLines(data)
		report.Source = args[0]
		if args[0] == "-" {
			report.Source = "stdin"
		}
	}

	report.Findings = lint.Lint(cfg)
	lint.SetLines(report.Findings, lines)
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

// readDocument reads a file, or standard input for "-", keeping the bytes for line numbers.
func readDocument(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, cors.MaxJSONSize+1))
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
