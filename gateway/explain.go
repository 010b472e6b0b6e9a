package gateway

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway/tenant"
)

// Explanation is the effective CORS configuration of one host and path, and where each of
// its fields comes from: the answer to "why does this route answer like that?" when
// policies, host blocks, route blocks and overrides combine.
type Explanation struct {
	Host, Path string
	Route      string // the configured route's name; "-" when no host matches
	RouteAt    string // where the route (or host) is written
	Upstream   string // "" when the route has none (answered 404)
	CORS       string // "on", "off" (cors: off) or "none" (no cors block applies)
	Policy     string // the policy's name
	PolicyAt   string // where the effective cors block is written
	Level      string // which block applies: "defaults", "host hosts[0]", "route hosts[0].routes[1]"
	Fields     []ExplainField
	// Cache is the route's cache behaviour; nil when the route caches nothing.
	Cache *CacheExplanation

	compiled *fetch.Policy
}

// ExplainField is one effective field.
type ExplainField struct {
	Name     string `json:"name"` // as written in a policy: "origins", "preflight.mode", ...
	Value    string `json:"value"`
	Source   string `json:"source"`             // "policy web-app", "override in route hosts[0].routes[1]", "import ...", "default"
	Position string `json:"position,omitempty"` // "gateway.yaml:12:5"; "" for defaults
}

// Explain resolves host and path against cfg as the gateway routes a request.
func Explain(cfg *Config, host, path string) *Explanation {
	def, tenant := cfg.router.route(host, path)
	if def == nil {
		def = cfg.routes[0]
	}
	e := explainRoute(def, tenant)
	e.Host, e.Path = host, path
	if c := def.effCache; c != nil && def.upstream != nil {
		e.Cache = explainCache(def, host, path)
	}
	if tenant != "" {
		e.Route += " (tenant " + tenant + ")"
	}
	if c := def.eff; c.active() && c.rest != nil {
		explainResource(e, c, path)
	}
	return e
}

// explainResource explains the preflight answer of the imported REST API's resource that
// path reaches, as the gateway chooses it.
func explainResource(e *Explanation, c *corsDef, path string) {
	res, ok := c.rest.lookup(cleanPath(path))
	if !ok {
		for i := range e.Fields {
			if f := &e.Fields[i]; f.Name == "static" {
				f.Value = "none: no resource of the imported API matches the path, so its OPTIONS is answered 403 " + missingTokenBody + " with DEFAULT_4XX's headers"
			}
		}
		e.compiled = c.rest.missing
		return
	}
	for i := range e.Fields {
		f := &e.Fields[i]
		switch {
		case res.backend && f.Name == fieldKeys[fPreflightMode]:
			f.Value = preflightWords[preflightPassthrough]
			f.Source = "import: the OPTIONS method of resource " + res.template + " has a backend integration"
		case !res.backend && f.Name == "static":
			f.Value = headerList(res.static)
			f.Source += ": the OPTIONS method of resource " + res.template
		}
	}
	if !res.backend {
		e.compiled = res.policy
	}
}

// explainRoute explains a route; tenant is the label a {tenant} host captured, whose file
// then supplies the origins ("" for none).
func explainRoute(def *routeDef, tenant string) *Explanation {
	e := &Explanation{Route: def.name, RouteAt: def.at.String(), CORS: "none"}
	if def.upstream != nil {
		e.Upstream = def.upstream.url.String()
	}
	c := def.eff
	if c == nil {
		return e
	}
	e.Level, e.PolicyAt = c.level, c.at.String()
	if c.off {
		e.CORS = "off"
		return e
	}
	e.CORS, e.Policy, e.compiled = "on", c.policy, c.compiled
	for f := range numFields {
		ef := ExplainField{Name: fieldKeys[f], Value: c.eff.value(f), Source: "default"}
		if w := c.eff.from[f]; w != nil {
			ef.Source, ef.Position = w.source, w.at.String()
		}
		if c.originsFrom != nil {
			switch f {
			case fOrigins:
				ef.Value = fmt.Sprintf("each tenant's file %s (on_error %s); the policy's own, %s, are not used", c.originsFrom.file, c.originsFrom.onError, ef.Value)
				ef.Source, ef.Position = "origins_from in "+c.level, c.originsFrom.at.String()
				if tenant != "" {
					explainTenant(e, &ef, c, tenant)
				}
			case fOriginPatterns:
				// None: a tenant's file is the tenant's whole origin set.
				ef.Value = "[]"
				ef.Source = "origins_from in " + c.level + ": a tenant's file is its whole origin set"
				ef.Position = c.originsFrom.at.String()
			}
		}
		e.Fields = append(e.Fields, ef)
	}
	imported := func(name, value string) {
		ef := ExplainField{Name: name, Value: value, Source: "import"}
		if w := c.eff.from[fSemantics]; w != nil {
			ef.Source, ef.Position = w.source, w.at.String()
		}
		e.Fields = append(e.Fields, ef)
	}
	for _, st := range []struct {
		name string
		hs   []fetch.Header
	}{{"static", c.eff.static}, {"errors_4xx", c.eff.errors4XX}, {"errors_5xx", c.eff.errors5XX}} {
		if len(st.hs) > 0 {
			imported(st.name, headerList(st.hs))
		}
	}
	if c.rest != nil {
		imported("paths", c.rest.describe()+"; other paths answer 403 "+missingTokenBody)
	}
	return e
}

// Evaluate decides r with the effective policy; false when no policy applies. On a {tenant}
// host the origins are those of the tenant's file as Explain read it (none when it has no
// usable file); a route explained without a tenant uses the policy's own.
func (e *Explanation) Evaluate(r *fetch.Request) (fetch.Decision, bool) {
	if e.compiled == nil {
		return fetch.Decision{}, false
	}
	return e.compiled.Evaluate(r), true
}

// String renders the explanation as aligned text, one field a line with its source.
func (e *Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "host %s, path %s\n", e.Host, e.Path)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	at := func(s string) string {
		if s == "" {
			return ""
		}
		return "(" + s + ")"
	}
	fmt.Fprintf(tw, "route\t%s\t%s\n", e.Route, at(e.RouteAt))
	up := e.Upstream
	if up == "" {
		up = "none: answered 404"
	}
	fmt.Fprintf(tw, "upstream\t%s\t\n", up)
	switch e.CORS {
	case "none":
		fmt.Fprintf(tw, "cors\tnone: no cors block applies (route, host or defaults); responses pass as the upstream sends them\t\n")
	case "off":
		fmt.Fprintf(tw, "cors\toff, set by %s: responses pass as the upstream sends them\t%s\n", e.Level, at(e.PolicyAt))
	default:
		fmt.Fprintf(tw, "cors\tpolicy %s, chosen by %s\t%s\n", e.Policy, e.Level, at(e.PolicyAt))
	}
	if c := e.Cache; c != nil {
		tw.Flush()
		tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "cache\tchosen by %s %s\t\n", c.Level, at(c.At))
		fmt.Fprintf(tw, "  cache policy\t%s\t\n", c.Policy)
		fmt.Fprintf(tw, "  origin request policy\t%s\t\n", c.OriginRequestPolicy)
		fmt.Fprintf(tw, "  cached methods\t%s\t\n", c.CachedMethods)
		fmt.Fprintf(tw, "  response headers policy\t%s\t\n", c.ResponseHeaders)
		fmt.Fprintf(tw, "  cache key (GET)\t%s\t\n", c.Key)
	}
	tw.Flush()
	if len(e.Fields) > 0 {
		b.WriteString("\n")
		tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "field\tvalue\tfrom\tat\n")
		for _, f := range e.Fields {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, f.Value, f.Source, f.Position)
		}
		tw.Flush()
	}
	// Aligned columns pad the cells of a line's end that are empty.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// explainTenant reads a tenant's origins file now, as the gateway would load it
// (tenant.Read), and explains its origins with the file they come from. A tenant without a
// usable file is explained as refusing every origin.
func explainTenant(e *Explanation, ef *ExplainField, c *corsDef, name string) {
	p, err := tenant.Read(c.originsFrom.file, name, c.eff.fetchConfig())
	if err == nil {
		e.compiled = p
		ef.Value = "[" + strings.Join(p.Config().Origins, ", ") + "]"
		ef.Source, ef.Position = "tenant "+name+"'s file", strings.Replace(c.originsFrom.file, "{tenant}", name, 1)
		return
	}
	deny, derr := denyAll(c)
	if derr != nil { // not reached: the policy compiled with its own origins at load
		ef.Value = derr.Error()
		return
	}
	e.compiled = deny
	ef.Value = fmt.Sprintf("none: the file is not usable (%v); explained as refusing every origin, as a tenant without a good file is (a running gateway with on_error keep-last serves the last good origins it loaded)", err)
}
