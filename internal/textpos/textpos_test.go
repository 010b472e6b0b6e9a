package textpos_test

import (
	"testing"

	"github.com/doorman-s3/doorman/internal/textpos"
)

func TestLineCol(t *testing.T) {
	doc := []byte("ab\ncé\nx")
	tests := []struct {
		off       int64
		line, col int
	}{
		{-1, 1, 1},  // clamped to the start
		{0, 1, 1},   // the first character
		{2, 1, 3},   // the newline ends line 1
		{3, 2, 1},   // the first character of line 2
		{6, 2, 3},   // after "cé": é is one character, two bytes
		{7, 3, 1},   // line 3
		{100, 3, 2}, // clamped to the end
	}
	for _, tt := range tests {
		if line, col := textpos.LineCol(doc, tt.off); line != tt.line || col != tt.col {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
		}
	}
}
