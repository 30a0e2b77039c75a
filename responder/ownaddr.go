package responder

import (
	"net"
	"net/netip"
)

// isOwnAddr reports whether a is an address of one of this host's
// interfaces. When the interfaces cannot be listed it answers true: a
// callback the responder cannot tell is not to itself is not made.
func isOwnAddr(a netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == a.Unmap() {
				return true
			}
		}
	}
	return false
}
