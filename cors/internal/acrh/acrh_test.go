package acrh_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors/internal/acrh"
)

func TestVerbatim(t *testing.T) {
	for _, c := range []struct {
		source string
		lines  []string
		ok     bool
	}{
		{"Chromium's form", []string{"authorization,content-type"}, true},
		{"blanks after commas", []string{"a, b,\tc"}, true},
		{"case kept", []string{"Content-Type"}, true},
		{"empty element", []string{"a,,b"}, false},
		{"leading comma", []string{",a"}, false},
		{"trailing comma", []string{"a,"}, false},
		{"leading blank", []string{" a"}, false},
		{"two lines", []string{"a", "b"}, false},
		{"no names", []string{""}, false},
	} {
		var n acrh.Names
		if !acrh.Parse(c.lines, &n) {
			t.Fatalf("%s: Parse refused %q", c.source, c.lines)
		}
		got, ok := n.Verbatim()
		if ok != c.ok || (ok && got != c.lines[0]) {
			t.Errorf("%s: Verbatim() = %q, %v; want ok=%v", c.source, got, ok, c.ok)
		}
	}
}

// FuzzParse: Parse never panics; a value Verbatim returns holds exactly the parsed names.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a,b", "a, b", "a,,b", " a ,b ", "x-a\tx-b", strings.Repeat(",", 9000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n acrh.Names
		if !acrh.Parse(strings.Split(s, "\n"), &n) {
			return
		}
		v, ok := n.Verbatim()
		if !ok {
			return
		}
		parts := strings.Split(v, ",")
		if len(parts) != n.Len() {
			t.Fatalf("%q: %d parts, %d names", v, len(parts), n.Len())
		}
		for i, p := range parts {
			if strings.Trim(p, " \t") != n.At(i) {
				t.Fatalf("%q: part %d %q, name %q", v, i, p, n.At(i))
			}
		}
	})
}

// Parse must read every list as the plain rule does (split on commas, trim blanks, drop empty
// items), whatever the length of a run of separators and wherever a name falls against the
// word boundaries the separator scan reads at.
func TestParseSeparatorRuns(t *testing.T) {
	var lines []string
	for _, run := range []string{",", " ", "\t", ", ", " ,\t", ",,,,,,,\t"} {
		for n := range 140 {
			sep := strings.Repeat(run, n)[:n]
			lines = append(lines, sep+"x-a"+sep, "x-a"+sep+"B,c", sep+"x"+sep+"y ,"+sep)
		}
	}
	for _, line := range lines {
		var want []string
		for _, item := range strings.Split(line, ",") {
			if item = strings.Trim(item, " \t"); item != "" {
				want = append(want, item)
			}
		}
		var n acrh.Names
		if !acrh.Parse([]string{line}, &n) {
			t.Fatalf("Parse refused %q", line)
		}
		var got []string
		for i := range n.Len() {
			got = append(got, n.At(i))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Parse(%q) = %q; want %q", line, got, want)
		}
	}
}

// The cache answers every list with that list's own echo, shares it only when it is not the
// request's own value, and answers a list again from the same memory while it holds it.
func TestEchoCache(t *testing.T) {
	var c acrh.EchoCache
	var lines []string
	for i := range 40 { // more lists than the cache holds
		lines = append(lines, fmt.Sprintf("content-type,X-Amz-Meta-%d", i))
	}
	lines = append(lines, "content-type, x-amz-date", "a\nb", "", strings.Repeat("x,,", 100))
	for range 3 {
		for _, line := range lines {
			var n acrh.Names
			if !acrh.Parse(strings.Split(line, "\n"), &n) {
				t.Fatalf("Parse refused %q", line)
			}
			echo, shared := c.Echo(&n)
			if want := n.Echo(); echo != want {
				t.Fatalf("%q: echo %q; want %q", line, echo, want)
			}
			cacheable := echo != line && !strings.Contains(line, "\n") && len(line) <= 256
			if (shared != nil) != cacheable || shared != nil && shared[0] != echo {
				t.Fatalf("%q: shared %v; want a shared echo: %v", line, shared, cacheable)
			}
			if again, shared2 := c.Echo(&n); shared != nil && (again != echo || shared2 != shared) {
				t.Fatalf("%q: asked again, got %q at %p; want %q at %p", line, again, shared2, echo, shared)
			}
		}
	}
}
