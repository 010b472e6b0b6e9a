package fetch_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// referenceMatch is the obviously correct matcher the compiled one is compared with: the
// configured origin, quoted, with "*." standing for one or more DNS labels and ":*" for an
// optional port, anchored at both ends; "*" matches anything.
func referenceMatch(pattern, origin string) bool {
	if pattern == "*" {
		return true
	}
	if len(origin) > fetch.MaxOriginBytes {
		return false
	}
	q := regexp.QuoteMeta(pattern)
	q = strings.Replace(q, `://\*\.`, `://([a-z0-9_-]+\.)+`, 1)
	if strings.HasSuffix(q, `:\*`) {
		q = strings.TrimSuffix(q, `:\*`) + `(:[0-9]{1,5})?`
	}
	return regexp.MustCompile("^" + q + "$").MatchString(origin)
}

func FuzzOriginMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"https://*.example.com", "https://a.example.com"},
		{"https://*.example.com", "https://example.com"},
		{"https://*.example.com", "https://a.example.com.evil.net"},
		{"https://*.example.com", "https://.example.com"},
		{"https://*.example.com", "https://a..example.com"},
		{"https://*.example.com", "https://x/.example.com"},
		{"https://*.example.com", "https://A.example.com"},
		{"https://*.example.com", "https://a.example.com:443"},
		{"https://*.example.com:8443", "https://a.b.example.com:8443"},
		{"http://localhost:*", "http://localhost:5173"},
		{"http://localhost:*", "http://localhost"},
		{"http://localhost:*", "http://localhost:"},
		{"http://localhost:*", "http://localhost:1:2"},
		{"http://[::1]:*", "http://[::1]:80"},
		{"https://*.example.com:*", "https://a.example.com:1"},
		{"https://app.example.com", "https://app.example.com"},
		{"https://app.example.com", "https://app.example.co"},
		{"*", "null"},
	} {
		f.Add(s[0], "https://*.b.example.com", s[1])
	}
	// Two entries, so that wildcards sharing a base or a host, and exact origins beside
	// them, are matched together.
	f.Fuzz(func(t *testing.T, pattern, other, origin string) {
		p, err := fetch.Compile(&fetch.Config{Origins: []string{pattern, other}})
		if err != nil {
			return
		}
		r := fetch.Request{Method: "GET", Origin: origin, HasOrigin: true}
		d := p.Evaluate(&r)
		if want := referenceMatch(pattern, origin) || referenceMatch(other, origin); d.Allowed != want {
			t.Fatalf("origin %q against %q, %q: allowed=%v; reference says %v", origin, pattern, other, d.Allowed, want)
		}
	})
}

// fuzzPolicies are evaluated on every fuzzed request.
var fuzzPolicies = []*fetch.Config{web, webConfigured, public, starsCredentialed, lenient, httpAPI, httpAPIOrigins, httpAPIMethods, httpAPIStars, rest, cloudFront, cloudFrontCredentialed}

func FuzzEvaluate(f *testing.F) {
	for _, c := range evalCases {
		acrh := strings.Join(c.req.RequestHeaders, "\n")
		if len(acrh) > 1024 {
			acrh = acrh[:1024]
		}
		f.Add(c.req.Method, c.req.Origin, c.req.HasOrigin, c.req.RequestMethod, c.req.HasRequestMethod, acrh)
	}
	policies := make([]*fetch.Policy, len(fuzzPolicies))
	for i, cfg := range fuzzPolicies {
		var err error
		if policies[i], err = fetch.Compile(cfg); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, method, origin string, hasOrigin bool, acrm string, hasACRM bool, acrh string) {
		r := fetch.Request{Method: method, Origin: origin, HasOrigin: hasOrigin, RequestMethod: acrm, HasRequestMethod: hasACRM}
		if acrh != "" {
			r.RequestHeaders = strings.Split(acrh, "\n")
		}
		for i, p := range policies {
			cfg := fuzzPolicies[i]
			d := p.Evaluate(&r)
			hs := d.Headers()
			if len(hs) > 7 && cfg.Semantics != fetch.APIGatewayREST {
				t.Fatalf("%d headers", len(hs))
			}
			if d.Detail != "" && !strings.Contains(origin+acrm+acrh, d.Detail) {
				t.Fatalf("detail %q is not from the request", d.Detail)
			}
			for _, h := range hs {
				if !d.Allowed && strings.HasPrefix(h.Name, "Access-Control-") {
					t.Fatalf("%s: refused (%s) but sends %s: %s", cfg.Semantics, d.Reason, h.Name, h.Value)
				}
				if h.Name == "Access-Control-Allow-Origin" && h.Value != "*" && h.Value != origin && cfg.Semantics != fetch.APIGatewayREST {
					t.Fatalf("Allow-Origin %q for origin %q", h.Value, origin)
				}
			}
			if d.Allowed != (d.Reason == fetch.ReasonNone) {
				t.Fatalf("allowed=%v reason=%q", d.Allowed, d.Reason)
			}
			if d.Kind != fetch.Preflight && d.Status != 0 {
				t.Fatalf("%s request with status %d", d.Kind, d.Status)
			}
			_ = d.Explain()
		}
	})
}

func FuzzCompile(f *testing.F) {
	f.Add(uint8(0), "https://*.example.com", `^https://a\.test$`, "PUT", "content-type", "etag", 600, true)
	f.Add(uint8(0), "*", "", "*", "*", "*", 0, false)
	f.Add(uint8(1), "http://*", "", "get", "X-Api-Key", "*", -1, true)
	f.Add(uint8(2), "", "", "", "", "", 0, false)
	f.Add(uint8(3), "*.example.org", "", "ALL", "*", "*", 86400, false)
	f.Add(uint8(0), "HTTPS://bücher.example:0443/", "a|b", "trace", "a b", ":", 86401, true)
	f.Fuzz(func(t *testing.T, sem uint8, origin, pattern, method, header, expose string, maxAge int, creds bool) {
		c := &fetch.Config{Semantics: fetch.Semantics(sem % 5), MaxAge: &maxAge, Credentials: creds}
		for _, v := range []struct {
			dst *[]string
			s   string
		}{{&c.Origins, origin}, {&c.OriginPatterns, pattern}, {&c.Methods, method}, {&c.RequestHeaders, header}, {&c.ExposeHeaders, expose}} {
			if v.s != "" {
				*v.dst = []string{v.s}
			}
		}
		if c.Semantics == fetch.APIGatewayREST {
			c.Static = []fetch.Header{{header, expose}}
		}
		p, err := fetch.Compile(c)
		if err != nil {
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var ce *fetch.ConfigError
				if !errors.As(e, &ce) || ce.Message == "" {
					t.Fatalf("not a *ConfigError with a message: %v", e)
				}
			}
			return
		}
		// A compiled exact origin admits itself, as the browser sends it.
		if c.Semantics == fetch.Fetch && origin != "" && !strings.Contains(origin, "*") {
			r := fetch.Request{Method: "GET", Origin: origin, HasOrigin: true}
			if d := p.Evaluate(&r); !d.Allowed {
				t.Fatalf("origin %q compiled but refuses itself: %s", origin, d.Explain())
			}
		}
	})
}
