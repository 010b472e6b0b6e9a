package lifecycle

import (
	"slices"
	"strings"
	"time"
)

// Clock is how long a lifecycle day lasts and where days start: S3's days are 24 hours, and
// an action falls due at the midnight UTC after its time plus its days
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html).
// A shorter Day (a test's, as Ceph RGW's rgw_lc_debug_interval) falls due exactly Day×days
// after, without rounding.
type Clock struct {
	Day time.Duration // 24h when zero
}

// Day is S3's lifecycle day.
const Day = 24 * time.Hour

// never stands for a due time past any clock's reach: Day×days beyond a time.Duration.
var never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// due is when an action of days counted from t falls due. With S3's day, "Amazon S3
// calculates the time by adding the number of days specified in the rule to the object
// creation time and rounding the resulting time to the next day midnight UTC": an object
// created 1/15/2014 10:30 AM UTC with a 3-day rule expires 1/19/2014 00:00 UTC
// (lifecycle-expire-general-considerations.html). A time already at midnight stays there
// ([UNVERIFIED]: the rounding is up, as MinIO's ExpectedExpiryTime rounds it).
func (clk Clock) due(t time.Time, days int) time.Time {
	if clk.Day == 0 || clk.Day == Day {
		end := t.UTC().AddDate(0, 0, days)
		if m := midnight(end); !m.Equal(end) {
			return m.Add(Day)
		}
		return end
	}
	if days > int(time.Duration(1<<63-1)/clk.Day) {
		return never
	}
	return t.Add(clk.Day * time.Duration(days))
}

// Version is what a rule decides by for one version of a key.
type Version struct {
	Key          string
	Size         int64
	Tags         []Tag
	LastModified time.Time
	IsLatest     bool
	DeleteMarker bool
	// NoncurrentSince is when the version stopped being the latest: the LastModified of the
	// version after it; zero for the latest.
	NoncurrentSince time.Time
	// NewerNoncurrent is how many noncurrent versions of the key are newer than this one.
	NewerNoncurrent int
	// OnlyVersion tells a delete marker that is its key's only version.
	OnlyVersion bool
}

// Action is what the configuration decides for a version.
type Action int

const (
	None Action = iota
	// ExpireCurrent expires the latest version: removed in a bucket whose versioning was never
	// set, a delete marker added in one whose versioning is Enabled or Suspended.
	ExpireCurrent
	// DeleteVersion removes a noncurrent version, or an expired delete marker, for good.
	DeleteVersion
)

// matches tells whether f selects v: the key begins with Prefix, every tag of the filter is
// among the object's, and the size is strictly greater than ObjectSizeGreaterThan and
// strictly less than ObjectSizeLessThan (intro-lifecycle-rules.html, "Filtering by object
// size": "ObjectSizeGreaterThan ... objects that are larger than", "less than").
func (f Filter) matches(key string, size int64, tags []Tag) bool {
	return strings.HasPrefix(key, f.Prefix) &&
		(f.SizeGreaterThan == 0 && !f.NonEmpty || size > f.SizeGreaterThan) &&
		(f.SizeLessThan == 0 || size < f.SizeLessThan) &&
		!slices.ContainsFunc(f.Tags, func(t Tag) bool { return !slices.Contains(tags, t) })
}

// when is when r takes its action on v, and which action; ok false when it takes none:
//   - the latest version, not a delete marker: Expiration's Days from LastModified, or its
//     Date (lifecycle-expire-general-considerations.html);
//   - the latest version, a delete marker that is its key's only version (an expired object
//     delete marker): removed at once by ExpiredObjectDeleteMarker, and by an Expiration's
//     Days once the marker is that old ("When you specify the Days tag, Amazon S3
//     automatically performs ExpiredObjectDeleteMarker cleanup when the delete markers are old
//     enough to satisfy the age criteria", lifecycle-configuration-examples.html); a delete
//     marker is never expired as an object is, and one with versions behind it is kept
//     ("Amazon S3 doesn't take any action if there are one or more object versions and the
//     delete marker is the current version");
//   - a noncurrent version, delete markers included: NoncurrentDays from when it became
//     noncurrent, once NewerNoncurrentVersions newer noncurrent versions are kept
//     (API_NoncurrentVersionExpiration.html).
func (r *Rule) when(v Version, clk Clock) (time.Time, Action, bool) {
	if !r.Enabled || !r.Filter.matches(v.Key, v.Size, v.Tags) {
		return time.Time{}, None, false
	}
	e, n := r.Expiration, r.NoncurrentExpiration
	switch {
	case !v.IsLatest:
		if n == nil || v.NewerNoncurrent < n.NewerNoncurrentVersions {
			return time.Time{}, None, false
		}
		return clk.due(v.NoncurrentSince, n.Days), DeleteVersion, true
	case e == nil:
	case v.DeleteMarker && !v.OnlyVersion:
	case v.DeleteMarker && e.ExpiredObjectDeleteMarker:
		return v.LastModified, DeleteVersion, true
	case v.DeleteMarker && e.Days > 0:
		return clk.due(v.LastModified, e.Days), DeleteVersion, true
	case v.DeleteMarker:
	case e.Days > 0:
		return clk.due(v.LastModified, e.Days), ExpireCurrent, true
	case !e.Date.IsZero():
		return e.Date, ExpireCurrent, true
	}
	return time.Time{}, None, false
}

// Decide is the action the enabled rules take for v at now, and the ID of the rule that
// takes it. When several rules apply, the one falling due first decides, the first in the
// document among those due at the same time: "the shorter expiration wins"
// (intro-lifecycle-rules.html, "Overlapping filters, conflicting lifecycle actions"). Only
// one kind of action applies to a given version, so the earliest due is the whole answer.
func (c *Configuration) Decide(v Version, now time.Time, clk Clock) (Action, string) {
	at, action, id := c.earliest(v, clk)
	if action == None || now.Before(at) {
		return None, ""
	}
	return action, id
}

// earliest is the first due action of the enabled rules on v, and its rule's ID.
func (c *Configuration) earliest(v Version, clk Clock) (time.Time, Action, string) {
	var (
		at     time.Time
		action = None
		id     string
	)
	for i := range c.Rules {
		r := &c.Rules[i]
		if t, a, ok := r.when(v, clk); ok && (action == None || t.Before(at)) {
			at, action, id = t, a, r.ID
		}
	}
	return at, action, id
}

// AbortUpload tells whether a multipart upload of key started at initiated is to be aborted
// at now, and the rule's ID: DaysAfterInitiation after it was initiated
// (API_AbortIncompleteMultipartUpload.html), the enabled rule falling due first deciding. An
// upload has neither tags nor a size, and a rule aborting uploads filters by prefix alone.
func (c *Configuration) AbortUpload(key string, initiated time.Time, now time.Time, clk Clock) (bool, string) {
	var (
		at time.Time
		id string
	)
	for _, r := range c.Rules {
		if !r.Enabled || r.AbortAfterDays == 0 || !strings.HasPrefix(key, r.Filter.Prefix) {
			continue
		}
		if t := clk.due(initiated, r.AbortAfterDays); id == "" || t.Before(at) {
			at, id = t, r.ID
		}
	}
	if id == "" || now.Before(at) {
		return false, ""
	}
	return true, id
}

// Expiry is when the current version v expires by the configuration, and the rule's ID: what
// x-amz-expiration tells on PutObject, GetObject and HeadObject; zero when no rule expires it.
// The earliest of the rules expiring it answers, as Decide would take it; a delete marker or a
// noncurrent version is never expired so, and has none.
func (c *Configuration) Expiry(v Version, clk Clock) (time.Time, string) {
	at, action, id := c.earliest(v, clk)
	if action != ExpireCurrent {
		return time.Time{}, ""
	}
	return at, id
}
