package lint

import (
	"fmt"
	"slices"
	"strings"
)

// The codes of the checks of a route's edge cache: the stale-CORS trap in its forms
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/header-caching.html#header-caching-web-cors).
const (
	CodeStaleCORSCache           = "CORS601"
	CodeOriginNotForwarded       = "CORS602"
	CodeCachedPreflightKey       = "CORS603"
	CodeOverrideOnHitsCloudFront = "CORS604"
)

// EdgeChecks are the checks of a route that caches (a gateway route with a cache block).
var EdgeChecks = []Check{
	{CodeStaleCORSCache, "stale-cors-cache", Error,
		"A cached route forwards Origin to the upstream but does not key on it, and the upstream's CORS headers reach the browser.",
		"The first request after expiry decides what everybody gets: a request without Origin (an <img>, curl, a crawler) caches an answer without Access-Control-Allow-Origin, and later fetch() calls get it from the cache and fail; a request from origin A caches Allow-Origin: A, and origin B fails. It works on the developer's machine and fails for some users, depending on what the cache holds. CachingOptimized with CORS-S3Origin or CORS-CustomOrigin is this combination."},
	{CodeOriginNotForwarded, "origin-not-forwarded", Info,
		"A cached route neither forwards Origin nor keys on it: an upstream that answers CORS never sees Origin.",
		"S3 and most applications add CORS headers only to requests with an allowed Origin, so every answer through this cache lacks Access-Control-Allow-Origin and every cross-origin fetch() fails. That is right only when the upstream does not answer CORS at all."},
	{CodeCachedPreflightKey, "cached-preflight-key", Error,
		"OPTIONS responses are cached without Origin, Access-Control-Request-Method and Access-Control-Request-Headers in the key.",
		"A preflight answer depends on all three; cached without them, the answer for one origin, method or header list is served to the others, and those preflights fail (or pass when they should not). CloudFront's guidance for cached OPTIONS is to key on the three headers."},
	{CodeOverrideOnHitsCloudFront, "override-on-hits-cloudfront", Info,
		"The route relies on a response headers policy with OriginOverride true to correct Access-Control-Allow-Origin on cache hits.",
		"doorman applies the policy to every viewer request, hits included, so the cached origin's header is replaced. AWS documents per-request application only for the headers a policy removes; whether CloudFront recomputes the CORS headers on a hit is not documented. Origin in the cache key is the cure that holds on CloudFront for certain."},
}

// EdgeRoute is what the edge checks read of a route that has a cache behaviour.
type EdgeRoute struct {
	Route string // the route's name, "api.example.com/img/"
	Block string // the key path of its cache block, "hosts[0].routes[1].cache"
	// Caches is true when the cache policy stores anything (max_ttl > 0).
	Caches bool
	// KeyHeaders are the headers in the cache key; Forwarded those the origin request policy
	// forwards besides (ForwardsAll: every viewer header). Names in any case.
	KeyHeaders, Forwarded []string
	ForwardsAll           bool
	// CachesOptions is true when OPTIONS responses are cached (cached_methods with OPTIONS);
	// PreflightsForwarded when preflights reach the cache at all (no gateway policy answers
	// them).
	CachesOptions, PreflightsForwarded bool
	// PerRequestCORS is true when Access-Control-Allow-Origin is written for each viewer
	// request over what the cache holds: a gateway policy with upstream_headers override, or
	// a response headers policy with OriginOverride true (ByOriginOverride).
	PerRequestCORS, ByOriginOverride bool
}

// Edge checks a route's cache behaviour. Findings have Route set, Policy the cache block's
// key path, and Field the setting to change.
func Edge(e EdgeRoute) []Finding {
	var out []Finding
	add := func(code, field, value, message, fix string) {
		chk, _ := edgeCheck(code)
		out = append(out, Finding{Code: code, Name: chk.Name, Severity: chk.Severity, Rule: -1, ID: e.Route, Policy: e.Block,
			Route: e.Route, Field: field, Value: value, Message: message, Fix: fix})
	}
	has := func(list []string, name string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, name) })
	}
	inKey := has(e.KeyHeaders, "origin")
	forwarded := inKey || e.ForwardsAll || has(e.Forwarded, "origin")
	switch {
	case !e.Caches:
	case inKey:
	case forwarded && e.PerRequestCORS && e.ByOriginOverride:
		add(CodeOverrideOnHitsCloudFront, "response_headers_policy", "OriginOverride: true",
			"Cache hits get the right Access-Control-Allow-Origin here because the response headers policy replaces the cached one for each viewer; on CloudFront that per-request evaluation on hits is not documented.",
			"Add Origin to the cache policy's key headers (cache: { policy: { headers: [origin], ... } }) so that each origin has its own entry.")
	case forwarded && !e.PerRequestCORS:
		add(CodeStaleCORSCache, "origin_request_policy", "Origin forwarded, not in the key",
			"Origin reaches the upstream but is not in the cache key: whichever request fills the cache decides the Access-Control-Allow-Origin every later viewer gets, none for an <img> or curl first, another origin's for a fetch() from elsewhere.",
			"Put Origin in the cache key (a cache policy with headers: [origin], or Elemental-MediaPackage), or answer CORS per request: a response headers policy with OriginOverride true, or a gateway cors policy with upstream_headers override.")
	case !forwarded && !e.PerRequestCORS:
		add(CodeOriginNotForwarded, "origin_request_policy", "Origin not forwarded",
			"The upstream never sees Origin through this cache, so an upstream that answers CORS (S3 with CORS rules, an application) answers every request without Access-Control-Allow-Origin.",
			"If the upstream answers CORS, key on Origin (headers: [origin] in the cache policy); if it does not, nothing is wrong.")
	}
	if e.Caches && e.CachesOptions && e.PreflightsForwarded {
		var missing []string
		for _, h := range []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"} {
			if !has(e.KeyHeaders, h) {
				missing = append(missing, h)
			}
		}
		if len(missing) > 0 {
			add(CodeCachedPreflightKey, "cached_methods", "OPTIONS",
				fmt.Sprintf("Preflight answers are cached without %s in the key: one origin's or one request's preflight answer is served to the others.", strings.Join(missing, ", ")),
				"Add Origin, Access-Control-Request-Method and Access-Control-Request-Headers to the cache policy's key headers, or cache only [GET, HEAD].")
		}
	}
	return out
}

func edgeCheck(code string) (Check, bool) {
	for _, c := range EdgeChecks {
		if c.Code == code {
			return c, true
		}
	}
	return Check{}, false
}
