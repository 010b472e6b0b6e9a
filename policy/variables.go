package policy

import "strings"

// Policy variables (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):
// "${key}" in a Resource or in a string or ARN condition value stands for the request's value
// of the condition key, "${key, 'default'}" for that value or default when the request has
// none. ${*}, ${?} and ${$} are a literal '*', '?' and '$'. Only Version 2012-10-17 has
// variables; under 2008-10-17 "${aws:username}" is plain text.
const versionWithVariables = "2012-10-17"

// maxVariables bounds the variables substituted in one string, so that substitution cannot
// grow arbitrarily long; AWS's own policies never come near it. Parse refuses a value with
// more (where the evaluation would match nothing, which inside NotResource or a negated
// operator would widen the statement), and a policy built in memory that has more matches
// nothing there.
const maxVariables = 64

// countVariables is the number of variables expand would substitute in s.
func countVariables(s string) int {
	n := 0
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			return n
		}
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			return n
		}
		n++
		s = s[start+end+1:]
	}
}

// expand substitutes the variables of s, returning the pattern and whether every variable had
// a value: "If there is no value for a policy variable ... the element does not match" — an
// unset variable makes the element not match (the page above, "Policy variables with no
// value"). Text that only looks like a variable ("${" without "}") stays literal.
func expand(s string, variables bool, r *Request) (pattern, bool) {
	if !variables || !strings.Contains(s, "${") {
		return literalPattern(s), true
	}
	p := pattern{wild: []bool{}}
	add := func(text string, wild bool) {
		p.text += text
		for i := 0; i < len(text); i++ {
			p.wild = append(p.wild, wild)
		}
	}
	for n := 0; ; n++ {
		start := strings.Index(s, "${")
		end := strings.IndexByte(s[max(start, 0):], '}')
		if start < 0 || end < 0 {
			add(s, true)
			return p, true
		}
		if n == maxVariables {
			return p, false
		}
		add(s[:start], true)
		body := s[start+2 : start+end]
		s = s[start+end+1:]
		switch body {
		case "*", "?", "$":
			add(body, false)
			continue
		}
		key, def, hasDefault := strings.Cut(body, ",")
		v, ok := single(r.lookup(strings.TrimSpace(key)))
		if !ok && hasDefault {
			def = strings.TrimSpace(def)
			if len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
				v, ok = def[1:len(def)-1], true
			}
		}
		if !ok {
			return p, false
		}
		// A value is text, never a wildcard: a user named "a*" matches only "a*".
		add(v, false)
	}
}

// single is the value of a single-valued key; a missing or multivalued key has none.
func single(values []string, ok bool) (string, bool) {
	if !ok || len(values) != 1 {
		return "", false
	}
	return values[0], true
}

// lookup is the request's value of a condition key (case-insensitive,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html):
// the Context's, else what the caller implies — aws:username for an IAM user, aws:userid
// (the account id for a root user), aws:PrincipalAccount and aws:PrincipalArn
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
// Anonymous callers imply nothing.
func (r *Request) lookup(key string) ([]string, bool) {
	key = strings.ToLower(key)
	if v, ok := r.Context[key]; ok {
		return v, true
	}
	c := &r.Caller
	if c.Anonymous || c.Account == "" {
		return nil, false
	}
	var v string
	switch key {
	case "aws:username":
		v = c.UserName
	case "aws:userid":
		if c.UserName == "" {
			v = c.Account
		}
	case "aws:principalaccount":
		v = c.Account
	case "aws:principalarn":
		v = c.ARN
	}
	if v == "" {
		return nil, false
	}
	return []string{v}, true
}
