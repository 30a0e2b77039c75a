package capture

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// The bulk of a capture an FTP ticket comes with is data-connection
// segments: plain TCP in IPv4 or IPv6 in Ethernet or raw IP. gopacket's
// layer parser spends most of the decoding time on them walking its layer
// table (layer types, port-to-protocol lookups, option slices) for the
// dozen header fields the tracker reads; fastTCP reads those fields
// directly, by hand, for exactly that common shape, and leaves every other
// frame to gopacket (decode.go): VLAN tags, cooked and loopback link
// types, IPv4 options and fragments, IPv6 extension headers, ICMP, SYNs
// (their options carry the MSS), headers cut by the snap length, odd
// lengths. What it fills is what gopacket's layers would hold for the same
// frame (TestFastTCPSameAsGopacket).

// fastTCP decodes a frame of link type lt that is an Ethernet or raw IP
// frame holding a TCP segment without SYN in an IPv4 packet without
// options or fragmentation, or in an IPv6 packet without extension
// headers. It returns nil for any other frame: gopacket decodes those.
func (d *decoder) fastTCP(lt layers.LinkType, data []byte) *view {
	var h fastHdr
	if !h.parse(lt, data) {
		return nil
	}
	return d.fromHdr(&h, data)
}

// fastHdr is what fastTCP reads of a frame, apart from the frame: the
// reader of a trace takes it while the frame is fresh in the cache
// (pipeline.go), and the tracker, which gets the frame later, builds its
// view from it without reading the headers again.
type fastHdr struct {
	ok     bool
	v6     bool
	ttl    uint8 // TTL or hop limit
	flags  uint8 // the TCP flags byte
	off    uint8 // the TCP data offset (32-bit words); its low bit is NS
	ipAt   uint16
	segEnd uint32 // the captured end of the TCP segment in the frame
	// payloadLen is the payload length on the wire (at least the
	// captured one).
	payloadLen            int32
	srcPort, dstPort      uint16
	seq, ack              uint32
	window, check, urgent uint16
	hello                 helloKnown // of the payload
	// swap: the destination sorts before the source (keyOf).
	swap     bool
	src, dst [16]byte // IPv4 addresses in the first 4 bytes
}

// parse reads the headers of a frame of link type lt for fastTCP and
// reports whether it has the shape fastTCP takes (h.ok).
func (h *fastHdr) parse(lt layers.LinkType, data []byte) bool {
	h.ok = false
	switch lt {
	case layers.LinkTypeEthernet:
		if len(data) < 14 {
			return false
		}
		switch binary.BigEndian.Uint16(data[12:14]) {
		case uint16(layers.EthernetTypeIPv4):
			h.ok = h.ipv4(data, 14)
		case uint16(layers.EthernetTypeIPv6):
			h.ok = h.ipv6(data, 14)
		}
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		switch {
		case len(data) > 0 && data[0]>>4 == 6:
			h.ok = lt != layers.LinkTypeIPv4 && h.ipv6(data, 0)
		case lt != layers.LinkTypeIPv6:
			h.ok = h.ipv4(data, 0)
		}
	}
	return h.ok
}

// ipv4 is parse's IPv4 header, at data[at:].
func (h *fastHdr) ipv4(data []byte, at int) bool {
	p := data[at:]
	if len(p) < 20 || p[0] != 0x45 || p[9] != byte(layers.IPProtocolTCP) {
		return false // not version 4, options, or not TCP
	}
	length := int(binary.BigEndian.Uint16(p[2:4]))
	if length < 20 || binary.BigEndian.Uint16(p[6:8])&0x3fff != 0 {
		return false // a zero (offloaded) or bad length, or a fragment
	}
	if len(p) > length {
		p = p[:length] // Ethernet padding
	}
	if !h.segment(p[20:], at+20, length-20) {
		return false
	}
	h.v6, h.ttl, h.ipAt = false, p[8], uint16(at)
	h.src, h.dst = [16]byte{}, [16]byte{}
	copy(h.src[:4], p[12:16])
	copy(h.dst[:4], p[16:20])
	h.order(4)
	return true
}

// ipv6 is parse's IPv6 header, at data[at:].
func (h *fastHdr) ipv6(data []byte, at int) bool {
	p := data[at:]
	if len(p) < 40 || p[0]>>4 != 6 || p[6] != byte(layers.IPProtocolTCP) {
		return false // not version 6, or an extension header first
	}
	length := int(binary.BigEndian.Uint16(p[4:6]))
	if length == 0 {
		return false // jumbogram or segmentation offload
	}
	seg := p[40:]
	if len(seg) > length {
		seg = seg[:length]
	}
	if !h.segment(seg, at+40, length) {
		return false
	}
	h.v6, h.ttl, h.ipAt = true, p[7], uint16(at)
	h.src, h.dst = [16]byte(p[8:24]), [16]byte(p[24:40])
	h.order(16)
	return true
}

// order sets h.swap as keyOf orders the endpoints: by address (n bytes,
// the same family, no zone: byte order is netip's order), then port.
func (h *fastHdr) order(n int) {
	c := bytes.Compare(h.src[:n], h.dst[:n])
	if c == 0 {
		c = cmp.Compare(h.srcPort, h.dstPort)
	}
	h.swap = c > 0
}

// segment is parse's TCP header: seg, at data[at:], are the captured bytes
// of a segment of onWire bytes (options are not read: no SYN gets here,
// and only a SYN's are used).
func (h *fastHdr) segment(seg []byte, at, onWire int) bool {
	if len(seg) < 20 {
		return false
	}
	flags := seg[13]
	off := int(seg[12] >> 4)
	hdr := off * 4
	if flags&0x02 != 0 || off < 5 || hdr > len(seg) || hdr > onWire {
		return false // a SYN, a bad offset, or a header the snap length cut
	}
	h.flags, h.off = flags, seg[12]
	h.srcPort = binary.BigEndian.Uint16(seg[0:2])
	h.dstPort = binary.BigEndian.Uint16(seg[2:4])
	h.seq = binary.BigEndian.Uint32(seg[4:8])
	h.ack = binary.BigEndian.Uint32(seg[8:12])
	h.window = binary.BigEndian.Uint16(seg[14:16])
	h.check = binary.BigEndian.Uint16(seg[16:18])
	h.urgent = binary.BigEndian.Uint16(seg[18:20])
	h.segEnd = uint32(at + len(seg))
	h.hello = helloNo
	if startsClientHello(seg[hdr:]) {
		h.hello = helloYes
	}
	// Offloaded segments outgrow the length field.
	h.payloadLen = int32(max(onWire-hdr, len(seg)-hdr))
	return true
}

// TCP flags in fastHdr.flags.
const (
	tcpFIN = 0x01
	tcpRST = 0x04
)

// srcAddr is the segment's source address.
func (h *fastHdr) srcAddr() netip.Addr {
	if h.v6 {
		return netip.AddrFrom16(h.src)
	}
	return netip.AddrFrom4([4]byte(h.src[:4]))
}

// captured is how many payload bytes of the segment the frame holds.
func (h *fastHdr) captured() int {
	ipLen := 20
	if h.v6 {
		ipLen = 40
	}
	return int(h.segEnd) - int(h.ipAt) - ipLen - int(h.off>>4)*4
}

// fromHdr fills the decoder's layers and view from h, parsed from data,
// as gopacket's layers would (TestFastTCPSameAsGopacket); it reads nothing
// of data.
func (d *decoder) fromHdr(h *fastHdr, data []byte) *view {
	off := int(h.off >> 4)
	hdr := off * 4
	end := int(h.segEnd)
	ipLen := 20
	if h.v6 {
		ipLen = 40
	}
	start := int(h.ipAt) + ipLen
	t := &d.tcp
	t.SrcPort, t.DstPort = layers.TCPPort(h.srcPort), layers.TCPPort(h.dstPort)
	t.Seq, t.Ack = h.seq, h.ack
	t.DataOffset = uint8(off)
	flags := h.flags
	t.FIN = flags&tcpFIN != 0
	t.SYN = false
	t.RST = flags&tcpRST != 0
	t.PSH = flags&0x08 != 0
	t.ACK = flags&0x10 != 0
	t.URG = flags&0x20 != 0
	t.ECE = flags&0x40 != 0
	t.CWR = flags&0x80 != 0
	t.NS = h.off&0x01 != 0
	t.Window, t.Checksum, t.Urgent = h.window, h.check, h.urgent
	t.Options = t.Options[:0]
	t.Padding = t.Padding[:0]
	t.Multipath = false
	t.Contents = data[start : start+hdr]
	t.Payload = data[start+hdr : end]
	v := &d.view
	*v = view{isTCP: true, tcp: t, v6: h.v6, payloadLen: int(h.payloadLen), hello: h.hello, order: orderKept}
	if h.swap {
		v.order = orderSwapped
	}
	v.whole = v.payloadLen == end-start-hdr
	v.ipHeader = data[h.ipAt:start]
	if h.v6 {
		d.ip6.HopLimit = h.ttl
		v.src, v.dst = netip.AddrFrom16(h.src), netip.AddrFrom16(h.dst)
	} else {
		d.ip4.TTL = h.ttl
		v.src, v.dst = netip.AddrFrom4([4]byte(h.src[:4])), netip.AddrFrom4([4]byte(h.dst[:4]))
	}
	return v
}
