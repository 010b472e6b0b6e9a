package s3api

import (
	"slices"
	"sync"
	"time"

	"github.com/doorman-s3/doorman/cors"
)

// CORSActivity is a bounded, in-memory record of the server's CORS decisions, for a console
// that shows them: per bucket, counts of decisions in fixed time slots over the last hour, by
// kind (preflight or actual), outcome and the check that refused; and the latest refusals with
// the request and the policy that refused it, so that the rule-by-rule evaluation can be shown
// exactly as it happened. A server records into it only when Config.Activity is set; it is
// safe for concurrent use.
type CORSActivity struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucketActivity
	ring    [ActivityRecent]CORSRefusal
	next    int // where the next refusal goes in ring
	n       int // refusals held, at most ActivityRecent
}

// Bounds of the record, so that its memory does not grow with traffic.
const (
	// ActivitySlot is the width of a time slot, and ActivitySlots how many are kept: 10 s
	// slots over one hour, fine enough to see a burst, few enough to draw.
	ActivitySlot  = 10 * time.Second
	ActivitySlots = 360
	// ActivityBuckets bounds the buckets counted separately: a slot of a bucket's counts is
	// 72 bytes, a bucket's hour at most 26 KiB, so 1,024 buckets at most 26 MiB. Decisions for
	// further buckets are counted under "-", as those for buckets that do not exist.
	ActivityBuckets = 1024
	// ActivityRecent is how many refusals are kept: a screenful and more. Each holds its
	// request's Origin and Access-Control-Request-Headers (within S3's 8 KiB request head) and
	// a reference to the compiled policy that refused it, shared with the bucket.
	ActivityRecent = 256
)

// CORSRefusal is one refused CORS request: a preflight that was not allowed, or an actual
// request with an Origin that no rule allowed (the browser then hides the answer).
type CORSRefusal struct {
	Time   time.Time
	Bucket string
	// Preflight: an OPTIONS request; else an actual request.
	Preflight bool
	// Request is what the CORS evaluation read of the request.
	Request cors.Request
	// Policy is the bucket's compiled configuration when the request came (nil: none), so
	// that Policy.Explain(&Request, Preflight) gives the decision and each rule's evaluation
	// exactly as they were, whatever the bucket holds now.
	Policy *cors.Policy
}

// Explain re-runs the evaluation that refused r against the policy in force then.
func (r *CORSRefusal) Explain() cors.Explanation {
	return r.Policy.Explain(&r.Request, r.Preflight)
}

// Reason says in words which check refused r, as the access log does.
func (r *CORSRefusal) Reason() string {
	e := r.Explain()
	return refusalReason(&r.Request, &e.Decision)
}

// CORSSeries is the count of one kind of decision for one bucket, slot by slot.
type CORSSeries struct {
	Bucket  string `json:"bucket"`
	Kind    string `json:"kind"`    // "preflight" or "actual"
	Outcome string `json:"outcome"` // cors.Outcome's String
	// Check is the check that refused a no_matching_rule decision: "origin", "method",
	// "header_limits" or "headers"; "" otherwise.
	Check string `json:"check,omitempty"`
	// Start is the start of the first slot; Counts holds one count per ActivitySlot from it.
	Start  time.Time `json:"start"`
	Counts []uint32  `json:"counts"`
}

// counter indexes the decisions counted: kind × (outcome, check). Only no_matching_rule has
// a check, so the pairs are the outcomes and the four checks of that outcome.
const (
	numOutcomes = int(cors.BadRequest) + 1
	numChecks   = int(cors.CheckHeaders) // the checks other than CheckNone
	numPairs    = numOutcomes + numChecks
	numCounters = 2 * numPairs
)

var checkNames = [...]string{cors.CheckOrigin: "origin", cors.CheckMethod: "method",
	cors.CheckHeaderLimits: "header_limits", cors.CheckHeaders: "headers"}

func counterIndex(preflight bool, o cors.Outcome, c cors.Check) int {
	i := int(o)
	if o == cors.NoMatchingRule && c != cors.CheckNone {
		i = numOutcomes + int(c) - 1
	}
	if preflight {
		i += numPairs
	}
	return i
}

// slot is one time slot's counts; epoch is the slot's number since the Unix epoch.
type slot struct {
	epoch  int64
	counts [numCounters]uint32
}

type bucketActivity struct {
	slots [ActivitySlots]*slot // by epoch modulo ActivitySlots, allocated when first used
}

// NewCORSActivity returns an empty record; now is its clock (nil: time.Now).
func NewCORSActivity(now func() time.Time) *CORSActivity {
	if now == nil {
		now = time.Now
	}
	return &CORSActivity{now: now, buckets: make(map[string]*bucketActivity)}
}

// record counts one decision, and keeps a refusal. bucket is "" for a request naming no
// bucket that exists.
func (a *CORSActivity) record(bucket string, preflight bool, req *cors.Request, d *cors.Decision, p *cors.Policy) {
	t := a.now()
	epoch := t.UnixNano() / int64(ActivitySlot)
	a.mu.Lock()
	defer a.mu.Unlock()
	name := bucket
	if name == "" {
		name = "-"
	}
	b := a.buckets[name]
	if b == nil {
		named := len(a.buckets)
		if _, ok := a.buckets["-"]; ok {
			named--
		}
		if named >= ActivityBuckets {
			name = "-"
			b = a.buckets[name]
		}
		if b == nil {
			b = &bucketActivity{}
			a.buckets[name] = b
		}
	}
	s := b.slots[epoch%ActivitySlots]
	if s == nil {
		s = &slot{}
		b.slots[epoch%ActivitySlots] = s
	}
	if s.epoch != epoch {
		*s = slot{epoch: epoch}
	}
	s.counts[counterIndex(preflight, d.Outcome, d.Refused)]++
	if d.Outcome == cors.Allowed || bucket == "" {
		// A request for a bucket that does not exist concerns no bucket anyone may see.
		return
	}
	r := *req
	r.RequestHeaders = slices.Clone(r.RequestHeaders)
	a.ring[a.next] = CORSRefusal{Time: t, Bucket: bucket, Preflight: preflight, Request: r, Policy: p}
	a.next = (a.next + 1) % ActivityRecent
	a.n = min(a.n+1, ActivityRecent)
}

// Buckets lists the buckets with decisions in the last hour, sorted; "-" (no bucket) is not
// one of them.
func (a *CORSActivity) Buckets() []string {
	oldest := a.oldestEpoch()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for name, b := range a.buckets {
		if name != "-" && slices.ContainsFunc(b.slots[:], func(s *slot) bool { return s != nil && s.epoch >= oldest }) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// oldestEpoch is the first slot of the last hour.
func (a *CORSActivity) oldestEpoch() int64 {
	return a.now().UnixNano()/int64(ActivitySlot) - ActivitySlots + 1
}

// Series returns bucket's non-zero series from the slot holding since (at the earliest, the
// last hour) to now, in a fixed order: kind, then outcome, then check.
func (a *CORSActivity) Series(bucket string, since time.Time) []CORSSeries {
	last := a.now().UnixNano() / int64(ActivitySlot)
	first := max(last-ActivitySlots+1, since.UnixNano()/int64(ActivitySlot))
	if first > last {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.buckets[bucket]
	if b == nil {
		return nil
	}
	var all [numCounters][]uint32
	for e := first; e <= last; e++ {
		s := b.slots[e%ActivitySlots]
		if s == nil || s.epoch != e {
			continue
		}
		for i, n := range s.counts {
			if n == 0 {
				continue
			}
			if all[i] == nil {
				all[i] = make([]uint32, last-first+1)
			}
			all[i][e-first] = n
		}
	}
	var out []CORSSeries
	for i, counts := range all {
		if counts == nil {
			continue
		}
		kind, pair := "actual", i
		if i >= numPairs {
			kind, pair = "preflight", i-numPairs
		}
		s := CORSSeries{Bucket: bucket, Kind: kind, Start: time.Unix(0, first*int64(ActivitySlot)).UTC(), Counts: counts}
		if pair < numOutcomes {
			s.Outcome = cors.Outcome(pair).String()
		} else {
			s.Outcome, s.Check = cors.NoMatchingRule.String(), checkNames[pair-numOutcomes+1]
		}
		out = append(out, s)
	}
	return out
}

// Recent returns bucket's refusals at or after since, newest first.
func (a *CORSActivity) Recent(bucket string, since time.Time) []CORSRefusal {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []CORSRefusal
	for k := 1; k <= a.n; k++ {
		r := &a.ring[(a.next-k+ActivityRecent)%ActivityRecent]
		if r.Time.Before(since) {
			break
		}
		if r.Bucket == bucket {
			out = append(out, *r)
		}
	}
	return out
}
