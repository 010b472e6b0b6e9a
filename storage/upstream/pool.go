package upstream

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// endpoint is one of the upstream's base URLs and its health: down from a failed probe or
// a request whose transport failed, until a probe gets an answer again.
type endpoint struct {
	base string // as configured, without a trailing slash
	url  *url.URL
	mu   sync.Mutex
	down bool
}

func (e *endpoint) healthy() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.down
}

// set records the endpoint's health, and tells whether it changed.
func (e *endpoint) set(healthy bool) (changed bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	changed = e.down == healthy
	e.down = !healthy
	return changed
}

// parseEndpoint checks that s is an absolute http or https URL naming a host, with no path
// (but "/"), query, fragment or user information.
func parseEndpoint(s string) (*endpoint, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("upstream: endpoint %q: %w", s, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("upstream: endpoint %q: not an http or https URL", s)
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("upstream: endpoint %q: no host", s)
	case u.User != nil:
		return nil, fmt.Errorf("upstream: endpoint %q: credentials do not go in the URL", u.Redacted())
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return nil, fmt.Errorf("upstream: endpoint %q: a base URL has no path or query (buckets are addressed path-style)", s)
	}
	u.Path, u.RawPath = "", ""
	return &endpoint{base: u.String(), url: u}, nil
}

// Values of Config.Balance.
const (
	// BalanceRoundRobin sends each request to the next healthy endpoint in turn, spreading
	// the load over the upstream's nodes, as a load balancer in front of them would.
	BalanceRoundRobin = "round-robin"
	// BalanceFailover sends every request to the first healthy endpoint in the order
	// given; the others take over, in that order, while it is down, as a load balancer's
	// backup servers do (nginx's backup, HAProxy's backup, Envoy's priorities). It suits
	// endpoints that are not alike: a load balancer in front of the upstream's nodes listed
	// first and the nodes themselves after it, or a nearby site before a distant one. It
	// also costs an upstream whose nodes share machines less: a four-node MinIO cluster on
	// one machine spent up to a fifth more CPU on GETs spread over its nodes than on the
	// same GETs sent to one of them (BENCHMARKS.md, Scale-out).
	BalanceFailover = "failover"
)

// pick returns the endpoints a request tries, in order: the healthy ones, starting at the
// next in turn (round robin) or at the first (failover); all of them when none is healthy
// (a probe may be behind).
func (c *client) pick() []*endpoint {
	n := len(c.endpoints)
	start := 0
	if !c.failover {
		start = int(c.next.Add(1)-1) % n
	}
	var healthy, all []*endpoint
	for i := range n {
		ep := c.endpoints[(start+i)%n]
		all = append(all, ep)
		if ep.healthy() {
			healthy = append(healthy, ep)
		}
	}
	if len(healthy) == 0 {
		return all
	}
	return healthy
}

// healthy returns how many endpoints are up, and how many there are.
func (c *client) healthy() (up, total int) {
	for _, ep := range c.endpoints {
		if ep.healthy() {
			up++
		}
	}
	return up, len(c.endpoints)
}

// markDown records that a request to ep failed in transport.
func (c *client) markDown(ep *endpoint, err error) {
	c.report(ep, false, err)
}

// report records ep's health, telling Metrics, and logging a change.
func (c *client) report(ep *endpoint, healthy bool, err error) {
	changed := ep.set(healthy)
	if c.metrics != nil {
		c.metrics.EndpointHealth(ep.base, healthy)
	}
	switch {
	case changed && healthy:
		c.log.Info("upstream endpoint is up", "endpoint", ep.base)
	case changed:
		c.log.Warn("upstream endpoint is down", "endpoint", ep.base, "error", err)
	}
}

// run probes every endpoint at once, then every health interval, until ctx ends.
func (c *client) run(ctx context.Context) {
	t := time.NewTicker(c.healthInterval)
	defer t.Stop()
	for {
		var wg sync.WaitGroup
		for _, ep := range c.endpoints {
			wg.Go(func() { c.probe(ctx, ep) })
		}
		wg.Wait()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// probe sends ep an unsigned HEAD /: any HTTP answer (403 included) means the endpoint is
// alive; a transport error, or no answer within probeTimeout, that it is down.
func (c *client) probe(parent context.Context, ep *endpoint) {
	ctx, cancel := context.WithTimeout(parent, probeTimeout)
	defer cancel()
	u := *ep.url
	u.Path = "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		c.report(ep, false, err)
		return
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if parent.Err() != nil {
			return // the backend is closing
		}
		c.report(ep, false, err)
		return
	}
	resp.Body.Close()
	c.report(ep, true, nil)
}
