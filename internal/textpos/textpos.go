// Package textpos turns byte offsets into the line and column an editor shows, for the
// decoders and the linter that point at a place in a configuration document.
package textpos

import (
	"bytes"
	"unicode/utf8"
)

// LineCol turns a byte offset in data into a 1-based line and column, the column counted in
// characters as editors count them. An offset outside data is clamped to it.
func LineCol(data []byte, off int64) (line, col int) {
	before := data[:min(max(off, 0), int64(len(data)))]
	start := bytes.LastIndexByte(before, '\n') + 1
	return 1 + bytes.Count(before, []byte("\n")), 1 + utf8.RuneCount(before[start:])
}
