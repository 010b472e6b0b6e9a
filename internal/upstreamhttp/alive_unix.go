//go:build unix

package upstreamhttp

import (
	"net"
	"syscall"
	"time"
)

// alive reports whether a pooled connection is still open: the upstream has neither closed
// it (a read would see its end) nor sent a byte no request asked for. It peeks without
// waiting, so it costs one system call.
func alive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	_ = c.SetReadDeadline(time.Time{})
	open := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = n < 0 && (err == syscall.EAGAIN || err == syscall.EWOULDBLOCK)
		return true
	})
	return err == nil && open
}
