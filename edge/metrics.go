package edge

// Metrics receives what the cache counts, so that operators can follow each route's hit
// ratio, how many misses share another's origin fetch, what the store evicts and how full it
// is. The cache depends on this interface alone: which monitoring system records the figures
// is its embedder's choice (the gateway passes on the one it is given, which the doorman
// command takes from internal/prommetrics). Every value it is given is bounded, fit for a
// metric label: a behaviour's name is a configured route's, never a request value; results
// and causes come from fixed sets. An implementation must be safe for concurrent use.
type Metrics interface {
	// Behavior returns the recorder of one behaviour's figures. The cache calls it when the
	// behaviour is made, so that a request only calls the recorder's methods.
	Behavior(name string) BehaviorMetrics
	// Evicted records one entry the store removed, by cause: "size" (over the memory
	// budget) or "expired" (past its TTL and stale retention).
	Evicted(cause string)
	// Invalidated records n entries removed by an invalidation.
	Invalidated(n int)
	// WatchSize is given the cache once it is made: the store's size (Len and Bytes) is read
	// from it whenever it is reported.
	WatchSize(c *Cache)
}

// BehaviorMetrics receives the figures of one behaviour.
type BehaviorMetrics interface {
	// Request records what the cache did for one request.
	Request(r Result)
	// Coalesced records a miss served by another request's origin fetch for the same key
	// instead of a fetch of its own.
	Coalesced()
}

// count records what the cache did for one request.
func (b *Behavior) count(r Result) {
	if b.m != nil {
		b.m.Request(r)
	}
}
