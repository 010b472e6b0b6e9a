package gateway

import (
	"errors"
	"iter"
	"slices"
	"strings"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/internal/errlist"
)

// The inspection API: a loaded configuration's named policies and every route's effective
// policy, with where each field was written, for tools that judge a configuration (doorman
// lint) rather than serve it. Explain answers one host and path for people; this answers
// every route for programs.

// Position is a place in a configuration file (or in a file it names).
type Position struct {
	File      string // "" for a command-line flag
	Line, Col int    // 1-based; 0 when unknown
}

func (p Position) String() string { return loc{file: p.File, line: p.Line, col: p.Col}.String() }

func position(l loc) Position { return Position{File: l.file, Line: l.line, Col: l.col} }

// FieldSource says what set an effective field.
type FieldSource uint8

const (
	SourceDefault  FieldSource = iota // nothing: the default, or the semantics' default
	SourcePolicy                      // the named policy's own key
	SourceImport                      // the named policy's import of an AWS configuration
	SourceOverride                    // the override of the cors block that applies the policy
	SourceFlag                        // a command-line flag
)

// PolicyField is where one effective field of a policy comes from.
type PolicyField struct {
	// Name is the field's key below a policy: "origins", "max_age", "preflight.mode", ...;
	// "static", "errors_4xx" and "errors_5xx" for the headers an apigw-rest import brings.
	Name   string
	Source FieldSource
	// Origin says it for people, as explain does: "policy web-app", "override in route
	// hosts[0].routes[1]", "import template.yaml#MyApi (sam)", "default", "default of
	// apigw-rest: ...".
	Origin string
	// Path is the key path of the value ("policies.web-app.origins",
	// "hosts[0].routes[1].cors.override.max_age"), of the import for an imported field, or the
	// flag; "" for a default.
	Path string
	// At is where the value (or the import) is written; Items, for a list written in the
	// file, where each entry is (nil for an imported list; empty positions for a flag's).
	At    Position
	Items []Position
}

// PolicyView is a policy as a block applies it: a named policy on its own (Config.Policies),
// or the effective policy of a cors block after its override (Config.Routes).
type PolicyView struct {
	Name string   // the named policy
	At   Position // where the named policy is written (for flags, nothing)
	// Config is the effective policy model's configuration (a copy). Under origins_from its
	// Origins and OriginPatterns are the named policy's own, which the route does not use:
	// each tenant's file is its whole origin set.
	Config *fetch.Config
	// Fields has one entry per field a policy can set, in the order of a policy's keys, and
	// one for each header list an import brought.
	Fields []PolicyField
	// The gateway's own switches, as effective: "answer" or "passthrough"; "override",
	// "upstream-wins" or "passthrough"; "on", "shadow" or "off". Whether upstream_headers
	// was written or is a default is in its PolicyField's Source.
	Preflight, UpstreamHeaders, Enforce string
}

// Field returns the provenance of the named field, nil when the policy has no such field.
func (p *PolicyView) Field(name string) *PolicyField {
	for i := range p.Fields {
		if p.Fields[i].Name == name {
			return &p.Fields[i]
		}
	}
	return nil
}

// RouteView is one route of the routing table with its effective cors block.
type RouteView struct {
	Name     string   // "api.example.com/legacy/"; a host's own paths are its match; "-" is what no host matches
	At       Position // the route (or host) entry; nothing for "-"
	Upstream string   // "" when the route has none (answered 404)
	// CORS is "on" (a policy applies), "off" (cors: off) or "none" (no cors block applies).
	CORS string
	// Block is the key path of the effective cors block ("defaults.cors", "hosts[0].cors",
	// "hosts[0].routes[1].cors"; "" for flags), Level its level as explain names it
	// ("defaults", "host hosts[0]", "route hosts[0].routes[1]", "flags"), BlockAt its position.
	// Routes that share a block share these.
	Block, Level string
	BlockAt      Position
	// Override reports whether the block overrides fields of its policy.
	Override bool
	// Policy is the effective policy; nil unless CORS is "on".
	Policy *PolicyView
	// OriginsFrom is where a {tenant} host's origins come from; nil when from the policy.
	OriginsFrom *OriginsFrom
	// Cache is the route's cache behaviour (what lint.EdgeRoute reads); nil when the route
	// caches nothing.
	Cache *CacheExplanation
}

// OriginsFrom is a cors block's origins_from.
type OriginsFrom struct {
	File    string // the path template, "{tenant}" in its file name, absolute or as given
	OnError string // "keep-last" or "deny-all"
	At      Position
}

// Policies lists the named policies in file order, each with its own effective fields
// (defaults, then its import, then its own keys).
func (c *Config) Policies() []*PolicyView {
	out := make([]*PolicyView, 0, len(c.names))
	for _, name := range c.names {
		if p := c.policies[name]; p != nil && p.eff != nil {
			out = append(out, c.policyView(name, p.eff))
		}
	}
	return out
}

// Routes lists every route in the routing table's order: first what no host matches, then
// each host's own paths followed by its routes, longest path first.
func (c *Config) Routes() []*RouteView {
	out := make([]*RouteView, 0, len(c.routes))
	for _, r := range c.routes {
		rv := &RouteView{Name: r.name, At: position(r.at), CORS: "none"}
		if r.upstream != nil {
			rv.Upstream = r.upstream.url.String()
		}
		if b := r.eff; b != nil {
			rv.Block, rv.Level, rv.BlockAt = b.field, b.level, position(b.at)
			rv.CORS = "off"
			if b.active() && b.eff != nil {
				rv.CORS, rv.Override = "on", b.hasOverride
				rv.Policy = c.policyView(b.policy, b.eff)
				if o := b.originsFrom; o != nil {
					rv.OriginsFrom = &OriginsFrom{File: o.file, OnError: o.onError, At: position(o.at)}
				}
			}
		}
		if r.effCache != nil && r.upstream != nil {
			path := r.path
			if path == "" {
				path = "/"
			}
			rv.Cache = explainCache(r, "host.test", path)
		}
		out = append(out, rv)
	}
	return out
}

// policyView describes the effective settings s of the policy named name.
func (c *Config) policyView(name string, s *settings) *PolicyView {
	p := c.policies[name]
	v := &PolicyView{Name: name, Config: s.fetchConfig(), Preflight: s.value(fPreflightMode),
		UpstreamHeaders: s.value(fUpstreamHeaders), Enforce: s.value(fEnforce)}
	if p != nil {
		v.At = position(p.at)
	}
	fc := v.Config // a copy: nothing a caller changes reaches the loaded configuration
	fc.Origins, fc.OriginPatterns, fc.Methods = slices.Clone(fc.Origins), slices.Clone(fc.OriginPatterns), slices.Clone(fc.Methods)
	fc.RequestHeaders, fc.ExposeHeaders = slices.Clone(fc.RequestHeaders), slices.Clone(fc.ExposeHeaders)
	fc.Static, fc.Errors4XX, fc.Errors5XX = slices.Clone(fc.Static), slices.Clone(fc.Errors4XX), slices.Clone(fc.Errors5XX)
	if fc.MaxAge != nil {
		n := *fc.MaxAge
		fc.MaxAge = &n
	}
	for f := range numFields {
		v.Fields = append(v.Fields, describe(fieldKeys[f], s.from[f]))
	}
	for _, h := range []struct {
		name string
		hs   []fetch.Header
	}{{"static", s.static}, {"errors_4xx", s.errors4XX}, {"errors_5xx", s.errors5XX}} {
		if len(h.hs) == 0 {
			continue
		}
		// Only an import brings them: the named policy's.
		pf := PolicyField{Name: h.name, Source: SourceImport, Origin: "import"}
		if p != nil && p.imp != nil {
			pf.Path, pf.At = p.imp.path, position(p.imp.at)
			if w := s.from[fSemantics]; w != nil {
				pf.Origin = w.source
			}
		}
		v.Fields = append(v.Fields, pf)
	}
	return v
}

// describe turns a field's provenance into its public form.
func describe(name string, w *where) PolicyField {
	if w == nil {
		return PolicyField{Name: name, Origin: "default"}
	}
	pf := PolicyField{Name: name, Origin: w.source, Path: w.path, At: position(w.at)}
	switch kind, _, _ := strings.Cut(w.source, " "); {
	case w == restPassthrough:
		pf.Source, pf.Path = SourceDefault, ""
	case kind == "policy":
		pf.Source = SourcePolicy
	case kind == "import":
		pf.Source = SourceImport
	case kind == "override":
		pf.Source = SourceOverride
	case kind == "flag":
		pf.Source = SourceFlag
	}
	if pf.Source != SourceImport {
		for _, it := range w.items {
			pf.Items = append(pf.Items, position(it))
		}
	}
	return pf
}

// Errors iterates over the *Error values of an error LoadFile, Load or FromFlags returned,
// in the order they are reported; an error of another kind joined in (the count of errors
// past the bound) is yielded as an *Error with only its Message.
func Errors(err error) iter.Seq[*Error] {
	return func(yield func(*Error) bool) {
		for _, e := range errlist.Flatten(err) {
			var ge *Error
			if !errors.As(e, &ge) {
				ge = &Error{Message: e.Error()}
			}
			if !yield(ge) {
				return
			}
		}
	}
}
