// Package acrh parses the Access-Control-Request-Headers request header the way Amazon S3
// reads it: split on commas, trim blanks, drop empty items; names are compared ignoring case
// and echoed lower-cased, in request order, joined with ", ".
//
// The parser is bounded so that hostile input costs little: a value longer than MaxBytes (all
// lines together) or with more than MaxNames names is refused before or during one linear
// scan, and nothing is allocated except, when the echo differs from the input, the echo.
package acrh

import (
	"strings"

	"github.com/doorman-s3/doorman/cors/internal/wildcard"
)

const (
	// MaxBytes bounds the header's total length. Amazon S3 refuses a request whose header
	// section exceeds 8 KiB, so no longer list can ever reach a rule there.
	MaxBytes = 8 << 10
	// MaxNames bounds how many names one request may ask for. Browsers list only the
	// non-safelisted headers a script set; a hundred-odd is already far beyond real use.
	MaxNames = 128
)

// Names is a parsed list. Keep it on the stack: it holds its names in place.
type Names struct {
	n     int
	names [MaxNames]string
	echo  string // the input itself when it is already the canonical echo
}

// Parse reads the header's lines into dst. It reports false, leaving dst unusable, when the
// value exceeds MaxBytes or MaxNames.
func Parse(lines []string, dst *Names) bool {
	dst.n, dst.echo = 0, ""
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	if total > MaxBytes {
		return false
	}
	for _, line := range lines {
		// One pass over the bytes: skip separators and blanks, then take the item up to the
		// next comma, less trailing blanks.
		for i := 0; i < len(line); {
			if c := line[i]; c == ',' || c == ' ' || c == '\t' {
				i++
				continue
			}
			start := i
			for i < len(line) && line[i] != ',' {
				i++
			}
			end := i
			for line[end-1] == ' ' || line[end-1] == '\t' {
				end--
			}
			if dst.n == MaxNames {
				return false
			}
			dst.names[dst.n] = line[start:end]
			dst.n++
		}
	}
	if len(lines) == 1 && isCanonical(lines[0], dst.names[:dst.n]) {
		dst.echo = lines[0]
	}
	return true
}

// isCanonical reports whether line is exactly names, lower case, joined with ", ".
func isCanonical(line string, names []string) bool {
	p := 0
	for i, n := range names {
		if i > 0 {
			if !strings.HasPrefix(line[p:], ", ") {
				return false
			}
			p += 2
		}
		if !strings.HasPrefix(line[p:], n) || !wildcard.IsLower(n) {
			return false
		}
		p += len(n)
	}
	return p == len(line)
}

// Len is the number of names.
func (n *Names) Len() int { return n.n }

// At returns the i-th name as the request wrote it (trimmed, case kept).
func (n *Names) At(i int) string { return n.names[i] }

// Echo returns the names lower-cased and joined with ", ", as Amazon S3 writes
// Access-Control-Allow-Headers. It allocates only when that differs from the input.
func (n *Names) Echo() string {
	if n.echo != "" || n.n == 0 {
		return n.echo
	}
	size := 2 * (n.n - 1)
	for _, s := range n.names[:n.n] {
		size += len(s)
	}
	var b strings.Builder
	b.Grow(size)
	for i, s := range n.names[:n.n] {
		if i > 0 {
			b.WriteString(", ")
		}
		for j := 0; j < len(s); j++ {
			c := s[j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}
