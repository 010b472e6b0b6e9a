package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// A command that serves sets the collector's goal to serverGCPercent, unless GOGC is set,
// even to the runtime's default.
func TestTuneGC(t *testing.T) {
	for _, tt := range []struct {
		name string
		gogc *string // nil: unset
		want int
	}{
		{"GOGC unset", nil, serverGCPercent},
		{"GOGC=100", ptr("100"), 77},
		{"GOGC=off", ptr("off"), 77},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", "")
			if tt.gogc == nil {
				os.Unsetenv("GOGC")
			} else {
				os.Setenv("GOGC", *tt.gogc)
			}
			// 77 stands for what the runtime took from the environment at start.
			prev := debug.SetGCPercent(77)
			defer debug.SetGCPercent(prev)
			tuneGC()
			if got := debug.SetGCPercent(77); got != tt.want {
				t.Errorf("GC percent %d, want %d", got, tt.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }
