package lint

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Report is the outcome of linting one configuration, ready to print.
type Report struct {
	// Source names where the configuration came from: a file name as given, or a URL.
	Source   string    `json:"source"`
	Findings []Finding `json:"findings"`
}

// Count returns how many findings have severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Worst returns the highest severity among the findings, 0 when there are none.
func (r *Report) Worst() Severity {
	var w Severity
	for _, f := range r.Findings {
		w = max(w, f.Severity)
	}
	return w
}

// Summary is a line such as "2 errors, 1 warning, 0 info" or "no findings".
func (r *Report) Summary() string {
	if len(r.Findings) == 0 {
		return "no findings"
	}
	plural := func(n int, word string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, word)
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	return fmt.Sprintf("%s, %s, %d info", plural(r.Count(Error), "error"), plural(r.Count(Warning), "warning"), r.Count(Info))
}

// WriteText prints the findings for people, compiler style:
//
//	cors.json:12: error CORS101 null-origin: rule 2 (ID "uploads"), AllowedOrigin "null"
//	  AllowedOrigin "null" admits every opaque origin: ...
//	  fix: Remove "null" and ...
//	gateway.yaml:9:40: warning CORS107 http-beside-https: policy "web-app" on route api.example.com/legacy/, origins[1] "http://app.example.com"
//
// Rules are numbered from 1 here, as in S3's own messages; a gateway policy is named, with
// the route whose effective policy it is.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(cmp.Or(f.File, r.Source))
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d", f.Line)
			if f.Column > 0 {
				fmt.Fprintf(&b, ":%d", f.Column)
			}
		}
		fmt.Fprintf(&b, ": %s %s %s: ", f.Severity, f.Code, f.Name)
		switch {
		case f.Policy != "" && f.ID == "":
			b.WriteString(f.Policy) // a gateway configuration's key, outside any policy
		case f.Policy != "":
			fmt.Fprintf(&b, "policy %q", f.ID)
			if f.Route != "" {
				fmt.Fprintf(&b, " on route %s", f.Route)
			}
		case f.Rule < 0:
			b.WriteString("the document")
		default:
			fmt.Fprintf(&b, "rule %d", f.Rule+1)
			if f.ID != "" {
				fmt.Fprintf(&b, " (ID %q)", f.ID)
			}
		}
		if f.Field != "" && f.Field != "CORSRule" {
			fmt.Fprintf(&b, ", %s", f.Field)
			if f.Value != "" || f.Field == "AllowedOrigin" {
				fmt.Fprintf(&b, " %q", f.Value)
			}
		}
		fmt.Fprintf(&b, "\n  %s\n  fix: %s\n", f.Message, f.Fix)
	}
	fmt.Fprintf(&b, "%s: %s\n", r.Source, r.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one JSON object: {"source", "findings", "summary"}, where
// summary counts the findings by severity. Rules are numbered from 0.
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		*Report
		Summary map[string]int `json:"summary"`
	}{r, map[string]int{"error": r.Count(Error), "warning": r.Count(Warning), "info": r.Count(Info)}}
	if out.Findings == nil {
		cp := *r
		cp.Findings = []Finding{}
		out.Report = &cp
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
