package edge

import (
	"net/http"

	"github.com/doorman-s3/doorman/cors/awsconfig"
	"github.com/doorman-s3/doorman/cors/fetch"
)

// ResponseHeadersPolicy is the CORS section of a CloudFront response headers policy
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html):
// a policy in fetch.CloudFront semantics, and OriginOverride.
type ResponseHeadersPolicy struct {
	CORS *fetch.Policy
	// OriginOverride true: the policy's header replaces the origin's of the same name; false:
	// the origin's is kept. A header the origin lacks is added either way.
	OriginOverride bool
}

// ManagedResponseHeadersPolicy returns a managed response headers policy with CORS
// (SimpleCORS, CORS-With-Preflight, CORS-and-SecurityHeadersPolicy,
// CORS-with-preflight-and-SecurityHeadersPolicy) by name or id, as cors/awsconfig reads it.
func ManagedResponseHeadersPolicy(name string) (*ResponseHeadersPolicy, []string, error) {
	imp, err := awsconfig.Managed(name)
	if err != nil {
		return nil, nil, err
	}
	p, err := fetch.Compile(imp.Config)
	if err != nil {
		return nil, nil, err
	}
	var warnings []string
	for _, w := range imp.Warnings {
		warnings = append(warnings, w.Message)
	}
	return &ResponseHeadersPolicy{CORS: p, OriginOverride: *imp.OriginOverride}, warnings, nil
}

// Apply adds the policy's CORS headers for the viewer request r to h, the response about to
// be sent, whether it comes from the origin or from the store.
//
// [UNVERIFIED] (docs/cloudfront.md#applied-on-cache-hits) CloudFront documents per-request
// application only for the headers a policy removes; doorman evaluates the CORS section per viewer
// request on hits too, the most likely behaviour of a policy that echoes the request's Origin. It
// follows that OriginOverride true cures a stale cached Access-Control-Allow-Origin (the policy's
// value for this viewer replaces it), and false keeps the cached one.
func (p *ResponseHeadersPolicy) Apply(h http.Header, r *http.Request) {
	req := fetch.FromHTTP(r)
	d := p.CORS.Evaluate(&req)
	if p.OriginOverride {
		d.WriteHeaders(h)
		return
	}
	for _, hd := range d.Headers() {
		switch {
		case hd.Name == "Vary":
			fetch.MergeVary(h, hd.Value)
		case len(h[hd.Name]) == 0:
			h[hd.Name] = []string{hd.Value}
		}
	}
}
