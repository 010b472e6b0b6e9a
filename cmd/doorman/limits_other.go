//go:build !unix

package main

// openFileLimit reports no limit where there are no rlimits: the connection bound is then
// maxDefaultConnections.
func openFileLimit() (uint64, error) {
	return reservedFiles + filesPerConnection*maxDefaultConnections, nil
}
