package s3api

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// parseObjectAttributes reads what any client sends in x-amz-object-attributes: whatever the
// lines, it returns a non-empty set of the five attribute names, each of which the lines name,
// or a 400 naming what it refused, never anything else; and a list of known names reads back
// as that set whatever the spaces and line breaks around its commas.
func FuzzParseObjectAttributes(f *testing.F) {
	for _, seed := range []string{
		"ETag,Checksum,ObjectParts,StorageClass,ObjectSize",
		"ETag, Checksum, ObjectParts",
		"ObjectSize\nETag",
		" , ",
		"",
		"ETags",
		"etag",
		"ETag,,ObjectSize",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		lines := strings.Split(header, "\n")
		attrs, err := parseObjectAttributes(lines)
		if err != nil {
			var e *s3err.Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || attrs != nil {
				t.Fatalf("%q: %v, %v: want a 400 alone", header, attrs, err)
			}
			if e.Code == "InvalidArgument" && !strings.Contains(header, argumentValue(e)) {
				t.Fatalf("%q: refused %q, which it does not name", header, argumentValue(e))
			}
			return
		}
		if len(attrs) == 0 {
			t.Fatalf("%q: no attribute and no error", header)
		}
		var names []string
		for name := range attrs {
			if !objectAttributeNames[name] || !strings.Contains(header, name) {
				t.Fatalf("%q: attribute %q", header, name)
			}
			names = append(names, name)
		}
		again, err := parseObjectAttributes([]string{" " + strings.Join(names, " ,") + " "})
		if err != nil || len(again) != len(attrs) {
			t.Fatalf("%q: %v read back as %v, %v", header, names, again, err)
		}
	})
}

func argumentValue(e *s3err.Error) string {
	for _, f := range e.Extra {
		if f.Name == "ArgumentValue" {
			return f.Value
		}
	}
	return "\x00"
}
