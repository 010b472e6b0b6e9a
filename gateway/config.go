package gateway

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/doorman-s3/doorman/edge"
	"github.com/doorman-s3/doorman/internal/suggest"
)

// Config is a loaded, validated gateway configuration: every policy compiled, every route
// resolved. Build one with LoadFile, Load or FromFlags; it is immutable afterwards.
type Config struct {
	File        string // the file it was read from; "" when built from flags
	Listen      string // the proxy's address
	AdminListen string // the admin listener's address; "" = none
	Limits      Limits
	AccessLog   string // "stderr", "off", or a file path
	// Edge bounds the edge cache's memory (the edge block); it applies at start.
	Edge EdgeLimits
	// Warnings are what imports of AWS configurations cannot reproduce exactly.
	Warnings []*Error

	dir      string                // folder relative paths resolve against
	policies map[string]*policyDef // by name
	names    []string              // policy names, in file order
	hosts    []*hostDef            // in file order
	defaults *corsDef              // the defaults' CORS block; nil = none
	routes   []*routeDef           // every route; [0] is the fallback for unmatched hosts
	router   *router
}

// Limits bound what one client or one upstream can hold. Every wait and size is bounded.
type Limits struct {
	// MaxBody is the largest request body forwarded: a larger Content-Length is answered 413
	// before anything is read, and a body that grows past it while streaming ends with 413.
	MaxBody int64
	// UpstreamTimeout bounds the wait for the upstream's response headers, and each read or
	// write to the upstream afterwards: an upstream that stalls is answered 504.
	UpstreamTimeout time.Duration
	// HeaderTimeout bounds the reading of a client's request headers.
	HeaderTimeout time.Duration
	// IdleTimeout is how long an idle kept-alive client connection stays open, and how long
	// a client may take to deliver the next part of its body or accept the next part of the
	// response.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's header section.
	MaxHeaderBytes int
}

// Defaults, and the bounds a configuration may not exceed.
const (
	// DefaultListen is loopback: a gateway is exposed on purpose, never by default.
	DefaultListen = "127.0.0.1:8080"

	defaultMaxBody         = 10 << 20 // API Gateway's payload limit is 10 MB
	defaultUpstreamTimeout = 30 * time.Second
	defaultHeaderTimeout   = 10 * time.Second
	defaultIdleTimeout     = 120 * time.Second
	defaultMaxHeaderBytes  = 64 << 10

	// maxConfigSize bounds a configuration file: a hand-written one is a few KiB.
	maxConfigSize = 1 << 20
	// maxPolicies, maxHosts and maxRoutes bound the tables built from a file; beyond them a
	// configuration is generated, and should be split.
	maxPolicies = 1000
	maxHosts    = 1000
	maxRoutes   = 1000 // per host
	// maxListItems bounds every list of a policy (origins, methods, headers).
	maxListItems = 1000
	// maxMaxBody, maxTimeout and the header bounds keep limits in a range a server can honour.
	maxMaxBody        = 5 << 30
	maxTimeout        = time.Hour
	minMaxHeaderBytes = 4 << 10
	maxMaxHeaderBytes = 1 << 20
)

func defaultLimits() Limits {
	return Limits{MaxBody: defaultMaxBody, UpstreamTimeout: defaultUpstreamTimeout,
		HeaderTimeout: defaultHeaderTimeout, IdleTimeout: defaultIdleTimeout, MaxHeaderBytes: defaultMaxHeaderBytes}
}

// LoadFile reads and validates a configuration file. Every problem is reported at once: the
// error joins *Error values, one per problem, each with the file, line and column.
func LoadFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, err
	}
	return Load(path, data)
}

// Load validates a configuration held in memory; name is the file it came from, used in
// messages and as the folder relative paths resolve against.
func Load(name string, data []byte) (*Config, error) {
	var errs errorList
	d := &decoder{file: name, errs: &errs}
	if len(data) > maxConfigSize {
		errs.add(&Error{File: name, Message: fmt.Sprintf("the file is larger than %d bytes", maxConfigSize)})
		return nil, errs.err()
	}
	root, err := parseYAML(data)
	if err != nil {
		errs.add(yamlError(name, data, err))
		return nil, errs.err()
	}
	cfg := &Config{File: name, Listen: DefaultListen, Limits: defaultLimits(), AccessLog: "stderr",
		Edge: EdgeLimits{MaxBytes: edge.DefaultMaxBytes, MaxEntryBytes: edge.DefaultMaxEntryBytes},
		dir:  filepath.Dir(name), policies: map[string]*policyDef{}}
	d.top(cfg, root)
	// Resolution runs even after decoding errors, so that the policies' own errors are
	// reported in the same pass.
	resolve(cfg, &errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parseYAML parses one YAML document into its node tree. Anchors and aliases are refused: a
// configuration has named policies for reuse, and aliases are how a small file expands into
// a huge one.
func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("line %d: a second YAML document: one file holds one configuration", extra.Line)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("the file is empty")
	}
	if n := findAlias(doc.Content[0]); n != nil {
		return nil, fmt.Errorf("line %d: anchors and aliases are not supported: name a policy and refer to it instead", n.Line)
	}
	return doc.Content[0], nil
}

func findAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return n
	}
	for _, c := range n.Content {
		if a := findAlias(c); a != nil {
			return a
		}
	}
	return nil
}

// yamlError turns a YAML syntax error ("yaml: line 3: did not find expected key") into an
// Error at that line. The parser reports no column. The commonest cause in this format gets
// a hint: "{tenant}" unquoted, which YAML reads as the start of a mapping.
func yamlError(file string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, after
			}
		}
	}
	// The lines around the one reported (the parser also counts a lone \r as a line end).
	lines := strings.Split(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(data)), "\n")
	end := min(line+1, len(lines))
	for _, l := range lines[min(max(line-2, 0), end):end] {
		if strings.Contains(l, "{tenant}") && !strings.Contains(l, `"`) && !strings.Contains(l, "'") {
			msg += ` (quote a value holding {tenant}: YAML reads a { as the start of a mapping, e.g. match: "{tenant}.example.com")`
			break
		}
	}
	return &Error{File: file, Line: line, Message: msg}
}

// decoder walks the node tree, recording every error.
type decoder struct {
	file string
	errs *errorList
}

func (d *decoder) at(n *yaml.Node) loc {
	if n == nil {
		return loc{file: d.file}
	}
	return loc{file: d.file, line: n.Line, col: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	l := d.at(n)
	d.errs.add(&Error{File: l.file, Line: l.line, Col: l.col, Field: field, Message: fmt.Sprintf(format, args...)})
}

// mapping calls fn for each key of the mapping n, in file order, after refusing duplicate
// and unknown keys (with the closest known key as a suggestion).
func (d *decoder) mapping(n *yaml.Node, field string, known []string, fn func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, field, "must be a mapping of %s", strings.Join(known, ", "))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := join(field, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, field, "a key must be a string")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, path, "duplicate key (first at line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		if known != nil && !slices.Contains(known, k.Value) {
			msg := "unknown key"
			if s := suggest.Closest(k.Value, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (known keys: " + strings.Join(known, ", ") + ")"
			}
			d.errorf(k, path, "%s", msg)
			continue
		}
		fn(k.Value, k, v)
	}
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// str decodes a scalar string.
func (d *decoder) str(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, field, "must be a string")
		return "", false
	}
	return n.Value, true
}

// strList decodes a sequence of strings (a single string is not a list: `origins: x` is a
// typo for `origins: [x]` as often as not, so it is refused rather than guessed).
func (d *decoder) strList(n *yaml.Node, field string) ([]string, []loc, bool) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, field, "must be a list, e.g. [a, b]")
		return nil, nil, false
	}
	if len(n.Content) > maxListItems {
		d.errorf(n, field, "has %d items; at most %d are allowed", len(n.Content), maxListItems)
		return nil, nil, false
	}
	out := make([]string, 0, len(n.Content))
	locs := make([]loc, 0, len(n.Content))
	ok := true
	for i, c := range n.Content {
		s, good := d.str(c, fmt.Sprintf("%s[%d]", field, i))
		ok = ok && good
		out = append(out, s)
		locs = append(locs, d.at(c))
	}
	return out, locs, ok
}

func (d *decoder) boolean(n *yaml.Node, field string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b, true
		}
	}
	d.errorf(n, field, "must be true or false, not %q", n.Value)
	return false, false
}

func (d *decoder) integer(n *yaml.Node, field string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if i, err := strconv.Atoi(n.Value); err == nil {
			return i, true
		}
	}
	d.errorf(n, field, "must be an integer, not %q", n.Value)
	return 0, false
}

// enum decodes one of a fixed set of words.
func (d *decoder) enum(n *yaml.Node, field string, words []string) (int, bool) {
	s, ok := d.str(n, field)
	if !ok {
		return 0, false
	}
	if i := slices.Index(words, s); i >= 0 {
		return i, true
	}
	msg := fmt.Sprintf("%q is not one of %s", s, strings.Join(words, ", "))
	if sug := suggest.Closest(s, words); sug != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", sug)
	}
	d.errorf(n, field, "%s", msg)
	return 0, false
}

// duration decodes a Go duration with its unit ("600s", "2m"), in [0, limit].
func (d *decoder) duration(n *yaml.Node, field string, limit time.Duration) (time.Duration, bool) {
	s, ok := d.str(n, field)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.Atoi(s); nerr == nil {
			d.errorf(n, field, "%q has no unit; write %ss", s, s)
		} else {
			d.errorf(n, field, "%q is not a duration such as 600s or 2m", s)
		}
		return 0, false
	}
	if v < 0 || v > limit {
		d.errorf(n, field, "%s is out of range [0s, %s]", s, limit)
		return 0, false
	}
	return v, true
}

// sizeUnits are the units a size may have: powers of 1024 (KiB) and of 1000 (KB).
var sizeUnits = []struct {
	suffix string
	mult   int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

// size decodes a byte count ("10MiB", "64KiB", "1000") in [lo, hi].
func (d *decoder) size(n *yaml.Node, field string, lo, hi int64) (int64, bool) {
	s, ok := d.str(n, field)
	if !ok {
		return 0, false
	}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v < 0 || v > hi/mult {
		d.errorf(n, field, "%q is not a size such as 10MiB or 64KiB, at most %d bytes", s, hi)
		return 0, false
	}
	if v*mult < lo {
		d.errorf(n, field, "%s is below the least allowed, %d bytes", s, lo)
		return 0, false
	}
	return v * mult, true
}

var topKeys = []string{"version", "listen", "admin", "limits", "access_log", "edge", "policies", "defaults", "hosts"}

func (d *decoder) top(cfg *Config, root *yaml.Node) {
	var version *yaml.Node
	d.mapping(root, "", topKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "version":
			version = k
			if n, ok := d.integer(v, key); ok && n != 1 {
				d.errorf(v, key, "only version 1 exists")
			}
		case "listen":
			if s, ok := d.address(v, key); ok {
				cfg.Listen = s
			}
		case "admin":
			d.mapping(v, key, []string{"listen"}, func(_ string, _, v *yaml.Node) {
				if s, ok := d.address(v, "admin.listen"); ok {
					cfg.AdminListen = s
				}
			})
		case "limits":
			d.limits(&cfg.Limits, v)
		case "edge":
			d.edgeBlock(&cfg.Edge, v)
		case "access_log":
			if s, ok := d.str(v, key); ok {
				if s == "" {
					d.errorf(v, key, `must be "stderr", "off" or a file path`)
				}
				cfg.AccessLog = s
				if s != "stderr" && s != "off" && !filepath.IsAbs(s) {
					cfg.AccessLog = filepath.Join(cfg.dir, s)
				}
			}
		case "policies":
			d.policies(cfg, v)
		case "defaults":
			d.mapping(v, key, []string{"cors"}, func(_ string, _, v *yaml.Node) {
				cfg.defaults = d.cors(cfg, v, "defaults.cors", "defaults")
			})
		case "hosts":
			d.hosts(cfg, v)
		}
	})
	if root.Kind == yaml.MappingNode && version == nil {
		d.errorf(root, "version", "missing; write version: 1 at the top")
	}
}

func (d *decoder) address(n *yaml.Node, field string) (string, bool) {
	s, ok := d.str(n, field)
	if !ok {
		return "", false
	}
	if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
		d.errorf(n, field, "%q is not a host:port address such as 127.0.0.1:8080", s)
		return "", false
	}
	return s, true
}

var limitKeys = []string{"max_body", "upstream_timeout", "header_timeout", "idle_timeout", "max_header_bytes"}

func (d *decoder) limits(l *Limits, n *yaml.Node) {
	d.mapping(n, "limits", limitKeys, func(key string, _, v *yaml.Node) {
		field := "limits." + key
		positive := func(t time.Duration, ok bool) (time.Duration, bool) {
			if ok && t == 0 {
				d.errorf(v, field, "must be more than 0s")
				return 0, false
			}
			return t, ok
		}
		switch key {
		case "max_body":
			if s, ok := d.size(v, field, 0, maxMaxBody); ok {
				l.MaxBody = s
			}
		case "upstream_timeout":
			if t, ok := positive(d.duration(v, field, maxTimeout)); ok {
				l.UpstreamTimeout = t
			}
		case "header_timeout":
			if t, ok := positive(d.duration(v, field, maxTimeout)); ok {
				l.HeaderTimeout = t
			}
		case "idle_timeout":
			if t, ok := positive(d.duration(v, field, maxTimeout)); ok {
				l.IdleTimeout = t
			}
		case "max_header_bytes":
			if s, ok := d.size(v, field, minMaxHeaderBytes, maxMaxHeaderBytes); ok {
				l.MaxHeaderBytes = int(s)
			}
		}
	})
}

func (d *decoder) policies(cfg *Config, n *yaml.Node) {
	if n.Kind == yaml.MappingNode && len(n.Content)/2 > maxPolicies {
		d.errorf(n, "policies", "has %d policies; at most %d are allowed", len(n.Content)/2, maxPolicies)
		return
	}
	d.mapping(n, "policies", nil, func(name string, k, v *yaml.Node) {
		field := "policies." + name
		if !validName(name) {
			d.errorf(k, field, "a policy name is letters, digits, '-', '_' and '.', at most 64 of them")
			return
		}
		p := &policyDef{name: name, at: d.at(k)}
		p.own = d.settings(cfg, v, field, "policy "+name, true, &p.imp)
		cfg.policies[name] = p
		cfg.names = append(cfg.names, name)
	})
}

// validName reports whether s can name a policy: it appears in metrics and logs.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

var hostKeys = []string{"match", "upstream", "preserve_host", "cors", "cache", "routes"}
var routeKeys = []string{"path", "upstream", "cors", "cache"}

func (d *decoder) hosts(cfg *Config, n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "hosts", "must be a list of hosts (- match: ...)")
		return
	}
	if len(n.Content) > maxHosts {
		d.errorf(n, "hosts", "has %d hosts; at most %d are allowed", len(n.Content), maxHosts)
		return
	}
	matches := map[string]*yaml.Node{}
	for i, hn := range n.Content {
		field := fmt.Sprintf("hosts[%d]", i)
		h := &hostDef{at: d.at(hn)}
		var routes *yaml.Node
		d.mapping(hn, field, hostKeys, func(key string, k, v *yaml.Node) {
			switch key {
			case "match":
				s, ok := d.str(v, field+".match")
				if !ok {
					return
				}
				if msg := h.setMatch(s); msg != "" {
					d.errorf(v, field+".match", "%s", msg)
					return
				}
				if first, dup := matches[h.match]; dup {
					d.errorf(v, field+".match", "%q is matched already by the host at line %d", s, first.Line)
				}
				matches[h.match] = v
			case "upstream":
				h.upstream = d.upstream(v, field+".upstream")
			case "preserve_host":
				h.preserveHost, _ = d.boolean(v, field+".preserve_host")
			case "cors":
				h.cors = d.cors(cfg, v, field+".cors", "host "+field)
			case "cache":
				h.cache = d.cacheBlock(cfg, v, field+".cache", "host "+field)
			case "routes":
				routes = v
			}
		})
		if hn.Kind == yaml.MappingNode && h.match == "" && !h.badMatch {
			d.errorf(hn, field+".match", "missing: every host says which Host it matches (a name, \"*\", or \"{tenant}.suffix\")")
		}
		if routes != nil {
			d.routes(cfg, h, routes, field)
		}
		cfg.hosts = append(cfg.hosts, h)
	}
}

func (d *decoder) routes(cfg *Config, h *hostDef, n *yaml.Node, hostField string) {
	field := hostField + ".routes"
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, field, "must be a list of routes (- path: /prefix/)")
		return
	}
	if len(n.Content) > maxRoutes {
		d.errorf(n, field, "has %d routes; at most %d are allowed", len(n.Content), maxRoutes)
		return
	}
	paths := map[string]*yaml.Node{}
	for i, rn := range n.Content {
		rf := fmt.Sprintf("%s[%d]", field, i)
		r := &routeDef{at: d.at(rn)}
		hasPath := false
		d.mapping(rn, rf, routeKeys, func(key string, _, v *yaml.Node) {
			switch key {
			case "path":
				hasPath = true
				s, ok := d.str(v, rf+".path")
				if !ok {
					return
				}
				if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, "?#") || len(s) > 1024 {
					d.errorf(v, rf+".path", "%q is not a path prefix such as /api/", s)
					return
				}
				if first, dup := paths[s]; dup {
					d.errorf(v, rf+".path", "%q is a path of the route at line %d already", s, first.Line)
				}
				paths[s] = v
				r.path = s
			case "upstream":
				r.upstream = d.upstream(v, rf+".upstream")
			case "cors":
				r.cors = d.cors(cfg, v, rf+".cors", "route "+rf)
			case "cache":
				r.cache = d.cacheBlock(cfg, v, rf+".cache", "route "+rf)
			}
		})
		if rn.Kind == yaml.MappingNode && !hasPath {
			d.errorf(rn, rf+".path", "missing: a route matches a path prefix, e.g. path: /api/")
		}
		if r.upstream == nil && h.upstream == nil && rn.Kind == yaml.MappingNode {
			d.errorf(rn, rf+".upstream", "missing: neither the route nor its host names an upstream")
		}
		h.routes = append(h.routes, r)
	}
}

// cors decodes a cors block: "off", or {policy, override, origins_from}.
func (d *decoder) cors(cfg *Config, n *yaml.Node, field, level string) *corsDef {
	c := &corsDef{level: level, at: d.at(n), field: field}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if n.Value == "off" || n.Tag == "!!bool" && n.Value == "false" {
			c.off = true
			return c
		}
		d.errorf(n, field, "must be off, or a mapping such as {policy: web-app}")
		return nil
	}
	var policy *yaml.Node
	d.mapping(n, field, []string{"policy", "override", "origins_from"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "policy":
			policy = v
			c.policy, _ = d.str(v, field+".policy")
		case "override":
			c.override = d.settings(cfg, v, field+".override", "override in "+level, false, nil)
			c.hasOverride = true
		case "origins_from":
			c.originsFrom = d.originsFrom(cfg, v, field+".origins_from")
		}
	})
	if n.Kind == yaml.MappingNode && policy == nil {
		d.errorf(n, field+".policy", "missing: name a policy, or write cors: off")
		return nil
	}
	if policy != nil && c.policy != "" && cfg.policies[c.policy] == nil {
		msg := fmt.Sprintf("no policy is named %q", c.policy)
		if s := suggest.Closest(c.policy, cfg.names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		d.errorf(policy, field+".policy", "%s", msg)
		return nil
	}
	return c
}

func (d *decoder) originsFrom(cfg *Config, n *yaml.Node, field string) *originsFrom {
	o := &originsFrom{at: d.at(n), onError: "keep-last"}
	d.mapping(n, field, []string{"file", "on_error"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "file":
			s, ok := d.str(v, field+".file")
			if !ok {
				return
			}
			if !strings.Contains(s, "{tenant}") {
				d.errorf(v, field+".file", "%q must contain {tenant}, replaced by each tenant's name", s)
				return
			}
			if !filepath.IsAbs(s) {
				s = filepath.Join(cfg.dir, s)
			}
			o.file = s
		case "on_error":
			if i, ok := d.enum(v, field+".on_error", []string{"keep-last", "deny-all"}); ok {
				o.onError = []string{"keep-last", "deny-all"}[i]
			}
		}
	})
	if n.Kind == yaml.MappingNode && o.file == "" {
		d.errorf(n, field+".file", "missing: the file of each tenant's origins, e.g. tenants/{tenant}.yaml")
	}
	return o
}
