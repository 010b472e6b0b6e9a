// Package cors is doorman's CORS engine: it models an Amazon S3 bucket CORS configuration and
// decides, for any request, exactly what Amazon S3 would answer. It does no I/O; the S3
// server, the gateway, the toolkit and the console all call it, so there is one place where
// CORS is decided.
//
// The flow is always the same: [Decode] reads a configuration (S3 XML or the AWS CLI's JSON)
// into a [Config]; [Compile] validates it as PutBucketCors does and compiles it into a
// [Policy]; [FromHTTP] reads the facts of a request into a [Request]; [Policy.Preflight]
// answers an OPTIONS request (200, or AWS's 400/403 error) and [Policy.Actual] any other one
// (the headers to add, or none); [Decision.WriteHeaders] sets the headers. The package
// example shows it end to end, and [Middleware] does all of it in front of a
// [net/http.Handler].
//
// A compiled Policy is immutable and safe for concurrent use; replace it to change rules.
// Errors are plain error values holding *[corserr.Error] values with AWS's status, code and
// exact message: [Decision.Err] for a refused preflight, [Validate] and [Compile] for a
// configuration ([errors.As] finds the first, [corserr.All] walks them all). No function
// returns a bare *corserr.Error, so a nil error always means no error.
//
// What each behaviour below is, why, and on what evidence, is in docs/s3-cors.md in the
// repository, section by section.
//
// # Behaviour
//
// Amazon S3 departs from the Fetch standard and from ordinary CORS middleware in ways that
// clients depend on, and the engine keeps every one of them:
//
//   - The first rule in document order whose AllowedOrigin, AllowedMethod and AllowedHeader
//     all match decides. Origins compare as whole strings, case-sensitively (not recorded
//     against AWS [UNVERIFIED]; MinIO's S3-compatibility notes say so), with one '*' matching
//     any run of characters; header names compare ignoring case.
//   - A refused preflight is a 403 (or 400) with an XML body, not a 200 without headers.
//   - Access-Control-Allow-Methods lists the rule's every method, also on simple responses,
//     which carry Max-Age and Expose-Headers too.
//   - Access-Control-Request-Method and -Headers count on non-OPTIONS requests as well.
//   - Vary is sent only on matched responses.
//   - A '*' origin is answered with '*' and no Allow-Credentials; a matched pattern or name is
//     answered with the request's Origin and Allow-Credentials: true.
//   - Access-Control-Allow-Headers echoes the requested names lower-cased, never '*'.
//
// Where AWS's behaviour is not recorded, the choice made is marked [UNVERIFIED] at the code
// that makes it, with the evidence for it.
//
// # Bounds
//
// Documents are limited to MaxDocumentSize bytes and MaxRules rules, as in S3. Evaluation does
// bounded work whatever the request: one map probe for exact origins, a probe per distinct
// suffix length of the patterns with a '*', and an Access-Control-Request-Headers parser that
// refuses values over 8 KiB, 32 lines or 128 names before doing any matching. The last two
// bounds are doorman's own: S3 limits only the whole header section (8 KiB), so a request
// naming more than 128 headers, which no browser sends, gets a 403 here where S3 could
// answer 200. Evaluating an allowed request allocates
// nothing, except the Allow-Headers echo when it differs from the request's own spelling.
package cors
