//go:build unix

package responder

import "syscall"

// reuseAddr sets SO_REUSEADDR, so that callbacks from port 20 can run
// side by side and do not wait for TIME_WAIT.
func reuseAddr(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
