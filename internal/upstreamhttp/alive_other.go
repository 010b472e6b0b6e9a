//go:build !unix

package upstreamhttp

import "net"

// alive cannot peek at a connection here: a pooled one is taken to be open, and a request
// that is not replayable fails (502) when the upstream closed it meanwhile.
func alive(net.Conn) bool { return true }
