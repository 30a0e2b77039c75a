package responder

import (
	"net"
	"net/netip"
)

// isOwnAddr reports whether a is one of this host's addresses: on one of
// its interfaces, or one it can bind to all the same (a local route with
// no interface address, such as `ip route add local 198.51.100.0/24 dev
// lo`). When the interfaces cannot be listed it answers true: a callback
// the responder cannot tell is not to itself is not made.
func isOwnAddr(a netip.Addr) bool {
	a = a.Unmap()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == a {
				return true
			}
		}
	}
	return canBind(a)
}

// canBind reports whether a TCP socket can be bound to a (any port):
// only an address of this host can be.
func canBind(a netip.Addr) bool {
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, 0)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}
