//go:build unix

package main

import (
	"os"
	"syscall"
	"testing"
)

// sighup sends SIGHUP to the test's own process, which the running command has subscribed to
// (before its start line was printed).
func sighup(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
}
