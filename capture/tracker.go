package capture

import (
	"cmp"
	"hash/maphash"
	"net/netip"
	"slices"
	"time"

	"github.com/ftpdiag/ftpdiag/capture/tlsdecrypt"
	"github.com/gopacket/gopacket/layers"
)

// Bounds that keep a tracker's memory fixed however long the capture runs.
const (
	// DefaultMaxConns caps the connections tracked: a probe opens tens, a
	// trace of a busy server may hold more, and 100k conns is ~50 MB.
	DefaultMaxConns = 100_000
	// DefaultStallAfter is the gap without new data that counts as a stall:
	// longer than a few RTOs on any sane path, short enough for a probe.
	DefaultStallAfter = 2 * time.Second
	// maxFacts caps each per-connection list (SYNs, RSTs, ICMP errors): a
	// handful tells the story, thousands would only cost memory.
	maxFacts = 32
	// maxHoles caps the sequence holes followed per direction: past it
	// the oldest is no longer followed (its bytes stay counted missing).
	maxHoles = 16
)

// connKey is a 4-tuple (keyOf: with the lower endpoint first, so both
// directions of a connection share a key): the addresses in 16 bytes each
// (IPv4 in the first 4, as fastHdr holds them), fam telling IPv4 ones
// (bit 0: a's, bit 1: b's) from IPv6 ones. Unlike
// netip's, it holds no pointer, and no padding: the map of thousands of
// connections costs the collector nothing to scan, and hashing or
// comparing a key is one run of bytes. Addresses read from packets carry
// no zone.
type connKey struct {
	a, b   [16]byte
	ap, bp uint16
	fam    uint32
}

// connKeyOf is the key of the 4-tuple from x to y, in that order.
func connKeyOf(x, y netip.AddrPort) connKey {
	a, fa := keyAddr(x.Addr())
	b, fb := keyAddr(y.Addr())
	return connKey{a: a, b: b, ap: x.Port(), bp: y.Port(), fam: fa | fb<<1}
}

// keyAddr is a's 16 bytes in a connKey, and 1 for an IPv4 address.
func keyAddr(a netip.Addr) ([16]byte, uint32) {
	if a.Is4() {
		var b [16]byte
		v4 := a.As4()
		copy(b[:], v4[:])
		return b, 1
	}
	return a.As16(), 0
}

// key is the connection key of the segment h was read from.
func (h *fastHdr) key() connKey {
	fam := uint32(3)
	if h.v6 {
		fam = 0
	}
	if h.swap {
		return connKey{a: h.dst, b: h.src, ap: h.dstPort, bp: h.srcPort, fam: fam}
	}
	return connKey{a: h.src, b: h.dst, ap: h.srcPort, bp: h.dstPort, fam: fam}
}

// keyOf is the key of the connection between x and y, either way.
func keyOf(x, y netip.AddrPort) connKey {
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	return connKeyOf(x, y)
}

// seqState follows one direction's sequence space.
type seqState struct {
	next uint32 // one past the highest byte seen
	have bool
	// holes are ranges below next not seen yet, oldest first, at most
	// maxHoles: a later segment in one fills it (reordered, not resent).
	holes []seqRange
}

// seqRange is the bytes [from, to) of a sequence space.
type seqRange struct{ from, to uint32 }

// connState is the tracker's bookkeeping for one Conn; nothing in it holds
// payload bytes.
type connState struct {
	c            *Conn
	isn          uint32
	haveISN      bool
	dir          [2]seqState // 0: from the initiator, 1: from the responder
	started      bool        // data has flowed
	closed       bool        // a FIN or RST was seen
	lastProgress float64
	ftp          *ftpStream   // control-stream reassembly (ftpstream.go)
	notFTP       bool         // checked: not an FTP control connection
	tls          *tlsFollow   // TLS records followed (tlsconn.go)
	tlsOff       bool         // began like TLS and was not: no longer looked at
	early        *earlySynAck // a SYN-ACK seen before any SYN (handshakeFirst)
	// rstAck is the acknowledgment of a first RST seen before any SYN
	// (rstAckOK: its ACK flag was set), for answeredFirst.
	rstAck   uint32
	rstAckOK bool
	// last is the time of its last packet (settle).
	last float64
	// localNoted: its initiator is in Tracker.local (controlCommands),
	// where it stays: noted once, not on each command.
	localNoted bool
}

// Tracker turns decoded packets into Evidence. It is not safe for
// concurrent use; the live capture feeds it from one goroutine.
type Tracker struct {
	ev    *Evidence
	conns map[connKey]*connState
	// lastKey and lastConn are the connection of the previous segment:
	// a bulk transfer's segments come in runs, and comparing the key
	// costs less than hashing it (the map entry of a key is only ever
	// replaced by newConn, which updates them).
	lastKey     connKey
	lastConn    *connState
	dec         *decoder
	controlPort uint16
	stallAfter  float64
	maxConns    int
	activePorts map[uint16]bool
	local       map[netip.Addr]bool
	last        float64
	// startNanos is the start in Unix nanoseconds, when addNanos set it
	// (nanosOK).
	startNanos int64
	nanosOK    bool
	finished   bool
	ftp        *ftpTracker // nil unless TrackerConfig.FTPSessions
	tlsHeld    tlsHeld     // bytes held by the TLS followers (tlsconn.go)
	// settled, when set, is handed the sessions settled while the
	// capture is read (settle.go); kept holds them otherwise. nextID
	// numbers them, horizon is the last Settled.Horizon given, lookedAt
	// the time of the last look; gone are the 4-tuples of the connections
	// let go of, with when.
	settled  func(Settled)
	kept     []*FTPSession
	nextID   int
	horizon  float64
	lookedAt float64
	gone     map[uint64]goneConn
	goneSeed maphash.Seed
	// held are the connections not settled yet, in order of creation;
	// sinceLook counts the packets since the last look.
	held      []*connState
	silent    []*connState // answered, on no control port, no byte yet (silentSince)
	cands     []*Conn      // candidates' buffer, reused from look to look
	sinceLook int
	goneOrder []goneAt // gone's keys, oldest first (a key let go of twice is in twice)
	goneHead  int      // goneOrder[:goneHead] are forgotten
}

// TrackerConfig sets up a Tracker; zero fields take the defaults.
type TrackerConfig struct {
	Start       time.Time // zero: the first packet's time
	ControlPort uint16    // default 21
	StallAfter  time.Duration
	MaxConns    int
	// ActivePorts and LocalAddrs define "inbound SYN to an active-mode
	// port". With no LocalAddrs any responder address qualifies.
	ActivePorts []uint16
	LocalAddrs  []netip.Addr
	// FTPSessions turns on control-stream reassembly: Evidence.Sessions
	// gets every FTP dialogue, on ControlPorts (default 21) or recognised
	// by its 220 greeting on another port.
	FTPSessions  bool
	ControlPorts []uint16
	// KeyLog, when set, decrypts FTPS control connections whose secrets
	// it holds (capture/tlsdecrypt): their dialogue is read as clear text.
	KeyLog *tlsdecrypt.KeyLog
	// Settled, when set with FTPSessions, is handed the sessions whose
	// facts can no longer change as soon as they are (settle.go), and the
	// tracker lets go of them: Finish's Evidence holds only the sessions
	// left. It is called on the goroutine that adds the packets.
	Settled func(Settled)
}

// NewTracker returns a Tracker that fills a new Evidence.
func NewTracker(cfg TrackerConfig) *Tracker {
	t := &Tracker{
		ev:          &Evidence{Available: true, Start: cfg.Start, Conns: []*Conn{}},
		conns:       map[connKey]*connState{},
		dec:         newDecoder(),
		controlPort: cfg.ControlPort,
		stallAfter:  cfg.StallAfter.Seconds(),
		maxConns:    cfg.MaxConns,
		activePorts: map[uint16]bool{},
		local:       map[netip.Addr]bool{},
	}
	if t.controlPort == 0 {
		t.controlPort = 21
	}
	if cfg.StallAfter <= 0 {
		t.stallAfter = DefaultStallAfter.Seconds()
	}
	if t.maxConns <= 0 {
		t.maxConns = DefaultMaxConns
	}
	for _, p := range cfg.ActivePorts {
		t.WatchPort(p)
	}
	for _, a := range cfg.LocalAddrs {
		t.local[a.Unmap()] = true
	}
	if cfg.FTPSessions {
		t.ftp = newFTPTracker(cfg.ControlPorts, cfg.KeyLog)
		t.settled = cfg.Settled
	}
	return t
}

// WatchPort marks a local port as an active-mode listening port.
func (t *Tracker) WatchPort(port uint16) {
	if port != 0 {
		t.activePorts[port] = true
	}
}

// Add feeds one frame of link type lt: when is its capture time, packet its
// 1-based number in the written pcapng (0 if none is written). The tracker
// keeps no reference to data.
func (t *Tracker) Add(lt layers.LinkType, data []byte, when time.Time, packet int) {
	t.add(lt, data, when, packet)
}

// add is Add returning the decoded view, so the live capture can redact the
// same frame without decoding it twice.
func (t *Tracker) add(lt layers.LinkType, data []byte, when time.Time, packet int) *view {
	if t.ev.Start.IsZero() {
		t.ev.Start = when
	}
	return t.addAt(lt, data, nil, when.Sub(t.ev.Start).Seconds(), packet)
}

// addNanos is add for a frame whose headers were read already (h, nil if
// not: a trace's reader reads them as the frame comes in, pipeline.go),
// captured at Unix nanoseconds at: the seconds since the start are those
// of add, without a time.Time for each packet.
func (t *Tracker) addNanos(lt layers.LinkType, data []byte, h *fastHdr, at int64, packet int) *view {
	if t.ev.Start.IsZero() {
		t.ev.Start = time.Unix(0, at).UTC()
		t.startNanos, t.nanosOK = at, true
	}
	d := at - t.startNanos
	if !t.nanosOK || d > 1<<62 || d < -1<<62 || (at >= t.startNanos) != (d >= 0) {
		// Another start, or a difference time.Time.Sub might saturate.
		return t.addAt(lt, data, h, time.Unix(0, at).UTC().Sub(t.ev.Start).Seconds(), packet)
	}
	return t.addAt(lt, data, h, time.Duration(d).Seconds(), packet)
}

// addAt is add for a frame at seconds since the start. It returns nil for
// a frame read without a view (plain).
func (t *Tracker) addAt(lt layers.LinkType, data []byte, h *fastHdr, at float64, packet int) *view {
	t.ev.Packets++
	if at > t.last {
		t.last = at
	}
	var v *view
	if h == nil || !h.ok || !t.plain(h, len(data), PacketRef{T: at, Packet: packet}) {
		v = t.dec.decodeParsed(lt, data, h)
		if v != nil {
			t.account(v, len(data), PacketRef{T: at, Packet: packet})
		}
	}
	// Every packet moves the capture's time on, TCP or not: a look for
	// settled sessions comes after the packet was read.
	if t.settleDue() {
		t.settle()
	}
	return v
}

// account reads one decoded packet of data bytes into the facts.
func (t *Tracker) account(v *view, data int, ref PacketRef) {
	if v.isTCP && !v.whole {
		t.ev.Snaplen = max(t.ev.Snaplen, data)
	}
	switch {
	case v.isTCP:
		t.tcp(v, ref)
	case v.isICMP && icmpError(v.v6, v.icmpType):
		t.icmp(v, ref)
	}
}

func (t *Tracker) tcp(v *view, ref PacketRef) {
	tcp := v.tcp
	src := netip.AddrPortFrom(v.src, uint16(tcp.SrcPort))
	dst := netip.AddrPortFrom(v.dst, uint16(tcp.DstPort))
	var key connKey
	switch v.order {
	case orderKept:
		key = connKeyOf(src, dst)
	case orderSwapped:
		key = connKeyOf(dst, src)
	default:
		key = keyOf(src, dst)
	}
	st := t.lastConn
	if st == nil || key != t.lastKey {
		st = t.conns[key]
		t.lastKey, t.lastConn = key, st
	}
	syn := tcp.SYN && !tcp.ACK
	if syn && st != nil && (st.c.Initiator != src || !st.haveISN || st.isn != tcp.Seq) {
		switch {
		case answeredFirst(st, src, dst, tcp.Seq, ref):
			// The RST answering this SYN, stamped a little before it: the
			// same connection, seen from its SYN.
			st.c.Initiator, st.c.Responder, st.c.Midstream, st.c.First = src, dst, false, ref
			st.c.RSTs[0].From = SideResponder
		case handshakeFirst(st, src, dst, tcp.Seq, ref):
			// The rest of this SYN's handshake, stamped a little before it.
			st.fromSYN(src, dst, ref)
		default:
			st = nil // a new connection on a reused 4-tuple
		}
	}
	if st == nil {
		if t.gone != nil && t.late(key, syn, tcp.Seq) {
			return
		}
		ini, res := src, dst
		mid := !syn
		if tcp.SYN && tcp.ACK {
			ini, res = dst, src
		} else if mid && src.Port() < dst.Port() {
			// No handshake seen: guess the ephemeral (higher) port opened it.
			ini, res = dst, src
		}
		st = t.newConn(key, ini, res, ref, mid)
		if st == nil {
			return
		}
	}
	c := st.c
	c.Packets++
	st.last = ref.T
	d := 0
	if src != c.Initiator {
		d = 1
	}
	switch {
	case syn:
		if len(c.SYNs) == 0 && st.ftp != nil {
			t.ftp.unsorted = true // its first SYN makes its first packet (FirstT)
		}
		if len(c.SYNs) < maxFacts {
			c.SYNs = append(c.SYNs, ref)
		}
		if !st.haveISN {
			st.isn, st.haveISN = tcp.Seq, true
			st.dir[0] = seqState{next: tcp.Seq + 1, have: true}
		}
		if m := mssOption(tcp); m > 0 {
			c.MSSInitiator = m
		}
	case tcp.SYN && tcp.ACK:
		if st.early == nil && len(c.SYNs) == 0 {
			st.early = &earlySynAck{ref: ref, from: src, seq: tcp.Seq, ack: tcp.Ack, mss: mssOption(tcp)}
		}
		if d == 1 && c.SYNACK == nil {
			c.SYNACK = at(&c.refs.synack, ref)
			if t.ftp != nil && st.ftp == nil && !st.notFTP && c.FirstData == nil {
				t.silent = append(t.silent, st) // it may still greet (silentSince)
			}
			st.dir[1] = seqState{next: tcp.Seq + 1, have: true}
			if m := mssOption(tcp); m > 0 {
				c.MSSResponder = m
			}
		}
	}
	if t.ftp != nil {
		t.ftp.segment(t, st, d, v, t.dec.ttlOf(v), ref)
	}
	if v.payloadLen > 0 && !v.whole {
		c.Sliced++
	}
	if v.payloadLen > 0 && !tcp.SYN {
		t.tlsSegment(st, d, tcp.Seq, tcp.Payload, v.startsHello(), max(0, v.payloadLen-len(tcp.Payload)), ref)
		t.data(st, d, tcp.Seq, v.payloadLen, ref)
		if d == 0 && c.Responder.Port() == t.controlPort && v.whole {
			t.controlCommands(st, tcp.Payload)
		}
	}
	if tcp.FIN {
		if d == 0 && c.FINInitiator == nil {
			c.FINInitiator = at(&c.refs.finInitiator, ref)
		} else if d == 1 && c.FINResponder == nil {
			c.FINResponder = at(&c.refs.finResponder, ref)
		}
		t.close(st, ref.T)
	}
	if tcp.RST {
		side := SideInitiator
		if d == 1 {
			side = SideResponder
		}
		if len(c.RSTs) == 0 && len(c.SYNs) == 0 {
			// What it acknowledges tells the SYN it may answer, stamped
			// after it (answeredFirst).
			st.rstAck, st.rstAckOK = tcp.Ack, tcp.ACK
		}
		if len(c.RSTs) < maxFacts {
			c.RSTs = append(c.RSTs, RSTFact{PacketRef: ref, From: side})
		}
		t.close(st, ref.T)
	}
}

// plainOff turns plain off, for the test that it reads every segment it
// takes as tcp would.
var plainOff = false

// plain reads, from the headers the reader read (h, of a frame of frame
// bytes), a segment that only moves its connection's counts: one of a
// connection the tracker follows already that neither a control stream,
// a TLS follower nor the command watch reads (a data connection's, the
// bulk of a capture), without FIN or RST (h holds no SYN). It does what
// account and tcp would do with it, without decoding the frame into a
// view, and reports whether it took the segment.
func (t *Tracker) plain(h *fastHdr, frame int, ref PacketRef) bool {
	if plainOff || t.ftp == nil || h.flags&(tcpFIN|tcpRST) != 0 {
		return false
	}
	key := h.key()
	st := t.lastConn
	if st == nil || key != t.lastKey {
		if st = t.conns[key]; st == nil {
			return false
		}
		t.lastKey, t.lastConn = key, st
	}
	n := int(h.payloadLen)
	if st.ftp != nil || !st.notFTP || n > 0 && !st.tlsOff && (st.tls != nil || h.hello != helloNo) {
		return false // a control stream, maybe one, or TLS followed or to follow
	}
	c := st.c
	d := 0
	if netip.AddrPortFrom(h.srcAddr(), h.srcPort) != c.Initiator {
		d = 1
	}
	if d == 0 && n > 0 && c.Responder.Port() == t.controlPort {
		return false // the command watch reads it (controlCommands)
	}
	whole := n == h.captured()
	if !whole {
		t.ev.Snaplen = max(t.ev.Snaplen, frame)
	}
	c.Packets++
	st.last = ref.T
	if n > 0 {
		if !whole {
			c.Sliced++
		}
		t.data(st, d, h.seq, n, ref)
	}
	return true
}

// answerSkew is how far before a SYN a RST answering it may be stamped:
// the queues of a multi-queue NIC, or interfaces merged into one file,
// stamp packets by clocks that differ by microseconds, so an answer that
// came microseconds after its SYN can sort before it. A millisecond covers
// that and is far less than any gap between two connections that reuse
// one 4-tuple.
const answerSkew = 0.001

// answeredFirst reports whether st is only a RST from dst, seen at most
// answerSkew before the SYN from src at ref with sequence number seq, that
// acknowledges that SYN: the answer to that SYN, stamped before it, not a
// connection of its own.
func answeredFirst(st *connState, src, dst netip.AddrPort, seq uint32, ref PacketRef) bool {
	c := st.c
	if !c.Midstream || st.haveISN || len(c.SYNs) > 0 || c.SYNACK != nil || c.FirstData != nil || len(c.RSTs) != 1 {
		return false
	}
	if !st.rstAckOK || st.rstAck != seq+1 {
		return false // it answers no SYN of this sequence number
	}
	r := c.RSTs[0]
	from := c.Initiator
	if r.From == SideResponder {
		from = c.Responder
	}
	return from == dst && ref.T-r.T <= answerSkew && ref.T >= r.T
}

// earlySynAck is a SYN-ACK a connection showed before any SYN.
type earlySynAck struct {
	ref      PacketRef
	from     netip.AddrPort
	seq, ack uint32
	mss      int
}

// handshakeFirst reports whether st is only the rest of the handshake of
// the SYN from src to dst with sequence number seq at ref (its SYN-ACK,
// the ACK after it), seen at most answerSkew before that SYN: the clocks
// that stamp packets differ by microseconds, so the answer can sort
// before its SYN. No byte, RST or SYN of its own, and a SYN-ACK, if any,
// from dst acknowledging this SYN.
func handshakeFirst(st *connState, src, dst netip.AddrPort, seq uint32, ref PacketRef) bool {
	c := st.c
	if !c.Midstream || st.haveISN || len(c.SYNs) > 0 || c.FirstData != nil || len(c.RSTs) > 0 ||
		c.FINInitiator != nil || c.FINResponder != nil ||
		c.BytesFromInitiator > 0 || c.BytesFromResponder > 0 || ref.T < c.First.T || ref.T-c.First.T > answerSkew {
		return false
	}
	return st.early == nil || (st.early.from == dst && st.early.ack == seq+1)
}

// fromSYN makes st the connection the SYN from src to dst at ref opened,
// its SYN-ACK the one seen before it (handshakeFirst).
func (st *connState) fromSYN(src, dst netip.AddrPort, ref PacketRef) {
	c := st.c
	if c.Initiator != src {
		// The ends were guessed the other way round (no handshake was
		// seen yet): so were the directions' states, and the control
		// stream's client side if one was begun.
		st.dir[0], st.dir[1] = st.dir[1], st.dir[0]
		if fs := st.ftp; fs != nil {
			fs.client = 1 - fs.client
			fs.dir[0], fs.dir[1] = fs.dir[1], fs.dir[0]
		}
	}
	c.Initiator, c.Responder, c.Midstream, c.First = src, dst, false, ref
	if e := st.early; e != nil && c.SYNACK == nil {
		c.SYNACK = at(&c.refs.synack, e.ref)
		st.dir[1] = seqState{next: e.seq + 1, have: true}
		if e.mss > 0 {
			c.MSSResponder = e.mss
		}
	}
}

func (t *Tracker) newConn(key connKey, ini, res netip.AddrPort, ref PacketRef, mid bool) *connState {
	held := len(t.ev.Conns)
	if t.ftp != nil {
		held = len(t.held) // not those settled (settle.go), read whole or not
	}
	if held >= t.maxConns {
		t.ev.UntrackedPackets++
		return nil
	}
	c := &Conn{Initiator: ini, Responder: res, First: ref, Midstream: mid}
	c.SYNs = c.refs.syn[:0] // the first SYN in place, a second reallocates
	st := &connState{c: c}
	t.conns[key] = st
	t.lastKey, t.lastConn = key, st
	t.ev.Conns = append(t.ev.Conns, c)
	if t.ftp != nil {
		t.held = append(t.held, st)
	}
	return st
}

// data accounts a segment of n payload bytes at seq from direction d.
func (t *Tracker) data(st *connState, d int, seq uint32, n int, ref PacketRef) {
	c := st.c
	if d == 0 {
		c.MaxSegmentFromInitiator = max(c.MaxSegmentFromInitiator, n)
	} else {
		c.MaxSegmentFromResponder = max(c.MaxSegmentFromResponder, n)
	}
	s := &st.dir[d]
	end := seq + uint32(n)
	fresh := n
	switch {
	case !s.have:
		s.next, s.have = end, true
	case seqLEQ(end, s.next):
		// Seen before, unless it fills a hole (it came late). A one-byte
		// segment just below next is a keepalive.
		fresh = s.fill(c, seq, end)
		if fresh < n && !(n == 1 && seq+1 == s.next) {
			c.Retransmits++
		}
	case seqLT(seq, s.next):
		// Overlaps old data: resent with new bytes (or fills a hole).
		filled := s.fill(c, seq, s.next)
		if filled < int(s.next-seq) {
			c.Retransmits++
		}
		fresh = int(end-s.next) + filled
		s.next = end
	default:
		// The bytes before seq are missing, unless a later segment
		// brings them.
		s.hole(c, s.next, seq)
		s.next = end
	}
	if fresh == 0 {
		return
	}
	if d == 0 {
		c.BytesFromInitiator += int64(fresh)
	} else {
		c.BytesFromResponder += int64(fresh)
	}
	if c.FirstData == nil {
		c.FirstData = at(&c.refs.firstData, ref)
	}
	// Moved in place, not allocated per segment.
	if c.LastData == nil {
		c.LastData = at(&c.refs.lastData, ref)
	} else {
		*c.LastData = ref
	}
	if st.started && !st.closed {
		t.stall(st, ref.T)
	}
	st.started, st.lastProgress = true, ref.T
}

// hole notes the bytes [from, to) as missing.
func (s *seqState) hole(c *Conn, from, to uint32) {
	n := to - from
	if n == 0 || n >= 1<<30 {
		return // none, or not a hole but a jump no sane stack makes
	}
	c.GapBytes += int64(n)
	if len(s.holes) == maxHoles {
		s.holes = s.holes[1:] // the oldest stays missing, no longer followed
	}
	s.holes = append(s.holes, seqRange{from, to})
}

// fill takes [from, to) out of the holes and returns how many missing
// bytes it brought.
func (s *seqState) fill(c *Conn, from, to uint32) int {
	if len(s.holes) == 0 {
		return 0
	}
	got := 0
	keep := s.holes[:0:0]
	for _, h := range s.holes {
		lo, hi := h.from, h.to
		if seqLT(lo, from) {
			lo = from
		}
		if seqLT(to, hi) {
			hi = to
		}
		if !seqLT(lo, hi) { // no overlap
			keep = append(keep, h)
			continue
		}
		got += int(hi - lo)
		if seqLT(h.from, lo) {
			keep = append(keep, seqRange{h.from, lo})
		}
		if seqLT(hi, h.to) {
			keep = append(keep, seqRange{hi, h.to})
		}
	}
	if len(keep) > maxHoles {
		keep = keep[len(keep)-maxHoles:]
	}
	s.holes = keep
	c.GapBytes -= int64(got)
	return got
}

// close notes a FIN or RST: a gap before it counts as a stall, none after.
func (t *Tracker) close(st *connState, at float64) {
	if st.closed {
		return
	}
	if st.started {
		t.stall(st, at)
	}
	st.closed = true
}

// stall records the gap from the last progress to at if it is long enough
// and the longest seen on the connection.
func (t *Tracker) stall(st *connState, at float64) {
	gap := at - st.lastProgress
	if gap < t.stallAfter {
		return
	}
	if st.c.Stall == nil || gap > st.c.Stall.Duration {
		st.c.Stall = &Stall{From: st.lastProgress, Duration: gap}
	}
}

// icmp attaches an ICMP error to the connection whose packet it quotes.
func (t *Tracker) icmp(v *view, ref PacketRef) {
	q, ok := parseQuoted(v.icmpInner, v.v6)
	if !ok {
		return
	}
	key := keyOf(q.src, q.dst)
	st := t.conns[key]
	if st == nil && t.gone != nil && t.late(key, false, 0) {
		return // about a connection let go of (settle.go)
	}
	if st == nil {
		// The quoted packet itself was not captured: the ICMP error is the
		// only trace of the attempt.
		if st = t.newConn(key, q.src, q.dst, ref, true); st == nil {
			return
		}
	}
	if len(st.c.ICMP) >= maxFacts {
		return
	}
	st.c.ICMP = append(st.c.ICMP, ICMPFact{
		PacketRef: ref,
		From:      v.src.String(),
		V6:        v.v6,
		Type:      int(v.icmpType),
		Code:      int(v.icmpCode),
		Text:      icmpText(v.v6, v.icmpType, v.icmpCode, v.icmpExtra),
	})
}

// controlCommands learns active-mode ports and this host's address from
// PORT and EPRT commands on a control connection, so that a trace read
// from a file reports unanswered callbacks too. Nothing is kept of the
// payload itself.
func (t *Tracker) controlCommands(st *connState, payload []byte) {
	if !st.localNoted {
		t.local[st.c.Initiator.Addr().Unmap()] = true
		st.localNoted = true
	}
	for line := range splitLines(payload) {
		if ap, ok := parsePortCommand(line); ok {
			t.WatchPort(ap.Port())
			t.local[ap.Addr().Unmap()] = true
		}
	}
}

// Finish closes the books at end (the capture's end; zero: the last
// packet) and returns the Evidence. Later calls return the same Evidence.
func (t *Tracker) Finish(end time.Time) *Evidence {
	if t.finished {
		return t.ev
	}
	t.finished = true
	if t.ftp != nil {
		t.ftp.finish(t.ev, t.kept, t.nextID)
	}
	at := t.last
	if !end.IsZero() && !t.ev.Start.IsZero() {
		at = max(at, end.Sub(t.ev.Start).Seconds())
	}
	for _, c := range t.ev.Conns {
		if !c.settled {
			t.finishConn(c, at)
		}
	}
	t.conns, t.lastConn, t.gone, t.held, t.goneOrder, t.silent = nil, nil, nil, nil, nil, nil // the bookkeeping is no longer needed
	return t.ev
}

// finishConn puts down what only the end of connection c's facts tells,
// at (seconds since Start): the stall it was in, its TLS records, whether
// it was still open, whether it is an inbound SYN nobody answered.
func (t *Tracker) finishConn(c *Conn, at float64) {
	st := t.conns[keyOf(c.Initiator, c.Responder)]
	if st != nil && st.c == c && st.started && !st.closed {
		t.stall(st, at)
	}
	if st != nil && st.c == c && st.tls != nil {
		st.tls.finish()
	}
	c.OpenAtEnd = (c.SYNACK != nil || c.FirstData != nil) && len(c.RSTs) == 0 &&
		(c.FINInitiator == nil || c.FINResponder == nil)
	if c.SYNACK == nil && len(c.SYNs) > 0 && t.activePorts[c.Responder.Port()] &&
		(len(t.local) == 0 || t.local[c.Responder.Addr().Unmap()]) {
		t.ev.UnansweredInboundSYNs = append(t.ev.UnansweredInboundSYNs, c)
	}
}

// mssOption returns the MSS option of a SYN or SYN-ACK, 0 if absent.
func mssOption(tcp *layers.TCP) int {
	for _, o := range tcp.Options {
		if o.OptionType == layers.TCPOptionKindMSS && len(o.OptionData) == 2 {
			return int(o.OptionData[0])<<8 | int(o.OptionData[1])
		}
	}
	return 0
}

// seqLT and seqLEQ compare sequence numbers modulo 2^32 (RFC 1982).
func seqLT(a, b uint32) bool { return int32(a-b) < 0 }

// seqIndex finds seq in pend, sorted by sequence number (seqOf), in
// sequence space: where it is or would be inserted, and whether it is there.
// The control stream's and the TLS follower's out-of-order segments share it.
func seqIndex[T any](pend []T, seq uint32, seqOf func(T) uint32) (int, bool) {
	return slices.BinarySearchFunc(pend, seq, func(x T, s uint32) int {
		switch xs := seqOf(x); {
		case seqLT(xs, s):
			return -1
		case xs == s:
			return 0
		}
		return 1
	})
}
func seqLEQ(a, b uint32) bool { return int32(a-b) <= 0 }

// sortConns orders conns by their first SYN (or first packet).
func sortConns(cs []*Conn) {
	slices.SortStableFunc(cs, func(a, b *Conn) int { return cmp.Compare(a.FirstT(), b.FirstT()) })
}
