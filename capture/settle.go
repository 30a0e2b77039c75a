package capture

import (
	"cmp"
	"slices"
)

// Handing sessions on while the capture is read (TrackerConfig.Settled):
// a capture of thousands of sessions would otherwise be held whole until
// its last packet, although each session's facts stop changing soon after
// it ends. A session is settled, and handed on, once it can be told
// apart from everything still to come:
//
//   - its control connection ended (a RST, or a FIN each way) and is not
//     encrypted (an encrypted session's data connections are found by
//     time alone, after every readable set-up claimed its own: at the end);
//   - every data connection linked to it (linkSetups, exactly as at the
//     end: the set-up's window closes lookupSlack after the control
//     connection did) ended too, or was never answered;
//   - none of those connections had a packet for settleQuiet seconds;
//   - every session that started before it is settled too (sessions are
//     handed on in the order of their first packet, numbered as Finish
//     numbers them).
//
// The tracker then lets go of the session, of its stream and of its
// connections: a packet of one of them arriving later than settleQuiet
// after its last is read as the packet of a connection of its own (no
// SYN: midstream), as a connection first seen then would be. The sessions
// left at the end are in Finish's Evidence, numbered after those handed
// on.
var (
	// settleQuiet is longer than every wait the analysis measures against
	// the capture's end (report's outlivedWait, 10 s), than the gap
	// between two SYN retransmissions of a dial being given up (32 s on
	// Linux), and than the slack linking and grouping allow.
	settleQuiet = 35.0
	// settleEvery is how many packets pass between two looks, at most;
	// and settleTick how much capture time (seconds).
	settleEvery = 1 << 14
	settleTick  = 1.0
)

// Tests shrink settleQuiet and settleEvery to hand sessions on in small
// captures.

// Settled is a run of sessions handed on while a capture is read.
type Settled struct {
	// Sessions are numbered (ID) and finished as Finish finishes them,
	// in order of their first packet: every session handed on later
	// started no earlier than the last of these.
	Sessions []*FTPSession
	// Now is the time of the last packet read when they were handed on
	// (seconds since Evidence.Start): at least settleQuiet after the last
	// packet of each of their connections.
	Now float64
	// Horizon: every session still to be handed on started after it.
	Horizon float64
	// Capture is the header of the capture read so far (Evidence.Header):
	// its start, its interface.
	Capture *Evidence
	// OffControl is Evidence.OffControl of the capture read so far: once
	// true it stays so, unless a later session's server listens on a port
	// of every connection that made it true.
	OffControl bool
}

// handedOn are the facts of what the tracker handed on and let go of that
// the Evidence's own lists no longer hold, for the counts and checks made
// on the whole capture (ConnCount, SlicedSegments, OffControl).
type handedOn struct {
	conns                 int
	sliced, slicedControl int
	// serverPorts are the handed-on sessions' server ports; dataPorts
	// the port pairs of their data connections.
	serverPorts map[uint16]bool
	dataPorts   map[[2]uint16]bool
}

// Header is ev without its lists (connections, sessions, those that
// were not FTP) and without what was handed on: the facts of the capture
// as a whole that a session's analysis may read, safe to keep while the
// tracker goes on.
func (ev *Evidence) Header() *Evidence {
	h := *ev
	h.Conns, h.Sessions, h.NotFTP, h.UnansweredInboundSYNs = nil, nil, nil, nil
	h.handed = handedOn{}
	return &h
}

// ConnCount is the number of TCP connections the capture showed, those
// handed on included.
func (ev *Evidence) ConnCount() int { return len(ev.Conns) + ev.handed.conns }

// SlicedSegments counts the TCP segments the snap length cut short, all
// and those of FTP control connections, handed-on ones included.
func (ev *Evidence) SlicedSegments() (all, control int) {
	all, control = ev.handed.sliced, ev.handed.slicedControl
	for _, c := range ev.Conns {
		all += c.Sliced
	}
	for _, s := range ev.Sessions {
		control += s.Control.Sliced
	}
	return all, control
}

// OffControl reports whether the capture holds a TCP connection on no
// port of an FTP session's server: it was not filtered down to the
// control connections, so a data connection missing from it did not pass
// the capture point.
func (ev *Evidence) OffControl() bool {
	ports := map[uint16]bool{}
	control := map[*Conn]bool{}
	for p := range ev.handed.serverPorts {
		ports[p] = true
	}
	for _, s := range ev.Sessions {
		control[s.Control] = true
		ports[s.Server.Port()] = true
	}
	for pp := range ev.handed.dataPorts {
		if !ports[pp[0]] && !ports[pp[1]] {
			return true
		}
	}
	for _, c := range ev.Conns {
		if !control[c] && !ports[c.Responder.Port()] && !ports[c.Initiator.Port()] {
			return true
		}
	}
	return false
}

// settleDue reports whether it is time to look for settled sessions.
func (t *Tracker) settleDue() bool {
	return t.settled != nil && (t.ev.Packets%settleEvery == 0 || t.last >= t.lookedAt+settleTick)
}

// settle hands on the sessions settled by now (t.last), if any.
func (t *Tracker) settle() {
	f := t.ftp
	now := t.last
	t.lookedAt = now
	pending := slices.Clone(f.streams)
	slices.SortStableFunc(pending, func(a, b *ftpStream) int {
		return cmp.Compare(a.s.Control.FirstT(), b.s.Control.FirstT())
	})
	n := 0
	for n < len(pending) && t.controlSettled(pending[n], now) {
		n++
	}
	if n == 0 {
		return
	}
	ready := pending[:n]
	var sessions []*FTPSession
	for _, fs := range ready {
		fs.release()
		if fs.notFTP() == "" {
			sessions = append(sessions, fs.s)
		}
	}
	// What settled is handed on in the order of the first packets, as
	// Finish orders the sessions.
	linkSetups(sessions, t.candidates(sessions), nil, map[*Conn]bool{})
	// A session whose data connection is not over yet stops the run
	// there: its links and those of the sessions after it are made again
	// at the next look.
	for i, s := range sessions {
		if !t.dataSettled(s, now) {
			unlink(sessions[i:])
			sessions = sessions[:i]
			ready = ready[:slices.IndexFunc(ready, func(fs *ftpStream) bool { return fs.s == s })]
			break
		}
	}
	if len(ready) == 0 {
		return
	}
	t.handOn(ready, sessions)
	horizon := now
	if len(pending) > len(ready) {
		horizon = pending[len(ready)].s.Control.FirstT()
	}
	if len(sessions) > 0 || horizon > t.horizon {
		t.horizon = horizon
		t.offControl = t.offControl || t.ev.OffControl()
		t.settled(Settled{Sessions: sessions, Now: now, Horizon: horizon, Capture: t.ev.Header(), OffControl: t.offControl})
	}
}

// candidates are the connections the data set-ups of sessions (ended)
// may be linked to: those of no stream that began from lookupSlack before
// the first of them to lookupSlack after the end of the last (no set-up's
// window reaches further: linkSetups).
func (t *Tracker) candidates(sessions []*FTPSession) []*Conn {
	if len(sessions) == 0 {
		return nil
	}
	from, until := sessions[0].Control.FirstT(), 0.0
	for _, s := range sessions {
		from = min(from, s.Control.FirstT())
		until = max(until, lastT(s.Control))
	}
	from, until = from-lookupSlack, until+lookupSlack
	var out []*Conn
	for _, c := range t.ev.Conns {
		if ft := c.FirstT(); ft < from || ft > until {
			continue
		}
		if st := t.conns[keyOf(c.Initiator, c.Responder)]; st != nil && st.c == c && st.ftp != nil {
			continue // a control connection
		}
		out = append(out, c)
	}
	return out
}

// controlSettled reports whether fs's control connection is over: ended,
// readable, quiet for settleQuiet.
func (t *Tracker) controlSettled(fs *ftpStream, now float64) bool {
	s := fs.s
	if s.TLS != nil && s.TLS.Encrypted {
		return false
	}
	_, ended := closedAt(s.Control)
	return ended && t.quiet(s.Control, now)
}

// dataSettled reports whether every connection linked to s is over.
func (t *Tracker) dataSettled(s *FTPSession, now float64) bool {
	for _, ds := range s.Data {
		c := ds.Conn
		if c == nil {
			continue
		}
		_, ended := closedAt(c)
		if !ended && (c.SYNACK != nil || c.FirstData != nil) || !t.quiet(c, now) {
			return false
		}
	}
	return true
}

// quiet reports whether c had no packet for settleQuiet seconds.
func (t *Tracker) quiet(c *Conn, now float64) bool {
	last := lastT(c)
	if st := t.conns[keyOf(c.Initiator, c.Responder)]; st != nil && st.c == c {
		last = max(last, st.last)
	}
	for _, i := range c.ICMP {
		last = max(last, i.T)
	}
	return now-last > settleQuiet
}

// unlink undoes linkSetups for sessions.
func unlink(sessions []*FTPSession) {
	for _, s := range sessions {
		for _, ds := range s.Data {
			ds.Conn, ds.Match = nil, ""
		}
	}
}

// handOn numbers and finishes the sessions of the settled streams ready
// (in order) and lets go of them and of their connections.
func (t *Tracker) handOn(ready []*ftpStream, sessions []*FTPSession) {
	f := t.ftp
	h := &t.ev.handed
	if h.serverPorts == nil {
		h.serverPorts, h.dataPorts = map[uint16]bool{}, map[[2]uint16]bool{}
	}
	gone := map[*Conn]bool{}
	for _, fs := range ready {
		if proto := fs.notFTP(); proto != "" {
			t.ev.noteNotFTP(fs.s, proto) // its connection stays, as at the end
		}
	}
	for _, s := range sessions {
		t.nextID++
		number(s, t.nextID)
		h.serverPorts[s.Server.Port()] = true
		h.slicedControl += s.Control.Sliced
		for _, c := range s.SessionConns() {
			gone[c] = true
			if c != s.Control {
				h.dataPorts[[2]uint16{c.Initiator.Port(), c.Responder.Port()}] = true
			}
		}
	}
	for c := range gone {
		t.finishConn(c, t.last)
		h.conns++
		h.sliced += c.Sliced
		k := keyOf(c.Initiator, c.Responder)
		if st := t.conns[k]; st != nil && st.c == c {
			delete(t.conns, k)
			if t.lastConn == st {
				t.lastKey, t.lastConn = connKey{}, nil
			}
		}
	}
	t.ev.Conns = slices.DeleteFunc(t.ev.Conns, func(c *Conn) bool { return gone[c] })
	isReady := make(map[*ftpStream]bool, len(ready))
	for _, fs := range ready {
		isReady[fs] = true
	}
	f.streams = slices.DeleteFunc(f.streams, func(fs *ftpStream) bool { return isReady[fs] })
	f.open = slices.DeleteFunc(f.open, func(st *connState) bool { return isReady[st.ftp] })
}
