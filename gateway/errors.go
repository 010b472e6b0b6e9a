package gateway

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one configuration error, located in the file (or naming the flag) it comes from.
// Loading returns every error at once, joined with errors.Join, in file order.
type Error struct {
	File      string // the configuration file; "" for flags
	Line, Col int    // 1-based; 0 when the position is unknown
	Field     string // the key path ("policies.web-app.origins[2]") or the flag ("--allow-origin")
	Message   string
}

// Error formats e as "file:line:col: field: message", the form editors and CI annotations
// jump to.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
			if e.Col > 0 {
				fmt.Fprintf(&b, ":%d", e.Col)
			}
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// maxErrors bounds how many errors one load reports: past it, a file is more likely the wrong
// file than a file with that many mistakes, and the list would bury the first ones.
const maxErrors = 100

// errorList collects errors in the order they are found, without duplicates (a field shared
// by several routes is checked once per route).
type errorList struct {
	errs []*Error
	seen map[string]bool
	more int
}

func (l *errorList) add(e *Error) {
	s := e.Error()
	if l.seen[s] {
		return
	}
	if l.seen == nil {
		l.seen = make(map[string]bool)
	}
	l.seen[s] = true
	if len(l.errs) == maxErrors {
		l.more++
		return
	}
	l.errs = append(l.errs, e)
}

// err is every error joined, or nil, in file order: by file (in the order files were first
// named), then line and column.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	rank := map[string]int{}
	for _, e := range l.errs {
		if _, ok := rank[e.File]; !ok {
			rank[e.File] = len(rank)
		}
	}
	slices.SortStableFunc(l.errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(rank[a.File], rank[b.File]), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	errs := make([]error, 0, len(l.errs)+1)
	for _, e := range l.errs {
		errs = append(errs, e)
	}
	if l.more > 0 {
		errs = append(errs, fmt.Errorf("... and %d more errors", l.more))
	}
	return errors.Join(errs...)
}
