// Package fetch is the CORS policy engine of doorman's gateway: a policy for an HTTP API,
// validated and compiled once, then deciding every request without I/O, logging or
// allocation.
//
// The S3 engine (package cors) answers exactly as Amazon S3 answers. An HTTP API in front of
// a single-page application needs something else. Most proxies answer every preflight with
// static lists, reflect any origin when told "*" with credentials, forward preflights they
// cannot match to the upstream's authentication, and forget Vary: the browser then reports
// "CORS error" and the developer has nothing to go on. This package computes each answer
// from the request, as the Fetch standard describes the protocol
// (https://fetch.spec.whatwg.org/#http-cors-protocol), refuses at load time what a browser
// could never honour, and says why it refused a request. Where a team runs on AWS, the same
// policy can answer as API Gateway or CloudFront answers instead, so that what works locally
// works deployed.
//
// [Compile] turns a [Config] into a [Policy]; [FromHTTP] reads a [Request]; [Policy.Evaluate]
// decides it; [Decision.WriteHeaders] sets the headers, Vary merged, never clobbered. When
// [Policy.AnswersPreflights] is true, a preflight is answered with the decision's Status and
// never reaches the upstream. The package example shows it end to end.
//
// A Policy is immutable and safe for concurrent use; compile a new one to change it.
// Compile reports every problem of a configuration at once, as *[ConfigError] values joined
// with [errors.Join], each naming the field, the entry, what is wrong and what to write
// instead; [ConfigErrors] walks them.
//
// Where the AWS semantics come from, section by section, is in docs/apigw-cors.md and
// docs/cloudfront.md in the repository.
//
// # Fetch semantics
//
// The default. A preflight is an OPTIONS request with Origin and
// Access-Control-Request-Method; any other request with Origin is an actual request. A
// preflight is checked in the order of https://fetch.spec.whatwg.org/#cors-preflight-fetch:
//
//   - Origin: an exact serialised origin, a subdomain wildcard ("https://*.example.com": one
//     label or more, never example.com itself nor example.com.evil.net), a port wildcard
//     ("http://localhost:*", including the default port), an anchored RE2 pattern, or "*".
//     Origins compare byte for byte, as browsers compare them.
//   - Method: listed, or "*" (never CONNECT, TRACE or TRACK), or CORS-safelisted (GET, HEAD,
//     POST: https://fetch.spec.whatwg.org/#cors-safelisted-method), compared byte for byte.
//   - Every name of Access-Control-Request-Headers: listed (ignoring case) or covered by
//     "*", which never covers Authorization
//     (https://fetch.spec.whatwg.org/#http-access-control-allow-headers).
//
// An allowed preflight is answered PreflightStatus (204) with Access-Control-Allow-Origin
// ("*" when the policy allows any origin, else the request's origin), -Credentials, -Methods
// and -Headers (by default only what was asked: Advertise), -Max-Age when set, and
// Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers (Origin left
// out when the answer is the same for every origin). A refused one is answered FailureStatus
// (403; 200 if configured) with no Access-Control-* header; Decision.Reason and Detail say
// which check refused and what. An allowed actual request gets Access-Control-Allow-Origin,
// -Credentials and -Expose-Headers; every response whose answer depends on Origin, refusals
// and requests without Origin included, gets Vary: Origin, and a policy allowing any origin
// sends Access-Control-Allow-Origin: * on every response instead, as
// https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches asks.
//
// Compile refuses, among others: "*" or expose "*" with credentials; origins a browser
// never sends (a path or trailing slash, upper case, a default port, a non-punycode name,
// with the spelling to use); wildcards over a public suffix ("https://*.com",
// "https://*.co.uk", "https://*.github.io", by the Public Suffix List; *.localhost is
// allowed); unanchored patterns; forbidden methods and lower-case spellings of the methods
// browsers upper-case; invalid header names; max_age outside 0..86400. The "null" origin is
// refused: sandboxed iframes, file: pages and redirected requests all send it, so allowing
// it would allow them all.
//
// # AWS semantics
//
// APIGatewayHTTP answers as an HTTP API's automatic preflight response
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html): origins
// "*", "http://*", "https://*" or exact, compared ignoring case; methods and request
// headers "*" or listed, and when unset no preflight matches (headers: unless none is
// requested); the configured lists sent as they are, Access-Control-Allow-Headers present
// even when empty; 204 whether it matched or not, without CORS headers when not.
//
// APIGatewayREST answers as the mock OPTIONS method the console's "Enable CORS" creates
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors-console.html):
// every OPTIONS request gets 200, Content-Type: application/json, an empty body and the
// Static headers, whatever its Origin; actual requests get nothing from the policy (the
// backend's headers pass through); ErrorHeaders gives the headers of the DEFAULT_4XX and
// DEFAULT_5XX gateway responses for the responses the gateway makes itself.
//
// CloudFront adds a response headers policy's CorsConfig
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html)
// to the origin's responses: Allow-Origin, -Credentials and -Expose-Headers on every CORS
// response whose origin matches ("*", exact, or "*.example.org"), the configured
// Allow-Methods, Allow-Headers and Max-Age on preflight responses, without evaluating the
// requested method or headers. CloudFront answers no preflight itself, so AnswersPreflights
// is false and the gateway forwards OPTIONS.
//
// Validation in the AWS semantics is the service's, with its messages where they are
// recorded. What no recorded AWS response settles is marked [UNVERIFIED] in the code, with
// the evidence for the choice made.
//
// # Bounds
//
// Configurations hold at most MaxOrigins origins, MaxOriginPatterns patterns of
// MaxPatternBytes each, and MaxListItems methods, request headers and expose headers. A
// request's Origin over MaxOriginBytes, or an Access-Control-Request-Headers over 8 KiB, 32
// lines or 128 names, is refused as malformed before any matching. Evaluation costs one map
// probe for an exact origin, one more per dot of the host when wildcards are configured, and
// a regular-expression match only for patterns whose literal prefix the origin has.
// Evaluate allocates nothing, except to echo an Access-Control-Request-Headers that is
// split over several lines (never sent by browsers); WriteHeaders allocates once.
package fetch
