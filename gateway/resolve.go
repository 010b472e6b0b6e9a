package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/doorman-s3/doorman/cors/awsconfig"
	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/internal/errlist"
)

// loc is a position in the configuration: file, line and column ("" file: a flag).
type loc struct {
	file      string
	line, col int
}

func (l loc) String() string {
	if l.file == "" || l.line == 0 {
		return l.file
	}
	return fmt.Sprintf("%s:%d:%d", l.file, l.line, l.col)
}

// where is the provenance of one effective field: the policy, override, import or flag that
// set it, the key path, and the position of the value and of each list item.
type where struct {
	source string // "policy web-app", "override in route hosts[0].routes[1]", "flag --allow-origin"
	path   string // "policies.web-app.origins", or the flag
	at     loc
	items  []loc
}

// field names the settings a policy or an override can set.
type field uint8

const (
	fOrigins field = iota
	fOriginPatterns
	fMethods
	fRequestHeaders
	fExposeHeaders
	fMaxAge
	fCredentials
	fSemantics
	fAdvertise
	fPreflightMode
	fSuccessStatus
	fFailureStatus
	fUpstreamHeaders
	fEnforce
	numFields
	numLists = fExposeHeaders + 1
)

// fieldKeys are the fields' names as written in the file (the key path below the policy).
var fieldKeys = [numFields]string{"origins", "origin_patterns", "methods", "request_headers", "expose_headers",
	"max_age", "credentials", "semantics", "advertise", "preflight.mode", "preflight.success_status",
	"preflight.failure_status", "upstream_headers", "enforce"}

// fetchFields maps fetch.ConfigError.Field to the setting it is about.
var fetchFields = map[string]field{"origins": fOrigins, "origin_patterns": fOriginPatterns, "methods": fMethods,
	"request_headers": fRequestHeaders, "expose_headers": fExposeHeaders, "max_age": fMaxAge,
	"credentials": fCredentials, "semantics": fSemantics, "advertise": fAdvertise,
	"preflight_status": fSuccessStatus, "failure_status": fFailureStatus}

// The words of the gateway's own switches, indexed by their values.
var (
	advertiseWords = []string{"requested", "configured"}
	preflightWords = []string{"answer", "passthrough"}
	upstreamWords  = []string{"override", "upstream-wins", "passthrough"}
	enforceWords   = []string{"on", "shadow", "off"}
)

type preflightMode uint8

const (
	preflightAnswer      preflightMode = iota // answered at the gateway, never forwarded
	preflightPassthrough                      // forwarded to the upstream, decorated on the way out
)

type upstreamMode uint8

const (
	upstreamOverride    upstreamMode = iota // drop the upstream's Access-Control-*, add the gateway's
	upstreamWins                            // keep the upstream's, add the gateway's where absent
	upstreamPassthrough                     // never touch Access-Control-* of upstream responses
)

type enforceMode uint8

const (
	enforceOn     enforceMode = iota
	enforceShadow             // evaluate and count; the route behaves as without a policy
	enforceOff                // neither evaluate nor apply; the route behaves as without a policy
)

// settings are a policy's fields: a named policy's own, an override's, or the effective ones
// after resolution. from[f] is where field f was set; nil means not set (the default).
type settings struct {
	lists         [numLists][]string
	maxAge        *int
	credentials   bool
	semantics     fetch.Semantics
	advertise     fetch.Advertise
	preflight     preflightMode
	successStatus int
	failureStatus int
	upstream      upstreamMode
	enforce       enforceMode
	// apigw-rest's static preflight headers and gateway-response headers, from an import,
	// and the OPTIONS answer of each resource of the imported API.
	static, errors4XX, errors5XX []fetch.Header
	paths                        []awsconfig.PathPreflight
	from                         [numFields]*where
}

// apply sets in s every field o sets: the override rule, which replaces fields (lists too)
// and never merges them.
func (s *settings) apply(o *settings) {
	for f := range numFields {
		if o.from[f] == nil {
			continue
		}
		s.from[f] = o.from[f]
		switch {
		case f < numLists:
			s.lists[f] = o.lists[f]
		case f == fMaxAge:
			s.maxAge = o.maxAge
		case f == fCredentials:
			s.credentials = o.credentials
		case f == fSemantics:
			s.semantics = o.semantics
		case f == fAdvertise:
			s.advertise = o.advertise
		case f == fPreflightMode:
			s.preflight = o.preflight
		case f == fSuccessStatus:
			s.successStatus = o.successStatus
		case f == fFailureStatus:
			s.failureStatus = o.failureStatus
		case f == fUpstreamHeaders:
			s.upstream = o.upstream
		case f == fEnforce:
			s.enforce = o.enforce
		}
	}
	if o.static != nil || o.errors4XX != nil || o.errors5XX != nil || o.paths != nil {
		s.static, s.errors4XX, s.errors5XX, s.paths = o.static, o.errors4XX, o.errors5XX, o.paths
	}
}

// fetchConfig is the policy model's configuration for s.
func (s *settings) fetchConfig() *fetch.Config {
	return &fetch.Config{
		Semantics:       s.semantics,
		Origins:         s.lists[fOrigins],
		OriginPatterns:  s.lists[fOriginPatterns],
		Methods:         s.lists[fMethods],
		RequestHeaders:  s.lists[fRequestHeaders],
		ExposeHeaders:   s.lists[fExposeHeaders],
		MaxAge:          s.maxAge,
		Credentials:     s.credentials,
		Advertise:       s.advertise,
		PreflightStatus: s.successStatus,
		FailureStatus:   s.failureStatus,
		Static:          s.static,
		Errors4XX:       s.errors4XX,
		Errors5XX:       s.errors5XX,
	}
}

// value renders field f for explain and the effective configuration.
func (s *settings) value(f field) string {
	switch {
	case f < numLists:
		if s.lists[f] == nil {
			return "[]"
		}
		return "[" + strings.Join(s.lists[f], ", ") + "]"
	case f == fMaxAge:
		if s.maxAge == nil {
			return "not set (no Access-Control-Max-Age)"
		}
		return strconv.Itoa(*s.maxAge) + "s"
	case f == fCredentials:
		return strconv.FormatBool(s.credentials)
	case f == fSemantics:
		return s.semantics.String()
	case f == fAdvertise:
		return advertiseWords[s.advertise]
	case f == fPreflightMode:
		return preflightWords[s.preflight]
	case f == fSuccessStatus:
		return statusValue(s.successStatus)
	case f == fFailureStatus:
		return statusValue(s.failureStatus)
	case f == fUpstreamHeaders:
		return upstreamWords[s.upstream]
	default:
		return enforceWords[s.enforce]
	}
}

func statusValue(n int) string {
	if n == 0 {
		return "the semantics' default"
	}
	return strconv.Itoa(n)
}

// policyDef is a named policy as written.
type policyDef struct {
	name     string
	at       loc
	own      *settings
	imp      *importDef
	eff      *settings     // defaults, then the import, then own fields
	compiled *fetch.Policy // nil when invalid
	rest     *restPaths    // an apigw-rest import's answer per resource; nil when one answer fits all
}

// importDef is a policy's `import:` of a configuration AWS users already deploy: a file, or
// for CloudFront a managed policy by name.
type importDef struct {
	format, file, resource, managed string
	at                              loc
	path                            string
}

// hostDef is a host as written, its routes sorted longest path first at resolution.
type hostDef struct {
	at           loc
	match        string // as written, lower-cased: "api.example.com", "*", "{tenant}.t.example.com"
	kind         hostKind
	suffix       string // for hostTenant: ".t.example.com"
	badMatch     bool
	upstream     *upstreamDef
	preserveHost bool
	cors         *corsDef
	cache        *cacheDef
	routes       []*routeDef
	self         *routeDef // what the host's paths outside every route reach
}

type hostKind uint8

const (
	hostExact hostKind = iota
	hostAny
	hostTenant
)

// routeDef is a route (or a host's own catch-all, path ""), resolved: its upstream and its
// effective CORS block.
type routeDef struct {
	at       loc
	name     string // the metric label: host match + path; "-" for requests no host matches
	host     *hostDef
	path     string
	upstream *upstreamDef
	cors     *corsDef  // as written on the route
	eff      *corsDef  // effective: route > host > defaults; nil or off = no policy
	cache    *cacheDef // as written on the route
	effCache *cacheDef // effective: route > host; nil = no cache
	index    int       // in Config.routes
}

type upstreamDef struct {
	url *url.URL
	at  loc
}

// corsDef is a `cors:` block: off, or a named policy with an optional override, resolved
// into effective settings and compiled.
type corsDef struct {
	level       string // "defaults", "host hosts[0]", "route hosts[0].routes[1]"
	field       string
	at          loc
	off         bool
	policy      string
	override    *settings
	hasOverride bool
	originsFrom *originsFrom
	eff         *settings
	compiled    *fetch.Policy
	rest        *restPaths
}

// originsFrom takes a tenant host's origins from a file per tenant.
type originsFrom struct {
	file    string // absolute, with "{tenant}"
	onError string // keep-last | deny-all
	at      loc
}

var policyKeys = []string{"origins", "origin_patterns", "methods", "request_headers", "expose_headers",
	"max_age", "credentials", "semantics", "advertise", "preflight", "upstream_headers", "enforce", "import"}

// maxMaxAge bounds what a duration can say before the policy model checks its own range.
const maxMaxAge = 365 * 24 * time.Hour

// settings decodes a policy's fields (policy: true allows import:) or an override's.
func (d *decoder) settings(cfg *Config, n *yaml.Node, prefix, source string, policy bool, imp **importDef) *settings {
	s := &settings{}
	keys := policyKeys
	if !policy {
		keys = keys[:len(keys)-1]
	}
	set := func(f field, v *yaml.Node, items []loc) {
		s.from[f] = &where{source: source, path: join(prefix, fieldKeys[f]), at: d.at(v), items: items}
	}
	d.mapping(n, prefix, keys, func(key string, _, v *yaml.Node) {
		path := join(prefix, key)
		switch key {
		case "origins", "origin_patterns", "methods", "request_headers", "expose_headers":
			f := field(slices.Index(fieldKeys[:numLists], key))
			if list, items, ok := d.strList(v, path); ok {
				s.lists[f] = list
				set(f, v, items)
			}
		case "max_age":
			if t, ok := d.duration(v, path, maxMaxAge); ok {
				if t%time.Second != 0 {
					d.errorf(v, path, "%s is not a whole number of seconds", v.Value)
					return
				}
				secs := int(t / time.Second)
				s.maxAge = &secs
				set(fMaxAge, v, nil)
			}
		case "credentials":
			if b, ok := d.boolean(v, path); ok {
				s.credentials = b
				set(fCredentials, v, nil)
			}
		case "semantics":
			if str, ok := d.str(v, path); ok {
				sem, err := fetch.ParseSemantics(str)
				if err != nil {
					d.errorf(v, path, "%v", err)
					return
				}
				s.semantics = sem
				set(fSemantics, v, nil)
			}
		case "advertise":
			if i, ok := d.enum(v, path, advertiseWords); ok {
				s.advertise = fetch.Advertise(i)
				set(fAdvertise, v, nil)
			}
		case "preflight":
			d.mapping(v, path, []string{"mode", "success_status", "failure_status"}, func(key string, _, v *yaml.Node) {
				sub := path + "." + key
				switch key {
				case "mode":
					if i, ok := d.enum(v, sub, preflightWords); ok {
						s.preflight = preflightMode(i)
						set(fPreflightMode, v, nil)
					}
				case "success_status":
					if i, ok := d.integer(v, sub); ok {
						s.successStatus = i
						set(fSuccessStatus, v, nil)
					}
				case "failure_status":
					if i, ok := d.integer(v, sub); ok {
						s.failureStatus = i
						set(fFailureStatus, v, nil)
					}
				}
			})
		case "upstream_headers":
			if i, ok := d.enum(v, path, upstreamWords); ok {
				s.upstream = upstreamMode(i)
				set(fUpstreamHeaders, v, nil)
			}
		case "enforce":
			if i, ok := d.enum(v, path, enforceWords); ok {
				s.enforce = enforceMode(i)
				set(fEnforce, v, nil)
			}
		case "import":
			*imp = d.importDef(cfg, v, path)
		}
	})
	return s
}

var importFormats = []string{"apigw-http", "openapi", "sam", "cloudfront"}

func (d *decoder) importDef(cfg *Config, n *yaml.Node, field string) *importDef {
	imp := &importDef{at: d.at(n), path: field}
	d.mapping(n, field, []string{"format", "file", "resource", "managed"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "managed":
			imp.managed, _ = d.str(v, field+".managed")
		case "format":
			if i, ok := d.enum(v, field+".format", importFormats); ok {
				imp.format = importFormats[i]
			}
		case "file":
			if s, ok := d.str(v, field+".file"); ok {
				imp.file = s
			}
		case "resource":
			imp.resource, _ = d.str(v, field+".resource")
		}
	})
	if n.Kind != yaml.MappingNode {
		return nil
	}
	switch {
	case imp.managed != "" && imp.format != "cloudfront":
		d.errorf(n, field+".managed", "names a CloudFront managed response headers policy: write format: cloudfront")
		return nil
	case imp.managed != "" && (imp.file != "" || imp.resource != ""):
		d.errorf(n, field+".managed", "a managed policy is read from no file: give managed or file, not both")
		return nil
	case imp.format == "" || imp.file == "" && imp.managed == "":
		d.errorf(n, field, "needs format (%s) and file (or, for cloudfront, managed: the name of a managed policy such as CORS-With-Preflight)", strings.Join(importFormats, ", "))
		return nil
	}
	return imp
}

func (d *decoder) upstream(n *yaml.Node, field string) *upstreamDef {
	s, ok := d.str(n, field)
	if !ok {
		return nil
	}
	u, ok := parseUpstream(s)
	if !ok {
		d.errorf(n, field, "%q is not an upstream URL such as http://127.0.0.1:8081", s)
		return nil
	}
	return &upstreamDef{url: u, at: d.at(n)}
}

// parseUpstream reads an upstream URL: http or https, a host, no query, fragment or
// credentials.
func parseUpstream(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, false
	}
	return u, true
}

// setMatch validates and records a host's match; it returns what is wrong, or "".
func (h *hostDef) setMatch(s string) string {
	h.badMatch = true
	m := strings.ToLower(strings.TrimSuffix(s, "."))
	switch {
	case m == "*":
		h.kind = hostAny
	case strings.HasPrefix(m, "{tenant}."):
		h.kind, h.suffix = hostTenant, m[len("{tenant}"):]
		if !validHostname(h.suffix[1:]) {
			return fmt.Sprintf("%q: the part after {tenant}. is not a host name", s)
		}
	case validHostname(m):
		h.kind = hostExact
	default:
		return fmt.Sprintf("%q is not a host name (no scheme, port or path), \"*\", or \"{tenant}.suffix\"", s)
	}
	h.match, h.badMatch = m, false
	return ""
}

// validHostname reports whether s is a DNS name or an IP literal in a Host header's form.
func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if !validLabel(label) {
			return false
		}
	}
	return true
}

// validLabel reports whether s is one DNS label (letters, digits, '-', at most 63 bytes, no
// '-' at either end; '_' is tolerated, as in service names).
func validLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// defaultSettings is what a field is when nothing sets it.
func defaultSettings() *settings { return &settings{} }

// restPassthrough is the provenance of apigw-rest's default upstream_headers.
var restPassthrough = &where{source: "default of apigw-rest: a proxy integration passes the backend's headers untouched"}

// semanticsDefaults sets the defaults that depend on the semantics, where nothing set the
// field: an apigw-rest policy leaves the upstream's Access-Control-* headers alone, as REST
// API proxy integrations do (HTTP_PROXY and AWS_PROXY responses pass through; only the mock
// OPTIONS method and the gateway responses are the API's own).
func semanticsDefaults(s *settings) {
	if s.semantics == fetch.APIGatewayREST && (s.from[fUpstreamHeaders] == nil || s.from[fUpstreamHeaders] == restPassthrough) {
		s.upstream, s.from[fUpstreamHeaders] = upstreamPassthrough, restPassthrough
	} else if s.from[fUpstreamHeaders] == restPassthrough {
		s.upstream, s.from[fUpstreamHeaders] = upstreamOverride, nil
	}
}

// resolve compiles every policy and every CORS block, attaches each route's effective block
// (route > host > defaults), and builds the routing table's order. Errors go to errs.
func resolve(cfg *Config, errs *errorList) {
	for _, name := range cfg.names {
		p := cfg.policies[name]
		p.eff = defaultSettings()
		if p.imp != nil {
			imported := runImport(cfg, p.imp, errs)
			if imported == nil {
				continue
			}
			p.eff.apply(imported)
		}
		p.eff.apply(p.own)
		semanticsDefaults(p.eff)
		p.compiled = compile(p.eff, p.at, "policies."+name, errs, "")
		if p.compiled != nil && p.imp != nil {
			p.rest = compileREST(p.eff, p.imp.at, p.imp.path, errs)
		}
	}
	resolveCORS(cfg, cfg.defaults, errs)
	for _, h := range cfg.hosts {
		resolveCORS(cfg, h.cors, errs)
		for _, r := range h.routes {
			resolveCORS(cfg, r.cors, errs)
		}
	}
	buildRoutes(cfg)
	for _, r := range cfg.routes {
		if c := r.eff; c.active() && c.originsFrom != nil && (r.host == nil || r.host.kind != hostTenant) {
			at, what := c.originsFrom.at, "route "+r.name
			if r.host == nil {
				what = "requests that match no host"
			}
			errs.add(&Error{File: at.file, Line: at.line, Col: at.col, Field: c.field + ".origins_from",
				Message: "only a {tenant} host has a tenant to read the origins of, and this block applies to " + what})
		}
	}
}

// resolveCORS computes a block's effective settings and compiles them when an override
// changes the named policy's.
func resolveCORS(cfg *Config, c *corsDef, errs *errorList) {
	if c == nil || c.off {
		return
	}
	p := cfg.policies[c.policy]
	if p == nil || p.eff == nil {
		return
	}
	if !c.hasOverride {
		c.eff, c.compiled, c.rest = p.eff, p.compiled, p.rest
		return
	}
	eff := *p.eff
	eff.apply(c.override)
	semanticsDefaults(&eff)
	c.eff = &eff
	if p.compiled == nil {
		// The policy's own errors are reported already; only the override's can be new.
		compileOverride(&eff, c, errs)
		return
	}
	c.compiled = compile(&eff, c.at, c.field, errs, fmt.Sprintf(" (policy %s as overridden at %s)", c.policy, c.at))
	if c.compiled != nil {
		c.rest = compileREST(&eff, c.at, c.field, errs)
	}
}

// compileOverride reports the errors an override's own fields cause, for a policy that
// does not compile on its own.
func compileOverride(eff *settings, c *corsDef, errs *errorList) {
	_, err := fetch.Compile(eff.fetchConfig())
	for _, e := range errlist.Flatten(err) {
		var ce *fetch.ConfigError
		if errors.As(e, &ce) {
			if f, ok := fetchFields[ce.Field]; ok && eff.from[f] != nil && eff.from[f] == c.override.from[f] {
				errs.add(locate(ce, eff, c.at, c.field))
			}
		}
	}
}

// compile compiles s, mapping each error back to the position of the field (or list item)
// it is about; suffix is added to errors about fields the override did not set.
func compile(s *settings, at loc, path string, errs *errorList, suffix string) *fetch.Policy {
	p, err := fetch.Compile(s.fetchConfig())
	if err == nil {
		return p
	}
	for _, e := range errlist.Flatten(err) {
		var ce *fetch.ConfigError
		if !errors.As(e, &ce) {
			errs.add(&Error{File: at.file, Line: at.line, Col: at.col, Field: path, Message: e.Error()})
			continue
		}
		le := locate(ce, s, at, path)
		if f, ok := fetchFields[ce.Field]; suffix != "" && (!ok || s.from[f] == nil || !strings.HasPrefix(s.from[f].source, "override")) {
			le.Message += suffix
		}
		errs.add(le)
	}
	return nil
}

// locate places a policy-model error at the field (and list item) that caused it, or at the
// policy when the field was not set (a default that the semantics refuses).
func locate(ce *fetch.ConfigError, s *settings, at loc, path string) *Error {
	msg := ce.Message
	if ce.Fix != "" {
		msg += "; " + ce.Fix
	}
	e := &Error{File: at.file, Line: at.line, Col: at.col, Field: path + "." + ce.Field, Message: msg}
	f, ok := fetchFields[ce.Field]
	if !ok || s.from[f] == nil {
		return e
	}
	w := s.from[f]
	e.File, e.Line, e.Col, e.Field = w.at.file, w.at.line, w.at.col, w.path
	if ce.Index >= 0 && ce.Index < len(w.items) {
		it := w.items[ce.Index]
		e.Line, e.Col = it.line, it.col
		if it.file == "" { // a flag: its values have no position
			e.Field = fmt.Sprintf("%s %q", w.path, ce.Value)
		} else {
			e.Field = fmt.Sprintf("%s[%d]", w.path, ce.Index)
			if ce.Value != "" && !strings.Contains(msg, `"`) {
				// The message quotes nothing of the value: say which it is.
				e.Message = fmt.Sprintf("%q: %s", ce.Value, msg)
			}
		}
	}
	return e
}

// buildRoutes lists every route (each host's catch-all and the fallback included) with its
// effective CORS block and upstream, and sorts each host's routes longest path first.
func buildRoutes(cfg *Config) {
	var routes []*routeDef
	add := func(r *routeDef) {
		r.index = len(routes)
		routes = append(routes, r)
	}
	fallback := &routeDef{name: "-", eff: effective(cfg.defaults)}
	add(fallback)
	for _, h := range cfg.hosts {
		h.self = &routeDef{at: h.at, name: h.match, host: h, upstream: h.upstream, eff: effective(h.cors, cfg.defaults),
			effCache: effectiveCache(h.cache)}
		add(h.self)
		for _, r := range h.routes {
			r.host, r.name = h, h.match+r.path
			if r.upstream == nil {
				r.upstream = h.upstream
			}
			r.eff = effective(r.cors, h.cors, cfg.defaults)
			r.effCache = effectiveCache(r.cache, h.cache)
			add(r)
		}
		slices.SortStableFunc(h.routes, func(a, b *routeDef) int { return len(b.path) - len(a.path) })
	}
	cfg.routes = routes
	cfg.router = newRouter(cfg.hosts)
}

// effective is the first block given, most specific first (an "off" block included); nil
// when none is.
func effective(blocks ...*corsDef) *corsDef {
	for _, c := range blocks {
		if c != nil {
			return c
		}
	}
	return nil
}

// active reports whether c applies a policy.
func (c *corsDef) active() bool { return c != nil && !c.off }
