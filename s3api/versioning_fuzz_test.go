package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"
	"testing"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// parseVersioningConfiguration reads what any client sends: whatever the document, it returns
// Enabled or Suspended, or an S3 error a client caused (a 4xx), never anything else; and the
// configuration GetBucketVersioning answers for a status reads back as that status.
func FuzzParseVersioningConfiguration(f *testing.F) {
	for _, seed := range []string{
		`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`,
		`<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>`,
		`<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`,
		`<VersioningConfiguration/>`,
		`<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>`,
		`<Other><Status>Enabled</Status></Other>`,
		`<VersioningConfiguration><Status>Enabled`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		status, err := parseVersioningConfiguration(doc)
		if err != nil {
			var e *s3err.Error
			if !errors.As(err, &e) || e.Status < http.StatusBadRequest || e.Status >= http.StatusInternalServerError || status != "" {
				t.Fatalf("%q: %q, %v: want a client error alone", doc, status, err)
			}
			return
		}
		if status != storage.VersioningEnabled && status != storage.VersioningSuspended {
			t.Fatalf("%q: status %q", doc, status)
		}
		answer, err := xml.Marshal(versioningConfiguration{Status: status})
		if err != nil {
			t.Fatal(err)
		}
		if again, err := parseVersioningConfiguration(answer); err != nil || again != status {
			t.Fatalf("%s reads as %q, %v; want %q", answer, again, err, status)
		}
	})
}
