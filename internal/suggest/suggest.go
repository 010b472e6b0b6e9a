// Package suggest finds the word a misspelt name was meant to be, for "did you mean" in
// error messages about configuration files.
package suggest

import "strings"

// maxLen bounds the words Closest compares, whose cost is the product of the lengths: names
// in a configuration are short, and a long unknown name is no typo of one.
const maxLen = 64

// Closest returns the word of known closest to s, ignoring case, or "" when none is close: a
// word is close when at most a third of its letters (at least one, at most two) differ.
func Closest(s string, known []string) string {
	best, bestD := "", 0
	s = strings.ToLower(s)
	for _, k := range known {
		d := distance(s, strings.ToLower(k))
		limit := min(max(len(k)/3, 1), 2)
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b (insertions, deletions and
// substitutions of bytes), or a large number when either is longer than maxLen.
func distance(a, b string) int {
	if len(a) > maxLen || len(b) > maxLen {
		return maxLen
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
