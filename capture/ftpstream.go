package capture

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"net/netip"
	"slices"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture/tlsdecrypt"
	"github.com/ftpdiag/ftpdiag/ftp"
)

// Reassembly bounds. Control streams carry a few hundred bytes per command,
// so these are generous and still keep a trace of thousands of concurrent
// sessions within a few tens of MiB.
const (
	// maxPendingBytes caps out-of-order bytes buffered per direction; past
	// it the hole is given up as lost to the capture (GapBytes).
	maxPendingBytes = 64 << 10
	// maxCommandLine bounds one command line (as the reply reader bounds
	// replies): a longer line is counted malformed and skipped.
	maxCommandLine = ftp.MaxLineBytes
	// idleFlush is how long (capture time, seconds) a control stream may go
	// without a packet before its buffers are released: a session idle for
	// ten minutes has been dropped by every server's idle timeout.
	idleFlush = 600
	// sweepEvery is how many packets pass between idle sweeps.
	sweepEvery = 1 << 14
)

// replyReaders keeps the reply readers of control streams that no longer
// need theirs for the next ones: each holds a 4 KiB buffer, and a capture
// of thousands of sessions would otherwise allocate one for each.
type replyReaders struct{ free []*ftp.Reader }

// maxFreeReaders bounds the readers kept: as many as sessions that run at
// once on a busy server.
const maxFreeReaders = 64

// get returns a reader of src, as ftp.NewReader(src) would.
func (p *replyReaders) get(src io.Reader) *ftp.Reader {
	if p == nil || len(p.free) == 0 {
		return ftp.NewReader(src)
	}
	k := len(p.free) - 1
	r := p.free[k]
	p.free[k] = nil
	p.free = p.free[:k]
	r.Reset(src)
	return r
}

// put takes back a reader no longer used (nil: none).
func (p *replyReaders) put(r *ftp.Reader) {
	if p != nil && r != nil && len(p.free) < maxFreeReaders {
		r.Reset(nil)
		p.free = append(p.free, r)
	}
}

// errMore tells the reply reader that the stream has no more bytes yet; it
// keeps its partial reply and resumes on the next call.
var errMore = errors.New("capture: need more bytes")

// feeder hands the reply reader the bytes of one segment at a time. It
// never holds them past the call: the reader's bufio copies them.
type feeder struct{ b []byte }

func (f *feeder) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, errMore
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// pendSeg is an out-of-order segment held until the hole before it fills.
type pendSeg struct {
	seq uint32
	ack tcpAck
	b   []byte
	ref PacketRef
}

// reasm follows one direction of a control stream.
type reasm struct {
	next      uint32
	have      bool
	pend      []pendSeg // sorted by seq
	pendBytes int
	// fin: a FIN was seen, at sequence number finAt.
	fin   bool
	finAt uint32
	// acked is the highest acknowledgment the other side sent (ackedOK
	// once one was seen).
	acked   uint32
	ackedOK bool
}

// ftpStream is the reassembly and parse state of one control connection.
// Its buffers are released when the connection closes or goes idle; the
// FTPSession it fills stays.
type ftpStream struct {
	s      *FTPSession
	client int // direction index (0: from the initiator) of the client
	dir    [2]reasm
	line   []byte // partial command line
	skip   bool   // discarding an over-long or partial command line
	// holeLine: the command line being read began after a hole, maybe
	// inside a line (holeCommand).
	holeLine bool
	// skipLine drops the server's bytes up to the first line end: the
	// capture started inside its stream.
	skipLine bool
	rr       *ftp.Reader
	feed     feeder
	readers  *replyReaders // where rr comes from and goes back
	// awaiting are the commands still waiting for their final reply, in
	// command order (pairing.go).
	awaiting []awaitCmd
	queue    []awaitCmd // the array awaiting is in (push)
	// ackHeld: the server acknowledged client bytes the capture has not
	// shown yet, at ackHeldRef; giving them up as lost waits for
	// ackJitter (settleAck).
	ackHeld    bool
	ackHeldRef PacketRef
	// reset: a RST came at resetAt; the stream is released answerSkew
	// after it (segment), or when the capture ends.
	reset   bool
	resetAt float64
	// ack is the acknowledgment of the segment being parsed; pos the
	// client stream's sequence number at the parser (clientBytes).
	ack tcpAck
	pos uint32
	// srvSYN: the server's SYN is in the capture, so its stream is
	// followed from the first byte and its first reply is the greeting.
	srvSYN bool
	// doubt is set by server bytes lost or unreadable (a hole, an
	// over-long or code-less reply line) up to the server stream's
	// doubtEnd: the next reply settles which commands they answered.
	doubt    bool
	doubtEnd uint32
	// doubtUnread: the doubt's bytes were lost or unreadable, not a line
	// read whole without a code.
	doubtUnread bool
	setup       *DataSetup // announced, not yet used by a transfer command
	auth        *FTPExchange
	tls         bool // AUTH accepted: the rest is TLS
	// keys is the key log (nil: none); dec decrypts the control
	// connection's TLS with it (ftptls.go); decrypting is set while the
	// text it gave is parsed.
	keys       *tlsdecrypt.KeyLog
	dec        *tlsdecrypt.Conn
	decrypting bool
	done       bool // buffers released
	settled    bool // its session settled (settle.go): no longer followed
	fins       int
	lastT      float64
	gotReply   bool
	gotCmd     bool
	// knownCmd is set at the first command an FTP RFC defines; foreign
	// names the protocol the connection spoke instead of FTP (ftplike.go).
	knownCmd bool
	foreign  string
	// serverSpoke is set at the server's first payload byte.
	serverSpoke bool
	// cutNext marks the reply being recorded as cut by the snap length.
	cutNext bool
	// Text kept of this session, against the capture's budget (retain.go).
	textKept int
	budget   *textBudget
	// inReply counts the server bytes fed to rr since its last complete
	// reply: what the reader may hold, against budget.held.
	inReply int
}

// ftpTracker rebuilds FTP sessions beside a Tracker.
type ftpTracker struct {
	ports   map[uint16]bool
	streams []*ftpStream // one per session, in order of creation
	// unsorted: streams may no longer be in the order of their control
	// connections' first packets (Conn.FirstT), which settle keeps them
	// in: a stream was found after a later one (by its greeting), or its
	// connection's first SYN came after its first packets.
	unsorted bool
	open     []*connState
	packets  int
	text     textBudget
	keys     *tlsdecrypt.KeyLog
	readers  replyReaders
}

func newFTPTracker(ports []uint16, keys *tlsdecrypt.KeyLog) *ftpTracker {
	f := &ftpTracker{ports: map[uint16]bool{}, text: textBudget{left: maxCaptureText, items: maxCaptureItems, maxHeld: maxHeld}, keys: keys}
	for _, p := range ports {
		if p != 0 {
			f.ports[p] = true
		}
	}
	if len(f.ports) == 0 {
		f.ports[21] = true
	}
	return f
}

// segment looks at one TCP segment of connection st from direction d
// (0: from the initiator). It runs before the tracker accounts the
// segment, so c.FirstData tells whether data flowed before. ttl is the
// packet's IP TTL or hop limit.
func (f *ftpTracker) segment(t *Tracker, st *connState, d int, v *view, ttl int, ref PacketRef) {
	tcp := v.tcp
	fs := st.ftp
	if fs == nil {
		if st.notFTP {
			return
		}
		c := st.c
		switch {
		case f.ports[c.Responder.Port()] && !f.ports[c.Initiator.Port()]:
			fs = f.newStream(st, 0, "port")
		case f.ports[c.Initiator.Port()] && !f.ports[c.Responder.Port()] && c.Midstream:
			fs = f.newStream(st, 1, "port")
		case f.ports[c.Responder.Port()]:
			fs = f.newStream(st, 0, "port")
		case v.payloadLen > 0 && !tcp.SYN:
			// FTP on another port: the server speaks first, with 220.
			if c.FirstData == nil && isGreeting(tcp.Payload) {
				fs = f.newStream(st, 1-d, "banner")
			} else {
				st.notFTP = true
				return
			}
		default:
			return
		}
	}
	if fs.done {
		return
	}
	if fs.reset && ref.T-fs.resetAt > answerSkew {
		// A RST ended the stream: what came within answerSkew of it
		// was read, as the clocks that stamp packets may have put it
		// after the RST; nothing after.
		fs.release()
		return
	}
	fs.lastT = ref.T
	s := fs.s
	isClient := d == fs.client
	if isClient && s.ClientTTL == 0 {
		s.ClientTTL = ttl
	} else if !isClient && s.ServerTTL == 0 {
		s.ServerTTL = ttl
	}
	r := &fs.dir[d]
	if tcp.SYN {
		r.next, r.have = tcp.Seq+1, true
		if !isClient && !fs.gotReply {
			fs.srvSYN = true
		}
	}
	// Client bytes an earlier acknowledgment awaits are given up once
	// they are overdue, or before the server's next bytes are read.
	fs.settleAck(ref.T, !isClient && v.payloadLen > 0)
	if tcp.ACK {
		fs.acked(1-d, tcp.Ack, ref)
	}
	if !isClient && v.payloadLen > 0 {
		fs.settleAck(ref.T, true) // this very segment acknowledged them
	}
	if p := tcp.Payload; v.payloadLen > 0 && !tcp.SYN {
		missing := v.payloadLen - len(p)
		if missing < 0 {
			missing = 0
		}
		fs.receive(r, isClient, tcp.Seq, tcpAck{tcp.Ack, tcp.ACK}, p, missing, ref)
	}
	if tcp.FIN {
		fs.fins++
		r.fin, r.finAt = true, tcp.Seq+uint32(v.payloadLen)
	}
	if tcp.RST && !fs.reset {
		fs.reset, fs.resetAt = true, ref.T
	}
	if fs.fins >= 2 {
		fs.release()
	}
	f.packets++
	if f.packets%sweepEvery == 0 {
		f.sweep(ref.T)
	}
}

// isGreeting reports whether a first server payload is an FTP 220 greeting
// line ("220 " or "220-", ending in a line break within the segment).
func isGreeting(p []byte) bool {
	return len(p) >= 6 && p[0] == '2' && p[1] == '2' && p[2] == '0' && (p[3] == ' ' || p[3] == '-') &&
		bytes.IndexByte(p, '\n') > 0
}

func (f *ftpTracker) newStream(st *connState, clientDir int, how string) *ftpStream {
	c := st.c
	client, server := c.Initiator, c.Responder
	if clientDir == 1 {
		client, server = server, client
	}
	s := &FTPSession{Client: client, Server: server, Control: c, DetectedBy: how, Exchanges: []*FTPExchange{}, Data: []*DataSetup{}}
	fs := &ftpStream{s: s, client: clientDir, budget: &f.text, keys: f.keys, readers: &f.readers}
	// Start where the tracker stands: a stream found by its greeting was
	// not followed from its SYN.
	for i := range fs.dir {
		if st.dir[i].have {
			fs.dir[i].next, fs.dir[i].have = st.dir[i].next, true
		}
	}
	st.ftp = fs
	if n := len(f.streams); n > 0 && c.FirstT() < f.streams[n-1].s.Control.FirstT() {
		f.unsorted = true
	}
	f.streams = append(f.streams, fs)
	f.open = append(f.open, st)
	return fs
}

// receive places a segment's bytes in its direction's stream. missing is
// how many bytes of the segment the capture did not keep (snap length).
func (fs *ftpStream) receive(r *reasm, isClient bool, seq uint32, ack tcpAck, p []byte, missing int, ref PacketRef) {
	if !r.have {
		// The capture starts inside the stream, maybe inside a line (the
		// tail of a PASS line must not read as a command): the partial
		// first line is dropped.
		r.next, r.have = seq, true
		if isClient {
			fs.line, fs.skip = fs.line[:0], true
		} else {
			fs.skipLine = true
		}
	}
	if seqLT(seq, r.next) {
		off := r.next - seq
		if int(off) >= len(p)+missing {
			return // all seen before
		}
		if int(off) >= len(p) {
			missing -= int(off) - len(p)
			p = nil
		} else {
			p = p[off:]
		}
		seq = r.next
	}
	if seq != r.next {
		// A hole before this segment: keep it until the hole fills.
		if missing == 0 && r.pendBytes+len(p) <= maxPendingBytes && len(r.pend) < 256 && fs.budget.hold(len(p)) {
			i, found := seqIndex(r.pend, seq, func(x pendSeg) uint32 { return x.seq })
			if !found {
				r.pend = slices.Insert(r.pend, i, pendSeg{seq: seq, ack: ack, b: bytes.Clone(p), ref: ref})
				r.pendBytes += len(p)
			} else {
				fs.budget.held -= len(p)
			}
			return
		}
		// Give the hole up: the bytes are lost to the capture.
		fs.skipTo(r, isClient, seq, ref)
	}
	fs.deliver(r, isClient, ack, p, missing, ref)
	fs.drain(r, isClient)
}

// deliver passes in-order bytes to the parser and advances the stream.
func (fs *ftpStream) deliver(r *reasm, isClient bool, ack tcpAck, p []byte, missing int, ref PacketRef) {
	fs.ack, fs.pos = ack, r.next
	r.next += uint32(len(p) + missing)
	var part []byte
	if missing > 0 {
		// The snap length cut this segment: only its whole lines are
		// read, the cut line is not taken for a complete one.
		whole := bytes.LastIndexByte(p, '\n') + 1
		p, part = p[:whole], p[whole:]
	}
	if isClient {
		fs.clientBytes(p, ref)
	} else {
		fs.serverBytes(p, ref)
		fs.cutReply(part, ref)
	}
	if missing > 0 {
		fs.gap(isClient, int64(missing), r.next, ref)
		fs.sliced(ref)
	}
}

// acked notes an acknowledgment of direction d's bytes. The bytes of a
// hole the receiver acknowledged reached it without passing the capture
// (at any one capture point a segment passes before its acknowledgment),
// unless the file was written out of order or its timestamps put the
// acknowledgment first (a multi-queue NIC's clocks differ by
// microseconds, and the packets are read in timestamp order). A hole in
// the client's commands is given up as soon as the server's next bytes
// come, or ackJitter after the acknowledgment (settleAck): the server's
// replies cannot be paired while it waits, and a command stamped a few
// microseconds after its acknowledgment still fills it. A hole in the
// server's replies is waited for until the stream ends (flush): the
// commands' parse does not depend on it, and a segment written late
// still fills it.
func (fs *ftpStream) acked(d int, ack uint32, ref PacketRef) {
	r := &fs.dir[d]
	if !r.have {
		return
	}
	if !r.ackedOK || seqLT(r.acked, ack) {
		r.acked, r.ackedOK = ack, true
	}
	if d != fs.client || fs.ackHeld || !fs.ackedUnseen(r) {
		return
	}
	fs.ackHeld, fs.ackHeldRef = true, ref
}

// ackJitter is how long after an acknowledgment of client bytes the
// capture has not shown they are still awaited (acked): the clocks that
// stamp packets differ by microseconds (answerSkew), a round trip is
// longer.
const ackJitter = answerSkew

// ackedUnseen reports whether the client's direction r has bytes the
// server acknowledged that the capture has not delivered: a hole before
// a held segment, or bytes past the last one held.
func (fs *ftpStream) ackedUnseen(r *reasm) bool {
	if fs.done || !r.ackedOK {
		return false
	}
	if len(r.pend) > 0 {
		return seqLT(r.next, r.pend[0].seq) && !seqLT(r.acked, r.pend[0].seq)
	}
	end := r.ackedEnd()
	return seqLT(r.next, end) && end-r.next < maxPendingBytes
}

// settleAck gives up as lost the client bytes an acknowledgment awaited
// since ackHeldRef (acked) and the capture has still not shown, when now
// (the time of the packet being read) is ackJitter past it, or the
// server's next bytes are about to be read (force), or the stream ends.
func (fs *ftpStream) settleAck(now float64, force bool) {
	if !fs.ackHeld || (!force && now-fs.ackHeldRef.T <= ackJitter) {
		return
	}
	fs.ackHeld = false
	r := &fs.dir[fs.client]
	for len(r.pend) > 0 && !fs.done && seqLT(r.next, r.pend[0].seq) && !seqLT(r.acked, r.pend[0].seq) {
		fs.skipTo(r, true, r.pend[0].seq, r.pend[0].ref)
		fs.drain(r, true)
	}
	fs.ackedPast(r, true, fs.ackHeldRef)
}

// ackedPast gives up as lost the bytes the receiver acknowledged past the
// last one the capture holds (the last command or reply lost).
func (fs *ftpStream) ackedPast(r *reasm, isClient bool, ref PacketRef) {
	end := r.ackedEnd()
	if r.ackedOK && len(r.pend) == 0 && !fs.done && seqLT(r.next, end) && end-r.next < maxPendingBytes {
		fs.skipTo(r, isClient, end, ref)
	}
}

// ackedEnd is one past the last byte of r the other side acknowledged
// (a FIN's sequence number is no byte).
func (r *reasm) ackedEnd() uint32 {
	if r.fin && r.acked == r.finAt+1 {
		return r.finAt
	}
	return r.acked
}

// cutReply records the reply a cut segment begins, when it begins one at
// a reply boundary: its code is the server's, its text is cut
// (FTPReply.Cut). A cut greeting still says the server greeted.
func (fs *ftpStream) cutReply(part []byte, ref PacketRef) {
	if fs.tls || fs.done || fs.inReply > 0 || fs.skipLine || !replyStart(part) {
		return
	}
	code := int(part[0]-'0')*100 + int(part[1]-'0')*10 + int(part[2]-'0')
	line := strings.ToValidUTF8(string(bytes.TrimRight(part, "\r")), "")
	fs.cutNext = true
	fs.reply(ftp.Reply{Code: code, Lines: []string{line}}, ref)
	fs.cutNext = false
}

// replyStart reports whether b starts like a reply line: a code 100-599
// then a space, a hyphen or nothing more.
func replyStart(b []byte) bool {
	return len(b) >= 3 && b[0] >= '1' && b[0] <= '5' && b[1] >= '0' && b[1] <= '9' && b[2] >= '0' && b[2] <= '9' &&
		(len(b) == 3 || b[3] == ' ' || b[3] == '-')
}

// sliced stops the dialogue at the first segment the snap length cut:
// past it every command or reply longer than what the snap length leaves
// would be lost, and pairing the rest would be guesswork.
func (fs *ftpStream) sliced(ref PacketRef) {
	if fs.s.SlicedAt == nil {
		r := ref
		fs.s.SlicedAt = &r
	}
	fs.release()
}

// drain delivers buffered segments that have become in order.
func (fs *ftpStream) drain(r *reasm, isClient bool) {
	for len(r.pend) > 0 && !fs.done {
		ps := r.pend[0]
		if seqLT(r.next, ps.seq) {
			return
		}
		r.pend = r.pend[1:]
		r.pendBytes -= len(ps.b)
		fs.budget.held -= len(ps.b)
		b := ps.b
		if off := r.next - ps.seq; int(off) < len(b) {
			fs.deliver(r, isClient, ps.ack, b[off:], 0, ps.ref)
		}
	}
	if len(r.pend) == 0 {
		r.pend = nil
	}
}

// skipTo gives up the bytes before seq as lost.
func (fs *ftpStream) skipTo(r *reasm, isClient bool, seq uint32, ref PacketRef) {
	if n := int64(seq - r.next); n > 0 && n < 1<<30 {
		fs.gap(isClient, n, seq, ref)
	}
	r.next = seq
}

// gap notes n bytes lost before the stream's sequence number end: the
// parser of that direction starts afresh at the next line, and the
// exchanges the lost bytes may hold are marked unknown (pairing.go).
func (fs *ftpStream) gap(isClient bool, n int64, end uint32, ref PacketRef) {
	fs.s.GapBytes += n
	if fs.tls {
		fs.tlsLost(isClient, ref)
		return
	}
	if isClient {
		fs.line, fs.skip, fs.holeLine = fs.line[:0], false, true
		fs.commandLost(end, ref)
		return
	}
	if fs.rr != nil {
		fs.dropReply(false) // the reply in progress is lost
	}
	fs.replyLost(end, true)
}

// flush gives up every hole and delivers what is buffered.
func (fs *ftpStream) flush() {
	fs.settleAck(fs.lastT, true)
	for d := range fs.dir {
		r := &fs.dir[d]
		isClient := d == fs.client
		for len(r.pend) > 0 && !fs.done {
			fs.skipTo(r, isClient, r.pend[0].seq, r.pend[0].ref)
			fs.drain(r, isClient)
		}
		if r.have {
			fs.ackedPast(r, isClient, PacketRef{T: fs.lastT})
		}
	}
}

// release flushes the stream and frees its buffers.
func (fs *ftpStream) release() {
	if fs.done {
		return
	}
	fs.flush()
	fs.settle()
	fs.done = true
	fs.budget.held -= fs.dir[0].pendBytes + fs.dir[1].pendBytes
	fs.dropReply(false)
	fs.dir = [2]reasm{}
	fs.line, fs.rr, fs.feed.b = nil, nil, nil
	fs.awaiting, fs.queue = nil, nil
	fs.dec = nil
}

// sweep releases streams idle for idleFlush seconds and forgets released
// ones, so the open list stays as short as the live sessions.
func (f *ftpTracker) sweep(now float64) {
	keep := f.open[:0]
	for _, st := range f.open {
		fs := st.ftp
		if !fs.done && (now-fs.lastT > idleFlush || (fs.reset && now-fs.resetAt > answerSkew)) {
			fs.release()
		}
		if !fs.done {
			keep = append(keep, st)
		}
	}
	clear(f.open[len(keep):])
	f.open = keep
}

// isTLSRecord reports whether p starts with a TLS record header
// (handshake, alert, change cipher spec or application data; version 3.x).
func isTLSRecord(p []byte) bool {
	return len(p) >= 3 && p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 3 && p[2] <= 4
}

// clientBytes parses the client's command lines.
func (fs *ftpStream) clientBytes(p []byte, ref PacketRef) {
	if len(p) == 0 {
		return
	}
	// Under TLS until clear FTP text comes again (CCC).
	if fs.tls && !fs.clearAgain(p, ref) || !fs.tls && !fs.gotCmd && !fs.gotReply && isTLSRecord(p) {
		fs.tlsBytes(p, true, ref)
		return
	}
	fs.clientText(p, ref)
}

// clientText parses command lines: the client's bytes, or the text
// decrypted from them (fs.decrypting: fs.pos then stays at the end of the
// record's segment).
func (fs *ftpStream) clientText(p []byte, ref PacketRef) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk, p = p[:i], p[i+1:]
		} else {
			p = nil
		}
		if !fs.decrypting {
			fs.pos += uint32(len(chunk) + min(i+1, 1))
		}
		if !fs.skip {
			if len(fs.line)+len(chunk) > maxCommandLine {
				fs.skip, fs.line = true, fs.line[:0]
				fs.s.Malformed++
			} else {
				fs.line = append(fs.line, chunk...)
			}
		}
		if i < 0 {
			return
		}
		if line := string(bytes.TrimSuffix(fs.line, []byte("\r"))); !fs.skip && (!fs.holeLine || holeCommand(line)) {
			fs.command(line, ref)
		}
		fs.line, fs.skip, fs.holeLine = fs.line[:0], false, false
		if fs.tls && !fs.decrypting || fs.done {
			return
		}
	}
}

// serverBytes parses the server's replies.
func (fs *ftpStream) serverBytes(p []byte, ref PacketRef) {
	if len(p) == 0 {
		return
	}
	// Under TLS until clear FTP text comes again (CCC).
	if fs.tls && !fs.clearAgain(p, ref) || !fs.tls && !fs.gotCmd && !fs.gotReply && isTLSRecord(p) {
		fs.tlsBytes(p, false, ref)
		return
	}
	if !fs.serverSpoke {
		fs.serverSpoke = true
		if proto := foreignServer(p); proto != "" && !fs.skipLine {
			fs.speaks(proto)
			return
		}
	}
	fs.serverText(p, ref)
}

// serverText parses replies: the server's bytes, or the text decrypted
// from them (fs.decrypting).
func (fs *ftpStream) serverText(p []byte, ref PacketRef) {
	if fs.skipLine {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return
		}
		p, fs.skipLine = p[i+1:], false
	}
	if !fs.budget.hold(len(p)) {
		// The capture holds too many replies in progress: this one is
		// given up, and reading starts again at the next line.
		fs.dropReply(true)
		fs.s.TextCut += int64(len(p))
		return
	}
	fs.inReply += len(p)
	if fs.rr == nil {
		fs.rr = fs.readers.get(&fs.feed)
	}
	fs.feed.b = p
	for {
		rep, err := fs.rr.ReadReply()
		switch {
		case err == nil:
			fs.replyDone()
			fs.reply(rep, ref)
			if fs.tls && !fs.decrypting {
				// Whatever follows the 234 in this segment is TLS.
				rest := fs.feed.b
				fs.feed.b = nil
				if len(rest) > 0 {
					fs.tlsBytes(rest, false, ref)
				}
				return
			}
			continue
		case errors.Is(err, errMore):
			return
		case errors.Is(err, ftp.ErrMalformedReply):
			// A line without a code: if it was a reply, the command it
			// answered must not take the next one (pairing.go).
			fs.s.Malformed++
			fs.replyLost(fs.dir[1-fs.client].next, false)
			continue
		case errors.Is(err, ftp.ErrLineTooLong), errors.Is(err, ftp.ErrReplyTooLong):
			fs.s.Malformed++
			fs.resync()
			fs.replyDone()
			fs.replyLost(fs.dir[1-fs.client].next, true)
			continue
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return
		}
		return
	}
}

// tlsRecord notes TLS on the control connection.
func (fs *ftpStream) tlsRecord(p []byte, _ bool) {
	s := fs.s
	if s.TLS == nil {
		first := !fs.gotCmd && !fs.gotReply
		mid := s.Control != nil && s.Control.Midstream
		s.TLS = &SessionTLS{Implicit: first && !mid, Midstream: first && mid}
		fs.tls = true
	}
	if isTLSRecord(p) {
		s.TLS.Records++
	}
}

// clearAgain reports a segment of clear FTP text on a control connection
// under TLS (after CCC the control channel is clear again) and switches
// the stream back to reading the dialogue. A segment of a TLS record is
// never whole lines of printable text ending in CRLF that start like a
// reply or a command.
func (fs *ftpStream) clearAgain(p []byte, ref PacketRef) bool {
	if isTLSRecord(p) || !clearFTPText(p) {
		return false
	}
	fs.tls = false
	if fs.s.TLS != nil && fs.s.TLS.Cleared == nil {
		r := ref
		fs.s.TLS.Cleared = &r
	}
	return true
}

// clearFTPText reports whether p is whole lines of printable ASCII ending
// in CRLF whose first line starts like an FTP reply ("200 ", "211-") or
// command (3-4 letters, then a space or the line end).
func clearFTPText(p []byte) bool {
	if len(p) < 5 || !bytes.HasSuffix(p, []byte("\r\n")) {
		return false
	}
	for _, b := range p {
		if (b < 0x20 || b > 0x7e) && b != '\r' && b != '\n' && b != '\t' {
			return false
		}
	}
	reply := len(p) >= 4 && p[0] >= '1' && p[0] <= '5' && isDigit(p[1]) && isDigit(p[2]) && (p[3] == ' ' || p[3] == '-')
	n := 0
	for n < len(p) && n < 5 && (p[n]|0x20 >= 'a' && p[n]|0x20 <= 'z') {
		n++
	}
	command := n >= 3 && n <= 4 && (p[n] == ' ' || p[n] == '\r')
	return reply || command
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// transferVerbs use the data connection set up before them.
var transferVerbs = map[string]bool{"LIST": true, "NLST": true, "MLSD": true, "RETR": true, "STOR": true, "STOU": true, "APPE": true}

// command records one client command line.
func (fs *ftpStream) command(line string, ref PacketRef) {
	s := fs.s
	// A client interrupting a transfer sends Telnet's IP and Synch
	// before ABOR (tnftp, inetutils ftp): the command is what follows.
	line = ftp.StripTelnet(line)
	verb, arg, err := ftp.ParseCommand(line)
	if !fs.knownCmd {
		if p := foreignLine(line, verb, arg); p != "" {
			fs.speaks(p)
			return
		}
		fs.knownCmd = err == nil && knownVerb(verb)
	}
	if err != nil {
		if strings.TrimSpace(line) != "" {
			s.Malformed++
		}
		return
	}
	fs.gotCmd = true
	text := verb
	switch {
	case (verb == "PASS" || verb == "ACCT") && arg != "":
		text += " " + strings.Repeat("*", len(arg))
	case arg != "" && len(line) == len(verb)+1+len(arg) && strings.HasPrefix(line, verb):
		text = line // as sent: no copy
	case arg != "":
		text += " " + arg
	}
	x := &FTPExchange{PacketRef: ref, Command: fs.keepCommand(text)}
	if len(s.Exchanges) < maxExchanges && fs.budget.keep() {
		s.Exchanges = append(s.Exchanges, x)
	} else {
		s.Truncated = true
	}
	fs.await(x, verb)
	switch verb {
	case "USER":
		if s.User == "" {
			s.User = arg
		}
	case "AUTH":
		if a := strings.ToUpper(strings.TrimSpace(arg)); a == "TLS" || a == "SSL" || a == "TLS-C" || a == "TLS-P" {
			fs.auth = x
		}
	case "PASV", "EPSV", "PORT", "EPRT":
		if verb == "EPSV" && strings.EqualFold(strings.TrimSpace(arg), "ALL") {
			return
		}
		ds := &DataSetup{Mode: verb, Setup: x, Passive: verb == "PASV" || verb == "EPSV"}
		switch verb {
		case "PORT":
			ds.Announced, _ = ftp.ParsePORT(arg)
		case "EPRT":
			ds.Announced, _ = ftp.ParseEPRT(arg)
		}
		if len(s.Data) < maxSetups && fs.budget.keep() {
			s.Data = append(s.Data, ds)
			fs.setup = ds
			x.setup = ds
		} else {
			s.Truncated = true
			fs.setup = nil
		}
	default:
		if transferVerbs[verb] && fs.setup != nil {
			fs.setup.Transfer = x
			fs.setup = nil
		}
	}
}

// reply attaches a reply to the command it answers (pairing.go).
func (fs *ftpStream) reply(rep ftp.Reply, ref PacketRef) {
	first := !fs.gotReply
	fs.gotReply = true
	var x *FTPExchange
	if !first || !fs.srvSYN || fs.doubt {
		x = fs.pair(rep)
	}
	if x == nil {
		// The greeting (the server's first reply: RFC 959 §5.4, even when
		// the client sent commands before it), or an unsolicited reply
		// (421 idle timeout).
		x = &FTPExchange{PacketRef: ref}
		switch {
		case len(fs.s.Exchanges) >= maxExchanges || !fs.budget.keep():
			fs.s.Truncated = true
		case first:
			fs.s.Exchanges = slices.Insert(fs.s.Exchanges, 0, x)
		default:
			fs.s.Exchanges = append(fs.s.Exchanges, x)
		}
	}
	if len(x.Replies) < maxRepliesPerCmd {
		if x.Replies == nil {
			x.Replies = x.reply1[:0] // a second reply reallocates
		}
		x.Replies = append(x.Replies, FTPReply{PacketRef: ref, Reply: fs.keepReply(rep), Cut: fs.cutNext})
	}
	if rep.Preliminary() {
		return
	}
	if ds := x.setup; ds != nil && rep.Completion() {
		switch ds.Mode {
		case "PASV":
			ds.Announced, _ = ftp.ParsePASV(rep.Text())
		case "EPSV":
			if p, err := ftp.ParseEPSV(rep.Text()); err == nil {
				ds.Announced = netip.AddrPortFrom(fs.s.Server.Addr(), p)
			}
		}
	}
	if x == fs.auth {
		fs.auth = nil
		if rep.Code == 234 {
			r := ref
			fs.s.TLS = &SessionTLS{Auth: &r}
			fs.tls, fs.dec = true, nil
		}
	}
}

// ttlOf returns the TTL or hop limit of the packet the decoder holds.
func (d *decoder) ttlOf(v *view) int {
	if v.v6 {
		return int(d.ip6.HopLimit)
	}
	return int(d.ip4.TTL)
}

// finish flushes every stream and links data connections to their setups.
func (f *ftpTracker) finish(ev *Evidence, settled []*FTPSession, numbered int) {
	for _, st := range f.open {
		st.ftp.release()
	}
	f.open = nil
	sessions := f.keepFTP(ev)
	f.streams = nil
	slices.SortStableFunc(sessions, func(a, b *FTPSession) int {
		return cmp.Compare(a.Control.FirstT(), b.Control.FirstT())
	})
	for i, s := range sessions {
		number(s, numbered+i+1)
	}
	ev.Sessions = append(settled, sessions...)
	linkData(ev, sessions)
}

// number gives a finished session its number (id) in the capture.
func number(s *FTPSession, id int) {
	s.ID = id
	s.StartedBefore = s.Control.Midstream && !greeted(s)
	s.OneWay = oneWay(s)
}
