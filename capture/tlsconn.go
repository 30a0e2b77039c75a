package capture

import (
	"bytes"
	"slices"
)

// Following the TLS records of a connection (tlshello.go parses the
// hellos). A connection is followed from the first segment of one side
// that begins with a ClientHello record (a data connection's first byte;
// a control connection's first byte after AUTH TLS, or its first for
// implicit FTPS), and the other side from its first segment that begins
// with a ServerHello or an alert. Each side is reassembled in sequence
// order; a hole the capture never fills, or a segment cut by the snap
// length, ends the following there (TLSFacts.Unreadable), keeping what
// was learnt.

// Bounds on what following TLS holds, per connection and for the whole
// capture: hostile input must not make memory grow with it.
const (
	// maxTLSPend is how many out-of-order segments a side may hold while
	// a hole before them fills (reordering spans a few segments).
	maxTLSPend = 8
	// maxTLSHeld bounds the bytes held by all followed connections at
	// once (hellos being assembled, out-of-order segments): past it a
	// connection is no longer followed.
	maxTLSHeld = 16 << 20
)

// tlsHeld counts the bytes held by a tracker's TLS followers.
type tlsHeld struct{ n int }

func (h *tlsHeld) take(n int) bool {
	if h.n+n > maxTLSHeld {
		return false
	}
	h.n += n
	return true
}

func (h *tlsHeld) give(n int) { h.n -= n }

// tlsPend is an out-of-order segment.
type tlsPend struct {
	seq uint32
	b   []byte
	ref PacketRef
}

// tlsDir is one side's record stream.
type tlsDir struct {
	started bool
	next    uint32
	pend    []tlsPend
	// The record being read: header bytes so far, its type and the body
	// bytes still to come.
	hdr  [5]byte
	nhdr int
	typ  byte
	left int
	// alert collects the two bytes of a clear alert.
	alert  [2]byte
	nalert int
	// The handshake message being read (clear records): its header, type,
	// body bytes to come, and its body when it is one that is parsed.
	hsHdr  [4]byte
	nhs    int
	hsType byte
	hsLeft int
	hsBody []byte
	// encrypted: this side's records are protected (TLS 1.2 after its
	// ChangeCipherSpec; TLS 1.3 after the ServerHello).
	encrypted bool
	// TLS 1.2: ChangeCipherSpec sent, then Finished (a protected handshake
	// record). TLS 1.3: protected records sent after the ServerHello.
	ccs, finished bool
	protected     int
}

// tlsFollow follows one connection's TLS.
type tlsFollow struct {
	f      *TLSFacts
	client int // direction index (0: from the initiator) of the TLS client
	dir    [2]tlsDir
	v13    bool
	stop   bool
	held   *tlsHeld
}

// startsClientHello reports whether p begins a handshake record holding a
// ClientHello.
func startsClientHello(p []byte) bool {
	return len(p) >= 6 && p[0] == recHandshake && p[1] == 3 && p[2] <= 4 && p[5] == hsClientHello
}

// startsServerReply reports whether p begins a record a server answers a
// ClientHello with: a ServerHello (or HelloRetryRequest), or an alert.
func startsServerReply(p []byte) bool {
	return len(p) >= 6 && p[1] == 3 && p[2] <= 4 && (p[0] == recHandshake && p[5] == hsServerHello || p[0] == recAlert)
}

// tlsSegment looks at one data segment of connection st from direction d
// for TLS: it starts following the connection at a ClientHello and feeds
// the followed sides. hello is startsClientHello(p); missing is how many
// bytes of the segment the snap length cut.
func (t *Tracker) tlsSegment(st *connState, d int, seq uint32, p []byte, hello bool, missing int, ref PacketRef) {
	if st.tlsOff {
		return
	}
	tf := st.tls
	if tf == nil {
		if !hello {
			return
		}
		side := SideInitiator
		if d == 1 {
			side = SideResponder
		}
		tf = &tlsFollow{f: &TLSFacts{ClientSide: side}, client: d, held: &t.tlsHeld}
		st.tls = tf
	}
	r := &tf.dir[d]
	if !r.started {
		if d != tf.client && !startsServerReply(p) {
			return
		}
		r.started, r.next = true, seq
	}
	tf.segment(d, seq, p, missing, ref)
	switch {
	case tf.f.Client != nil && st.c.TLS == nil:
		st.c.TLS = tf.f
	case tf.stop && tf.f.Client == nil:
		// Not TLS after all (a file that begins like one): forget it.
		tf.release()
		st.tls, st.tlsOff = nil, true
	}
}

// segment places a segment's bytes in side d's stream.
func (tf *tlsFollow) segment(d int, seq uint32, p []byte, missing int, ref PacketRef) {
	if tf.stop {
		return
	}
	r := &tf.dir[d]
	if seqLT(seq, r.next) {
		off := int(r.next - seq)
		if off >= len(p)+missing {
			return // seen before
		}
		if off >= len(p) {
			tf.unreadable("a segment cut by the capture's snap length")
			return
		}
		p, seq = p[off:], r.next
	}
	if seq != r.next {
		if missing == 0 && len(r.pend) < maxTLSPend && tf.held.take(len(p)) {
			i, found := seqIndex(r.pend, seq, func(x tlsPend) uint32 { return x.seq })
			if found {
				tf.held.give(len(p))
				return
			}
			r.pend = slices.Insert(r.pend, i, tlsPend{seq: seq, b: bytes.Clone(p), ref: ref})
			return
		}
		tf.unreadable("a hole in the capture")
		return
	}
	tf.deliver(d, p, ref)
	if missing > 0 {
		tf.unreadable("a segment cut by the capture's snap length")
		return
	}
	tf.drain(d)
}

// drain delivers the held segments the stream has reached.
func (tf *tlsFollow) drain(d int) {
	r := &tf.dir[d]
	for len(r.pend) > 0 && !tf.stop && !seqLT(r.next, r.pend[0].seq) {
		ps := r.pend[0]
		r.pend = r.pend[1:]
		tf.held.give(len(ps.b))
		if off := int(r.next - ps.seq); off < len(ps.b) {
			tf.deliver(d, ps.b[off:], ps.ref)
		}
	}
}

// deliver reads in-order bytes of side d.
func (tf *tlsFollow) deliver(d int, p []byte, ref PacketRef) {
	r := &tf.dir[d]
	r.next += uint32(len(p))
	for len(p) > 0 && !tf.stop {
		if r.left == 0 && r.nhdr < 5 {
			n := copy(r.hdr[r.nhdr:], p)
			r.nhdr += n
			p = p[n:]
			if r.nhdr == 5 {
				tf.recordStart(d, ref)
			}
			continue
		}
		n := min(r.left, len(p))
		tf.recordBody(d, p[:n], ref)
		r.left -= n
		p = p[n:]
		if r.left == 0 {
			r.nhdr = 0
		}
	}
}

// side names direction d's end of the TLS session.
func (tf *tlsFollow) isClient(d int) bool { return d == tf.client }

// recordStart checks a record header and notes what its type tells.
func (tf *tlsFollow) recordStart(d int, ref PacketRef) {
	r := &tf.dir[d]
	typ, length := r.hdr[0], int(r.hdr[3])<<8|int(r.hdr[4])
	if typ < recChangeCipherSpec || typ > recApplicationData || r.hdr[1] != 3 || r.hdr[2] > 4 ||
		length > maxRecordLen || length == 0 && typ != recApplicationData {
		tf.unreadable("bytes that are no TLS record")
		return
	}
	r.typ, r.left, r.nalert = typ, length, 0
	if length == 0 {
		r.nhdr = 0
	}
	switch {
	case typ == recChangeCipherSpec && !tf.v13:
		r.ccs, r.encrypted = true, true
		if !tf.isClient(d) {
			tf.noteServerCCS()
		}
	case typ == recAlert && r.encrypted:
		tf.alert(d, true, 0, 0, ref)
	case typ == recHandshake && r.encrypted && r.ccs && !r.finished:
		r.finished = true
		tf.checkDone(ref)
	case typ == recApplicationData:
		tf.appRecord(d, length, ref)
	}
}

// appRecord counts a content-type-23 record: in TLS 1.3 the handshake's
// own protected records come first.
func (tf *tlsFollow) appRecord(d, length int, ref PacketRef) {
	r := &tf.dir[d]
	if tf.v13 && !tf.f.Completed {
		r.protected++
		tf.checkDone(ref)
		return
	}
	if !tf.f.Completed {
		return
	}
	if tf.isClient(d) {
		tf.f.AppRecordsFromClient++
		tf.f.AppBytesFromClient += int64(length)
	} else {
		tf.f.AppRecordsFromServer++
		tf.f.AppBytesFromServer += int64(length)
	}
}

// checkDone notes the handshake complete once both sides finished.
func (tf *tlsFollow) checkDone(ref PacketRef) {
	c, s := &tf.dir[tf.client], &tf.dir[1-tf.client]
	done := c.finished && s.finished
	if tf.v13 {
		done = tf.f.Server != nil && s.protected > 0 && c.protected > 0
	}
	if done && !tf.f.Completed {
		r := ref
		tf.f.Completed, tf.f.CompletedAt = true, &r
	}
}

// recordBody reads body bytes of the current record of side d.
func (tf *tlsFollow) recordBody(d int, p []byte, ref PacketRef) {
	r := &tf.dir[d]
	switch {
	case r.typ == recAlert && !r.encrypted && r.nalert < 2:
		n := copy(r.alert[r.nalert:], p)
		r.nalert += n
		if r.nalert == 2 {
			tf.alert(d, false, int(r.alert[0]), int(r.alert[1]), ref)
		}
	case r.typ == recHandshake && !r.encrypted:
		tf.handshakeBytes(d, p, ref)
	}
}

// alert records an alert record.
func (tf *tlsFollow) alert(d int, encrypted bool, level, desc int, ref PacketRef) {
	if len(tf.f.Alerts) >= maxFacts {
		return
	}
	from := tf.f.ClientSide
	if !tf.isClient(d) {
		from = otherSide(from)
	}
	a := TLSAlert{PacketRef: ref, From: from, Encrypted: encrypted, Text: "encrypted alert"}
	if !encrypted {
		a.Level, a.Description, a.Text = level, desc, alertText(level, desc)
	}
	tf.f.Alerts = append(tf.f.Alerts, a)
}

// otherSide is the other end of a connection.
func otherSide(s Side) Side {
	if s == SideInitiator {
		return SideResponder
	}
	return SideInitiator
}

// parsed reports the handshake messages whose bodies are read.
func parsed(typ byte) bool {
	return typ == hsClientHello || typ == hsServerHello || typ == hsNewSessionTicket
}

// handshakeBytes reads clear handshake messages, which may span records.
func (tf *tlsFollow) handshakeBytes(d int, p []byte, ref PacketRef) {
	r := &tf.dir[d]
	for len(p) > 0 && !tf.stop {
		if r.hsLeft == 0 && r.nhs < 4 {
			n := copy(r.hsHdr[r.nhs:], p)
			r.nhs += n
			p = p[n:]
			if r.nhs < 4 {
				continue
			}
			r.hsType = r.hsHdr[0]
			r.hsLeft = int(r.hsHdr[1])<<16 | int(r.hsHdr[2])<<8 | int(r.hsHdr[3])
			if parsed(r.hsType) {
				if r.hsLeft > maxHelloLen || !tf.held.take(r.hsLeft) {
					tf.unreadable("a handshake message beyond the bounds of this reader")
					return
				}
				r.hsBody = make([]byte, 0, r.hsLeft)
			}
			if r.hsLeft == 0 {
				tf.message(d, nil, ref)
			}
			continue
		}
		n := min(r.hsLeft, len(p))
		if r.hsBody != nil {
			r.hsBody = append(r.hsBody, p[:n]...)
		}
		r.hsLeft -= n
		p = p[n:]
		if r.hsLeft == 0 {
			tf.message(d, r.hsBody, ref)
		}
	}
}

// message handles one complete clear handshake message of side d.
func (tf *tlsFollow) message(d int, body []byte, ref PacketRef) {
	r := &tf.dir[d]
	typ := r.hsType
	r.nhs, r.hsBody = 0, nil
	if body != nil {
		defer tf.held.give(cap(body))
	}
	client := tf.isClient(d)
	switch {
	case typ == hsClientHello && client:
		ch, ok := parseClientHello(body)
		if !ok {
			tf.unreadable("a malformed ClientHello")
			return
		}
		ch.PacketRef = ref
		tf.f.Client = ch
	case typ == hsServerHello && !client:
		tf.serverHello(body, ref)
	case typ == hsCertificate && !client && tf.f.Server != nil && !tf.v13:
		tf.f.Server.Certificate = true
		tf.f.Resumption = "none"
	case typ == hsNewSessionTicket && !client && tf.f.Server != nil && !tf.v13:
		if h, ok := parseNewTicket(body); ok {
			tf.f.Server.NewTicket = h
		}
	}
}

// serverHello reads the ServerHello (or HelloRetryRequest).
func (tf *tlsFollow) serverHello(body []byte, ref PacketRef) {
	sh, retry, ok := parseServerHello(body, tf.f.Client)
	if !ok {
		tf.unreadable("a malformed ServerHello")
		return
	}
	if retry {
		// Only TLS 1.3 retries: its compatibility ChangeCipherSpec may
		// follow, and protects nothing.
		tf.f.HelloRetry, tf.v13 = true, true
		return
	}
	sh.PacketRef = ref
	tf.f.Server = sh
	if sh.Version != "TLS 1.3" {
		return
	}
	tf.v13 = true
	tf.dir[0].encrypted, tf.dir[1].encrypted = true, true
	tf.f.Resumption = "none"
	if sh.PSKSelected {
		tf.f.Resumption = "psk"
	}
	if sh.SessionIDEchoed {
		// TLS 1.3 servers echo the compatibility session ID always.
		sh.SessionIDEchoed = false
	}
}

// noteServerCCS decides a TLS 1.2 resumption at the server's
// ChangeCipherSpec: an abbreviated handshake sends none of the
// certificate messages before it.
func (tf *tlsFollow) noteServerCCS() {
	f := tf.f
	if tf.v13 || f.Server == nil || f.Resumption != "" {
		return
	}
	switch {
	case f.Client != nil && f.Client.TicketLen > 0:
		f.Resumption = "ticket"
	case f.Server.SessionIDEchoed:
		f.Resumption = "session-id"
	}
}

// unreadable stops following, saying why.
func (tf *tlsFollow) unreadable(why string) {
	if tf.stop {
		return
	}
	tf.stop = true
	if tf.f.Unreadable == "" {
		tf.f.Unreadable = why
	}
	tf.release()
}

// release gives back every byte held.
func (tf *tlsFollow) release() {
	for i := range tf.dir {
		r := &tf.dir[i]
		for _, p := range r.pend {
			tf.held.give(len(p.b))
		}
		r.pend = nil
		if r.hsBody != nil {
			tf.held.give(cap(r.hsBody))
			r.hsBody = nil
		}
	}
}

// finish closes the books: bytes still held wait behind a hole the
// capture never filled.
func (tf *tlsFollow) finish() {
	for i := range tf.dir {
		if len(tf.dir[i].pend) > 0 {
			tf.unreadable("a hole in the capture")
		}
	}
	tf.release()
}
