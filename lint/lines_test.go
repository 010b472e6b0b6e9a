package lint

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/textpos"
)

func TestRuleLinesJSON(t *testing.T) {
	doc := `{
  "Comment": {"CORSRules": [{"x": 1}]},
  "CORSRules": [
    {
      "ID": "first",
      "AllowedMethods": ["GET"],
      "AllowedOrigins": ["*"]
    },
    {"ID": "second", "AllowedMethods": ["PUT"], "AllowedOrigins": ["https://a.example.com"],
     "Nested": [{"ignored": true}]},

    {
      "ID": "third"
    }
  ]
}`
	if got, want := ruleLines([]byte(doc)), []int{4, 9, 12}; !slices.Equal(got, want) {
		t.Fatalf("lines %v, want %v", got, want)
	}
}

func TestRuleLinesXML(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<!-- <CORSRule> in a comment is not a rule -->
<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
  </CORSRule>
  <CORSRule><AllowedOrigin>https://a.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod></CORSRule>


  <CORSRule>
  </CORSRule>
</CORSConfiguration>
`
	if got, want := ruleLines([]byte(doc)), []int{4, 8, 11}; !slices.Equal(got, want) {
		t.Fatalf("lines %v, want %v", got, want)
	}
}

func TestRuleLinesBroken(t *testing.T) {
	if got := ruleLines([]byte("{\n\"CORSRules\": [\n{}, {")); !slices.Equal(got, []int{3, 3}) {
		t.Fatalf("truncated JSON: %v", got)
	}
	if got := ruleLines([]byte("not a document")); len(got) != 0 {
		t.Fatalf("garbage: %v", got)
	}
}

func TestReportText(t *testing.T) {
	r := Report{Source: "cors.json", Findings: Lint(decode(t,
		`{"CORSRules":[{"ID":"x","AllowedMethods":["GET"],"AllowedOrigins":["null",""]}]}`))}
	for k := range r.Findings {
		r.Findings[k].Line = 2
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `cors.json:2: error CORS101 null-origin: rule 1 (ID "x"), AllowedOrigin "null"
  AllowedOrigin "null" admits every opaque origin`
	if !strings.HasPrefix(b.String(), want) {
		t.Fatalf("got\n%s", b.String())
	}
	for _, line := range []string{
		`cors.json:2: warning CORS102 origin-never-matches: rule 1 (ID "x"), AllowedOrigin ""`,
		"  fix: Remove it.\n",
		"cors.json: 1 error, 1 warning, 0 info\n",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("missing %q in\n%s", line, b.String())
		}
	}
	if r.Worst() != Error {
		t.Errorf("worst %s", r.Worst())
	}
}

func TestReportJSONEmpty(t *testing.T) {
	r := Report{Source: "good.json"}
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Source   string
		Findings []Finding
		Summary  map[string]int
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Source != "good.json" || got.Findings == nil || len(got.Findings) != 0 || got.Summary["error"] != 0 ||
		!strings.Contains(b.String(), `"findings": []`) {
		t.Fatalf("got %s", b.String())
	}
	if r.Summary() != "no findings" || r.Worst() != 0 {
		t.Fatalf("summary %q, worst %v", r.Summary(), r.Worst())
	}
}

func TestArtifactURI(t *testing.T) {
	for in, want := range map[string]string{
		"cors.json":                    "cors.json",
		"config dir/cors.json":         "config%20dir/cors.json",
		"/srv/cors.json":               "file:///srv/cors.json",
		"http://127.0.0.1:9000/b?cors": "http://127.0.0.1:9000/b?cors",
	} {
		if got := artifactURI(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// Place puts a finding at the entry or value it names, else at its field, else at its rule,
// in either form.
func TestPlace(t *testing.T) {
	jsonDoc := `{"CORSRules": [
  {"ID": "first", "AllowedMethods": ["GET"], "AllowedOrigins": ["*"]},
  {
    "AllowedMethods": ["GET", "PUT",
                       "POST"],
    "AllowedOrigins": ["https://a.example.com", "null"],
    "ExposeHeaders": [],
    "MaxAgeSeconds": 90000
  }
]}`
	xmlDoc := `<CORSConfiguration>
  <CORSRule><ID>first</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>
  <CORSRule>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedOrigin>https://a.example.com</AllowedOrigin><AllowedOrigin>null</AllowedOrigin>
    <MaxAgeSeconds>90000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`
	findings := []Finding{
		{Rule: 1, Field: "AllowedOrigin", Value: "null"},
		{Rule: 1, Field: "AllowedMethod", Value: "PUT, POST"},
		{Rule: 1, Field: "MaxAgeSeconds", Value: "90000"},
		{Rule: 1, Field: "AllowedOrigin", Value: "https://b.example.com"},
		{Rule: 0, Field: "ExposeHeader"},
		{Rule: 0, Field: "CORSRule"},
		{Rule: -1, Field: "CORSRule"},
	}
	for _, c := range []struct {
		name string
		doc  string
		want [][2]int // line, column of each finding
	}{
		{"JSON", jsonDoc, [][2]int{{6, 49}, {4, 31}, {8, 22}, {6, 5}, {2, 3}, {2, 3}, {0, 0}}},
		{"XML", xmlDoc, [][2]int{{6, 57}, {5, 5}, {7, 5}, {6, 5}, {2, 3}, {2, 3}, {0, 0}}},
	} {
		fs := slices.Clone(findings)
		Place(fs, []byte(c.doc))
		for k, f := range fs {
			if got := [2]int{f.Line, f.Column}; got != c.want[k] {
				t.Errorf("%s: finding %d (%s %q): at %v, want %v", c.name, k, f.Field, f.Value, got, c.want[k])
			}
		}
	}
}

// ruleLines is the line on which each rule of doc begins, as Place finds the rules.
func ruleLines(doc []byte) []int {
	rules := scan(doc)
	lines := make([]int, len(rules))
	for k, r := range rules {
		lines[k], _ = textpos.LineCol(doc, r.off)
	}
	return lines
}
