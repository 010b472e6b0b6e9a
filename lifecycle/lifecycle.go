// Package lifecycle is S3's bucket lifecycle configuration
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html): the
// LifecycleConfiguration document, validated as S3 validates it, and the decision each rule
// takes for an object version or a multipart upload at a given time. It does no I/O: package
// expiry applies the decisions to a storage backend, and package s3api serves the document.
//
// PLACEHOLDER API: the implementation replaces every body of this file before the branch merges.
package lifecycle

import (
	"errors"
	"time"
)

// Configuration is a bucket's lifecycle configuration: its rules, in document order.
type Configuration struct {
	Rules []Rule
}

// Rule is one rule of a configuration.
type Rule struct {
	ID      string
	Enabled bool // Status Enabled; false for Disabled
	Filter  Filter
	// Expiration of current versions, and of expired delete markers; nil for none.
	Expiration *Expiration
	// NoncurrentVersionExpiration; nil for none.
	NoncurrentExpiration *NoncurrentExpiration
	// AbortIncompleteMultipartUpload's DaysAfterInitiation; 0 for none.
	AbortAfterDays int
}

// Filter selects the objects a rule applies to: every condition set must hold.
type Filter struct {
	Prefix string
	Tags   []Tag // each must be among the object's tags
	// ObjectSizeGreaterThan and ObjectSizeLessThan, in bytes; 0 for none.
	SizeGreaterThan int64
	SizeLessThan    int64
}

// Tag is one key and value a filter requires.
type Tag struct{ Key, Value string }

// Expiration is a rule's expiration of current versions: after Days, or on Date (midnight
// UTC), or, with ExpiredObjectDeleteMarker, the removal of a delete marker that is its key's
// only version.
type Expiration struct {
	Days                      int
	Date                      time.Time
	ExpiredObjectDeleteMarker bool
}

// NoncurrentExpiration removes a noncurrent version Days after it became noncurrent, keeping
// the NewerNoncurrentVersions newest noncurrent versions of its key when set.
type NoncurrentExpiration struct {
	Days                    int
	NewerNoncurrentVersions int
}

// Parse reads and validates a LifecycleConfiguration document as S3 does; the error is an
// *Error carrying S3's code and message.
func Parse(doc []byte) (*Configuration, error) {
	return nil, errors.ErrUnsupported
}

// Error is a configuration S3 refuses: its S3 error code (MalformedXML, InvalidArgument,
// InvalidRequest, NotImplemented...) and message, and the argument it names, if any.
type Error struct {
	Code, Message          string
	ArgumentName, ArgValue string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Encode is the document GetBucketLifecycleConfiguration answers for c.
func (c *Configuration) Encode() []byte { return nil }

// Clock is how long a lifecycle day lasts and where days start: S3's days are 24 hours, and
// an action falls due at the midnight UTC after its time plus its days
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html).
// A shorter Day (a test's, as Ceph RGW's rgw_lc_debug_interval) falls due exactly Day×days
// after, without rounding.
type Clock struct {
	Day time.Duration // 24h when zero
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

// Decide is the action the enabled rules take for v at now, and the ID of the rule that
// takes it.
func (c *Configuration) Decide(v Version, now time.Time, clk Clock) (Action, string) {
	return None, ""
}

// AbortUpload tells whether a multipart upload of key started at initiated is to be aborted
// at now, and the rule's ID.
func (c *Configuration) AbortUpload(key string, initiated time.Time, now time.Time, clk Clock) (bool, string) {
	return false, ""
}

// Expiry is when the current version v expires by the configuration, and the rule's ID: what
// x-amz-expiration tells on PutObject, GetObject and HeadObject; zero when no rule expires it.
func (c *Configuration) Expiry(v Version, clk Clock) (time.Time, string) {
	return time.Time{}, ""
}
