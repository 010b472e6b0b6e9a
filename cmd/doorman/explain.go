package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/corserr"
)

type explainFlags struct {
	config    string
	origin    string
	method    string
	headers   []string
	key       string
	preflight bool
	json      bool
}

func newExplainCmd() *cobra.Command {
	var f explainFlags
	cmd := &cobra.Command{
		Use:   "explain --config cors.json --origin ORIGIN [--method M] [--header NAME]... [--key KEY] [--preflight] [--json]",
		Short: "Show the exact response Amazon S3 gives a request under a bucket CORS configuration, and why",
		Long: `explain evaluates one request against a bucket CORS configuration (the AWS CLI's JSON or
S3's XML) exactly as Amazon S3 does, and prints the response S3 would send: for a preflight
(--preflight) the status line, headers and error body; for an actual request the CORS headers
added to the operation's own response. Then it shows, rule by rule, whether the origin, the
method and each requested header matched, and which rule decided.

With --preflight, --method is the Access-Control-Request-Method and --header names the
Access-Control-Request-Headers. Without it, --method is the request's method; S3 does not check
an actual request's headers against the rules, so --header is then ignored.

Exit status: 0 when a rule allows the request, 1 when none does, 2 on bad input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExplain(cmd.OutOrStdout(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "CORS configuration file, AWS CLI JSON or S3 XML (- for standard input)")
	fl.StringVar(&f.origin, "origin", "", "the request's Origin header (empty: none)")
	fl.StringVar(&f.method, "method", "GET", "the method: Access-Control-Request-Method with --preflight")
	fl.StringArrayVar(&f.headers, "header", nil, "a request header name (repeatable; with --preflight)")
	fl.StringVar(&f.key, "key", "", "the object key the URL names (empty: the bucket itself)")
	fl.BoolVar(&f.preflight, "preflight", false, "evaluate an OPTIONS preflight")
	fl.BoolVar(&f.json, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

// readConfig reads and decodes the CORS configuration in the file path ("-": standard input).
func readConfig(path string) (*cors.Config, error) {
	data, err := readDocument(path)
	if err != nil {
		return nil, configError(path, err)
	}
	cfg, err := cors.Decode(data)
	if err != nil {
		return nil, configError(path, err)
	}
	return cfg, nil
}

// configError says what is wrong with the CORS configuration file path: that it cannot be
// read; where it cannot be decoded, what is wrong and how to put it right; or every fault for
// which Amazon S3 would refuse it. Only S3's own refusals (MalformedXML for an S3 XML
// document, and the validation faults) are worded as such: the AWS CLI refuses a JSON
// document it cannot read before sending anything.
func configError(path string, err error) error {
	name := path
	if path == "-" {
		name = "stdin"
	}
	var pe *fs.PathError
	var de *cors.DecodeError
	var ce *corserr.Error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file: name a bucket CORS configuration file (the AWS CLI's JSON or S3's XML), or - for standard input", name)
	case errors.As(err, &pe):
		return fmt.Errorf("%s: cannot read it: %w", name, pe.Err)
	case errors.As(err, &de):
		where := name
		if de.Line > 0 {
			where = fmt.Sprintf("%s:%d:%d", name, de.Line, de.Column)
		}
		what := de.Err.Error()
		if errors.As(de.Err, &ce) {
			what = "Amazon S3 would refuse it: " + what
		}
		if de.Hint != "" {
			what += "; " + de.Hint
		}
		return fmt.Errorf("%s: %s", where, what)
	case !errors.As(err, &ce):
		return fmt.Errorf("%s: %w", name, err)
	}
	var b strings.Builder
	b.WriteString(name + ": the configuration is not valid (Amazon S3 would refuse it):")
	for e := range corserr.All(err) {
		fmt.Fprintf(&b, "\n  %d %s", e.Status, e.Error())
	}
	return errors.New(b.String())
}

func runExplain(w io.Writer, f *explainFlags) error {
	cfg, err := readConfig(f.config)
	if err != nil {
		return err
	}
	p, err := cors.Compile(cfg)
	if err != nil {
		return configError(f.config, err)
	}
	req := cors.Request{Method: f.method, Origin: f.origin, Object: f.key != ""}
	if f.preflight {
		req.Method, req.RequestMethod = http.MethodOptions, f.method
		if len(f.headers) > 0 {
			req.RequestHeaders = []string{strings.Join(f.headers, ",")}
		}
	}
	e := p.Explain(&req, f.preflight)
	if f.json {
		err = writeExplainJSON(w, &req, &e)
	} else {
		err = writeExplainText(w, &req, f, &e)
	}
	if err != nil {
		return err
	}
	if e.Decision.Outcome != cors.Allowed {
		return exitError(1)
	}
	return nil
}

func writeExplainText(w io.Writer, req *cors.Request, f *explainFlags, e *cors.Explanation) error {
	var b strings.Builder
	d := &e.Decision
	if e.Preflight {
		status, headers, body := d.Response("", "")
		fmt.Fprintf(&b, "HTTP/1.1 %d %s\n", status, http.StatusText(status))
		for _, h := range headers {
			fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
		}
		b.WriteString("\n")
		if body != nil {
			b.Write(body)
			b.WriteString("\n")
		}
		b.WriteString("(Amazon S3 also sends x-amz-request-id, x-amz-id-2, Date and Server, and puts the request ids in an error body.)\n")
	} else {
		switch hs := d.Headers(); {
		case len(hs) == 0:
			b.WriteString("The operation's own response, with no CORS headers added.\n")
		default:
			b.WriteString("The operation's own response (success or error), with these headers added:\n")
			for _, h := range hs {
				fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
			}
		}
		if len(f.headers) > 0 {
			b.WriteString("(Amazon S3 does not check an actual request's headers; --header was ignored.)\n")
		}
	}

	fmt.Fprintf(&b, "\nOutcome: %s", d.Outcome)
	if d.Rule >= 0 {
		fmt.Fprintf(&b, " by rule %d", d.Rule+1)
	}
	b.WriteString("\n")
	switch d.Outcome {
	case cors.NoOrigin:
		b.WriteString("No Origin: this is not a cross-origin request.\n")
	case cors.BadRequest:
		b.WriteString("A preflight needs Access-Control-Request-Method with GET, PUT, POST, DELETE or HEAD.\n")
	}
	if len(e.Rules) == 0 || d.Outcome == cors.NoOrigin || d.Outcome == cors.BadRequest {
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "Matching Origin %q, method %s", req.Origin, e.Method)
	if e.HeadersRefused {
		b.WriteString(", Access-Control-Request-Headers over the parser's bounds (no rule can match)")
	} else if len(e.Headers) > 0 && e.Preflight {
		fmt.Fprintf(&b, ", headers %s", strings.Join(e.Headers, ", "))
	}
	b.WriteString(":\n")
	for _, r := range e.Rules {
		fmt.Fprintf(&b, "  rule %d", r.Index+1)
		if r.ID != "" {
			fmt.Fprintf(&b, " (ID %q)", r.ID)
		}
		b.WriteString(": ")
		if r.OriginMatched {
			fmt.Fprintf(&b, "origin ok (%q)", r.Origin)
		} else {
			b.WriteString("origin NO")
		}
		if r.MethodMatched {
			b.WriteString(", method ok")
		} else {
			b.WriteString(", method NO")
		}
		for _, h := range r.Headers {
			if h.AllowedBy != "" {
				fmt.Fprintf(&b, ", %s ok (%q)", h.Name, h.AllowedBy)
			} else {
				fmt.Fprintf(&b, ", %s NO", h.Name)
			}
		}
		if r.Index == d.Rule {
			b.WriteString("  <- decides")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeExplainJSON(w io.Writer, req *cors.Request, e *cors.Explanation) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(cors.NewReport(req, e))
}
