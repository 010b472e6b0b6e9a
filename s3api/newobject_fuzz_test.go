package s3api

import (
	"errors"
	"net/http"
	"testing"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// writeConditions reads whatever If-Match and If-None-Match a write carries: the conditions
// S3 accepts, If-Match with an ETag or If-None-Match: * and never both, taken as sent, or 501
// NotImplemented naming the header, as S3 answers the others
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html); a header
// is never ignored.
func FuzzWriteConditions(f *testing.F) {
	for _, seed := range [][2]string{
		{`"0123456789abcdef0123456789abcdef"`, ""},
		{"", "*"},
		{"*", ""},
		{"", `"etag"`},
		{`"etag"`, "*"},
		{"", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, ifMatch, ifNoneMatch string) {
		h := http.Header{}
		if ifMatch != "" {
			h.Set("If-Match", ifMatch)
		}
		if ifNoneMatch != "" {
			h.Set("If-None-Match", ifNoneMatch)
		}
		c, err := writeConditions(h)
		if err != nil {
			var e *s3err.Error
			if !errors.As(err, &e) || e.Status != http.StatusNotImplemented {
				t.Fatalf("If-Match %q If-None-Match %q: %v, want 501", ifMatch, ifNoneMatch, err)
			}
			if ifMatch != "*" && (ifMatch == "" || ifNoneMatch == "") && (ifNoneMatch == "" || ifNoneMatch == "*") {
				t.Fatalf("If-Match %q If-None-Match %q refused: %v", ifMatch, ifNoneMatch, err)
			}
			return
		}
		if c.IfMatch != ifMatch || c.IfNoneMatch != (ifNoneMatch == "*") || ifNoneMatch != "" && ifNoneMatch != "*" ||
			c.IfMatch == "*" || c.IfMatch != "" && c.IfNoneMatch {
			t.Fatalf("If-Match %q If-None-Match %q: %+v", ifMatch, ifNoneMatch, c)
		}
	})
}
