package lint

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// The codes of the checks only a gateway policy has.
const (
	CodePreflightNeverMatches = "CORS501"
	CodeStarWithCredentials   = "CORS502"
	CodeErrorsWithoutCORS     = "CORS503"
	CodePreflightToUpstream   = "CORS504"
	CodeUpstreamOwnsCORS      = "CORS505"
	CodeUnusedPolicy          = "CORS506"
)

// PolicyChecks are the checks only a gateway policy (fetch.Config) has. A policy's other
// findings use the codes of Rules, whose classes they share.
var PolicyChecks = []Check{
	{CodePreflightNeverMatches, "preflight-never-matches", Warning,
		"An apigw-http policy without methods: API Gateway matches no preflight.",
		"An HTTP API whose CorsConfiguration has no AllowMethods answers no preflight with CORS headers, so every request that needs one fails in the browser. SAM's CorsConfiguration: true sets AllowOrigins only."},
	{CodeStarWithCredentials, "star-with-credentials", Warning,
		"A \"*\" sent as it is on credentialed responses, where browsers read it as a name.",
		"On a request with cookies or HTTP authentication, browsers refuse Access-Control-Allow-Origin: * and read \"*\" in Allow-Methods, Allow-Headers and Expose-Headers as a method or header literally named \"*\". API Gateway and a static mock method send the configured value unchanged."},
	{CodeErrorsWithoutCORS, "errors-without-cors", Warning,
		"An apigw-rest policy whose gateway error responses carry no Access-Control-Allow-Origin.",
		"API Gateway's own 4xx and 5xx answers (401 from an authorizer, 403, 429, 502, 504) then reach the page as a CORS error, hiding the status. Map the header in the DEFAULT_4XX and DEFAULT_5XX gateway responses."},
	{CodePreflightToUpstream, "preflight-to-upstream", Warning,
		"A gateway policy with preflight mode passthrough: preflights reach the upstream.",
		"A preflight carries no cookies and no Authorization, so an upstream that authenticates every request answers it 401 or 302, and the browser reports a CORS error. Answering preflights at the gateway is what keeps them away from upstream authentication."},
	{CodeUpstreamOwnsCORS, "upstream-owns-cors", Warning,
		"An enforced gateway policy with upstream_headers passthrough: the gateway answers preflights, the upstream's own headers answer the requests that follow.",
		"Two CORS configurations then decide one route: a preflight the policy allows is followed by a response whose Access-Control-* headers the application wrote, or forgot, and the browser refuses the response when they disagree. Proxies and applications that both add CORS headers are how duplicate Access-Control-Allow-Origin lines reach browsers."},
	{CodeUnusedPolicy, "unused-policy", Info,
		"A named gateway policy that no host, route or default applies.",
		"The gateway compiles it and refuses it when it is invalid, but no response follows it. The linter still judges it on its own, so that it is sound the day a route names it. It is often a policy meant for a route that names another by mistake."},
}

// checkFor finds a check of Rules or PolicyChecks.
func checkFor(code string) (Check, bool) {
	if c, ok := CheckFor(code); ok {
		return c, true
	}
	for _, c := range PolicyChecks {
		if c.Code == code {
			return c, true
		}
	}
	return Check{}, false
}

// Policy checks the gateway policy named name and returns its findings, in the order the
// checks run. Rule is -1 in every finding; ID is the policy's name, Policy its key path
// ("policies.web-app") and Field the configuration key with the entry's index ("origins[2]"). c may be a policy the gateway refuses: each fault
// fetch.Compile finds is a CodeRejected finding, and every other check that can still judge
// the policy does.
func Policy(name string, c *fetch.Config) []Finding {
	l := policyLinter{name: name, c: c, httpsHosts: map[string]bool{}}
	for _, o := range c.Origins {
		if rest, ok := strings.CutPrefix(o, "https://"); ok {
			l.httpsHosts[hostOf(rest)] = true
		}
	}
	l.rejected()
	for i, o := range c.Origins {
		l.origin(i, o)
	}
	for i, p := range c.OriginPatterns {
		l.pattern(i, p)
	}
	l.lists()
	l.maxAge("max_age", c.MaxAge)
	l.static("static", c.Static, true)
	l.static("errors_4xx", c.Errors4XX, false)
	l.static("errors_5xx", c.Errors5XX, false)
	if c.Semantics == fetch.APIGatewayREST && header(c.Static, "Access-Control-Allow-Origin") != "" {
		for _, f := range []struct {
			field string
			hs    []fetch.Header
		}{{"errors_4xx", c.Errors4XX}, {"errors_5xx", c.Errors5XX}} {
			if header(f.hs, "Access-Control-Allow-Origin") == "" {
				l.add(CodeErrorsWithoutCORS, f.field, "",
					fmt.Sprintf("The %s gateway response carries no Access-Control-Allow-Origin: API Gateway's own errors reach the page as a CORS error, not as their status.", strings.ToUpper(strings.TrimPrefix(f.field, "errors_"))),
					fmt.Sprintf("Map Access-Control-Allow-Origin: %q in it.", header(c.Static, "Access-Control-Allow-Origin")))
			}
		}
	}
	return l.out
}

type policyLinter struct {
	name       string
	c          *fetch.Config
	httpsHosts map[string]bool
	out        []Finding
}

func (l *policyLinter) add(code, field, value, message, fix string) {
	chk, ok := checkFor(code)
	if !ok {
		panic("lint: unknown check " + code)
	}
	l.out = append(l.out, Finding{Code: code, Name: chk.Name, Severity: chk.Severity, Rule: -1, ID: l.name,
		Policy: "policies." + l.name, Field: field, Value: value, Message: message, Fix: fix})
}

func at(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// rejected reports every fault fetch.Compile finds.
func (l *policyLinter) rejected() {
	_, err := fetch.Compile(l.c)
	for ce := range fetch.ConfigErrors(err) {
		field := ce.Field
		if ce.Index >= 0 {
			field = at(field, ce.Index)
		}
		l.add(CodeRejected, field, ce.Value, "The gateway refuses the policy: "+ce.Message+".", ce.Fix)
	}
}

// writeMethods are the methods that change state, which "*" admits from any page.
var writeMethods = []string{"PUT", "POST", "DELETE", "PATCH"}

func (l *policyLinter) origin(i int, o string) {
	c, field := l.c, at("origins", i)
	lower := strings.ToLower(o)
	switch {
	case o == "*":
		var writes []string
		for _, m := range c.Methods {
			if u := strings.ToUpper(m); slices.Contains(writeMethods, u) || m == "*" || u == "ALL" {
				writes = append(writes, m)
			}
		}
		if len(writes) > 0 {
			l.add(CodeWriteFromAnyOrigin, field, o,
				fmt.Sprintf("The policy allows %s to origin \"*\": any web page may send these requests to the API from its visitors' browsers and read the answers.", strings.Join(writes, ", ")),
				"List your application's origins exactly, or keep \"*\" in a policy of its own for the read-only routes.")
		}
		return
	case lower == "null":
		l.add(CodeNullOrigin, field, o,
			"Origin \"null\" admits every opaque origin: sandboxed iframes, data: URLs, file: pages and redirected requests, which any site can produce.",
			"Remove \"null\" and serve the page that needs the API from an https origin you list exactly.")
		return
	case lower == "http://*" || lower == "https://*":
		l.add(CodeAnyHostOrigin, field, o,
			fmt.Sprintf("%q admits every site on the web served over %s, and API Gateway answers each with its own origin%s.", o, strings.TrimSuffix(lower, "://*"), credentialsClause(c)),
			"List your application's origins exactly.")
		return
	}
	scheme, rest, hasScheme := strings.Cut(lower, "://")
	if !hasScheme {
		rest = lower
	}
	host := hostOf(rest)
	if d, ok := strings.CutPrefix(host, "*."); ok && isPublicSuffix(d) {
		l.add(CodePublicSuffixOrigin, field, o,
			fmt.Sprintf("%q is a public suffix: anyone can register a name under it, and the wildcard admits them all.", d),
			fmt.Sprintf("Use a wildcard under a domain you control: *.your-name.%s.", d))
		return
	}
	if !hasScheme && c.Semantics == fetch.CloudFront {
		l.add(CodeAnySchemeOrigin, field, o,
			fmt.Sprintf("%q names no scheme, so CloudFront admits it over http:// as well as https://.", o),
			fmt.Sprintf("Write %q.", "https://"+o))
		return
	}
	if scheme == "http" && !loopback(host) {
		if l.httpsHosts[host] {
			l.add(CodeHTTPBesideHTTPS, field, o,
				fmt.Sprintf("%q is allowed beside https://%s: anyone on the network path can alter the unencrypted page and call the API as the user%s.", o, host, credentialsClause(c)),
				fmt.Sprintf("Remove %q and redirect http to https on the site.", o))
			return
		}
		l.add(CodeHTTPOrigin, field, o,
			fmt.Sprintf("%q is a plain-http origin: its pages can be altered in transit%s.", o, credentialsClause(c)),
			fmt.Sprintf("Serve the site over https and allow %q instead.", "https://"+strings.TrimPrefix(o, "http://")))
	}
}

func credentialsClause(c *fetch.Config) string {
	if c.Credentials {
		return ", with the user's cookies (credentials: true)"
	}
	return ""
}

func loopback(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasPrefix(host, "127.") || host == "[::1]"
}

// probeOrigins are sites anyone can own (the reserved TLD example, a name under the public
// suffix github.io): a pattern that matches one admits strangers.
var probeOrigins = []string{"https://attacker.example", "http://attacker.example", "https://attacker.github.io"}

// pattern judges how far an anchored expression reaches.
func (l *policyLinter) pattern(i int, p string) {
	field := at("origin_patterns", i)
	re, err := regexp.Compile(p)
	if err != nil {
		return // refused by Compile
	}
	for _, probe := range probeOrigins {
		if re.MatchString(probe) {
			l.add(CodeAnyHostOrigin, field, p,
				fmt.Sprintf("%q matches %s, a site anyone can own: the expression admits hosts you do not control.", p, probe),
				`Anchor the host to your domain: ^https://[a-z0-9-]+\.example\.com$.`)
			return
		}
	}
	syn, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return
	}
	if why := looseDot(syn); why != "" {
		l.add(CodePartialLabelOrigin, field, p,
			fmt.Sprintf("In %q, %s, so the expression also admits other domains that differ by that character or end with the same letters.", p, why),
			`Escape every dot (\.) and let a wildcard stand for whole labels only: ^https://([a-z0-9-]+\.)?example\.com$.`)
		return
	}
	if strings.Contains(p, "https?") || strings.Contains(p, "(http|https)") || strings.Contains(p, "(https|http)") {
		l.add(CodeAnySchemeOrigin, field, p,
			fmt.Sprintf("%q admits http:// as well as https://: a plain-http page can be altered by anyone on the network path%s.", p, credentialsClause(l.c)),
			"Match https:// only.")
	}
}

// looseDot finds a '.' that matches any character where a literal dot was most likely meant:
// alone, or repeated and followed by a letter (".*example" matches "evilexample").
func looseDot(re *syntax.Regexp) string {
	anyChar := func(r *syntax.Regexp) bool { return r.Op == syntax.OpAnyCharNotNL || r.Op == syntax.OpAnyChar }
	switch re.Op {
	case syntax.OpConcat:
		for k, sub := range re.Sub {
			if anyChar(sub) {
				return "an unescaped '.' matches any character"
			}
			repeat := sub.Op == syntax.OpStar || sub.Op == syntax.OpPlus || sub.Op == syntax.OpRepeat
			if repeat && anyChar(sub.Sub[0]) && k+1 < len(re.Sub) {
				if next := re.Sub[k+1]; next.Op == syntax.OpLiteral && len(next.Rune) > 0 && next.Rune[0] != '.' {
					return fmt.Sprintf("%q is followed by %q without a dot between them", sub.String(), string(next.Rune))
				}
			}
			if why := looseDot(sub); why != "" {
				return why
			}
		}
	case syntax.OpAlternate, syntax.OpCapture:
		for _, sub := range re.Sub {
			if anyChar(sub) {
				return "an unescaped '.' matches any character"
			}
			if why := looseDot(sub); why != "" {
				return why
			}
		}
	}
	return ""
}

// lists checks methods and headers.
func (l *policyLinter) lists() {
	c := l.c
	if c.Semantics == fetch.APIGatewayHTTP && len(c.Methods) == 0 {
		l.add(CodePreflightNeverMatches, "methods", "",
			"The policy has no methods: API Gateway matches no preflight, so every request that needs one fails in the browser.",
			`Set methods (AllowMethods), e.g. [GET, POST, PUT, DELETE] or ["*"].`)
	}
	if i := slices.Index(c.RequestHeaders, "*"); i >= 0 && !slices.ContainsFunc(c.RequestHeaders, func(h string) bool { return strings.EqualFold(h, "authorization") }) {
		l.add(CodeAnyAllowedHeader, at("request_headers", i), "*",
			"\"*\" never covers Authorization (https://fetch.spec.whatwg.org/#http-access-control-allow-headers): a request that sends it fails its preflight.",
			"If the API takes Authorization, list it by name beside \"*\".")
	}
	if c.Credentials && c.Semantics == fetch.APIGatewayHTTP {
		for _, f := range []struct {
			field, header string
			list          []string
		}{{"methods", "Allow-Methods", c.Methods}, {"request_headers", "Allow-Headers", c.RequestHeaders}, {"expose_headers", "Expose-Headers", c.ExposeHeaders}} {
			if i := slices.Index(f.list, "*"); i >= 0 {
				l.add(CodeStarWithCredentials, at(f.field, i), "*",
					fmt.Sprintf("API Gateway sends Access-Control-%s: * as configured, and on a credentialed request browsers read it as a name, not a wildcard.", f.header),
					"List the names.")
			}
		}
	}
}

// maxAge checks a preflight lifetime in seconds.
func (l *policyLinter) maxAge(field string, v *int) {
	c := l.c
	switch {
	case v == nil:
		needs := len(c.RequestHeaders) > 0 || slices.ContainsFunc(c.Methods, func(m string) bool {
			return !slices.Contains([]string{"GET", "HEAD", "POST"}, strings.ToUpper(m))
		})
		if needs && c.Semantics != fetch.APIGatewayREST {
			l.add(CodeMaxAgeAbsent, field, "",
				"No max_age: browsers keep a preflight for 5 seconds only, so nearly every request that needs one costs an extra OPTIONS round trip.",
				"Set max_age, e.g. 600s (Chromium honours up to 7200).")
		}
	case *v > 7200:
		l.add(CodeMaxAgeCapped, field, strconv.Itoa(*v),
			fmt.Sprintf("Browsers cap the preflight cache (Chromium at 7200 seconds, Firefox at 86400): %d seconds makes preflights no rarer.", *v),
			"Set 7200 or less.")
	case *v <= 0:
		l.add(CodeMaxAgeNegative, field, strconv.Itoa(*v),
			fmt.Sprintf("A max_age of %d tells browsers not to cache the preflight: every request that needs one is preflighted.", *v),
			"Set a positive lifetime, e.g. 600, or leave it out (5 seconds).")
	}
}

// header returns the value of the named header in hs, "" if absent.
func header(hs []fetch.Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// static checks the headers an apigw-rest policy sends verbatim.
func (l *policyLinter) static(field string, hs []fetch.Header, preflight bool) {
	for i, h := range hs {
		f := at(field, i)
		switch strings.ToLower(h.Name) {
		case "access-control-allow-origin":
			o := strings.TrimSpace(h.Value)
			switch {
			case o == "*":
				if strings.EqualFold(header(hs, "Access-Control-Allow-Credentials"), "true") {
					l.add(CodeStarWithCredentials, f, h.Value,
						"Access-Control-Allow-Origin: * beside Access-Control-Allow-Credentials: true: browsers refuse the answer on every credentialed request.",
						"Send the application's origin instead.")
				}
			case strings.EqualFold(o, "null"):
				l.add(CodeNullOrigin, f, h.Value,
					"Access-Control-Allow-Origin: null admits every opaque origin: sandboxed iframes, data: URLs and file: pages, which any site can produce.",
					"Send the application's https origin.")
			case strings.ContainsAny(o, ", "):
				l.add(CodeOriginNeverMatches, f, h.Value,
					fmt.Sprintf("%q is a list, and browsers accept one origin in Access-Control-Allow-Origin: the answer never matches.", h.Value),
					"Send one origin; a REST API serving several needs a response template that picks the request's Origin.")
			default:
				if reasons, fix := unserialised(o); len(reasons) > 0 {
					action := "Send the application's origin, scheme://host[:port]."
					if fix != "" {
						action = fmt.Sprintf("Send %q.", fix)
					}
					l.add(CodeOriginNeverMatches, f, h.Value,
						fmt.Sprintf("%q never matches a browser's Origin: %s. Browsers compare the whole value.", h.Value, strings.Join(reasons, "; ")),
						action)
				} else if rest, ok := strings.CutPrefix(o, "http://"); ok && !loopback(hostOf(rest)) {
					l.add(CodeHTTPOrigin, f, h.Value,
						fmt.Sprintf("%q is a plain-http origin: its pages can be altered in transit.", h.Value),
						fmt.Sprintf("Serve the site over https and send %q instead.", "https://"+rest))
				}
			}
		case "access-control-allow-headers":
			names := strings.Split(h.Value, ",")
			for k := range names {
				names[k] = strings.TrimSpace(names[k])
			}
			if slices.Contains(names, "*") && !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, "authorization") }) {
				l.add(CodeAnyAllowedHeader, f, h.Value,
					"\"*\" never covers Authorization (https://fetch.spec.whatwg.org/#http-access-control-allow-headers): a request that sends it fails its preflight.",
					"If the API takes Authorization, list it by name beside \"*\".")
			}
		case "access-control-max-age":
			if preflight {
				if n, err := strconv.Atoi(strings.TrimSpace(h.Value)); err == nil {
					l.maxAge(f, &n)
				}
			}
		}
	}
}

// Modes are the gateway's own switches of a policy, as written in its configuration.
type Modes struct {
	Preflight string // preflight.mode: "answer" or "passthrough"
	// UpstreamHeaders is upstream_headers as written: "override", "upstream-wins" or
	// "passthrough"; "" when a default applies (apigw-rest's passthrough reproduces what REST
	// API proxy integrations do, and is not judged).
	UpstreamHeaders string
	Enforce         string // enforce: "on", "shadow" or "off"
}

// GatewayModes checks how the gateway applies the policy named name: where preflights go
// and whose Access-Control-* headers reach the browser. A policy that is not enforced
// changes no response, and gets no finding. Findings are located as Policy's.
func GatewayModes(name string, m Modes) []Finding {
	l := policyLinter{name: name}
	if m.Enforce != "on" {
		return nil
	}
	if m.Preflight == "passthrough" {
		l.add(CodePreflightToUpstream, "preflight.mode", m.Preflight,
			"Preflights go to the upstream: one that requires authentication answers them 401 or 302, since browsers send no credentials on a preflight, and the page sees a CORS error.",
			"Remove preflight.mode (answer, the default) so that the gateway answers preflights from the policy; keep passthrough only for an upstream that answers OPTIONS itself without authentication.")
	}
	if m.UpstreamHeaders == "passthrough" && m.Preflight != "passthrough" {
		l.add(CodeUpstreamOwnsCORS, "upstream_headers", m.UpstreamHeaders,
			"The gateway answers preflights from the policy but passes the upstream's Access-Control-* headers on every other response: the application must repeat the policy exactly, or the browser refuses the responses the preflight allowed.",
			"Remove upstream_headers (override, the default) so that the gateway alone writes CORS headers; if the application must own CORS here, set preflight.mode: passthrough too and enforce: off.")
	}
	return l.out
}

// UnusedPolicy is the finding for a named policy nothing applies.
func UnusedPolicy(name string) Finding {
	l := policyLinter{name: name}
	l.add(CodeUnusedPolicy, "", "",
		fmt.Sprintf("No host, route or default applies policy %q: no response follows it; its other findings are its own, judged as if a route applied it as it is.", name),
		"Name it in a cors block (cors: { policy: "+name+" }), or remove it.")
	return l.out[0]
}
