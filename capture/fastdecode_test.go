package capture

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestFastTCPSameAsGopacket: every frame the fast path takes gives the
// view gopacket's layers give (addresses, TTL, IP header, the TCP fields
// the tracker and the redactor read, payload length and wholeness), and
// the frames it must leave to gopacket (VLAN, cooked and loopback link
// types, SYNs, IPv4 options and fragments, IPv6 extension headers,
// offloaded zero lengths, headers cut by the snap length, ICMP) it leaves.
func TestFastTCPSameAsGopacket(t *testing.T) {
	data := seg{src: client, dst: server, flags: "PA", seq: 7, ack: 9, payload: "RETR file\r\n"}
	data6 := seg{src: client6, dst: server6, flags: "A", seq: 1 << 31, ack: 3, payload: "x"}
	ip4 := tcpPacket(t, data)
	ip6 := tcpPacket(t, data6)
	edit := func(b []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(b)) }
	const eth = layers.LinkTypeEthernet
	tests := []struct {
		name string
		lt   layers.LinkType
		b    []byte
		fast bool
	}{
		{"ethernet ipv4", eth, frame(eth, ip4), true},
		{"ethernet ipv6", eth, frame(eth, ip6), true},
		{"raw ipv4", layers.LinkTypeRaw, ip4, true},
		{"raw ipv6", layers.LinkTypeRaw, ip6, true},
		{"linktype ipv4", layers.LinkTypeIPv4, ip4, true},
		{"linktype ipv6", layers.LinkTypeIPv6, ip6, true},
		{"ack fin rst", eth, frame(eth, tcpPacket(t, seg{src: server, dst: client, flags: "FRA", seq: 1, ack: 2})), true},
		{"ethernet padding", eth, append(frame(eth, tcpPacket(t, seg{src: client, dst: server, flags: "A", seq: 1})), 0, 0, 0, 0, 0, 0), true},
		{"snap length cut payload", eth, frame(eth, ip4)[:14+20+20+3], true},
		{"ip length shorter than the frame", eth, frame(eth, edit(ip4, func(b []byte) []byte {
			binary.BigEndian.PutUint16(b[2:], 45)
			return b
		})), true},
		{"tcp options", eth, frame(eth, edit(ip4, func(b []byte) []byte {
			// data offset 6 with one NOP-padded option word before the payload
			hdr := append(bytes.Clone(b[:40]), 1, 1, 1, 0)
			hdr[20+12] = 6 << 4
			b = append(hdr, b[40:]...)
			binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
			return b
		})), true},
		{"syn", eth, frame(eth, tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 1, mss: 1460})), false},
		{"syn-ack", eth, frame(eth, tcpPacket(t, seg{src: server, dst: client, flags: "SA", seq: 1, ack: 2, mss: 1400})), false},
		{"vlan", eth, frame(eth, ip4, 0x8100), false},
		{"sll", layers.LinkTypeLinuxSLL, frame(layers.LinkTypeLinuxSLL, ip4), false},
		{"loopback", layers.LinkTypeNull, frame(layers.LinkTypeNull, ip4), false},
		{"ipv4 options", eth, frame(eth, edit(ip4, func(b []byte) []byte {
			b = append(append(bytes.Clone(b[:20]), 1, 1, 1, 0), b[20:]...)
			b[0] = 0x46
			binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
			return b
		})), false},
		{"fragment", eth, frame(eth, edit(ip4, func(b []byte) []byte { b[6] |= 0x20; return b })), false},
		{"fragment offset", eth, frame(eth, edit(ip4, func(b []byte) []byte { b[7] = 8; return b })), false},
		{"zero length (offload)", eth, frame(eth, edit(ip4, func(b []byte) []byte { b[2], b[3] = 0, 0; return b })), false},
		{"ipv6 zero length", eth, frame(eth, edit(ip6, func(b []byte) []byte { b[4], b[5] = 0, 0; return b })), false},
		{"ipv6 extension header", eth, frame(eth, edit(ip6, func(b []byte) []byte { b[6] = 0; return b })), false},
		{"header cut by snap length", eth, frame(eth, ip4)[:14+20+12], false},
		{"not tcp", eth, frame(eth, edit(ip4, func(b []byte) []byte { b[9] = 17; return b })), false},
		{"ipv6 on ipv4 link type", layers.LinkTypeIPv4, ip6, false},
		{"bad data offset", eth, frame(eth, edit(ip4, func(b []byte) []byte { b[20+12] = 4 << 4; return b })), false},
		{"short", eth, frame(eth, ip4)[:30], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := newDecoder()
			fv := fd.fastTCP(tt.lt, tt.b)
			if (fv != nil) != tt.fast {
				t.Fatalf("fast path taken: %v, want %v", fv != nil, tt.fast)
			}
			if fv == nil {
				return
			}
			gd := newDecoder()
			gv := gd.decodeLayers(tt.lt, tt.b)
			if gv == nil {
				t.Fatal("gopacket decodes no TCP in the frame the fast path took")
			}
			if got, want := viewFacts(fd, fv), viewFacts(gd, gv); got != want {
				t.Errorf("fast path:\n%+v\ngopacket:\n%+v", got, want)
			}
		})
	}
}

// decodedFacts is what the tracker and the redactor read of a view.
type decodedFacts struct {
	v6, isTCP, whole                   bool
	src, dst, ipHeader                 string
	ttl, payloadLen                    int
	srcPort, dstPort                   layers.TCPPort
	seq, ack                           uint32
	offset                             uint8
	fin, syn, rst, psh, ackf, urg, ece bool
	cwr, ns                            bool
	window                             uint16
	contents, payload                  string
}

func viewFacts(d *decoder, v *view) decodedFacts {
	tcp := v.tcp
	return decodedFacts{
		v6: v.v6, isTCP: v.isTCP, whole: v.whole,
		src: v.src.String(), dst: v.dst.String(), ipHeader: string(v.ipHeader),
		ttl: d.ttlOf(v), payloadLen: v.payloadLen,
		srcPort: tcp.SrcPort, dstPort: tcp.DstPort, seq: tcp.Seq, ack: tcp.Ack, offset: tcp.DataOffset,
		fin: tcp.FIN, syn: tcp.SYN, rst: tcp.RST, psh: tcp.PSH, ackf: tcp.ACK, urg: tcp.URG, ece: tcp.ECE,
		cwr: tcp.CWR, ns: tcp.NS, window: tcp.Window,
		contents: string(tcp.Contents), payload: string(tcp.Payload),
	}
}

// TestFastOrderIsKeyOf: the endpoint order the reader takes from the
// headers (fastHdr.swap) is keyOf's, for both families, equal addresses
// and equal ports.
func TestFastOrderIsKeyOf(t *testing.T) {
	addrs := []string{"10.0.0.1", "10.0.0.2", "192.0.2.255", "1.2.3.4", "2001:db8::1", "2001:db8::2", "::ffff:10.0.0.1", "fe80::1"}
	ports := []uint16{21, 20, 50000, 21}
	for _, a := range addrs {
		for _, b := range addrs {
			pa, pb := netip.MustParseAddr(a), netip.MustParseAddr(b)
			if pa.Is4() != pb.Is4() {
				continue
			}
			for _, sp := range ports {
				for _, dp := range ports {
					src, dst := netip.AddrPortFrom(pa, sp), netip.AddrPortFrom(pb, dp)
					b := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: src, dst: dst, flags: "A", seq: 1}))
					var h fastHdr
					if !h.parse(layers.LinkTypeEthernet, b) {
						t.Fatalf("%v > %v: not parsed", src, dst)
					}
					if want := keyOf(src, dst) != connKeyOf(src, dst); h.swap != want {
						t.Errorf("%v > %v: swap %v, keyOf swaps %v", src, dst, h.swap, want)
					}
				}
			}
		}
	}
}
