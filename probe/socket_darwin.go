//go:build darwin

package probe

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// ReadSocket reads TCP_CONNECTION_INFO (no privilege needed): the state
// and the segments a connecting socket has sent (socket_xnu.go).
func ReadSocket(c syscall.RawConn) (SocketState, error) {
	var info *unix.TCPConnectionInfo
	var err error
	if cerr := c.Control(func(fd uintptr) {
		info, err = unix.GetsockoptTCPConnectionInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_CONNECTION_INFO)
	}); cerr != nil {
		return SocketState{}, cerr
	}
	if err != nil {
		return SocketState{}, err
	}
	return xnuConnInfo{state: info.State, txPackets: info.Txpackets, txRetransmitPackets: info.Txretransmitpackets}.socketState(), nil
}
