//go:build !unix

package main

import "testing"

// sighup: a process cannot send itself SIGHUP here.
func sighup(t *testing.T) {
	t.Skip("no SIGHUP on this system")
}
