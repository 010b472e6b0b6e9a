package edge

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CacheControl is what the cache reads of a response's Cache-Control header.
type CacheControl struct {
	MaxAge, SMaxAge int64 // seconds; -1 when absent
	NoStore         bool
	NoCache         bool
	Private         bool
}

// maxDirectives bounds the directives read from Cache-Control lines: a real header has a
// handful; the rest of a longer one is ignored.
const maxDirectives = 64

// maxDeltaSeconds is where a delta-seconds value is capped, as RFC 9111 §1.2.2 says
// (https://www.rfc-editor.org/rfc/rfc9111#section-1.2.2).
const maxDeltaSeconds = math.MaxInt32 + 1

// ParseCacheControl reads the Cache-Control lines of a response (RFC 9111 §5.2,
// https://www.rfc-editor.org/rfc/rfc9111#section-5.2): directive names in any case, values
// as tokens or quoted strings. Of a repeated max-age or s-maxage the first counts; an invalid
// value (not digits) counts as 0, which makes the response stale, as §4.2.1 asks. no-cache and
// private with a field list are read as without one: the whole response is concerned.
func ParseCacheControl(lines []string) CacheControl {
	cc := CacheControl{MaxAge: -1, SMaxAge: -1}
	n := 0
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ",") {
			if n++; n > maxDirectives {
				return cc
			}
			name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
			name = strings.TrimSpace(name)
			switch {
			case strings.EqualFold(name, "max-age"):
				if cc.MaxAge < 0 {
					cc.MaxAge = deltaSeconds(value)
				}
			case strings.EqualFold(name, "s-maxage"):
				if cc.SMaxAge < 0 {
					cc.SMaxAge = deltaSeconds(value)
				}
			case strings.EqualFold(name, "no-store"):
				cc.NoStore = true
			case strings.EqualFold(name, "no-cache"):
				cc.NoCache = true
			case strings.EqualFold(name, "private"):
				cc.Private = true
			}
		}
	}
	return cc
}

// deltaSeconds reads a delta-seconds value, quoted or not; invalid is 0.
func deltaSeconds(s string) int64 {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if s == "" {
		return 0
	}
	var v int64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0
		}
		if v = v*10 + int64(c-'0'); v >= maxDeltaSeconds {
			return maxDeltaSeconds
		}
	}
	return v
}

// errorCachingMinTTL is CloudFront's default Error Caching Minimum TTL
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/custom-error-pages-expiration.html).
const errorCachingMinTTL = 10 * time.Second

// cachedErrors are the 4xx and 5xx statuses CloudFront caches
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html#HTTPStatusCodes-cached-errors);
// 416 is not among them.
func cachedError(status int) bool {
	switch status {
	case 400, 403, 404, 405, 414, 500, 501, 502, 503, 504:
		return true
	}
	return false
}

// cacheableByDefault are the other statuses stored without an explicit lifetime: those RFC
// 9110 §15.1 calls heuristically cacheable (https://www.rfc-editor.org/rfc/rfc9110#section-15.1),
// but 206 (the cache asks for whole objects) and the errors above.
// [UNVERIFIED] CloudFront's documentation lists no such set for 2xx and 3xx; any other status
// (302, 307, 401...) is stored only with an explicit max-age, s-maxage or Expires.
func cacheableByDefault(status int) bool {
	switch status {
	case 200, 203, 204, 300, 301, 308, 410:
		return true
	}
	return false
}

// TTL is how long the response may be served from the cache under policy p, and whether it
// is stored at all, as CloudFront decides
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html):
//
//   - s-maxage, else max-age, else Expires (minus Date, or now), clamped to [MinTTL, MaxTTL];
//     with none of them, DefaultTTL; Expires is not read when max-age is there.
//   - no-store and private: never stored, whatever MinTTL says. CloudFront stores these for
//     MinTTL when MinTTL > 0 (CachingOptimized's is 1 s); doorman does not, since a private
//     answer served to another viewer is a leak, not a cache miss.
//   - no-cache: not stored when MinTTL is 0, stored for MinTTL otherwise (CloudFront's rule).
//   - The cached 4xx/5xx: max(Error Caching Minimum TTL 10 s, the header's lifetime), at most
//     MaxTTL.
//   - MaxTTL 0 (CachingDisabled): nothing is stored.
func TTL(p *CachePolicy, status int, h http.Header, now time.Time) (time.Duration, bool) {
	if p.MaxTTL == 0 {
		return 0, false
	}
	cc := ParseCacheControl(h["Cache-Control"])
	if cc.NoStore || cc.Private {
		return 0, false
	}
	if cc.NoCache {
		return p.MinTTL, p.MinTTL > 0 && storableStatus(status, true)
	}
	life, explicit := time.Duration(0), true
	switch {
	case cc.SMaxAge >= 0:
		life = time.Duration(cc.SMaxAge) * time.Second
	case cc.MaxAge >= 0:
		life = time.Duration(cc.MaxAge) * time.Second
	case len(h["Expires"]) > 0:
		// An invalid Expires (such as "0") means already expired (RFC 9111 §5.3).
		if exp, err := http.ParseTime(h.Get("Expires")); err == nil {
			base := now
			if d, err := http.ParseTime(h.Get("Date")); err == nil {
				base = d
			}
			life = max(exp.Sub(base), 0)
		}
	default:
		explicit = false
	}
	if !storableStatus(status, explicit) {
		return 0, false
	}
	if cachedError(status) {
		return min(max(life, errorCachingMinTTL), p.MaxTTL), true
	}
	if !explicit {
		return p.DefaultTTL, true
	}
	return min(max(life, p.MinTTL), p.MaxTTL), true
}

// storableStatus reports whether a response of this status can be stored; explicit says the
// origin gave it a lifetime.
func storableStatus(status int, explicit bool) bool {
	return cacheableByDefault(status) || cachedError(status) || explicit && status >= 200 && status < 600 && status != 206 && status != 304 && status != 416
}

// ageOf reads an Age header (seconds), 0 when absent or invalid.
func ageOf(h http.Header) time.Duration {
	v := h["Age"]
	if len(v) == 0 {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v[0]), 10, 64)
	if err != nil || n < 0 || n > maxDeltaSeconds {
		return 0
	}
	return time.Duration(n) * time.Second
}
