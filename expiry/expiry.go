// Package expiry applies buckets' lifecycle configurations (package lifecycle) to a
// storage.Backend: it expires current versions, removes noncurrent versions and expired delete
// markers, and aborts incomplete multipart uploads when their rules fall due, as S3's
// lifecycle does in the background
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html).
//
// A Worker goes over every bucket in passes: ListBuckets, then, for a bucket with a "lifecycle"
// configuration (the document s3api stores), its versions (ListObjectVersions) and its
// uploads (ListMultipartUploads), page by page. Each Tick does a bounded share of a pass
// (maxActionsPerTick, maxListedPerTick) and leaves a cursor where the next Tick resumes, so
// that a large bucket never holds the store, or a stop of the server, for long. The cursor is
// in memory only: a worker started again (after a restart) begins a new pass. Nothing is lost
// or wrongly repeated by that, because every decision is recomputed from what the store holds
// (the versions' times) and every delete is conditional on the listing it was decided on.
//
// S3 does its lifecycle work asynchronously, and an object may stay readable for a while after
// it falls due ("there might be a delay between the expiration date and the date at which
// Amazon S3 removes an object",
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html);
// doorman's delay is up to one pass.
//
// Safety:
//   - Every delete carries storage.DeleteObjectOptions.IfRevision, the Revision of the version
//     listed, and the bucket's ID: an object written between the listing and the delete, or a
//     bucket deleted and created again under the name, is never removed nor hidden behind a
//     delete marker. Such a delete fails, is counted as skipped ("changed") and left to the
//     next pass, which decides on what the store then holds.
//   - The removal of an expired object delete marker (the latest version, with no other
//     version of its key listed) carries storage.DeleteObjectOptions.IfOnlyVersion: a version
//     written after the listing, which IfRevision does not tell when it comes after the
//     marker, keeps the marker.
//   - Every delete carries storage.DeleteObjectOptions.IfTags too, the tags listed: a
//     change of an object's tags writes no data and keeps its Revision, and a rule's Tag
//     filter may no longer select an object retagged after the listing. A change of its size
//     (ObjectSizeGreaterThan, ObjectSizeLessThan) is a new write, which IfRevision tells.
//   - The removal of a noncurrent version also carries the facts of its newer versions it was
//     decided on (storage.NoncurrentCondition: when it became noncurrent, how many noncurrent
//     versions are newer), checked in the delete's transaction. Those facts come from the
//     entries listed before it, perhaps pages or ticks earlier: a version made the latest
//     again meanwhile (the versions after it deleted, to restore it), or whose newer versions
//     changed, is skipped as changed, never removed on what is no longer true. A version the
//     worker removes no longer counts: the next one is noncurrent since the version before it,
//     as the store then tells.
//   - Object Lock is the store's: a version under a retention or a legal hold is refused with
//     storage.ErrObjectLocked, which is counted as skipped ("locked") and not retried before
//     the next pass. S3 adds a delete marker over a locked current version, which removes no
//     data, and so does doorman (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html).
//   - The expiration of a current version is a DeleteObject without a version id, in every
//     versioning state: it removes the object of a bucket whose versioning was never set and
//     adds a delete marker in a versioned one, as the store decides in the delete's own
//     transaction, so a change of the bucket's versioning after the listing changes nothing.
package expiry

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/doorman-s3/doorman/lifecycle"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/tagging"
)

// Bounds of one Tick.
const (
	// maxActionsPerTick bounds the deletes and aborts of one tick: each is a write
	// transaction of the store, which serializes writes, so a thousand of them (a second or
	// so on a disk that syncs each one) leave S3 clients' writes waiting little, and a stop of
	// the server waits at most for them.
	maxActionsPerTick = 1000
	// maxListedPerTick bounds the versions and uploads one tick lists: ten pages of
	// storage.MaxListKeys, enough to act maxActionsPerTick times in a bucket where few
	// entries are due, while a bucket where none is due costs a tick that much reading only.
	maxListedPerTick = 10 * storage.MaxListKeys
	// maxBucketsPerTick bounds the buckets one tick goes into: each costs a read of its
	// configuration, and a listing when it has rules, whatever it holds, so a store of many
	// buckets without rules, or with nothing due, is gone through over several ticks rather
	// than read whole by one. A thousand small reads are some milliseconds of the store.
	maxBucketsPerTick = 1000
)

// The kinds of action a worker takes, as Metrics.Action counts them.
const (
	KindExpireCurrent = "expire_current" // a current version expired: removed, or hidden by a delete marker
	KindDeleteVersion = "delete_version" // a noncurrent version or an expired delete marker removed
	KindAbortUpload   = "abort_upload"   // an incomplete multipart upload aborted
)

// The reasons an action is skipped, as Metrics.Skipped counts them.
const (
	// SkipLocked: the version is under Object Lock (storage.ErrObjectLocked).
	SkipLocked = "locked"
	// SkipChanged: the key was written, or the version removed, since it was listed.
	SkipChanged = "changed"
)

// Metrics receives what a worker does. Its methods must be safe for concurrent use.
type Metrics interface {
	// Action counts one action done, by kind (KindExpireCurrent, ...).
	Action(kind string)
	// Skipped counts one action the store refused, by reason (SkipLocked, SkipChanged).
	Skipped(reason string)
	// Error counts one failure of the store other than those: the entry, or the bucket, is
	// left to the next pass.
	Error()
	// Pass observes the duration of one whole pass over every bucket.
	Pass(d time.Duration)
}

// Config is a worker's settings.
type Config struct {
	Backend storage.Backend
	// Clock is the length of a lifecycle day (lifecycle.Clock).
	Clock lifecycle.Clock
	// Now is the time rules are decided at; time.Now when nil.
	Now func() time.Time
	// Logger receives a line per failure (Error), one per pass that did anything (Info: what
	// it did, counted), and one per action or skip (Debug); slog.Default() when nil.
	Logger *slog.Logger
	// Metrics, when not nil, receives what the worker does.
	Metrics Metrics
	// MaxActions, MaxListed and MaxBuckets bound a tick below maxActionsPerTick,
	// maxListedPerTick and maxBucketsPerTick (when set and smaller): a test's, to finish a
	// bucket, or the buckets, over several ticks.
	MaxActions, MaxListed, MaxBuckets int
}

// Worker applies lifecycle configurations one bounded Tick at a time. A Worker is not safe
// for concurrent use: one goroutine ticks it (Run does).
type Worker struct {
	cfg        Config
	maxActions int
	maxListed  int
	maxBuckets int
	cur        cursor
	pass       *passCounts // what the pass under way has done so far
}

// New returns a worker that starts a new pass at its first Tick.
func New(cfg Config) *Worker {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	pass := &passCounts{Metrics: cfg.Metrics}
	cfg.Metrics = pass
	return &Worker{cfg: cfg, pass: pass, maxActions: bound(cfg.MaxActions, maxActionsPerTick), maxListed: bound(cfg.MaxListed, maxListedPerTick),
		maxBuckets: bound(cfg.MaxBuckets, maxBucketsPerTick)}
}

// bound is set when it is positive and below max, else max.
func bound(set, max int) int {
	if set > 0 && set < max {
		return set
	}
	return max
}

type noMetrics struct{}

// passCounts counts what the pass under way does, as the Metrics it forwards to are told,
// for the line logged when the pass ends: one line a pass rather than one an action, which
// at maxActionsPerTick a tick would flood a server's log with. Only the worker's goroutine
// calls it.
type passCounts struct {
	Metrics
	actions         map[string]int // by kind
	skipped         map[string]int // by reason
	errors          int
	buckets, listed int
}

func (p *passCounts) Action(kind string) { p.Metrics.Action(kind); p.count(&p.actions, kind) }
func (p *passCounts) Skipped(r string)   { p.Metrics.Skipped(r); p.count(&p.skipped, r) }
func (p *passCounts) Error()             { p.Metrics.Error(); p.errors++ }

func (p *passCounts) count(m *map[string]int, key string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[key]++
}

// log logs the pass's line, of duration d, and starts the counts over: at Info when the pass
// acted, skipped or failed, else at Debug, so that an idle server's log stays quiet.
func (p *passCounts) log(ctx context.Context, log *slog.Logger, d time.Duration) {
	level := slog.LevelDebug
	if len(p.actions)+len(p.skipped)+p.errors > 0 {
		level = slog.LevelInfo
	}
	log.Log(ctx, level, "lifecycle: pass done", "duration", d, "buckets", p.buckets, "listed", p.listed,
		KindExpireCurrent, p.actions[KindExpireCurrent], KindDeleteVersion, p.actions[KindDeleteVersion],
		KindAbortUpload, p.actions[KindAbortUpload], "skipped_"+SkipLocked, p.skipped[SkipLocked],
		"skipped_"+SkipChanged, p.skipped[SkipChanged], "errors", p.errors)
	*p = passCounts{Metrics: p.Metrics}
}

func (noMetrics) Action(string)        {}
func (noMetrics) Skipped(string)       {}
func (noMetrics) Error()               {}
func (noMetrics) Pass(d time.Duration) {}

// phase is where in a bucket the cursor is.
type phase int

const (
	phaseVersions phase = iota
	phaseUploads
)

// cursor is where the pass stands: the bucket (by name, the order of ListBuckets) and, in it,
// the phase and the listing's markers, with what the versions of the key being listed so far
// tell the versions still to come.
type cursor struct {
	started time.Time // when the pass began; zero before its first tick
	bucket  string    // the bucket being scanned; "" before the first
	id      string    // its storage.BucketInfo.ID: one created again under the name starts over
	inside  bool      // whether bucket is under way (false: the next bucket after it is next)
	phase   phase
	key     string // the markers of the next page
	marker  string // VersionIDMarker or UploadIDMarker
	seen    keyState
}

// keyState is what the versions of one key listed so far tell about the next ones.
type keyState struct {
	key string
	// newer is the LastModified of the last version listed: when the next one became
	// noncurrent.
	newer time.Time
	// noncurrent counts the noncurrent versions listed.
	noncurrent int
	// pending is a latest delete marker whose fate waits for the next entry: it is its key's
	// only version unless the next entry is a version of the same key.
	pending *storage.ObjectInfo
}

// Stats are what one Tick did.
type Stats struct {
	Listed, Actions int
	// Buckets counts the buckets the tick went into, reading their configuration.
	Buckets int
	// PassDone tells that the tick ended a pass: the next starts over from the first bucket.
	PassDone bool
}

// tick is one Tick's budget and count.
type tick struct {
	Stats
	w   *Worker
	now time.Time
}

// pageSize is how many entries the next page may list, at most maxListed in the tick; zero
// when the tick has listed its share.
func (t *tick) pageSize() int { return max(0, min(storage.MaxListKeys, t.w.maxListed-t.Listed)) }

// spent tells that the tick has taken its share of actions: what is left waits for the next.
func (t *tick) spent() bool { return t.Actions >= t.w.maxActions }

// full tells that the tick can go into no other bucket: its share of buckets is taken, or
// it could neither list nor act there, so that reading the bucket's configuration would be
// wasted; the bucket waits for the next tick.
func (t *tick) full() bool { return t.Buckets >= t.w.maxBuckets || t.spent() || t.pageSize() == 0 }

// Tick does the next share of the pass, at most maxActionsPerTick actions, maxListedPerTick
// entries listed and maxBucketsPerTick buckets gone into. It starts at the cursor's bucket:
// the buckets before it, which the pass has done, are passed over by name, their
// configurations not read. It fails only when the buckets cannot be listed or ctx is
// done; a failure within a bucket is logged and counted, and the pass goes on past it.
func (w *Worker) Tick(ctx context.Context) (Stats, error) {
	t := &tick{w: w, now: w.cfg.Now()}
	if w.cur.started.IsZero() {
		w.cur.started = time.Now()
	}
	err := t.run(ctx)
	w.pass.buckets += t.Buckets
	w.pass.listed += t.Listed
	if t.PassDone {
		d := time.Since(w.cur.started)
		w.cfg.Metrics.Pass(d)
		w.pass.log(ctx, w.cfg.Logger, d)
		w.cur = cursor{}
	}
	return t.Stats, err
}

// run goes over the buckets from the cursor until the tick's budget is spent or the pass
// ends (PassDone).
func (t *tick) run(ctx context.Context) error {
	w := t.w
	buckets, err := w.cfg.Backend.ListBuckets(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.cfg.Metrics.Error()
		}
		return err
	}
	for _, b := range buckets {
		if b.Name < w.cur.bucket || b.Name == w.cur.bucket && !w.cur.inside {
			continue
		}
		if b.Name != w.cur.bucket || b.ID != w.cur.id {
			if t.full() {
				return nil // the cursor stays past the bucket done last
			}
			w.cur = cursor{started: w.cur.started, bucket: b.Name, id: b.ID, inside: true}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !t.bucket(ctx, b) {
			return nil // the budget is spent: the cursor stays in b
		}
		w.cur.inside = false
	}
	t.PassDone = true
	return nil
}

// Run ticks the worker every interval until ctx is done.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		if _, err := w.Tick(ctx); err != nil && ctx.Err() == nil {
			w.cfg.Logger.Error("lifecycle: listing the buckets", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

// bucket goes on with bucket b from the cursor; it reports whether b is done (false: the
// budget ran out first).
func (t *tick) bucket(ctx context.Context, b storage.BucketInfo) bool {
	w := t.w
	log := w.cfg.Logger.With("bucket", b.Name)
	t.Buckets++
	doc, err := w.cfg.Backend.GetBucketConfig(ctx, b.Name, lifecycle.ConfigKind)
	switch {
	case errors.Is(err, storage.ErrNoSuchConfig), errors.Is(err, storage.ErrNoSuchBucket):
		return true // no rules, or no bucket any more: nothing to do
	case err != nil:
		w.cfg.Metrics.Error()
		log.Error("lifecycle: reading the configuration", "err", err)
		return true
	}
	cfg, err := lifecycle.Parse(doc)
	if err != nil {
		w.cfg.Metrics.Error()
		log.Error("lifecycle: the stored configuration does not parse", "err", err)
		return true
	}
	var expires, aborts bool
	for _, r := range cfg.Rules {
		expires = expires || r.Enabled && (r.Expiration != nil || r.NoncurrentExpiration != nil)
		aborts = aborts || r.Enabled && r.AbortAfterDays > 0
	}
	if w.cur.phase == phaseVersions {
		if expires && !t.versions(ctx, b, cfg, log) {
			return false
		}
		w.cur.phase, w.cur.key, w.cur.marker, w.cur.seen = phaseUploads, "", "", keyState{}
	}
	return !aborts || t.uploads(ctx, b, cfg, log)
}

// versions lists b's versions from the cursor and acts on each as cfg decides; it reports
// whether the listing is done. The cursor moves past each entry once it is handled, so a tick
// that stops mid-page leaves the rest of the page to the next.
func (t *tick) versions(ctx context.Context, b storage.BucketInfo, cfg *lifecycle.Configuration, log *slog.Logger) bool {
	w := t.w
	for {
		n := t.pageSize()
		if n == 0 {
			return false
		}
		page, err := w.cfg.Backend.ListObjectVersions(ctx, b.Name, storage.ListVersionsOptions{
			KeyMarker: w.cur.key, VersionIDMarker: w.cur.marker, MaxKeys: n})
		if err != nil {
			t.listFailed("versions", err, log)
			return true
		}
		t.Listed += len(page.Versions)
		for i := range page.Versions {
			v := &page.Versions[i]
			if !t.version(ctx, b, cfg, v, log) {
				return false
			}
			w.cur.key, w.cur.marker = v.Key, v.VersionID
		}
		if !page.IsTruncated {
			if p := w.cur.seen.pending; p != nil {
				w.cur.seen.pending = nil
				t.decide(ctx, b, cfg, p, true, log)
			}
			return true
		}
	}
}

// version handles v, listed right after the entries the cursor has passed; it reports false,
// leaving v to the next tick, when the tick's actions are spent first. A delete marker held
// pending took no action when it was listed, so deciding it never takes the tick past its
// bound: it is decided with the entry after it, or at the end of the listing.
func (t *tick) version(ctx context.Context, b storage.BucketInfo, cfg *lifecycle.Configuration, v *storage.ObjectInfo, log *slog.Logger) bool {
	seen := &t.w.cur.seen
	if p := seen.pending; p != nil {
		seen.pending = nil
		t.decide(ctx, b, cfg, p, p.Key != v.Key, log)
	}
	if t.spent() {
		return false
	}
	if v.Key != seen.key || v.IsLatest {
		// A new key, or the same one listed again from its newest (after a null version
		// the cursor named was removed): what was counted of it starts over. Versions
		// removed since only make the ones left noncurrent later, never sooner.
		*seen = keyState{key: v.Key}
	}
	if v.IsLatest && v.DeleteMarker {
		seen.pending = v
	} else if t.decide(ctx, b, cfg, v, false, log) && !v.IsLatest {
		// Removed: the versions after it are noncurrent since the one before it, and only
		// the versions that exist count as newer (API_NoncurrentVersionExpiration.html:
		// "how many newer noncurrent versions must exist").
		return true
	}
	seen.newer = v.LastModified
	if !v.IsLatest {
		seen.noncurrent++
	}
	return true
}

// listFailed counts and logs a listing's failure, but for a bucket deleted meanwhile and a
// worker being stopped.
func (t *tick) listFailed(what string, err error, log *slog.Logger) {
	if errors.Is(err, storage.ErrNoSuchBucket) || errors.Is(err, context.Canceled) {
		return
	}
	t.w.cfg.Metrics.Error()
	log.Error("lifecycle: listing "+what, "err", err)
}

// decide takes the action cfg decides for v, listed after the key's versions w.cur.seen
// counts; only tells a latest delete marker that is its key's only version. It reports
// whether v was removed or expired.
//
// What the versions listed before v tell (when v became noncurrent, how many noncurrent
// versions are newer) may be stale: they were listed in other transactions, pages or ticks
// before, and the key may have changed since. So the removal of a noncurrent version names
// those facts as its storage.NoncurrentCondition, which the store checks in the delete's own
// transaction: a version made the latest again, or whose newer versions changed, is skipped
// as changed and decided again by the next pass.
func (t *tick) decide(ctx context.Context, b storage.BucketInfo, cfg *lifecycle.Configuration, v *storage.ObjectInfo, only bool, log *slog.Logger) bool {
	w := t.w
	set, err := tagging.Decode(v.Tags)
	if err != nil {
		w.cfg.Metrics.Error()
		log.Error("lifecycle: the stored tags do not decode", "key", v.Key, "version", v.VersionID, "err", err)
		return false
	}
	tags := make([]lifecycle.Tag, len(set))
	for i, tg := range set {
		tags[i] = lifecycle.Tag(tg)
	}
	lv := lifecycle.Version{Key: v.Key, Size: v.Size, Tags: tags, LastModified: v.LastModified, IsLatest: v.IsLatest,
		DeleteMarker: v.DeleteMarker, OnlyVersion: only}
	if !v.IsLatest {
		// Beyond the most versions a rule keeps, how many more are newer decides nothing,
		// and the store's check of the count visits that many versions at most.
		lv.NoncurrentSince = w.cur.seen.newer
		lv.NewerNoncurrent = min(w.cur.seen.noncurrent, lifecycle.MaxNewerNoncurrentVersions)
	}
	action, rule := cfg.Decide(lv, t.now, w.cfg.Clock)
	// The delete holds only while the version is still the one decided on: the same write
	// (IfRevision), which a change of its size or data would replace, and the same tags
	// (IfTags), which a change keeps the Revision through. Tags are checked whatever the
	// deciding rule's filter: rules never hold one another back, so only that rule's Tag
	// filter could have turned on them, but a check of every delete is simpler and fails
	// closed, at the cost of a skip, left to the next pass, of an object retagged meanwhile.
	opts := storage.DeleteObjectOptions{IfRevision: v.Revision, IfTags: &v.Tags, BucketID: b.ID}
	var kind string
	switch action {
	case lifecycle.None:
		return false
	case lifecycle.ExpireCurrent:
		kind = KindExpireCurrent
	case lifecycle.DeleteVersion:
		kind, opts.VersionID = KindDeleteVersion, v.VersionID
		if v.IsLatest {
			// An expired object delete marker, decided its key's only version on the entry
			// listed after it: a version written since, after it or behind it, keeps it.
			opts.IfOnlyVersion = true
		} else {
			opts.IfNoncurrent = &storage.NoncurrentCondition{Since: lv.NoncurrentSince, Newer: lv.NewerNoncurrent}
		}
	}
	t.Actions++
	res, err := w.cfg.Backend.DeleteObject(ctx, b.Name, v.Key, opts)
	t.done(kind, err, log.With("key", v.Key, "version", v.VersionID, "rule", rule, "result_version", res.VersionID))
	return err == nil
}

// done counts and logs the outcome of one action.
func (t *tick) done(kind string, err error, log *slog.Logger) {
	m := t.w.cfg.Metrics
	switch {
	case errors.Is(err, context.Canceled):
		// The worker is being stopped: the next start decides again.
	case err == nil:
		m.Action(kind)
		log.Debug("lifecycle: "+kind, "action", kind)
	case errors.Is(err, storage.ErrObjectLocked):
		m.Skipped(SkipLocked)
		log.Debug("lifecycle: skipped, under Object Lock", "action", kind)
	case errors.Is(err, storage.ErrPreconditionFailed), errors.Is(err, storage.ErrNoSuchKey),
		errors.Is(err, storage.ErrNoSuchUpload), errors.Is(err, storage.ErrNoSuchBucket):
		m.Skipped(SkipChanged)
		log.Debug("lifecycle: skipped, changed since listed", "action", kind, "err", err)
	default:
		m.Error()
		log.Error("lifecycle: "+kind, "err", err)
	}
}

// uploads lists b's multipart uploads from the cursor and aborts those cfg decides; it
// reports whether the listing is done.
func (t *tick) uploads(ctx context.Context, b storage.BucketInfo, cfg *lifecycle.Configuration, log *slog.Logger) bool {
	w := t.w
	for {
		n := t.pageSize()
		if n == 0 {
			return false
		}
		page, err := w.cfg.Backend.ListMultipartUploads(ctx, b.Name, storage.ListUploadsOptions{
			KeyMarker: w.cur.key, UploadIDMarker: w.cur.marker, MaxUploads: n})
		if err != nil {
			t.listFailed("uploads", err, log)
			return true
		}
		t.Listed += len(page.Uploads)
		for _, u := range page.Uploads {
			if t.spent() {
				return false
			}
			if abort, rule := cfg.AbortUpload(u.Key, u.Initiated, t.now, w.cfg.Clock); abort {
				t.Actions++
				err := w.cfg.Backend.AbortMultipartUpload(ctx, b.Name, u.Key, u.UploadID)
				t.done(KindAbortUpload, err, log.With("key", u.Key, "upload", u.UploadID, "rule", rule))
			}
			w.cur.key, w.cur.marker = u.Key, u.UploadID
		}
		if !page.IsTruncated {
			return true
		}
	}
}
