package capture

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// maxRedactFlows bounds the per-flow state of a Redactor. A probe opens a
// few control connections; past the bound the state is reset, and a
// segment whose stream position is unknown is treated as starting a line
// (the cautious choice: it redacts more, never less, of a PASS line).
const maxRedactFlows = 4096

// minSecret is the shortest secret masked wherever it appears: every "ab"
// of a dialogue masked would leave it unreadable. Shorter ones are still
// masked in PASS and ACCT lines.
const minSecret = 4

// argVerbs are the commands whose argument is a credential.
var argVerbs = [...][5]byte{{'P', 'A', 'S', 'S', ' '}, {'A', 'C', 'C', 'T', ' '}}

// Redactor overwrites the argument of every FTP PASS and ACCT command in
// TCP payloads to the control port with '*' bytes of the same length, and
// every occurrence of a known secret (the password) in either direction
// of the control connection (a server that echoes it in a 530 or a 500),
// and recomputes the TCP checksum so the trace still verifies. It follows
// each flow's stream so that a PASS line or a secret split across
// segments is redacted too; a secret cut by a segment boundary is masked
// as soon as the segment ends with its first bytes (more, never less).
type Redactor struct {
	port    uint16
	secrets [][]byte
	flows   map[connKey]*lineState
	dec     *decoder
}

// lineState is where a flow's stream stands in the command line grammar.
type lineState struct {
	next     uint32 // sequence number expected next
	have     bool
	match    int  // bytes of a verb matched at a line start; -1: mid-line
	verb     int  // the argVerbs entry being matched
	inArg    bool // inside a PASS or ACCT argument
	contSeq  uint32
	haveCont bool // contSeq started a segment inside an argument
	// Per secret: how much of it the previous segment ended with, and the
	// segment that continued it (to mask it again when resent).
	partial []secretPos
	// tls: the flow carries TLS records (underTLS).
	tls bool
}

// secretPos is how far into a secret a stream position is.
type secretPos struct {
	k       int // bytes of the secret matched at the end of a segment
	contSeq uint32
	contK   int // bytes matched before the segment at contSeq
}

// NewRedactor returns a Redactor for commands sent to controlPort (0: 21)
// that also masks each secret of at least minSecret bytes wherever it
// appears on the control connection.
func NewRedactor(controlPort uint16, secrets ...string) *Redactor {
	if controlPort == 0 {
		controlPort = 21
	}
	r := &Redactor{port: controlPort, flows: map[connKey]*lineState{}}
	for _, s := range secrets {
		if len(s) >= minSecret {
			r.secrets = append(r.secrets, []byte(s))
		}
	}
	return r
}

// Frame redacts one frame of link type lt in place and reports whether it
// changed anything.
func (r *Redactor) Frame(lt layers.LinkType, data []byte) bool {
	if r.dec == nil {
		r.dec = newDecoder()
	}
	v := r.dec.decode(lt, data)
	return v != nil && r.redact(v)
}

// redact works on an already decoded view, whose slices alias the frame.
func (r *Redactor) redact(v *view) bool {
	if !v.isTCP {
		return false
	}
	tcp := v.tcp
	toServer := uint16(tcp.DstPort) == r.port
	if !toServer && (uint16(tcp.SrcPort) != r.port || len(r.secrets) == 0) {
		return false
	}
	key := connKeyOf(netip.AddrPortFrom(v.src, uint16(tcp.SrcPort)), netip.AddrPortFrom(v.dst, uint16(tcp.DstPort)))
	st := r.flows[key]
	if st == nil || tcp.SYN {
		if len(r.flows) >= maxRedactFlows {
			clear(r.flows)
		}
		st = &lineState{}
		r.flows[key] = st
	}
	p := tcp.Payload
	if len(p) == 0 {
		if tcp.SYN {
			st.next, st.have = tcp.Seq+1, true
		}
		return false
	}
	inOrder := st.have && tcp.Seq == st.next
	changed := false
	if st.underTLS(p) {
		// Ciphertext: a whole secret is still masked (a server's clear
		// echo in a flow that only looked like TLS), nothing else.
		for _, s := range r.secrets {
			changed = maskAll(p, s) || changed
		}
		st.next, st.have = tcp.Seq+uint32(v.payloadLen), true
		if changed && v.whole {
			fixTCPChecksum(v)
		}
		return changed
	}
	if toServer {
		changed = st.redactArgs(p, tcp.Seq, inOrder)
	}
	if len(r.secrets) > 0 {
		changed = st.maskSecrets(r.secrets, p, tcp.Seq, inOrder) || changed
	}
	st.next, st.have = tcp.Seq+uint32(v.payloadLen), true
	if changed && v.whole {
		fixTCPChecksum(v)
	}
	return changed
}

// redactArgs masks PASS and ACCT arguments in one client segment.
func (st *lineState) redactArgs(p []byte, seq uint32, inOrder bool) bool {
	switch {
	case inOrder:
		// In order: carry on from where the previous segment stopped.
	case st.haveCont && seq == st.contSeq:
		// A resent continuation of an argument.
		st.inArg, st.match = true, -1
	default:
		// Unknown position (first segment seen, gap, or resent segment):
		// assume the segment starts a line, as FTP clients send whole
		// commands.
		st.inArg, st.match = false, 0
	}
	if st.inArg {
		st.contSeq, st.haveCont = seq, true
	}
	changed := false
	for i, b := range p {
		switch {
		case st.inArg:
			if b == '\r' || b == '\n' {
				st.inArg, st.match = false, -1
				if b == '\n' {
					st.match = 0
				}
				continue
			}
			if b != '*' {
				p[i] = '*'
				changed = true
			}
		case b == '\n':
			st.match = 0
		case st.match == 0 && (upper(b) == argVerbs[0][0] || upper(b) == argVerbs[1][0]):
			st.verb = 0
			if upper(b) == argVerbs[1][0] {
				st.verb = 1
			}
			st.match = 1
		case st.match > 0 && upper(b) == argVerbs[st.verb][st.match]:
			st.match++
			if st.match == len(argVerbs[st.verb]) {
				st.inArg, st.match = true, -1
			}
		default:
			st.match = -1
		}
	}
	return changed
}

// maskSecrets masks every occurrence of each secret in one segment: those
// inside it, the rest of one the previous segment began, and the start of
// one it ends with.
func (st *lineState) maskSecrets(secrets [][]byte, p []byte, seq uint32, inOrder bool) bool {
	if len(st.partial) != len(secrets) {
		st.partial = make([]secretPos, len(secrets))
	}
	changed := false
	for i, s := range secrets {
		sp := &st.partial[i]
		k := 0
		switch {
		case inOrder && sp.k > 0:
			k, sp.contSeq, sp.contK = sp.k, seq, sp.k
		case !inOrder && sp.contK > 0 && seq == sp.contSeq:
			k = sp.contK // the continuation resent
		}
		sp.k = 0
		if k > 0 {
			m := min(len(s)-k, len(p))
			if bytes.Equal(p[:m], s[k:k+m]) {
				changed = mask(p[:m]) || changed
				if k+m < len(s) {
					sp.k = k + m
					continue
				}
			}
		}
		changed = maskAll(p, s) || changed
		for n := min(len(s)-1, len(p)); n > 0; n-- {
			if bytes.HasSuffix(p, s[:n]) {
				changed = mask(p[len(p)-n:]) || changed
				sp.k = n
				break
			}
		}
	}
	return changed
}

// maskAll masks every whole occurrence of s in p.
func maskAll(p, s []byte) bool {
	changed := false
	for off := 0; ; {
		j := bytes.Index(p[off:], s)
		if j < 0 {
			return changed
		}
		changed = mask(p[off+j:off+j+len(s)]) || changed
		off += j + len(s)
	}
}

// underTLS reports whether a segment of the flow is TLS: from a segment
// that starts with a TLS record header (AUTH TLS accepted, implicit FTPS)
// until one that is clear FTP text again (CCC). The password is not in
// clear in ciphertext, and a byte of it changed (a PASS verb or a
// secret's first bytes matched by chance) would make the record fail to
// decrypt with the session's key log (probe --tls-keylog).
func (st *lineState) underTLS(p []byte) bool {
	switch {
	case isTLSRecord(p):
		st.tls, st.partial, st.inArg, st.match = true, nil, false, 0
	case st.tls && clearFTPText(p):
		st.tls = false
	}
	return st.tls
}

// mask overwrites b with '*' and reports whether anything changed.
func mask(b []byte) bool {
	changed := false
	for i := range b {
		if b[i] != '*' {
			b[i] = '*'
			changed = true
		}
	}
	return changed
}

// fixTCPChecksum recomputes the TCP checksum of a whole segment in place.
// The IP header is untouched (same length), so its checksum stays valid.
func fixTCPChecksum(v *view) {
	hdr, payload := v.tcp.Contents, v.tcp.Payload
	if len(hdr) < 20 {
		return
	}
	binary.BigEndian.PutUint16(hdr[16:18], 0)
	binary.BigEndian.PutUint16(hdr[16:18], tcpChecksum(v.src, v.dst, hdr, payload))
}

// fixOffloaded writes the checksum of a TCP segment the kernel flagged as
// sent with checksum offload, so the saved trace verifies in Wireshark
// and Zeek. Only flagged packets come here: a checksum corrupted on the
// wire is never flagged and stays as received. A segment captured short
// of its end cannot be summed and keeps its partial checksum (tools leave
// a cut segment unverified). The kernel filter keeps only TCP and ICMP,
// and ICMP checksums are never offloaded.
func fixOffloaded(v *view) {
	if v.isTCP && v.whole {
		fixTCPChecksum(v)
	}
}

// tcpChecksum is the RFC 793 / RFC 8200 checksum of a TCP segment (header
// with a zero checksum field, then payload) under its pseudo-header.
func tcpChecksum(src, dst netip.Addr, hdr, payload []byte) uint16 {
	n := len(hdr) + len(payload)
	var sum uint32
	if src.Is4() {
		s, d := src.As4(), dst.As4()
		sum = sum16(sum, s[:])
		sum = sum16(sum, d[:])
		sum += 6 + uint32(n)
	} else {
		s, d := src.As16(), dst.As16()
		sum = sum16(sum, s[:])
		sum = sum16(sum, d[:])
		sum += uint32(n>>16) + uint32(n&0xffff) + 6
	}
	sum = sum16(sum, hdr)
	// The header length is a multiple of 4, so the payload starts on an
	// even offset and can be summed on its own.
	sum = sum16(sum, payload)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// sum16 adds b to sum as big-endian 16-bit words, padding an odd byte.
func sum16(sum uint32, b []byte) uint32 {
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
		if sum&0x80000000 != 0 {
			sum = sum&0xffff + sum>>16
		}
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	return sum
}

// upper maps ASCII lower case to upper case.
func upper(b byte) byte {
	if 'a' <= b && b <= 'z' {
		return b - 'a' + 'A'
	}
	return b
}

// writeLen is how much of a frame goes into the pcapng. TCP frames are kept
// as captured (the kernel cut data connections to headers; control
// segments are redacted). A frame the decoder did not understand as TCP is
// cut to headerSnap, and an ICMP error to the end of the TCP header it
// quotes, so that no quoted or undecoded payload (a PASS line inside an
// ICMP "too big" error, an IPv6 extension-header packet) escapes redaction.
func writeLen(v *view, data []byte) int {
	switch {
	case v != nil && v.isTCP:
		return len(data)
	case v != nil && v.isICMP:
		// The quoted packet aliases the end of data's backing array.
		off := cap(data) - cap(v.icmpInner)
		if off < 0 || off > len(data) {
			return min(len(data), headerSnap)
		}
		return min(len(data), off+quotedHeadersLen(v.icmpInner, v.v6))
	}
	return min(len(data), headerSnap)
}

// quotedHeadersLen is the length of the IP and TCP headers at the start of
// an ICMP error's quoted packet (what RFC 792 guarantees if cut short).
func quotedHeadersLen(inner []byte, v6 bool) int {
	ip := 40
	if !v6 {
		if len(inner) < 1 {
			return 0
		}
		ip = int(inner[0]&0x0f) * 4
	}
	tcp := 8
	if len(inner) > ip+12 {
		tcp = max(8, int(inner[ip+12]>>4)*4)
	}
	return ip + tcp
}
