//go:build unix

package probe

import (
	"errors"
	"net/netip"
	"syscall"
)

// canBindBeforeDial: on Unix a socket bound to port 0 gets its ephemeral
// port at bind time, before connect.
const canBindBeforeDial = true

// bindRaw binds the socket c to ip (any address when invalid, or of the
// other family than the socket) and port 0, and returns the endpoint the
// system chose.
func bindRaw(c syscall.RawConn, network string, ip netip.Addr) (netip.AddrPort, error) {
	var out netip.AddrPort
	var berr error
	err := c.Control(func(fd uintptr) {
		var sa syscall.Sockaddr
		if network == "tcp6" {
			a := netip.IPv6Unspecified()
			if ip.Is6() && ip.Zone() == "" {
				a = ip
			}
			sa = &syscall.SockaddrInet6{Addr: a.As16()}
		} else {
			a := netip.IPv4Unspecified()
			if ip.Is4() {
				a = ip
			}
			sa = &syscall.SockaddrInet4{Addr: a.As4()}
		}
		if berr = syscall.Bind(int(fd), sa); berr != nil {
			return
		}
		got, err := syscall.Getsockname(int(fd))
		if err != nil {
			berr = err
			return
		}
		switch a := got.(type) {
		case *syscall.SockaddrInet4:
			out = netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
		case *syscall.SockaddrInet6:
			out = netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
		default:
			berr = errors.New("unexpected socket address family")
		}
	})
	if err != nil {
		return netip.AddrPort{}, err
	}
	return out, berr
}
