package policy

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Conditions (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html,
// operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
// Every condition of a statement must hold (operators and keys are AND'ed); the values of one
// condition are OR'ed: a positive operator holds when the request's value matches any of
// them, a negated one ("StringNotEquals", "NotIpAddress", ...) when it matches none.

// negated maps each negated operator to the positive one it negates.
var negated = map[string]string{
	"StringNotEquals":           "StringEquals",
	"StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
	"StringNotLike":             "StringLike",
	"NumericNotEquals":          "NumericEquals",
	"DateNotEquals":             "DateEquals",
	"NotIpAddress":              "IpAddress",
	"ArnNotEquals":              "ArnEquals",
	"ArnNotLike":                "ArnLike",
}

// A failure says why a condition does not hold, as data: the text is built only when an
// explanation is asked for (Explain), never on the evaluation of every request.
type failure struct {
	kind   failureKind
	v      string   // the request value concerned
	values []string // the request's values (failNoMatch, failMatches)
	err    string   // failUnreadable: why v cannot be read
}

type failureKind uint8

const (
	failPresent failureKind = iota + 1
	failAbsent
	failUnreadable
	failMatchesOne
	failUnsatisfied
	failMatches
	failNoMatch
)

// text is the failure's explanation for the condition c.
func (f failure) text(c *Condition) string {
	name := "Condition " + c.Operator + " " + c.Key
	policyValues := strings.Join(c.Values, ", ")
	switch f.kind {
	case failPresent:
		return name + ": the key is present"
	case failAbsent:
		return name + ": the key is absent"
	case failUnreadable:
		return name + ": " + f.err
	case failMatchesOne:
		return fmt.Sprintf("%s: %q matches %s", name, f.v, policyValues)
	case failUnsatisfied:
		return fmt.Sprintf("%s: %q does not satisfy it", name, f.v)
	case failMatches:
		return fmt.Sprintf("%s: %q matches %s", name, strings.Join(f.values, ", "), policyValues)
	}
	return fmt.Sprintf("%s: %q does not match %s", name, strings.Join(f.values, ", "), policyValues)
}

// holds reports whether the condition holds for the request, and when not, why.
func (c *Condition) holds(r *Request, variables bool) (bool, failure) {
	op := c.Operator
	base := baseOperator(op)
	values, present := r.lookup(c.Key)
	// A key with no value is absent, for Null as for every other operator.
	present = present && len(values) > 0
	if base == "Null" {
		// "true": the key is absent; "false": it is present (#Conditions_Null).
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") != present {
				return true, failure{}
			}
		}
		if present {
			return false, failure{kind: failPresent}
		}
		return false, failure{kind: failAbsent}
	}
	forAll := strings.HasPrefix(op, prefixForAllValues)
	forAny := strings.HasPrefix(op, prefixForAnyValue)
	positive, isNegated := negated[base]
	if !isNegated {
		positive = base
	}
	if !present {
		switch {
		case base != op && strings.HasSuffix(op, suffixIfExists):
			// "If the policy key is not present in the request context, the condition
			// evaluates to true" (#Conditions_IfExists).
			return true, failure{}
		case forAll:
			// ForAllValues "returns true if there are no context keys in the request or if
			// the context key value resolves to a null dataset"
			// (reference_policies_condition-single-vs-multi-valued-context-keys.html).
			return true, failure{}
		case isNegated && !forAny:
			// "If the policy condition requires that the key is not matched, such as
			// StringNotLike or ArnNotLike, and the right key is not present, the condition
			// can return true" (reference_policies_elements_condition.html).
			return true, failure{}
		}
		return false, failure{kind: failAbsent}
	}
	// Each request value v satisfies the operator when it matches some policy value
	// (positive) or none (negated). ForAllValues needs every v to satisfy it; ForAnyValue one.
	// A key of several values without a set operator — which the page says multivalued keys
	// require (reference_policies_condition-single-vs-multi-valued-context-keys.html, "Key
	// points"), without saying what happens otherwise — is read as the condition says: a
	// positive operator holds when some value matches, a negated one, the negation of it,
	// when no value matches [UNVERIFIED: AWS's behaviour for this case is not documented].
	every := forAll || !forAny && isNegated
	for _, v := range values {
		ok, err := matchAny(positive, c.Values, v, r, variables)
		if err != "" {
			return false, failure{kind: failUnreadable, v: v, err: err}
		}
		satisfied := ok != isNegated
		if every && !satisfied && !forAll {
			return false, failure{kind: failMatchesOne, v: v}
		}
		if every && !satisfied {
			return false, failure{kind: failUnsatisfied, v: v}
		}
		if !every && satisfied {
			return true, failure{}
		}
	}
	if every {
		return true, failure{}
	}
	if isNegated {
		return false, failure{kind: failMatches, values: values}
	}
	return false, failure{kind: failNoMatch, values: values}
}

// matchAny reports whether the request value v matches any of the policy values under a
// positive operator; err is set when v cannot be read as the operator's type (then no value
// matches, negated or not).
func matchAny(op string, policyValues []string, v string, r *Request, variables bool) (bool, string) {
	switch op {
	case "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
		x, ok := number(v)
		if !ok {
			return false, fmt.Sprintf("%q is not a number", v)
		}
		return anyValue(policyValues, func(p string) bool {
			y, ok := number(p)
			return ok && compare(op, cmp.Compare(x, y))
		}), ""
	case "DateEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals":
		x, ok := parseDate(v)
		if !ok {
			return false, fmt.Sprintf("%q is not a date", v)
		}
		return anyValue(policyValues, func(p string) bool {
			y, ok := parseDate(p)
			// time.Time values, not UnixNano: that overflows outside 1678-2262, and a
			// float64 of it loses the nanoseconds.
			return ok && compare("Numeric"+strings.TrimPrefix(op, "Date"), x.Compare(y))
		}), ""
	case "IpAddress":
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false, fmt.Sprintf("%q is not an IP address", v)
		}
		// An IPv4-mapped address is its IPv4 address; a zone ("fe80::1%eth0") names the
		// interface, not another address.
		a = a.Unmap().WithZone("")
		return anyValue(policyValues, func(p string) bool {
			b, ok := ipBlock(p)
			return ok && b.Contains(a)
		}), ""
	case "Bool":
		return anyValue(policyValues, func(p string) bool { return strings.EqualFold(p, v) }), ""
	case "BinaryEquals":
		x, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return false, fmt.Sprintf("%q is not base64", v)
		}
		return anyValue(policyValues, func(p string) bool {
			y, err := base64.StdEncoding.DecodeString(p)
			return err == nil && bytes.Equal(x, y)
		}), ""
	}
	// String and ARN operators take policy variables.
	return anyValue(policyValues, func(p string) bool {
		pat, ok := expand(p, variables, r)
		if !ok {
			return false
		}
		switch op {
		case "StringEquals":
			return pat.text == v // '*' and '?' are plain characters here
		case "StringEqualsIgnoreCase":
			return strings.EqualFold(pat.text, v)
		case "StringLike":
			return pat.match(v, false)
		case "ArnEquals", "ArnLike":
			return arnMatch(pat, v)
		}
		return false
	}), ""
}

func anyValue(values []string, f func(string) bool) bool {
	for _, p := range values {
		if f(p) {
			return true
		}
	}
	return false
}

// compare maps a three-way comparison c of a request value with a policy value (-1, 0, +1)
// onto a Numeric operator.
func compare(op string, c int) bool {
	switch op {
	case "NumericEquals":
		return c == 0
	case "NumericLessThan":
		return c < 0
	case "NumericLessThanEquals":
		return c <= 0
	case "NumericGreaterThan":
		return c > 0
	case "NumericGreaterThanEquals":
		return c >= 0
	}
	return false
}

// numberSyntax is the numbers the Numeric operators read: an optional minus sign, digits, and
// an optional fraction (#Conditions_Numeric shows integers and decimals); strconv.ParseFloat
// would also read "1e1", "0x10", "Inf", "NaN" and "+5", which no page shows.
var numberSyntax = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

func isNumber(v string) bool {
	_, ok := number(v)
	return ok
}

// number reads a Numeric operator's value; one too large for a float64 is none.
func number(v string) (float64, bool) {
	if !numberSyntax.MatchString(v) {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	return x, err == nil
}

// parseDate reads the forms the Date operators take: ISO 8601 (a date, or a date and time in
// UTC or with an offset; without a zone it is read as UTC) or seconds since the epoch
// (#Conditions_Date).
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

// ipBlock reads a policy's IP value: a CIDR block or a single address, IPv4 or IPv6
// (#Conditions_IPAddress); a single address is the block of that address alone, an
// IPv4-mapped one its IPv4 address. A zoned address ("fe80::1%eth0") is no policy value: a
// zone names an interface of one host, not addresses.
func ipBlock(v string) (netip.Prefix, bool) {
	if pre, err := netip.ParsePrefix(v); err == nil {
		return pre, true
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// arnMatch compares an ARN with a pattern: "Each of the six colon-delimited components of the
// ARN is checked separately and each can include multi-character match wildcards (*) or
// single-character match wildcards (?)" (#Conditions_ARN), case-sensitively, for ArnEquals
// and ArnLike alike.
func arnMatch(p pattern, v string) bool {
	const parts = 6
	vs := strings.SplitN(v, ":", parts)
	if len(vs) != parts {
		return false
	}
	start := 0
	for i := 0; i < parts; i++ {
		end := len(p.text)
		if i < parts-1 {
			j := strings.IndexByte(p.text[start:], ':')
			if j < 0 {
				return false
			}
			end = start + j
		}
		part := p.slice(start, end)
		if !part.match(vs[i], false) {
			return false
		}
		start = end + 1
	}
	return true
}
