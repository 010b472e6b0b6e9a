package lifecycle_test

import (
	"testing"
	"time"

	"github.com/doorman-s3/doorman/lifecycle"
)

func mustParse(t testing.TB, d string) *lifecycle.Configuration {
	t.Helper()
	c, err := lifecycle.Parse([]byte(d))
	if err != nil {
		t.Fatalf("Parse(%s): %v", d, err)
	}
	return c
}

func expireDays(n string) string { return "<Expiration><Days>" + n + "</Days></Expiration>" }

func noncurrent(days, newer string) string {
	s := "<NoncurrentVersionExpiration><NoncurrentDays>" + days + "</NoncurrentDays>"
	if newer != "" {
		s += "<NewerNoncurrentVersions>" + newer + "</NewerNoncurrentVersions>"
	}
	return s + "</NoncurrentVersionExpiration>"
}

// created is the AWS example's object: "created on 1/15/2014 10:30 AM UTC" with a 3-day
// expiration "expires 1/19/2014 00:00 UTC" (lifecycle-expire-general-considerations.html).
var created = date("2014-01-15T10:30:00Z")

const nano = time.Nanosecond

func TestDecide(t *testing.T) {
	current := func(key string) lifecycle.Version {
		return lifecycle.Version{Key: key, LastModified: created, IsLatest: true, Size: 100}
	}
	tagged := func(tags ...lifecycle.Tag) lifecycle.Version {
		v := current("k")
		v.Tags = tags
		return v
	}
	sized := func(size int64) lifecycle.Version {
		v := current("k")
		v.Size = size
		return v
	}
	at := func(v lifecycle.Version, lm string) lifecycle.Version {
		v.LastModified = date(lm)
		return v
	}
	marker := func(only bool) lifecycle.Version {
		return lifecycle.Version{Key: "k", LastModified: created, IsLatest: true, DeleteMarker: true, OnlyVersion: only}
	}
	old := func(newer int, deleteMarker bool) lifecycle.Version {
		return lifecycle.Version{Key: "k", LastModified: created.AddDate(-1, 0, 0), NoncurrentSince: created, NewerNoncurrent: newer, DeleteMarker: deleteMarker, Size: 100}
	}
	ab, cd := lifecycle.Tag{Key: "a", Value: "b"}, lifecycle.Tag{Key: "c", Value: "d"}
	tagFilter := filter("<And>" + tagAB + "<Tag><Key>c</Key><Value>d</Value></Tag></And>")
	test := lifecycle.Clock{Day: 10 * time.Second}
	for _, tc := range []struct {
		name, source, doc string
		v                 lifecycle.Version
		now               time.Time
		clk               lifecycle.Clock
		want              lifecycle.Action
		id                string
	}{
		{"before the rounded day", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("3"))), current("k"), date("2014-01-19T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"at the rounded day", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("3"))), current("k"), date("2014-01-19T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"explicit 24h day rounds too", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("3"))), current("k"), date("2014-01-19T00:00:00Z").Add(-nano), lifecycle.Clock{Day: 24 * time.Hour}, lifecycle.None, ""},
		{"created at midnight, not rounded further", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("1"))), at(current("k"), "2014-01-15T00:00:00Z"), date("2014-01-16T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"created just after midnight", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("1"))), at(current("k"), "2014-01-15T00:00:01Z"), date("2014-01-17T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"created just before midnight", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("1"))), at(current("k"), "2014-01-14T23:59:59Z"), date("2014-01-16T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"a zone other than UTC", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("1"))), lifecycle.Version{Key: "k", IsLatest: true, LastModified: date("2014-01-15T23:30:00-02:00")}, date("2014-01-17T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"leap day counted", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("1"))), at(current("k"), "2024-02-28T12:00:00Z"), date("2024-03-01T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"leap day due", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("1"))), at(current("k"), "2024-02-28T12:00:00Z"), date("2024-03-01T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"no leap day", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("1"))), at(current("k"), "2023-02-28T12:00:00Z"), date("2023-03-02T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"a year over a leap day", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("365"))), at(current("k"), "2024-01-01T12:00:00Z"), date("2025-01-01T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"a year over a leap day, before", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("365"))), at(current("k"), "2024-01-01T12:00:00Z"), date("2025-01-01T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"test day exact", s3tests + " (rgw_lc_debug_interval)", doc(rule(id("r"), prefix(""), on, expireDays("2"))), current("k"), created.Add(20 * time.Second), test, lifecycle.ExpireCurrent, "r"},
		{"test day not rounded", s3tests + " (rgw_lc_debug_interval)", doc(rule(id("r"), prefix(""), on, expireDays("2"))), current("k"), created.Add(20*time.Second - nano), test, lifecycle.None, ""},
		{"test day too many days", apiExp, doc(rule(id("r"), prefix(""), on, expireDays("2147483647"))), current("k"), date("9999-12-30T00:00:00Z"), lifecycle.Clock{Day: 10 * time.Second}, lifecycle.None, ""},
		{"most days of S3's day", apiExp, doc(rule(id("r"), prefix(""), on, expireDays("2147483647"))), current("k"), date("9999-12-30T00:00:00Z"), lifecycle.Clock{}, lifecycle.None, ""},
		{"date before", apiExp, doc(rule(id("r"), prefix(""), on, "<Expiration><Date>2015-01-01T00:00:00Z</Date></Expiration>")), current("k"), date("2015-01-01T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"date due", apiExp, doc(rule(id("r"), prefix(""), on, "<Expiration><Date>2015-01-01T00:00:00Z</Date></Expiration>")), current("k"), date("2015-01-01T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"date past, object newer", s3tests + " test_lifecycle_expiration_date", doc(rule(id("r"), prefix(""), on, "<Expiration><Date>2010-01-01T00:00:00Z</Date></Expiration>")), current("k"), created, test, lifecycle.ExpireCurrent, "r"},
		{"prefix other", apiFilter, doc(rule(id("r"), prefix("a/"), on, days1)), current("b/x"), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"prefix matching", apiFilter, doc(rule(id("r"), prefix("a/"), on, days1)), current("a/x"), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"disabled", apiRule + " (Status Disabled)", doc(rule(id("r"), prefix(""), off, days1)), current("k"), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"all tags and more", apiAnd, doc(rule(id("r"), tagFilter, on, days1)), tagged(cd, lifecycle.Tag{Key: "e"}, ab), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"a subset of the tags", apiAnd, doc(rule(id("r"), tagFilter, on, days1)), tagged(ab), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"a tag's other value", apiAnd, doc(rule(id("r"), tagFilter, on, days1)), tagged(ab, lifecycle.Tag{Key: "c", Value: "e"}), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"no tags", apiAnd, doc(rule(id("r"), tagFilter, on, days1)), tagged(), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"size equal to greater than", guideRules + " (ObjectSizeGreaterThan)", doc(rule(id("r"), filter("<ObjectSizeGreaterThan>100</ObjectSizeGreaterThan>"), on, days1)), sized(100), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"size above greater than", guideRules + " (ObjectSizeGreaterThan)", doc(rule(id("r"), filter("<ObjectSizeGreaterThan>100</ObjectSizeGreaterThan>"), on, days1)), sized(101), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"size equal to less than", guideRules + " (ObjectSizeLessThan)", doc(rule(id("r"), filter("<ObjectSizeLessThan>100</ObjectSizeLessThan>"), on, days1)), sized(100), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"size below less than", guideRules + " (ObjectSizeLessThan)", doc(rule(id("r"), filter("<ObjectSizeLessThan>100</ObjectSizeLessThan>"), on, days1)), sized(99), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"size greater than 0, empty", guideRules + " (ObjectSizeGreaterThan)", doc(rule(id("r"), filter("<ObjectSizeGreaterThan>0</ObjectSizeGreaterThan>"), on, days1)), sized(0), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"size greater than 0, a byte", guideRules + " (ObjectSizeGreaterThan)", doc(rule(id("r"), filter("<ObjectSizeGreaterThan>0</ObjectSizeGreaterThan>"), on, days1)), sized(1), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"no size filter, empty", guideRules, doc(rule(id("r"), anyObj, on, days1)), sized(0), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"size in a range", apiAnd, doc(rule(id("r"), filter("<And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>12</ObjectSizeLessThan></And>"), on, days1)), sized(11), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.ExpireCurrent, "r"},
		{"size out of a range", apiAnd, doc(rule(id("r"), filter("<And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>12</ObjectSizeLessThan></And>"), on, days1)), sized(12), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"the shorter expiration wins", guideRules + " (shorter expiration wins)", doc(rule(id("long"), anyObj, on, expireDays("10")), rule(id("short"), filter(prefix("k")), on, expireDays("5"))), current("k"), date("2014-01-21T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "short"},
		{"the shorter not yet due", guideRules, doc(rule(id("long"), anyObj, on, expireDays("10")), rule(id("short"), filter(prefix("k")), on, expireDays("5"))), current("k"), date("2014-01-21T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"a date before the days", guideRules, doc(rule(id("days"), anyObj, on, expireDays("10")), rule(id("date"), anyObj, on, "<Expiration><Date>2014-01-16T00:00:00Z</Date></Expiration>")), current("k"), date("2014-02-01T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "date"},
		{"same due, first rule", guideRules, doc(rule(id("one"), anyObj, on, expireDays("1")), rule(id("two"), anyObj, on, "<Expiration><Date>2014-01-17T00:00:00Z</Date></Expiration>")), current("k"), date("2014-01-17T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "one"},
		{"disabled shorter rule", apiRule, doc(rule(id("long"), anyObj, on, expireDays("10")), rule(id("short"), anyObj, off, expireDays("1"))), current("k"), date("2014-02-01T00:00:00Z"), lifecycle.Clock{}, lifecycle.ExpireCurrent, "long"},
		{"current kept by a noncurrent rule", apiNoncur, doc(rule(id("r"), anyObj, on, noncurrent("1", ""))), current("k"), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"current kept by an abort rule", apiAbort, doc(rule(id("r"), anyObj, on, abort1)), current("k"), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"expired delete marker removed", apiExp + " (ExpiredObjectDeleteMarker)", doc(rule(id("r"), anyObj, on, eodm)), marker(true), created, lifecycle.Clock{}, lifecycle.DeleteVersion, "r"},
		{"expired delete marker, marker false", apiExp, doc(rule(id("r"), anyObj, on, "<Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>")), marker(true), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"delete marker with versions kept", guideExp + " (no action if there are one or more object versions)", doc(rule(id("r"), anyObj, on, eodm), rule(id("d"), filter(prefix("k")), on, days1)), marker(false), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"expired delete marker old enough for Days", guideEx + " (Days performs ExpiredObjectDeleteMarker cleanup)", doc(rule(id("r"), anyObj, on, expireDays("3"))), marker(true), date("2014-01-19T00:00:00Z"), lifecycle.Clock{}, lifecycle.DeleteVersion, "r"},
		{"expired delete marker young for Days", guideEx, doc(rule(id("r"), anyObj, on, expireDays("3"))), marker(true), date("2014-01-19T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"expired delete marker, Date rule", guideEx, doc(rule(id("r"), anyObj, on, "<Expiration><Date>2014-01-16T00:00:00Z</Date></Expiration>")), marker(true), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"noncurrent before", apiNoncur, doc(rule(id("r"), anyObj, on, noncurrent("3", ""))), old(0, false), date("2014-01-19T00:00:00Z").Add(-nano), lifecycle.Clock{}, lifecycle.None, ""},
		{"noncurrent due", apiNoncur, doc(rule(id("r"), anyObj, on, noncurrent("3", ""))), old(0, false), date("2014-01-19T00:00:00Z"), lifecycle.Clock{}, lifecycle.DeleteVersion, "r"},
		{"noncurrent delete marker due", apiNoncur, doc(rule(id("r"), anyObj, on, noncurrent("3", ""))), old(7, true), date("2014-01-19T00:00:00Z"), lifecycle.Clock{}, lifecycle.DeleteVersion, "r"},
		{"noncurrent test day", s3tests + " test_lifecycle_noncur_expiration", doc(rule(id("r"), anyObj, on, noncurrent("2", ""))), old(0, false), created.Add(20 * time.Second), test, lifecycle.DeleteVersion, "r"},
		{"newer noncurrent kept", apiNoncur + " (NewerNoncurrentVersions)", doc(rule(id("r"), anyObj, on, noncurrent("1", "2"))), old(1, false), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"beyond the newer noncurrent", apiNoncur + " (NewerNoncurrentVersions)", doc(rule(id("r"), anyObj, on, noncurrent("1", "2"))), old(2, false), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.DeleteVersion, "r"},
		{"noncurrent kept by expiration", guideExp + " (no impact on noncurrent object versions)", doc(rule(id("r"), anyObj, on, days1)), old(0, false), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
		{"noncurrent, the shorter of two", guideRules, doc(rule(id("a"), anyObj, on, noncurrent("9", "")), rule(id("b"), filter(prefix("k")), on, noncurrent("2", ""))), old(0, false), date("2014-01-18T00:00:00Z"), lifecycle.Clock{}, lifecycle.DeleteVersion, "b"},
		{"noncurrent tags filter", apiAnd, doc(rule(id("r"), filter(tagAB), on, noncurrent("1", ""))), old(0, false), created.AddDate(1, 0, 0), lifecycle.Clock{}, lifecycle.None, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			action, rid := mustParse(t, tc.doc).Decide(tc.v, tc.now, tc.clk)
			if action != tc.want || rid != tc.id {
				t.Errorf("Decide = %v %q; want %v %q (%s)", action, rid, tc.want, tc.id, tc.source)
			}
		})
	}
}

func TestAbortUpload(t *testing.T) {
	for _, tc := range []struct {
		name, source, doc, key string
		now                    time.Time
		clk                    lifecycle.Clock
		want                   bool
		id                     string
	}{
		{"before", apiAbort, doc(rule(id("r"), prefix(""), on, abort1)), "k", date("2014-01-17T00:00:00Z").Add(-nano), lifecycle.Clock{}, false, ""},
		{"due", apiAbort + ", " + guideExp, doc(rule(id("r"), prefix(""), on, abort1)), "k", date("2014-01-17T00:00:00Z"), lifecycle.Clock{}, true, "r"},
		{"test day", s3tests + " test_lifecycle_multipart_expiration", doc(rule(id("r"), prefix(""), on, abort1)), "k", created.Add(10 * time.Second), lifecycle.Clock{Day: 10 * time.Second}, true, "r"},
		{"other prefix", apiAbort, doc(rule(id("r"), prefix("a/"), on, abort1)), "b/k", created.AddDate(1, 0, 0), lifecycle.Clock{}, false, ""},
		{"disabled", apiRule, doc(rule(id("r"), prefix(""), off, abort1)), "k", created.AddDate(1, 0, 0), lifecycle.Clock{}, false, ""},
		{"no abort rule", apiRule, doc(rule(id("r"), prefix(""), on, days1)), "k", created.AddDate(1, 0, 0), lifecycle.Clock{}, false, ""},
		{"the earlier of two", guideRules, doc(rule(id("late"), anyObj, on, "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>"), rule(id("early"), filter(prefix("k")), on, abort1)), "k", created.AddDate(1, 0, 0), lifecycle.Clock{}, true, "early"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, rid := mustParse(t, tc.doc).AbortUpload(tc.key, created, tc.now, tc.clk)
			if ok != tc.want || rid != tc.id {
				t.Errorf("AbortUpload = %v %q; want %v %q (%s)", ok, rid, tc.want, tc.id, tc.source)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	current := lifecycle.Version{Key: "k", LastModified: created, IsLatest: true}
	for _, tc := range []struct {
		name, source, doc string
		v                 lifecycle.Version
		clk               lifecycle.Clock
		want              time.Time
		id                string
	}{
		{"days", guideExp, doc(rule(id("r"), prefix(""), on, expireDays("3"))), current, lifecycle.Clock{}, date("2014-01-19T00:00:00Z"), "r"},
		{"test day", s3tests + " test_lifecycle_expiration_header_put", doc(rule(id("r"), prefix(""), on, expireDays("3"))), current, lifecycle.Clock{Day: time.Minute}, created.Add(3 * time.Minute), "r"},
		{"date", apiExp, doc(rule(id("r"), prefix(""), on, "<Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration>")), current, lifecycle.Clock{}, date("2030-01-01T00:00:00Z"), "r"},
		{"the earliest", guideRules, doc(rule(id("a"), anyObj, on, expireDays("10")), rule(id("b"), anyObj, on, expireDays("3"))), current, lifecycle.Clock{}, date("2014-01-19T00:00:00Z"), "b"},
		{"disabled", apiRule, doc(rule(id("r"), prefix(""), off, days1)), current, lifecycle.Clock{}, time.Time{}, ""},
		{"noncurrent rule only", apiNoncur, doc(rule(id("r"), prefix(""), on, noncur1)), current, lifecycle.Clock{}, time.Time{}, ""},
		{"expired object delete marker rule only", apiExp, doc(rule(id("r"), prefix(""), on, eodm)), current, lifecycle.Clock{}, time.Time{}, ""},
		{"a delete marker", guideExp, doc(rule(id("r"), prefix(""), on, days1)), lifecycle.Version{Key: "k", LastModified: created, IsLatest: true, DeleteMarker: true, OnlyVersion: true}, lifecycle.Clock{}, time.Time{}, ""},
		{"a noncurrent version", guideExp, doc(rule(id("r"), prefix(""), on, days1)), lifecycle.Version{Key: "k", LastModified: created, NoncurrentSince: created}, lifecycle.Clock{}, time.Time{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, rid := mustParse(t, tc.doc).Expiry(tc.v, tc.clk)
			if !at.Equal(tc.want) || rid != tc.id {
				t.Errorf("Expiry = %v %q; want %v %q (%s)", at, rid, tc.want, tc.id, tc.source)
			}
		})
	}
}
