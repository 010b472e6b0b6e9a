package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/doorman-s3/doorman/cors/awsconfig"
	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/edge"
	"github.com/doorman-s3/doorman/internal/errlist"
	"github.com/doorman-s3/doorman/internal/suggest"
)

// EdgeLimits bound the edge cache's memory (the top-level edge block). They apply at start.
type EdgeLimits struct {
	MaxBytes      int64 // edge.memory: the store's budget
	MaxEntryBytes int64 // edge.max_object: the largest object stored
}

// Bounds of the edge block.
const (
	maxEdgeMemory = 64 << 30 // a cache larger than this belongs on a disk
	minEdgeMemory = 64 << 10
	// maxEdgeTTL bounds what a duration can say before the cache policy checks its range.
	maxEdgeTTL = 100 * 365 * 24 * time.Hour
)

// cacheDef is a host's or route's cache block: a CloudFront cache behaviour.
type cacheDef struct {
	at      loc
	field   string
	level   string // "host hosts[0]", "route hosts[0].routes[1]"
	off     bool
	policy  *edge.CachePolicy
	origin  *edge.OriginRequestPolicy
	options bool
	headers *edge.ResponseHeadersPolicy
	// How each part was given, for explain: "CachingOptimized (managed)", "custom at f:3:5".
	policyName, originName, headersName string
}

var cacheKeys = []string{"policy", "origin_request_policy", "cached_methods", "response_headers_policy"}

// cacheBlock decodes `cache: off` or `cache: { policy, origin_request_policy, cached_methods,
// response_headers_policy }`.
func (d *decoder) cacheBlock(cfg *Config, n *yaml.Node, field, level string) *cacheDef {
	c := &cacheDef{at: d.at(n), field: field, level: level}
	if n.Kind == yaml.ScalarNode && (n.Value == "off" || n.Tag == "!!bool" && n.Value == "false") {
		c.off = true
		return c
	}
	ok := true
	d.mapping(n, field, cacheKeys, func(key string, _, v *yaml.Node) {
		path := field + "." + key
		switch key {
		case "policy":
			c.policy, c.policyName = d.cachePolicy(v, path)
			ok = ok && c.policy != nil
		case "origin_request_policy":
			c.origin, c.originName = d.originPolicy(v, path)
			ok = ok && c.origin != nil
		case "cached_methods":
			if list, _, good := d.strList(v, path); good {
				opts, err := edge.ParseCachedMethods(list)
				if err != nil {
					d.errorf(v, path, "%v", err)
					ok = false
				}
				c.options = opts
			}
		case "response_headers_policy":
			c.headers, c.headersName = d.responseHeaders(cfg, v, path)
			ok = ok && c.headers != nil
		}
	})
	if n.Kind == yaml.MappingNode && c.policy == nil && ok {
		d.errorf(n, field+".policy", "missing: a cache behaviour has a cache policy, e.g. policy: CachingOptimized (or CachingDisabled)")
		return nil
	}
	if !ok || n.Kind != yaml.MappingNode {
		return nil
	}
	return c
}

// cachePolicy decodes a managed cache policy's name or id, or a custom policy.
func (d *decoder) cachePolicy(n *yaml.Node, field string) (*edge.CachePolicy, string) {
	if n.Kind == yaml.ScalarNode {
		p, err := edge.ManagedCachePolicy(n.Value)
		if err != nil {
			d.managedError(n, field, n.Value, err, edge.ManagedCachePolicyNames())
			return nil, ""
		}
		return p, p.Name + " (managed, " + p.ID + ")"
	}
	p := &edge.CachePolicy{DefaultTTL: 86400 * time.Second, MaxTTL: 31536000 * time.Second}
	defaultSet := false
	ok := true
	d.mapping(n, field, []string{"min_ttl", "default_ttl", "max_ttl", "headers", "cookies", "query_strings", "accept_encoding"},
		func(key string, _, v *yaml.Node) {
			path := field + "." + key
			switch key {
			case "min_ttl", "default_ttl", "max_ttl":
				t, good := d.duration(v, path, maxEdgeTTL)
				ok = ok && good
				switch key {
				case "min_ttl":
					p.MinTTL = t
				case "default_ttl":
					p.DefaultTTL, defaultSet = t, true
				default:
					p.MaxTTL = t
				}
			case "headers":
				if list, _, good := d.strList(v, path); good {
					p.Headers = edge.Values{Mode: edge.Whitelist, Names: list}
					if len(list) == 0 {
						p.Headers = edge.Values{}
					}
				} else {
					ok = false
				}
			case "cookies", "query_strings":
				vals, good := d.values(v, path)
				ok = ok && good
				if key == "cookies" {
					p.Cookies = vals
				} else {
					p.QueryStrings = vals
				}
			case "accept_encoding":
				if list, _, good := d.strList(v, path); good {
					for _, e := range list {
						switch strings.ToLower(e) {
						case "gzip":
							p.Gzip = true
						case "br":
							p.Brotli = true
						default:
							d.errorf(v, path, "%q is not gzip or br, the encodings CloudFront normalises", e)
							ok = false
						}
					}
				}
			}
		})
	if !defaultSet {
		// CloudFront's default DefaultTTL, one day, lowered to a smaller max_ttl.
		p.DefaultTTL = min(p.DefaultTTL, p.MaxTTL)
	}
	if !ok {
		return nil, ""
	}
	if err := p.Validate(); err != nil {
		d.errorf(n, field, "%v", err)
		return nil, ""
	}
	return p, "custom (" + d.at(n).String() + ")"
}

// originPolicy decodes a managed origin request policy's name or id, or a custom policy.
func (d *decoder) originPolicy(n *yaml.Node, field string) (*edge.OriginRequestPolicy, string) {
	if n.Kind == yaml.ScalarNode {
		p, err := edge.ManagedOriginRequestPolicy(n.Value)
		if err != nil {
			d.managedError(n, field, n.Value, err, edge.ManagedOriginRequestPolicyNames())
			return nil, ""
		}
		return p, p.Name + " (managed, " + p.ID + ")"
	}
	p := &edge.OriginRequestPolicy{}
	ok := true
	d.mapping(n, field, []string{"headers", "cookies", "query_strings"}, func(key string, _, v *yaml.Node) {
		vals, good := d.values(v, field+"."+key)
		ok = ok && good
		switch key {
		case "headers":
			p.Headers = vals
		case "cookies":
			p.Cookies = vals
		default:
			p.QueryStrings = vals
		}
	})
	if !ok {
		return nil, ""
	}
	if err := p.Validate(); err != nil {
		d.errorf(n, field, "%v", err)
		return nil, ""
	}
	return p, "custom (" + d.at(n).String() + ")"
}

// values decodes the values of a policy part: none, all, a list (whitelist), or
// {all_except: [...]}.
func (d *decoder) values(n *yaml.Node, field string) (edge.Values, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.Value {
		case "none":
			return edge.Values{}, true
		case "all":
			return edge.Values{Mode: edge.All}, true
		}
		d.errorf(n, field, "%q is not none, all, a list of names, or {all_except: [names]}", n.Value)
		return edge.Values{}, false
	case yaml.SequenceNode:
		list, _, ok := d.strList(n, field)
		if len(list) == 0 {
			return edge.Values{}, ok
		}
		return edge.Values{Mode: edge.Whitelist, Names: list}, ok
	}
	var out edge.Values
	ok := false
	d.mapping(n, field, []string{"all_except"}, func(_ string, _, v *yaml.Node) {
		var list []string
		list, _, ok = d.strList(v, field+".all_except")
		out = edge.Values{Mode: edge.AllExcept, Names: list}
	})
	return out, ok
}

func (d *decoder) managedError(n *yaml.Node, field, name string, err error, names []string) {
	msg := err.Error()
	if s := suggest.Closest(name, names); s != "" {
		msg = fmt.Sprintf("no managed policy is named %q (did you mean %q?)", name, s)
	}
	d.errorf(n, field, "%s", msg)
}

var responseHeadersKeys = []string{"managed", "import", "origins", "methods", "headers", "expose_headers", "max_age", "credentials", "origin_override"}

// responseHeaders decodes a response headers policy's CORS section: a managed policy by name
// ({managed: SimpleCORS}, or the name alone), the output of `aws cloudfront
// get-response-headers-policy-config` ({import: file.json}), or a CorsConfig written here,
// validated as CloudFront validates it (cors/fetch in cloudfront semantics).
func (d *decoder) responseHeaders(cfg *Config, n *yaml.Node, field string) (*edge.ResponseHeadersPolicy, string) {
	managed := func(v *yaml.Node, path string) (*edge.ResponseHeadersPolicy, string) {
		p, warnings, err := edge.ManagedResponseHeadersPolicy(v.Value)
		if err != nil {
			d.errorf(v, path, "%v", err)
			return nil, ""
		}
		for _, w := range warnings {
			l := d.at(v)
			cfg.Warnings = append(cfg.Warnings, &Error{File: l.file, Line: l.line, Col: l.col, Field: path, Message: w})
		}
		return p, v.Value + " (managed)"
	}
	if n.Kind == yaml.ScalarNode {
		return managed(n, field)
	}
	c := &fetch.Config{Semantics: fetch.CloudFront, Advertise: fetch.AdvertiseConfigured}
	var out *edge.ResponseHeadersPolicy
	name := ""
	override, hasOverride, ok, written := false, false, true, false
	d.mapping(n, field, responseHeadersKeys, func(key string, _, v *yaml.Node) {
		path := field + "." + key
		switch key {
		case "managed":
			out, name = managed(v, path)
			ok = ok && out != nil
		case "import":
			out, name = d.importResponseHeaders(cfg, v, path)
			ok = ok && out != nil
		case "origins", "methods", "headers", "expose_headers":
			written = true
			list, _, good := d.strList(v, path)
			ok = ok && good
			switch key {
			case "origins":
				c.Origins = list
			case "methods":
				c.Methods = list
			case "headers":
				c.RequestHeaders = list
			default:
				c.ExposeHeaders = list
			}
		case "max_age":
			written = true
			t, good := d.duration(v, path, maxMaxAge)
			ok = ok && good
			secs := int(t / time.Second)
			c.MaxAge = &secs
		case "credentials":
			written = true
			b, good := d.boolean(v, path)
			ok = ok && good
			c.Credentials = b
		case "origin_override":
			override, hasOverride = d.boolean(v, path)
			ok = ok && hasOverride
		}
	})
	if !ok || n.Kind != yaml.MappingNode {
		return nil, ""
	}
	if out != nil {
		if written {
			d.errorf(n, field, "a managed or imported policy is used as it is: write its fields only in a CorsConfig of your own")
			return nil, ""
		}
		if hasOverride {
			out.OriginOverride = override
		}
		return out, name
	}
	if !hasOverride {
		d.errorf(n, field+".origin_override", "missing: CloudFront's CorsConfig requires OriginOverride (true: the policy's headers replace the origin's)")
		return nil, ""
	}
	p, err := fetch.Compile(c)
	if err != nil {
		for ce := range fetch.ConfigErrors(err) {
			d.errorf(n, field+"."+strings.Replace(ce.Field, "request_headers", "headers", 1), "%s", ce.Message)
		}
		return nil, ""
	}
	return &edge.ResponseHeadersPolicy{CORS: p, OriginOverride: override}, "custom (" + d.at(n).String() + ")"
}

// importResponseHeaders reads `aws cloudfront get-response-headers-policy-config` output.
func (d *decoder) importResponseHeaders(cfg *Config, n *yaml.Node, field string) (*edge.ResponseHeadersPolicy, string) {
	file, ok := d.str(n, field)
	if !ok {
		return nil, ""
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(cfg.dir, file)
	}
	imp, err := readCloudFrontPolicy(file)
	if err == nil {
		var p *fetch.Policy
		if p, err = fetch.Compile(imp.Config); err == nil {
			return &edge.ResponseHeadersPolicy{CORS: p, OriginOverride: *imp.OriginOverride}, imp.Source
		}
	}
	var msgs []string
	for _, e := range errlist.Flatten(err) {
		msgs = append(msgs, e.Error())
	}
	d.errorf(n, field, "%s", strings.Join(msgs, "; "))
	return nil, ""
}

func readCloudFrontPolicy(file string) (*awsconfig.Import, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := io.ReadAll(io.LimitReader(f, awsconfig.MaxDocumentSize+1))
	if err != nil {
		return nil, err
	}
	if len(doc) > awsconfig.MaxDocumentSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", file, awsconfig.MaxDocumentSize)
	}
	format, _ := awsconfig.ParseFormat("cloudfront")
	imp, err := awsconfig.Read(format, doc, "")
	if err != nil {
		return nil, err
	}
	if imp.OriginOverride == nil {
		return nil, errors.New("the document holds no CloudFront CorsConfig")
	}
	return imp, nil
}

// edgeBlock decodes the top-level edge block: { memory: 128MiB, max_object: 8MiB }.
func (d *decoder) edgeBlock(l *EdgeLimits, n *yaml.Node) {
	d.mapping(n, "edge", []string{"memory", "max_object"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "memory":
			if s, ok := d.size(v, "edge.memory", minEdgeMemory, maxEdgeMemory); ok {
				l.MaxBytes = s
			}
		case "max_object":
			if s, ok := d.size(v, "edge.max_object", 1, 1<<30); ok {
				l.MaxEntryBytes = s
			}
		}
	})
	if l.MaxEntryBytes > l.MaxBytes {
		d.errorf(n, "edge.max_object", "%d bytes is more than edge.memory (%d bytes)", l.MaxEntryBytes, l.MaxBytes)
	}
}

// effectiveCache is the route's cache block (route > host); nil or off: no cache.
func effectiveCache(blocks ...*cacheDef) *cacheDef {
	for _, c := range blocks {
		if c != nil {
			if c.off {
				return nil
			}
			return c
		}
	}
	return nil
}

// CacheExplanation is a route's cache behaviour, as explain shows it and lint reads it.
type CacheExplanation struct {
	At, Level                                                   string
	Position                                                    Position // where the cache block is (At, for tools)
	Field                                                       string   // the cache block's key path: "hosts[0].cache", "hosts[0].routes[1].cache"
	Policy, OriginRequestPolicy, CachedMethods, ResponseHeaders string
	// Key is the cache key of a GET of the explained path, with placeholders for the values
	// of the headers in the key ("<Origin>").
	Key string
	// What lint.EdgeRoute reads, field for field. PreflightsForwarded: no enforced policy of
	// the route answers preflights, so they reach the cache. PerRequestCORS: something writes
	// Access-Control-Allow-Origin for each viewer over what the cache holds (an enforced
	// policy with upstream_headers override, or the response headers policy with
	// OriginOverride true, ByOriginOverride).
	Caches, CachesOptions, ByOriginOverride bool
	KeyHeaders, Forwarded                   []string
	ForwardsAll                             bool
	PreflightsForwarded, PerRequestCORS     bool
}

func explainCache(def *routeDef, host, path string) *CacheExplanation {
	c, route := def.effCache, def.name
	ce := &CacheExplanation{At: c.at.String(), Position: position(c.at), Level: c.level, Field: c.field, Policy: c.policyName, OriginRequestPolicy: "none (only the key's values are forwarded)",
		CachedMethods: "GET, HEAD", ResponseHeaders: "none", Caches: c.policy.MaxTTL > 0, CachesOptions: c.options,
		KeyHeaders: c.policy.Headers.Names}
	ce.Policy += fmt.Sprintf(": ttl min %s default %s max %s; key headers %s, cookies %s, query strings %s",
		c.policy.MinTTL, c.policy.DefaultTTL, c.policy.MaxTTL, c.policy.Headers, c.policy.Cookies, c.policy.QueryStrings)
	if c.options {
		ce.CachedMethods = "GET, HEAD, OPTIONS (OPTIONS keyed apart)"
	}
	if o := c.origin; o != nil {
		ce.OriginRequestPolicy = fmt.Sprintf("%s: forwards headers %s, cookies %s, query strings %s", c.originName, o.Headers, o.Cookies, o.QueryStrings)
		ce.ForwardsAll = o.Headers.Mode == edge.All || o.Headers.Mode == edge.AllExcept
		ce.Forwarded = o.Headers.Names
		if o.Headers.Mode == edge.AllExcept {
			ce.Forwarded = nil
		}
	}
	if h := c.headers; h != nil {
		ce.ResponseHeaders = fmt.Sprintf("%s, OriginOverride %v", c.headersName, h.OriginOverride)
		ce.ByOriginOverride = h.OriginOverride
	}
	enforced := def.eff.active() && def.eff.eff != nil && def.eff.eff.enforce == enforceOn
	ce.PreflightsForwarded = !enforced || def.eff.eff.preflight == preflightPassthrough ||
		def.eff.compiled != nil && !def.eff.compiled.AnswersPreflights()
	ce.PerRequestCORS = ce.ByOriginOverride || enforced && def.eff.eff.upstream == upstreamOverride
	if !ce.Caches {
		ce.Key = "none: max_ttl 0, nothing is stored"
		return ce
	}
	r, err := http.NewRequest(http.MethodGet, "http://"+host+path, nil)
	if err != nil {
		ce.Key = "(the path is not a URL path)"
		return ce
	}
	for _, h := range c.policy.Headers.Names {
		r.Header.Set(h, "<"+http.CanonicalHeaderKey(h)+">")
	}
	if c.policy.Gzip || c.policy.Brotli {
		r.Header.Set("Accept-Encoding", "gzip, br")
	}
	ce.Key = c.policy.Key(route, r)
	return ce
}
