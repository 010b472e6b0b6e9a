package policy_test

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/policy"
)

// The fuzz target builds policies and requests from a small universe of principals, actions,
// resources and conditions, and compares Evaluate with refEvaluate, a deliberately simple
// evaluator written from the pages the rows of TestEvaluate cite: regular expressions for
// wildcards, one explicit rule per condition of the universe, no shared code with the package.

var (
	refCallers    = []policy.Caller{alice, root, bob, alice2, anon}
	refActions    = []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject"}
	refKeys       = []string{"", "a.jpg", "home/alice/x", "home/mallory/x", "public/a", "*", "a\njpg"}
	refActPats    = []string{"*", "s3:*", "s3:Get*", "s3:GetObject", "s3:?utObject", "S3:LISTBUCKET", "s3:*Object*"}
	refResPats    = []string{"arn:aws:s3:::photos", "arn:aws:s3:::photos/*", "arn:aws:s3:::photos/public/*", "arn:aws:s3:::photos/home/${aws:username}/*", "arn:aws:s3:::photos/${*}", "arn:aws:s3:::photos/a?jpg", "*"}
	refPrincipals = []policy.Principal{{Any: true}, {AWS: []string{"111122223333"}}, {AWS: []string{"arn:aws:iam::111122223333:root"}},
		{AWS: []string{"arn:aws:iam::111122223333:user/alice"}}, {CanonicalUser: []string{strings.Repeat("b2", 32)}}, {AWS: []string{"444455556666", "arn:aws:iam::111122223333:user/mallory"}},
		{AWS: []string{"111122223333", "arn:aws:iam::111122223333:user/alice"}}, {CanonicalUser: []string{strings.Repeat("a1", 32)}, AWS: []string{"arn:aws:iam::111122223333:user/alice"}}}
	refConds = []policy.Condition{
		{Operator: "StringEquals", Key: "aws:UserAgent", Values: []string{"curl"}},
		{Operator: "StringNotEquals", Key: "aws:useragent", Values: []string{"curl", "wget"}},
		{Operator: "StringLike", Key: "aws:Referer", Values: []string{"https://*"}},
		{Operator: "IpAddress", Key: "aws:SourceIp", Values: []string{"192.0.2.0/24"}},
		{Operator: "NotIpAddress", Key: "aws:SourceIp", Values: []string{"192.0.2.0/24"}},
		{Operator: "Null", Key: "aws:UserAgent", Values: []string{"true"}},
		{Operator: "StringEqualsIfExists", Key: "aws:Referer", Values: []string{"https://example.com/"}},
		{Operator: "ForAnyValue:StringEquals", Key: "aws:TagKeys", Values: []string{"a"}},
		{Operator: "ForAllValues:StringEquals", Key: "aws:TagKeys", Values: []string{"a", "b"}},
		{Operator: "StringLike", Key: "aws:Referer", Values: []string{"https://${aws:username}.example/*"}},
		{Operator: "DateLessThan", Key: "aws:CurrentTime", Values: []string{"2020-01-01T00:00:00Z"}},
		{Operator: "DateNotEquals", Key: "aws:CurrentTime", Values: []string{"2020-01-01T00:00:00.000000001Z"}},
		{Operator: "NumericLessThanEquals", Key: "s3:max-keys", Values: []string{"10"}},
		{Operator: "NumericNotEquals", Key: "s3:max-keys", Values: []string{"10"}},
		{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"false"}},
		{Operator: "ArnLike", Key: "aws:PrincipalArn", Values: []string{"arn:aws:iam::111122223333:*"}},
		{Operator: "ArnNotLike", Key: "aws:PrincipalArn", Values: []string{"arn:aws:iam::*:root"}},
		{Operator: "ForAnyValue:StringNotEquals", Key: "aws:TagKeys", Values: []string{"a"}},
	}
	refContexts = []map[string][]string{
		nil,
		{"aws:useragent": {"curl"}, "aws:sourceip": {"192.0.2.9"}, "aws:tagkeys": {"a"}},
		{"aws:useragent": {"lynx"}, "aws:referer": {"https://example.com/"}, "aws:sourceip": {"10.0.0.1"}, "aws:tagkeys": {"a", "c"}},
		{"aws:referer": {"https://alice.example/p"}, "aws:sourceip": {"2001:db8::1"}, "aws:tagkeys": {"b", "a"}},
		{"aws:sourceip": {"::ffff:192.0.2.9"}, "aws:currenttime": {"1600-01-01T00:00:00Z"}, "s3:max-keys": {"1e1"},
			"aws:securetransport": {"false"}, "aws:principalarn": {"arn:aws:iam::111122223333:user/alice"}, "aws:tagkeys": {"a"}},
		{"aws:sourceip": {"fe80::1%eth0"}, "aws:currenttime": {"9999-12-31T23:59:59Z"}, "s3:max-keys": {"9.5"},
			"aws:securetransport": {"true"}, "aws:principalarn": {"arn:aws:iam::444455556666:root"}},
		{"aws:sourceip": {"2001:db8::1%en0"}, "aws:currenttime": {"2020-01-01T00:00:00.000000001Z"}, "s3:max-keys": {"10"}},
	}
)

// wildRE is the regular expression of a wildcard pattern, where ${*} is a literal star and
// ${aws:username} the user's name; ok is false when the name is unset.
func wildRE(pat string, variables, fold bool, c policy.Caller) (*regexp.Regexp, bool) {
	var b strings.Builder
	b.WriteString("(?s)^")
	if fold {
		b.WriteString("(?i)")
	}
	for pat != "" {
		switch {
		case variables && strings.HasPrefix(pat, "${*}"):
			b.WriteString(`\*`)
			pat = pat[4:]
			continue
		case variables && strings.HasPrefix(pat, "${aws:username}"):
			if c.UserName == "" || c.Anonymous {
				return nil, false
			}
			b.WriteString(regexp.QuoteMeta(c.UserName))
			pat = pat[len("${aws:username}"):]
			continue
		case pat[0] == '*':
			b.WriteString(".*")
		case pat[0] == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(pat[:1]))
		}
		pat = pat[1:]
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()), true
}

func refAny(list []string, f func(string) bool) bool { return slices.ContainsFunc(list, f) }

// refNames is every name a policy may give the caller's account: its id, its root user's ARN
// and its canonical user id (reference_policies_elements_principal.html#principal-accounts,
// #principal-canonical-user).
func refNames(c policy.Caller) []string {
	return []string{c.Account, "arn:aws:iam::" + c.Account + ":root", c.CanonicalID}
}

// refNamesAccount reports whether the element names the caller's account.
func refNamesAccount(p *policy.Principal, c policy.Caller) bool {
	all := append(slices.Clone(p.AWS), p.CanonicalUser...)
	return refAny(refNames(c), func(n string) bool { return n != "" && slices.Contains(all, n) })
}

// refPrincipal: "*" is everyone, the anonymous caller included; otherwise an anonymous caller
// is nobody. A user's ARN is that user. An account is, in an Allow, the account's root alone
// (it delegates to the account; an IAM user would need an identity policy, and has none), and
// in a Deny every identity of the account (reference_policies_elements_principal.html).
func refPrincipal(p *policy.Principal, c policy.Caller, deny bool) bool {
	switch {
	case p.Any:
		return true
	case c.Anonymous:
		return false
	case c.UserName != "" && slices.Contains(p.AWS, c.ARN):
		return true
	case c.UserName != "" && !deny:
		return false
	}
	return refNamesAccount(p, c)
}

// refExcepted: NotPrincipal excepts a caller when it lists every step AWS checks, the account
// then the user (reference_policies_elements_notprincipal.html#notprincipal-key-points); "*"
// excepts everyone.
func refExcepted(p *policy.Principal, c policy.Caller) bool {
	switch {
	case p.Any:
		return true
	case c.Anonymous:
		return false
	case c.UserName != "":
		return refNamesAccount(p, c) && slices.Contains(p.AWS, c.ARN)
	}
	return refNamesAccount(p, c)
}

// refCondition has one rule per condition of refConds.
func refCondition(cd policy.Condition, r *policy.Request, variables bool) bool {
	vals, ok := r.Context[strings.ToLower(cd.Key)]
	// aws:PrincipalArn is the caller's ARN, for every caller that is not anonymous
	// (reference_policies_condition-keys.html#condition-keys-principalarn).
	if !ok && strings.EqualFold(cd.Key, "aws:PrincipalArn") && !r.Caller.Anonymous && r.Caller.ARN != "" {
		vals, ok = []string{r.Caller.ARN}, true
	}
	one := ""
	if ok {
		one = vals[0]
	}
	switch cd.Operator {
	case "StringEquals":
		return ok && one == cd.Values[0]
	case "StringNotEquals":
		return !ok || !slices.Contains(cd.Values, one)
	case "StringLike":
		re, set := wildRE(cd.Values[0], variables, false, r.Caller)
		return ok && set && re.MatchString(one)
	case "IpAddress", "NotIpAddress":
		if !ok {
			return cd.Operator == "NotIpAddress"
		}
		// The zone is the interface; an IPv4-mapped address is its IPv4 address.
		addr, _, _ := strings.Cut(one, "%")
		in := netip.MustParsePrefix(cd.Values[0]).Contains(netip.MustParseAddr(addr).Unmap())
		return in == (cd.Operator == "IpAddress")
	case "DateLessThan", "DateNotEquals":
		if !ok {
			return cd.Operator == "DateNotEquals"
		}
		x, err1 := time.Parse(time.RFC3339Nano, one)
		y, err2 := time.Parse(time.RFC3339Nano, cd.Values[0])
		if err1 != nil || err2 != nil {
			return false
		}
		if cd.Operator == "DateLessThan" {
			return x.Before(y)
		}
		return !x.Equal(y)
	case "NumericLessThanEquals", "NumericNotEquals":
		if !ok {
			return cd.Operator == "NumericNotEquals"
		}
		// Numbers are digits with an optional minus and fraction: "1e1" is none.
		if !regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`).MatchString(one) {
			return false
		}
		x, _ := strconv.ParseFloat(one, 64)
		if cd.Operator == "NumericLessThanEquals" {
			return x <= 10
		}
		return x != 10
	case "Bool":
		return ok && strings.EqualFold(one, cd.Values[0])
	case "ArnLike", "ArnNotLike":
		if !ok {
			return cd.Operator == "ArnNotLike"
		}
		// Each of the six components matches on its own.
		ps, vs := strings.SplitN(cd.Values[0], ":", 6), strings.SplitN(one, ":", 6)
		like := len(ps) == 6 && len(vs) == 6
		for i := 0; like && i < 6; i++ {
			re, _ := wildRE(ps[i], false, false, r.Caller)
			like = re.MatchString(vs[i])
		}
		return like == (cd.Operator == "ArnLike")
	case "ForAnyValue:StringNotEquals":
		return refAny(vals, func(v string) bool { return !slices.Contains(cd.Values, v) })
	case "Null":
		return !ok
	case "StringEqualsIfExists":
		return !ok || one == cd.Values[0]
	case "ForAnyValue:StringEquals":
		return refAny(vals, func(v string) bool { return slices.Contains(cd.Values, v) })
	case "ForAllValues:StringEquals":
		return !refAny(vals, func(v string) bool { return !slices.Contains(cd.Values, v) })
	}
	panic("no reference rule for " + cd.Operator)
}

func refEvaluate(p *policy.Policy, r *policy.Request) policy.Effect {
	variables := p.Version == "2012-10-17"
	matches := func(pats []string, s string, fold bool) bool {
		return refAny(pats, func(pat string) bool {
			re, ok := wildRE(pat, variables && !fold, fold, r.Caller)
			return ok && re.MatchString(s)
		})
	}
	allow := false
	for _, s := range p.Statements {
		applies := (s.Principal == nil || refPrincipal(s.Principal, r.Caller, s.Effect == policy.Deny)) &&
			(s.NotPrincipal == nil || !refExcepted(s.NotPrincipal, r.Caller)) &&
			(s.Action == nil || matches(s.Action, r.Action, true)) &&
			(s.NotAction == nil || !matches(s.NotAction, r.Action, true)) &&
			(s.Resource == nil || matches(s.Resource, r.Resource, false)) &&
			(s.NotResource == nil || !matches(s.NotResource, r.Resource, false))
		for _, cd := range s.Conditions {
			applies = applies && refCondition(cd, r, variables)
		}
		if applies && s.Effect == policy.Deny {
			return policy.Deny
		}
		allow = allow || applies
	}
	if allow {
		return policy.Allow
	}
	return policy.NoEffect
}

// refBuild reads a policy and a request from data, one byte per choice.
func refBuild(data []byte) (*policy.Policy, *policy.Request) {
	next := func(n int) int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b) % n
	}
	p := &policy.Policy{Version: []string{"2012-10-17", "2008-10-17"}[next(2)]}
	r := &policy.Request{Caller: refCallers[next(len(refCallers))], Action: refActions[next(len(refActions))]}
	r.Resource = "arn:aws:s3:::photos"
	if k := refKeys[next(len(refKeys))]; k != "" {
		r.Resource += "/" + k
	}
	r.Context = refContexts[next(len(refContexts))]
	for n := next(4) + 1; n > 0; n-- {
		flags := next(16)
		s := policy.Statement{Effect: policy.Allow}
		if flags&1 != 0 {
			s.Effect = policy.Deny
		}
		pr := refPrincipals[next(len(refPrincipals))]
		if flags&2 != 0 {
			s.NotPrincipal = &pr
		} else {
			s.Principal = &pr
		}
		acts := []string{refActPats[next(len(refActPats))], refActPats[next(len(refActPats))]}
		if flags&4 != 0 {
			s.NotAction = acts
		} else {
			s.Action = acts
		}
		res := []string{refResPats[next(len(refResPats))]}
		if flags&8 != 0 {
			s.NotResource = res
		} else {
			s.Resource = res
		}
		for c := next(3); c > 0; c-- {
			s.Conditions = append(s.Conditions, refConds[next(len(refConds))])
		}
		p.Statements = append(p.Statements, s)
	}
	return p, r
}

func FuzzEvaluate(f *testing.F) {
	f.Add([]byte{0, 4, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0})
	f.Add([]byte{0, 0, 2, 0, 2, 1, 3, 3, 2, 3, 1, 6, 2, 3, 9})
	f.Add([]byte{1, 1, 0, 2, 1, 2, 1, 0, 3, 0, 3, 0, 0, 2, 5, 7, 4, 6})
	f.Add([]byte{0, 2, 3, 5, 3, 3, 15, 5, 6, 5, 4, 2, 2, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, r := refBuild(data)
		got := p.Evaluate(r)
		if want := refEvaluate(p, r); got.Effect != want {
			t.Fatalf("Evaluate = %v, reference %v\npolicy %+v\nrequest %+v\n%+v", got.Effect, want, p, r, got.Statements)
		}
	})
}
