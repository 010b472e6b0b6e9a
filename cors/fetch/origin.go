package fetch

import (
	"net/netip"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/doorman-s3/doorman/cors/internal/wildcard"
)

// originRule is one entry of Config.Origins other than "*" and the exact origins: a
// subdomain wildcard, a port wildcard, a scheme wildcard (apigw-http), or a scheme-less
// host (cloudfront).
type originRule struct {
	index  int    // position in Config.Origins
	scheme string // "" (cloudfront, no scheme written): http or https
	host   string // the host, or the base a "*." wildcard ends with; "" for any host
	port   string // "" the scheme's default, "*" any
	sub    bool   // host is the base of a "*." wildcard
}

type originPattern struct {
	index int // position in Config.Origins + len(Config.Origins)
	re    *regexp.Regexp
	// prefix is the literal every match begins with: patterns are anchored, so an origin
	// without it is passed over without running the expression.
	prefix string
}

// originMatcher finds the entry of Config.Origins (or OriginPatterns) that admits an origin.
type originMatcher struct {
	any int // index of "*", or -1
	// fold: compare ignoring ASCII case (the AWS semantics). Fetch compares byte for byte,
	// as browsers do: they send and compare serialised, lower-case origins.
	fold bool
	// exact origins: a map in Fetch semantics, a sorted list searched ignoring case in the
	// AWS ones.
	exact     map[string]int
	exactFold []exactOrigin
	// hosts indexes the rules by host (port wildcards) or base (subdomain wildcards), so that
	// an origin costs one probe per dot in its host. Fetch semantics only; the AWS semantics
	// scan rules.
	hosts    map[string][]originRule
	rules    []originRule
	patterns []originPattern
}

type exactOrigin struct {
	origin string // lower case
	index  int
}

// match returns the index of the entry that admits origin (an index past len(Config.Origins)
// names an OriginPatterns entry), or -1.
func (m *originMatcher) match(origin string) int {
	if m.any >= 0 {
		return m.any
	}
	if m.fold {
		if i, ok := slices.BinarySearchFunc(m.exactFold, origin, func(e exactOrigin, o string) int {
			return -wildcard.CompareFold(o, e.origin)
		}); ok {
			return m.exactFold[i].index
		}
	} else if i, ok := m.exact[origin]; ok {
		return i
	}
	if len(m.rules) > 0 {
		if i := m.matchRules(origin); i >= 0 {
			return i
		}
	}
	for _, p := range m.patterns {
		if strings.HasPrefix(origin, p.prefix) && p.re.MatchString(origin) {
			return p.index
		}
	}
	return -1
}

func (m *originMatcher) matchRules(origin string) int {
	scheme, host, port, ok := splitOrigin(origin)
	if !ok {
		return -1
	}
	if m.fold {
		best := -1
		for i := range m.rules {
			if r := &m.rules[i]; r.admits(scheme, host, port, true) && (best < 0 || r.index < best) {
				best = r.index
			}
		}
		return best
	}
	best := -1
	try := func(key string) {
		for i, rules := 0, m.hosts[key]; i < len(rules); i++ {
			if r := &rules[i]; r.admits(scheme, host, port, false) && (best < 0 || r.index < best) {
				best = r.index
			}
		}
	}
	try(host)
	for i := 0; i < len(host); i++ {
		if host[i] == '.' {
			try(host[i+1:])
		}
	}
	return best
}

// admits reports whether the origin's parts match the rule.
func (r *originRule) admits(scheme, host, port string, fold bool) bool {
	eq := func(s, lower string) bool {
		if fold {
			return wildcard.CompareFold(s, lower) == 0
		}
		return s == lower
	}
	switch {
	case r.scheme == "":
		if !eq(scheme, "http") && !eq(scheme, "https") {
			return false
		}
	case !eq(scheme, r.scheme):
		return false
	}
	if r.port != "*" && port != r.port {
		return false
	}
	if r.host == "" {
		return true
	}
	if !r.sub {
		return eq(host, r.host)
	}
	n := len(host) - len(r.host)
	return n >= 2 && host[n-1] == '.' && eq(host[n:], r.host) && isLabels(host[:n-1], fold)
}

// isLabels reports whether s is one or more non-empty DNS labels joined by dots (letters,
// digits, '-' and '_'; upper case only when fold). A request's origin must pass this before
// a subdomain wildcard admits it, so that "https://x/.example.com" never does.
func isLabels(s string, fold bool) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case fold && 'A' <= c && c <= 'Z':
		default:
			return false
		}
	}
	return true
}

// splitOrigin splits a request's Origin into scheme, host and port without copying. It
// reports false when the value is not scheme://host[:port] with a decimal port.
func splitOrigin(s string) (scheme, host, port string, ok bool) {
	i := strings.Index(s, "://")
	if i <= 0 {
		return "", "", "", false
	}
	scheme, rest := s[:i], s[i+3:]
	if strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return "", "", "", false
		}
		host, rest = rest[:j+1], rest[j+1:]
		if rest != "" {
			if rest[0] != ':' {
				return "", "", "", false
			}
			port = rest[1:]
		}
	} else if j := strings.LastIndexByte(rest, ':'); j >= 0 {
		host, port = rest[:j], rest[j+1:]
	} else {
		host = rest
	}
	if host == "" || (port == "" && strings.HasSuffix(s, ":")) || len(port) > 5 {
		return "", "", "", false
	}
	for k := 0; k < len(port); k++ {
		if port[k] < '0' || port[k] > '9' {
			return "", "", "", false
		}
	}
	return scheme, host, port, true
}

// defaultPorts are the ports a serialised origin leaves out.
var defaultPorts = map[string]string{"http": "80", "https": "443"}

// parsedOrigin is a configured origin taken apart.
type parsedOrigin struct {
	scheme, host, port string // port "*" for any
	sub                bool
	anyHost            bool // "https://*"
}

// parseOrigin reads scheme://host[:port], where host may start with "*." and port may be
// "*", or host may be "*" alone. It returns the parts as written (fold them if needed) and
// the problems that keep s from being a serialised origin, with the canonical spelling.
func parseOrigin(s string) (parsedOrigin, []string, string, bool) {
	var o parsedOrigin
	var msgs []string
	scheme, rest, found := strings.Cut(s, "://")
	if !found || !isScheme(scheme) {
		return o, nil, "", false
	}
	o.scheme = wildcard.ToLower(scheme)
	if o.scheme != scheme {
		msgs = append(msgs, "browsers send the scheme in lower case")
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		if rest[i:] == "/" {
			msgs = append(msgs, "an origin has no trailing slash")
		} else {
			msgs = append(msgs, "an origin has no path, query or fragment")
		}
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		msgs = append(msgs, "an origin has no user name or password")
		rest = rest[i+1:]
	}
	host := rest
	if strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return o, nil, "", false
		}
		host, rest = rest[:j+1], rest[j+1:]
		if rest != "" && rest[0] != ':' {
			return o, nil, "", false
		}
		if rest != "" {
			o.port = rest[1:]
		}
	} else if j := strings.LastIndexByte(rest, ':'); j >= 0 {
		host, o.port = rest[:j], rest[j+1:]
	}
	if o.port != "" && o.port != "*" {
		n, err := strconv.Atoi(o.port)
		if err != nil || n < 1 || n > 65535 || o.port[0] == '+' {
			return o, nil, "", false
		}
		if p := strconv.Itoa(n); p != o.port {
			msgs = append(msgs, "browsers write the port without leading zeros")
			o.port = p
		}
		if defaultPorts[o.scheme] == o.port {
			msgs = append(msgs, "browsers leave out the scheme's default port")
			o.port = ""
		}
	}
	switch {
	case host == "*":
		o.anyHost = true
		host = ""
	case strings.HasPrefix(host, "*."):
		o.sub = true
		host = host[2:]
	}
	if strings.Contains(host, "*") || (o.sub && isIP(host)) {
		return o, nil, "", false
	}
	if host != "" || !o.anyHost {
		h, ok, msg := canonicalHost(host)
		if !ok {
			return o, nil, "", false
		}
		if msg != "" {
			msgs = append(msgs, msg)
		}
		o.host = h
	}
	return o, msgs, o.String(), true
}

// String writes the origin back in its canonical form.
func (o parsedOrigin) String() string {
	var b strings.Builder
	b.WriteString(o.scheme)
	b.WriteString("://")
	switch {
	case o.anyHost:
		b.WriteString("*")
	case o.sub:
		b.WriteString("*.")
	}
	b.WriteString(o.host)
	if o.port != "" {
		b.WriteString(":")
		b.WriteString(o.port)
	}
	return b.String()
}

func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !('0' <= c && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

// canonicalHost returns host as a browser serialises it: IP addresses in their canonical
// form, names lower-cased and in ASCII (punycode). It reports false for a host no browser
// could send, and says what it changed.
func canonicalHost(host string) (string, bool, string) {
	if host == "" || len(host) > 253 {
		return "", false, ""
	}
	if strings.HasPrefix(host, "[") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", false, ""
		}
		if c := "[" + a.String() + "]"; c != host {
			return c, true, "browsers write IPv6 addresses in their shortest lower-case form"
		}
		return host, true, ""
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.String(), a.Is4(), ""
	}
	h := wildcard.ToLower(host)
	if !isASCII(host) {
		var err error
		if h, err = idna.Lookup.ToASCII(host); err != nil {
			return "", false, ""
		}
	}
	if !isLabels(h, false) {
		return "", false, ""
	}
	switch {
	case h == host:
		return h, true, ""
	case wildcard.ToLower(host) == h:
		return h, true, "browsers send the host in lower case"
	}
	return h, true, "browsers send international names in punycode"
}

// isPublicSuffix reports whether base is a public suffix (com, co.uk, github.io...) or a
// top-level domain the list does not know. "localhost" is not: every name under it is the
// local machine (RFC 6761).
func isPublicSuffix(base string) bool {
	if base == "localhost" {
		return false
	}
	ps, _ := publicsuffix.PublicSuffix(base)
	return ps == base
}

// anchored reports whether the RE2 expression re can only match a whole string: it begins
// with ^ (or \A) and ends with $ (or \z) on every branch, without the m flag.
func anchored(re *syntax.Regexp) bool {
	return anchoredAt(re, true) && anchoredAt(re, false)
}

func anchoredAt(re *syntax.Regexp, start bool) bool {
	switch re.Op {
	case syntax.OpBeginText:
		return start
	case syntax.OpEndText:
		return !start
	case syntax.OpCapture:
		return anchoredAt(re.Sub[0], start)
	case syntax.OpConcat:
		if len(re.Sub) == 0 {
			return false
		}
		if start {
			return anchoredAt(re.Sub[0], start)
		}
		return anchoredAt(re.Sub[len(re.Sub)-1], start)
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			if !anchoredAt(s, start) {
				return false
			}
		}
		return true
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isIP reports whether host is an IP address, which has no subdomains.
func isIP(host string) bool {
	_, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil
}
