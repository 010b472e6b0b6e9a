package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/gateway"
	"github.com/doorman-s3/doorman/lint"
)

// riskyConfig has findings on rules 1, 2 and 3 (0-based): on the origins of line 11, the
// origin of line 20 and the MaxAgeSeconds of line 21; rule 2, whose object begins on line 16,
// is shadowed by rule 0.
const riskyConfig = `{
  "CORSRules": [
    {
      "ID": "reads",
      "AllowedMethods": ["GET", "HEAD"],
      "AllowedOrigins": ["*"]
    },
    {
      "ID": "uploads",
      "AllowedMethods": ["PUT"],
      "AllowedOrigins": ["https://*example.com", "null"],
      "AllowedHeaders": ["content-type"],
      "ExposeHeaders": ["ETag"],
      "MaxAgeSeconds": 3000
    },
    {"ID": "ok", "AllowedMethods": ["GET"], "AllowedOrigins": ["https://app.example.com"]},
    {
      "ID": "deletes",
      "AllowedMethods": ["DELETE"],
      "AllowedOrigins": ["https://app.example.com/"],
      "MaxAgeSeconds": 100000
    }
  ]
}
`

func TestLintText(t *testing.T) {
	cfg := writeFile(t, "cors.json", riskyConfig)
	out, code := execute(t, "lint", cfg)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, line := range []string{
		cfg + `:11:26: error CORS105 partial-label-origin: rule 2 (ID "uploads"), AllowedOrigin "https://*example.com"`,
		"such as https://evilexample.com",
		cfg + `:11:50: error CORS101 null-origin: rule 2 (ID "uploads"), AllowedOrigin "null"`,
		cfg + `:20:26: warning CORS102 origin-never-matches: rule 4 (ID "deletes"), AllowedOrigin "https://app.example.com/"`,
		`  fix: Write "https://app.example.com".`,
		cfg + `:21:24: warning CORS402 max-age-capped: rule 4 (ID "deletes"), MaxAgeSeconds "100000"`,
		cfg + `:16:5: warning CORS201 shadowed-rule: rule 3 (ID "ok")` + "\n  Rule 3 is never used: rule 1 comes first",
		cfg + ": 2 errors, 3 warnings, 0 info\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("missing %q in\n%s", line, out)
		}
	}
}

// Findings come in the file's order, although the checks find them rule by rule and check by
// check: the shipped example has a rule whose missing ETag (at the rule) is found after its
// write method (further down).
func TestLintFileOrder(t *testing.T) {
	cfg := filepath.Join("..", "..", "examples", "cors-risky.json")
	out, _ := execute(t, "lint", cfg)
	var places [][2]int
	for _, l := range strings.Split(out, "\n") {
		var line, col int
		if rest, ok := strings.CutPrefix(l, cfg+":"); ok {
			if _, err := fmt.Sscanf(rest, "%d:%d:", &line, &col); err == nil {
				places = append(places, [2]int{line, col})
			}
		}
	}
	if len(places) != 12 || !slices.IsSortedFunc(places, func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) }) {
		t.Errorf("findings at %v, want 12 in the file's order", places)
	}
}

func TestLintJSON(t *testing.T) {
	cfg := writeFile(t, "cors.xml", `<CORSConfiguration>
<CORSRule><AllowedOrigin>https://*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>
<CORSRule>
  <AllowedOrigin>*</AllowedOrigin><AllowedMethod>DELETE</AllowedMethod><MaxAgeSeconds>600</MaxAgeSeconds>
</CORSRule>
</CORSConfiguration>`)
	out, code := execute(t, "lint", "--format", "json", cfg)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var got struct {
		Source   string `json:"source"`
		Findings []struct {
			Code, Name, Severity, Field, Value, Message, Fix string
			Rule, Line                                       int
		} `json:"findings"`
		Summary map[string]int `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Source != cfg || len(got.Findings) != 2 || got.Summary["error"] != 1 || got.Summary["warning"] != 1 {
		t.Fatalf("got %+v", got)
	}
	f0, f1 := got.Findings[0], got.Findings[1]
	if f0.Code != "CORS104" || f0.Severity != "error" || f0.Rule != 0 || f0.Line != 2 || f0.Field != "AllowedOrigin" || f0.Value != "https://*.com" {
		t.Errorf("first finding %+v", f0)
	}
	if f1.Code != "CORS109" || f1.Severity != "warning" || f1.Rule != 1 || f1.Line != 4 || f1.Value != "DELETE" || f1.Fix == "" {
		t.Errorf("second finding %+v", f1)
	}
}

func TestLintSARIF(t *testing.T) {
	cfg := writeFile(t, "cors.json", riskyConfig)
	out, code := execute(t, "lint", "--format", "sarif", "--fail-on", "none", cfg)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID                   string `json:"id"`
						ShortDescription     struct{ Text string }
						DefaultConfiguration struct{ Level string }
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
					LogicalLocations []struct{ FullyQualifiedName string }
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("version %q, schema %q, %d runs", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	levels := map[string]string{}
	for _, r := range run.Tool.Driver.Rules {
		if r.ShortDescription.Text == "" {
			t.Errorf("rule %s has no description", r.ID)
		}
		levels[r.ID] = r.DefaultConfiguration.Level
	}
	if len(levels) < 20 || levels["CORS101"] != "error" || levels["CORS301"] != "note" {
		t.Fatalf("driver rules %v", levels)
	}
	lines := map[string]int{}
	for _, res := range run.Results {
		if _, ok := levels[res.RuleID]; !ok || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result refers to rule %s (index %d), which the driver does not list there", res.RuleID, res.RuleIndex)
		}
		if res.Level != levels[res.RuleID] || res.Message.Text == "" || len(res.Locations) != 1 {
			t.Errorf("result %+v", res)
			continue
		}
		loc := res.Locations[0]
		if filepath.FromSlash(loc.PhysicalLocation.ArtifactLocation.URI) != cfg && !strings.HasSuffix(loc.PhysicalLocation.ArtifactLocation.URI, "/cors.json") {
			t.Errorf("artifact %q", loc.PhysicalLocation.ArtifactLocation.URI)
		}
		if loc.PhysicalLocation.Region == nil || len(loc.LogicalLocations) != 1 {
			t.Errorf("result %s without region or logical location", res.RuleID)
			continue
		}
		lines[res.RuleID+" "+loc.LogicalLocations[0].FullyQualifiedName] = loc.PhysicalLocation.Region.StartLine
	}
	for key, line := range map[string]int{
		"CORS105 CORSRules[1].AllowedOrigin": 11,
		"CORS101 CORSRules[1].AllowedOrigin": 11,
		"CORS102 CORSRules[3].AllowedOrigin": 20,
		"CORS402 CORSRules[3].MaxAgeSeconds": 21,
		"CORS201 CORSRules[2]":               16,
	} {
		if lines[key] != line {
			t.Errorf("%s: line %d, want %d (all: %v)", key, lines[key], line, lines)
		}
	}
	if len(run.Results) != 5 {
		t.Errorf("%d results, want 5", len(run.Results))
	}
}

func TestLintFailOn(t *testing.T) {
	good := writeFile(t, "good.json", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"],"MaxAgeSeconds":3000}]}`)
	warning := writeFile(t, "warning.json", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["https://a.example.com/"]}]}`)
	info := writeFile(t, "info.json", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://a.example.com"]}]}`)
	errs := writeFile(t, "error.json", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["null"]}]}`)
	for _, tc := range []struct {
		file, failOn string
		code         int
	}{
		{good, "error", 0}, {good, "info", 0},
		{warning, "error", 0}, {warning, "warning", 1}, {warning, "none", 0},
		{info, "warning", 0}, {info, "info", 1},
		{errs, "error", 1}, {errs, "warning", 1}, {errs, "none", 0},
		{good, "fatal", 2},
	} {
		out, code := execute(t, "lint", "--fail-on", tc.failOn, tc.file)
		if code != tc.code {
			t.Errorf("%s --fail-on %s: exit %d, want %d\n%s", filepath.Base(tc.file), tc.failOn, code, tc.code, out)
		}
	}
	out, _ := execute(t, "lint", good)
	if !strings.HasSuffix(out, good+": no findings\n") {
		t.Errorf("good config: %s", out)
	}
}

func TestLintInputErrors(t *testing.T) {
	cfg := writeFile(t, "cors.json", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`)
	bad := writeFile(t, "bad.json", `{"CORSRules":[{"AllowedMethod":["GET"]}]}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lint"}, "name a configuration file"},
		{[]string{"lint", filepath.Join(t.TempDir(), "missing.json")}, "no such file"},
		{[]string{"lint", bad}, "unknown field"},
		{[]string{"lint", cfg, "--format", "yaml"}, "--format"},
		{[]string{"lint", cfg, "--endpoint", "http://127.0.0.1:1", "--bucket", "b"}, "not both"},
		{[]string{"lint", "--endpoint", "http://127.0.0.1:1"}, "--endpoint needs --bucket"},
		{[]string{"lint", "--endpoint", "127.0.0.1:1", "--bucket", "b"}, "want an http:// or https:// URL"},
		{[]string{"lint", cfg, cfg}, "accepts at most 1 arg"},
	} {
		out, code := execute(t, tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q in\n%s", tc.args, code, tc.want, out)
		}
	}
}

// s3Stub answers GetBucketCors for one bucket the way Amazon S3 does.
func s3Stub(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, isCORS := r.URL.Query()["cors"]
		if r.Method != http.MethodGet || r.URL.Path != "/photos" || !isCORS ||
			!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDLINTTEST/") {
			t.Errorf("unexpected request %s %s, Authorization %q", r.Method, r.URL, r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	// Credentials from the environment only: no shared files, no instance metadata.
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDLINTTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "lint-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	return srv
}

func TestLintEndpoint(t *testing.T) {
	srv := s3Stub(t, http.StatusOK, `<?xml version="1.0" encoding="UTF-8"?>
<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><ID>everyone</ID><AllowedHeader>*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>*</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://app.example.com</AllowedOrigin></CORSRule></CORSConfiguration>`)
	out, code := execute(t, "lint", "--endpoint", srv.URL, "--bucket", "photos", "--fail-on", "warning")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	src := srv.URL + "/photos?cors"
	for _, line := range []string{
		src + `: warning CORS109 write-from-any-origin: rule 1 (ID "everyone"), AllowedMethod "PUT"`,
		src + `: info CORS301 any-allowed-header: rule 1 (ID "everyone"), AllowedHeader "*"`,
		src + `: warning CORS201 shadowed-rule: rule 2`,
		src + ": 0 errors, 2 warnings, 1 info\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("missing %q in\n%s", line, out)
		}
	}
}

func TestLintEndpointNoConfiguration(t *testing.T) {
	srv := s3Stub(t, http.StatusNotFound, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchCORSConfiguration</Code><Message>The CORS configuration does not exist</Message><BucketName>photos</BucketName><RequestId>R1</RequestId><HostId>H1</HostId></Error>`)
	out, code := execute(t, "lint", "--endpoint", srv.URL, "--bucket", "photos")
	if code != 2 || !strings.Contains(out, `bucket "photos" has no CORS configuration`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// lintGatewayConfig has a finding of each class the linter reports for gateways: the policy's
// own (CORS105, CORS107, CORS301, CORS402), an apigw-http policy's (CORS501), a route's
// override (CORS504, CORS505) and an unused policy (CORS506).
const lintGatewayConfig = "testdata/lint-gateway.yaml"

// A gateway configuration is recognised by its keys, or named with --gateway, and linted
// policy by policy, each finding at the line of the field that causes it; a finding a route
// shares with its policy is reported once, as the policy's (complaint 11: inheritance made
// visible).
func TestLintGatewayText(t *testing.T) {
	for _, args := range [][]string{{"lint", lintGatewayConfig}, {"lint", "--gateway", lintGatewayConfig}} {
		out, code := execute(t, args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1 (an error finding)", args, code)
		}
		checkGatewayGolden(t, "lint-gateway.golden", out)
	}
}

func TestLintGatewaySARIF(t *testing.T) {
	out, code := execute(t, "lint", "--format", "sarif", "--fail-on", "none", lintGatewayConfig)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Locations []struct {
					PhysicalLocation struct {
						Region *struct{ StartLine int }
					}
					LogicalLocations []struct{ FullyQualifiedName string }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	run := log.Runs[0]
	got := map[string]int{}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d, %s", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		loc := r.Locations[0]
		if loc.PhysicalLocation.Region == nil {
			t.Errorf("result %s has no line", r.RuleID)
			continue
		}
		got[r.RuleID+" "+loc.LogicalLocations[0].FullyQualifiedName] = loc.PhysicalLocation.Region.StartLine
	}
	for key, line := range map[string]int{
		"CORS105 policies.web-app.origin_patterns[0]":               6,
		"CORS107 policies.web-app.origins[1]":                       5,
		"CORS402 policies.web-app.max_age":                          10,
		"CORS501 policies.http-api.methods":                         12,
		"CORS506 policies.spare":                                    15,
		"CORS107 policies.spare.origins[1]":                         16,
		"CORS504 hosts[0].routes[0].cors.override.preflight.mode":   24,
		"CORS505 hosts[0].routes[1].cors.override.upstream_headers": 29,
	} {
		if got[key] != line {
			t.Errorf("%s: line %d, want %d (all: %v)", key, got[key], line, got)
		}
	}
	if len(run.Results) != 9 {
		t.Errorf("%d results, want 9: %v", len(run.Results), got)
	}
}

func TestLintGatewayJSON(t *testing.T) {
	out, _ := execute(t, "lint", "--format", "json", lintGatewayConfig)
	var got struct {
		Findings []struct{ Code, Policy, Route, Field, ID string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, f := range got.Findings {
		if f.Code == "CORS505" && (f.ID != "web-app" || f.Route != "api.example.com/app/" || f.Policy != "hosts[0].routes[1].cors.override" || f.Field != "upstream_headers") {
			t.Errorf("CORS505 finding %+v", f)
		}
	}
}

// What the gateway refuses is reported as CORS001 findings, every one at its line, so that
// CI annotates each; the exit status follows --fail-on as for S3 rules.
func TestLintGatewayRejected(t *testing.T) {
	cfg := writeFile(t, "gateway.yaml", `version: 1
policies:
  web-app:
    origins: ["*", https://App.example.com/]
    credentials: true
    max_ag: 600s
hosts:
  - match: api.example.com
    upstream: http://127.0.0.1:8081
    cors: { policy: web-ap }
`)
	out, code := execute(t, "lint", cfg)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, line := range []string{
		cfg + `:4:15: error CORS001 aws-rejects: policies.web-app.origins[0]`,
		cfg + `:4:20: error CORS001 aws-rejects: policies.web-app.origins[1]`,
		cfg + `:6:5: error CORS001 aws-rejects: policies.web-app.max_ag` + "\n" + `  The gateway refuses the configuration: unknown key (did you mean "max_age"?).`,
		cfg + `:10:21: error CORS001 aws-rejects: hosts[0].cors.policy`,
		cfg + ": 4 errors, 0 warnings, 0 info\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("missing %q in\n%s", line, out)
		}
	}
	if _, code := execute(t, "lint", "--fail-on", "none", cfg); code != 0 {
		t.Errorf("--fail-on none: exit %d", code)
	}
}

// Which files are gateway configurations.
func TestLintGatewayDetection(t *testing.T) {
	s3JSON := writeFile(t, "cors.json", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"],"MaxAgeSeconds":600}]}`)
	noVersion := writeFile(t, "noversion.yaml", "policies:\n  p:\n    origins: [https://a.example.com]\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"S3 JSON is linted as S3 rules", []string{"lint", s3JSON}, 0, s3JSON + ": no findings"},
		{"--gateway on S3 JSON: the gateway refuses its keys", []string{"lint", "--gateway", s3JSON}, 1, "error CORS001 aws-rejects: CORSRules\n  The gateway refuses the configuration: unknown key"},
		{"YAML without version is not taken for a gateway configuration", []string{"lint", noVersion}, 2, noVersion + ":1:1: invalid character"},
		{"--gateway and --endpoint", []string{"lint", "--gateway", "--endpoint", "http://127.0.0.1:1", "--bucket", "b"}, 2, "--gateway lints a file"},
		{"the shipped example", []string{"lint", filepath.Join("..", "..", "examples", "gateway.yaml")}, 0, "0 errors"},
	} {
		out, code := execute(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d (want %d), want %q in\n%s", tc.name, code, tc.code, tc.want, out)
		}
	}
}

// FuzzLintGateway lints arbitrary configurations. A configuration the gateway loads is
// judged through the effective policies the gateway reports: they must compile (no CORS001
// finding), or the view lost or changed a value.
func FuzzLintGateway(f *testing.F) {
	for _, p := range []string{lintGatewayConfig, filepath.Join("..", "..", "examples", "gateway.yaml")} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version: 1\npolicies:\n  p:\n    semantics: apigw-http\n    origins: ['https://*']\n    methods: ['*']\n    max_age: -1s\nhosts:\n  - match: '*'\n    upstream: http://127.0.0.1:1\n    cors: { policy: p }\n"))
	f.Add([]byte("version: 1\npolicies:\n  p:\n    origin_patterns: ['^https://(a|b, c)\\.test$', '^https://d\\.test$']\ndefaults: { cors: { policy: p, override: { methods: [PUT] } } }\n"))
	name := filepath.Join(f.TempDir(), "gateway.yaml") // imports resolve against an empty folder
	f.Fuzz(func(t *testing.T, data []byte) {
		_, loadErr := gateway.Load(name, data)
		for _, fd := range lintGateway(name, data) {
			if fd.Policy == "" || fd.Message == "" || fd.Fix == "" {
				t.Fatalf("finding without a place or words: %+v", fd)
			}
			if loadErr == nil && fd.Code == lint.CodeRejected {
				t.Fatalf("a configuration that loads, rebuilt, is refused: %+v", fd)
			}
		}
	})
}

// A finding that only an override causes is the route's, located at the override, or at
// the cors block when it is about a field nothing sets (complaint 11: what an override adds
// is shown where it is written).
func TestLintGatewayOverride(t *testing.T) {
	cfg := writeFile(t, "gateway.yaml", `version: 1
policies:
  p:
    origins: [https://app.example.com]
defaults:
  cors: { policy: p, override: { methods: [PUT] } }
`)
	out, code := execute(t, "lint", "--fail-on", "info", cfg)
	want := cfg + `:6:9: info CORS401 max-age-absent: policy "p" on route defaults, max_age` + "\n"
	if code != 1 || !strings.Contains(out, want) || !strings.HasSuffix(out, "0 errors, 0 warnings, 1 info\n") {
		t.Errorf("exit %d, want 1 and %q in\n%s", code, want, out)
	}
}

// A gateway configuration read from standard input is recognised and linted alike.
func TestLintGatewayStdin(t *testing.T) {
	in, err := os.Open(lintGatewayConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	stdin := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = stdin }()
	out, code := execute(t, "lint", "-")
	want := `stdin:29:31: warning CORS505 upstream-owns-cors: policy "web-app" on route api.example.com/app/, upstream_headers "passthrough"`
	if code != 1 || !strings.Contains(out, want) || !strings.HasSuffix(out, "stdin: 1 error, 6 warnings, 2 info\n") {
		t.Errorf("exit %d, want 1 and %q in\n%s", code, want, out)
	}
}

// writeFiles writes files (name → content, names with folders) into a new folder and
// returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Each finding is placed where the gateway reads the value: the entry of a list an override
// writes over several lines, a fault inside an imported AWS configuration (in that file),
// and a tenant's origins in the tenant's own file, as the gateway loads it (complaint 11:
// where the effective policy comes from; a tenant's file is what decides its origins).
func TestLintGatewayPlaces(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // lines of the output; DIR stands for the folder
	}{
		{"an override's list entry, written over several lines", map[string]string{"gateway.yaml": `version: 1
policies:
  p:
    origins: [https://app.example.com]
    max_age: 600s
hosts:
  - match: api.example.com
    upstream: http://127.0.0.1:8081
    routes:
      - path: /x/
        cors:
          policy: p
          override:
            origins:
              - https://app.example.com
              - http://app.example.com
`}, []string{
			`DIR/gateway.yaml:16:17: warning CORS107 http-beside-https: policy "p" on route api.example.com/x/, origins[1] "http://app.example.com"`,
			"DIR/gateway.yaml: 0 errors, 1 warning, 0 info",
		}},
		{"a fault inside an imported SAM template", map[string]string{"gateway.yaml": `version: 1
policies:
  prod: { import: { format: sam, file: sam.yaml, resource: MyApi } }
defaults: { cors: { policy: prod } }
`, "sam.yaml": `Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors:
        AllowOrigin: https://a.test
`}, []string{
			"DIR/sam.yaml:7:22: error CORS001 aws-rejects: Resources.MyApi.Properties.Cors.AllowOrigin\n  The gateway refuses the configuration: BadRequestException: Invalid mapping expression specified",
			"DIR/gateway.yaml: 1 error, 0 warnings, 0 info",
		}},
		{"each tenant's file under origins_from", map[string]string{"gateway.yaml": `version: 1
policies:
  web-app:
    origins: [https://app.example.com]
    methods: [GET]
hosts:
  - match: "{tenant}.example.net"
    upstream: http://127.0.0.1:8082
    cors: { policy: web-app, origins_from: { file: "tenants/{tenant}.yaml" } }
`,
			"tenants/a.yaml":            "origins: [https://shop.a.test, http://shop.a.test]\n",
			"tenants/b.yaml":            "origins:\n  - https://b.test\n  - https://B.test/\n",
			"tenants/Not_A_Tenant.yaml": "origins: [http://ignored.test]\n",
			"tenants/README.md":         "not a tenant file\n",
		}, []string{
			`DIR/tenants/a.yaml: warning CORS107 http-beside-https: policy "web-app" on route {tenant}.example.net (tenant a), origins[1] "http://shop.a.test"`,
			`DIR/tenants/b.yaml:3:5: error CORS001 aws-rejects: policy "web-app" on route {tenant}.example.net (tenant b), origins[1] "https://B.test/"` + "\n  The gateway refuses tenant b's file: ",
			"DIR/gateway.yaml: 1 error, 1 warning, 0 info",
		}},
	} {
		dir := writeFiles(t, tc.files)
		out, _ := execute(t, "lint", "--fail-on", "none", filepath.Join(dir, "gateway.yaml"))
		for _, line := range tc.want {
			if line = strings.ReplaceAll(line, "DIR", dir); !strings.Contains(out, line) {
				t.Errorf("%s: missing %q in\n%s", tc.name, line, out)
			}
		}
	}
}

// doorman lint runs the edge checks on every route with a cache block, each finding at the
// cache block (issue 10: the stale-CORS trap made visible). Golden over the shipped
// examples/edge.yaml: the trap is reported, its cures are not, and the response headers
// policy's cure says it relies on what CloudFront leaves undocumented.
func TestLintGatewayEdge(t *testing.T) {
	path := filepath.Join("..", "..", "examples", "edge.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Code, Route, Policy string
		Line, Column        int
	}
	want := []row{
		// CachingOptimized with CORS-S3Origin: Origin forwarded, not keyed (docs/cloudfront.md#the-stale-cors-trap).
		{lint.CodeStaleCORSCache, "trap.localhost", "hosts[0].cache", 30, 12},
		// OriginOverride corrects hits in doorman; undocumented on CloudFront.
		{lint.CodeOverrideOnHitsCloudFront, "override.localhost", "hosts[2].cache", 45, 7},
	}
	var got []row
	for _, f := range lintGateway(path, data) {
		got = append(got, row{f.Code, f.Route, f.Policy, f.Line, f.Column})
	}
	if len(got) != len(want) {
		t.Fatalf("findings:\n%+v\nwant:\n%+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// GetBucketCors is signed with keys from the environment or the shared files, and nothing
// else: without them, lint says so at once and contacts nothing, neither the endpoint nor
// instance metadata (whose attempts would take seconds and end in the SDK's words).
func TestLintEndpointCredentials(t *testing.T) {
	const corsXML = `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://a.test</AllowedOrigin></CORSRule></CORSConfiguration>`
	// noCredentialsWait bounds the refusal without credentials: the SDK's metadata client
	// alone retries for longer.
	const noCredentialsWait = time.Second
	for _, c := range []struct {
		name        string
		env         map[string]string
		credentials string // the shared credentials file
		code        int
		want        string
	}{
		{"environment", nil, "", 0, "no findings"},
		{"default profile", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
			"[default]\naws_access_key_id = AKIDLINTTEST\naws_secret_access_key = s\n", 0, "no findings"},
		{"named profile", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "lint"},
			"[default]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s\n[lint]\naws_access_key_id = AKIDLINTTEST\naws_secret_access_key = s\n", 0, "no findings"},
		{"none", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_EC2_METADATA_DISABLED": ""},
			"", 2, "no credentials to sign GetBucketCors with: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or write aws_access_key_id and aws_secret_access_key under [default] in ~/.aws/credentials"},
		{"a profile without keys", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "sso", "AWS_EC2_METADATA_DISABLED": ""},
			"[sso]\nregion = eu-west-1\n", 2, "under [sso] in ~/.aws/credentials"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var requests atomic.Int32
			stub := s3Stub(t, http.StatusOK, corsXML)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				stub.Config.Handler.ServeHTTP(w, r)
			}))
			defer srv.Close()
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			t.Setenv("HOME", t.TempDir())
			if c.credentials != "" {
				if err := os.WriteFile(os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), []byte(c.credentials), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			out, code := execute(t, "lint", "--endpoint", srv.URL, "--bucket", "photos")
			if code != c.code || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d (want %d), want %q in\n%s", code, c.code, c.want, out)
			}
			if c.code == 2 {
				if n := requests.Load(); n != 0 {
					t.Errorf("%d requests reached the endpoint", n)
				}
				if d := time.Since(start); d > noCredentialsWait {
					t.Errorf("took %v: something was contacted", d)
				}
			}
		})
	}
}
