package edge

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Mode is how a cache or origin request policy treats one kind of viewer value (headers,
// cookies or query strings), with CloudFront's names
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachePolicyHeadersConfig.html,
// API_OriginRequestPolicyHeadersConfig.html, ...).
type Mode uint8

const (
	None      Mode = iota // "none": nothing
	Whitelist             // "whitelist": the named ones
	AllExcept             // "allExcept": all but the named ones
	All                   // "all" ("allViewer" for headers): every one the viewer sent
)

var behaviorNames = [...]string{"none", "whitelist", "allExcept", "all"}

// String returns CloudFront's name of b ("allViewer" is written "all").
func (b Mode) String() string { return behaviorNames[b] }

// ParseMode reads CloudFront's behaviour names, in any case: none, whitelist, allExcept,
// all, and for headers allViewer and allViewerAndWhitelistCloudFront (read as all: doorman
// makes no CloudFront-* headers).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "none":
		return None, nil
	case "whitelist":
		return Whitelist, nil
	case "allexcept":
		return AllExcept, nil
	case "all", "allviewer", "allviewerandwhitelistcloudfront":
		return All, nil
	}
	return 0, fmt.Errorf("%q is not one of none, whitelist, allExcept, all (allViewer)", s)
}

// Values is one part of a policy: a mode and the names it applies to. Header names are
// kept lower-case; cookie and query-string names are case-sensitive, as in CloudFront.
type Values struct {
	Mode  Mode
	Names []string
}

// allows reports whether the name (lower-case for headers) is selected.
func (v *Values) allows(name string) bool {
	switch v.Mode {
	case Whitelist:
		return slices.Contains(v.Names, name)
	case AllExcept:
		return !slices.Contains(v.Names, name)
	case All:
		return true
	}
	return false
}

func (v Values) String() string {
	switch v.Mode {
	case Whitelist, AllExcept:
		return v.Mode.String() + " [" + strings.Join(v.Names, ", ") + "]"
	}
	return v.Mode.String()
}

// CachePolicy is a CloudFront cache policy: what is in the cache key (and so forwarded), and
// how long objects stay (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-the-cache-key.html).
type CachePolicy struct {
	Name, ID                   string // "" for a policy written in the configuration
	MinTTL, DefaultTTL, MaxTTL time.Duration
	// Headers in the key: None or Whitelist only (CachePolicyHeaderBehavior).
	Headers      Values
	Cookies      Values
	QueryStrings Values
	// The normalised Accept-Encoding in the key (EnableAcceptEncodingGzip / Brotli).
	Gzip, Brotli bool
}

// OriginRequestPolicy is a CloudFront origin request policy: viewer values forwarded to the
// origin but not in the cache key (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html).
type OriginRequestPolicy struct {
	Name, ID     string
	Headers      Values
	Cookies      Values
	QueryStrings Values
}

// Bounds of a policy written in a configuration, CloudFront's quotas
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html):
// 10 headers, cookies and query strings in a cache policy, 30 in an origin request policy.
const (
	maxCacheNames  = 10
	maxOriginNames = 30
	// maxTTL bounds every TTL: CloudFront's MaxTTL default, one year, is the largest a
	// managed policy uses; a century is beyond any use.
	maxTTL = 100 * 365 * 24 * time.Hour
)

// Validate checks p as CloudFront's CreateCachePolicy does: MinTTL <= DefaultTTL <= MaxTTL,
// headers none or whitelist, names listed only for whitelist and allExcept, within the
// quotas. Header names are lower-cased.
func (p *CachePolicy) Validate() error {
	var errs []string
	if p.MinTTL < 0 || p.DefaultTTL < 0 || p.MaxTTL < 0 || p.MaxTTL > maxTTL {
		errs = append(errs, fmt.Sprintf("TTLs must be between 0s and %s", maxTTL))
	}
	if p.MinTTL > p.DefaultTTL || p.DefaultTTL > p.MaxTTL {
		errs = append(errs, fmt.Sprintf("min_ttl (%s) <= default_ttl (%s) <= max_ttl (%s) does not hold", p.MinTTL, p.DefaultTTL, p.MaxTTL))
	}
	if p.Headers.Mode != None && p.Headers.Mode != Whitelist {
		errs = append(errs, "headers: a cache policy takes none or whitelist (CachePolicyHeaderBehavior)")
	}
	errs = append(errs, checkValues("headers", &p.Headers, maxCacheNames, true)...)
	errs = append(errs, checkValues("cookies", &p.Cookies, maxCacheNames, false)...)
	errs = append(errs, checkValues("query_strings", &p.QueryStrings, maxCacheNames, false)...)
	if p.MaxTTL == 0 && (p.Headers.Mode != None || p.Cookies.Mode != None || p.QueryStrings.Mode != None || p.Gzip || p.Brotli) {
		// CloudFront's rule: with caching disabled, nothing can be in the key; an origin
		// request policy forwards values instead.
		errs = append(errs, "a policy with max_ttl 0 caches nothing and can have nothing in its key: forward values with an origin request policy")
	}
	return joinErrors(errs)
}

// Validate checks p as CreateOriginRequestPolicy does.
func (p *OriginRequestPolicy) Validate() error {
	var errs []string
	errs = append(errs, checkValues("headers", &p.Headers, maxOriginNames, true)...)
	errs = append(errs, checkValues("cookies", &p.Cookies, maxOriginNames, false)...)
	errs = append(errs, checkValues("query_strings", &p.QueryStrings, maxOriginNames, false)...)
	return joinErrors(errs)
}

func checkValues(field string, v *Values, max int, header bool) []string {
	var errs []string
	named := v.Mode == Whitelist || v.Mode == AllExcept
	switch {
	case named && len(v.Names) == 0:
		errs = append(errs, fmt.Sprintf("%s: %s needs at least one name", field, v.Mode))
	case !named && len(v.Names) > 0:
		errs = append(errs, fmt.Sprintf("%s: %s takes no names", field, v.Mode))
	case len(v.Names) > max:
		errs = append(errs, fmt.Sprintf("%s: %d names; at most %d are allowed", field, len(v.Names), max))
	}
	for i, n := range v.Names {
		if header {
			if !validToken(n) {
				errs = append(errs, fmt.Sprintf("%s[%d]: %q is not a header name", field, i, n))
			}
			v.Names[i] = strings.ToLower(n)
		} else if n == "" || strings.ContainsAny(n, "=;&\x00") {
			errs = append(errs, fmt.Sprintf("%s[%d]: %q is not a name", field, i, n))
		}
	}
	return errs
}

// validToken reports whether s is an HTTP token (a header name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

type configError string

func (e configError) Error() string { return string(e) }

func joinErrors(errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return configError(strings.Join(errs, "; "))
}

func names(n ...string) []string { return n }

// managedCache are CloudFront's managed cache policies, from
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
// (TTLs, key values and ids as documented there).
var managedCache = []CachePolicy{
	{Name: "CachingOptimized", ID: "658327ea-f89d-4fab-a63d-7e88639e58f6",
		MinTTL: time.Second, DefaultTTL: 86400 * time.Second, MaxTTL: 31536000 * time.Second, Gzip: true, Brotli: true},
	{Name: "CachingOptimizedForUncompressedObjects", ID: "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
		MinTTL: time.Second, DefaultTTL: 86400 * time.Second, MaxTTL: 31536000 * time.Second},
	{Name: "CachingDisabled", ID: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
	// [UNVERIFIED] The query strings and the Gzip-only compression of Elemental-MediaPackage
	// are from the current documentation page; an archived copy of it records only that
	// Origin is in its key (docs/cloudfront.md#managed-cache-and-origin-request-policies).
	{Name: "Elemental-MediaPackage", ID: "08627262-05a9-4f76-9ded-b50ca2e3a84f",
		DefaultTTL: 86400 * time.Second, MaxTTL: 31536000 * time.Second,
		Headers:      Values{Whitelist, names("origin")},
		QueryStrings: Values{Whitelist, names("aws.manifestfilter", "end", "m", "start")}, Gzip: true},
	{Name: "Amplify", ID: "2e54312d-136d-493c-8eb9-b001f22f67d2",
		MinTTL: 2 * time.Second, DefaultTTL: 2 * time.Second, MaxTTL: 600 * time.Second,
		Headers: Values{Whitelist, names("authorization", "cloudfront-viewer-country", "host")},
		Cookies: Values{Mode: All}, QueryStrings: Values{Mode: All}, Gzip: true, Brotli: true},
}

// managedOrigin are CloudFront's managed origin request policies, from
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
var managedOrigin = []OriginRequestPolicy{
	{Name: "CORS-S3Origin", ID: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
		Headers: Values{Whitelist, names("origin", "access-control-request-headers", "access-control-request-method")}},
	{Name: "CORS-CustomOrigin", ID: "59781a5b-3903-41f3-afcb-af62929ccde1",
		Headers: Values{Whitelist, names("origin")}},
	{Name: "AllViewer", ID: "216adef6-5c7f-47e4-b989-5492eafa07d3",
		Headers: Values{Mode: All}, Cookies: Values{Mode: All}, QueryStrings: Values{Mode: All}},
	{Name: "AllViewerExceptHostHeader", ID: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
		Headers: Values{AllExcept, names("host")}, Cookies: Values{Mode: All}, QueryStrings: Values{Mode: All}},
	// CloudFront adds its CloudFront-* headers as well; doorman makes none of them.
	{Name: "AllViewerAndCloudFrontHeaders-2022-06", ID: "33f36d7e-f396-46d9-90e0-52428a34d9dc",
		Headers: Values{Mode: All}, Cookies: Values{Mode: All}, QueryStrings: Values{Mode: All}},
	{Name: "Elemental-MediaTailor-PersonalizedManifests", ID: "775133bc-15f2-49f9-abea-afb2e0bf67d2",
		Headers:      Values{Whitelist, names("origin", "access-control-request-headers", "access-control-request-method", "user-agent", "x-forwarded-for")},
		QueryStrings: Values{Mode: All}},
	{Name: "UserAgentRefererHeaders", ID: "acba4595-bd28-49b8-b9fe-13317c0390fa",
		Headers: Values{Whitelist, names("user-agent", "referer")}, QueryStrings: Values{Mode: All}},
}

// ManagedCachePolicy returns a managed cache policy by its console name ("CachingOptimized"),
// its API name ("Managed-CachingOptimized"), in any case, or its id.
func ManagedCachePolicy(name string) (*CachePolicy, error) {
	for _, p := range managedCache {
		if matchesManaged(name, p.Name, p.ID) {
			c := p
			c.Headers.Names = slices.Clone(p.Headers.Names)
			c.QueryStrings.Names = slices.Clone(p.QueryStrings.Names)
			return &c, nil
		}
	}
	return nil, unknownManaged("cache", name, managedCache, func(p CachePolicy) string { return p.Name })
}

// ManagedOriginRequestPolicy returns a managed origin request policy by name or id.
func ManagedOriginRequestPolicy(name string) (*OriginRequestPolicy, error) {
	for _, p := range managedOrigin {
		if matchesManaged(name, p.Name, p.ID) {
			c := p
			c.Headers.Names = slices.Clone(p.Headers.Names)
			return &c, nil
		}
	}
	return nil, unknownManaged("origin request", name, managedOrigin, func(p OriginRequestPolicy) string { return p.Name })
}

func matchesManaged(s, name, id string) bool {
	return strings.EqualFold(s, name) || strings.EqualFold(s, "Managed-"+name) || strings.EqualFold(s, id)
}

func unknownManaged[P any](kind, name string, all []P, nameOf func(P) string) error {
	list := make([]string, len(all))
	for i, p := range all {
		list[i] = nameOf(p)
	}
	return fmt.Errorf("no managed %s policy is named %q (the managed ones: %s)", kind, name, strings.Join(list, ", "))
}

// ManagedCachePolicyNames and ManagedOriginRequestPolicyNames list the managed policies, for
// suggestions.
func ManagedCachePolicyNames() []string {
	out := make([]string, len(managedCache))
	for i, p := range managedCache {
		out[i] = p.Name
	}
	return out
}

func ManagedOriginRequestPolicyNames() []string {
	out := make([]string, len(managedOrigin))
	for i, p := range managedOrigin {
		out[i] = p.Name
	}
	return out
}

// ParseCachedMethods reads CachedMethods: [GET, HEAD] or [GET, HEAD, OPTIONS], in any order
// and case; it reports whether OPTIONS is cached.
func ParseCachedMethods(list []string) (options bool, err error) {
	var got []string
	for _, m := range list {
		got = append(got, strings.ToUpper(m))
	}
	slices.Sort(got)
	switch {
	case slices.Equal(got, []string{"GET", "HEAD"}):
		return false, nil
	case slices.Equal(got, []string{"GET", "HEAD", "OPTIONS"}):
		return true, nil
	}
	return false, fmt.Errorf("cached methods are [GET, HEAD] or [GET, HEAD, OPTIONS], as in CloudFront, not %v", list)
}
