package lint_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/lint"
)

// policyReport holds a gateway policy's findings, checks of Rules (CORS101) and of
// PolicyChecks (CORS501) among them, beside an S3 rule's.
func policyReport(t *testing.T) *lint.Report {
	t.Helper()
	fs := lint.Policy("web-app", &fetch.Config{Semantics: fetch.APIGatewayHTTP, Origins: []string{"null"}})
	s3, err := cors.Decode([]byte(`{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["https://*.com"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	fs = append(fs, lint.Lint(s3)...)
	// A route caching a CORS-answering upstream without Origin in its key (an EdgeChecks
	// finding: the table once left them out, so they pointed at rule 0).
	fs = append(fs, lint.Edge(lint.EdgeRoute{Route: "api.test/img/", Block: "hosts[0].routes[0].cache", Caches: true})...)
	codes := map[string]bool{}
	for _, f := range fs {
		codes[f.Code] = true
	}
	if !codes[lint.CodeNullOrigin] || !codes[lint.CodePreflightNeverMatches] || !codes[lint.CodePublicSuffixOrigin] || !codes["CORS602"] {
		t.Fatalf("the fixture lost its findings: %v", codes)
	}
	return &lint.Report{Source: "gateway.yaml", Findings: fs}
}

// Every result of a policy finding points at its own rule entry (the table once held Rules
// only, so CORS5xx results pointed at rule 0, CORS001), and is located by the policy's key
// path rather than "CORSRules".
func TestSARIFPolicyFindings(t *testing.T) {
	var b bytes.Buffer
	if err := policyReport(t).WriteSARIF(&b, "test"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID                   string
						DefaultConfiguration struct{ Level string }
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					LogicalLocations []struct{ FullyQualifiedName string }
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if got, want := len(run.Tool.Driver.Rules), len(lint.Rules)+len(lint.PolicyChecks)+len(lint.EdgeChecks); got != want {
		t.Errorf("%d rules in the driver, want %d", got, want)
	}
	locs := map[string]string{}
	for _, r := range run.Results {
		if r.RuleIndex < 0 || r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s has ruleIndex %d, which is not its rule", r.RuleID, r.RuleIndex)
			continue
		}
		if lvl := run.Tool.Driver.Rules[r.RuleIndex].DefaultConfiguration.Level; lvl != r.Level {
			t.Errorf("result %s: level %s, its rule's %s", r.RuleID, r.Level, lvl)
		}
		locs[r.RuleID] = r.Locations[0].LogicalLocations[0].FullyQualifiedName
	}
	for code, want := range map[string]string{
		lint.CodeNullOrigin:            "policies.web-app.origins[0]",
		lint.CodePreflightNeverMatches: "policies.web-app.methods",
		lint.CodePublicSuffixOrigin:    "CORSRules[0].AllowedOrigin",
	} {
		if locs[code] != want {
			t.Errorf("%s located at %q, want %q", code, locs[code], want)
		}
	}
}

// Text output names the policy, and the route whose effective policy it is.
func TestTextPolicyFindings(t *testing.T) {
	r := policyReport(t)
	r.Findings[0].Line, r.Findings[0].Route = 7, "api.example.com/legacy/"
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`gateway.yaml:7: error CORS001 aws-rejects: policy "web-app" on route api.example.com/legacy/, origins[0] "null"` + "\n",
		`gateway.yaml: error CORS101 null-origin: policy "web-app", origins[0] "null"` + "\n",
		`gateway.yaml: warning CORS501 preflight-never-matches: policy "web-app", methods` + "\n",
		`gateway.yaml: error CORS104 public-suffix-origin: rule 1, AllowedOrigin "https://*.com"` + "\n",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("missing %q in\n%s", line, b.String())
		}
	}
}

func TestLocation(t *testing.T) {
	for _, tc := range []struct {
		f    lint.Finding
		want string
	}{
		{lint.Finding{Rule: -1, Field: "CORSRule"}, "CORSRules"},
		{lint.Finding{Rule: 2, Field: "AllowedOrigin"}, "CORSRules[2].AllowedOrigin"},
		{lint.Finding{Rule: 0, Field: "CORSRule"}, "CORSRules[0]"},
		{lint.Finding{Rule: -1, ID: "web-app", Policy: "policies.web-app", Field: "origins[2]"}, "policies.web-app.origins[2]"},
		{lint.Finding{Rule: -1, ID: "web-app", Policy: "hosts[0].routes[1].cors.override", Field: "max_age"}, "hosts[0].routes[1].cors.override.max_age"},
		{lint.Finding{Rule: -1, ID: "web-app", Policy: "policies.web-app"}, "policies.web-app"},
	} {
		if got := tc.f.Location(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}
}

// A finding in a file the configuration names (an imported template, a tenant's origins) is
// located in that file, at its line and column, in text and in SARIF; the others in the
// report's source.
func TestFindingInAnotherFile(t *testing.T) {
	r := &lint.Report{Source: "gateway.yaml", Findings: []lint.Finding{
		{Code: lint.CodeHTTPOrigin, Name: "http-origin", Severity: lint.Warning, Rule: -1, ID: "p", Policy: "policies.p", Field: "origins[0]", Line: 4, Column: 15},
		{Code: lint.CodeHTTPOrigin, Name: "http-origin", Severity: lint.Warning, Rule: -1, ID: "p", Policy: "hosts[0].cors.origins_from", Field: "origins[1]", File: "tenants/a.yaml", Line: 3, Column: 5},
	}}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\ngateway.yaml:4:15: warning CORS108", "\ntenants/a.yaml:3:5: warning CORS108"} {
		if !strings.Contains("\n"+text.String(), want) {
			t.Errorf("missing %q in\n%s", want, text.String())
		}
	}
	var b bytes.Buffer
	if err := r.WriteSARIF(&b, "test"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, res := range log.Runs[0].Results {
		p := res.Locations[0].PhysicalLocation
		got = append(got, fmt.Sprintf("%s:%d:%d", p.ArtifactLocation.URI, p.Region.StartLine, p.Region.StartColumn))
	}
	if want := []string{"gateway.yaml:4:15", "tenants/a.yaml:3:5"}; !slices.Equal(got, want) {
		t.Errorf("SARIF locations %v, want %v", got, want)
	}
}
