package disk

import (
	"maps"
	"slices"
	"sync"
)

// Bounds of the decoded-record cache.
const (
	// recordCacheEntries is how many records each of the cache's two generations holds: at
	// most twice this many are kept, a few megabytes.
	recordCacheEntries = 4096
	// maxCachedRecord is the longest record kept: a record of a multipart object with many
	// part sizes is decoded each time rather than held.
	maxCachedRecord = 2 << 10
)

// objectRecords memoises the decoding of object records. Decoding a record's JSON was a fifth
// of the CPU time of an in-process GET. The cache is keyed by the record's bytes themselves,
// so it can never answer with a stale record: a key rewritten has new bytes (a new data file
// id at least), which miss. It needs no invalidation, and is shared by every Store of the
// process, since equal bytes decode to equal records whichever store holds them.
//
// Eviction is by generation: lookups try the current map, then the previous one (moving a hit
// forward); when the current one is full it becomes the previous one and the oldest is
// dropped. Records read again and again stay, at a map lookup per read.
var objectRecords recordCache

type recordCache struct {
	mu        sync.Mutex
	cur, prev map[string]objectRecord
}

// decodeObject decodes an object record, from the cache when it holds these bytes. The record
// returned is the caller's own: it shares no map, slice or pointer with the cache.
func decodeObject(v []byte) (objectRecord, error) {
	if len(v) > maxCachedRecord {
		var rec objectRecord
		return rec, decode(v, &rec)
	}
	c := &objectRecords
	c.mu.Lock()
	rec, ok := c.cur[string(v)]
	if !ok {
		if rec, ok = c.prev[string(v)]; ok {
			c.putLocked(string(v), rec)
		}
	}
	c.mu.Unlock()
	if ok {
		return rec.clone(), nil
	}
	if err := decode(v, &rec); err != nil {
		return rec, err
	}
	c.mu.Lock()
	c.putLocked(string(v), rec.clone())
	c.mu.Unlock()
	return rec, nil
}

func (c *recordCache) putLocked(k string, rec objectRecord) {
	if len(c.cur) >= recordCacheEntries || c.cur == nil {
		c.prev, c.cur = c.cur, make(map[string]objectRecord, recordCacheEntries)
	}
	c.cur[k] = rec
}

// clone is a copy of r that shares nothing with it that either could change: every map, slice
// and pointer is copied (TestRecordCloneSharesNothing checks each field, so that one added
// later is not forgotten here).
func (r objectRecord) clone() objectRecord {
	r.Metadata.User = maps.Clone(r.Metadata.User)
	if r.Initiator != nil {
		s := *r.Initiator
		r.Initiator = &s
	}
	if r.Retention != nil {
		ret := *r.Retention
		r.Retention = &ret
	}
	r.PartSizes = slices.Clone(r.PartSizes)
	if r.Encryption != nil {
		e := *r.Encryption
		e.Box = slices.Clone(e.Box)
		e.Segments = slices.Clone(e.Segments)
		r.Encryption = &e
	}
	return r
}
