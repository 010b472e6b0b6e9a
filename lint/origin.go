package lint

import (
	"fmt"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/doorman-s3/doorman/cors"
)

// origin checks one AllowedOrigin: whether a browser can send it at all, then how far its
// '*' reaches, then its scheme. Only the most serious problem is reported: an entry that
// never matches cannot be too broad.
func (l *linter) origin(i int, o string) {
	switch {
	case o == "*", strings.Count(o, "*") > 1:
		// "*" is judged together with the rule's methods; Validate refuses several '*'.
		return
	case o == "null":
		l.add(CodeNullOrigin, i, "AllowedOrigin", o,
			"AllowedOrigin \"null\" admits every opaque origin: sandboxed iframes, data: URLs and file: pages, which any attacker can create; S3 echoes the origin with credentials.",
			"Remove \"null\" and serve the pages that need the bucket from an https origin you list exactly.")
		return
	}
	if reasons, fix := unserialised(o); len(reasons) > 0 {
		action := "Remove it."
		if fix != "" {
			action = fmt.Sprintf("Write %q.", fix)
		} else if o != "" {
			action = "Remove it; serve the page over https from an origin you list exactly (allowing \"null\" instead would admit any site)."
		}
		l.add(CodeOriginNeverMatches, i, "AllowedOrigin", o,
			fmt.Sprintf("%q never matches a browser's Origin: %s. S3 compares the whole string, case-sensitively.", o, strings.Join(reasons, "; ")),
			action)
		return
	}
	if strings.Contains(o, "*") && l.pattern(i, o) {
		return
	}
	l.insecure(i, o)
}

// unserialised lists the ways o differs from an origin as browsers serialise it (lower-case
// scheme and host, the host in ASCII, no path, no user information, no default port), and
// what to write instead ("" when the entry should go).
func unserialised(o string) (reasons []string, fix string) {
	if o == "" {
		return []string{"it is empty, and a browser's Origin never is"}, ""
	}
	if strings.HasPrefix(strings.ToLower(o), "file:") {
		return []string{"pages loaded from file: have an opaque origin, which browsers send as \"null\""}, ""
	}
	scheme, rest, hasScheme := strings.Cut(o, "://")
	if !hasScheme {
		before, _, star := strings.Cut(o, "*")
		if !star || (strings.Contains(before, ".") && !httpSchemePrefix(before)) {
			reasons = append(reasons, "it has no scheme, and browsers always send scheme://host[:port]")
			scheme = "https"
		} else {
			scheme = "" // the '*' stands for the scheme, which is then not known
		}
		rest = o
	}
	if hasUpper(o) {
		reasons = append(reasons, "it has upper-case letters, and browsers send the scheme and host in lower case")
	}
	if !isASCII(o) {
		reasons = append(reasons, "it has non-ASCII characters, and browsers send the host in its ASCII (xn--) form")
	}
	authority := rest
	if k := strings.IndexAny(rest, "/?#"); k >= 0 {
		authority = rest[:k]
		reasons = append(reasons, fmt.Sprintf("it has a path or a trailing slash (%q), and an Origin is only scheme://host[:port]", rest[k:]))
	}
	if k := strings.LastIndexByte(authority, '@'); k >= 0 {
		authority = authority[k+1:]
		reasons = append(reasons, "it has user information before '@', which an Origin never carries")
	}
	host, port := splitPort(authority)
	scheme = strings.ToLower(scheme)
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		reasons = append(reasons, fmt.Sprintf("it names the default port :%s, which browsers leave out", port))
		port = ""
	}
	if len(reasons) == 0 {
		return nil, ""
	}
	fix = canonicalHost(host)
	if scheme != "" {
		fix = scheme + "://" + fix
	}
	if port != "" {
		fix += ":" + port
	}
	return reasons, fix
}

// httpSchemePrefix reports whether s can begin an http: or https: origin.
func httpSchemePrefix(s string) bool {
	return strings.HasPrefix("https://", s) || strings.HasPrefix("http://", s)
}

// splitPort splits an authority into host and port ("" when there is none).
func splitPort(authority string) (host, port string) {
	if strings.HasPrefix(authority, "[") {
		if end := strings.IndexByte(authority, ']'); end >= 0 {
			host, rest := authority[:end+1], authority[end+1:]
			return host, strings.TrimPrefix(rest, ":")
		}
		return authority, ""
	}
	if k := strings.LastIndexByte(authority, ':'); k >= 0 {
		return authority[:k], authority[k+1:]
	}
	return authority, ""
}

// canonicalHost lower-cases host and converts its non-ASCII labels to their xn-- form,
// leaving a label with a '*' as it is.
func canonicalHost(host string) string {
	labels := strings.Split(strings.ToLower(host), ".")
	for k, label := range labels {
		if !isASCII(label) && !strings.Contains(label, "*") {
			if a, err := idna.Lookup.ToASCII(label); err == nil {
				labels[k] = a
			}
		}
	}
	return strings.Join(labels, ".")
}

func hasUpper(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' }) >= 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// pattern judges how far the '*' of a serialised-looking pattern reaches, and reports
// whether it found a problem. S3's '*' matches any run of characters, dots and colons
// included, so what confines it is the domain written after it: https://*.example.com stays
// under example.com, https://*example.com does not.
func (l *linter) pattern(i int, o string) bool {
	prefix, suffix, _ := strings.Cut(o, "*")
	_, hostPrefix, starInHost := strings.Cut(prefix, "://")
	if !starInHost {
		if !httpSchemePrefix(prefix) {
			return false // a scheme of its own (app-*://...): no opinion
		}
		if _, host, ok := strings.Cut(suffix, "://"); ok {
			// The '*' is inside the scheme only: http*://example.com.
			l.add(CodeAnySchemeOrigin, i, "AllowedOrigin", o,
				fmt.Sprintf("The '*' of %q stands in the scheme, so http:// (and any other scheme) matches too.", o),
				fmt.Sprintf("Write %q.", "https://"+host))
			return true
		}
	} else if strings.Contains(hostPrefix, ":") {
		return false // the '*' stands for the port
	}

	suffixHost := suffix
	if k := strings.IndexAny(suffix, ":/?#"); k >= 0 {
		suffixHost = suffix[:k]
	}
	var domain string
	partial := true // the '*' shares its label with fixed text
	if d, ok := strings.CutPrefix(suffixHost, "."); ok {
		domain = d
		partial = starInHost && hostPrefix != "" && !strings.HasSuffix(hostPrefix, ".")
	} else {
		_, domain, _ = strings.Cut(suffixHost, ".")
	}

	// A site anyone could own that the pattern matches, to show in the message.
	left := prefix
	if !starInHost {
		left = "https://"
		if !strings.HasPrefix(left, prefix) {
			left = "http://"
		}
	}
	example := func(mid string) string { return left + mid + suffix }

	switch {
	case domain == "":
		mid := "attacker"
		if starInHost && hostPrefix != "" && !strings.HasSuffix(hostPrefix, ".") {
			mid = "." + mid
		}
		if suffixHost == "" {
			mid += ".example"
		} else {
			mid += "."
		}
		l.add(CodeAnyHostOrigin, i, "AllowedOrigin", o,
			fmt.Sprintf("No domain follows the '*' of %q, so it matches hosts anyone can register, such as %s, and S3 grants them credentialed access.", o, example(mid)),
			"List your application's origins exactly, or use a wildcard under a domain you control: https://*.example.com.")
	case isPublicSuffix(domain) && partial:
		l.add(CodePartialLabelOrigin, i, "AllowedOrigin", o,
			fmt.Sprintf("The '*' of %q is not a whole label, so it also matches other domains under the public suffix %q, such as %s.", o, domain, example("evil")),
			fmt.Sprintf("Write %q for the domain and %q for its subdomains, as two entries.",
				left+strings.TrimPrefix(hostPrefix+suffix, "."), left+"*."+strings.TrimPrefix(hostPrefix+suffix, ".")))
	case isPublicSuffix(domain):
		l.add(CodePublicSuffixOrigin, i, "AllowedOrigin", o,
			fmt.Sprintf("%q is a public suffix: anyone can register a name under it, such as %s, and the pattern admits them all.", domain, example("attacker")),
			fmt.Sprintf("List your own sites exactly, or use a wildcard under a domain you control: %s.", left+"*.your-name."+domain))
	case !starInHost:
		l.add(CodeAnySchemeOrigin, i, "AllowedOrigin", o,
			fmt.Sprintf("The '*' of %q stands for the scheme as well, so http:// (and any other scheme) matches too.", o),
			fmt.Sprintf("Write %q.", "https://*"+suffix))
	default:
		return false
	}
	return true
}

// isPublicSuffix reports whether names directly under domain are open to anyone, by the
// Public Suffix List. A single label the list does not know (localhost, test, corp) is not
// treated as public: every real top-level domain is on the list.
func isPublicSuffix(domain string) bool {
	domain = strings.TrimSuffix(domain, ".")
	ps, icann := publicsuffix.PublicSuffix(domain)
	return ps == domain && (icann || strings.Contains(domain, "."))
}

// insecure reports http:// origins other than loopback ones.
func (l *linter) insecure(i int, o string) {
	rest, ok := strings.CutPrefix(o, "http://")
	if !ok {
		return
	}
	host := hostOf(rest)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasPrefix(host, "127.") || host == "[::1]" {
		return
	}
	if l.httpsHosts[host] {
		l.add(CodeHTTPBesideHTTPS, i, "AllowedOrigin", o,
			fmt.Sprintf("%q is allowed beside https://%s: anyone on the network path can alter the unencrypted page and act with the user's access.", o, host),
			fmt.Sprintf("Remove %q and redirect http to https on the site.", o))
		return
	}
	l.add(CodeHTTPOrigin, i, "AllowedOrigin", o,
		fmt.Sprintf("%q is a plain-http origin: its pages can be altered in transit.", o),
		fmt.Sprintf("Serve the site over https and allow %q instead.", "https://"+rest))
}

// hostOf returns the host of an origin's text after "scheme://".
func hostOf(rest string) string {
	if k := strings.IndexAny(rest, "/?#"); k >= 0 {
		rest = rest[:k]
	}
	if k := strings.LastIndexByte(rest, '@'); k >= 0 {
		rest = rest[k+1:]
	}
	host, _ := splitPort(rest)
	return host
}

// httpsHosts returns the hosts of the configuration's https:// origins.
func httpsHosts(c *cors.Config) map[string]bool {
	hosts := make(map[string]bool)
	for _, r := range c.Rules {
		for _, o := range r.AllowedOrigins {
			if rest, ok := strings.CutPrefix(o, "https://"); ok {
				hosts[hostOf(rest)] = true
			}
		}
	}
	return hosts
}
