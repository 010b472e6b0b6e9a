package main

import (
	"os"
	"runtime/debug"
)

// serverGCPercent is the garbage collector's goal for the commands that serve (serve and
// gateway) when the environment sets no GOGC: the heap may grow to five times what is live
// before a collection, where Go's default lets it double.
//
// Under load, a request allocates a few kilobytes that die with it, and the live heap is small
// (buckets, compiled CORS configurations, caches, the connections' buffers): at GOGC=100 the
// collector ran so often that its marking and the allocations' assists were a fifth to a
// third of a preflight's or a GET's CPU time (BENCHMARKS.md, "The garbage collector's goal").
// Five times a small live heap is still small; GOMEMLIMIT, when set, bounds it as usual, and
// GOGC, when set, is the operator's choice and is left alone.
const serverGCPercent = 400

// tuneGC sets the collector's goal of a command that serves, unless GOGC is set.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
	}
}
