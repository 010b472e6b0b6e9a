package s3api

import (
	"net/http"
	"strings"
	"testing"
)

// A refusal can only apply if it names a header as net/http presents it (canonical form) and
// operations that exist.
func TestRefusalsAreWellFormed(t *testing.T) {
	for _, r := range refusals {
		if r.header == "" {
			t.Errorf("%+v: no header", r)
		}
		if name := strings.TrimSuffix(r.header, "*"); name != http.CanonicalHeaderKey(name) {
			t.Errorf("%q is not in canonical form (%q): it would never match", r.header, http.CanonicalHeaderKey(name))
		}
		for _, op := range r.ops {
			if _, ok := handlers[op]; !ok {
				t.Errorf("%q: no operation %q", r.header, op)
			}
		}
	}
}
