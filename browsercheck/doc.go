// Package browsercheck decides, the way a browser does, whether a cross-origin request made by
// a script succeeds, and says why not when it does not.
//
// A CORS failure is reported by the browser, not by the server: the server answered, often
// with 200 or 403, and the browser then refused to let the script see the answer, or refused
// to send the request at all. Reading server logs or a curl transcript therefore rarely shows
// the cause. This package replays the browser's side of the exchange: it classifies the
// request as a script would make it, works out the preflight a browser would send, and then
// runs the checks of the Fetch standard, in the order Chromium runs them, over the responses
// it is given. It does no I/O; the caller sends the requests (doorman check does) and passes
// the responses in, so every rule can be tested without a network.
//
// The steps implemented, with the Fetch standard's names:
//
//   - Classify: method normalisation and forbidden methods ("normalize a method",
//     "forbidden method"), forbidden request-headers a script cannot set, the CORS-safelisted
//     request-header rules with their value limits (128 bytes per value, 1024 in total,
//     CORS-unsafe request-header bytes, the Content-Type essence, the single Range), and from
//     them "CORS-unsafe request-header names", which decides whether a preflight is needed
//     and gives the exact Access-Control-Request-Headers value ("CORS-preflight fetch" steps 1-6).
//   - The CORS-preflight fetch's checks (step 7): the "CORS check" on the preflight response
//     and its ok status, the parsing of Access-Control-Allow-Methods and -Headers ("extract
//     header list values"), and the method and header coverage rules, including the
//     credentials rule for '*' and Authorization as the "CORS non-wildcard request-header
//     name"; then the preflight cache lifetime per browser.
//   - The actual response: the "CORS check" again ("HTTP fetch" step 4), a redirect's CORS
//     check and location, and the "CORS-exposed header-name list" for the headers the script
//     wants to read.
//
// A blocked Result names the failed step and carries what Chromium would report for it (its
// DevTools corsError name and its console message), Firefox's "Reason:" text and WebKit's
// (Safari's) console reason, plus a fix:
// the header a server should send, or, for an Amazon S3 bucket or a doorman bucket, the
// CORSRule change, with a complete rule that doorman's own CORS engine has been run against
// and shown to let the request through.
//
// Where browsers disagree on the order of the checks (Chromium and Firefox check
// Access-Control-Allow-Origin before the preflight's status, WebKit the status first), the step
// that decides follows the browser asked for, and the Chromium, Firefox and WebKit texts each
// follow their own browser. WebKit also lets Access-Control-Allow-Headers: * cover
// Authorization, and caps the preflight cache at 600 s (Chromium 7200 s, Firefox 86400 s). So an Amazon S3 preflight refusal, a 403 without CORS headers, is
// PreflightMissingAllowOriginHeader for Chromium and "CORS header ‘Access-Control-Allow-Origin’
// missing" for Firefox, as the real-browser suite records.
package browsercheck
