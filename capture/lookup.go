package capture

import "net/netip"

// lookupSlack widens a lookup window: the probe's timestamps and the
// kernel's capture timestamps come from different clocks' views of the same
// moment, and a SYN leaves a little after connect() is called.
const lookupSlack = 0.5

// FirstT is the time of the connection's first SYN, or of its first packet
// when no SYN was seen.
func (c *Conn) FirstT() float64 {
	if len(c.SYNs) > 0 {
		return c.SYNs[0].T
	}
	return c.First.T
}

// ConnsTo returns the connections whose responder has port (0: any) and
// one of addrs (none: any address), first SYN within [from-0.5s,
// until+0.5s], ordered by first SYN. Match by port and accept several
// addresses: NAT changes addresses, and the caller says which matched by
// comparing c.Responder.Addr().
func (e *Evidence) ConnsTo(addrs []netip.Addr, port uint16, from, until float64) []*Conn {
	return e.conns(func(c *Conn) netip.AddrPort { return c.Responder }, addrs, port, from, until)
}

// ConnsFrom is ConnsTo for the initiator: e.g. the server's callback in
// active mode, from port 20 or any port (0), from the control address or
// another one.
func (e *Evidence) ConnsFrom(addrs []netip.Addr, port uint16, from, until float64) []*Conn {
	return e.conns(func(c *Conn) netip.AddrPort { return c.Initiator }, addrs, port, from, until)
}

func (e *Evidence) conns(end func(*Conn) netip.AddrPort, addrs []netip.Addr, port uint16, from, until float64) []*Conn {
	if e == nil {
		return nil
	}
	var out []*Conn
	for _, c := range e.Conns {
		ap := end(c)
		if port != 0 && ap.Port() != port {
			continue
		}
		if t := c.FirstT(); t < from-lookupSlack || t > until+lookupSlack {
			continue
		}
		if len(addrs) > 0 && !hasAddr(addrs, ap.Addr()) {
			continue
		}
		out = append(out, c)
	}
	sortConns(out)
	return out
}

func hasAddr(addrs []netip.Addr, a netip.Addr) bool {
	a = a.Unmap()
	for _, b := range addrs {
		if b.Unmap() == a {
			return true
		}
	}
	return false
}
