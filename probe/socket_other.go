//go:build !linux && !darwin && !windows

package probe

import (
	"errors"
	"syscall"
)

// ReadSocket is unsupported here: the attempt waits for the data timeout.
func ReadSocket(syscall.RawConn) (SocketState, error) {
	return SocketState{}, errors.ErrUnsupported
}
