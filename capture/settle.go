package capture

import (
	"cmp"
	"hash/maphash"
	"slices"
)

// Settling: the facts of an FTP session stop changing soon after it ends,
// and the tracker lets go of its bookkeeping then, whether the capture is
// read whole (ReadFile, ReadTraces) or its sessions are handed on as they
// settle (TrackerConfig.Settled, for a report written while the capture
// is read): the two read every capture alike, by construction. A session
// is settled once it can be told apart from everything still to come:
//
//   - its control connection ended (a RST, or a FIN each way) or was never
//     answered (no SYN-ACK, no byte), and is not encrypted (an encrypted
//     session's data connections are found by time alone, after every
//     readable set-up claimed its own: at the end);
//   - every data connection linked to it (linkSetups, as at the end: a
//     set-up's window closes lookupSlack after the control connection did)
//     ended too, or was never answered;
//   - none of those connections had a packet for settleQuiet seconds;
//   - every session that started before it is settled too, and no
//     connection that started before it may still turn out to be one (an
//     answered connection on another port, silent so far, whose greeting
//     would make it FTP): sessions settle in the order of their first
//     packet, and are numbered in it.
//
// The tracker then links, numbers and finishes the session, and forgets
// the bookkeeping of its connections. A packet of one of them more than
// settleQuiet after its last (a FIN retransmitted because the last ACK was
// lost, its SYN retransmitted) is counted in Evidence.LatePackets and read
// no further; another SYN on the same ports opens a connection of its own. Connections linked to no
// session are let go of too once no session still to come can link them
// (they began lookupSlack before the earliest one), ended and quiet.
// Sessions left at the end (open, encrypted, or after one of those) are
// finished by Finish, numbered after the others.
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

// Tests shrink settleQuiet and settleEvery to settle sessions in small
// captures.

// SettleQuiet is how long (capture time, seconds) a session's connections
// must be quiet for it to settle.
func SettleQuiet() float64 { return settleQuiet }

// forgetAfter is how long (capture time, seconds) the 4-tuples of the
// connections let go of are remembered, for their late packets: past the
// longest retransmission timeout, a FIN or SYN is no longer sent again.
// reorderSlack
// is how far a connection's first packet may be from the order the
// tracker saw the connections in (the reorder window: reorder.go).
const (
	forgetAfter  = maxSYNWait + 10
	reorderSlack = 2.0
	// maxSYNWait bounds the wait for a SYN retransmitted: the longest
	// retransmission timeout TCP stacks use (Linux's TCP_RTO_MAX) and
	// some.
	maxSYNWait = 125.0
)

// Settled is a run of sessions handed on while a capture is read.
type Settled struct {
	// Sessions are numbered (ID) and finished as Finish finishes them,
	// in order of their first packet: every session handed on later
	// started no earlier than the last of these.
	Sessions []*FTPSession
	// Now is the time of the last packet read when they were handed on
	// (seconds since Evidence.Start): more than settleQuiet after the last
	// packet of each of their connections.
	Now float64
	// Horizon: every session still to be handed on started after it.
	Horizon float64
	// Capture is the header of the capture read so far (Evidence.Header):
	// its start, its interface.
	Capture *Evidence
}

// handedOn are the facts of what the tracker handed on and let go of that
// the Evidence's own lists no longer hold, for the counts and checks made
// on the whole capture (ConnCount, SlicedSegments, OffControl). Only a
// tracker with TrackerConfig.Settled drops them from its lists.
type handedOn struct {
	conns                 int
	sliced, slicedControl int
	// serverPorts are the handed-on sessions' server ports; dataPorts
	// the port pairs of the other connections let go of.
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

// settleDue reports whether it is time to look for settled sessions:
// every settleTick of capture time, and every settleEvery packets.
func (t *Tracker) settleDue() bool {
	if t.ftp == nil {
		return false
	}
	t.sinceLook++
	return t.sinceLook >= settleEvery || t.last >= t.lookedAt+settleTick
}

// settle settles the sessions settled by now (t.last), if any, and lets go
// of the connections no session can link any more.
func (t *Tracker) settle() {
	f := t.ftp
	now := t.last
	t.lookedAt, t.sinceLook = now, 0
	t.forget(now)
	// In the order of their first packets, as Finish orders the
	// sessions (mostly already so: the order they were found in).
	if f.unsorted {
		slices.SortStableFunc(f.streams, func(a, b *ftpStream) int {
			return cmp.Compare(a.s.Control.FirstT(), b.s.Control.FirstT())
		})
		f.unsorted = false
	}
	pending := f.streams
	silent := t.silentSince(now)
	n := 0
	for n < len(pending) && pending[n].s.Control.FirstT() < silent && t.controlSettled(pending[n], now) {
		n++
	}
	// Linked one at a time, as at the end: a session whose data
	// connection is not over yet stops the run there (its links are
	// made again at the next look).
	var l *linker
	var sessions []*FTPSession
	ready := 0
	for _, fs := range pending[:n] {
		fs.release()
		if fs.notFTP() != "" {
			ready++
			continue
		}
		if l == nil {
			t.cands = t.candidates(pending[:n], t.cands[:0])
			l = newLinker(t.cands, nil, map[*Conn]bool{})
			clear(t.cands) // the linker has its own copy
		}
		l.link(fs.s)
		if !t.dataSettled(fs.s, now) {
			unlink(fs.s)
			break
		}
		sessions = append(sessions, fs.s)
		ready++
	}
	horizon := min(now, silent)
	if ready < len(pending) {
		horizon = min(horizon, pending[ready].s.Control.FirstT())
	}
	t.handOn(pending[:ready], sessions, now)
	t.letGo(horizon-lookupSlack, now, len(sessions) > 0)
	if t.settled != nil && (len(sessions) > 0 || horizon > t.horizon) {
		t.horizon = horizon
		t.settled(Settled{Sessions: sessions, Now: now, Horizon: horizon, Capture: t.ev.Header()})
	}
}

// silentSince is the first packet's time of the earliest connection that
// may still turn out to be an FTP session: answered, on a port that is no
// control port, no byte yet, not ended, not idle for idleFlush (a 220
// greeting would make it one, found by its banner). Now when there is
// none. Such connections are listed as they are answered (t.silent), and
// dropped from the list once they are no longer silent.
func (t *Tracker) silentSince(now float64) float64 {
	at := now
	keep := t.silent[:0]
	for _, st := range t.silent {
		c := st.c
		if c.settled || c.FirstData != nil || st.ftp != nil || st.notFTP || now-st.last > idleFlush {
			continue
		}
		if _, ended := closedAt(c); ended {
			continue
		}
		keep = append(keep, st)
		at = min(at, c.FirstT())
	}
	clear(t.silent[len(keep):])
	t.silent = keep
	return at
}

// candidates are the connections the data set-ups of the sessions of
// streams (ended) may be linked to: those of no stream, to a port one of
// the set-ups announced, that began from lookupSlack before the first of
// them to lookupSlack after the end of the last (no set-up's window
// reaches further: linkSetups), appended to out.
func (t *Tracker) candidates(streams []*ftpStream, out []*Conn) []*Conn {
	from, until := streams[0].s.Control.FirstT(), 0.0
	var ports []uint16
	for _, fs := range streams {
		from = min(from, fs.s.Control.FirstT())
		until = max(until, lastT(fs.s.Control))
		for _, ds := range fs.s.Data {
			ports = append(ports, ds.Announced.Port())
		}
	}
	slices.Sort(ports)
	ports = slices.Compact(ports)
	from, until = from-lookupSlack, until+lookupSlack
	for _, st := range t.held {
		if st.c.First.T > until+reorderSlack {
			break // held in the order they were seen
		}
		if ft := st.c.FirstT(); ft < from || ft > until || st.ftp != nil && !st.ftp.settled {
			continue // out of reach, or a control connection
		}
		if _, ok := slices.BinarySearch(ports, st.c.Responder.Port()); ok {
			out = append(out, st.c)
		}
	}
	return out
}

// controlSettled reports whether fs's control connection is over: ended
// or never answered, readable, quiet for settleQuiet.
func (t *Tracker) controlSettled(fs *ftpStream, now float64) bool {
	s := fs.s
	if s.TLS != nil && s.TLS.Encrypted {
		return false
	}
	return over(s.Control) && t.quiet(s.Control, now)
}

// over reports whether c ended, or was dialled and never answered (SYNs,
// no SYN-ACK, no byte): its facts cannot change but by its own later
// packets. A connection the capture joined midway (no SYN) with no byte
// yet is not over: it may be an idle session, whose next command comes
// minutes later.
func over(c *Conn) bool {
	_, ended := closedAt(c)
	return ended || unanswered(c)
}

// unanswered reports a connection dialled and never answered.
func unanswered(c *Conn) bool {
	return len(c.SYNs) > 0 && c.SYNACK == nil && c.FirstData == nil
}

// quietFor is how long c must have had no packet to settle: settleQuiet,
// or, for a dial never answered, twice the last gap between its SYNs (the
// dialler doubles its wait at each retry; a 3 s initial timeout waits 48 s
// before its sixth SYN) plus settleQuiet's margin over Linux's 32 s, up to
// maxSYNWait.
func quietFor(c *Conn) float64 {
	n := len(c.SYNs)
	if !unanswered(c) || n < 2 {
		return settleQuiet
	}
	gap := c.SYNs[n-1].T - c.SYNs[n-2].T
	return min(max(settleQuiet, 2*gap+3), maxSYNWait)
}

// dataSettled reports whether every connection linked to s is over.
func (t *Tracker) dataSettled(s *FTPSession, now float64) bool {
	for _, ds := range s.Data {
		if c := ds.Conn; c != nil && (!over(c) || !t.quiet(c, now)) {
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
	return now-last > quietFor(c)
}

// unlink undoes linker.link for s.
func unlink(s *FTPSession) {
	for _, ds := range s.Data {
		ds.Conn, ds.Match = nil, ""
	}
}

// handOn numbers and finishes the sessions of the settled streams ready
// (in order), forgets their streams and their connections' bookkeeping,
// and keeps them (t.kept) or hands them on (t.settled, letting go of them).
func (t *Tracker) handOn(ready []*ftpStream, sessions []*FTPSession, now float64) {
	f := t.ftp
	for _, fs := range ready {
		if proto := fs.notFTP(); proto != "" {
			t.ev.noteNotFTP(fs.s, proto) // its connection stays, as any other
		}
	}
	h := t.handedOn()
	var gone []*Conn
	for _, s := range sessions {
		t.nextID++
		number(s, t.nextID)
		if h != nil {
			h.serverPorts[s.Server.Port()] = true
			h.slicedControl += s.Control.Sliced
		}
		for _, c := range s.SessionConns() {
			if !c.settled {
				gone = append(gone, c)
				t.settleConn(c, now)
			}
		}
	}
	if t.settled == nil {
		t.kept = append(t.kept, sessions...)
	} else if len(gone) > 0 {
		control := make(map[*Conn]bool, len(sessions))
		for _, s := range sessions {
			control[s.Control] = true
		}
		for _, c := range gone {
			t.countHanded(c, control[c])
		}
		t.ev.Conns = slices.DeleteFunc(t.ev.Conns, func(c *Conn) bool { return c.settled })
	}
	if len(ready) == 0 {
		return
	}
	for _, fs := range ready {
		fs.settled = true
	}
	f.streams = slices.DeleteFunc(f.streams, func(fs *ftpStream) bool { return fs.settled })
	f.open = slices.DeleteFunc(f.open, func(st *connState) bool { return st.ftp.settled })
}

// letGo lets go of the connections that began before `before` (no
// session to come can link them), over and quiet, but for the control
// connections of sessions not settled yet.
func (t *Tracker) letGo(before, now float64, settledSessions bool) {
	var gone []*Conn
	for _, st := range t.held {
		c := st.c
		if c.First.T > before+reorderSlack {
			break // held in the order they were seen
		}
		if c.settled || c.FirstT() >= before || st.ftp != nil && !st.ftp.settled || !over(c) || !t.quiet(c, now) {
			continue
		}
		gone = append(gone, c)
		t.settleConn(c, now)
	}
	if len(gone) > 0 && t.settled != nil {
		for _, c := range gone {
			t.countHanded(c, false)
		}
		t.ev.Conns = slices.DeleteFunc(t.ev.Conns, func(c *Conn) bool { return c.settled })
	}
	if len(gone) > 0 || settledSessions {
		t.held = slices.DeleteFunc(t.held, func(st *connState) bool { return st.c.settled })
	}
}

// settleConn finishes connection c at now and forgets its bookkeeping,
// remembering its 4-tuple for its late packets (forget).
func (t *Tracker) settleConn(c *Conn, now float64) {
	t.finishConn(c, now)
	c.settled = true
	k := keyOf(c.Initiator, c.Responder)
	if st := t.conns[k]; st != nil && st.c == c {
		delete(t.conns, k)
		if t.lastConn == st {
			t.lastKey, t.lastConn = connKey{}, nil
		}
		if t.gone == nil {
			t.gone, t.goneSeed = map[uint64]goneConn{}, maphash.MakeSeed()
		}
		h := t.tupleHash(k)
		t.gone[h] = goneConn{at: now, isn: st.isn, ok: st.haveISN}
		t.goneOrder = append(t.goneOrder, goneAt{h, now})
	}
}

// handedOn is where a tracker handing sessions on counts what it let go
// of; nil when it keeps everything (no TrackerConfig.Settled).
func (t *Tracker) handedOn() *handedOn {
	if t.settled == nil {
		return nil
	}
	h := &t.ev.handed
	if h.serverPorts == nil {
		h.serverPorts, h.dataPorts = map[uint16]bool{}, map[[2]uint16]bool{}
	}
	return h
}

// countHanded counts connection c, let go of, in the capture's totals.
func (t *Tracker) countHanded(c *Conn, control bool) {
	h := t.handedOn()
	h.conns++
	h.sliced += c.Sliced
	if !control {
		h.dataPorts[[2]uint16{c.Initiator.Port(), c.Responder.Port()}] = true
	}
}

// forget drops the 4-tuples let go of more than forgetAfter ago (in
// the order they were let go of: goneOrder, from goneHead on).
func (t *Tracker) forget(now float64) {
	n := 0
	for _, o := range t.goneOrder[t.goneHead:] {
		if now-o.at <= forgetAfter {
			break
		}
		if g, ok := t.gone[o.tuple]; ok && g.at == o.at {
			delete(t.gone, o.tuple) // not let go of again since
		}
		n++
	}
	if t.goneHead += n; t.goneHead > len(t.goneOrder)/2 {
		// Those left move to the start of the array once most of it is
		// dropped: appending reuses it.
		t.goneOrder = t.goneOrder[:copy(t.goneOrder, t.goneOrder[t.goneHead:])]
		t.goneHead = 0
	}
}

// goneAt is a 4-tuple let go of (tupleHash), and when.
type goneAt struct {
	tuple uint64
	at    float64
}

// tupleHash is the 4-tuple's key in gone: 64 bits of a seeded hash, so
// that thousands of 4-tuples let go of cost the collector nothing to scan
// (a false match, one in 2^64, would count a packet as late).
func (t *Tracker) tupleHash(k connKey) uint64 {
	return maphash.Comparable(t.goneSeed, k)
}

// goneConn is what is remembered of a connection let go of: when, and
// its initial sequence number (isn, when ok), that tells its own SYN
// retransmitted from a new connection's SYN on the same ports.
type goneConn struct {
	at  float64
	isn uint32
	ok  bool
}

// late reports whether a segment on key (syn: a SYN without ACK, with
// sequence number seq) belongs to a connection let go of, and counts it;
// another SYN opens a new one.
func (t *Tracker) late(key connKey, syn bool, seq uint32) bool {
	h := t.tupleHash(key)
	g, ok := t.gone[h]
	if !ok {
		return false
	}
	if syn && (!g.ok || g.isn != seq) {
		delete(t.gone, h)
		return false
	}
	t.ev.LatePackets++
	return true
}
