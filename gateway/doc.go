// Package gateway is doorman's reverse proxy for HTTP APIs, with API Gateway-grade CORS:
// routes by host and path prefix to upstreams, named CORS policies (package cors/fetch)
// attached per host or route, and every response decorated by construction.
//
// # Why it exists
//
// The proxies in front of most APIs get CORS wrong in the same few ways: they answer every
// preflight 200 with static lists, forward preflights to upstream authentication (401), drop
// CORS headers on the errors they make themselves (so the browser shows "CORS error" instead
// of the status), and duplicate Access-Control-Allow-Origin when the application adds its
// own. The gateway is built so that none of these can happen by accident.
//
// # The way a request travels
//
//	route (host, then longest path prefix)
//	→ policy (route > host > defaults; on a {tenant} host, the tenant's file is the whole
//	  origin set: the policy's origins and origin_patterns do not apply)
//	→ preflight? answered here: never forwarded, never seen by upstream authentication,
//	  unless the route says preflight.mode: passthrough, or the policy's semantics forwards
//	  OPTIONS (cloudfront, as CloudFront answers no preflight itself)
//	→ else the upstream, through httputil.ReverseProxy: a request to a plain-HTTP upstream
//	  written and answered on the handler's own goroutine over a pooled connection
//	  (package upstreamhttp, a quarter of a proxied GET's CPU time saved); an Upgrade, an
//	  Expect: 100-continue or an https upstream through net/http's Transport
//	→ on the way out, for every status (the upstream's, and the gateway's own 404 for no
//	  route, 413 for a body over limits.max_body, 431 for headers over
//	  limits.max_header_bytes, 400 for a body that stops arriving, 502 for an unreachable
//	  upstream, 504 for one that does not answer in time): the route's upstream_headers
//	  mode, then the decision's headers, Vary merged, never clobbered.
//
// All CORS headers are written in one place, the exchange's WriteHeader, which every
// response passes through.
//
// # Upstream headers
//
//   - override (the default): the upstream's Access-Control-* headers are dropped and the
//     gateway's written, as API Gateway HTTP APIs ignore "CORS headers returned from your
//     backend integration" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html).
//   - upstream-wins: the upstream's are kept, the gateway's added where absent, as CloudFront
//     does with OriginOverride false (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html).
//     A repeated Access-Control-Allow-Origin or -Allow-Credentials line is cut to its first.
//   - passthrough: the application owns CORS on the route; its responses are not touched.
//     The gateway's own answers (preflights answered here, 404, 413, 431, 502, 504) still
//     carry the decision: nothing of the upstream's is there to pass through.
//
// # Enforcement
//
// enforce: on applies the policy. enforce: shadow evaluates and counts every decision
// (doorman_gateway_cors_decisions_total, outcome "shadow-refused" for the requests it would
// refuse) and logs it, but the route behaves exactly as if it had no policy: preflights are
// forwarded, no header is added or removed. This is what rolling out a tighter policy needs:
// the traffic it would refuse is measured before anyone is refused. enforce: off, cors: off
// and a route with no cors block at all behave alike: a plain reverse proxy.
//
// # Edge cache
//
// A host or route with a cache block is a CloudFront cache behaviour (package edge): a cache
// policy (managed by name, e.g. CachingOptimized, or min_ttl/default_ttl/max_ttl and the
// headers, cookies and query strings of the key), an origin request policy (CORS-S3Origin,
// AllViewer, ... or its own lists), cached_methods, and a response headers policy's CORS
// section. It exists to make the stale-CORS trap of a CDN visible and testable: Origin
// forwarded but not in the key serves whichever answer filled the cache to everybody. The
// cache sits between the routing and the upstream: preflights the gateway answers never
// reach it, and every answer it gives, hits included, passes through the route's CORS
// decoration. An upstream failure under a cache is answered through it, so it is cached for
// CloudFront's error caching TTL (10 s), or replaced by the stale object the cache holds.
// The edge block bounds its memory (edge: { memory, max_object }); POST
// /cache/invalidations on the admin listener takes CloudFront's InvalidationBatch.
//
// # Bounds
//
// Every size and wait is bounded: the configuration file (1 MiB) and its counts, request
// headers (limits.max_header_bytes) and their arrival (limits.header_timeout), the body
// (limits.max_body: a larger Content-Length is answered 413 before a byte is read), each
// step of a client's body and of the response to it (limits.idle_timeout), connecting to an
// upstream (10 s), its response headers and every read or write to it afterwards
// (limits.upstream_timeout, answered 504).
//
// A request head over limits.max_header_bytes is answered 431 by the gateway itself,
// decorated like its other answers, so that a page reads the status rather than a CORS
// error: the server reads heads up to twice the limit (plus the 4 KiB net/http adds) for
// that. What net/http refuses before any handler runs (a head over that larger bound: 431;
// a malformed request: 400) carries no CORS headers: no route or Origin is known yet.
//
// # Reload
//
// Reload (SIGHUP, POST /reload) builds a new routing table from the file and swaps it in
// atomically: a request is served by one table from start to end. An invalid file changes
// nothing; its errors are logged and counted, and the running table's tenant files are read
// again all the same. A reload that applies has the metrics drop the figures of the routes
// it removed ([Metrics.KeepRoutes]). Reload also reopens the access-log file, for log
// rotation.
//
// # Configuration
//
// LoadFile reads the YAML configuration; every error is reported at once, as
// "file:line:col: field: message", with "did you mean" for unknown keys and the policy
// model's errors placed at the list item they are about. FromFlags builds the same
// configuration from the one-line start's flags. Explain shows each effective field of a
// host and path and where it comes from.
package gateway
