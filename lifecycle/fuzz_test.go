package lifecycle_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/lifecycle"
)

// FuzzParse: Parse never panics, refuses only with an *Error, and a configuration it accepts
// encodes to a document it reads back to the same configuration, which Encode then writes
// byte for byte as before.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		doc(rule(id("rule1"), prefix("test1/"), on, days1), rule(prefix("test2/"), off, abort1, noncur1)),
		doc(rule(id("a"), anyObj, on, eodm), rule(id("b"), filter("<And>"+prefix("p")+tagAB+"<ObjectSizeGreaterThan>1</ObjectSizeGreaterThan><ObjectSizeLessThan>9</ObjectSizeLessThan></And>"), on,
			"<Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration>", noncurrent("2", "3"))),
		doc(rule(id("t"), filter(tagAB), on, "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>")),
		`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + rule(id("&amp;\u00e9"), filter("<ObjectSizeLessThan>1</ObjectSizeLessThan>"), on, days1) + "</LifecycleConfiguration>",
		doc(rule(id("x"), prefix("a\r\nb"), on, "<Expiration><Days> 7 </Days></Expiration>")),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		c, err := lifecycle.Parse(d)
		if err != nil {
			if e := (*lifecycle.Error)(nil); !errors.As(err, &e) || e.Code == "" || e.Message == "" {
				t.Fatalf("Parse error %#v is no *Error with a code and a message", err)
			}
			return
		}
		encoded := c.Encode()
		back, err := lifecycle.Parse(encoded)
		if err != nil {
			t.Fatalf("Parse(Encode) = %v\n%s", err, encoded)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("Parse(Encode) = %+v\nwant %+v\n%s", back, c, encoded)
		}
		if again := back.Encode(); string(again) != string(encoded) {
			t.Fatalf("Encode differs after a round trip:\n%s\n%s", again, encoded)
		}
	})
}

// FuzzDecide: for any version and time, Decide names a rule exactly when it takes an action,
// the action is one a version of that kind can take, and a version expiring now has Expiry's
// time at or before now.
func FuzzDecide(f *testing.F) {
	c, err := lifecycle.Parse([]byte(doc(
		rule(id("days"), filter(prefix("a")), on, expireDays("3"), noncurrent("2", "1")),
		rule(id("date"), filter("<And>"+prefix("b")+tagAB+"</And>"), on, "<Expiration><Date>2020-02-29T00:00:00Z</Date></Expiration>"),
		rule(id("marker"), anyObj, on, eodm, abort1),
		rule(id("size"), filter("<ObjectSizeGreaterThan>5</ObjectSizeGreaterThan>"), on, expireDays("1")))))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("a/x", int64(0), false, true, false, false, 0, int64(0), int64(1e9), int64(0))
	f.Add("b", int64(9), true, true, false, false, 1, int64(1e18), int64(1e6), int64(10e9))
	f.Fuzz(func(t *testing.T, key string, size int64, tag, latest, marker, only bool, newer int, modified, since, day int64) {
		v := lifecycle.Version{Key: key, Size: size, LastModified: time.Unix(0, modified), IsLatest: latest,
			DeleteMarker: marker, OnlyVersion: only, NewerNoncurrent: newer}
		if tag {
			v.Tags = []lifecycle.Tag{{Key: "a", Value: "b"}}
		}
		if !latest {
			v.NoncurrentSince = v.LastModified.Add(time.Duration(since))
		}
		clk := lifecycle.Clock{Day: time.Duration(max(day, 0))}
		now := v.LastModified.Add(time.Duration(since))
		action, rid := c.Decide(v, now, clk)
		if (action == lifecycle.None) != (rid == "") {
			t.Fatalf("Decide = %v %q", action, rid)
		}
		if action == lifecycle.ExpireCurrent && (!latest || marker) || action == lifecycle.DeleteVersion && latest && !(marker && only) {
			t.Fatalf("Decide = %v for %+v", action, v)
		}
		if at, eid := c.Expiry(v, clk); action == lifecycle.ExpireCurrent && (at.After(now) || eid != rid) {
			t.Fatalf("Decide = %v %q at %v; Expiry = %v %q", action, rid, now, at, eid)
		}
	})
}
