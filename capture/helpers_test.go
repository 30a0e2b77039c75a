package capture

import (
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// t0 is the synthetic traces' zero time.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

var (
	client  = netip.MustParseAddrPort("192.0.2.10:40000")
	server  = netip.MustParseAddrPort("203.0.113.10:21")
	client6 = netip.MustParseAddrPort("[2001:db8::10]:40000")
	server6 = netip.MustParseAddrPort("[2001:db8:1::10]:3005")
)

// rec is one synthetic packet: at seconds after t0, an IP packet.
type rec struct {
	at float64
	ip []byte
}

// seg describes a TCP segment.
type seg struct {
	src, dst netip.AddrPort
	flags    string // any of S A F R P
	seq, ack uint32
	payload  string
	mss      uint16
}

func ipLayer(src, dst netip.Addr, proto layers.IPProtocol) gopacket.SerializableLayer {
	if src.Is4() {
		return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice())}
	}
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice())}
}

// tcpPacket serializes an IP+TCP packet with valid lengths and checksums.
func tcpPacket(t testing.TB, s seg) []byte {
	t.Helper()
	ip := ipLayer(s.src.Addr(), s.dst.Addr(), layers.IPProtocolTCP)
	tcp := &layers.TCP{SrcPort: layers.TCPPort(s.src.Port()), DstPort: layers.TCPPort(s.dst.Port()), Seq: s.seq, Ack: s.ack, Window: 65535}
	for _, f := range s.flags {
		switch f {
		case 'S':
			tcp.SYN = true
		case 'A':
			tcp.ACK = true
		case 'F':
			tcp.FIN = true
		case 'R':
			tcp.RST = true
		case 'P':
			tcp.PSH = true
		}
	}
	if s.mss != 0 {
		tcp.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(s.mss >> 8), byte(s.mss)}}}
	}
	tcp.SetNetworkLayerForChecksum(ip.(gopacket.NetworkLayer))
	return serialize(t, ip, tcp, gopacket.Payload(s.payload))
}

// icmpPacket builds an ICMP (v4) or ICMPv6 error from `from` to `to`
// quoting the packet `quote` whole; extra is the MTU.
func icmpPacket(t testing.TB, from, to netip.Addr, typ, code uint8, extra uint32, quote []byte) []byte {
	t.Helper()
	if from.Is4() {
		ic := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code), Id: uint16(extra >> 16), Seq: uint16(extra)}
		return serialize(t, ipLayer(from, to, layers.IPProtocolICMPv4), ic, gopacket.Payload(quote))
	}
	ip := ipLayer(from, to, layers.IPProtocolICMPv6)
	ic := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, code)}
	ic.SetNetworkLayerForChecksum(ip.(gopacket.NetworkLayer))
	body := binary.BigEndian.AppendUint32(nil, extra)
	return serialize(t, ip, ic, gopacket.Payload(append(body, quote...)))
}

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// frame wraps an IP packet in the link header of lt. tags are the
// EtherTypes of VLAN tags (0x8100, 0x88a8, 0x9100), outermost first: the
// link header names the first, each tag the next (Ethernet, SLL, SLL2).
func frame(lt layers.LinkType, ip []byte, tags ...uint16) []byte {
	v6 := ip[0]>>4 == 6
	inner := uint16(0x0800)
	if v6 {
		inner = 0x86dd
	}
	et := inner
	var vlan []byte
	if len(tags) > 0 && lt != layers.LinkTypeNull && lt != layers.LinkTypeRaw {
		et = tags[0]
		for i := range tags {
			next := inner
			if i+1 < len(tags) {
				next = tags[i+1]
			}
			vlan = binary.BigEndian.AppendUint16(vlan, uint16(100+i)) // TCI: VLAN 100, 101...
			vlan = binary.BigEndian.AppendUint16(vlan, next)
		}
	}
	var h []byte
	switch lt {
	case layers.LinkTypeEthernet:
		h = make([]byte, 14)
		copy(h[0:6], []byte{2, 0, 0, 0, 0, 1})
		copy(h[6:12], []byte{2, 0, 0, 0, 0, 2})
		binary.BigEndian.PutUint16(h[12:], et)
	case layers.LinkTypeLinuxSLL:
		h = make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6)
		binary.BigEndian.PutUint16(h[14:], et)
	case layers.LinkTypeLinuxSLL2:
		h = make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], et)
		binary.BigEndian.PutUint32(h[4:], 2)
		binary.BigEndian.PutUint16(h[8:], 1)
		h[11] = 6
	case layers.LinkTypeNull:
		h = make([]byte, 4)
		fam := uint32(2)
		if v6 {
			fam = 30
		}
		binary.LittleEndian.PutUint32(h, fam)
	}
	return append(append(h, vlan...), ip...)
}

// writeTrace writes recs as a pcapng (or classic pcap) of link type lt.
func writeTrace(t testing.TB, name string, lt layers.LinkType, ng bool, recs []rec) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, traceBytes(t, lt, ng, recs), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func traceBytes(t testing.TB, lt layers.LinkType, ng bool, recs []rec) []byte {
	t.Helper()
	return traceBytesTagged(t, lt, ng, recs)
}

// traceBytesTagged is traceBytes with every frame carrying VLAN tags.
func traceBytesTagged(t testing.TB, lt layers.LinkType, ng bool, recs []rec, tags ...uint16) []byte {
	t.Helper()
	var b bytesBuffer
	var write func(gopacket.CaptureInfo, []byte) error
	var flush func() error
	if ng {
		w, err := pcapgo.NewNgWriter(&b, lt)
		if err != nil {
			t.Fatal(err)
		}
		write, flush = w.WritePacket, w.Flush
	} else {
		w := pcapgo.NewWriterNanos(&b)
		if err := w.WriteFileHeader(65535, lt); err != nil {
			t.Fatal(err)
		}
		write, flush = w.WritePacket, func() error { return nil }
	}
	for _, r := range recs {
		d := frame(lt, r.ip, tags...)
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(r.at * float64(time.Second))), CaptureLength: len(d), Length: len(d)}
		if err := write(ci, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	return b.b
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// readRecs writes recs as a pcapng and reads it back.
func readRecs(t *testing.T, recs []rec) *Evidence {
	t.Helper()
	ev, err := ReadFile(writeTrace(t, "t.pcapng", layers.LinkTypeEthernet, true, recs))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func netipPort(ap netip.AddrPort, port uint16) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr(), port)
}
