package gateway

import (
	"path"
	"slices"
	"strings"
)

// router finds a request's route: the host first (an exact name, then the tenant patterns
// longest suffix first, then "*"), then the longest path prefix among the host's routes, or
// the host's own catch-all. It is built once per configuration and never changes.
type router struct {
	exact   map[string]*hostDef
	tenants []*hostDef
	any     *hostDef
}

func newRouter(hosts []*hostDef) *router {
	rt := &router{exact: make(map[string]*hostDef)}
	for _, h := range hosts {
		switch h.kind {
		case hostExact:
			rt.exact[h.match] = h
		case hostTenant:
			rt.tenants = append(rt.tenants, h)
		case hostAny:
			rt.any = h
		}
	}
	slices.SortStableFunc(rt.tenants, func(a, b *hostDef) int { return len(b.suffix) - len(a.suffix) })
	return rt
}

// route returns the route for a Host header value and a URL path, and the tenant a tenant
// pattern captured; nil when no host matches.
func (rt *router) route(hostport, urlPath string) (*routeDef, string) {
	host := hostName(hostport)
	h, tenant := rt.host(host)
	if h == nil {
		return nil, ""
	}
	p := cleanPath(urlPath)
	for _, r := range h.routes {
		if strings.HasPrefix(p, r.path) {
			return r, tenant
		}
	}
	return h.self, tenant
}

func (rt *router) host(host string) (*hostDef, string) {
	if h := rt.exact[host]; h != nil {
		return h, ""
	}
	for _, h := range rt.tenants {
		if label, ok := strings.CutSuffix(host, h.suffix); ok && validLabel(label) {
			return h, label
		}
	}
	return rt.any, ""
}

// hostName is the host of a Host header value: without the port, without a trailing dot,
// lower-cased (allocating only when the value is not lower-case already).
func hostName(hostport string) string {
	h := hostport
	if strings.HasPrefix(h, "[") {
		if end := strings.IndexByte(h, ']'); end > 0 {
			h = h[1:end]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h, ':') == i {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	for i := 0; i < len(h); i++ {
		if 'A' <= h[i] && h[i] <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}

// cleanPath resolves "." and ".." elements and repeated slashes, so that "/public/../admin"
// is routed (and its policy chosen) as the upstream will read it: as "/admin". A trailing
// slash is kept. Clean paths, the usual case, are returned without allocating.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, "/.") && !strings.Contains(p, "//") && p[0] == '/' {
		return p
	}
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}
