// Package edge is a cache with Amazon CloudFront's semantics, for gateway routes: cache and
// origin request policies, the cache key they make, TTLs, request coalescing, revalidation,
// invalidation, and response headers policies.
//
// # Why it exists
//
// The commonest CORS failure behind CloudFront is intermittent. A response cached for a
// request without Origin (an <img>, a crawler, curl) is served to a fetch() from another
// origin, without Access-Control-Allow-Origin, or with another origin's. Whether it happens
// depends on what the cache holds, so it works for the developer and fails for some users.
// This package reproduces CloudFront's rules closely enough that the trap shows up locally,
// in tests and in a browser, and so does its cure:
//
//   - The cache key is the path plus the query strings, headers and cookies the cache policy
//     names (and the method, for OPTIONS when OPTIONS is cached). Nothing else: the origin's
//     Vary does not split the cache
//     (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-the-cache-key.html).
//   - What reaches the origin is what either policy names; the origin request policy's values
//     are forwarded but not in the key
//     (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html).
//     CachingOptimized with CORS-S3Origin therefore forwards Origin and caches whichever
//     answer came first for everybody: the stale-CORS trap. Origin in the cache policy's key
//     (or Elemental-MediaPackage) gives one entry per Origin and cures it.
//   - Of the origin's Vary, the names of forwarded headers, Accept-Encoding and Cookie reach
//     the viewer; the others are removed. Set-Cookie is removed when no cookie is forwarded,
//     and Authorization is forwarded only when the cache policy keys on it (an origin
//     request policy cannot forward it), so that one viewer's answer is not stored for all.
//   - A response headers policy (ResponseHeadersPolicy) is applied to every response, hits
//     included, for the viewer's own request: with OriginOverride true it replaces a stale
//     Access-Control-Allow-Origin; with false the cached one stays ([UNVERIFIED], see Apply).
//
// The managed policies are available by name or id with their documented settings
// (ManagedCachePolicy, ManagedOriginRequestPolicy, ManagedResponseHeadersPolicy).
//
// # Lifetimes
//
// TTL follows CloudFront's expiration rules: s-maxage, max-age or Expires clamped to the
// policy's minimum and maximum, the default TTL without them, cached errors for at least
// 10 s. One divergence, on purpose: no-store and private responses are never stored, where
// CloudFront stores them for the minimum TTL when it is above 0 (CachingOptimized's is 1 s):
// a private answer served to another viewer is a leak, not a cache hit. For the same reason
// a response carrying Set-Cookie on a behaviour that forwards cookies is never stored (where
// CloudFront would store the cookie with the object), and the origin sees only the
// normalised Accept-Encoding the key holds, never a viewer's own.
//
// Expired entries with an ETag or Last-Modified are kept (up to a day) and revalidated
// with If-None-Match / If-Modified-Since: a 304 refreshes them (X-Cache: RefreshHit), a 5xx or
// an unreachable origin serves them stale.
//
// # Responses
//
// Every response of a behaviour carries X-Cache in CloudFront's form with doorman's name:
// "Hit from doorman", "Miss from doorman", "RefreshHit from doorman" (CloudFront's are
// "... from cloudfront"). Hits carry Age. GET and HEAD share entries; a HEAD miss is fetched
// with GET so that the entry has its body. Conditional and range requests are answered from
// the stored object. Methods not cached (POST, ..., and OPTIONS unless CacheOptions) are
// forwarded untouched, where CloudFront would apply the origin request policy to them too:
// the trap is about cached answers, and an application's POST should reach it as it was sent.
// A route's Host header is forwarded as the gateway's preserve_host says, not by the policies.
//
// # The store
//
// Entries live in memory in an otter cache (github.com/maypok86/otter/v2), bounded in bytes
// by a weigher (body, headers, key and a fixed overhead per entry), with an entry size cap
// so that one object cannot evict everything. The bodies being filled for different keys at
// once count against the same budget: a fill that would pass it is streamed to its viewer
// and not stored, so concurrent misses for large objects never hold more than the budget. otter was chosen over a hand-written LRU
// because its S3-FIFO/W-TinyLFU eviction keeps hot objects under scans, it is maintained,
// has per-entry expiry (stale retention) and deletion causes (eviction metrics), and is
// safe for concurrent use without a global lock on reads. Misses for one key are coalesced:
// a burst of N makes one origin request, and the others are served its answer. The waiters
// are let go as soon as the answer is known not to be shareable (no-store, too large: it is
// streamed to the request that fetched it, and the others ask the origin themselves, as
// CloudFront does), or when the fetch fails or its handler panics; a general-purpose
// singleflight would hold them until the whole body had reached one viewer.
//
// Invalidation (Cache.Invalidate, InvalidationHandler) takes CloudFront's paths: exact, or
// ending in "*"; it removes every variant of a path, and a fetch under way is not stored.
package edge
