// Package testclock is a clock that tests set and move, for code that takes its time from a
// function (a store's lock decisions, the edge cache's TTLs, the console's sessions) rather than
// from the wall clock, so that hours can pass in a test without waiting for them.
package testclock

import (
	"sync"
	"time"
)

// Clock is a time that only moves when told; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock set at t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time; pass the method where a func() time.Time is taken.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
