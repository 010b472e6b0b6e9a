package upstream

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// # The meta bucket
//
// The meta bucket (Config.MetaBucket) holds what doorman keeps of each bucket beyond what the
// upstream keeps, as objects:
//
//	buckets/<name>/<id>          the bucket's record: JSON of bucketRecord
//	configs/<name>/<id>/<kind>   one configuration document of that bucket, its raw bytes
//	uploads/<name>/<id>/<upload> a multipart upload's record: JSON of uploadRecord
//
// The poller reads the first two prefixes only (metaPrefixes); upload records are read one
// by one, when an upload's initiator is asked for (multipart.go).
//
//	claims/<name>/<hash>         the claim of one upstream bucket generation (claimKey)
//
// A record names the upstream bucket it was made for by that bucket's creation date
// (ListBuckets' CreationDate). A bucket is the upstream bucket of that name with the record
// whose upstream creation date is the upstream's. Amazon S3 documents that a bucket's
// CreationDate "can change when making changes to your bucket"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Bucket.html), so a date that moved
// does not part a record from its bucket: while no record has the upstream's date, the record
// of the name that no poll of this node has found gone is re-bound to the new date (and the
// poller writes it so, conditionally on the ETag it read). A record becomes stale once a poll
// of this node found its bucket missing from the upstream's list (deleted), or when another
// record has its bucket's date: its ID is not the bucket's then, so the bucket does not
// inherit the configurations kept under that ID, and the poller deletes the stale record and
// its configurations once it has seen it stale for staleGrace polls (an upstream whose bucket
// list is eventually consistent does not lose a record it has not listed yet). The deletes
// name one generation's keys only, so every node may make them, at any time, again. The
// window this leaves: a bucket deleted and made again behind doorman's back between two polls
// of a node (or before a node starts) is taken by that node for the one it replaced, with its
// owner, ACL and configurations, until a node that saw it gone deletes the old record. An
// upstream bucket without a record is adopted: owned by Config.AdoptOwner, private, with no
// configurations, and an ID derived from its name and creation date (adoptedID), the same on
// every node; its record is written the first time doorman changes something of it. Its
// versioning and its Object Lock configuration are read from the upstream (GET ?versioning
// and GET ?object-lock, as the service identity) when a node's poller first finds it, so a
// versioned upstream bucket reads Enabled or Suspended, and one made with Object Lock has it,
// with its default retention; a change made to it upstream afterwards, behind doorman's back,
// is not read again. Its region is not read: it is empty until set through doorman.
//
// A bucket's Object Lock configuration is kept in its record too (bucketRecord.ObjectLock),
// written through by CreateBucket and PutBucketObjectLock after the upstream took it: the
// upstream enforces it (default retentions, the locks of versions), and the record answers
// what doorman decides without a round trip (whether the bucket has Object Lock, its default
// retention for GetObjectLockConfiguration).
//
// CreateBucket binds a bucket to its new record through a claim (claimKey), written only if
// it does not exist (If-None-Match: *): the upstream answers 200 to a create of a bucket its
// caller already owns (Amazon S3 in us-east-1), so two nodes creating one name at once both
// see success upstream, and the claim decides which one's record binds. A create that made
// its bucket upstream and then failed to write the claim or the record (the upstream failing
// the meta bucket's writes past their retries) deletes the bucket again, and its claim, so
// that the client's retry starts afresh; should that delete fail too, the retry, answered
// BucketAlreadyOwnedByYou upstream, binds the bucket left, as after a 200.
//
// Every node holds a snapshot of all of it (snapshot), refreshed by its poller and written
// through by the node that served a change; see Backend.poll.

// staleGrace is how many polls in a row must find a record stale before the poller deletes
// it.
const staleGrace = 5

// bucketRecord is a bucket's record in the meta bucket.
type bucketRecord struct {
	Name       string    `json:"name"`
	ID         string    `json:"id"`
	Owner      string    `json:"owner"`
	ACL        string    `json:"acl"`
	Region     string    `json:"region,omitempty"`
	Versioning string    `json:"versioning,omitempty"`
	Created    time.Time `json:"created"`
	// UpstreamCreated is the upstream's creation date of the bucket the record is bound to.
	UpstreamCreated time.Time `json:"upstreamCreated"`
	// Claim is the key of the claim CreateBucket wrote for the bucket, deleted with it.
	Claim string `json:"claim,omitempty"`
	// ObjectLock is the bucket's Object Lock configuration, as the upstream was given it.
	ObjectLock storage.ObjectLockConfig `json:"objectLock,omitzero"`
}

func (r *bucketRecord) info() storage.BucketInfo {
	return storage.BucketInfo{
		Name: r.Name, ID: r.ID, CreationDate: r.Created, Region: r.Region,
		Owner: r.Owner, ACL: r.ACL, Versioning: r.Versioning, ObjectLock: r.ObjectLock,
	}
}

func recordKey(name, id string) string       { return "buckets/" + name + "/" + id }
func configPrefix(name, id string) string    { return "configs/" + name + "/" + id + "/" }
func configKey(name, id, kind string) string { return configPrefix(name, id) + kind }

// claimKey is the key of the claim of the upstream bucket name made at created.
func claimKey(name string, created time.Time) string {
	return "claims/" + name + "/" + adoptedID(name, created)
}

// newID returns a random bucket ID: 16 bytes, in hex.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// adoptedID is the ID of an adopted bucket: derived from its name and upstream creation date,
// so that every node gives it the same, and a bucket made again under the name another.
func adoptedID(name string, created time.Time) string {
	h := sha256.Sum256([]byte(name + "\n" + created.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(h[:16])
}

// object is one object of the meta bucket: its ETag and body.
type object struct {
	etag string
	body []byte
}

// bucketState is one bucket of a snapshot.
type bucketState struct {
	info storage.BucketInfo
	rec  bucketRecord
	// recorded tells that rec is stored (under recordKey(name, ID)), at ETag recETag; false
	// for an adopted bucket without a record yet.
	recorded bool
	recETag  string
	// rebound tells that rec was made for an earlier creation date of the bucket, and is
	// bound to the upstream's date here (rec.UpstreamCreated) but not yet stored so.
	rebound bool
	// configs maps a kind to its document, etags to the ETag it was read or written at.
	configs map[string][]byte
	etags   map[string]string
}

// snapshot is an immutable view of every bucket.
type snapshot struct {
	buckets map[string]*bucketState
	// stale lists the keys of stale records and of their configurations.
	stale map[string][]string
	// loaded is when the last complete load was installed; zero before the first.
	loaded time.Time
}

// meta is the meta bucket's in-memory snapshot, its poller's state and its write-through.
type meta struct {
	bucket     string
	adoptOwner string
	log        *slog.Logger

	snap   atomic.Pointer[snapshot]
	notify notifier

	// mu guards the view the snapshot is built from and the write sequence.
	mu sync.Mutex
	// objs and ups are the view: the meta bucket's objects, the upstream's buckets and
	// their creation dates.
	objs map[string]object
	ups  map[string]time.Time
	// seq counts this node's write-throughs; written maps what each changed ("o" and an
	// object's key, "u" and a bucket's name) to the seq of its last write-through. A poll
	// keeps, for every entry written after it began, the write's state over what it read.
	seq     uint64
	written map[string]uint64

	// staleSeen counts, for each stale record, the polls in a row that found it stale
	// (the poller's alone).
	staleSeen map[string]int
	// gone holds the keys of the records whose bucket a poll found missing upstream; guarded
	// by mu, written by the poller.
	gone map[string]bool

	// uploads caches the upload records this node has read or written.
	uploads uploadCache

	// adopted maps an adopted bucket (adoptedKey) to the versioning and Object Lock
	// configuration its upstream bucket answered when the poller first found it; guarded by
	// mu, written by the poller.
	adopted map[string]adoptedState
	// adoptedGen counts the changes of adopted, and builtAdopted is its value at the last
	// build: a poll that changed neither the view nor adopted keeps the snapshot it has.
	adoptedGen, builtAdopted uint64

	// unrecorded maps the upstream buckets the last poll found without a record to the load
	// time of the poll that first found them so, and built is the same of the last build;
	// guarded by mu. A bucket is adopted once it has been without a record for adoptAfter,
	// or by the first load (see build); heldBack tells that the last build held one back.
	unrecorded, built map[string]time.Time
	heldBack          bool
}

// adoptAfter is how long a bucket that appears upstream without doorman's record waits
// before it is adopted: a bucket made through another node exists upstream a moment before
// its record is written, and a poll in between must not serve it with the adopted owner
// and ID (settings written under that ID would be lost once the record appears).
const adoptAfter = 2 * time.Second

// adoptedState is what the poller read of an upstream bucket to adopt.
type adoptedState struct {
	versioning string
	lock       storage.ObjectLockConfig
}

// adoptedKey names an upstream bucket by its name and creation date.
func adoptedKey(name string, created time.Time) string {
	return name + "\n" + created.UTC().Format(time.RFC3339Nano)
}

func newMeta(bucket, adoptOwner string, log *slog.Logger) *meta {
	m := &meta{
		bucket: bucket, adoptOwner: adoptOwner, log: log,
		objs: map[string]object{}, ups: map[string]time.Time{},
		written: map[string]uint64{}, staleSeen: map[string]int{}, adopted: map[string]adoptedState{},
		gone: map[string]bool{},
	}
	m.notify.signal = make(chan struct{}, 1)
	m.snap.Store(&snapshot{buckets: map[string]*bucketState{}})
	return m
}

// get returns the snapshot's state of name, nil when it holds no such bucket (and for
// the meta bucket, which it never holds).
func (m *meta) get(name string) *bucketState {
	return m.snap.Load().buckets[name]
}

// build derives a snapshot from the view; m.mu is held.
func (m *meta) build(loaded time.Time) *snapshot {
	m.builtAdopted = m.adoptedGen
	m.built, m.heldBack = map[string]time.Time{}, false
	type stored struct {
		r    bucketRecord
		etag string
	}
	records := map[string][]stored{}
	configs := map[string]map[string]object{} // name/id → kind → document
	for key, o := range m.objs {
		parts := strings.Split(key, "/")
		switch {
		case len(parts) == 3 && parts[0] == "buckets":
			var r bucketRecord
			if err := json.Unmarshal(o.body, &r); err != nil || r.Name != parts[1] || r.ID != parts[2] {
				m.log.Error("upstream: a bucket record in the meta bucket does not decode; ignored", "key", key, "error", err)
				continue
			}
			records[r.Name] = append(records[r.Name], stored{r, o.etag})
		case len(parts) == 4 && parts[0] == "configs":
			id := parts[1] + "/" + parts[2]
			if configs[id] == nil {
				configs[id] = map[string]object{}
			}
			configs[id][parts[3]] = o
		}
	}
	// later tells whether r wins over the record st holds: of two records of one upstream
	// bucket, the later made wins, on every node.
	later := func(st *bucketState, r bucketRecord) bool {
		return !st.recorded || r.Created.After(st.rec.Created) || r.Created.Equal(st.rec.Created) && r.ID > st.rec.ID
	}
	s := &snapshot{buckets: map[string]*bucketState{}, stale: map[string][]string{}, loaded: loaded}
	exact := map[string]bool{} // the names a record has the upstream's date of
	for name, created := range m.ups {
		if name == m.bucket {
			continue
		}
		st := &bucketState{configs: map[string][]byte{}, etags: map[string]string{}}
		for _, sr := range records[name] {
			if sr.r.UpstreamCreated.Equal(created) && later(st, sr.r) {
				st.rec, st.recETag, st.recorded = sr.r, sr.etag, true
			}
		}
		exact[name] = st.recorded
		if !st.recorded && created.IsZero() {
			// The date is unknown (see unknownDate): the latest record no poll found gone is
			// the bucket's, as it was, and keeps the date it has; not being exact, the
			// bucket's other records are not taken for stale.
			for _, sr := range records[name] {
				if !m.gone[recordKey(name, sr.r.ID)] && later(st, sr.r) {
					st.rec, st.recETag, st.recorded = sr.r, sr.etag, true
				}
			}
		}
		if !st.recorded {
			// The bucket's date moved (or it was made again behind doorman's back between
			// two polls): a record whose bucket no poll found gone is re-bound to it.
			for _, sr := range records[name] {
				if !m.gone[recordKey(name, sr.r.ID)] && later(st, sr.r) {
					st.rec, st.recETag, st.recorded = sr.r, sr.etag, true
				}
			}
			if st.recorded {
				st.rec.UpstreamCreated, st.rebound = created, true
			}
		}
		if !st.recorded {
			first, seen := m.unrecorded[name]
			switch {
			case seen:
			case m.snap.Load().loaded.IsZero():
				first = loaded.Add(-adoptAfter) // the first load adopts at once
			default:
				first = loaded
			}
			m.built[name] = first
			if loaded.Sub(first) < adoptAfter {
				m.heldBack = true
				continue
			}
			a := m.adopted[adoptedKey(name, created)]
			st.rec = bucketRecord{
				Name: name, ID: adoptedID(name, created), Owner: m.adoptOwner, ACL: storage.DefaultACL,
				Created: created, UpstreamCreated: created, Versioning: a.versioning, ObjectLock: a.lock,
			}
		}
		st.info = st.rec.info()
		for kind, o := range configs[name+"/"+st.rec.ID] {
			st.configs[kind], st.etags[kind] = o.body, o.etag
		}
		s.buckets[name] = st
	}
	for name, rs := range records {
		created, ok := m.ups[name]
		for _, sr := range rs {
			r := sr.r
			rk := recordKey(name, r.ID)
			if ok && r.UpstreamCreated.Equal(created) || ok && !exact[name] && !m.gone[rk] {
				continue
			}
			if !ok && !m.gone[rk] {
				continue // only a poll finds a bucket gone
			}
			keys := []string{}
			for kind := range configs[name+"/"+r.ID] {
				keys = append(keys, configKey(name, r.ID, kind))
			}
			s.stale[rk] = append(keys, rk) // the record last
		}
	}
	return s
}

// install replaces the view by what a poll that began at sequence start read, but for the
// entries written through since, and installs its snapshot as a complete load made at
// loaded. It returns the buckets that changed and the new snapshot.
func (m *meta) install(start uint64, objs map[string]object, ups map[string]time.Time, loaded time.Time) ([]string, *snapshot) {
	m.mu.Lock()
	for k, w := range m.written {
		if w <= start {
			// The poll began after the write: what it read is as new, or newer.
			delete(m.written, k)
			continue
		}
		name := k[1:]
		switch k[0] {
		case 'o':
			if o, ok := m.objs[name]; ok {
				objs[name] = o
			} else {
				delete(objs, name)
			}
		case 'u':
			if c, ok := m.ups[name]; ok {
				ups[name] = c
			} else {
				delete(ups, name)
			}
		}
	}
	unchanged := !m.heldBack && m.adoptedGen == m.builtAdopted && sameView(objs, m.objs, ups, m.ups)
	m.objs, m.ups = objs, ups
	for k := range m.gone {
		if _, ok := objs[k]; !ok {
			delete(m.gone, k)
		}
	}
	for k := range objs {
		if name, _, ok := strings.Cut(strings.TrimPrefix(k, "buckets/"), "/"); ok && strings.HasPrefix(k, "buckets/") {
			if _, up := ups[name]; !up {
				m.gone[k] = true
			}
		}
	}
	old := m.snap.Load()
	var s *snapshot
	if unchanged {
		// Nothing the snapshot is built from changed (gone follows from the view): it stands,
		// as of this load. A poll at 10,000 buckets spends a third of its CPU in a build.
		s = &snapshot{buckets: old.buckets, stale: old.stale, loaded: loaded}
	} else {
		s = m.build(loaded)
	}
	m.unrecorded = m.built
	m.snap.Store(s)
	m.mu.Unlock()
	return changedBuckets(old, s), s
}

// unknownDate: MinIO in distributed mode lists a bucket whose metadata one of its nodes has
// not loaded with the creation date 0001-01-01T00:00:00Z, one endpoint answering the real
// date and another that one, for minutes on end. A zero date is therefore unknown, never a
// move: the poller keeps the date it knew for the bucket (keepKnownDates), a write-through
// keeps it too (meta.apply), and a bucket first seen so is bound to its record as it is
// (build), never re-bound to the zero date, which two nodes would otherwise flip back and
// forth, rewriting the record each time.

// keepKnownDates replaces each zero creation date in a poll's listing of the upstream's
// buckets by the date the view holds for that bucket, when it holds one (see unknownDate).
func (m *meta) keepKnownDates(ups map[string]time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, created := range ups {
		ups[name] = m.knownDate(name, created)
	}
}

// knownDate is created, or, when it is zero (unknownDate), the date the view holds for
// bucket name, if it holds one; m.mu is held.
func (m *meta) knownDate(name string, created time.Time) time.Time {
	if known, ok := m.ups[name]; ok && created.IsZero() {
		return known
	}
	return created
}

// sameView tells whether a poll read the view the node holds: the same objects at the same
// ETags, the same upstream buckets made at the same times.
func sameView(objs, oldObjs map[string]object, ups, oldUps map[string]time.Time) bool {
	if len(objs) != len(oldObjs) || len(ups) != len(oldUps) {
		return false
	}
	for k, o := range objs {
		if p, ok := oldObjs[k]; !ok || p.etag != o.etag {
			return false
		}
	}
	for name, c := range ups {
		if p, ok := oldUps[name]; !ok || !p.Equal(c) {
			return false
		}
	}
	return true
}

// change is one write-through: an object of the meta bucket set (o not nil) or deleted, or
// an upstream bucket made (with its creation date, zero when unknown: see unknownDate) or
// deleted (gone).
type change struct {
	key     string
	o       *object
	bucket  string
	created time.Time
	gone    bool
}

// apply installs this node's writes, done upstream, into the view and the snapshot.
func (m *meta) apply(changes ...change) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range changes {
		m.seq++
		switch {
		case c.key != "" && c.o != nil:
			m.objs[c.key] = *c.o
			m.written["o"+c.key] = m.seq
		case c.key != "":
			delete(m.objs, c.key)
			m.written["o"+c.key] = m.seq
		case c.gone:
			delete(m.ups, c.bucket)
			m.written["u"+c.bucket] = m.seq
		default:
			m.ups[c.bucket] = m.knownDate(c.bucket, c.created)
			m.written["u"+c.bucket] = m.seq
		}
	}
	m.snap.Store(m.build(m.snap.Load().loaded))
}

// begin returns the sequence a poll begins at and a copy of the view's objects, whose ETags
// spare it the GET of what did not change.
func (m *meta) begin() (uint64, map[string]object) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seq, maps.Clone(m.objs)
}

// changedBuckets returns the names of the buckets whose existence, information or
// configurations differ between two snapshots.
func changedBuckets(old, s *snapshot) []string {
	var out []string
	for name, st := range s.buckets {
		if o := old.buckets[name]; o == nil || !sameState(o, st) {
			out = append(out, name)
		}
	}
	for name := range old.buckets {
		if s.buckets[name] == nil {
			out = append(out, name)
		}
	}
	return out
}

func sameState(a, b *bucketState) bool {
	x, y := a.info, b.info
	return x.Name == y.Name && x.ID == y.ID && x.CreationDate.Equal(y.CreationDate) && x.Region == y.Region &&
		x.Owner == y.Owner && x.ACL == y.ACL && x.Versioning == y.Versioning &&
		x.ObjectLock.Enabled == y.ObjectLock.Enabled && ptrEqual(x.ObjectLock.DefaultRetention, y.ObjectLock.DefaultRetention) &&
		maps.Equal(a.etags, b.etags)
}

// ptrEqual tells two pointers to equal values, or two nil pointers.
func ptrEqual[T comparable](a, b *T) bool {
	return a == b || a != nil && b != nil && *a == *b
}

// checkBucket is called by every object and upload method before its upstream request. It
// fails with storage.ErrNoSuchBucket for the meta bucket (which no client may name), and for
// a bucketID (an option's BucketID) that is set and differs from the snapshot's ID of the
// bucket, or names a bucket the snapshot does not hold. The comparison cannot be atomic with
// the upstream write that follows; doc.go says so. A bucket the snapshot does not hold yet
// (created through another node since the last poll) is left to the upstream to answer.
func (b *Backend) checkBucket(bucket, bucketID string) error {
	if bucket == b.meta.bucket {
		return noSuchBucket(bucket)
	}
	if bucketID == "" {
		return nil
	}
	if st := b.meta.get(bucket); st == nil || st.info.ID != bucketID {
		return noSuchBucket(bucket)
	}
	return nil
}

func noSuchBucket(bucket string) error {
	return fmt.Errorf("%w: %s", storage.ErrNoSuchBucket, bucket)
}

// maxMetaObject bounds a meta bucket object read: a configuration document, or a record.
const maxMetaObject = storage.MaxConfigSize + 1

// xmlListMeta is the part of a ListObjectsV2 page the poller reads
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
type xmlListMeta struct {
	IsTruncated           bool
	NextContinuationToken string
	Contents              []struct {
		Key  string
		ETag string
	}
}

// xmlListBuckets is the part of a ListBuckets answer the poller reads
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html); ContinuationToken
// is set when the upstream pages it.
type xmlListBuckets struct {
	Buckets []struct {
		Name         string
		CreationDate string
	} `xml:"Buckets>Bucket"`
	ContinuationToken string
}

// metaPrefixes are the prefixes of the meta bucket a snapshot is built from: the poller lists
// these alone, so the upload records (uploads/) never cost a poll anything.
var metaPrefixes = [...]string{"buckets/", "configs/"}

// listMeta returns every object of the meta bucket under metaPrefixes, and its ETag.
func (b *Backend) listMeta(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, prefix := range metaPrefixes {
		if err := b.listMetaPrefix(ctx, prefix, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// listMetaPrefix adds every object of the meta bucket under prefix, and its ETag, to out.
func (b *Backend) listMetaPrefix(ctx context.Context, prefix string, out map[string]string) error {
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {prefix}, "max-keys": {strconv.Itoa(storage.MaxListKeys)}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		resp, err := b.client.do(ctx, &request{method: http.MethodGet, bucket: b.meta.bucket, query: q, creds: &b.cfg.Service})
		if err != nil {
			return fmt.Errorf("listing the meta bucket: %w", err)
		}
		var page xmlListMeta
		if err := decodeBoundedXML(resp, maxListingBody, &page); err != nil {
			return fmt.Errorf("listing the meta bucket: %w", err)
		}
		for _, c := range page.Contents {
			out[c.Key] = unquote(c.ETag)
		}
		if !page.IsTruncated || page.NextContinuationToken == "" {
			return nil
		}
		token = page.NextContinuationToken
	}
}

// listUpstream returns the upstream's buckets (those the service identity sees) and their
// creation dates.
func (b *Backend) listUpstream(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	token := ""
	for {
		q := url.Values{}
		if token != "" {
			q.Set("continuation-token", token)
		}
		resp, err := b.client.do(ctx, &request{method: http.MethodGet, query: q, creds: &b.cfg.Service})
		if err != nil {
			return nil, fmt.Errorf("listing the upstream's buckets: %w", err)
		}
		var page xmlListBuckets
		if err := decodeBoundedXML(resp, maxListingBody, &page); err != nil {
			return nil, fmt.Errorf("listing the upstream's buckets: %w", err)
		}
		for _, bk := range page.Buckets {
			t, err := parseListTime(bk.CreationDate)
			if err != nil {
				return nil, err
			}
			out[bk.Name] = t
		}
		if page.ContinuationToken == "" || page.ContinuationToken == token {
			return out, nil
		}
		token = page.ContinuationToken
	}
}

// getMeta reads an object of the meta bucket: its body and ETag.
func (b *Backend) getMeta(ctx context.Context, key string) (object, error) {
	resp, err := b.client.do(ctx, &request{method: http.MethodGet, bucket: b.meta.bucket, key: key, creds: &b.cfg.Service})
	if err != nil {
		return object{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetaObject+1))
	if err != nil {
		return object{}, fmt.Errorf("reading %s of the meta bucket: %w", key, err)
	}
	if len(body) > maxMetaObject {
		return object{}, fmt.Errorf("%s of the meta bucket exceeds %d bytes", key, maxMetaObject)
	}
	return object{etag: unquote(resp.Header.Get("ETag")), body: body}, nil
}

// putMeta writes an object of the meta bucket, and returns it as stored.
func (b *Backend) putMeta(ctx context.Context, key string, body []byte) (*object, error) {
	return b.writeMeta(ctx, key, body, "", false)
}

// putMetaIf is putMeta written only if the object's ETag is still etag (If-Match), or, with
// etag "", only if the object does not exist (If-None-Match: *); when it changed, or exists,
// it fails with storage.ErrPreconditionFailed
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html).
func (b *Backend) putMetaIf(ctx context.Context, key string, body []byte, etag string) (*object, error) {
	return b.writeMeta(ctx, key, body, etag, true)
}

// metaWriteBackoff is the wait before each retry of a meta bucket write the upstream failed
// (transient): an upstream short of write quorum answers 503 SlowDown for a while (MinIO's
// SlowDownWrite, seen for seconds after it reported its cluster healthy), and a write that
// gave up then would leave a bucket made upstream without its record.
var metaWriteBackoff = []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second}

// transient reports that err is an upstream failure worth a retry: no endpoint answered
// (storage.ErrUnavailable), or one answered a server error other than 501 Not Implemented.
// Amazon S3 asks for a retry of 500 InternalError and 503 SlowDown
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
func transient(err error) bool {
	if errors.Is(err, storage.ErrUnavailable) {
		return true
	}
	se, ok := errors.AsType[*storage.ServiceError](err)
	return ok && se.Status >= 500 && se.Status != http.StatusNotImplemented
}

// writeMeta writes body at key, retrying a transient failure (metaWriteBackoff). A failed
// attempt may still have been stored (a connection lost after the upstream wrote, a 500 after
// the commit): a retry of a conditional write that then fails its precondition reads the
// object, and an object holding exactly body is this write's, taken as done.
func (b *Backend) writeMeta(ctx context.Context, key string, body []byte, etag string, conditional bool) (*object, error) {
	for attempt := 0; ; attempt++ {
		o, err := b.writeMetaOnce(ctx, key, body, etag, conditional)
		if attempt > 0 && errors.Is(err, storage.ErrPreconditionFailed) {
			if cur, gerr := b.getMeta(ctx, key); gerr == nil && bytes.Equal(cur.body, body) {
				return &cur, nil
			}
		}
		if err == nil || !transient(err) || attempt == len(metaWriteBackoff) {
			return o, err
		}
		b.log.Warn("upstream: retrying a write of the meta bucket", "key", key, "error", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(metaWriteBackoff[attempt]):
		}
	}
}

func (b *Backend) writeMetaOnce(ctx context.Context, key string, body []byte, etag string, conditional bool) (*object, error) {
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	switch {
	case conditional && etag == "":
		h.Set("If-None-Match", "*")
	case conditional:
		h.Set("If-Match", `"`+etag+`"`)
	}
	resp, err := b.client.do(ctx, &request{
		method: http.MethodPut, bucket: b.meta.bucket, key: key, creds: &b.cfg.Service,
		header: h, body: bytes.NewReader(body), size: int64(len(body)),
	})
	if err != nil {
		return nil, fmt.Errorf("writing %s of the meta bucket: %w", key, err)
	}
	resp.Body.Close()
	return &object{etag: unquote(resp.Header.Get("ETag")), body: body}, nil
}

// deleteMeta deletes an object of the meta bucket; a missing one is no error.
func (b *Backend) deleteMeta(ctx context.Context, key string) error {
	resp, err := b.client.do(ctx, &request{method: http.MethodDelete, bucket: b.meta.bucket, key: key, creds: &b.cfg.Service})
	if errors.Is(err, storage.ErrNoSuchKey) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting %s of the meta bucket: %w", key, err)
	}
	resp.Body.Close()
	return nil
}

// deleteAll deletes objects of the meta bucket in order, stopping at the first failure.
func (b *Backend) deleteAll(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if err := b.deleteMeta(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// poll reads the meta bucket and the upstream's buckets and installs what it read, as one
// complete load; on any failure it installs nothing and the last snapshot stays. The poller
// is the only caller after New.
//
// The meta bucket is listed before the upstream's buckets: a record is written after its
// bucket is made, so a record listed has its bucket in the list that follows unless the
// bucket was deleted meanwhile. Only objects whose listed ETag differs from the view's are
// read, and one is installed only when the ETag it was read at is the listed one (otherwise
// it changed since, and the next poll reads it). Entries this node wrote through after the
// poll began keep the write's state (meta.install): a poll never puts back what a newer
// write replaced.
func (b *Backend) poll(ctx context.Context) error {
	m := b.meta
	start, prev := m.begin()
	listed, err := b.listMeta(ctx)
	if err != nil {
		return err
	}
	ups, err := b.listUpstream(ctx)
	if err != nil {
		return err
	}
	m.keepKnownDates(ups)
	objs := make(map[string]object, len(listed))
	for key, etag := range listed {
		if o, ok := prev[key]; ok && o.etag == etag {
			objs[key] = o
			continue
		}
		o, err := b.getMeta(ctx, key)
		switch {
		case errors.Is(err, storage.ErrNoSuchKey):
			// Deleted since it was listed.
		case err != nil:
			return fmt.Errorf("reading %s of the meta bucket: %w", key, err)
		case o.etag == etag:
			objs[key] = o
		default:
			if p, ok := prev[key]; ok {
				objs[key] = p
			}
		}
	}
	if err := b.readAdoptedVersioning(ctx, objs, ups); err != nil {
		return err
	}
	now := b.cfg.Now()
	changed, s := m.install(start, objs, ups, now)
	if b.cfg.Metrics != nil {
		b.cfg.Metrics.SnapshotLoaded(now)
	}
	m.notify.tell(changed)
	b.rebind(ctx, s)
	b.dropStale(ctx, s)
	return nil
}

// rebind stores the records the snapshot re-bound to a moved creation date, each written
// only if it is still the one read (If-Match on its ETag); one that changed since is read by
// the next poll, and one that fails is written again by the next.
func (b *Backend) rebind(ctx context.Context, s *snapshot) {
	for name, st := range s.buckets {
		if !st.rebound {
			continue
		}
		c, err := b.putRecordIf(ctx, st.rec, st.recETag)
		switch {
		case errors.Is(err, storage.ErrPreconditionFailed) || errors.Is(err, storage.ErrNoSuchKey):
		case err != nil:
			b.log.Warn("upstream: re-binding a bucket's record to its new creation date", "bucket", name, "error", err)
		default:
			b.log.Info("upstream: a bucket's creation date moved upstream; its record follows", "bucket", name,
				"created", st.rec.UpstreamCreated)
			b.meta.apply(c)
		}
	}
}

// readAdoptedVersioning reads the versioning and the Object Lock configuration of each
// upstream bucket of ups that no record of objs names and whose settings were not read yet (a
// bucket to adopt), and forgets what it read of buckets no longer upstream. An upstream that
// cannot be reached fails the poll; any other failure (an error answered by a store without
// versioning or Object Lock, or a policy that refuses the service identity, an answer that
// does not decode) is logged, and the bucket adopted unversioned, or without Object Lock.
func (b *Backend) readAdoptedVersioning(ctx context.Context, objs map[string]object, ups map[string]time.Time) error {
	m := b.meta
	recorded := map[string]bool{}
	for key, o := range objs {
		if !strings.HasPrefix(key, "buckets/") {
			continue
		}
		var r bucketRecord
		if json.Unmarshal(o.body, &r) == nil {
			recorded[adoptedKey(r.Name, r.UpstreamCreated)] = true
		}
	}
	m.mu.Lock()
	want := map[string]string{}
	for name, created := range ups {
		k := adoptedKey(name, created)
		if _, ok := m.adopted[k]; !ok && name != m.bucket && !recorded[k] {
			want[k] = name
		}
	}
	for k := range m.adopted {
		name, _, _ := strings.Cut(k, "\n")
		if created, ok := ups[name]; !ok || adoptedKey(name, created) != k {
			delete(m.adopted, k)
			m.adoptedGen++
		}
	}
	m.mu.Unlock()
	for k, name := range want {
		status, err := b.upstreamVersioning(ctx, name)
		switch {
		case errors.Is(err, storage.ErrUnavailable) || ctx.Err() != nil:
			return fmt.Errorf("reading the versioning of bucket %s: %w", name, err)
		case err != nil:
			b.log.Warn("upstream: reading an adopted bucket's versioning; taken as unversioned", "bucket", name, "error", err)
		}
		lock, err := b.upstreamObjectLock(ctx, name)
		switch {
		case errors.Is(err, storage.ErrUnavailable) || ctx.Err() != nil:
			return fmt.Errorf("reading the Object Lock configuration of bucket %s: %w", name, err)
		case err != nil:
			b.log.Warn("upstream: reading an adopted bucket's Object Lock configuration; taken as none", "bucket", name, "error", err)
		}
		m.mu.Lock()
		m.adopted[k] = adoptedState{versioning: status, lock: lock}
		m.adoptedGen++
		m.mu.Unlock()
	}
	return nil
}

// upstreamVersioning returns the versioning status of an upstream bucket, as the service
// identity reads it: Enabled, Suspended, or "" for a bucket never versioned
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html).
func (b *Backend) upstreamVersioning(ctx context.Context, bucket string) (string, error) {
	resp, err := b.client.do(ctx, &request{method: http.MethodGet, bucket: bucket, query: url.Values{"versioning": {""}},
		creds: &b.cfg.Service, notFound: noSuchBucket(bucket)})
	if err != nil {
		return "", err
	}
	var v struct {
		Status string
	}
	if err := decodeBoundedXML(resp, maxErrorBody, &v); err != nil {
		return "", fmt.Errorf("reading the versioning of bucket %s: %w", bucket, err)
	}
	switch v.Status {
	case "", storage.VersioningEnabled, storage.VersioningSuspended:
		return v.Status, nil
	}
	return "", fmt.Errorf("bucket %s: unknown versioning status %q", bucket, v.Status)
}

// dropStale deletes the stale records (and their configurations) that staleGrace polls in
// a row have found stale.
func (b *Backend) dropStale(ctx context.Context, s *snapshot) {
	m := b.meta
	for rk := range m.staleSeen {
		if _, ok := s.stale[rk]; !ok {
			delete(m.staleSeen, rk)
		}
	}
	for rk, keys := range s.stale {
		m.staleSeen[rk]++
		if m.staleSeen[rk] < staleGrace {
			continue
		}
		if err := b.deleteAll(ctx, keys); err != nil {
			b.log.Warn("upstream: deleting a stale bucket record", "key", rk, "error", err)
			continue
		}
		b.log.Info("upstream: deleted the record of a bucket gone or made again upstream", "key", rk)
		delete(m.staleSeen, rk)
	}
}

// WatchBuckets implements storage.BucketWatcher: changed is called with each bucket a poll
// found created, deleted or changed, from a goroutine of its own (notifier), so a slow
// callback never holds up polling.
func (b *Backend) WatchBuckets(changed func(bucket string)) {
	b.meta.notify.set(changed)
}

// notifier hands the names of changed buckets from the poller to the watcher's callback,
// which runs on notifier.run's goroutine alone: tell never waits for it. The names told while
// a callback runs are merged into one set, each name once, and delivered when it returns.
type notifier struct {
	mu      sync.Mutex
	f       func(string)
	pending map[string]bool
	signal  chan struct{} // holds one wake-up at most
}

func (n *notifier) set(f func(string)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.f = f
}

// tell queues names for the callback; with no callback set, nobody is told.
func (n *notifier) tell(names []string) {
	n.mu.Lock()
	if n.f == nil || len(names) == 0 {
		n.mu.Unlock()
		return
	}
	if n.pending == nil {
		n.pending = map[string]bool{}
	}
	for _, name := range names {
		n.pending[name] = true
	}
	n.mu.Unlock()
	select {
	case n.signal <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// run calls the callback with every name told, in name order, until ctx is done.
func (n *notifier) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.signal:
		}
		n.mu.Lock()
		f, pending := n.f, n.pending
		n.pending = nil
		n.mu.Unlock()
		for _, name := range slices.Sorted(maps.Keys(pending)) {
			if ctx.Err() != nil {
				return
			}
			f(name)
		}
	}
}
