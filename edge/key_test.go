package edge_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/edge"
)

type keyReq struct {
	method, target string
	header         []string
}

func (k keyReq) build() *http.Request {
	r := httptest.NewRequest(k.method, "http://edge.test"+k.target, nil)
	for i := 0; i+1 < len(k.header); i += 2 {
		r.Header.Add(k.header[i], k.header[i+1])
	}
	return r
}

// keyCases: does the cache key of a and b agree? Each row names its source.
var keyCases = []struct {
	name    string
	source  string
	policy  func(t testing.TB) *edge.CachePolicy
	options bool
	a, b    keyReq
	same    bool
}{
	{"optimized ignores Origin", "docs/cloudfront.md#the-stale-cors-trap case 2: Origin forwarded but not in the key → one entry for all",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "CachingOptimized") }, false,
		keyReq{"GET", "/o.png", nil}, keyReq{"GET", "/o.png", []string{"Origin", "https://a.example"}}, true},
	{"mediapackage keys Origin", "docs/cloudfront.md#cache-and-origin-request-policies, docs/cloudfront.md#the-stale-cors-trap case 3: Origin in the key → one entry per Origin",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "Elemental-MediaPackage") }, false,
		keyReq{"GET", "/o.png", nil}, keyReq{"GET", "/o.png", []string{"Origin", "https://a.example"}}, false},
	{"two origins two entries", "docs/cloudfront.md#the-stale-cors-trap case 3",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "Elemental-MediaPackage") }, false,
		keyReq{"GET", "/o", []string{"Origin", "https://a.example"}}, keyReq{"GET", "/o", []string{"Origin", "https://b.example"}}, false},
	{"GET and HEAD share", "understanding-the-cache-key: OPTIONS apart from GET and HEAD",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "CachingOptimized") }, false,
		keyReq{"GET", "/o", nil}, keyReq{"HEAD", "/o", nil}, true},
	{"OPTIONS apart", "understanding-the-cache-key: the OPTIONS method is in the key",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "CachingOptimized") }, true,
		keyReq{"GET", "/o", nil}, keyReq{"OPTIONS", "/o", nil}, false},
	{"query ignored by default", "CachingOptimized: no query strings in the key",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "CachingOptimized") }, false,
		keyReq{"GET", "/o?v=1", nil}, keyReq{"GET", "/o?v=2", nil}, true},
	{"whitelisted query keyed", "cache policy QueryStringBehavior whitelist",
		func(t testing.TB) *edge.CachePolicy {
			p := managedCache(t, "CachingOptimized")
			p.QueryStrings = edge.Values{Mode: edge.Whitelist, Names: []string{"v"}}
			return p
		}, false,
		keyReq{"GET", "/o?v=1&x=1", nil}, keyReq{"GET", "/o?v=2&x=1", nil}, false},
	{"unlisted query ignored", "cache policy QueryStringBehavior whitelist",
		func(t testing.TB) *edge.CachePolicy {
			p := managedCache(t, "CachingOptimized")
			p.QueryStrings = edge.Values{Mode: edge.Whitelist, Names: []string{"v"}}
			return p
		}, false,
		keyReq{"GET", "/o?v=1&x=1", nil}, keyReq{"GET", "/o?x=2&v=1", nil}, true},
	{"query order", "[UNVERIFIED] sorted by name",
		func(t testing.TB) *edge.CachePolicy {
			p := managedCache(t, "CachingOptimized")
			p.QueryStrings = edge.Values{Mode: edge.All}
			return p
		}, false,
		keyReq{"GET", "/o?a=1&b=2", nil}, keyReq{"GET", "/o?b=2&a=1", nil}, true},
	{"allExcept query", "cache policy QueryStringBehavior allExcept",
		func(t testing.TB) *edge.CachePolicy {
			p := managedCache(t, "CachingOptimized")
			p.QueryStrings = edge.Values{Mode: edge.AllExcept, Names: []string{"utm"}}
			return p
		}, false,
		keyReq{"GET", "/o?a=1&utm=x", nil}, keyReq{"GET", "/o?a=1&utm=y", nil}, true},
	{"cookie keyed", "cache policy CookieBehavior whitelist",
		func(t testing.TB) *edge.CachePolicy {
			p := managedCache(t, "CachingOptimized")
			p.Cookies = edge.Values{Mode: edge.Whitelist, Names: []string{"lang"}}
			return p
		}, false,
		keyReq{"GET", "/o", []string{"Cookie", "lang=fr; s=1"}}, keyReq{"GET", "/o", []string{"Cookie", "s=2; lang=de"}}, false},
	{"other cookie ignored", "cache policy CookieBehavior whitelist",
		func(t testing.TB) *edge.CachePolicy {
			p := managedCache(t, "CachingOptimized")
			p.Cookies = edge.Values{Mode: edge.Whitelist, Names: []string{"lang"}}
			return p
		}, false,
		keyReq{"GET", "/o", []string{"Cookie", "lang=fr; s=1"}}, keyReq{"GET", "/o", []string{"Cookie", "s=2; lang=fr"}}, true},
	{"header absent vs empty", "a header absent and a header empty are different viewers",
		func(t testing.TB) *edge.CachePolicy {
			p := managedCache(t, "CachingOptimized")
			p.Headers = edge.Values{Mode: edge.Whitelist, Names: []string{"X-Variant"}}
			return p
		}, false,
		keyReq{"GET", "/o", nil}, keyReq{"GET", "/o", []string{"X-Variant", ""}}, false},
	{"accept-encoding normalised", "ServingCompressedFiles: br,gzip / gzip / none",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "CachingOptimized") }, false,
		keyReq{"GET", "/o", []string{"Accept-Encoding", "gzip, deflate"}}, keyReq{"GET", "/o", []string{"Accept-Encoding", "deflate, GZIP;q=0.5"}}, true},
	{"br apart from gzip", "ServingCompressedFiles",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "CachingOptimized") }, false,
		keyReq{"GET", "/o", []string{"Accept-Encoding", "gzip"}}, keyReq{"GET", "/o", []string{"Accept-Encoding", "gzip, br"}}, false},
	{"q=0 is refusal", "RFC 9110 §12.5.3: q=0 means not acceptable",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "CachingOptimized") }, false,
		keyReq{"GET", "/o", nil}, keyReq{"GET", "/o", []string{"Accept-Encoding", "gzip;q=0"}}, true},
	{"uncompressed policy ignores encoding", "CachingOptimizedForUncompressedObjects: compression off",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "CachingOptimizedForUncompressedObjects") }, false,
		keyReq{"GET", "/o", []string{"Accept-Encoding", "br"}}, keyReq{"GET", "/o", nil}, true},
	{"paths differ", "the path is the key",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "CachingOptimized") }, false,
		keyReq{"GET", "/a", nil}, keyReq{"GET", "/b", nil}, false},
	{"Amplify keys Host", "using-managed-cache-policies: Amplify keys Authorization, CloudFront-Viewer-Country, Host",
		func(t testing.TB) *edge.CachePolicy { return managedCache(t, "Amplify") }, false,
		keyReq{"GET", "/o", []string{"Authorization", "a"}}, keyReq{"GET", "/o", []string{"Authorization", "b"}}, false},
}

func TestKey(t *testing.T) {
	c, err := edge.New(edge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range keyCases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := c.Behavior(edge.BehaviorConfig{Name: "r", Cache: tc.policy(t), CacheOptions: tc.options})
			if err != nil {
				t.Fatal(err)
			}
			ka, oka := b.Key(tc.a.build())
			kb, okb := b.Key(tc.b.build())
			if !oka || !okb {
				t.Fatalf("not cached: %v %v", oka, okb)
			}
			if (ka == kb) != tc.same {
				t.Errorf("%s: key %q vs %q, same = %v, want %v", tc.source, ka, kb, ka == kb, tc.same)
			}
		})
	}
}

func TestKeyRendered(t *testing.T) {
	c, _ := edge.New(edge.Options{})
	defer c.Close()
	p := managedCache(t, "CachingOptimized")
	p.Headers = edge.Values{Mode: edge.Whitelist, Names: []string{"Origin"}}
	p.QueryStrings = edge.Values{Mode: edge.Whitelist, Names: []string{"v"}}
	b, err := c.Behavior(edge.BehaviorConfig{Name: "api.test/img/", Cache: p})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := b.Key(keyReq{"GET", "/img/a.png?x=1&v=2", []string{"Origin", "https://a.example", "Accept-Encoding", "gzip"}}.build())
	want := "api.test/img/ |  | /img/a.png | ?v=2 | h:origin=https://a.example | ae:gzip"
	if k != want {
		t.Errorf("key %q, want %q", k, want)
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		if _, ok := b.Key(keyReq{m, "/img/a.png", nil}.build()); ok {
			t.Errorf("%s is cached; CloudFront caches GET, HEAD (and OPTIONS when configured) only", m)
		}
	}
}

func TestManagedPolicies(t *testing.T) {
	cases := []struct {
		name, id      string
		min, def, max time.Duration
		headers       string
		gzip, brotli  bool
		source        string
	}{
		{"CachingOptimized", "658327ea-f89d-4fab-a63d-7e88639e58f6", time.Second, 86400 * time.Second, 31536000 * time.Second, "none", true, true, "docs/cloudfront.md#managed-cache-and-origin-request-policies"},
		{"CachingDisabled", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", 0, 0, 0, "none", false, false, "docs/cloudfront.md#managed-cache-and-origin-request-policies"},
		{"CachingOptimizedForUncompressedObjects", "b2884449-e4de-46a7-ac36-70bc7f1ddd6d", time.Second, 86400 * time.Second, 31536000 * time.Second, "none", false, false, "docs/cloudfront.md#managed-cache-and-origin-request-policies"},
		{"Elemental-MediaPackage", "08627262-05a9-4f76-9ded-b50ca2e3a84f", 0, 86400 * time.Second, 31536000 * time.Second, "whitelist [origin]", true, false, "docs/cloudfront.md#managed-cache-and-origin-request-policies: key includes Origin"},
		{"Amplify", "2e54312d-136d-493c-8eb9-b001f22f67d2", 2 * time.Second, 2 * time.Second, 600 * time.Second, "whitelist [authorization, cloudfront-viewer-country, host]", true, true, "docs/cloudfront.md#managed-cache-and-origin-request-policies, TTLs from using-managed-cache-policies"},
	}
	for _, tc := range cases {
		for _, name := range []string{tc.name, "Managed-" + tc.name, strings.ToLower(tc.name), tc.id} {
			p, err := edge.ManagedCachePolicy(name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if p.Name != tc.name || p.ID != tc.id || p.MinTTL != tc.min || p.DefaultTTL != tc.def || p.MaxTTL != tc.max ||
				p.Headers.String() != tc.headers || p.Gzip != tc.gzip || p.Brotli != tc.brotli {
				t.Errorf("%s (%s): %+v", name, tc.source, p)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	origins := []struct{ name, id, headers string }{
		{"CORS-S3Origin", "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", "whitelist [origin, access-control-request-headers, access-control-request-method]"},
		{"CORS-CustomOrigin", "59781a5b-3903-41f3-afcb-af62929ccde1", "whitelist [origin]"},
		{"AllViewer", "216adef6-5c7f-47e4-b989-5492eafa07d3", "all"},
		{"AllViewerExceptHostHeader", "b689b0a8-53d0-40ab-baf2-68738e2966ac", "allExcept [host]"},
		{"AllViewerAndCloudFrontHeaders-2022-06", "33f36d7e-f396-46d9-90e0-52428a34d9dc", "all"},
		{"Elemental-MediaTailor-PersonalizedManifests", "775133bc-15f2-49f9-abea-afb2e0bf67d2", "whitelist [origin, access-control-request-headers, access-control-request-method, user-agent, x-forwarded-for]"},
		{"UserAgentRefererHeaders", "acba4595-bd28-49b8-b9fe-13317c0390fa", "whitelist [user-agent, referer]"},
	}
	for _, tc := range origins {
		for _, name := range []string{tc.name, tc.id} {
			p, err := edge.ManagedOriginRequestPolicy(name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if p.Name != tc.name || p.Headers.String() != tc.headers {
				t.Errorf("%s (docs/cloudfront.md#managed-cache-and-origin-request-policies): %s %s", name, p.Name, p.Headers)
			}
		}
	}
	if _, err := edge.ManagedCachePolicy("CachingOptimised"); err == nil || !strings.Contains(err.Error(), "CachingOptimized") {
		t.Errorf("unknown name: %v, want the list of managed policies", err)
	}
}

func TestPolicyValidate(t *testing.T) {
	cases := []struct {
		name   string
		p      edge.CachePolicy
		want   string
		source string
	}{
		{"ttl order", edge.CachePolicy{MinTTL: 10 * time.Second, DefaultTTL: time.Second, MaxTTL: time.Hour}, "min_ttl", "CreateCachePolicy: MinTTL <= DefaultTTL <= MaxTTL"},
		{"headers allExcept", edge.CachePolicy{MaxTTL: time.Hour, Headers: edge.Values{Mode: edge.AllExcept, Names: []string{"x"}}}, "none or whitelist", "CachePolicyHeaderBehavior: none | whitelist"},
		{"whitelist without names", edge.CachePolicy{MaxTTL: time.Hour, Cookies: edge.Values{Mode: edge.Whitelist}}, "at least one name", "CloudFront refuses an empty whitelist"},
		{"too many", edge.CachePolicy{MaxTTL: time.Hour, QueryStrings: edge.Values{Mode: edge.Whitelist, Names: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}}, "at most 10", "cloudfront-limits: 10 query strings per cache policy"},
		{"disabled with key", edge.CachePolicy{Headers: edge.Values{Mode: edge.Whitelist, Names: []string{"origin"}}}, "max_ttl 0", "CachingDisabled caches nothing: an origin request policy forwards"},
		{"bad header", edge.CachePolicy{MaxTTL: time.Hour, Headers: edge.Values{Mode: edge.Whitelist, Names: []string{"x y"}}}, "not a header name", "RFC 9110 token"},
	}
	for _, tc := range cases {
		err := tc.p.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s (%s): %v, want %q", tc.name, tc.source, err, tc.want)
		}
	}
}

func TestParseCachedMethods(t *testing.T) {
	for _, tc := range []struct {
		in      []string
		options bool
		ok      bool
	}{
		{[]string{"GET", "HEAD"}, false, true},
		{[]string{"head", "get", "options"}, true, true},
		{[]string{"GET"}, false, false},
		{[]string{"GET", "HEAD", "POST"}, false, false},
	} {
		options, err := edge.ParseCachedMethods(tc.in)
		if options != tc.options || (err == nil) != tc.ok {
			t.Errorf("%v: %v %v (CachedMethods: [GET, HEAD] or [GET, HEAD, OPTIONS])", tc.in, options, err)
		}
	}
}
