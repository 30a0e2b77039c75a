package probe

import (
	"context"
	"net"
	"net/netip"
	"syscall"
)

// dialBound dials address with d. When d is a plain *net.Dialer it binds
// the socket before connecting (where the system allows it, bind_unix.go),
// so the local endpoint is known even when the connection fails: a capture
// joins the attempt's unanswered SYNs by that 4-tuple, not by a time
// window; and it hands the socket to onSocket (when not nil) before
// connect, so its TCP state can be read while it connects. bindIP is the
// local address to bind (invalid: any address, only the port is then
// known before the connection is up). local is the connection's local
// endpoint once connected, else the one bound, else invalid.
func dialBound(ctx context.Context, d Dialer, bindIP netip.Addr, address string, onSocket func(syscall.RawConn)) (conn net.Conn, local netip.AddrPort, err error) {
	nd, ok := d.(*net.Dialer)
	bind := ok && nd.LocalAddr == nil && canBindBeforeDial
	if !ok || (!bind && onSocket == nil) {
		conn, err = d.DialContext(ctx, "tcp", address)
		if conn != nil {
			local = addrPortOf(conn.LocalAddr())
		}
		return conn, local, err
	}
	cp := *nd
	prev, prevPlain := cp.ControlContext, cp.Control
	cp.Control = nil
	cp.ControlContext = func(ctx context.Context, network, addr string, c syscall.RawConn) error {
		switch {
		case prev != nil:
			if err := prev(ctx, network, addr, c); err != nil {
				return err
			}
		case prevPlain != nil:
			if err := prevPlain(network, addr, c); err != nil {
				return err
			}
		}
		if onSocket != nil {
			onSocket(c)
		}
		if !bind {
			return nil
		}
		// A failed bind leaves the socket unbound: connect binds it as
		// usual and only the connected endpoint is known.
		if ap, err := bindRaw(c, network, bindIP); err == nil {
			local = ap
		}
		return nil
	}
	conn, err = cp.DialContext(ctx, "tcp", address)
	if conn != nil {
		local = addrPortOf(conn.LocalAddr())
	}
	return conn, local, err
}
