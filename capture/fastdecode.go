package capture

import (
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
	switch lt {
	case layers.LinkTypeEthernet:
		if len(data) < 14 {
			return nil
		}
		switch binary.BigEndian.Uint16(data[12:14]) {
		case uint16(layers.EthernetTypeIPv4):
			return d.fastIPv4(data[14:])
		case uint16(layers.EthernetTypeIPv6):
			return d.fastIPv6(data[14:])
		}
		return nil
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		if len(data) > 0 && data[0]>>4 == 6 {
			if lt == layers.LinkTypeIPv4 {
				return nil
			}
			return d.fastIPv6(data)
		}
		if lt == layers.LinkTypeIPv6 {
			return nil
		}
		return d.fastIPv4(data)
	}
	return nil
}

// fastIPv4 is fastTCP's IPv4 header.
func (d *decoder) fastIPv4(p []byte) *view {
	if len(p) < 20 || p[0] != 0x45 || p[9] != byte(layers.IPProtocolTCP) {
		return nil // not version 4, options, or not TCP
	}
	length := int(binary.BigEndian.Uint16(p[2:4]))
	if length < 20 || binary.BigEndian.Uint16(p[6:8])&0x3fff != 0 {
		return nil // a zero (offloaded) or bad length, or a fragment
	}
	if len(p) > length {
		p = p[:length] // Ethernet padding
	}
	v := d.fastSegment(p[20:], length-20)
	if v == nil {
		return nil
	}
	d.ip4.TTL = p[8]
	v.src = netip.AddrFrom4([4]byte(p[12:16]))
	v.dst = netip.AddrFrom4([4]byte(p[16:20]))
	v.ipHeader = p[:20]
	return v
}

// fastIPv6 is fastTCP's IPv6 header.
func (d *decoder) fastIPv6(p []byte) *view {
	if len(p) < 40 || p[0]>>4 != 6 || p[6] != byte(layers.IPProtocolTCP) {
		return nil // not version 6, or an extension header first
	}
	length := int(binary.BigEndian.Uint16(p[4:6]))
	if length == 0 {
		return nil // jumbogram or segmentation offload
	}
	seg := p[40:]
	if len(seg) > length {
		seg = seg[:length]
	}
	v := d.fastSegment(seg, length)
	if v == nil {
		return nil
	}
	v.v6 = true
	d.ip6.HopLimit = p[7]
	v.src = netip.AddrFrom16([16]byte(p[8:24]))
	v.dst = netip.AddrFrom16([16]byte(p[24:40]))
	v.ipHeader = p[:40]
	return v
}

// fastSegment fills the decoder's TCP layer from seg, the captured bytes
// of a segment of onWire bytes, as gopacket's TCP layer would (options
// are not read: no SYN gets here, and only a SYN's are used).
func (d *decoder) fastSegment(seg []byte, onWire int) *view {
	if len(seg) < 20 {
		return nil
	}
	flags := seg[13]
	off := int(seg[12] >> 4)
	hdr := off * 4
	if flags&0x02 != 0 || off < 5 || hdr > len(seg) || hdr > onWire {
		return nil // a SYN, a bad offset, or a header the snap length cut
	}
	t := &d.tcp
	t.SrcPort = layers.TCPPort(binary.BigEndian.Uint16(seg[0:2]))
	t.DstPort = layers.TCPPort(binary.BigEndian.Uint16(seg[2:4]))
	t.Seq = binary.BigEndian.Uint32(seg[4:8])
	t.Ack = binary.BigEndian.Uint32(seg[8:12])
	t.DataOffset = uint8(off)
	t.FIN = flags&0x01 != 0
	t.SYN = false
	t.RST = flags&0x04 != 0
	t.PSH = flags&0x08 != 0
	t.ACK = flags&0x10 != 0
	t.URG = flags&0x20 != 0
	t.ECE = flags&0x40 != 0
	t.CWR = flags&0x80 != 0
	t.NS = seg[12]&0x01 != 0
	t.Window = binary.BigEndian.Uint16(seg[14:16])
	t.Checksum = binary.BigEndian.Uint16(seg[16:18])
	t.Urgent = binary.BigEndian.Uint16(seg[18:20])
	t.Options = t.Options[:0]
	t.Padding = t.Padding[:0]
	t.Multipath = false
	t.Contents = seg[:hdr]
	t.Payload = seg[hdr:]
	v := &d.view
	*v = view{isTCP: true, tcp: t}
	captured := len(t.Payload)
	v.payloadLen = onWire - hdr
	if v.payloadLen < captured {
		v.payloadLen = captured // offloaded segments outgrow the length field
	}
	v.whole = v.payloadLen == captured
	return v
}
