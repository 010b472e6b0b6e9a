package lint

import (
	"fmt"
	"maps"
	"strings"

	"github.com/doorman-s3/doorman/cors"
)

// redundant reports values listed twice in a rule, rules repeating an earlier one, and rules
// an earlier rule shadows.
func (l *linter) redundant() {
	rules := l.c.Rules
	for i := range rules {
		l.duplicateValues(i)
	}
	// Each rule compiled alone, so that the engine itself says what a rule admits; nil for a
	// rule Amazon S3 would refuse, which is left out of the comparison.
	alone := make([]*cors.Policy, len(rules))
	for i, r := range rules {
		alone[i], _ = cors.Compile(&cors.Config{Rules: []cors.Rule{r}})
	}
	for j := 1; j < len(rules); j++ {
		if i := l.firstEqual(j); i >= 0 {
			l.add(CodeDuplicateRule, j, "CORSRule", "",
				fmt.Sprintf("Rule %d repeats rule %d: the same origins, methods, headers and max age. S3 uses the first, so this one is never used.", j+1, i+1),
				fmt.Sprintf("Delete rule %d.", j+1))
			continue
		}
		if alone[j] == nil {
			continue
		}
		for i := range j {
			if alone[i] != nil && covers(alone[i], &rules[j]) {
				l.add(CodeShadowedRule, j, "CORSRule", "",
					fmt.Sprintf("Rule %d is never used: rule %d comes first and matches every request rule %d matches (its origins, methods and headers), and S3 uses the first rule that matches.", j+1, i+1, j+1),
					fmt.Sprintf("Delete rule %d, or move it above rule %d if its ExposeHeaders or MaxAgeSeconds should apply to those requests.", j+1, i+1))
				break
			}
		}
	}
}

func (l *linter) duplicateValues(i int) {
	r := &l.c.Rules[i]
	check := func(field string, values []string, fold bool) {
		seen := make(map[string]bool, len(values))
		for _, v := range values {
			k := v
			if fold {
				k = strings.ToLower(v)
			}
			if seen[k] {
				l.add(CodeDuplicateValue, i, field, v,
					fmt.Sprintf("%s %q is listed more than once in this rule.", field, v),
					"Remove the repeated entry.")
			}
			seen[k] = true
		}
	}
	check("AllowedOrigin", r.AllowedOrigins, false)
	check("AllowedMethod", r.AllowedMethods, false)
	check("AllowedHeader", r.AllowedHeaders, true)
	check("ExposeHeader", r.ExposeHeaders, true)
}

// firstEqual returns the first rule before rule j with the same content (IDs aside, lists
// compared as sets), or -1.
func (l *linter) firstEqual(j int) int {
	b := &l.c.Rules[j]
	for i := range j {
		a := &l.c.Rules[i]
		if sameSet(a.AllowedOrigins, b.AllowedOrigins, false) &&
			sameSet(a.AllowedMethods, b.AllowedMethods, false) &&
			sameSet(a.AllowedHeaders, b.AllowedHeaders, true) &&
			sameSet(a.ExposeHeaders, b.ExposeHeaders, true) &&
			(a.MaxAgeSeconds == nil) == (b.MaxAgeSeconds == nil) &&
			(a.MaxAgeSeconds == nil || *a.MaxAgeSeconds == *b.MaxAgeSeconds) {
			return i
		}
	}
	return -1
}

func sameSet(a, b []string, fold bool) bool {
	toSet := func(vs []string) map[string]bool {
		s := make(map[string]bool, len(vs))
		for _, v := range vs {
			if fold {
				v = strings.ToLower(v)
			}
			s[v] = true
		}
		return s
	}
	return maps.Equal(toSet(a), toSet(b))
}

// covers reports whether the one-rule policy p matches every request rule r matches. A rule
// matches when its origins, its methods and its headers all do, each independently of the
// others, so each list of r is tried on its own against p.
//
// A pattern of r is tried as its text with the '*' replaced by a NUL byte. No pattern of p
// can hold a NUL (an XML document cannot carry one), so p matches that text only if one of
// its own patterns covers everything r's pattern matches: a lone '*', or a pattern whose
// text before and after its '*' begins and ends r's.
func covers(p *cors.Policy, r *cors.Rule) bool {
	var origins []string
	for _, o := range r.AllowedOrigins {
		if o != "" { // an empty AllowedOrigin matches no request
			origins = append(origins, strings.Replace(o, "*", "\x00", 1))
		}
	}
	if len(origins) == 0 {
		return false
	}
	method := r.AllowedMethods[0]
	admits := func(origin, method, header string) bool {
		req := cors.Request{Method: method, Origin: origin}
		if header != "" {
			req.RequestHeaders = []string{header}
		}
		d := p.Actual(&req)
		return d.Outcome == cors.Allowed
	}
	for _, o := range origins {
		if !admits(o, method, "") {
			return false
		}
	}
	for _, m := range r.AllowedMethods {
		if !admits(origins[0], m, "") {
			return false
		}
	}
	for _, h := range r.AllowedHeaders {
		if !admits(origins[0], method, strings.Replace(h, "*", "\x00", 1)) {
			return false
		}
	}
	return true
}
