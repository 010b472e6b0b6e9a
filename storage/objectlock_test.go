package storage_test

import (
	"errors"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// now is the clock of every case below; the dates around it are a millisecond apart, the
// precision a backend keeps (storage.Retention).
var (
	now    = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	before = now.Add(-time.Millisecond)
	after  = now.Add(time.Millisecond)
	later  = now.Add(24 * time.Hour)
)

func governance(until time.Time) storage.Retention {
	return storage.Retention{Mode: storage.RetentionGovernance, RetainUntil: until}
}

func compliance(until time.Time) storage.Retention {
	return storage.Retention{Mode: storage.RetentionCompliance, RetainUntil: until}
}

// wantLocked checks that err is nil when locked is false, and an ErrObjectLocked otherwise.
func wantLocked(t *testing.T, name string, err error, locked bool) {
	t.Helper()
	if locked != errors.Is(err, storage.ErrObjectLocked) || !locked && err != nil {
		t.Errorf("%s = %v, want locked %v", name, err, locked)
	}
}

// The two modes, spelt exactly as S3 spells them, and nothing else.
func TestRetentionModeValid(t *testing.T) {
	for _, tc := range []struct {
		mode storage.RetentionMode
		want bool
	}{
		{storage.RetentionGovernance, true},
		{storage.RetentionCompliance, true},
		{"GOVERNANCE", true},
		{"governance", false},
		{"Compliance", false},
		{" COMPLIANCE", false},
		{"", false},
		{"LEGAL_HOLD", false},
	} {
		if got := tc.mode.Valid(); got != tc.want {
			t.Errorf("%q.Valid() = %v, want %v", tc.mode, got, tc.want)
		}
	}
}

// A retention is none only without a mode and a date; it protects its version while its date
// is after now, and no longer at the date itself.
func TestRetentionActiveAt(t *testing.T) {
	for _, tc := range []struct {
		name         string
		r            storage.Retention
		zero, active bool
	}{
		{"none", storage.Retention{}, true, false},
		{"governance ahead", governance(after), false, true},
		{"compliance ahead", compliance(later), false, true},
		{"until now exactly", governance(now), false, false},
		{"expired", compliance(before), false, false},
		{"a mode without a date", storage.Retention{Mode: storage.RetentionGovernance}, false, false},
		{"a date without a mode", storage.Retention{RetainUntil: later}, false, true},
		{"the same instant in another zone", governance(now.In(time.FixedZone("UTC+2", 2*3600))), false, false},
	} {
		if got := tc.r.IsZero(); got != tc.zero {
			t.Errorf("%s: IsZero() = %v, want %v", tc.name, got, tc.zero)
		}
		if got := tc.r.ActiveAt(now); got != tc.active {
			t.Errorf("%s: ActiveAt(now) = %v, want %v", tc.name, got, tc.active)
		}
	}
}

// A default retention ends its period after the write, in UTC, a year counting 365 days and
// a day 24 hours, leap years or not, and for periods of centuries too.
func TestDefaultRetentionUntil(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name string
		d    storage.DefaultRetention
		t    time.Time
		want time.Time
	}{
		{"one day", storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 1}, now, now.Add(24 * time.Hour)},
		{"one year is 365 days", storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 1}, now, now.Add(365 * 24 * time.Hour)},
		{"365 days", storage.DefaultRetention{Mode: storage.RetentionCompliance, Days: 365}, now, now.Add(365 * 24 * time.Hour)},
		{"a year over a leap day", storage.DefaultRetention{Mode: storage.RetentionGovernance, Years: 1},
			time.Date(2028, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2029, 1, 31, 0, 0, 0, 0, time.UTC)},
		{"two years", storage.DefaultRetention{Mode: storage.RetentionGovernance, Years: 2}, now, now.Add(730 * 24 * time.Hour)},
		{"milliseconds kept", storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 3}, after, after.Add(72 * time.Hour)},
		{"answered in UTC", storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 1},
			time.Date(2030, 1, 1, 13, 0, 0, 0, paris), time.Date(2030, 1, 2, 12, 0, 0, 0, time.UTC)},
		// Longer than a time.Duration spans (about 292 years).
		{"300 years", storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 300}, now,
			now.AddDate(0, 0, 300*365)},
		{"200000 days", storage.DefaultRetention{Mode: storage.RetentionCompliance, Days: 200000}, now, now.AddDate(0, 0, 200000)},
	} {
		got := tc.d.Until(tc.t)
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("%s: Until(%v) = %v, want %v in UTC", tc.name, tc.t, got, tc.want)
		}
	}
}

// Validate refuses a configuration without Object Lock, and a default retention without a
// valid mode or without exactly one positive period.
func TestObjectLockConfigValidate(t *testing.T) {
	def := func(mode storage.RetentionMode, days, years int) *storage.DefaultRetention {
		return &storage.DefaultRetention{Mode: mode, Days: days, Years: years}
	}
	for _, tc := range []struct {
		name string
		cfg  storage.ObjectLockConfig
		ok   bool
	}{
		{"enabled", storage.ObjectLockConfig{Enabled: true}, true},
		{"days", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionGovernance, 1, 0)}, true},
		{"years", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionCompliance, 0, 1)}, true},
		{"not enabled", storage.ObjectLockConfig{}, false},
		{"not enabled, with a default", storage.ObjectLockConfig{DefaultRetention: def(storage.RetentionGovernance, 1, 0)}, false},
		{"no mode", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def("", 1, 0)}, false},
		{"lowercase mode", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def("governance", 1, 0)}, false},
		{"no period", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionGovernance, 0, 0)}, false},
		{"days and years", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionGovernance, 1, 1)}, false},
		{"negative days", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionGovernance, -1, 0)}, false},
		{"negative years", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionCompliance, 0, -1)}, false},
		{"days and negative years", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionGovernance, 5, -1)}, false},
		{"negative days and years", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionGovernance, -5, 1)}, false},
		{"the most days", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionCompliance, storage.MaxRetentionDays, 0)}, true},
		{"the most years", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionCompliance, 0, storage.MaxRetentionYears)}, true},
		{"a day too many", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionCompliance, storage.MaxRetentionDays+1, 0)}, false},
		{"a year too many", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionCompliance, 0, storage.MaxRetentionYears+1)}, false},
		// A period whose days overflow an int would end before the write: expired at once.
		{"years that overflow", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def(storage.RetentionCompliance, 0, 1<<61)}, false},
	} {
		err := tc.cfg.Validate()
		if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, storage.ErrInvalidObjectLock) {
			t.Errorf("%s: Validate() = %v, want ok %v or ErrInvalidObjectLock", tc.name, err, tc.ok)
		}
	}
}

// A retention a write or PutObjectRetention names is zero, or has a valid mode and a date that
// ISO 8601 can write; anything else would be stored as a lock no rule describes.
func TestRetentionValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    storage.Retention
		ok   bool
	}{
		{"zero", storage.Retention{}, true},
		{"governance", governance(later), true},
		{"compliance", compliance(later), true},
		{"a past date", compliance(now.Add(-time.Hour)), true},
		{"the last second of 9999", compliance(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)), true},
		{"a mode without a date", storage.Retention{Mode: storage.RetentionGovernance}, false},
		{"a date without a mode", storage.Retention{RetainUntil: later}, false},
		{"a lowercase mode", storage.Retention{Mode: "compliance", RetainUntil: later}, false},
		{"year 10000 in UTC", compliance(time.Date(9999, 12, 31, 23, 30, 0, 0, time.FixedZone("-01:00", -3600))), false},
	} {
		err := tc.r.Validate()
		if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, storage.ErrInvalidRetention) {
			t.Errorf("%s: Validate() = %v, want ok %v or ErrInvalidRetention", tc.name, err, tc.ok)
		}
		if _, err := storage.VersionLock(storage.ObjectLockConfig{Enabled: true}, storage.ObjectLock{Retention: tc.r}, now); tc.ok != (err == nil) {
			t.Errorf("%s: VersionLock = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err := storage.RetentionChangeAllowed(storage.Retention{}, tc.r, false, now); tc.ok != (err == nil) {
			t.Errorf("%s: RetentionChangeAllowed = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// A write stores the retention it names, or else the bucket's default from the write's time,
// and its legal hold status; a bucket without Object Lock refuses any setting and stores none.
func TestVersionLock(t *testing.T) {
	enabled := storage.ObjectLockConfig{Enabled: true}
	withDefault := storage.ObjectLockConfig{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: storage.RetentionCompliance, Days: 1}}
	fromDefault := compliance(now.Add(24 * time.Hour))
	for _, tc := range []struct {
		name      string
		bucket    storage.ObjectLockConfig
		write     storage.ObjectLock
		retention storage.Retention
		legalHold bool
		// holdSet is the status stored: a legal hold named ON or OFF.
		holdSet bool
		err     error
	}{
		{"no lock, no settings", storage.ObjectLockConfig{}, storage.ObjectLock{}, storage.Retention{}, false, false, nil},
		{"no lock, a retention", storage.ObjectLockConfig{}, storage.ObjectLock{Retention: governance(later)}, storage.Retention{}, false, false, storage.ErrNoObjectLock},
		{"no lock, a legal hold", storage.ObjectLockConfig{}, storage.ObjectLock{LegalHold: true}, storage.Retention{}, false, false, storage.ErrNoObjectLock},
		{"lock, a default left by the configuration", storage.ObjectLockConfig{DefaultRetention: withDefault.DefaultRetention}, storage.ObjectLock{}, storage.Retention{}, false, false, nil},
		{"lock, no default, no settings", enabled, storage.ObjectLock{}, storage.Retention{}, false, false, nil},
		{"lock, no default, a retention", enabled, storage.ObjectLock{Retention: governance(later)}, governance(later), false, false, nil},
		{"lock, no default, a legal hold", enabled, storage.ObjectLock{LegalHold: true}, storage.Retention{}, true, true, nil},
		{"default applied", withDefault, storage.ObjectLock{}, fromDefault, false, false, nil},
		{"default applied with a legal hold", withDefault, storage.ObjectLock{LegalHold: true}, fromDefault, true, true, nil},
		{"default not applied to a retention named", withDefault, storage.ObjectLock{Retention: governance(after)}, governance(after), false, false, nil},
		{"no lock, a legal hold OFF", storage.ObjectLockConfig{}, storage.ObjectLock{LegalHoldSet: true}, storage.Retention{}, false, false, storage.ErrNoObjectLock},
		{"lock, a legal hold OFF", enabled, storage.ObjectLock{LegalHoldSet: true}, storage.Retention{}, false, true, nil},
		{"default applied with a legal hold OFF", withDefault, storage.ObjectLock{LegalHoldSet: true}, fromDefault, false, true, nil},
	} {
		l, err := storage.VersionLock(tc.bucket, tc.write, now)
		r := l.Retention
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) || !r.RetainUntil.Equal(tc.retention.RetainUntil) || r.Mode != tc.retention.Mode ||
			l.LegalHold != tc.legalHold || l.LegalHoldSet != tc.holdSet {
			t.Errorf("%s: VersionLock = %+v, %v; want %+v, hold %v set %v, %v", tc.name, l, err, tc.retention, tc.legalHold, tc.holdSet, tc.err)
		}
	}
}

// An active COMPLIANCE retention is only kept or extended; an active GOVERNANCE one too, unless
// the change bypasses governance; a retention no longer active may become anything.
func TestRetentionChangeAllowed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		old, next storage.Retention
		bypass    bool
		locked    bool
	}{
		{"none to governance", storage.Retention{}, governance(later), false, false},
		{"none to compliance", storage.Retention{}, compliance(later), false, false},
		{"none to none", storage.Retention{}, storage.Retention{}, false, false},

		{"governance kept", governance(later), governance(later), false, false},
		{"governance extended", governance(after), governance(later), false, false},
		{"governance shortened", governance(later), governance(after), false, true},
		{"governance shortened with bypass", governance(later), governance(after), true, false},
		{"governance removed", governance(later), storage.Retention{}, false, true},
		{"governance removed with bypass", governance(later), storage.Retention{}, true, false},
		{"governance to compliance", governance(after), compliance(later), false, true},
		{"governance to compliance with bypass", governance(after), compliance(later), true, false},

		{"compliance kept", compliance(later), compliance(later), false, false},
		{"compliance extended", compliance(after), compliance(later), false, false},
		{"compliance shortened", compliance(later), compliance(after), false, true},
		{"compliance shortened with bypass", compliance(later), compliance(after), true, true},
		{"compliance removed with bypass", compliance(later), storage.Retention{}, true, true},
		{"compliance to governance", compliance(after), governance(later), false, true},
		{"compliance to governance with bypass", compliance(after), governance(later), true, true},

		{"governance until now, removed", governance(now), storage.Retention{}, false, false},
		{"compliance until now, shortened", compliance(now), compliance(before), false, false},
		{"compliance expired, to governance", compliance(before), governance(later), false, false},
		{"compliance a millisecond ahead, removed", compliance(after), storage.Retention{}, true, true},
	} {
		wantLocked(t, tc.name, storage.RetentionChangeAllowed(tc.old, tc.next, tc.bypass, now), tc.locked)
	}
}

// A legal hold forbids every delete; an active retention every delete but a bypass of
// GOVERNANCE; a retention no longer active none.
func TestDeleteAllowed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		r         storage.Retention
		legalHold bool
		bypass    bool
		locked    bool
	}{
		{"nothing", storage.Retention{}, false, false, false},
		{"nothing, with bypass", storage.Retention{}, false, true, false},
		{"governance", governance(later), false, false, true},
		{"governance with bypass", governance(later), false, true, false},
		{"compliance", compliance(later), false, false, true},
		{"compliance with bypass", compliance(later), false, true, true},
		{"compliance a millisecond ahead", compliance(after), false, false, true},
		{"compliance until now", compliance(now), false, false, false},
		{"governance expired", governance(before), false, false, false},
		{"legal hold", storage.Retention{}, true, false, true},
		{"legal hold with bypass", storage.Retention{}, true, true, true},
		{"legal hold, expired retention", compliance(before), true, false, true},
		{"legal hold, governance with bypass", governance(later), true, true, true},
	} {
		wantLocked(t, tc.name, storage.DeleteAllowed(tc.r, tc.legalHold, tc.bypass, now), tc.locked)
	}
}

// The settings of a write are none only without a retention and a legal hold status, OFF
// included.
func TestObjectLockIsZero(t *testing.T) {
	for _, tc := range []struct {
		lock storage.ObjectLock
		want bool
	}{
		{storage.ObjectLock{}, true},
		{storage.ObjectLock{LegalHold: true}, false},
		{storage.ObjectLock{LegalHoldSet: true}, false},
		{storage.ObjectLock{Retention: governance(later)}, false},
	} {
		if got := tc.lock.IsZero(); got != tc.want {
			t.Errorf("%+v.IsZero() = %v, want %v", tc.lock, got, tc.want)
		}
	}
}
