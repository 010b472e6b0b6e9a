package lint_test

import (
	"slices"
	"testing"

	"github.com/doorman-s3/doorman/lint"
)

func TestEdge(t *testing.T) {
	s3Origin := []string{"origin", "access-control-request-headers", "access-control-request-method"}
	cases := []struct {
		name   string
		source string
		in     lint.EdgeRoute
		want   []string
	}{
		{"optimized + CORS-S3Origin", "docs/cloudfront.md#the-stale-cors-trap case 2: the stale-CORS trap",
			lint.EdgeRoute{Caches: true, Forwarded: s3Origin}, []string{lint.CodeStaleCORSCache}},
		{"optimized + AllViewer", "docs/cloudfront.md#the-stale-cors-trap case 2: AllViewer forwards Origin too",
			lint.EdgeRoute{Caches: true, ForwardsAll: true}, []string{lint.CodeStaleCORSCache}},
		{"optimized alone", "docs/cloudfront.md#the-stale-cors-trap case 1: Origin never forwarded",
			lint.EdgeRoute{Caches: true}, []string{lint.CodeOriginNotForwarded}},
		{"Origin in the key", "docs/cloudfront.md#the-stale-cors-trap case 3: cured",
			lint.EdgeRoute{Caches: true, KeyHeaders: []string{"Origin"}, Forwarded: s3Origin}, nil},
		{"gateway override", "a gateway policy with upstream_headers override writes ACAO per request",
			lint.EdgeRoute{Caches: true, Forwarded: s3Origin, PerRequestCORS: true}, nil},
		{"OriginOverride true", "docs/cloudfront.md#the-stale-cors-trap case 4, docs/cloudfront.md#applied-on-cache-hits: cured in doorman, unverified on CloudFront",
			lint.EdgeRoute{Caches: true, Forwarded: s3Origin, PerRequestCORS: true, ByOriginOverride: true}, []string{lint.CodeOverrideOnHitsCloudFront}},
		{"CachingDisabled", "nothing cached, nothing stale",
			lint.EdgeRoute{Caches: false, Forwarded: s3Origin, CachesOptions: true, PreflightsForwarded: true}, nil},
		{"cached OPTIONS without ACR*", "docs/cloudfront.md#options-requests: key on Origin, ACRM, ACRH when OPTIONS is cached",
			lint.EdgeRoute{Caches: true, KeyHeaders: []string{"origin"}, CachesOptions: true, PreflightsForwarded: true}, []string{lint.CodeCachedPreflightKey}},
		{"cached OPTIONS keyed", "docs/cloudfront.md#options-requests",
			lint.EdgeRoute{Caches: true, KeyHeaders: s3Origin, CachesOptions: true, PreflightsForwarded: true}, nil},
		{"cached OPTIONS answered by the gateway", "preflights never reach the cache",
			lint.EdgeRoute{Caches: true, KeyHeaders: []string{"origin"}, CachesOptions: true}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Route, tc.in.Block = "api.test/img/", "hosts[0].routes[0].cache"
			var got []string
			for _, f := range lint.Edge(tc.in) {
				got = append(got, f.Code)
				if f.Route != tc.in.Route || f.Policy != tc.in.Block || f.Message == "" || f.Fix == "" || f.Name == "" {
					t.Errorf("%s: finding not located or explained: %+v", tc.source, f)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.source, got, tc.want)
			}
		})
	}
}

func TestEdgeChecksDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range slices.Concat(lint.Rules, lint.PolicyChecks, lint.EdgeChecks) {
		if seen[c.Code] || seen[c.Name] {
			t.Errorf("%s %s repeated", c.Code, c.Name)
		}
		seen[c.Code], seen[c.Name] = true, true
	}
}
