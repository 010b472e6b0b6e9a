package suggest_test

import (
	"testing"

	"github.com/doorman-s3/doorman/internal/suggest"
)

func TestClosest(t *testing.T) {
	known := []string{"AllowedOrigins", "AllowedMethods", "MaxAgeSeconds", "ID"}
	for _, c := range []struct{ in, want string }{
		{"AllowedOrigin", "AllowedOrigins"},
		{"allowedorigins", "AllowedOrigins"},
		{"AlowedMethod", "AllowedMethods"},
		{"MaxAge", ""},
		{"Id", "ID"},
		{"IP", "ID"},
		{"XY", ""},
		{string(make([]byte, 100)), ""},
	} {
		if got := suggest.Closest(c.in, known); got != c.want {
			t.Errorf("Closest(%.20q) = %q, want %q", c.in, got, c.want)
		}
	}
}
