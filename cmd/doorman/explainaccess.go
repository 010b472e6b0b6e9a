package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/doorman-s3/doorman/policy"
)

type explainAccessFlags struct {
	policyFile string
	endpoint   string
	bucket     string
	key        string
	region     string
	timeout    time.Duration
	principal  string
	action     string
	resource   string
	context    []string
	json       bool
}

// defaultEndpointTimeout bounds reading the policy from --endpoint: one small request.
const defaultEndpointTimeout = 30 * time.Second

func newExplainAccessCmd() *cobra.Command {
	var f explainAccessFlags
	cmd := &cobra.Command{
		Use:   "explain-access {--policy FILE | --endpoint URL --bucket NAME} --principal P --action A {--resource ARN | --bucket NAME [--key KEY]} [--context KEY=VALUE]... [--json]",
		Short: "Show whether a bucket policy allows or denies a request, and which statement decides",
		Long: `explain-access evaluates one request against a bucket policy as Amazon S3 evaluates it, and
prints the policy's decision, then each statement's result: whether it applies and, where it
does not, why (the principal, the action, the resource or which condition).

The policy comes from a file (--policy, - for standard input) or from a bucket with
GetBucketPolicy (--endpoint and --bucket; path-style addressing, keys from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, or from the shared files' profile AWS_PROFILE names, else "default";
nothing but the endpoint is contacted).

--principal is the caller: an account id or "arn:aws:iam::ACCOUNT:root" (an account's root
user), "arn:aws:iam::ACCOUNT:user/NAME" (an IAM user), a canonical user id, or "*" or
"anonymous" for an unsigned request. --action is an S3 action (s3:GetObject); the resource is
an ARN (--resource) or --bucket with --key for an object. --context gives a condition key's
value (aws:SourceIp=192.0.2.1, aws:Referer=..., s3:prefix=...), once per value.

The decision is the policy's alone: an explicit Deny refuses, an Allow grants, and with
neither (NoEffect) the bucket owner's root user and the ACLs decide, as doorman serve does
(README: access control).

Exit status: 0 when the policy allows the request, 1 when it denies it or does not decide,
2 on bad input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExplainAccess(cmd.Context(), cmd.OutOrStdout(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.policyFile, "policy", "", "bucket policy file (- for standard input)")
	fl.StringVar(&f.endpoint, "endpoint", "", "S3 endpoint URL to read the policy from with GetBucketPolicy")
	fl.StringVar(&f.bucket, "bucket", "", "the bucket: whose policy --endpoint reads, and the resource without --resource")
	fl.StringVar(&f.key, "key", "", "the object key of the resource (with --bucket)")
	fl.StringVar(&f.region, "region", "us-east-1", "the region requests to --endpoint are signed for")
	fl.DurationVar(&f.timeout, "timeout", defaultEndpointTimeout, "how long reading the policy from --endpoint may take")
	fl.StringVar(&f.principal, "principal", "anonymous", `the caller: an account id, an IAM ARN, a canonical user id, or "*"/"anonymous"`)
	fl.StringVar(&f.action, "action", "", "the S3 action, e.g. s3:GetObject")
	fl.StringVar(&f.resource, "resource", "", "the resource ARN (default: from --bucket and --key)")
	fl.StringArrayVar(&f.context, "context", nil, "a condition key's value, KEY=VALUE (repeatable)")
	fl.BoolVar(&f.json, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("action")
	return cmd
}

func runExplainAccess(ctx context.Context, w io.Writer, f *explainAccessFlags) error {
	caller, err := parsePrincipal(f.principal)
	if err != nil {
		return err
	}
	resource := f.resource
	switch {
	case resource == "" && f.bucket == "":
		return errors.New("name the resource: --resource ARN, or --bucket (and --key for an object)")
	case resource == "" && f.key != "":
		resource = "arn:aws:s3:::" + f.bucket + "/" + f.key
	case resource == "":
		resource = "arn:aws:s3:::" + f.bucket
	}
	req := &policy.Request{Caller: caller, Action: f.action, Resource: resource, Context: map[string][]string{}}
	for _, kv := range f.context {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--context %q: want KEY=VALUE", kv)
		}
		k = strings.ToLower(k)
		req.Context[k] = append(req.Context[k], v)
	}
	p, source, err := readPolicy(ctx, f)
	if err != nil {
		return err
	}
	res := p.Explain(req)
	if f.json {
		err = writeAccessJSON(w, source, req, &res)
	} else {
		err = writeAccessText(w, source, req, &res)
	}
	if err != nil {
		return err
	}
	if res.Effect != policy.Allow {
		return exitError(1)
	}
	return nil
}

var (
	iamRootARN = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):root$`)
	iamUserARN = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):user/(?:.*/)?([\w+=,.@-]{1,64})$`)
	accountID  = regexp.MustCompile(`^[0-9]{12}$`)
	canonical  = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

// parsePrincipal reads --principal into the caller the policy sees.
func parsePrincipal(p string) (policy.Caller, error) {
	switch {
	case p == "*" || strings.EqualFold(p, "anonymous"):
		return policy.Caller{Anonymous: true}, nil
	case accountID.MatchString(p):
		return policy.Caller{Account: p, ARN: "arn:aws:iam::" + p + ":root"}, nil
	case canonical.MatchString(p):
		return policy.Caller{CanonicalID: strings.ToLower(p)}, nil
	}
	if m := iamRootARN.FindStringSubmatch(p); m != nil {
		return policy.Caller{Account: m[1], ARN: p}, nil
	}
	if m := iamUserARN.FindStringSubmatch(p); m != nil {
		return policy.Caller{Account: m[1], ARN: p, UserName: m[2]}, nil
	}
	return policy.Caller{}, fmt.Errorf(`--principal %q: want an account id, arn:aws:iam::ACCOUNT:root, arn:aws:iam::ACCOUNT:user/NAME, a canonical user id, or "*"`, p)
}

// readPolicy reads and parses the policy from --policy or from --endpoint; source names where
// it came from.
func readPolicy(ctx context.Context, f *explainAccessFlags) (p *policy.Policy, source string, err error) {
	var doc []byte
	switch {
	case f.policyFile != "" && f.endpoint != "":
		return nil, "", errors.New("give --policy or --endpoint, not both")
	case f.policyFile == "-":
		source = "stdin"
		doc, err = io.ReadAll(io.LimitReader(os.Stdin, policy.MaxSize+1))
	case f.policyFile != "":
		source = f.policyFile
		doc, err = os.ReadFile(f.policyFile)
	case f.endpoint != "":
		if f.bucket == "" {
			return nil, "", errors.New("--endpoint needs --bucket")
		}
		source = strings.TrimSuffix(f.endpoint, "/") + "/" + url.PathEscape(f.bucket) + "?policy"
		doc, err = fetchPolicy(ctx, f)
	default:
		return nil, "", errors.New("name a policy: --policy FILE, or --endpoint URL and --bucket")
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", source, err)
	}
	bucket := f.bucket
	if bucket == "" {
		// The resource names the bucket Parse checks the policy's resources against.
		bucket, _, _ = strings.Cut(strings.TrimPrefix(f.resource, "arn:aws:s3:::"), "/")
	}
	p, err = policy.Parse(doc, bucket)
	if err != nil {
		return nil, "", fmt.Errorf("%s: Amazon S3 would refuse it: %w", source, err)
	}
	return p, source, nil
}

// fetchPolicy reads a bucket's policy with GetBucketPolicy.
func fetchPolicy(ctx context.Context, f *explainAccessFlags) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	client, err := endpointClient(ctx, f.endpoint, f.region, "GetBucketPolicy")
	if err != nil {
		return nil, err
	}
	out, err := client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(f.bucket)})
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucketPolicy" {
			return nil, fmt.Errorf("bucket %q has no policy (GetBucketPolicy answered NoSuchBucketPolicy): the bucket owner's root user and the ACLs decide alone", f.bucket)
		}
		return nil, fmt.Errorf("GetBucketPolicy on bucket %q: %w", f.bucket, err)
	}
	return []byte(aws.ToString(out.Policy)), nil
}

// callerText is the caller as the report names it.
func callerText(c *policy.Caller) string {
	switch {
	case c.Anonymous:
		return "anonymous"
	case c.ARN != "":
		return c.ARN
	}
	return "canonical user " + c.CanonicalID
}

func writeAccessText(w io.Writer, source string, req *policy.Request, res *policy.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Policy: %s\nRequest: %s on %s by %s\n", source, req.Action, req.Resource, callerText(&req.Caller))
	fmt.Fprintf(&b, "\nDecision: %s", res.Effect)
	switch res.Effect {
	case policy.NoEffect:
		b.WriteString(" (no statement applies: the bucket owner's root user and the ACLs decide)\n")
	default:
		fmt.Fprintf(&b, " by statement %d%s\n", res.Statement+1, sidText(res.Statements[res.Statement].Sid))
	}
	b.WriteString("Statements:\n")
	for _, s := range res.Statements {
		fmt.Fprintf(&b, "  statement %d%s %s: ", s.Index+1, sidText(s.Sid), s.Effect)
		if s.Applies {
			b.WriteString("applies")
		} else {
			b.WriteString("does not apply: " + s.Why)
		}
		if s.Index == res.Statement {
			b.WriteString("  <- decides")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sidText(sid string) string {
	if sid == "" {
		return ""
	}
	return fmt.Sprintf(" (Sid %q)", sid)
}

// accessReport is explain-access's JSON output.
type accessReport struct {
	Policy     string            `json:"policy"`
	Principal  string            `json:"principal"`
	Action     string            `json:"action"`
	Resource   string            `json:"resource"`
	Decision   string            `json:"decision"`
	Statement  *int              `json:"statement"` // 1-based; null when no statement applies
	Statements []statementReport `json:"statements"`
}

type statementReport struct {
	Index   int    `json:"index"` // 1-based
	Sid     string `json:"sid,omitempty"`
	Effect  string `json:"effect"`
	Applies bool   `json:"applies"`
	Why     string `json:"why,omitempty"` // why it does not apply
}

func writeAccessJSON(w io.Writer, source string, req *policy.Request, res *policy.Result) error {
	r := accessReport{Policy: source, Principal: callerText(&req.Caller), Action: req.Action, Resource: req.Resource,
		Decision: res.Effect.String(), Statements: []statementReport{}}
	if res.Statement >= 0 {
		n := res.Statement + 1
		r.Statement = &n
	}
	for _, s := range res.Statements {
		sr := statementReport{Index: s.Index + 1, Sid: s.Sid, Effect: s.Effect.String(), Applies: s.Applies}
		if !s.Applies {
			sr.Why = s.Why
		}
		r.Statements = append(r.Statements, sr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
