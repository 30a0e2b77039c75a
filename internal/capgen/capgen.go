// Package capgen writes deterministic synthetic FTP captures: thousands of
// FTP sessions (control dialogue and data transfers, every data mode, some
// broken the ways the lab breaks them) as a pcap, built with gopacket
// layers from a seed. It feeds `ftpdiag analyze`'s benchmark and the bench
// script (scripts/bench-analyze); the same options always give the same
// bytes.
package capgen

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Options shape a generated capture.
type Options struct {
	Seed uint64
	// Bytes is the approximate size of the pcap to write.
	Bytes int64
	// Sessions is how many FTP sessions to spread those bytes over.
	Sessions int
	// Concurrent is how many sessions run at once (interleaved packets).
	Concurrent int
}

// Stats says what was written.
type Stats struct {
	Packets  int
	Bytes    int64
	Sessions int
	Failures int // sessions with a broken data connection
}

// mss is the data segment size: Ethernet MTU 1500 minus 40 bytes of
// headers and 12 of TCP timestamps, as common paths carry.
const mss = 1448

// start is the capture's first timestamp.
var start = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// pkt is one packet a session wants to send, after wait seconds.
type pkt struct {
	wait     float64
	src, dst netip.AddrPort
	flags    uint8 // tcpSYN... below
	seq, ack uint32
	payload  []byte
	ttl      uint8
}

const (
	tcpFIN = 1 << iota
	tcpSYN
	tcpRST
	tcpPSH
	tcpACK
)

// Write writes a capture to w.
func Write(w io.Writer, o Options) (Stats, error) {
	if o.Sessions <= 0 {
		o.Sessions = 5000
	}
	if o.Concurrent <= 0 {
		o.Concurrent = 16
	}
	if o.Bytes <= 0 {
		o.Bytes = 1 << 30
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return Stats{}, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	fill := make([]byte, 1<<16)
	for i := range fill {
		fill[i] = byte(rng.Uint32())
	}
	g := &gen{pw: pw, rng: rng, fill: fill, buf: gopacket.NewSerializeBuffer()}
	// Average bytes of data per session, so that the file ends near o.Bytes
	// (each data packet costs its payload plus ~82 bytes of headers).
	g.perSession = o.Bytes / int64(o.Sessions) * mss / (mss + 82) * 4 / 3

	// Each running session holds its next packet and when it is due; the
	// earliest due packet is written next, so a session waiting for a SYN
	// retransmission does not hold the others up.
	type running struct {
		next func() (pkt, bool)
		stop func()
		p    pkt
		due  float64
	}
	var act []*running
	now := 0.0
	started := 0
	pull := func(r *running) bool {
		p, ok := r.next()
		if !ok {
			r.stop()
			return false
		}
		r.p, r.due = p, now+0.00002+p.wait
		return true
	}
	launch := func() {
		for started < o.Sessions {
			next, stop := iter.Pull(g.session(started))
			started++
			r := &running{next: next, stop: stop}
			if pull(r) {
				act = append(act, r)
				return
			}
		}
	}
	for started < o.Sessions && len(act) < o.Concurrent {
		launch()
	}
	for len(act) > 0 {
		bi := 0
		for i, r := range act {
			if r.due < act[bi].due {
				bi = i
			}
		}
		r := act[bi]
		now = max(now, r.due)
		if err := g.write(r.p, now); err != nil {
			return g.stats, err
		}
		if !pull(r) {
			act = append(act[:bi], act[bi+1:]...)
			launch()
		}
	}
	g.stats.Sessions = started
	return g.stats, bw.Flush()
}

type gen struct {
	pw         *pcapgo.Writer
	rng        *rand.Rand
	fill       []byte
	buf        gopacket.SerializeBuffer
	perSession int64
	stats      Stats
	// Preallocated layers: serializing reuses them.
	eth layers.Ethernet
	ip  layers.IPv4
	tcp layers.TCP
}

var macA, macB = net.HardwareAddr{2, 0, 0, 0, 0, 1}, net.HardwareAddr{2, 0, 0, 0, 0, 2}

func (g *gen) write(p pkt, at float64) error {
	g.eth = layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
	s4, d4 := p.src.Addr().As4(), p.dst.Addr().As4()
	g.ip = layers.IPv4{Version: 4, IHL: 5, TTL: p.ttl, Protocol: layers.IPProtocolTCP, SrcIP: s4[:], DstIP: d4[:], Flags: layers.IPv4DontFragment}
	g.tcp = layers.TCP{SrcPort: layers.TCPPort(p.src.Port()), DstPort: layers.TCPPort(p.dst.Port()), Seq: p.seq, Ack: p.ack, Window: 65535,
		FIN: p.flags&tcpFIN != 0, SYN: p.flags&tcpSYN != 0, RST: p.flags&tcpRST != 0, PSH: p.flags&tcpPSH != 0, ACK: p.flags&tcpACK != 0}
	if p.flags&tcpSYN != 0 {
		g.tcp.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{mss >> 8, mss & 0xff}}}
	}
	if err := g.tcp.SetNetworkLayerForChecksum(&g.ip); err != nil {
		return err
	}
	if err := gopacket.SerializeLayers(g.buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, &g.eth, &g.ip, &g.tcp, gopacket.Payload(p.payload)); err != nil {
		return err
	}
	b := g.buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(at * float64(time.Second))), CaptureLength: len(b), Length: len(b)}
	g.stats.Packets++
	g.stats.Bytes += int64(len(b)) + 16
	return g.pw.WritePacket(ci, b)
}

// tcpConn follows one connection's sequence numbers.
type tcpConn struct {
	a, b       netip.AddrPort // a opened it
	seqA, seqB uint32
	ttlA, ttlB uint8
}

// The capture is taken at the server: its packets keep TTL 64, the
// clients' arrive a few hops away.
const serverTTL = 64

// session yields the packets of session i.
func (g *gen) session(i int) iter.Seq[pkt] {
	rng := rand.New(rand.NewPCG(uint64(i), g.rng.Uint64()))
	client := netip.AddrFrom4([4]byte{10, byte(1 + (i>>16)&0x3f), byte(i >> 8), byte(i)})
	server := netip.AddrFrom4([4]byte{203, 0, 113, byte(10 + i%8)})
	cttl := uint8(64 - 3 - rng.IntN(8))
	ctl := &tcpConn{a: netip.AddrPortFrom(client, uint16(30000+rng.IntN(30000))), b: netip.AddrPortFrom(server, 21), seqA: rng.Uint32(), seqB: rng.Uint32(), ttlA: cttl, ttlB: serverTTL}
	// One session in eight is broken: passive filtered, passive refused,
	// or a server behind NAT announcing a private address.
	broken := rng.IntN(8) == 0
	kind := rng.IntN(3)
	if broken {
		g.stats.Failures++
	}
	transfers := 2 + rng.IntN(5)
	budget := g.perSession
	return func(yield func(pkt) bool) {
		y := func(p pkt) bool { return yield(p) }
		if !handshake(y, ctl, 0.001) {
			return
		}
		lines := []struct{ c, r string }{
			{"", "220 (vsFTPd 3.0.3)\r\n"},
			{"USER alice\r\n", "331 Please specify the password.\r\n"},
			{"PASS secret" + fmt.Sprint(i) + "\r\n", "230 Login successful.\r\n"},
			{"SYST\r\n", "215 UNIX Type: L8\r\n"},
			{"TYPE I\r\n", "200 Switching to Binary mode.\r\n"},
		}
		for _, l := range lines {
			if !dialogue(y, ctl, l.c, l.r) {
				return
			}
		}
		for t := 0; t < transfers; t++ {
			mode := []string{"EPSV", "PASV", "EPRT", "PORT"}[rng.IntN(4)]
			if broken {
				mode = []string{"EPSV", "PASV"}[rng.IntN(2)]
			}
			verb := "RETR file" + fmt.Sprint(t) + ".bin"
			size := int64(0)
			if t == 0 {
				verb, size = "LIST", int64(200+rng.IntN(2000))
			} else {
				size = max(budget/int64(transfers-1), 0) // an earlier transfer may have taken more than its share
				size = size/2 + rng.Int64N(size+1)
			}
			dport := uint16(30000 + rng.IntN(1000))
			cport := uint16(40000 + rng.IntN(20000))
			var cmd, rep string
			announced := server
			if broken && kind == 2 {
				announced = netip.AddrFrom4([4]byte{10, 77, 0, 2})
			}
			switch mode {
			case "EPSV":
				cmd, rep = "EPSV\r\n", fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)\r\n", dport)
			case "PASV":
				a := announced.As4()
				cmd, rep = "PASV\r\n", fmt.Sprintf("227 Entering Passive Mode (%d,%d,%d,%d,%d,%d).\r\n", a[0], a[1], a[2], a[3], dport>>8, dport&0xff)
			case "EPRT":
				cmd, rep = fmt.Sprintf("EPRT |1|%s|%d|\r\n", client, cport), "200 EPRT command successful. Consider using EPSV.\r\n"
			case "PORT":
				a := client.As4()
				cmd, rep = fmt.Sprintf("PORT %d,%d,%d,%d,%d,%d\r\n", a[0], a[1], a[2], a[3], cport>>8, cport&0xff), "200 PORT command successful. Consider using PASV.\r\n"
			}
			if !dialogue(y, ctl, cmd, rep) {
				return
			}
			passive := mode == "EPSV" || mode == "PASV"
			var dc *tcpConn
			if passive {
				dc = &tcpConn{a: netip.AddrPortFrom(client, cport), b: netip.AddrPortFrom(server, dport), seqA: rng.Uint32(), seqB: rng.Uint32(), ttlA: cttl, ttlB: serverTTL}
			} else {
				dc = &tcpConn{a: netip.AddrPortFrom(server, 20), b: netip.AddrPortFrom(client, cport), seqA: rng.Uint32(), seqB: rng.Uint32(), ttlA: serverTTL, ttlB: cttl}
			}
			if broken && kind != 2 && passive {
				// The client dials, the SYNs die or are refused; 425.
				if !command(y, ctl, strings0(verb)) {
					return
				}
				if kind == 0 {
					for _, w := range []float64{0.01, 1, 2} {
						if !y(pkt{wait: w, src: dc.a, dst: dc.b, flags: tcpSYN, seq: dc.seqA, ttl: dc.ttlA}) {
							return
						}
					}
				} else {
					if !y(pkt{wait: 0.01, src: dc.a, dst: dc.b, flags: tcpSYN, seq: dc.seqA, ttl: dc.ttlA}) ||
						!y(pkt{wait: 0.001, src: dc.b, dst: dc.a, flags: tcpRST | tcpACK, ack: dc.seqA + 1, ttl: dc.ttlB}) {
						return
					}
				}
				if !reply(y, ctl, "425 Failed to establish connection.\r\n", 1) {
					return
				}
				continue
			}
			if !command(y, ctl, strings0(verb)) {
				return
			}
			if !handshake(y, dc, 0.001) || !reply(y, ctl, "150 Opening BINARY mode data connection.\r\n", 0.0005) {
				return
			}
			// The server sends the data: from b (passive) or a (active).
			if !sendData(y, dc, !passive, size, g.fill, rng) || !closeConn(y, dc, !passive) {
				return
			}
			budget -= size
			if !reply(y, ctl, "226 Transfer complete.\r\n", 0.0005) {
				return
			}
		}
		if dialogue(y, ctl, "QUIT\r\n", "221 Goodbye.\r\n") {
			closeConn(y, ctl, true)
		}
	}
}

func strings0(verb string) string { return verb + "\r\n" }

// handshake yields SYN, SYN-ACK, ACK.
func handshake(y func(pkt) bool, c *tcpConn, wait float64) bool {
	ok := y(pkt{wait: wait, src: c.a, dst: c.b, flags: tcpSYN, seq: c.seqA, ttl: c.ttlA}) &&
		y(pkt{wait: 0.0005, src: c.b, dst: c.a, flags: tcpSYN | tcpACK, seq: c.seqB, ack: c.seqA + 1, ttl: c.ttlB}) &&
		y(pkt{wait: 0.0005, src: c.a, dst: c.b, flags: tcpACK, seq: c.seqA + 1, ack: c.seqB + 1, ttl: c.ttlA})
	c.seqA++
	c.seqB++
	return ok
}

// command yields a client command (control: a is the client).
func command(y func(pkt) bool, c *tcpConn, line string) bool {
	p := pkt{wait: 0.002, src: c.a, dst: c.b, flags: tcpPSH | tcpACK, seq: c.seqA, ack: c.seqB, payload: []byte(line), ttl: c.ttlA}
	c.seqA += uint32(len(line))
	return y(p)
}

// reply yields a server reply.
func reply(y func(pkt) bool, c *tcpConn, text string, wait float64) bool {
	p := pkt{wait: wait, src: c.b, dst: c.a, flags: tcpPSH | tcpACK, seq: c.seqB, ack: c.seqA, payload: []byte(text), ttl: c.ttlB}
	c.seqB += uint32(len(text))
	return y(p)
}

// dialogue yields a command (none when c is "") and its reply.
func dialogue(y func(pkt) bool, c *tcpConn, cmd, rep string) bool {
	if cmd != "" && !command(y, c, cmd) {
		return false
	}
	return reply(y, c, rep, 0.001)
}

// sendData yields size bytes from one side in MSS segments, with an ACK
// from the other side every second segment.
func sendData(y func(pkt) bool, c *tcpConn, fromA bool, size int64, fill []byte, rng *rand.Rand) bool {
	src, dst, seq, ack, ttl, attl := c.b, c.a, &c.seqB, &c.seqA, c.ttlB, c.ttlA
	if fromA {
		src, dst, seq, ack, ttl, attl = c.a, c.b, &c.seqA, &c.seqB, c.ttlA, c.ttlB
	}
	for n := 0; size > 0; n++ {
		l := int64(mss)
		if size < l {
			l = size
		}
		off := rng.IntN(len(fill) - mss)
		if !y(pkt{wait: 0.00001, src: src, dst: dst, flags: tcpACK, seq: *seq, ack: *ack, payload: fill[off : off+int(l)], ttl: ttl}) {
			return false
		}
		*seq += uint32(l)
		size -= l
		if n%2 == 1 {
			if !y(pkt{wait: 0.00001, src: dst, dst: src, flags: tcpACK, seq: *ack, ack: *seq, ttl: attl}) {
				return false
			}
		}
	}
	return true
}

// closeConn yields FIN from one side, FIN from the other, and the last ACK.
func closeConn(y func(pkt) bool, c *tcpConn, fromA bool) bool {
	a, b, sa, sb, ta, tb := c.a, c.b, &c.seqA, &c.seqB, c.ttlA, c.ttlB
	if !fromA {
		a, b, sa, sb, ta, tb = c.b, c.a, &c.seqB, &c.seqA, c.ttlB, c.ttlA
	}
	ok := y(pkt{wait: 0.0005, src: a, dst: b, flags: tcpFIN | tcpACK, seq: *sa, ack: *sb, ttl: ta}) &&
		y(pkt{wait: 0.0005, src: b, dst: a, flags: tcpFIN | tcpACK, seq: *sb, ack: *sa + 1, ttl: tb}) &&
		y(pkt{wait: 0.0005, src: a, dst: b, flags: tcpACK, seq: *sa + 1, ack: *sb + 1, ttl: ta})
	*sa++
	*sb++
	return ok
}
