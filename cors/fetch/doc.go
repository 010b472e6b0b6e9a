// Package fetch is the CORS policy engine of doorman's gateway: a policy for an HTTP API,
// compiled once, deciding every request without I/O or allocation.
//
// The S3 engine (package cors) answers exactly as Amazon S3 answers. An HTTP API in front
// of a single-page application needs something else: the answers the Fetch standard asks
// for (https://fetch.spec.whatwg.org/#http-cors-protocol), computed from each request,
// instead of the static lists most proxies send. Where a team runs on AWS, the same policy
// can also answer as API Gateway or CloudFront answers, so that what works locally works
// deployed.
//
//	p, err := fetch.Compile(&fetch.Config{Origins: []string{"https://app.example.com"}, ...})
//	req := fetch.FromHTTP(r)
//	d := p.Evaluate(&req)
//	d.WriteHeaders(w.Header())          // Vary merged, never clobbered
//	if d.Kind == fetch.Preflight && p.AnswersPreflights() { w.WriteHeader(d.Status) }
package fetch
