package storage

import (
	"fmt"
	"time"
)

// # Object Lock
//
// A bucket created with Object Lock enabled (CreateBucketOptions.ObjectLockEnabled), or whose
// Object Lock was enabled later with PutBucketObjectLock while its versioning was Enabled, has
// it for good, as in S3
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html): its versioning is
// Enabled and can no longer be suspended (ErrInvalidBucketState), so a write never replaces a
// version, only adds one. Each version may then carry a Retention (a mode and a date until which
// the version cannot be deleted) and a legal hold (no end date). A DeleteObject that names a
// version under either fails with ErrObjectLocked, unless the retention is GOVERNANCE, no legal
// hold is on and the delete bypasses governance; a DeleteObject without a version only adds a
// delete marker and is never refused. Retentions change only as RetentionChangeAllowed says.
// The bucket's default retention, when set, gives every version written after it, in the same
// transaction, a retention that ends the default period after the write (DefaultRetention.Until),
// unless the write names one.
//
// Every decision is taken by the functions of this file, at the backend's clock, in the
// transaction that acts on it: backends differ in where they keep the state, never in the rules.

// RetentionMode is an Object Lock retention mode, named as S3 names it.
type RetentionMode string

// The retention modes. GOVERNANCE protects a version from every delete and retention change
// that does not bypass governance; COMPLIANCE from every one, until its date.
const (
	RetentionGovernance RetentionMode = "GOVERNANCE"
	RetentionCompliance RetentionMode = "COMPLIANCE"
)

// Valid tells the two modes S3 defines, spelt as S3 spells them.
func (m RetentionMode) Valid() bool {
	return m == RetentionGovernance || m == RetentionCompliance
}

// Retention is a version's retention: the zero value is none.
type Retention struct {
	Mode RetentionMode
	// RetainUntil is the end of the retention, in UTC; a backend keeps it to the millisecond
	// at least.
	RetainUntil time.Time
}

// IsZero tells a version without a retention.
func (r Retention) IsZero() bool { return r.Mode == "" && r.RetainUntil.IsZero() }

// maxRetainUntilYear is the last year a RetainUntil may fall in, in UTC: the last a four-digit
// ISO 8601 date (S3's XML and headers, and a backend's records) can write.
const maxRetainUntilYear = 9999

// Validate checks what every backend must refuse with ErrInvalidRetention in a retention a
// write or PutObjectRetention names: one that is not zero needs a valid mode and a date, in a
// year ISO 8601 can write. A mode without a date, or a date without a mode, would otherwise be
// stored as a lock no rule describes.
func (r Retention) Validate() error {
	switch {
	case r.IsZero():
		return nil
	case !r.Mode.Valid():
		return fmt.Errorf("%w: retention mode %q", ErrInvalidRetention, r.Mode)
	case r.RetainUntil.IsZero() || r.RetainUntil.UTC().Year() > maxRetainUntilYear:
		return fmt.Errorf("%w: retain-until date %v", ErrInvalidRetention, r.RetainUntil)
	}
	return nil
}

// ActiveAt tells a retention that still protects its version at now: its date is after now.
func (r Retention) ActiveAt(now time.Time) bool {
	return !r.IsZero() && r.RetainUntil.After(now)
}

// The longest default retention S3 accepts: "100 years"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html, retention periods),
// counted in days or in years. The bound also keeps every date a default gives a version
// within what a backend can write (maxRetainUntilYear).
const (
	MaxRetentionDays  = 36500
	MaxRetentionYears = 100
)

// DefaultRetention is a bucket's default retention period: Days or Years, exactly one of them
// positive, at most MaxRetentionDays or MaxRetentionYears.
type DefaultRetention struct {
	Mode  RetentionMode
	Days  int
	Years int
}

// Until is the date a version written at t is retained until. A year is 365 days, as S3 counts
// it [UNVERIFIED: AWS documents periods "in days or years" without saying how a year is
// counted; MinIO, versitygw and Ceph RGW all count 365 days, and a day is 24 hours in all of
// them]. The days are added to the calendar date in UTC, where every day has 24 hours: a
// time.Duration spans less than 300 years, and a longer period must not wrap into the past.
func (d DefaultRetention) Until(t time.Time) time.Time {
	return t.UTC().AddDate(0, 0, d.Days+365*d.Years)
}

// ObjectLockConfig is a bucket's Object Lock configuration.
type ObjectLockConfig struct {
	// Enabled tells a bucket with Object Lock; once true it stays true.
	Enabled bool
	// DefaultRetention, when set, applies to versions written without a retention of their
	// own.
	DefaultRetention *DefaultRetention
}

// Validate checks what every backend must refuse with ErrInvalidObjectLock: a configuration
// that does not enable Object Lock, or a default retention without a valid mode or with other
// than exactly one positive period within the bounds.
func (c ObjectLockConfig) Validate() error {
	if !c.Enabled {
		return fmt.Errorf("%w: Object Lock must be enabled", ErrInvalidObjectLock)
	}
	if d := c.DefaultRetention; d != nil {
		if !d.Mode.Valid() {
			return fmt.Errorf("%w: retention mode %q", ErrInvalidObjectLock, d.Mode)
		}
		if (d.Days > 0) == (d.Years > 0) || d.Days < 0 || d.Years < 0 {
			return fmt.Errorf("%w: a default retention needs Days or Years, one of them positive", ErrInvalidObjectLock)
		}
		if d.Days > MaxRetentionDays || d.Years > MaxRetentionYears {
			return fmt.Errorf("%w: a default retention of at most %d days or %d years", ErrInvalidObjectLock, MaxRetentionDays, MaxRetentionYears)
		}
	}
	return nil
}

// ObjectLock is the Object Lock settings a write gives its new version.
type ObjectLock struct {
	// Retention, when not zero, is the version's retention (with a valid Mode and a date);
	// zero gives it the bucket's default retention, if any.
	Retention Retention
	// LegalHold puts a legal hold on the version.
	LegalHold bool
	// LegalHoldSet tells that the write names a legal hold status, ON (LegalHold) or OFF. S3
	// tells a version whose legal hold is OFF from one that never had a status: the latter
	// has no legal hold to read (see ObjectInfo.LegalHoldSet).
	LegalHoldSet bool
}

// IsZero tells a write that names no Object Lock setting.
func (l ObjectLock) IsZero() bool { return l.Retention.IsZero() && !l.LegalHold && !l.LegalHoldSet }

// VersionLock is what a write of a version stores: the retention the write names or, without
// one, the bucket's default from the write's time; and its legal hold status. A backend calls
// it in the transaction that adds the version, with the bucket's configuration as that
// transaction sees it. A write naming Object Lock settings in a bucket without Object Lock
// fails with ErrNoObjectLock, one naming a retention Retention.Validate refuses with
// ErrInvalidRetention.
func VersionLock(bucket ObjectLockConfig, write ObjectLock, now time.Time) (ObjectLock, error) {
	if err := write.Retention.Validate(); err != nil {
		return ObjectLock{}, err
	}
	if !bucket.Enabled {
		if !write.IsZero() {
			return ObjectLock{}, ErrNoObjectLock
		}
		return ObjectLock{}, nil
	}
	l := write
	if l.Retention.IsZero() && bucket.DefaultRetention != nil {
		l.Retention = Retention{Mode: bucket.DefaultRetention.Mode, RetainUntil: bucket.DefaultRetention.Until(now)}
	}
	l.LegalHoldSet = l.LegalHoldSet || l.LegalHold
	return l, nil
}

// RetentionChangeAllowed decides a PutObjectRetention at now on a version whose retention is
// old: nil, ErrInvalidRetention for a next retention Retention.Validate refuses, or
// ErrObjectLocked. A retention no longer active may be replaced or removed. An
// active COMPLIANCE retention may only be kept or extended in COMPLIANCE. An active GOVERNANCE
// retention may be extended in GOVERNANCE; any other change (a shorter date, removal, or a
// change of mode, even to COMPLIANCE) needs the bypass. [UNVERIFIED: AWS documents that
// GOVERNANCE needs s3:BypassGovernanceRetention to be shortened or removed; that a mode change
// from GOVERNANCE to COMPLIANCE needs it too follows ceph/s3-tests
// (test_object_lock_changing_mode_from_governance_without_bypass expects 403 AccessDenied).]
func RetentionChangeAllowed(old, next Retention, bypassGovernance bool, now time.Time) error {
	if err := next.Validate(); err != nil {
		return err
	}
	if !old.ActiveAt(now) {
		return nil
	}
	keepsOrExtends := next.Mode == old.Mode && !next.RetainUntil.Before(old.RetainUntil)
	switch {
	case keepsOrExtends:
		return nil
	case old.Mode == RetentionGovernance && bypassGovernance:
		return nil
	}
	return fmt.Errorf("%w: the version's %s retention until %s", ErrObjectLocked, old.Mode, old.RetainUntil.Format(time.RFC3339))
}

// DeleteAllowed decides a DeleteObject at now of a version (not a delete marker's addition)
// whose retention and legal hold are r and legalHold: nil or ErrObjectLocked.
func DeleteAllowed(r Retention, legalHold, bypassGovernance bool, now time.Time) error {
	switch {
	case legalHold:
		return fmt.Errorf("%w: the version is under a legal hold", ErrObjectLocked)
	case !r.ActiveAt(now):
		return nil
	case r.Mode == RetentionGovernance && bypassGovernance:
		return nil
	}
	return fmt.Errorf("%w: the version's %s retention until %s", ErrObjectLocked, r.Mode, r.RetainUntil.Format(time.RFC3339))
}

// PutObjectRetentionOptions are the settings of PutObjectRetention.
type PutObjectRetentionOptions struct {
	// Retention is the version's new retention; zero removes it.
	Retention Retention
	// BypassGovernance allows what an active GOVERNANCE retention forbids (see
	// RetentionChangeAllowed); the protocol layer sets it only for a caller allowed to.
	BypassGovernance bool
	// VersionID names the version; empty is the latest.
	VersionID string
	// BucketID, when set, is the ID of the bucket the change was authorized for (see
	// BucketInfo.ID).
	BucketID string
}

// PutObjectLegalHoldOptions are the settings of PutObjectLegalHold.
type PutObjectLegalHoldOptions struct {
	On bool
	// VersionID names the version; empty is the latest.
	VersionID string
	// BucketID, when set, is the ID of the bucket the change was authorized for (see
	// BucketInfo.ID).
	BucketID string
}
