//go:build unix

package main

import "syscall"

// openFileLimit is the process's limit on open files. The Go runtime has already raised the
// soft limit to the hard one at start.
func openFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	return l.Cur, nil
}
