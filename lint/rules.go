package lint

import "fmt"

// Severity ranks a finding.
type Severity uint8

// Severities, from the least to the most serious.
const (
	// Info: worth knowing, harmless as it stands.
	Info Severity = iota + 1
	// Warning: a rule that does not do what its author most likely meant, or that opens more
	// than it needs to.
	Warning
	// Error: Amazon S3 refuses the configuration, or it lets any site in.
	Error
)

var severityNames = [...]string{Info: "info", Warning: "warning", Error: "error"}

func (s Severity) String() string {
	if s < Info || s > Error {
		return fmt.Sprintf("Severity(%d)", uint8(s))
	}
	return severityNames[s]
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) {
	if s < Info || s > Error {
		return nil, fmt.Errorf("lint: invalid severity %d", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a name written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err == nil {
		*s = v
	}
	return err
}

// ParseSeverity reads "info", "warning" or "error".
func ParseSeverity(name string) (Severity, error) {
	for s := Info; s <= Error; s++ {
		if severityNames[s] == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or error)", name)
}

// Check describes one kind of finding: what SARIF calls a rule. (The word "rule" is kept for
// the CORSRule elements of a configuration.)
type Check struct {
	Code     string   // stable identifier, CORS followed by three digits
	Name     string   // short kebab-case name
	Severity Severity // every finding of the check has this severity
	Summary  string   // one sentence
	Why      string   // what goes wrong, and why it matters
}

// The codes of the checks. They never change meaning; a retired check keeps its code unused.
const (
	CodeRejected           = "CORS001"
	CodeNullOrigin         = "CORS101"
	CodeOriginNeverMatches = "CORS102"
	CodeAnyHostOrigin      = "CORS103"
	CodePublicSuffixOrigin = "CORS104"
	CodePartialLabelOrigin = "CORS105"
	CodeAnySchemeOrigin    = "CORS106"
	CodeHTTPBesideHTTPS    = "CORS107"
	CodeHTTPOrigin         = "CORS108"
	CodeWriteFromAnyOrigin = "CORS109"
	CodeShadowedRule       = "CORS201"
	CodeDuplicateRule      = "CORS202"
	CodeDuplicateValue     = "CORS203"
	CodeAnyAllowedHeader   = "CORS301"
	CodeForbiddenHeader    = "CORS302"
	CodeSafelistedHeader   = "CORS303"
	CodeSafelistedExpose   = "CORS304"
	CodeSetCookieExposed   = "CORS305"
	CodeUploadWithoutETag  = "CORS306"
	CodeMaxAgeAbsent       = "CORS401"
	CodeMaxAgeCapped       = "CORS402"
	CodeMaxAgeNegative     = "CORS403"
)

// Rules lists every check the linter runs, in code order. It is the one description of the
// checks: the SARIF output's rule table is built from it.
var Rules = []Check{
	{CodeRejected, "aws-rejects", Error,
		"Amazon S3 would refuse this configuration.",
		"PutBucketCors fails with a 400 error, so the configuration cannot be stored. Every fault is reported, not only the first one S3 would name."},

	{CodeNullOrigin, "null-origin", Error,
		"AllowedOrigin \"null\" admits opaque origins, which any attacker can produce.",
		"Browsers send Origin: null from sandboxed iframes, data: URLs, file: pages and some redirects. Anyone can put a page in a sandboxed iframe, so allowing null allows every site, and with credentials, since S3 echoes the origin."},
	{CodeOriginNeverMatches, "origin-never-matches", Warning,
		"An AllowedOrigin that no browser ever sends.",
		"S3 compares the Origin header with AllowedOrigin as whole strings, case-sensitively. Browsers send a serialised origin: lower-case scheme and host, the host in ASCII, no path, no trailing slash, no default port. An entry written otherwise (empty, no scheme, file:, a path, upper case, a default port) never matches."},
	{CodeAnyHostOrigin, "any-host-origin", Error,
		"A wildcard origin that matches any host.",
		"S3's '*' stands for any run of characters, dots included. When no domain follows it (https://*, http://*, h*, https://example.*), it matches sites anyone can register, and S3 grants them credentialed access."},
	{CodePublicSuffixOrigin, "public-suffix-origin", Error,
		"A wildcard directly under a public suffix, such as https://*.com or https://*.github.io.",
		"Names under a public suffix (com, co.uk, github.io, s3.amazonaws.com...) are registered by anyone, so a wildcard there admits sites you do not control. The Public Suffix List decides what is public."},
	{CodePartialLabelOrigin, "partial-label-origin", Error,
		"A '*' that is not a whole label, so it reaches across a public suffix: https://*example.com matches https://evilexample.com.",
		"S3's '*' is plain text matching, not a subdomain wildcard: without a dot after it, it also matches other registrable domains that merely end with the same letters."},
	{CodeAnySchemeOrigin, "any-scheme-origin", Warning,
		"A '*' that spans the scheme (*.example.com, http*://example.com), so http:// origins match too.",
		"A page served over plain http can be altered by anyone on the network path; admitting it lets such an attacker act with the user's access. The pattern also admits every other scheme."},
	{CodeHTTPBesideHTTPS, "http-beside-https", Warning,
		"An http:// origin allowed beside the https:// origin of the same host.",
		"The site is served over https, yet its unencrypted twin is also allowed. Anyone on the network path can inject script into the http page and use the bucket with the user's access."},
	{CodeHTTPOrigin, "http-origin", Info,
		"An http:// origin other than localhost or a loopback address.",
		"Pages served over plain http can be altered in transit. Prefer https; http is fine for local development on localhost."},
	{CodeWriteFromAnyOrigin, "write-from-any-origin", Warning,
		"PUT, POST or DELETE allowed to origin \"*\".",
		"Any web page may send write requests to the bucket and read the answers. Where a write is authorised by a presigned URL or a public-write policy, every site can use it from any visitor's browser."},

	{CodeShadowedRule, "shadowed-rule", Warning,
		"A rule that never applies, because an earlier rule matches every request it matches.",
		"S3 uses the first rule, in document order, whose origins, methods and headers all match. A later rule whose origins, methods and headers are all covered by an earlier one is never used, and its ExposeHeaders and MaxAgeSeconds never reach a browser."},
	{CodeDuplicateRule, "duplicate-rule", Warning,
		"A rule identical to an earlier one.",
		"The copy is never used; it only makes the configuration longer and harder to change correctly."},
	{CodeDuplicateValue, "duplicate-value", Info,
		"A value listed twice in one rule.",
		"The second entry changes nothing (header names compare ignoring case)."},

	{CodeAnyAllowedHeader, "any-allowed-header", Info,
		"AllowedHeader \"*\" admits every request header.",
		"This is usually fine: S3 answers with the requested names only, never '*'. But it admits Authorization and every x-amz-* header, so pages of the allowed origins can send signed and credential-bearing requests."},
	{CodeForbiddenHeader, "forbidden-allowed-header", Info,
		"An AllowedHeader naming a forbidden request header, which scripts cannot set.",
		"Browsers set Cookie, Host, Origin, Content-Length, Sec-* and Proxy-* headers themselves and never list them in Access-Control-Request-Headers, so the entry does nothing; it often reveals a mistaken belief that cookies or the Host header reach S3 from scripts."},
	{CodeSafelistedHeader, "safelisted-allowed-header", Info,
		"An AllowedHeader naming a CORS-safelisted request header.",
		"Browsers send Accept, Accept-Language and Content-Language without asking, unless the value holds unusual bytes or exceeds 128 bytes. Content-Type and Range are not reported: their safelist covers only some values, and uploads need them listed."},
	{CodeSafelistedExpose, "safelisted-expose-header", Info,
		"An ExposeHeader naming a CORS-safelisted response header.",
		"Scripts can always read Cache-Control, Content-Language, Content-Length, Content-Type, Expires, Last-Modified and Pragma; listing them changes nothing."},
	{CodeSetCookieExposed, "set-cookie-exposed", Error,
		"ExposeHeader Set-Cookie, which browsers never expose.",
		"Browsers filter Set-Cookie and Set-Cookie2 out of every response a script reads, whatever Access-Control-Expose-Headers says; code that relies on it cannot work."},
	{CodeUploadWithoutETag, "upload-without-etag", Warning,
		"PUT or POST allowed without ETag in ExposeHeaders.",
		"A browser multipart upload must read each part's ETag to complete the upload, and ETag is not a safelisted response header: without ExposeHeader ETag, scripts see no ETag at all."},

	{CodeMaxAgeAbsent, "max-age-absent", Info,
		"No MaxAgeSeconds on a rule whose requests need a preflight.",
		"Without Access-Control-Max-Age browsers keep a preflight for 5 seconds only, so nearly every upload or header-carrying request costs an extra OPTIONS round trip."},
	{CodeMaxAgeCapped, "max-age-capped", Warning,
		"MaxAgeSeconds above what browsers honour.",
		"Chromium caps the preflight cache at 7200 seconds and Firefox at 86400 (WebKit at 600). A larger value does not make preflights rarer, and suggests a belief that it does."},
	{CodeMaxAgeNegative, "max-age-negative", Warning,
		"A negative MaxAgeSeconds.",
		"S3 accepts it, but browsers treat it as not cacheable: every request is preflighted."},
}

// CheckFor returns the check with the given code.
func CheckFor(code string) (Check, bool) {
	for _, c := range Rules {
		if c.Code == code {
			return c, true
		}
	}
	return Check{}, false
}
