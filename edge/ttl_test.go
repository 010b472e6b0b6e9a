package edge_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/edge"
)

var ttlCases = []struct {
	name   string
	source string
	policy string // managed cache policy
	status int
	header []string
	ttl    time.Duration
	stored bool
}{
	{"max-age within bounds", "Expiration.html: max-age between min and max is used", "CachingOptimized", 200, []string{"Cache-Control", "max-age=600"}, 600 * time.Second, true},
	{"s-maxage wins", "Expiration.html: s-maxage is for shared caches", "CachingOptimized", 200, []string{"Cache-Control", "max-age=600, s-maxage=60"}, 60 * time.Second, true},
	{"below min raised", "Expiration.html: max-age below MinTTL → MinTTL", "Amplify", 200, []string{"Cache-Control", "max-age=1"}, 2 * time.Second, true},
	{"above max lowered", "Expiration.html: max-age above MaxTTL → MaxTTL", "Amplify", 200, []string{"Cache-Control", "max-age=86400"}, 600 * time.Second, true},
	{"no header default", "Expiration.html: no Cache-Control/Expires → DefaultTTL", "CachingOptimized", 200, nil, 86400 * time.Second, true},
	{"expires", "Expiration.html: Expires minus Date", "CachingOptimized", 200, []string{"Date", "Fri, 02 Jan 2026 03:04:05 GMT", "Expires", "Fri, 02 Jan 2026 04:04:05 GMT"}, time.Hour, true},
	{"max-age beats expires", "cloudfront-cache-files-time: with both, max-age is used", "CachingOptimized", 200, []string{"Cache-Control", "max-age=30", "Expires", "Fri, 02 Jan 2027 04:04:05 GMT"}, 30 * time.Second, true},
	{"invalid expires is past", "RFC 9111 §5.3: an invalid Expires means expired", "CachingOptimized", 200, []string{"Expires", "0"}, time.Second, true},
	{"no-store never", "issue 10: no-store never stored (CloudFront would keep it MinTTL)", "CachingOptimized", 200, []string{"Cache-Control", "no-store"}, 0, false},
	{"private never", "issue 10: private never stored", "CachingOptimized", 200, []string{"Cache-Control", "private, max-age=600"}, 0, false},
	{"no-cache min 0", "Expiration.html: no-cache with MinTTL 0 → not cached", "Elemental-MediaPackage", 200, []string{"Cache-Control", "no-cache"}, 0, false},
	{"no-cache min>0", "CachePolicyConfig: MinTTL > 0 caches despite no-cache", "CachingOptimized", 200, []string{"Cache-Control", "no-cache"}, time.Second, true},
	{"disabled", "CachingDisabled: TTL 0/0/0", "CachingDisabled", 200, []string{"Cache-Control", "max-age=600"}, 0, false},
	{"404 error ttl", "custom-error-pages-expiration: errors cached 10 s", "CachingOptimized", 404, nil, 10 * time.Second, true},
	{"404 longer max-age", "custom-error-pages-expiration: the greater of the header and 10 s", "CachingOptimized", 404, []string{"Cache-Control", "max-age=300"}, 300 * time.Second, true},
	{"416 not cached", "custom-error-pages-expiration: 416 is never cached", "CachingOptimized", 416, []string{"Cache-Control", "max-age=300"}, 0, false},
	{"302 without lifetime", "[UNVERIFIED] 302 stored only with an explicit lifetime", "CachingOptimized", 302, nil, 0, false},
	{"302 with max-age", "[UNVERIFIED] 302 stored with an explicit lifetime", "CachingOptimized", 302, []string{"Cache-Control", "max-age=5"}, 5 * time.Second, true},
	{"max-age=0 min 0", "max-age=0: stale at once", "Elemental-MediaPackage", 200, []string{"Cache-Control", "max-age=0"}, 0, true},
}

func TestTTL(t *testing.T) {
	now := newClock().Now()
	for _, tc := range ttlCases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for i := 0; i+1 < len(tc.header); i += 2 {
				h.Add(tc.header[i], tc.header[i+1])
			}
			ttl, stored := edge.TTL(managedCache(t, tc.policy), tc.status, h, now)
			if ttl != tc.ttl || stored != tc.stored {
				t.Errorf("%s: ttl %s stored %v, want %s %v", tc.source, ttl, stored, tc.ttl, tc.stored)
			}
		})
	}
}

func TestParseCacheControl(t *testing.T) {
	cases := []struct {
		in     []string
		want   edge.CacheControl
		source string
	}{
		{[]string{"max-age=60"}, edge.CacheControl{MaxAge: 60, SMaxAge: -1}, "RFC 9111 §5.2.2.1"},
		{[]string{`MAX-AGE="60", s-maxage=5`}, edge.CacheControl{MaxAge: 60, SMaxAge: 5}, "RFC 9111 §5.2: names case-insensitive, quoted values accepted"},
		{[]string{"max-age=abc"}, edge.CacheControl{MaxAge: 0, SMaxAge: -1}, "RFC 9111 §4.2.1: invalid → stale"},
		{[]string{"max-age=99999999999999"}, edge.CacheControl{MaxAge: 2147483648, SMaxAge: -1}, "RFC 9111 §1.2.2: capped at 2^31"},
		{[]string{"public", "max-age=1, max-age=2"}, edge.CacheControl{MaxAge: 1, SMaxAge: -1}, "first of a repeated directive"},
		{[]string{`no-cache="Set-Cookie", private`}, edge.CacheControl{MaxAge: -1, SMaxAge: -1, NoCache: true, Private: true}, "qualified forms read as whole-response"},
		{[]string{"no-store"}, edge.CacheControl{MaxAge: -1, SMaxAge: -1, NoStore: true}, "RFC 9111 §5.2.2.5"},
	}
	for _, tc := range cases {
		if got := edge.ParseCacheControl(tc.in); got != tc.want {
			t.Errorf("%q (%s): %+v, want %+v", tc.in, tc.source, got, tc.want)
		}
	}
}
