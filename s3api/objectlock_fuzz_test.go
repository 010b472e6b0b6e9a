package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// wantClientError fails t unless err is an S3 error a client caused (a 4xx).
func wantClientError(t *testing.T, doc []byte, err error) {
	t.Helper()
	var e *s3err.Error
	if !errors.As(err, &e) || e.Status < http.StatusBadRequest || e.Status >= http.StatusInternalServerError {
		t.Fatalf("%q: %v: want a client error", doc, err)
	}
}

// parseObjectLockConfiguration reads what any client sends: a configuration storage accepts
// (Validate), with a period within S3's limit, or a client error; and the document
// GetObjectLockConfiguration answers for it reads back as the same configuration.
func FuzzParseObjectLockConfiguration(f *testing.F) {
	for _, seed := range []string{
		`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`,
		`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
		`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>100</Years></DefaultRetention></Rule></ObjectLockConfiguration>`,
		`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>`,
		`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>governance</Mode><Days>0</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
		`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule/></ObjectLockConfiguration>`,
		`<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>`,
		`<ObjectLockConfiguration><ObjectLockEnabled>Enabled`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		cfg, err := parseObjectLockConfiguration(doc)
		if err != nil {
			wantClientError(t, doc, err)
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%q: %+v: %v", doc, cfg, err)
		}
		if d := cfg.DefaultRetention; d != nil && (d.Days > maxRetentionDays || d.Years > maxRetentionYears) {
			t.Fatalf("%q: period %+v over S3's limit", doc, d)
		}
		answer, err := xml.Marshal(awsxml.EncodeObjectLock(cfg))
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseObjectLockConfiguration(answer)
		if err != nil || again.Enabled != cfg.Enabled || (again.DefaultRetention == nil) != (cfg.DefaultRetention == nil) ||
			again.DefaultRetention != nil && *again.DefaultRetention != *cfg.DefaultRetention {
			t.Fatalf("%s reads as %+v, %v; want %+v", answer, again, err, cfg)
		}
	})
}

// parseRetention reads what any client sends: no retention, a retention with a mode S3 spells
// that ends after now, or a client error; and the document GetObjectRetention answers for a
// retention reads back as it, to the millisecond.
func FuzzParseRetention(f *testing.F) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, seed := range []string{
		`<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>GOVERNANCE</Mode><RetainUntilDate>2100-01-01T00:00:00Z</RetainUntilDate></Retention>`,
		`<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2031-01-01T00:00:00.123456+02:00</RetainUntilDate></Retention>`,
		`<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2020-01-01T00:00:00Z</RetainUntilDate></Retention>`,
		`<Retention><Mode>governance</Mode><RetainUntilDate>2100-01-01T00:00:00Z</RetainUntilDate></Retention>`,
		`<Retention><Mode>GOVERNANCE</Mode></Retention>`,
		`<Retention/>`,
		`<LegalHold><Status>ON</Status></LegalHold>`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		r, err := parseRetention(doc, now)
		switch {
		case err != nil:
			wantClientError(t, doc, err)
			return
		case r.IsZero():
			return
		case !r.Mode.Valid() || !r.ActiveAt(now) || r.RetainUntil.Location() != time.UTC:
			t.Fatalf("%q: %+v", doc, r)
		}
		answer, err := xml.Marshal(awsxml.Retention{Mode: string(r.Mode), RetainUntilDate: xmlTime(r.RetainUntil)})
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseRetention(answer, now)
		if want := r.RetainUntil.Truncate(time.Millisecond); err != nil && want.After(now) || err == nil && (again.Mode != r.Mode || !again.RetainUntil.Equal(want)) {
			t.Fatalf("%s reads as %+v, %v; want %+v", answer, again, err, r)
		}
	})
}

// parseLegalHold reads what any client sends: ON, OFF or a client error; and the document
// GetObjectLegalHold answers reads back as the same status.
func FuzzParseLegalHold(f *testing.F) {
	for _, seed := range []string{
		`<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>ON</Status></LegalHold>`,
		`<LegalHold><Status>OFF</Status></LegalHold>`,
		`<LegalHold><Status>on</Status></LegalHold>`,
		`<LegalHold/>`,
		`<Retention><Status>ON</Status></Retention>`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		on, err := parseLegalHold(doc)
		if err != nil {
			wantClientError(t, doc, err)
			return
		}
		answer, err := xml.Marshal(awsxml.LegalHold{Status: awsxml.LegalHoldStatus(on)})
		if err != nil {
			t.Fatal(err)
		}
		if again, err := parseLegalHold(answer); err != nil || again != on {
			t.Fatalf("%s reads as %v, %v; want %v", answer, again, err, on)
		}
	})
}

// parseLockHeaders reads whatever x-amz-object-lock-* headers a write carries: a client
// error, or settings S3 would keep: a retention only from a mode and a date both given, with a
// mode S3 spells and a date after now in UTC, and a legal hold status exactly when the header
// is ON or OFF.
func FuzzParseLockHeaders(f *testing.F) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, seed := range [][3]string{
		{"GOVERNANCE", "2100-01-01T00:00:00Z", ""},
		{"COMPLIANCE", "2031-01-01T00:00:00.123+02:00", "ON"},
		{"GOVERNANCE", "2020-01-01T00:00:00Z", "OFF"},
		{"governance", "2100-01-01T00:00:00Z", ""},
		{"GOVERNANCE", "", ""},
		{"", "2100-01-01T00:00:00Z", ""},
		{"", "", "on"},
		{"GOVERNANCE", "tomorrow", ""},
		{"", "", ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, mode, until, hold string) {
		h := http.Header{}
		for name, v := range map[string]string{headerLockMode: mode, headerLockUntil: until, headerLockLegalHold: hold} {
			if v != "" {
				h.Set(name, v)
			}
		}
		l, err := parseLockHeaders(h, now)
		if err != nil {
			wantClientError(t, []byte(mode+"|"+until+"|"+hold), err)
			return
		}
		r := l.Retention
		if r.IsZero() != (mode == "") || !r.IsZero() && (!r.Mode.Valid() || string(r.Mode) != mode || !r.RetainUntil.After(now) || r.RetainUntil.Location() != time.UTC) {
			t.Fatalf("mode %q until %q: retention %+v", mode, until, r)
		}
		if l.LegalHoldSet != (hold != "") || l.LegalHold != (hold == awsxml.LegalHoldOn) || l.LegalHoldSet && hold != awsxml.LegalHoldOn && hold != awsxml.LegalHoldOff {
			t.Fatalf("legal hold %q: %+v", hold, l)
		}
	})
}

// The documents GetObjectLockConfiguration answers, byte for byte as S3 writes them (the
// shapes of API_GetObjectLockConfiguration.html).
func TestEncodeObjectLockConfiguration(t *testing.T) {
	for _, tc := range []struct {
		cfg  storage.ObjectLockConfig
		want string
	}{
		{storage.ObjectLockConfig{Enabled: true},
			`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`},
		{storage.ObjectLockConfig{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 3}},
			`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>3</Years></DefaultRetention></Rule></ObjectLockConfiguration>`},
	} {
		got, err := xml.Marshal(awsxml.EncodeObjectLock(tc.cfg))
		if err != nil || string(got) != tc.want {
			t.Errorf("%+v: %s (%v), want %s", tc.cfg, got, err, tc.want)
		}
	}
}
