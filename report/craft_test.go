package report

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// crafted is a capture of hand-written TCP connections, for the cases
// where a session settles (capture/settle.go) in a way worth pinning: from
// a review of the report written while the capture is read.
type crafted struct {
	t    *testing.T
	pkts []craftedPkt
	// ttls are the TTLs of packets from an address (60 for any other):
	// 64 is a sender's initial TTL, the capture taken at that host.
	ttls map[netip.Addr]uint8
}

type craftedPkt struct {
	at   float64
	data []byte
}

// TCP flags of crafted segments.
const (
	cFIN = 1 << iota
	cSYN
	cRST
	cPSH
	cACK
)

func (cp *crafted) emit(at float64, src, dst netip.AddrPort, seq, ack uint32, flags int, payload []byte) {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	ttl, ok := cp.ttls[src.Addr()]
	if !ok {
		ttl = 60
	}
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: ttl, Protocol: layers.IPProtocolTCP, SrcIP: s4[:], DstIP: d4[:]}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 65535,
		FIN: flags&cFIN != 0, SYN: flags&cSYN != 0, RST: flags&cRST != 0, PSH: flags&cPSH != 0, ACK: flags&cACK != 0}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		cp.t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		cp.t.Fatal(err)
	}
	cp.pkts = append(cp.pkts, craftedPkt{at, bytes.Clone(buf.Bytes())})
}

// ticks adds a UDP packet every 5 s (from 2.5 s) up to until: traffic of no
// connection, so that the tracker looks for settled sessions meanwhile.
func (cp *crafted) ticks(until float64) {
	for at := 2.5; at <= until; at += 5 {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 9, 9, 9}, DstIP: net.IP{10, 9, 9, 8}}
		udp := &layers.UDP{SrcPort: 5353, DstPort: 5353}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			cp.t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload("x")); err != nil {
			cp.t.Fatal(err)
		}
		cp.pkts = append(cp.pkts, craftedPkt{at, bytes.Clone(buf.Bytes())})
	}
}

// pcap is the capture, its packets in time order.
func (cp *crafted) pcap() []byte {
	sort.SliceStable(cp.pkts, func(i, j int) bool { return cp.pkts[i].at < cp.pkts[j].at })
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		cp.t.Fatal(err)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range cp.pkts {
		ci := gopacket.CaptureInfo{Timestamp: base.Add(time.Duration(p.at * float64(time.Second))), CaptureLength: len(p.data), Length: len(p.data)}
		if err := w.WritePacket(ci, p.data); err != nil {
			cp.t.Fatal(err)
		}
	}
	return b.Bytes()
}

// craftedConn is a TCP connection from a to b, with each side's next
// sequence number.
type craftedConn struct {
	cp     *crafted
	a, b   netip.AddrPort
	sa, sb uint32
}

func (cp *crafted) conn(a, b string, isn uint32) *craftedConn {
	return &craftedConn{cp: cp, a: netip.MustParseAddrPort(a), b: netip.MustParseAddrPort(b), sa: isn, sb: isn + 100000}
}

func (c *craftedConn) syn(at float64) { c.cp.emit(at, c.a, c.b, c.sa, 0, cSYN, nil) }

func (c *craftedConn) open(at float64) {
	c.syn(at)
	c.cp.emit(at+0.001, c.b, c.a, c.sb, c.sa+1, cSYN|cACK, nil)
	c.sa++
	c.sb++
	c.cp.emit(at+0.002, c.a, c.b, c.sa, c.sb, cACK, nil)
}

// send sends s from a (fromA) or from b, acknowledged at once.
func (c *craftedConn) send(at float64, fromA bool, s string) {
	if fromA {
		c.cp.emit(at, c.a, c.b, c.sa, c.sb, cPSH|cACK, []byte(s))
		c.sa += uint32(len(s))
		c.cp.emit(at+0.0005, c.b, c.a, c.sb, c.sa, cACK, nil)
		return
	}
	c.cp.emit(at, c.b, c.a, c.sb, c.sa, cPSH|cACK, []byte(s))
	c.sb += uint32(len(s))
	c.cp.emit(at+0.0005, c.a, c.b, c.sa, c.sb, cACK, nil)
}

func (c *craftedConn) cmd(at float64, s string)   { c.send(at, true, s+"\r\n") }
func (c *craftedConn) reply(at float64, s string) { c.send(at, false, s+"\r\n") }

// close: a FIN each way, a first, and the last ACK.
func (c *craftedConn) close(at float64) {
	c.cp.emit(at, c.a, c.b, c.sa, c.sb, cFIN|cACK, nil)
	c.cp.emit(at+0.001, c.b, c.a, c.sb, c.sa+1, cFIN|cACK, nil)
	c.cp.emit(at+0.002, c.a, c.b, c.sa+1, c.sb+1, cACK, nil)
	c.sa++
	c.sb++
}

// finsLostAck: b's FIN, a's FIN, and a's last ACK lost: b sends its FIN
// again after each of gaps.
func (c *craftedConn) finsLostAck(at float64, gaps []float64) {
	c.cp.emit(at, c.b, c.a, c.sb, c.sa, cFIN|cACK, nil)
	c.cp.emit(at+0.001, c.a, c.b, c.sa, c.sb+1, cFIN|cACK, nil)
	for _, g := range gaps {
		c.cp.emit(at+g, c.b, c.a, c.sb, c.sa+1, cFIN|cACK, nil)
	}
}

// login: the greeting, USER and PASS from at; it returns when it ends.
func (c *craftedConn) login(at float64) float64 {
	c.reply(at, "220 (vsFTPd 3.0.3)")
	c.cmd(at+0.1, "USER anonymous")
	c.reply(at+0.2, "331 Please specify the password.")
	c.cmd(at+0.3, "PASS x@")
	c.reply(at+0.4, "230 Login successful.")
	return at + 0.5
}

// quit: QUIT at at and its 221; it returns when they are over.
func (c *craftedConn) quit(at float64) float64 {
	c.cmd(at, "QUIT")
	c.reply(at+0.1, "221 Goodbye.")
	return at + 0.2
}

// pasv: PASV at at and the 227 announcing ip and port.
func (c *craftedConn) pasv(at float64, ip string, port int) {
	c.cmd(at, "PASV")
	c.reply(at+0.1, pasvReply(ip, port))
}

// listed: LIST over the data connection d, dialled at at+0.15 and
// answered, which sends one line and ends with end at at+0.4; the 150
// and 226 around it.
func (c *craftedConn) listed(d *craftedConn, at float64, end func(at float64)) {
	d.open(at + 0.15)
	c.cmd(at+0.2, "LIST")
	c.reply(at+0.3, "150 Here comes the directory listing.")
	d.send(at+0.35, false, "-rw-r--r-- 1 ftp ftp 0 Jan 1 file\r\n")
	end(at + 0.4)
	c.reply(at+0.5, "226 Directory send OK.")
}

// listRefused: LIST at at+0.2, the server's 425 at replyAt, then QUIT and
// the connection's end.
func (c *craftedConn) listRefused(at, replyAt float64) {
	c.cmd(at+0.2, "LIST")
	c.reply(replyAt, "425 Failed to establish connection.")
	c.close(c.quit(replyAt + 0.1))
}

// minuteApart: n sessions of one client, a minute apart from 5 s, each a
// login and QUIT.
func (cp *crafted) minuteApart(n int) {
	for i := range n {
		c := cp.conn(fmt.Sprintf("198.51.100.20:%d", 43000+i), "192.0.2.10:21", uint32(100+i))
		c.open(float64(5 + 60*i))
		at := c.login(float64(5+60*i) + 0.01)
		c.close(c.quit(at))
	}
}

func pasvReply(ip string, port int) string {
	a := netip.MustParseAddr(ip).As4()
	return fmt.Sprintf("227 Entering Passive Mode (%d,%d,%d,%d,%d,%d).", a[0], a[1], a[2], a[3], port>>8, port&255)
}

// passiveUnseen: a session whose PASV data connection is not in the
// capture (filtered to the control port), the server answering 425.
func (cp *crafted) passiveUnseen(client string, cport int, at float64) {
	c := cp.conn(fmt.Sprintf("%s:%d", client, cport), "192.0.2.10:21", uint32(cport)*1000)
	c.open(at)
	at = c.login(at + 0.01)
	c.pasv(at, "192.0.2.10", 50000+cport%1000)
	c.listRefused(at, at+20.2)
}

// craftedCaptures are the review's cases, by name.
var craftedCaptures = map[string]func(cp *crafted){
	// Filtered to port 21, opening with a lone RST (the capture began as
	// an earlier connection was reset): whether the capture holds data
	// connections is known at its end only.
	"offcontrol": func(cp *crafted) {
		cp.emit(0, netip.MustParseAddrPort("192.0.2.10:21"), netip.MustParseAddrPort("198.51.100.7:40000"), 1, 1, cRST|cACK, nil)
		long := cp.conn("198.51.100.5:41000", "192.0.2.10:21", 5)
		long.open(1)
		at := long.login(1.01)
		long.cmd(at+38, "NOOP")
		long.reply(at+38.1, "200 NOOP ok.")
		long.close(long.quit(at + 45))
		for i, start := range []float64{2, 100, 200} {
			cp.passiveUnseen("198.51.100.20", 42000+i, start)
		}
		cp.conn("198.51.100.99:46000", "192.0.2.10:21", 17).syn(300)
	},
	// The server's FIN on the control connection sent again and again,
	// the client's last ACK lost, up to 100 s after.
	"latefin": func(cp *crafted) {
		c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
		c.open(0)
		at := c.login(0.01)
		c.pasv(at, "192.0.2.10", 50001)
		d := cp.conn("198.51.100.20:43001", "192.0.2.10:50001", 9)
		c.listed(d, at, d.close)
		c.quit(at + 0.6)
		c.finsLostAck(at+0.8, []float64{0.2, 0.6, 1.4, 3, 6.2, 12.6, 25.4, 51, 102.2})
		e := cp.conn("198.51.100.30:44000", "192.0.2.10:21", 11)
		e.open(40)
		e.login(40.01)
		e.close(e.quit(90))
		cp.conn("198.51.100.99:46000", "192.0.2.10:21", 17).syn(300)
	},
	// Session 1's data connection ends with its server's FIN sent again
	// (last ACK lost); session 2, of the same client, is told the same
	// passive port, and its SYNs there get no answer.
	"latedata": func(cp *crafted) {
		c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
		c.open(0)
		at := c.login(0.01)
		c.pasv(at, "192.0.2.10", 50001)
		d := cp.conn("198.51.100.20:60001", "192.0.2.10:50001", 9)
		c.listed(d, at, func(at float64) {
			d.finsLostAck(at, []float64{0.2, 0.6, 1.4, 3, 6.2, 12.6, 25.4, 51, 102.2})
		})
		c.close(c.quit(at + 0.6))
		e := cp.conn("198.51.100.20:43500", "192.0.2.10:21", 11)
		e.open(95)
		e.login(95.01)
		e.pasv(102.5, "192.0.2.10", 50001)
		f := cp.conn("198.51.100.20:60002", "192.0.2.10:50001", 19)
		for _, dt := range []float64{0, 1, 3, 7, 15} {
			f.syn(103.5 + dt)
		}
		e.listRefused(102.5, 125)
		cp.conn("198.51.100.99:46000", "192.0.2.10:21", 17).syn(300)
	},
	// A scanner's SYN to port 21 that nothing answers, then sessions a
	// minute apart.
	"synblock": func(cp *crafted) {
		sc := cp.conn("203.0.113.66:55555", "192.0.2.10:21", 23)
		for _, at := range []float64{0, 1, 3} {
			sc.syn(at)
		}
		cp.minuteApart(20)
	},
	// FTP on port 2121, found by its greeting: A's greeting comes 50 s
	// after its handshake (a reverse DNS timeout); B, of the same client
	// and server, starts 1 s after A and ends at once.
	"banner": func(cp *crafted) {
		a := cp.conn("198.51.100.20:45000", "192.0.2.10:2121", 13)
		a.open(0)
		at := a.login(50)
		a.close(a.quit(at))
		b := cp.conn("198.51.100.20:45001", "192.0.2.10:2121", 15)
		b.open(1)
		at = b.login(1.01)
		b.pasv(at, "192.0.2.10", 50002)
		b.listRefused(at, at+10.2)
		x := cp.conn("198.51.100.99:46000", "192.0.2.10:21", 17)
		x.syn(48)
		cp.emit(48.01, x.b, x.a, x.sb, x.sa, cRST|cACK, nil)
		cp.conn("198.51.100.99:46001", "192.0.2.10:21", 18).syn(100)
	},
	// FTP sessions a minute apart, and short HTTPS connections beside.
	"web": func(cp *crafted) {
		cp.minuteApart(20)
		for j := range 2000 {
			w := cp.conn(fmt.Sprintf("198.51.100.%d:%d", 100+j%100, 30000+j), "192.0.2.10:443", uint32(j))
			at := float64(j) * 0.6
			w.open(at)
			w.send(at+0.01, true, "\x16\x03\x01hello")
			w.close(at + 0.02)
		}
	},
}

// craftedIdle are cases from a second review: sessions the capture
// joined midway, and dials retried after long waits.
var craftedIdle = map[string]func(cp *crafted){
	// The capture starts on an idle session: a bare ACK, the next command
	// 40 s later; its passive data connection gets no answer.
	"mididle": func(cp *crafted) {
		c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
		c.sa, c.sb = 1000, 5000
		cp.emit(0, c.a, c.b, c.sa, c.sb, cACK, nil)
		c.cmd(40, "NOOP")
		c.reply(40.05, "200 NOOP ok.")
		at := 41.0
		c.pasv(at, "192.0.2.10", 50001)
		d := cp.conn("198.51.100.20:60001", "192.0.2.10:50001", 9)
		for _, dt := range []float64{0, 1, 3, 7} {
			d.syn(at + 0.15 + dt)
		}
		c.listRefused(at, at+20.2)
		cp.ticks(300)
	},
	// An old kernel's dial (3 s initial timeout): SYNs at 0, 3, 9, 21 and
	// 45 s unanswered, the sixth at 93 s answered; the session works.
	"synretry48": func(cp *crafted) {
		c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
		for _, at := range []float64{0, 3, 9, 21, 45} {
			c.syn(at)
		}
		c.open(93)
		at := c.login(93.01)
		c.pasv(at, "192.0.2.10", 50001)
		d := cp.conn("198.51.100.20:60001", "192.0.2.10:50001", 9)
		c.listed(d, at, d.close)
		c.close(c.quit(at + 0.6))
		cp.ticks(300)
	},
	// A passive dial retried with a 48 s gap, after the control
	// connection ended.
	"datasyn48": func(cp *crafted) {
		c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
		c.open(0)
		at := c.login(0.01)
		c.pasv(at, "192.0.2.10", 50001)
		d := cp.conn("198.51.100.20:60001", "192.0.2.10:50001", 9)
		for _, dt := range []float64{0, 3, 9, 21, 45, 93} {
			d.syn(at + 0.15 + dt)
		}
		c.listRefused(at, at+15.2)
		cp.ticks(300)
	},
}

func init() {
	for name, f := range craftedIdle {
		craftedCaptures[name] = f
	}
}

// craft builds the crafted capture name.
func craft(t *testing.T, name string) []byte {
	t.Helper()
	cp := &crafted{t: t}
	craftedCaptures[name](cp)
	return cp.pcap()
}
