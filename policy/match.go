package policy

import "strings"

// A pattern is a compiled wildcard pattern of Action, Resource, StringLike and ArnLike: '*'
// stands for any run of characters and '?' for any one character
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String).
// The policy variables ${*}, ${?} and ${$} put a literal '*', '?' or '$' into a pattern
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars),
// so a pattern keeps, per byte, whether it is a wildcard.
type pattern struct {
	text string
	// wild[i]: text[i] is a wildcard, not a literal '*' or '?'. nil: every '*' and '?' is one
	// (a pattern without variables, the common case, needs no allocation).
	wild []bool
}

// literalPattern is text in which '*' and '?' are wildcards: a pattern without variables.
func literalPattern(text string) pattern { return pattern{text: text} }

// isWild reports whether text[i] is the wildcard c.
func (p pattern) isWild(i int, c byte) bool {
	return p.text[i] == c && (p.wild == nil || p.wild[i])
}

// slice is the part text[i:j] of the pattern.
func (p pattern) slice(i, j int) pattern {
	if p.wild == nil {
		return pattern{text: p.text[i:j]}
	}
	return pattern{text: p.text[i:j], wild: p.wild[i:j]}
}

// match reports whether s matches the pattern, comparing bytes exactly or, with fold, ASCII
// case-insensitively (action names). It is the greedy algorithm with one remembered star:
// when a later star is met the earlier one never needs revisiting, so the time is at most
// O(len(pattern)·len(s)) however many stars there are, never exponential: with Parse's
// MaxSize (20 KB) policy and S3's 1,024-byte keys, a few million steps at the very worst.
func (p pattern) match(s string, fold bool) bool {
	eq := func(a, b byte) bool {
		if fold {
			return lower(a) == lower(b)
		}
		return a == b
	}
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p.text) && p.isWild(pi, '*'):
			star, mark = pi, si
			pi++
		case pi < len(p.text) && (p.isWild(pi, '?') || eq(p.text[pi], s[si])):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p.text) && p.isWild(pi, '*') {
		pi++
	}
	return pi == len(p.text)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Account principals: "123456789012" and "arn:aws:iam::123456789012:root" both name the
// account (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts),
// and so does a canonical user id, which identifies an account
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-canonical).
const (
	iamARNPrefix = "arn:aws:iam::"
	rootSuffix   = ":root"
)

// principalMatch reports whether the caller is one of the principals of a Principal element.
// An anonymous caller is only ever the wildcard "*"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous).
// Naming an account in an Allow delegates to the account: it grants the account's root, and
// the account's IAM users get nothing from it unless an identity policy passes it on, and
// doorman's IAM users have none (#principal-accounts). In a Deny, naming the account denies
// every identity in it. A user ARN matches that user alone. Service and Federated principals
// never make S3 requests of their own here: they match no caller.
func principalMatch(p *Principal, c *Caller, deny bool) bool {
	if p.Any {
		return true
	}
	if c.Anonymous {
		return false
	}
	return userListed(p, c) || (deny || c.UserName == "") && accountListed(p, c)
}

// notPrincipalExcludes reports whether a NotPrincipal element excepts the caller. "When you
// use NotPrincipal, you must also specify the account ARN of the not-denied principal.
// Otherwise, the policy might deny access to the entire account containing the principal"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html#notprincipal-key-points):
// the account is checked first, then the user, so an IAM user is excepted only when both its
// account and its own ARN are listed; an account's root when the account is. An anonymous
// caller is excepted only by "*", which names every principal.
func notPrincipalExcludes(p *Principal, c *Caller) bool {
	if p.Any {
		return true
	}
	if c.Anonymous || !accountListed(p, c) {
		return false
	}
	return c.UserName == "" || userListed(p, c)
}

// userListed reports whether the caller's own ARN is among the AWS principals.
func userListed(p *Principal, c *Caller) bool {
	for _, v := range p.AWS {
		if c.ARN != "" && v == c.ARN {
			return true
		}
	}
	return false
}

// accountListed reports whether the caller's account is among the principals, by account id,
// root ARN or canonical user id.
func accountListed(p *Principal, c *Caller) bool {
	for _, v := range p.AWS {
		if c.Account != "" && accountOf(v) == c.Account {
			return true
		}
	}
	for _, v := range p.CanonicalUser {
		if c.CanonicalID != "" && strings.EqualFold(v, c.CanonicalID) {
			return true
		}
	}
	return false
}

// accountOf is the account an account-wide principal names, or "" when v names a single
// user or role.
func accountOf(v string) string {
	if IsAccountID(v) {
		return v
	}
	if rest, ok := strings.CutPrefix(v, iamARNPrefix); ok {
		if id, ok := strings.CutSuffix(rest, rootSuffix); ok && IsAccountID(id) {
			return id
		}
	}
	return ""
}
