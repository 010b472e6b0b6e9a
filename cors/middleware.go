package cors

import (
	"net/http"
	"sync/atomic"
)

// Middleware puts S3 bucket CORS rules in front of an http.Handler: a Go service answers
// browsers exactly as an S3 bucket with the same configuration would. Every OPTIONS request
// is answered by the middleware as a preflight (200, or AWS's 400/403 XML error) and never
// reaches the handler; every other request reaches the handler with the CORS headers already
// set. Handlers should leave Access-Control-* headers alone.
//
// The rules can be replaced at any time with Reconfigure; requests in flight finish with the
// rules they started with.
type Middleware struct {
	policy atomic.Pointer[Policy]
}

// NewMiddleware compiles c; a nil c starts without a configuration (every preflight is then
// refused with "CORS is not enabled").
func NewMiddleware(c *Config) (*Middleware, error) {
	m := &Middleware{}
	if err := m.Reconfigure(c); err != nil {
		return nil, err
	}
	return m, nil
}

// Reconfigure replaces the rules; a nil c removes them. On error the old rules stay.
func (m *Middleware) Reconfigure(c *Config) error {
	if c == nil {
		m.policy.Store(nil)
		return nil
	}
	p, err := Compile(c)
	if err != nil {
		return err
	}
	m.policy.Store(p)
	return nil
}

// Policy returns the rules in force, nil when there are none.
func (m *Middleware) Policy() *Policy { return m.policy.Load() }

// Wrap returns next behind the middleware. A request whose path is "/" is taken to name the
// bucket (ResourceType BUCKET in refusals), any other path an object.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := FromHTTP(r, r.URL.Path != "/")
		p := m.policy.Load()
		if r.Method != http.MethodOptions {
			d := p.Actual(&req)
			d.WriteHeaders(w.Header())
			next.ServeHTTP(w, r)
			return
		}
		d := p.Preflight(&req)
		status, headers, body := d.Response("", "")
		h := w.Header()
		for _, kv := range headers {
			h[kv.Name] = []string{kv.Value}
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}
