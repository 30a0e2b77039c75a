//go:build windows

package probe

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// sioTCPInfo is SIO_TCP_INFO, _WSAIORW(IOC_VENDOR, 39).
const sioTCPInfo = windows.IOC_INOUT | windows.IOC_VENDOR | 39

// ReadSocket asks SIO_TCP_INFO, version 0 (no privilege needed; Windows 10
// 1703 and later): the state and SynRetrans (socket_winsock.go).
func ReadSocket(c syscall.RawConn) (SocketState, error) {
	var buf [winInfoV0Size]byte
	var n uint32
	version := uint32(0)
	var err error
	if cerr := c.Control(func(fd uintptr) {
		err = windows.WSAIoctl(windows.Handle(fd), sioTCPInfo, (*byte)(unsafe.Pointer(&version)), 4, &buf[0], uint32(len(buf)), &n, nil, 0)
	}); cerr != nil {
		return SocketState{}, cerr
	}
	if err != nil {
		return SocketState{}, err
	}
	return winSocketState(buf[:n])
}
