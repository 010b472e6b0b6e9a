package console

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ProbeConfig configures the probe page's handler.
type ProbeConfig struct {
	// ConsoleOrigins are the origins a browser reaches the console at: only they may frame
	// the probe page (ListenerOrigins gives them for a listener).
	ConsoleOrigins []string
}

// NewProbe returns the handler of the probe's listener: probe.html at "/", probe.js and
// probe.css, and 404 for anything else.
func NewProbe(cfg ProbeConfig) (http.Handler, error) {
	if len(cfg.ConsoleOrigins) == 0 {
		return nil, errors.New("console: ProbeConfig needs the ConsoleOrigins that frame the probe")
	}
	if err := checkOrigins("ConsoleOrigins", cfg.ConsoleOrigins); err != nil {
		return nil, err
	}
	// No <base> may move the page's relative URLs, and no form may submit anywhere: the page
	// has none, and a markup injection could otherwise send what it holds elsewhere.
	csp := "default-src 'self'; connect-src *; frame-ancestors " + strings.Join(cfg.ConsoleOrigins, " ") + "; base-uri 'none'; form-action 'none'"
	return newPages("probe.html", isProbeFile, csp), nil
}

// checkOrigins refuses a list holding anything but serialised origins (scheme "://" host,
// and ":" port when not the scheme's default): each goes into a Content-Security-Policy,
// where anything more could change the policy's meaning.
func checkOrigins(field string, origins []string) error {
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (&url.URL{Scheme: u.Scheme, Host: u.Host}).String() != o || strings.ContainsAny(o, " ;,'") {
			return errors.New("console: " + field + " holds " + `"` + o + `"` + ", not an origin such as http://127.0.0.1:9001")
		}
	}
	return nil
}

// ListenerOrigins are the origins a browser on the same machine reaches a listener at, given
// the scheme it is served with and the address it listens on (host:port, as net.Listener's
// Addr gives it, or as it was asked for). A loopback listener, or one on every interface (an
// empty host too), is reached as 127.0.0.1
// (::1 for IPv6's loopback) and as localhost, which browsers treat as different origins; any
// other host is reached as it is given.
func ListenerOrigins(scheme, addr string) []string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return []string{scheme + "://" + addr}
	}
	origin := func(h string) string {
		hp := net.JoinHostPort(h, port)
		if scheme == "http" && port == "80" || scheme == "https" && port == "443" {
			hp = strings.TrimSuffix(hp, ":"+port) // an origin is serialised without its scheme's default port
		}
		return scheme + "://" + hp
	}
	ip := net.ParseIP(host)
	switch {
	case host == "", host == "localhost", ip != nil && (ip.IsUnspecified() || ip.To4() != nil && ip.IsLoopback()):
		return []string{origin("127.0.0.1"), origin("localhost")}
	case ip != nil && ip.IsLoopback():
		return []string{origin("::1"), origin("localhost")}
	}
	return []string{origin(host)}
}

// probeInfo answers GET /api/probe: the probe's origins, which the page offers and frames.
func probeInfo(c *Console, w http.ResponseWriter, _ *http.Request, _ *session) {
	origins := c.cfg.ProbeOrigins
	if origins == nil {
		origins = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"origins": origins})
}
