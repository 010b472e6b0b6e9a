// Package lint finds mistakes in Amazon S3 bucket CORS configurations, and in the CORS
// policies of doorman gateway, before a browser or an attacker does.
//
// A CORS configuration fails quietly. Amazon S3 stores almost anything that fits the schema,
// and a wrong rule shows up only as a blocked request in some user's console, or not at all
// when it lets too much in: S3 compares the Origin header with each AllowedOrigin as a whole
// string, case-sensitively, with one '*' standing for any run of characters, and answers
// every origin it matched with Access-Control-Allow-Credentials: true. So
// "https://example.com/" (a trailing slash) never matches anything, while
// "https://*example.com" also admits https://evilexample.com, with credentials. The linter
// knows both the rules of Amazon S3 (through the cors package, which decides exactly as S3
// does) and the rules of browsers (the Fetch standard: how origins are serialised, which
// headers scripts may set or read, how long preflights are cached), and reports where a
// configuration breaks either.
//
// Lint returns Findings; each has a stable code, a severity, the rule and field it concerns,
// a message saying what goes wrong and why, and a concrete fix. Rules describes every check
// (the SARIF output is built from it):
//
//	Code     Severity  Name                       Finds
//	CORS001  error     aws-rejects                what PutBucketCors refuses (every fault cors.Validate reports)
//	CORS101  error     null-origin                AllowedOrigin "null": sandboxed and file: pages, i.e. anyone
//	CORS102  warning   origin-never-matches       an origin no browser sends: "", no scheme, file:, a path or
//	                                              trailing slash, upper case, non-ASCII, user info, :443 / :80
//	CORS103  error     any-host-origin            a '*' with no domain after it: https://*, h*, https://example.*
//	CORS104  error     public-suffix-origin       a wildcard right under a public suffix: *.com, *.github.io, *.co.uk
//	CORS105  error     partial-label-origin       a '*' inside a label over a public suffix: https://*example.com
//	CORS106  warning   any-scheme-origin          a '*' spanning the scheme (*.example.com), so http:// matches
//	CORS107  warning   http-beside-https          http://host allowed beside https://host
//	CORS108  info      http-origin                an http:// origin other than localhost or loopback
//	CORS109  warning   write-from-any-origin      PUT, POST or DELETE allowed to "*"
//	CORS201  warning   shadowed-rule              a rule an earlier one covers in origins, methods and headers
//	CORS202  warning   duplicate-rule             a rule equal to an earlier one
//	CORS203  info      duplicate-value            a value listed twice in a rule
//	CORS301  info      any-allowed-header         AllowedHeader "*", which admits Authorization and x-amz-*
//	CORS302  info      forbidden-allowed-header   Cookie, Host, Origin, Content-Length, Sec-*, Proxy-*...
//	CORS303  info      safelisted-allowed-header  Accept, Accept-Language, Content-Language
//	CORS304  info      safelisted-expose-header   Cache-Control, Content-Type, Expires... (always readable)
//	CORS305  error     set-cookie-exposed         ExposeHeader Set-Cookie, which browsers never expose
//	CORS306  warning   upload-without-etag        PUT or POST without ExposeHeader ETag (multipart needs it)
//	CORS401  info      max-age-absent             no MaxAgeSeconds where requests are preflighted (5 s cache)
//	CORS402  warning   max-age-capped             above 7200 (Chromium's cap) or 86400 (Firefox's)
//	CORS403  warning   max-age-negative           a negative MaxAgeSeconds
//
// A doorman gateway policy (fetch.Config) is judged by Policy with the same classes (CORS001
// is then what fetch.Compile refuses, CORS1xx its origins and patterns, CORS3xx and CORS4xx
// its headers and max_age), plus the checks of PolicyChecks, which only a gateway has:
//
//	CORS501  warning   preflight-never-matches    an apigw-http policy without methods
//	CORS502  warning   star-with-credentials      a "*" API Gateway sends as is on credentialed responses
//	CORS503  warning   errors-without-cors        apigw-rest gateway error responses without Allow-Origin
//	CORS504  warning   preflight-to-upstream      preflight.mode passthrough: preflights reach upstream auth
//	CORS505  warning   upstream-owns-cors         upstream_headers passthrough under a policy that answers preflights
//	CORS506  info      unused-policy              a named policy nothing applies
//
// A gateway route with a cache block is judged by Edge, the checks of EdgeChecks (the
// stale-CORS trap of a cache in front of a CORS-answering upstream):
//
//	CORS601  error     stale-cors-cache           Origin forwarded to the upstream but not in the cache key
//	CORS602  info      origin-not-forwarded       Origin neither forwarded nor in the key
//	CORS603  error     cached-preflight-key       OPTIONS cached without Origin, ACRM and ACRH in the key
//	CORS604  info      override-on-hits-cloudfront  OriginOverride relied on for cache hits, undocumented on CloudFront
//
// GatewayModes runs CORS504 and CORS505 on a policy's gateway switches, and UnusedPolicy
// makes CORS506. A gateway finding has Policy set, the key path of the block where its field
// is written ("policies.web-app", "hosts[0].routes[1].cors.override"), and Route when it
// belongs to a route's effective policy rather than to the named policy.
//
// Errors are configurations S3 refuses and origins that let sites you do not control in;
// warnings are rules that do not work as written or open more than needed; info is worth a
// look and harmless as it stands. An origin gets at most one finding: an entry that never
// matches cannot also be too broad.
//
// Where the linter needs to know what a rule admits (shadowed rules), it compiles the rule
// alone with cors.Compile and asks the compiled policy, so that it judges exactly as the
// engine, and so S3, matches. Which names are public suffixes comes from the Public Suffix
// List (golang.org/x/net/publicsuffix).
//
// Place puts each finding at the line and column, in a JSON or XML document, of the entry or
// field it names (of its rule when it names none), where an editor should go; Report prints
// findings as text, JSON or SARIF 2.1.0 for code-scanning services.
package lint
