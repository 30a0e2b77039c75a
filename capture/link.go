package capture

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// linkWindow is how long after its setup (seconds) a data connection may
// appear when no later setup bounds it: clients connect at once, but a
// slow client or a server's callback retry can take a while.
const linkWindow = 300

// linkData links each data setup of ev.Sessions to the connection that
// carried it, the way Wireshark's FTP dissector does but tolerant of NAT:
// by the announced port, in time order, accepting the announced address,
// the control connection's address on that side, or (last) any address
// between the session's two hosts; DataSetup.Match says which. A
// connection carries at most one setup. Encrypted sessions get their
// data connections by time and hosts alone (Inferred).
//
// Only sessions are linked (those of ev.Sessions that did not settle
// while the capture was read: settle.go), to connections that did not
// settle either.
func linkData(ev *Evidence, sessions []*FTPSession) {
	if len(sessions) == 0 {
		return
	}
	control := make(map[*Conn]bool, len(ev.Sessions))
	for _, s := range ev.Sessions {
		control[s.Control] = true
	}
	used := map[*Conn]bool{}
	for _, c := range ev.Conns {
		if c.settled {
			used[c] = true
		}
	}
	linkSetups(sessions, ev.Conns, control, used)
	linkEncrypted(ev, control, used)
}

// linkSetups links the readable data set-ups of sessions, in their order,
// to connections of conns that are not control connections nor used yet
// (marked used as they are linked).
func linkSetups(sessions []*FTPSession, conns []*Conn, control, used map[*Conn]bool) {
	l := newLinker(conns, control, used)
	for _, s := range sessions {
		l.link(s)
	}
}

// linker links sessions' data set-ups, one session at a time, to the
// connections it was given, by responder port in time order.
type linker struct {
	// byPort are the connections by responder port, each port's in the
	// order sortConns gives them (by first packet, ties in the order
	// given): one slice, not a map of one slice per port (a look for
	// settled sessions makes a linker).
	byPort []portConn
	used   map[*Conn]bool
}

// portConn is a connection with what the linker orders it by.
type portConn struct {
	port uint16
	i    int // its place among the connections given
	t    float64
	c    *Conn
}

func newLinker(conns []*Conn, control, used map[*Conn]bool) *linker {
	byPort := make([]portConn, 0, len(conns))
	for i, c := range conns {
		if !control[c] {
			byPort = append(byPort, portConn{port: c.Responder.Port(), i: i, t: c.FirstT(), c: c})
		}
	}
	slices.SortFunc(byPort, func(a, b portConn) int {
		return cmp.Or(cmp.Compare(a.port, b.port), cmp.Compare(a.t, b.t), cmp.Compare(a.i, b.i))
	})
	return &linker{byPort: byPort, used: used}
}

// port returns the connections to port p, in time order.
func (l *linker) port(p uint16) []portConn {
	i, _ := slices.BinarySearchFunc(l.byPort, p, func(pc portConn, p uint16) int { return cmp.Compare(pc.port, p) })
	j := i
	for j < len(l.byPort) && l.byPort[j].port == p {
		j++
	}
	return l.byPort[i:j]
}

// link links the readable data set-ups of s (see linkData).
func (l *linker) link(s *FTPSession) {
	used := l.used
	for i, ds := range s.Data {
		if !ds.Announced.IsValid() || ds.Announced.Port() == 0 || ds.Setup == nil {
			continue
		}
		if f := ds.Setup.Final(); (f == nil && ds.Passive) || (f != nil && !f.Completion() && !connectFailed(ds, f)) {
			// A passive set-up announced nothing without its reply. An
			// active one did in its command: servers that connect as
			// soon as PORT/EPRT arrives (pyftpdlib, Twisted) answer only
			// once their attempt ends, so its connection may come
			// before any reply, and a reply saying that attempt failed
			// (connectFailed) comes after it.
			continue
		}
		from := ds.Setup.T - lookupSlack
		until := ds.Setup.T + linkWindow
		if i+1 < len(s.Data) && s.Data[i+1].Setup != nil {
			until = s.Data[i+1].Setup.T + lookupSlack
		}
		if end, ok := closedAt(s.Control); ok {
			// The server forgets a session's data set-up when it
			// ends: a later connection to the port is another's.
			until = min(until, end+lookupSlack)
		}
		listener, dialler := s.Server, s.Client
		if !ds.Passive {
			listener, dialler = s.Client, s.Server
		}
		var best *Conn
		bestRank := 4
		for _, pc := range l.port(ds.Announced.Port()) {
			c, t := pc.c, pc.t
			if t < from {
				continue
			}
			if t > until {
				break
			}
			if used[c] {
				continue
			}
			ra := c.Responder.Addr().Unmap()
			ia := c.Initiator.Addr().Unmap()
			rank := 4
			switch {
			case ra == ds.Announced.Addr().Unmap():
				rank = 1
			case ra == listener.Addr().Unmap():
				rank = 2
			case ia == dialler.Addr().Unmap() || ia == listener.Addr().Unmap():
				rank = 3
			}
			if rank < bestRank {
				best, bestRank = c, rank
				if rank == 1 {
					break
				}
			}
		}
		if best != nil {
			used[best] = true
			ds.Conn = best
			ds.Match = []string{"", "announced", "control-address", "port-only"}[bestRank]
		}
	}
}

// connectFailed reports an active set-up whose reply says the server's
// connection to the client failed (pyftpdlib "421 Active data channel
// timed out.", "425 Can't connect to specified address.", Twisted "425
// Can't open data connection."): the server did dial, and its attempt may
// be in the capture, unlike a PORT refused outright ("500 Illegal PORT
// command.").
func connectFailed(ds *DataSetup, f *FTPReply) bool {
	return !ds.Passive && ftp.Interpret(ds.Mode, f.Reply, false).Meaning == ftp.MeaningDataConnectionFailed
}

// linkEncrypted gives encrypted sessions the connections between their two
// hosts that started while the session lasted and that no readable setup
// claimed: the ports and handshakes are all that can be said.
func linkEncrypted(ev *Evidence, control, used map[*Conn]bool) {
	type pair struct{ a, b netip.Addr }
	key := func(x, y netip.Addr) pair {
		x, y = x.Unmap(), y.Unmap()
		if x.Compare(y) > 0 {
			x, y = y, x
		}
		return pair{x, y}
	}
	var enc []*FTPSession
	for _, s := range ev.Sessions {
		if s.TLS != nil && s.TLS.Encrypted {
			enc = append(enc, s)
		}
	}
	if len(enc) == 0 {
		return
	}
	byPair := map[pair][]*Conn{}
	for _, c := range ev.Conns {
		if !control[c] && !used[c] {
			k := key(c.Initiator.Addr(), c.Responder.Addr())
			byPair[k] = append(byPair[k], c)
		}
	}
	for _, s := range enc {
		from := s.Control.FirstT()
		if s.TLS.Auth != nil {
			from = s.TLS.Auth.T
		}
		until := lastT(s.Control) + lookupSlack
		for _, c := range byPair[key(s.Client.Addr(), s.Server.Addr())] {
			t := c.FirstT()
			if used[c] || t < from || t > until {
				continue
			}
			used[c] = true
			passive := c.Initiator.Addr().Unmap() == s.Client.Addr().Unmap()
			ann := c.Responder
			s.Data = append(s.Data, &DataSetup{Announced: ann, Conn: c, Match: "encrypted", Inferred: true, Passive: passive})
			if len(s.Data) >= maxSetups {
				s.Truncated = true
				break
			}
		}
	}
}

// lastT is the time of the last fact known about a connection.
func lastT(c *Conn) float64 {
	t := c.FirstT()
	for _, r := range []*PacketRef{c.SYNACK, c.LastData, c.FINInitiator, c.FINResponder} {
		if r != nil && r.T > t {
			t = r.T
		}
	}
	for _, r := range c.RSTs {
		t = max(t, r.T)
	}
	if c.Stall != nil {
		t = max(t, c.Stall.From+c.Stall.Duration)
	}
	return t
}

// SessionConns returns the connections of one session: its control
// connection and every linked data connection, in time order.
func (s *FTPSession) SessionConns() []*Conn {
	out := []*Conn{s.Control}
	for _, ds := range s.Data {
		if ds.Conn != nil && !slices.Contains(out, ds.Conn) {
			out = append(out, ds.Conn)
		}
	}
	sortConns(out)
	return out
}

// closedAt returns when a connection ended, ok when the capture shows it
// end: a RST, or a FIN from each side (the later one).
func closedAt(c *Conn) (float64, bool) {
	if len(c.RSTs) > 0 {
		return c.RSTs[0].T, true
	}
	if c.FINInitiator != nil && c.FINResponder != nil {
		return max(c.FINInitiator.T, c.FINResponder.T), true
	}
	return 0, false
}
