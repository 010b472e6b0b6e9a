package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/doorman-s3/doorman/internal/errlist"
)

// AdminHandler serves the admin endpoints, for a listener of their own that the proxy's
// clients cannot reach: GET /metrics (the handler of Options.Metrics, when it has one), GET
// /config (the effective configuration, JSON, with where each field comes from), GET
// /healthz, POST /reload (as SIGHUP), and POST /cache/invalidations (CloudFront's
// InvalidationBatch: paths, and "*" suffix wildcards).
func (g *Gateway) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	if g.metrics != nil {
		if h := g.metrics.Handler(); h != nil {
			mux.Handle("GET /metrics", h)
		}
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /config", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, effectiveJSON(g.Config()))
	})
	mux.Handle("POST /cache/invalidations", g.edge.InvalidationHandler())
	mux.HandleFunc("POST /reload", func(w http.ResponseWriter, _ *http.Request) {
		if err := g.Reload(); err != nil {
			var msgs []string
			for _, e := range errlist.Flatten(err) {
				msgs = append(msgs, e.Error())
			}
			writeJSON(w, http.StatusBadRequest, map[string]any{"result": "error", "errors": msgs})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": "ok"})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

type configJSON struct {
	File        string       `json:"file,omitempty"`
	Listen      string       `json:"listen"`
	AdminListen string       `json:"admin_listen,omitempty"`
	Limits      limitsJSON   `json:"limits"`
	AccessLog   string       `json:"access_log"`
	Routes      []*routeJSON `json:"routes"`
}

type limitsJSON struct {
	MaxBody         int64  `json:"max_body"`
	UpstreamTimeout string `json:"upstream_timeout"`
	HeaderTimeout   string `json:"header_timeout"`
	IdleTimeout     string `json:"idle_timeout"`
	MaxHeaderBytes  int    `json:"max_header_bytes"`
}

type routeJSON struct {
	Route    string         `json:"route"`
	At       string         `json:"at,omitempty"`
	Upstream string         `json:"upstream,omitempty"`
	CORS     string         `json:"cors"`
	Policy   string         `json:"policy,omitempty"`
	Level    string         `json:"level,omitempty"`
	PolicyAt string         `json:"policy_at,omitempty"`
	Fields   []ExplainField `json:"fields,omitempty"`
	Cache    *cacheJSON     `json:"cache,omitempty"`
}

type cacheJSON struct {
	At                    string `json:"at"`
	Level                 string `json:"level"`
	Policy                string `json:"policy"`
	OriginRequestPolicy   string `json:"origin_request_policy"`
	CachedMethods         string `json:"cached_methods"`
	ResponseHeadersPolicy string `json:"response_headers_policy"`
	Key                   string `json:"key"`
}

// effectiveJSON is the effective configuration: every route as explain shows it.
func effectiveJSON(cfg *Config) *configJSON {
	l := cfg.Limits
	out := &configJSON{File: cfg.File, Listen: cfg.Listen, AdminListen: cfg.AdminListen, AccessLog: cfg.AccessLog,
		Limits: limitsJSON{MaxBody: l.MaxBody, UpstreamTimeout: l.UpstreamTimeout.String(), HeaderTimeout: l.HeaderTimeout.String(),
			IdleTimeout: l.IdleTimeout.String(), MaxHeaderBytes: l.MaxHeaderBytes}}
	for _, def := range cfg.routes {
		e := explainRoute(def, "")
		rj := &routeJSON{Route: e.Route, At: e.RouteAt, Upstream: e.Upstream, CORS: e.CORS,
			Policy: e.Policy, Level: e.Level, PolicyAt: e.PolicyAt, Fields: e.Fields}
		if c := def.effCache; c != nil && def.upstream != nil {
			path := def.path
			if path == "" {
				path = "/"
			}
			ce := explainCache(def, "host.test", path)
			rj.Cache = &cacheJSON{At: ce.At, Level: ce.Level, Policy: ce.Policy, OriginRequestPolicy: ce.OriginRequestPolicy,
				CachedMethods: ce.CachedMethods, ResponseHeadersPolicy: ce.ResponseHeaders, Key: ce.Key}
		}
		out.Routes = append(out.Routes, rj)
	}
	return out
}
