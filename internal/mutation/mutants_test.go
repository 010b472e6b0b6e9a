package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestMutantsMatchTheCode keeps the list in step with the code on every test run, without
// running a mutation: each snippet occurs exactly once in its file, differs from its
// replacement, and names tests with a valid -run filter.
func TestMutantsMatchTheCode(t *testing.T) {
	root := filepath.Join("..", "..")
	names := map[string]bool{}
	for _, m := range mutants {
		if names[m.Name] {
			t.Errorf("%s: the name is used twice", m.Name)
		}
		names[m.Name] = true
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m.File)))
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		if n := bytes.Count(src, []byte(m.From)); n != 1 {
			t.Errorf("%s: the snippet occurs %d times in %s", m.Name, n, m.File)
		}
		if m.From == m.To {
			t.Errorf("%s: the replacement changes nothing", m.Name)
		}
		if len(m.Tests) == 0 {
			t.Errorf("%s: no tests named", m.Name)
		}
		for _, tc := range m.Tests {
			if _, err := regexp.Compile(tc.Run); err != nil {
				t.Errorf("%s: -run %q: %v", m.Name, tc.Run, err)
			}
		}
	}
}
