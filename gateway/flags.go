package gateway

import (
	"fmt"
	"net"
	"time"
)

// Flags are the one-line start's settings: one upstream behind one host "*", one policy.
type Flags struct {
	Listen, AdminListen string // "" = DefaultListen / no admin listener
	Upstream            string
	AllowOrigins        []string
	AllowMethods        []string
	AllowHeaders        []string
	ExposeHeaders       []string
	MaxAge              *time.Duration // nil: no Access-Control-Max-Age
	AllowCredentials    bool
	AccessLog           string // "" = "stderr"
}

// flagPolicy is the name of the policy the flags make, as explain and /config show it.
const flagPolicy = "flags"

// FromFlags builds the configuration a file with one host "*", one upstream and one policy
// would make, validated the same way; errors name the flag.
func FromFlags(f Flags) (*Config, error) {
	var errs errorList
	fail := func(flag, format string, args ...any) {
		errs.add(&Error{Field: flag, Message: fmt.Sprintf(format, args...)})
	}
	cfg := &Config{Listen: f.Listen, AdminListen: f.AdminListen, Limits: defaultLimits(), AccessLog: f.AccessLog,
		dir: ".", policies: map[string]*policyDef{}}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.AccessLog == "" {
		cfg.AccessLog = "stderr"
	}
	for _, a := range []struct{ flag, addr string }{{"--listen", cfg.Listen}, {"--admin-listen", cfg.AdminListen}} {
		if _, _, err := net.SplitHostPort(a.addr); a.addr != "" && err != nil {
			fail(a.flag, "%q is not a host:port address such as 127.0.0.1:8080", a.addr)
		}
	}
	u, ok := parseUpstream(f.Upstream)
	if !ok {
		fail("--upstream", "%q is not an upstream URL such as http://127.0.0.1:8081", f.Upstream)
	}
	if len(f.AllowOrigins) == 0 {
		fail("--allow-origin", "give at least one origin allowed to call the upstream, e.g. --allow-origin http://localhost:5173")
	}
	s := &settings{}
	set := func(fl field, flag string, n int) {
		s.from[fl] = &where{source: "flag " + flag, path: flag, items: make([]loc, n)}
	}
	for _, l := range []struct {
		f    field
		flag string
		v    []string
	}{{fOrigins, "--allow-origin", f.AllowOrigins}, {fMethods, "--allow-method", f.AllowMethods},
		{fRequestHeaders, "--allow-header", f.AllowHeaders}, {fExposeHeaders, "--expose-header", f.ExposeHeaders}} {
		if len(l.v) > maxListItems {
			fail(l.flag, "given %d times; at most %d are allowed", len(l.v), maxListItems)
			continue
		}
		if l.v != nil {
			s.lists[l.f] = l.v
			set(l.f, l.flag, len(l.v))
		}
	}
	if f.MaxAge != nil {
		if *f.MaxAge < 0 || *f.MaxAge%time.Second != 0 {
			fail("--max-age", "%s is not a whole, positive number of seconds", *f.MaxAge)
		} else {
			secs := int(*f.MaxAge / time.Second)
			s.maxAge = &secs
			set(fMaxAge, "--max-age", 0)
		}
	}
	if f.AllowCredentials {
		s.credentials = true
		set(fCredentials, "--allow-credentials", 0)
	}
	if len(errs.errs) > 0 {
		return nil, errs.err()
	}
	cfg.policies[flagPolicy] = &policyDef{name: flagPolicy, own: s}
	cfg.names = []string{flagPolicy}
	h := &hostDef{match: "*", kind: hostAny, upstream: &upstreamDef{url: u},
		cors: &corsDef{level: "flags", policy: flagPolicy}}
	cfg.hosts = []*hostDef{h}
	resolve(cfg, &errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}
