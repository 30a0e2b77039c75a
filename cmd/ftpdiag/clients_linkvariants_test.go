package main

import (
	"encoding/binary"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// More variants of the healthy client captures: other link layers and
// encapsulations, a non-standard control port, timestamps that step back,
// control segments duplicated, split and reordered, a command pipelined
// before the greeting. Each is still the same healthy session.
var linkVariants = []captureVariant{
	// A trunk or SPAN port: every frame tagged 802.1Q, VLAN 100.
	{name: "vlan", snaplen: 262144, link: layers.LinkTypeEthernet, derive: eachFrame(func(d []byte) []byte {
		out := append([]byte{}, d[:12]...)
		out = append(out, 0x81, 0x00, 0x00, 100)
		return append(out, d[12:]...)
	})},
	// tcpdump -i any: Linux cooked capture v1 (SLL).
	{name: "sll", snaplen: 262144, link: layers.LinkTypeLinuxSLL, derive: eachFrame(func(d []byte) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6)
		copy(h[6:], d[6:12])
		copy(h[14:], d[12:14])
		return append(h, d[14:]...)
	})},
	// tcpdump -i any since 4.99: Linux cooked capture v2 (SLL2).
	{name: "sll2", snaplen: 262144, link: layers.LinkTypeLinuxSLL2, derive: eachFrame(func(d []byte) []byte {
		h := make([]byte, 20)
		copy(h[0:], d[12:14])
		binary.BigEndian.PutUint32(h[4:], 2) // interface index
		binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
		h[11] = 6
		copy(h[12:], d[6:12])
		return append(h, d[14:]...)
	})},
	// A tunnel or VPN interface: raw IP, no link header.
	{name: "raw-ip", snaplen: 262144, link: layers.LinkTypeRaw, derive: eachFrame(func(d []byte) []byte {
		return append([]byte{}, d[14:]...)
	})},
	// BSD loopback: a 4-byte address family in host order (AF_INET = 2).
	{name: "null", snaplen: 262144, link: layers.LinkTypeNull, derive: eachFrame(func(d []byte) []byte {
		return append([]byte{2, 0, 0, 0}, d[14:]...)
	})},
	// The server listens on 2121: every port 21 becomes 2121 (analyze
	// --control-port 2121).
	{name: "control-port-2121", snaplen: 262144, link: layers.LinkTypeEthernet, args: []string{"--control-port", "2121"}, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		return reencodeControl(in, func(tcp *layers.TCP) [][]byte {
			if tcp.SrcPort == 21 {
				tcp.SrcPort = 2121
			} else {
				tcp.DstPort = 2121
			}
			return [][]byte{tcp.Payload}
		})
	}},
	// A multi-queue NIC whose queues' clocks differ by up to 10 µs: a
	// packet less than 10 µs behind the one before it (another queue) is
	// stamped 2 µs before it; the file order is the true one.
	{name: "timestamps-jittered", snaplen: 262144, link: layers.LinkTypeEthernet, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		out, back := slicesClone(in), false
		for i := 1; i < len(out); i++ {
			if in[i].ci.Timestamp.Sub(in[i-1].ci.Timestamp) < 10*time.Microsecond {
				out[i].ci.Timestamp, back = out[i-1].ci.Timestamp.Add(-2*time.Microsecond), true
			}
		}
		return out, back
	}},
	// Every control segment seen twice (a SPAN port copying both
	// directions of a bridge).
	{name: "control-duplicated", snaplen: 262144, link: layers.LinkTypeEthernet, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		return reencodeControl(in, func(tcp *layers.TCP) [][]byte {
			if len(tcp.Payload) == 0 {
				return [][]byte{nil}
			}
			return [][]byte{tcp.Payload, tcp.Payload}
		})
	}},
	// Every control segment of two bytes or more split in two, the second
	// half first.
	{name: "control-split-reordered", snaplen: 262144, link: layers.LinkTypeEthernet, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		return reencodeControl(in, func(tcp *layers.TCP) [][]byte {
			if len(tcp.Payload) < 2 {
				return [][]byte{tcp.Payload}
			}
			return [][]byte{tcp.Payload[len(tcp.Payload)/2:], tcp.Payload[:len(tcp.Payload)/2]}
		})
	}},
	// A client that sends its first command without waiting for the
	// greeting: its first control segment moved before the server's 220,
	// acknowledging nothing of it.
	{name: "pipelined-before-greeting", snaplen: 262144, link: layers.LinkTypeEthernet, derive: pipelineFirstCommand},
}

// pipelineFirstCommand moves the client's first control segment with a
// payload before the server's first one (the greeting), its ACK number set
// to the greeting's sequence number.
func pipelineFirstCommand(in []pcapPacket) ([]pcapPacket, bool) {
	greeting, first := -1, -1
	for i, p := range in {
		tcp := tcpOf(p.data)
		if tcp == nil || len(tcp.Payload) == 0 {
			continue
		}
		if greeting < 0 && tcp.SrcPort == 21 {
			greeting = i
		}
		if tcp.DstPort == 21 {
			first = i
			break
		}
	}
	if greeting < 0 || first < greeting {
		return nil, false
	}
	pkt := gopacket.NewPacket(in[first].data, layers.LinkTypeEthernet, gopacket.Default)
	eth, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if eth == nil || ip == nil || tcp == nil {
		return nil, false
	}
	t := *tcp
	t.Ack = tcpOf(in[greeting].data).Seq
	d, err := encodeTCP(eth, ip, &t, tcp.Payload)
	if err != nil {
		return nil, false
	}
	moved := in[first]
	moved.data, moved.ci.CaptureLength, moved.ci.Length = d, len(d), len(d)
	moved.ci.Timestamp = in[greeting].ci.Timestamp.Add(-time.Microsecond)
	out := append(slicesClone(in[:greeting]), moved)
	out = append(out, in[greeting:first]...)
	return append(out, in[first+1:]...), true
}

// eachFrame derives a variant by rewriting every Ethernet frame.
func eachFrame(f func([]byte) []byte) func([]pcapPacket) ([]pcapPacket, bool) {
	return func(in []pcapPacket) ([]pcapPacket, bool) {
		out := make([]pcapPacket, 0, len(in))
		for _, p := range in {
			d := f(p.data)
			p.ci.Length += len(d) - len(p.data)
			p.ci.CaptureLength = len(d)
			p.data = d
			out = append(out, p)
		}
		return out, len(out) > 0
	}
}

// reencodeControl rewrites every port 21 segment: f may change the TCP
// header's ports and returns the payloads to send in its place, in that
// order, each at its own sequence number (a payload is placed by where it
// lies in the original one; a repeated payload is a duplicate). The
// segments are encoded again with correct lengths and checksums.
func reencodeControl(in []pcapPacket, f func(*layers.TCP) [][]byte) ([]pcapPacket, bool) {
	var out []pcapPacket
	changed := false
	for _, p := range in {
		pkt := gopacket.NewPacket(p.data, layers.LinkTypeEthernet, gopacket.Default)
		eth, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if eth == nil || ip == nil || tcp == nil || (tcp.SrcPort != 21 && tcp.DstPort != 21) {
			out = append(out, p)
			continue
		}
		payload, seq := tcp.Payload, tcp.Seq
		for _, part := range f(tcp) {
			t := *tcp
			t.Seq = seq
			if len(part) > 0 {
				t.Seq = seq + uint32(offsetIn(payload, part))
			}
			d, err := encodeTCP(eth, ip, &t, part)
			if err != nil {
				return nil, false
			}
			q := p
			q.data, q.ci.CaptureLength, q.ci.Length = d, len(d), len(d)
			out = append(out, q)
		}
		changed = true
	}
	return out, changed
}

// offsetIn returns where part starts inside payload (part is a subslice of
// it or equal to it).
func offsetIn(payload, part []byte) int {
	if len(part) == 0 || len(payload) == 0 {
		return 0
	}
	return cap(payload) - cap(part)
}

func encodeTCP(eth *layers.Ethernet, ip *layers.IPv4, tcp *layers.TCP, payload []byte) ([]byte, error) {
	e, i, t := *eth, *ip, *tcp
	if err := t.SetNetworkLayerForChecksum(&i); err != nil {
		return nil, err
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&e, &i, &t, gopacket.Payload(payload))
	return buf.Bytes(), err
}
