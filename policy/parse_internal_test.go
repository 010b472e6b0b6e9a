package policy

import (
	"strings"
	"testing"
)

// TestReadJSONDepth: the reader refuses a container nested deeper than the grammar allows
// before building it, and reads one at the grammar's deepest level.
func TestReadJSONDepth(t *testing.T) {
	nest := func(levels int) string {
		return strings.Repeat("[", levels-1) + "1" + strings.Repeat("]", levels-1)
	}
	tests := []struct {
		levels int
		ok     bool
	}{
		{maxDepth, true},
		{maxDepth + 1, false},
		{10000, false},
	}
	for _, tt := range tests {
		doc := `{"x":` + nest(tt.levels) + `}`
		_, err := readJSON([]byte(doc))
		if (err == nil) != tt.ok {
			t.Errorf("readJSON(%d levels) = %v, want ok %v", tt.levels, err, tt.ok)
		}
	}
}
