package testclock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/testclock"
)

// The clock stays where it is set until advanced, by exactly what each Advance says, from any
// number of goroutines.
func TestClock(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := testclock.New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now() = %v, want %v", got, start)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { c.Advance(time.Hour) })
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(8*time.Hour); !got.Equal(want) {
		t.Errorf("after 8 advances of an hour, Now() = %v, want %v", got, want)
	}
}
