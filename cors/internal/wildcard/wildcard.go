// Package wildcard matches S3 CORS patterns: a string with at most one '*', which stands for
// any run of zero or more bytes, anchored at both ends. Amazon S3 uses such patterns for
// AllowedOrigin (compared case-sensitively) and AllowedHeader (compared ignoring ASCII case).
//
// Whether '*' may match the empty string is not recorded against AWS; Scality's and Ceph's
// suites, written to pass against AWS, accept `prefix*` for `prefix` and `start*end` for
// `startend`, so zero or more it is.
package wildcard

import "strings"

// Pattern is a compiled pattern. The zero value matches only the empty string.
type Pattern struct {
	text, prefix, suffix string
	star                 bool
}

// Compile splits s at its first '*'. Validation has already refused patterns with more than
// one; any further '*' would be taken literally.
func Compile(s string) Pattern {
	before, after, found := strings.Cut(s, "*")
	return Pattern{text: s, prefix: before, suffix: after, star: found}
}

// String returns the pattern as compiled (lower-cased by CompileFold).
func (p Pattern) String() string { return p.text }

// CompileFold is Compile for a pattern matched ignoring ASCII case: it lower-cases s first.
func CompileFold(s string) Pattern { return Compile(ToLower(s)) }

// Any reports whether the pattern is a lone '*', which matches everything.
func (p Pattern) Any() bool { return p.star && p.prefix == "" && p.suffix == "" }

// Literal reports whether the pattern has no '*'.
func (p Pattern) Literal() bool { return !p.star }

// Suffix is the text after the '*' ("" for a literal pattern).
func (p Pattern) Suffix() string { return p.suffix }

// Match reports whether s matches, byte for byte.
func (p Pattern) Match(s string) bool {
	if !p.star {
		return s == p.prefix
	}
	return len(s) >= len(p.prefix)+len(p.suffix) &&
		strings.HasPrefix(s, p.prefix) && strings.HasSuffix(s, p.suffix)
}

// MatchFold reports whether s matches ignoring ASCII case; p must come from CompileFold.
func (p Pattern) MatchFold(s string) bool {
	if !p.star {
		return len(s) == len(p.prefix) && CompareFold(s, p.prefix) == 0
	}
	n := len(s)
	return n >= len(p.prefix)+len(p.suffix) &&
		CompareFold(s[:len(p.prefix)], p.prefix) == 0 &&
		CompareFold(s[n-len(p.suffix):], p.suffix) == 0
}

// CompareFold compares s, read as if lower-cased (ASCII only), with lower, which must already
// be lower case. It returns -1, 0 or +1 like strings.Compare.
func CompareFold(s, lower string) int {
	n := min(len(s), len(lower))
	for i := 0; i < n; i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			if c < lower[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(s) < len(lower):
		return -1
	case len(s) > len(lower):
		return 1
	}
	return 0
}

// IsLower reports whether s has no ASCII upper-case letter.
func IsLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return false
		}
	}
	return true
}

// ToLower lower-cases ASCII letters only, leaving every other byte as it is (unlike
// strings.ToLower, which would also fold non-ASCII letters and rewrite invalid UTF-8). It
// returns s itself when there is nothing to change.
func ToLower(s string) string {
	if IsLower(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
