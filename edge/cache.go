package edge

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/maypok86/otter/v2"
)

// Defaults and bounds of the store.
const (
	// DefaultMaxBytes is the store's default memory budget: what a development machine or a
	// small container spares without noticing.
	DefaultMaxBytes = 128 << 20
	// DefaultMaxEntryBytes is the default largest object stored: larger ones are streamed to
	// the viewer and not kept, so that one object cannot evict the whole cache.
	DefaultMaxEntryBytes = 8 << 20
	// maxEntryLimit bounds MaxEntryBytes: an entry's weight is a uint32, and a larger object
	// belongs on a disk cache.
	maxEntryLimit = 1 << 30
	// entryOverhead is what an entry costs beyond its key, headers and body (the entry and
	// the store's node), counted in its weight so that many tiny objects stay bounded too.
	entryOverhead = 256
	// staleRetention is how long an expired entry with a validator (ETag or Last-Modified)
	// is kept, to be revalidated with a conditional request rather than fetched again.
	staleRetention = 24 * time.Hour
)

// Result is what the cache did for a request, as X-Cache says it and the metrics count it.
type Result uint8

const (
	Miss       Result = iota // fetched from the origin
	Hit                      // served from the store
	RefreshHit               // stale, revalidated with the origin (304), then served from the store
	Bypass                   // not a cached method: forwarded as it is
)

var (
	resultNames = [...]string{"miss", "hit", "refresh_hit", "bypass"}
	// xCache are the X-Cache values, in CloudFront's form ("Hit from cloudfront") with
	// doorman's name (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html#LogFileFormat,
	// x-edge-result-type). A bypassed method is a Miss, as in CloudFront.
	xCache = [...][]string{{"Miss from doorman"}, {"Hit from doorman"}, {"RefreshHit from doorman"}, {"Miss from doorman"}}
)

// String returns the metric label of r: miss, hit, refresh_hit, bypass.
func (r Result) String() string { return resultNames[r] }

// Options configure a Cache.
type Options struct {
	MaxBytes      int64   // memory budget of the store, and again of the fills under way; 0 = DefaultMaxBytes
	MaxEntryBytes int64   // largest object stored; 0 = DefaultMaxEntryBytes
	Metrics       Metrics // receives what the cache counts; nil = nothing is counted
	// Now is the clock TTLs are measured with; nil = time.Now. (The store's own removal of
	// entries past their retention uses the real clock.)
	Now func() time.Time
}

// Cache is the store shared by every behaviour (route) of a gateway: bounded in bytes, with
// request coalescing per key, and invalidation. It is safe for concurrent use.
type Cache struct {
	store    *otter.Cache[string, *entry]
	mu       sync.Mutex
	flights  map[string]*flight // the origin fetches under way, by key
	epoch    atomic.Uint64      // incremented by every invalidation
	maxEntry int64
	// filling counts the bytes buffered by fills under way, bounded by maxFilling (as much
	// again as the store's budget, counted apart from it, so that a full store and its fills
	// hold at most twice MaxBytes): each fill is bounded by maxEntry, but many at once for
	// distinct keys would otherwise hold any multiple of it. A fill that would pass the bound
	// is streamed to its viewer instead, and not stored.
	filling    atomic.Int64
	maxFilling int64
	now        func() time.Time
	clocked    bool    // now is Options.Now, which a caller's time never replaces
	m          Metrics // nil: nothing is counted
}

// entry is a stored response. It is immutable once stored: hits share its header slices
// (capped, so that an append reallocates) and its body.
type entry struct {
	status int
	header http.Header
	// fields are header's lines, listed once so that a hit copies them without iterating
	// a map.
	fields       []field
	body         []byte
	path         string // escaped path, for invalidation
	stored       time.Time
	age          time.Duration // the origin's Age when stored
	ttl          time.Duration
	etag         string
	lastModified string
	modTime      time.Time
	weight       uint32
	// ageLine is the last Age a hit sent, shared by the hits of the same second: the one
	// thing about an entry that changes, and never a line written in place.
	ageLine atomic.Pointer[ageLine]
}

// field is one header name and its values, capped so that an append reallocates.
type field struct {
	name   string
	values []string
}

type ageLine struct {
	secs  int64
	value []string
}

// ageValue returns the Age header value for an age of secs seconds.
func (e *entry) ageValue(secs int64) []string {
	if l := e.ageLine.Load(); l != nil && l.secs == secs {
		return l.value
	}
	v := []string{strconv.FormatInt(secs, 10)}
	e.ageLine.Store(&ageLine{secs: secs, value: v})
	return v
}

func (e *entry) fresh(now time.Time) bool { return now.Sub(e.stored) < e.ttl }

func (e *entry) validators() bool { return e.etag != "" || e.lastModified != "" }

// retention is how long the store keeps e: its TTL, and the stale retention when it can be
// revalidated.
func (e *entry) retention() time.Duration {
	if e.validators() {
		return e.ttl + staleRetention
	}
	return max(e.ttl, time.Nanosecond)
}

// New makes a Cache.
func New(o Options) (*Cache, error) {
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxEntryBytes == 0 {
		o.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if o.MaxBytes < 0 || o.MaxEntryBytes < 0 || o.MaxEntryBytes > maxEntryLimit || o.MaxEntryBytes > o.MaxBytes {
		return nil, fmt.Errorf("edge: the largest object (%d bytes) must be positive, at most %d bytes and at most the memory budget (%d bytes)",
			o.MaxEntryBytes, maxEntryLimit, o.MaxBytes)
	}
	c := &Cache{maxEntry: o.MaxEntryBytes, maxFilling: o.MaxBytes, now: o.Now, clocked: o.Now != nil, m: o.Metrics, flights: map[string]*flight{}}
	if c.now == nil {
		c.now = time.Now
	}
	so := &otter.Options[string, *entry]{
		MaximumWeight: uint64(o.MaxBytes),
		Weigher:       func(_ string, e *entry) uint32 { return e.weight },
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *entry]) time.Duration {
			return e.Value.retention()
		}),
	}
	if c.m != nil {
		so.OnDeletion = func(e otter.DeletionEvent[string, *entry]) {
			switch e.Cause {
			case otter.CauseOverflow:
				c.m.Evicted("size")
			case otter.CauseExpiration:
				c.m.Evicted("expired")
			}
		}
	}
	store, err := otter.New(so)
	if err != nil {
		return nil, err
	}
	c.store = store
	if c.m != nil {
		c.m.WatchSize(c)
	}
	return c, nil
}

// Close stops the store's maintenance goroutine.
func (c *Cache) Close() { c.store.StopAllGoroutines() }

// Len and Bytes are the entries stored and their weight, as the metrics report them.
func (c *Cache) Len() int { return c.store.EstimatedSize() }

// Bytes is the weight of the stored entries.
func (c *Cache) Bytes() int64 { return int64(c.store.WeightedSize()) }

// BehaviorConfig is one cache behaviour: a route's policies.
type BehaviorConfig struct {
	// Name scopes the keys (two routes never share an entry) and labels the metrics: a
	// configured route name, never a request value.
	Name string
	// Cache is the cache policy (required).
	Cache *CachePolicy
	// Origin is the origin request policy; nil = none (only the key's values are forwarded).
	Origin *OriginRequestPolicy
	// CacheOptions caches OPTIONS responses too (CachedMethods GET, HEAD, OPTIONS), keyed
	// apart from GET and HEAD.
	CacheOptions bool
	// ResponseHeaders is applied to every response of the behaviour, hits included; nil =
	// none.
	ResponseHeaders *ResponseHeadersPolicy
}

// Behavior is a compiled cache behaviour, safe for concurrent use.
type Behavior struct {
	c       *Cache
	scope   string
	cache   CachePolicy
	origin  OriginRequestPolicy
	options bool
	headers *ResponseHeadersPolicy
	// keyHeaders are the canonical forms of cache.Headers.Names, as requests key them.
	keyHeaders []string
	m          BehaviorMetrics // nil: nothing is counted
}

// Behavior validates cfg and makes it runnable on c.
func (c *Cache) Behavior(cfg BehaviorConfig) (*Behavior, error) {
	if cfg.Cache == nil {
		return nil, errors.New("edge: a behaviour needs a cache policy")
	}
	b := &Behavior{c: c, scope: cfg.Name, cache: *cfg.Cache, options: cfg.CacheOptions, headers: cfg.ResponseHeaders}
	// Validation lower-cases header names: the caller's lists are left alone.
	b.cache.Headers.Names = slices.Clone(b.cache.Headers.Names)
	var errs []error
	if err := b.cache.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("cache policy: %w", err))
	}
	if cfg.Origin != nil {
		b.origin = *cfg.Origin
		b.origin.Headers.Names = slices.Clone(b.origin.Headers.Names)
		if err := b.origin.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("origin request policy: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b.keyHeaders = canonicalNames(b.cache.Headers.Names)
	if c.m != nil {
		b.m = c.m.Behavior(cfg.Name)
	}
	return b, nil
}

// caches reports whether responses to this method are stored.
func (b *Behavior) caches(method string) bool {
	return b.cache.MaxTTL > 0 && (method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions && b.options)
}

// Key returns r's cache key rendered for people, and false when r's method is not cached.
func (b *Behavior) Key(r *http.Request) (string, bool) {
	if !b.caches(r.Method) {
		return "", false
	}
	return KeyString(b.key(r)), true
}

// Handler serves through the behaviour with next as the origin.
func (b *Behavior) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.Serve(w, r, next) })
}

// result is what one fetch from the origin gave.
type result struct {
	resp     *entry // the response recorded (stored or not); nil when streamed
	kind     Result
	shared   bool // stored: waiting requests for the key may be served it
	streamed bool // answered to the leader's viewer as it came (too large or not storable)
}

// Serve answers r from the store, or from next (the origin) on a miss. A cached method is
// forwarded as CloudFront forwards it (see forwarded), misses for one key are coalesced into
// one origin request, and a stale entry with a validator is revalidated. Every response
// carries X-Cache (and Age on hits), and the response headers policy is applied to it for
// this viewer's request.
func (b *Behavior) Serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	b.ServeAt(w, r, next, time.Time{})
}

// ServeAt is Serve for a request whose arrival its caller has read the clock for: a hit
// then reads no clock of its own. The zero time, or a Cache made with Options.Now, reads
// the cache's clock.
func (b *Behavior) ServeAt(w http.ResponseWriter, r *http.Request, next http.Handler, now time.Time) {
	// A protocol upgrade (WebSocket) is a GET that is never stored, and needs its Upgrade and
	// Connection headers: it passes as sent, as CloudFront passes WebSocket requests.
	if upgrade := len(r.Header["Upgrade"]) > 0; !b.caches(r.Method) || upgrade {
		b.count(Bypass)
		fr := r
		if b.cache.MaxTTL == 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !upgrade {
			// CachingDisabled: nothing is stored, but only what the policies name is forwarded.
			fr = b.forwarded(r, false)
		}
		next.ServeHTTP(&passWriter{ResponseWriter: w, b: b, r: r, filtered: fr != r}, fr)
		return
	}
	if now.IsZero() || b.c.clocked {
		now = b.c.now()
	}
	kb := keyBuffers.Get().(*[]byte)
	kbuf := appendKey((*kb)[:0], b.scope, &b.cache, b.keyHeaders, r)
	// The lookup reads the key and keeps nothing of it: it may be the buffer's bytes,
	// lent back to the pool below; a miss makes the key a string of its own.
	stale, ok := b.c.store.GetIfPresent(unsafe.String(unsafe.SliceData(kbuf), len(kbuf)))
	hit := ok && stale.fresh(now)
	var key string
	if !hit {
		key = string(kbuf)
	}
	if cap(kbuf) <= maxPooledKey {
		*kb = kbuf[:0]
		keyBuffers.Put(kb)
	}
	if hit {
		b.count(Hit)
		b.serve(w, r, stale, Hit, now)
		return
	}
	fl, leader := b.c.join(key)
	if !leader {
		select {
		case <-fl.done:
		case <-r.Context().Done():
			return // the viewer went away while it waited
		}
		if res := fl.res; res != nil && res.shared {
			if b.m != nil {
				b.m.Coalesced()
			}
			b.count(res.kind)
			b.serve(w, r, res.resp, res.kind, b.c.now())
			return
		}
		// The response the leader got cannot be shared (not storable, too large, or the
		// fetch failed): this request asks the origin itself, as CloudFront does.
		b.count(Miss)
		next.ServeHTTP(&passWriter{ResponseWriter: w, b: b, r: r, filtered: true}, b.forwarded(r, false))
		return
	}
	if e, ok := b.c.store.GetIfPresent(key); ok && e.fresh(now) {
		// Stored by the flight that landed between the lookup and the join.
		fl.land(&result{resp: e, kind: Hit, shared: true})
		b.count(Hit)
		b.serve(w, r, e, Hit, now)
		return
	}
	res := b.fetch(w, r, next, key, stale, fl)
	if res.streamed {
		b.count(Miss)
		return
	}
	b.count(res.kind)
	b.serve(w, r, res.resp, res.kind, b.c.now())
}

// flight is one origin fetch for a key, which the other misses for the key wait for: done
// is closed as soon as it is known whether its answer can be shared (res.shared), so that
// the others never wait for an answer streamed to the leader's viewer.
type flight struct {
	key  string
	c    *Cache
	once sync.Once
	done chan struct{}
	res  *result
}

// join returns the flight for key, and true when the caller starts it (and must land it).
func (c *Cache) join(key string) (*flight, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if fl, ok := c.flights[key]; ok {
		return fl, false
	}
	fl := &flight{key: key, c: c, done: make(chan struct{})}
	c.flights[key] = fl
	return fl, true
}

// land publishes the flight's result (nil: nothing to share) and lets the others go; the
// first call counts.
func (fl *flight) land(res *result) {
	fl.once.Do(func() {
		fl.c.mu.Lock()
		delete(fl.c.flights, fl.key)
		fl.c.mu.Unlock()
		fl.res = res
		close(fl.done)
	})
}

// fetch asks the origin for r (conditionally when a stale entry can be revalidated), stores
// what may be stored, and returns it.
func (b *Behavior) fetch(w http.ResponseWriter, r *http.Request, next http.Handler, key string, stale *entry, fl *flight) (res *result) {
	// The others are let go whatever happens, a panic of the origin's handler included (a
	// reverse proxy aborts a response whose body broke off with http.ErrAbortHandler).
	defer func() { fl.land(res) }()
	epoch := b.c.epoch.Load()
	fr := b.forwarded(r, true)
	revalidate := stale != nil && stale.validators()
	if revalidate {
		if stale.etag != "" {
			fr.Header.Set("If-None-Match", stale.etag)
		}
		if stale.lastModified != "" {
			fr.Header.Set("If-Modified-Since", stale.lastModified)
		}
	}
	rec := &recorder{b: b, w: w, r: r, header: make(http.Header), revalidate: revalidate, fl: fl}
	defer rec.release()
	next.ServeHTTP(rec, fr)
	if rec.streamed || rec.status == 0 {
		// Streamed to the leader's viewer, or no answer at all (the viewer went away, and
		// the origin's handler wrote nothing): nothing to store or share.
		return &result{streamed: true}
	}
	now := b.c.now()
	store := func(e *entry) bool {
		if b.c.epoch.Load() != epoch {
			return false // invalidated while fetched: served, never stored
		}
		b.c.store.Set(key, e)
		return true
	}
	switch {
	case revalidate && rec.status == http.StatusNotModified:
		e := stale.refreshed(rec.header, now, b)
		return &result{resp: e, kind: RefreshHit, shared: store(e)}
	case revalidate && (rec.status >= 500 || rec.overflow):
		// The origin failed: the stale object is served, as CloudFront serves cached content
		// when its origin errs (HTTPStatusCodes.html). [UNVERIFIED] X-Cache then says Hit.
		return &result{resp: stale, kind: Hit, shared: true}
	}
	// The body gets memory of its exact size: a buffer's spare capacity would be held by the
	// entry without being weighed. A body that came as long as its Content-Length said fills
	// the buffer made for it (recorder.WriteHeader) and is kept as it is, without a copy.
	body := rec.body.Bytes()
	if cap(body) != len(body) {
		body = bytes.Clone(body)
	}
	e := b.newEntry(rec.status, rec.header, body, r.URL.EscapedPath(), now)
	ttl, ok := TTL(&b.cache, e.status, e.header, now)
	e.ttl = ttl
	shared := ok && (ttl > 0 || e.validators()) && store(e)
	return &result{resp: e, kind: Miss, shared: shared}
}

// newEntry makes an entry of a response, its Vary filtered.
func (b *Behavior) newEntry(status int, h http.Header, body []byte, path string, now time.Time) *entry {
	b.filterResponse(h)
	age := ageOf(h)
	h.Del("Age")
	if _, ok := h["Content-Length"]; !ok && status != http.StatusNoContent {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	e := &entry{status: status, header: h, body: body, path: path, stored: now, age: age}
	e.fields = make([]field, 0, len(h))
	for k, v := range h {
		e.fields = append(e.fields, field{name: k, values: v[:len(v):len(v)]})
	}
	e.etag, e.lastModified = h.Get("Etag"), h.Get("Last-Modified")
	if t, err := http.ParseTime(e.lastModified); err == nil {
		e.modTime = t
	}
	e.weight = b.weigh(e)
	return e
}

// weigh is the memory e holds, as the store's budget counts it: from e.fields, the header as
// stored.
func (b *Behavior) weigh(e *entry) uint32 {
	n := entryOverhead + len(b.scope) + len(e.path) + len(e.body)
	for _, f := range e.fields {
		n += len(f.name)
		for _, s := range f.values {
			n += len(s) + 16
		}
	}
	return uint32(n)
}

// refreshed is a copy of e after a 304: its headers updated with the 304's (RFC 9111
// §4.3.4, https://www.rfc-editor.org/rfc/rfc9111#section-4.3.4), its TTL computed anew, its
// age restarted.
func (e *entry) refreshed(h304 http.Header, now time.Time, b *Behavior) *entry {
	h := e.header.Clone()
	for k, v := range h304 {
		switch k {
		case "Content-Length", "Content-Encoding", "Transfer-Encoding", "Content-Range", "Set-Cookie":
			continue // Set-Cookie: the revalidating viewer's, never stored for others
		}
		h[k] = v
	}
	n := b.newEntry(e.status, h, e.body, e.path, now)
	n.ttl, _ = TTL(&b.cache, e.status, h, now)
	return n
}

// serve writes a stored response to the viewer.
func (b *Behavior) serve(w http.ResponseWriter, r *http.Request, e *entry, kind Result, now time.Time) {
	h := w.Header()
	for _, f := range e.fields {
		h[f.name] = f.values
	}
	if kind != Miss {
		age := max(now.Sub(e.stored), 0) + e.age
		h["Age"] = e.ageValue(int64(age / time.Second))
	}
	h["X-Cache"] = xCache[kind]
	if b.headers != nil {
		b.headers.Apply(h, r)
	}
	if e.status != http.StatusOK || r.Method == http.MethodOptions || !conditional(r) {
		w.WriteHeader(e.status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(e.body)
		}
		return
	}
	// Conditional and range requests are answered from the stored object, as CloudFront
	// answers them from its cache.
	http.ServeContent(w, r, "", e.modTime, bytes.NewReader(e.body))
}

// conditional reports whether r is a conditional or range request, which http.ServeContent
// answers; the others are written directly, without its parsing.
func conditional(r *http.Request) bool {
	h := r.Header
	return len(h["Range"]) > 0 || len(h["If-None-Match"]) > 0 || len(h["If-Modified-Since"]) > 0 ||
		len(h["If-Match"]) > 0 || len(h["If-Unmodified-Since"]) > 0
}

// recorder is the ResponseWriter the origin's answer to a cache fill is written to. It
// buffers a storable response (up to the largest object); a response that cannot be stored,
// or grows past the bound, is streamed to the viewer that asked (the flight's leader).
type recorder struct {
	b          *Behavior
	w          http.ResponseWriter // the leader's viewer
	r          *http.Request       // the leader's request
	header     http.Header
	status     int
	body       bytes.Buffer
	revalidate bool
	streamed   bool
	overflow   bool  // a revalidation's error body past the bound: dropped
	held       int64 // bytes of body counted in the cache's filling
	fl         *flight
}

// reserve counts n more buffered bytes against the cache's bound on fills under way, and
// reports false, counting nothing, when they would pass it.
func (rec *recorder) reserve(n int) bool {
	c := rec.b.c
	if c.filling.Add(int64(n)) > c.maxFilling {
		c.filling.Add(-int64(n))
		return false
	}
	rec.held += int64(n)
	return true
}

// release gives back what the recorder's body held.
func (rec *recorder) release() {
	rec.b.c.filling.Add(-rec.held)
	rec.held = 0
}

func (rec *recorder) Header() http.Header { return rec.header }

// Unwrap gives http.ResponseController the leader's writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.w }

func (rec *recorder) WriteHeader(code int) {
	if rec.status != 0 || code >= 100 && code < 200 {
		return
	}
	rec.status = code
	if rec.revalidate && (code == http.StatusNotModified || code >= 500) {
		return // kept to refresh, or to fall back on, the stale entry
	}
	_, storable := TTL(&rec.b.cache, code, rec.header, rec.b.c.now())
	cl, err := strconv.ParseInt(rec.header.Get("Content-Length"), 10, 64)
	if err == nil && cl > rec.b.c.maxEntry {
		storable = false
	}
	if len(rec.header["Set-Cookie"]) > 0 && rec.b.forwardsCookies() {
		storable = false // one viewer's cookie, never another's (forwardsCookies)
	}
	switch {
	case !storable:
		rec.stream()
	case err == nil && cl > 0:
		// The body's size is known and within maxEntry: its buffer is made at that size once,
		// and becomes the entry's body as it is.
		rec.body = *bytes.NewBuffer(make([]byte, 0, cl))
	}
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	switch {
	case rec.streamed:
		if rec.r.Method == http.MethodHead {
			return len(p), nil
		}
		return rec.w.Write(p)
	case rec.overflow:
		return len(p), nil
	}
	if int64(rec.body.Len()+len(p)) > rec.b.c.maxEntry || !rec.reserve(len(p)) {
		if rec.revalidate && rec.status >= 500 {
			rec.overflow = true
			return len(p), nil
		}
		rec.stream()
		return rec.Write(p)
	}
	return rec.body.Write(p)
}

// Flush passes a flush on once the response is streamed.
func (rec *recorder) Flush() {
	if rec.streamed {
		_ = http.NewResponseController(rec.w).Flush()
	}
}

// stream sends the head and what is buffered to the leader's viewer; the rest follows as
// it comes.
func (rec *recorder) stream() {
	rec.streamed = true
	rec.fl.land(nil) // nothing to share: the others ask the origin now
	h := rec.w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	rec.b.decorate(h, rec.r, Miss)
	rec.w.WriteHeader(rec.status)
	if rec.body.Len() > 0 && rec.r.Method != http.MethodHead {
		_, _ = rec.w.Write(rec.body.Bytes())
	}
	rec.body = bytes.Buffer{}
	rec.release()
}

// decorate sets what every response of the behaviour carries that the origin's lacks: Vary
// and Set-Cookie filtered, X-Cache, the response headers policy.
func (b *Behavior) decorate(h http.Header, r *http.Request, kind Result) {
	b.filterResponse(h)
	h["X-Cache"] = xCache[kind]
	if b.headers != nil {
		b.headers.Apply(h, r)
	}
}

// passWriter carries a response that is not stored (a method not cached, or a request that
// could not share another's fill): decorated like any response of the behaviour.
type passWriter struct {
	http.ResponseWriter
	b *Behavior
	r *http.Request
	// filtered: the request went through the policies, and the response is filtered as the
	// policies say (Vary, Set-Cookie).
	filtered bool
	wrote    bool
}

func (p *passWriter) WriteHeader(code int) {
	if !p.wrote && (code < 100 || code >= 200) {
		p.wrote = true
		h := p.Header()
		if p.filtered {
			p.b.filterResponse(h)
		}
		h["X-Cache"] = xCache[Miss]
		if p.b.headers != nil {
			p.b.headers.Apply(h, p.r)
		}
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *passWriter) Write(b []byte) (int, error) {
	if !p.wrote {
		p.WriteHeader(http.StatusOK)
	}
	return p.ResponseWriter.Write(b)
}

func (p *passWriter) Flush() {
	if !p.wrote {
		p.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(p.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the viewer's writer.
func (p *passWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// Describe is a one-line account of the behaviour's policies, for explain.
func (b *Behavior) Describe() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "cache policy %s (ttl %s/%s/%s; key: headers %s, cookies %s, query strings %s", nameOr(b.cache.Name),
		b.cache.MinTTL, b.cache.DefaultTTL, b.cache.MaxTTL, b.cache.Headers, b.cache.Cookies, b.cache.QueryStrings)
	if b.cache.Gzip || b.cache.Brotli {
		sb.WriteString(", normalised Accept-Encoding")
	}
	fmt.Fprintf(&sb, "); origin request policy %s (forwards headers %s, cookies %s, query strings %s)", nameOr(b.origin.Name),
		b.origin.Headers, b.origin.Cookies, b.origin.QueryStrings)
	return sb.String()
}

func nameOr(s string) string {
	if s == "" {
		return "(custom)"
	}
	return s
}
