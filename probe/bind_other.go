//go:build !unix

package probe

import (
	"errors"
	"net/netip"
	"syscall"
)

// canBindBeforeDial: elsewhere (Windows binds inside ConnectEx) the local
// endpoint is read once the connection is up.
const canBindBeforeDial = false

func bindRaw(syscall.RawConn, string, netip.Addr) (netip.AddrPort, error) {
	return netip.AddrPort{}, errors.ErrUnsupported
}
