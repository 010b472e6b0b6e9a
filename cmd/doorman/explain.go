package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
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

func readConfig(path string) (*cors.Config, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(os.Stdin, cors.MaxJSONSize+1))
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	return cors.Decode(data)
}

// configErrors lists every fault of a configuration, one per line.
func configErrors(err error) error {
	var b strings.Builder
	b.WriteString("the configuration is not valid (Amazon S3 would refuse it):")
	n := 0
	for e := range corserr.All(err) {
		fmt.Fprintf(&b, "\n  %d %s", e.Status, e.Error())
		n++
	}
	if n == 0 {
		fmt.Fprintf(&b, " %v", err)
	}
	return fmt.Errorf("%s", b.String())
}

func runExplain(w io.Writer, f *explainFlags) error {
	cfg, err := readConfig(f.config)
	if err != nil {
		return configErrors(err)
	}
	p, err := cors.Compile(cfg)
	if err != nil {
		return configErrors(err)
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

type explainJSON struct {
	Preflight bool             `json:"preflight"`
	Request   cors.Request     `json:"request"`
	Outcome   string           `json:"outcome"`
	Rule      *int             `json:"rule"`
	Response  responseJSON     `json:"response"`
	Method    string           `json:"matchedMethod"`
	Headers   []string         `json:"matchedHeaders"`
	Refused   bool             `json:"headersOverBounds,omitempty"`
	Rules     []cors.RuleTrace `json:"rules"`
}

type responseJSON struct {
	Status  int           `json:"status,omitempty"`
	Headers []cors.Header `json:"headers"`
	Body    string        `json:"body,omitempty"`
}

func writeExplainJSON(w io.Writer, req *cors.Request, e *cors.Explanation) error {
	out := explainJSON{Preflight: e.Preflight, Request: *req, Outcome: e.Decision.Outcome.String(),
		Method: e.Method, Headers: e.Headers, Refused: e.HeadersRefused, Rules: e.Rules}
	if e.Decision.Rule >= 0 {
		r := e.Decision.Rule
		out.Rule = &r
	}
	if e.Preflight {
		status, headers, body := e.Decision.Response("", "")
		out.Response = responseJSON{Status: status, Headers: headers, Body: string(body)}
	} else {
		out.Response = responseJSON{Headers: e.Decision.Headers()}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
