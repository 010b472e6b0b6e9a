// Package acrh parses the Access-Control-Request-Headers request header the way Amazon S3
// reads it: split on commas, trim blanks, drop empty items; names are compared ignoring case
// and echoed lower-cased, in request order, joined with ", ".
//
// The parser is bounded so that hostile input costs little: a value longer than MaxBytes (all
// lines together) or with more than MaxNames names is refused before or during one linear
// scan, and nothing is allocated except, when the echo differs from the input, the echo.
package acrh

import (
	"hash/maphash"
	"math/bits"
	"strings"
	"sync/atomic"

	"github.com/doorman-s3/doorman/cors/internal/wildcard"
)

const (
	// MaxBytes bounds the header's total length. Amazon S3 refuses a request whose header
	// section exceeds 8 KiB, so no longer list can ever reach a rule there.
	MaxBytes = 8 << 10
	// MaxNames bounds how many names one request may ask for. Browsers list only the
	// non-safelisted headers a script set; a hundred-odd is already far beyond real use.
	MaxNames = 128
	// MaxLines bounds how many header lines the value may be split into. Browsers send one;
	// proxies may split a long one.
	MaxLines = 32
)

// Names is a parsed list. It refers to the input's bytes rather than copying them, and keeps
// compact offsets so that a Names on the stack is cheap to set up.
type Names struct {
	lines []string
	n     int
	spans [MaxNames]span
	echo  string // the input itself when it is already the canonical echo
}

type span struct {
	line       uint8
	start, end uint16
}

// Parse reads the header's lines into dst. It reports false, leaving dst unusable, when the
// value exceeds MaxBytes or MaxNames.
func Parse(lines []string, dst *Names) bool {
	dst.lines, dst.n, dst.echo = lines, 0, ""
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	if total > MaxBytes || len(lines) > MaxLines {
		return false
	}
	for li, line := range lines {
		// One pass over the bytes: skip separators and blanks, then take the item up to the
		// next comma, less trailing blanks.
		for i := 0; i < len(line); {
			if isSeparator(line[i]) {
				// One comma before the next name is the rule; runs go to skipSeparators.
				if i+1 < len(line) && isSeparator(line[i+1]) {
					i = skipSeparators(line, i)
				} else {
					i++
				}
				continue
			}
			start := i
			// A byte at a time over a short name, strings.IndexByte past 16 bytes: the call
			// costs more than a short name's loop.
			for i < len(line) && line[i] != ',' && i-start < 16 {
				i++
			}
			if i < len(line) && line[i] != ',' {
				if j := strings.IndexByte(line[i:], ','); j >= 0 {
					i += j
				} else {
					i = len(line)
				}
			}
			end := i
			for line[end-1] == ' ' || line[end-1] == '\t' {
				end--
			}
			if dst.n == MaxNames {
				return false
			}
			dst.spans[dst.n] = span{uint8(li), uint16(start), uint16(end)}
			dst.n++
		}
	}
	if len(lines) == 1 && dst.isCanonical(lines[0]) {
		dst.echo = lines[0]
	}
	return true
}

func isSeparator(c byte) bool { return c == ',' || c == ' ' || c == '\t' }

// skipSeparators returns the index of the first byte of line at or after i that is not a
// comma or a blank, or len(line). Empty items cost Amazon S3 nothing, so a list may be a long
// run of separators that must be crossed quickly. A run of commas, the shape of a hostile
// list, is compared with commaRun in blocks of halving size, so that the runtime's vectorised
// comparison crosses it; the rest is crossed 8 bytes at a time, each 8 bytes read as one word
// and tested for all three separators at once (SWAR: SIMD within a register).
func skipSeparators(line string, i int) int {
	// The block comparisons only where a run of commas starts: before each name of an
	// ordinary list they would be seven comparisons that fail.
	if len(line)-i >= 64 && line[i+63] == ',' && line[i:i+64] == commaRun[:64] {
		for size := len(commaRun); size >= 64; size /= 2 {
			for len(line)-i >= size && line[i:i+size] == commaRun[:size] {
				i += size
			}
		}
	}
	for ; i+8 <= len(line); i += 8 {
		w := load(line[i:])
		if sep := zeroBytes(w^commas) | zeroBytes(w^blanks) | zeroBytes(w^tabs); sep != highBits {
			// The lowest byte whose high bit is clear in sep is the first that is no separator.
			return i + bits.TrailingZeros64(^sep&highBits)/8
		}
	}
	for i < len(line) && isSeparator(line[i]) {
		i++
	}
	return i
}

// commaRun is MaxBytes/2 commas: no list Parse reads holds two such runs back to back.
var commaRun = strings.Repeat(",", MaxBytes/2)

// Words of eight equal bytes.
const (
	commas   = 0x2c2c2c2c2c2c2c2c // ','
	blanks   = 0x2020202020202020 // ' '
	tabs     = 0x0909090909090909 // '\t'
	lowBits  = 0x7f7f7f7f7f7f7f7f
	highBits = 0x8080808080808080
)

// load reads s's first 8 bytes as a little-endian word: byte 0 is the lowest.
func load(s string) uint64 {
	s = s[:8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// zeroBytes sets the high bit of each byte of the result whose byte in w is zero, and clears
// every other bit. No carry crosses from one byte to the next: the low 7 bits of a byte plus
// 0x7f fit in 8 bits.
func zeroBytes(w uint64) uint64 {
	return ^((w&lowBits + lowBits) | w | lowBits)
}

// isCanonical reports whether line is exactly the names, lower case, joined with ", ".
func (n *Names) isCanonical(line string) bool {
	p := 0
	for i, s := range n.spans[:n.n] {
		if i > 0 {
			if int(s.start) != p+2 || line[p:p+2] != ", " {
				return false
			}
		} else if s.start != 0 {
			return false
		}
		if !wildcard.IsLower(line[s.start:s.end]) {
			return false
		}
		p = int(s.end)
	}
	return p == len(line)
}

// Len is the number of names.
func (n *Names) Len() int { return n.n }

// At returns the i-th name as the request wrote it (trimmed, case kept).
func (n *Names) At(i int) string {
	s := n.spans[i]
	return n.lines[s.line][s.start:s.end]
}

// Echo returns the names lower-cased and joined with ", ", as Amazon S3 writes
// Access-Control-Allow-Headers. It allocates only when that differs from the input.
func (n *Names) Echo() string {
	if n.echo != "" || n.n == 0 {
		return n.echo
	}
	size := 2 * (n.n - 1)
	for _, s := range n.spans[:n.n] {
		size += int(s.end - s.start)
	}
	var b strings.Builder
	b.Grow(size)
	for i := range n.n {
		s := n.At(i)
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

// EchoCache remembers the echoes of recent lists that Names.Echo had to build (a browser
// sends "content-type,x-amz-date", S3 answers "content-type, x-amz-date"), so that the lists a
// site's scripts send again and again are echoed without allocating. It holds at most
// echoSlots lists of at most maxCachedLine bytes each, one list per slot, a newer list
// replacing an older one. The zero value is ready; it is safe for concurrent use.
type EchoCache struct {
	slots [echoSlots]atomic.Pointer[echoEntry]
}

const (
	echoSlots     = 16
	maxCachedLine = 256
)

// echoEntry is a list and its echo; nothing writes either once the entry is stored.
type echoEntry struct {
	line string
	echo [1]string
}

var echoSeed = maphash.MakeSeed()

// Echo returns n.Echo() and, when that is not the request's own value, the same as an array
// every caller shares and nothing writes; shared is nil when the echo is the request's own
// value or the list is not one line of at most maxCachedLine bytes.
func (c *EchoCache) Echo(n *Names) (echo string, shared *[1]string) {
	if n.echo != "" || n.n == 0 || len(n.lines) != 1 || len(n.lines[0]) > maxCachedLine {
		return n.Echo(), nil
	}
	line := n.lines[0]
	slot := &c.slots[maphash.String(echoSeed, line)%echoSlots]
	if e := slot.Load(); e != nil && e.line == line {
		return e.echo[0], &e.echo
	}
	// One allocation holds both the list (copied: the request's memory is not kept) and
	// the echo.
	both := line + n.Echo()
	e := &echoEntry{line: both[:len(line)], echo: [1]string{both[len(line):]}}
	slot.Store(e)
	return e.echo[0], &e.echo
}

// Verbatim returns the request's own value when it is one line holding nothing but the
// names, each separated from the next by one comma and optional blanks, as browsers send it
// ("content-type,x-api-key"): a value that may be echoed as it is, without allocating.
func (n *Names) Verbatim() (string, bool) {
	if len(n.lines) != 1 || n.n == 0 {
		return "", false
	}
	line := n.lines[0]
	if n.spans[0].start != 0 || int(n.spans[n.n-1].end) != len(line) {
		return "", false
	}
	for i := 1; i < n.n; i++ {
		gap := line[n.spans[i-1].end:n.spans[i].start]
		if strings.Count(gap, ",") != 1 || strings.Trim(gap, ", \t") != "" {
			return "", false
		}
	}
	return line, true
}
