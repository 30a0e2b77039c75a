package report

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/internal/pcaptest"
)

// clientCapture reads a third-party client's capture of testdata/clients.
func clientCapture(t *testing.T, name string) pcaptest.Capture {
	t.Helper()
	return pcaptest.Read(t, filepath.Join("..", "testdata", "clients", name+".pcap"))
}

// analyzeCapture diagnoses a derived capture as `ftpdiag analyze` does.
func analyzeCapture(t *testing.T, c pcaptest.Capture) *CaptureDiagnosis {
	t.Helper()
	ev, err := capture.ReadTraces([]capture.Trace{{Name: "variant", R: bytes.NewReader(c.Bytes(t))}}, capture.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return DiagnoseCapture(ev)
}

// sliced is the capture as tcpdump -s snap would have taken it.
func sliced(c pcaptest.Capture, snap int) pcaptest.Capture {
	out := pcaptest.Capture{LinkType: c.LinkType, Snaplen: uint32(snap)}
	for _, p := range c.Packets {
		if len(p.Data) > snap {
			p.Data = p.Data[:snap:snap]
			p.Info.CaptureLength = snap
		}
		out.Packets = append(out.Packets, p)
	}
	return out
}

// unseenReport is what a test reads of an analyze report: the error and
// warning ids, whether capture-incomplete is there, and the verdicts and
// explanations to show.
func unseenReport(cd *CaptureDiagnosis) (ids []string, incomplete bool, text string) {
	var texts []string
	for _, d := range cd.Sessions {
		texts = append(texts, "verdict: "+d.Verdict)
		for _, f := range d.Findings {
			texts = append(texts, f.ID+": "+f.Title+"\n  "+f.Explanation)
			incomplete = incomplete || f.ID == "capture-incomplete"
		}
	}
	return analyzedIDs(cd), incomplete, strings.Join(texts, "\n")
}

// TestAnalyzeSlicedBeforeLogin: a capture whose snap length cut the
// control text before the login's outcome (the 331 asking for the
// password cut, or the greeting itself) cannot say the session logged in,
// nor that it failed to: the login was not observed (capture-incomplete),
// and the verdict says so.
func TestAnalyzeSlicedBeforeLogin(t *testing.T) {
	tests := []struct {
		name string
		src  string
		snap int
	}{
		{"331 cut (curl, client)", "curl-vsftpd-healthy-client", 96},
		{"greeting cut (curl, client)", "curl-vsftpd-healthy-client", 80},
		{"331 cut (lftp, server)", "lftp-vsftpd-healthy-server", 96},
		{"greeting cut (ftplib, gateway)", "ftplib-proftpd-healthy-gateway", 76},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cd := analyzeCapture(t, sliced(clientCapture(t, tc.src), tc.snap))
			ids, incomplete, text := unseenReport(cd)
			if len(cd.Sessions) == 0 {
				t.Fatal("no session")
			}
			v := cd.Sessions[0].Verdict
			if len(ids) > 0 || !incomplete || strings.Contains(v, "logged in") || !strings.Contains(v, "snap length") {
				t.Errorf("ids %v (want none), capture-incomplete %v (want it), the verdict must say the snap length hid the login:\n%s", ids, incomplete, text)
			}
		})
	}
}

// tcpFrame is a frame of c rewritten: edit changes its IPv4 and TCP
// headers (ports, TTL, flags); lengths and checksums are computed again.
func tcpFrame(t *testing.T, c pcaptest.Capture, p pcaptest.Packet, edit func(ip *layers.IPv4, tcp *layers.TCP)) pcaptest.Packet {
	t.Helper()
	pk := gopacket.NewPacket(p.Data, c.LinkType, gopacket.Default)
	eth, _ := pk.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	ip, _ := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	tcp, _ := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if eth == nil || ip == nil || tcp == nil {
		t.Fatal("not an Ethernet IPv4 TCP frame")
	}
	edit(ip, tcp)
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(tcp.Payload)); err != nil {
		t.Fatal(err)
	}
	p.Data = append([]byte(nil), buf.Bytes()...)
	p.Info.CaptureLength, p.Info.Length = len(p.Data), len(p.Data)
	return p
}

// refusedDial is a passive-rejected capture's first refused data
// connection (the client's SYN and the RST answering it), moved to the
// control port 21: a control connection refused, as the tap saw it.
// frames picks which of the two to keep and how; ttl, when set, gives the
// client's and the server's packets those TTLs (a tap at the server sees
// the server's initial TTL and the client's hops).
func refusedDial(t *testing.T, src string, ttl [2]uint8, frames func(syn, rst pcaptest.Packet, c pcaptest.Capture) []pcaptest.Packet) pcaptest.Capture {
	t.Helper()
	c := clientCapture(t, src)
	var syn, rst *pcaptest.Packet
	var dport layers.TCPPort
	for i, p := range c.Packets {
		tcp := c.TCP(p)
		switch {
		case tcp == nil || tcp.SrcPort == 21 || tcp.DstPort == 21:
		case syn == nil && tcp.SYN && !tcp.ACK:
			syn, dport = &c.Packets[i], tcp.DstPort
		case syn != nil && tcp.RST && tcp.SrcPort == dport:
			rst = &c.Packets[i]
		}
		if rst != nil {
			break
		}
	}
	if syn == nil || rst == nil {
		t.Fatalf("%s: no refused data connection", src)
	}
	move := func(p pcaptest.Packet, fromClient bool) pcaptest.Packet {
		return tcpFrame(t, c, p, func(ip *layers.IPv4, tcp *layers.TCP) {
			if tcp.DstPort == dport {
				tcp.DstPort = 21
			}
			if tcp.SrcPort == dport {
				tcp.SrcPort = 21
			}
			if fromClient && ttl[0] != 0 {
				ip.TTL = ttl[0]
			}
			if !fromClient && ttl[1] != 0 {
				ip.TTL = ttl[1]
			}
		})
	}
	out := pcaptest.Capture{LinkType: c.LinkType}
	out.Packets = frames(move(*syn, true), move(*rst, false), c)
	return out
}

// TestAnalyzeControlResets: a connection to the control port that is
// only a SYN and a RST is a refused control connection when the RST came
// from the server's side, at every vantage: positive evidence. A lone RST
// (no SYN) is no session; a RST the client sent itself refuses nothing;
// a lone SYN the capture ended right after was not seen unanswered (one
// the capture went on 30 s after was); a lone SYN the client reset itself
// a second later, the capture going on, was a wait the client cut short:
// no filter is shown.
func TestAnalyzeControlResets(t *testing.T) {
	both := func(syn, rst pcaptest.Packet, _ pcaptest.Capture) []pcaptest.Packet {
		return []pcaptest.Packet{syn, rst}
	}
	tests := []struct {
		name     string
		src      string
		ttl      [2]uint8
		frames   func(syn, rst pcaptest.Packet, c pcaptest.Capture) []pcaptest.Packet
		sessions int
		want     []string
		vantage  string
	}{
		{"SYN, server's RST, at the client", "curl-vsftpd-passive-rejected-client", [2]uint8{}, both, 1, []string{"control-refused"}, "client"},
		{"SYN, server's RST, at a gateway", "curl-vsftpd-passive-rejected-gateway", [2]uint8{63, 62}, both, 1, []string{"control-refused"}, "middle"},
		{"SYN, server's RST, at the server", "curl-vsftpd-passive-rejected-client", [2]uint8{62, 64}, both, 1, []string{"control-refused"}, "server"},
		{"RST only", "curl-vsftpd-passive-rejected-client", [2]uint8{}, func(_, rst pcaptest.Packet, _ pcaptest.Capture) []pcaptest.Packet {
			return []pcaptest.Packet{rst}
		}, 0, nil, ""},
		{"SYN, then the client's own RST", "curl-vsftpd-passive-rejected-client", [2]uint8{}, func(syn, _ pcaptest.Packet, c pcaptest.Capture) []pcaptest.Packet {
			own := tcpFrame(t, c, syn, func(_ *layers.IPv4, tcp *layers.TCP) { tcp.SYN, tcp.RST, tcp.ACK = false, true, true; tcp.Seq++ })
			own.Info.Timestamp = own.Info.Timestamp.Add(time.Millisecond)
			return []pcaptest.Packet{syn, own}
		}, 1, nil, ""},
		{"a lone SYN, the capture ends", "curl-vsftpd-passive-rejected-client", [2]uint8{}, func(syn, _ pcaptest.Packet, _ pcaptest.Capture) []pcaptest.Packet {
			return []pcaptest.Packet{syn}
		}, 1, nil, ""},
		{"a lone SYN, the capture going on 30 s", "curl-vsftpd-passive-rejected-client", [2]uint8{}, func(syn, _ pcaptest.Packet, c pcaptest.Capture) []pcaptest.Packet {
			return []pcaptest.Packet{syn, later(t, c, syn, 30)}
		}, 1, []string{"control-filtered"}, ""},
		{"SYN, the client's own RST 1 s later, the capture going on 30 s", "curl-vsftpd-passive-rejected-client", [2]uint8{}, func(syn, _ pcaptest.Packet, c pcaptest.Capture) []pcaptest.Packet {
			own := tcpFrame(t, c, syn, func(_ *layers.IPv4, tcp *layers.TCP) { tcp.SYN, tcp.RST, tcp.ACK = false, true, true; tcp.Seq++ })
			own.Info.Timestamp = own.Info.Timestamp.Add(time.Second)
			return []pcaptest.Packet{syn, own, later(t, c, syn, 30)}
		}, 1, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cd := analyzeCapture(t, refusedDial(t, tc.src, tc.ttl, tc.frames))
			ids, _, text := unseenReport(cd)
			if len(cd.Sessions) != tc.sessions || !slices.Equal(ids, tc.want) {
				t.Errorf("%d sessions (want %d), ids %v (want %v):\n%s", len(cd.Sessions), tc.sessions, ids, tc.want, text)
			}
			if tc.vantage != "" && len(cd.Sessions) > 0 && cd.Sessions[0].Session.Vantage != tc.vantage {
				t.Errorf("vantage %q, want %q", cd.Sessions[0].Session.Vantage, tc.vantage)
			}
		})
	}
}

// later is a packet of c off the control port and off syn's ports (another
// connection), stamped secs after syn: the capture goes on that long.
func later(t *testing.T, c pcaptest.Capture, syn pcaptest.Packet, secs int) pcaptest.Packet {
	t.Helper()
	pk := gopacket.NewPacket(syn.Data, c.LinkType, gopacket.Default)
	st, _ := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
	for _, p := range c.Packets {
		tcp := c.TCP(p)
		if tcp == nil || st == nil || tcp.SrcPort == 21 || tcp.DstPort == 21 || tcp.SrcPort == st.SrcPort || tcp.DstPort == st.SrcPort {
			continue
		}
		p.Info.Timestamp = syn.Info.Timestamp.Add(time.Duration(secs) * time.Second)
		return p
	}
	t.Fatal("no packet of another connection")
	return pcaptest.Packet{}
}

// TestAnalyzeStallObservable: a transfer whose data connection went quiet
// and got no final reply is transfer-stalled only when the capture shows
// the silence itself: not when the capture lost bytes of the connection
// (capture-incomplete), nor when the capture ended soon after the data
// stopped, the connection still open; a silence after which data flowed
// again is no stall. A silence of 30 s the capture saw whole, the
// connection still open at its end, is one.
func TestAnalyzeStallObservable(t *testing.T) {
	tests := []struct {
		name string
		// shape sets the data connection's facts; t is when RETR was sent.
		shape      func(c *capture.Conn, t float64)
		end        float64 // the capture's last packet, after t
		stalled    bool
		incomplete bool
	}{
		{"silence then FIN, bytes lost by the capture", func(c *capture.Conn, t float64) {
			c.Stall, c.GapBytes = &capture.Stall{From: t + 0.5, Duration: 29.5}, 2896
			c.FINResponder = &capture.PacketRef{T: t + 30}
		}, 31, false, true},
		{"open at the end, the capture ends 3 s after the data", func(c *capture.Conn, t float64) {
			c.Stall, c.OpenAtEnd = &capture.Stall{From: t + 0.5, Duration: 3}, true
		}, 3.5, false, true},
		{"data again after the silence", func(c *capture.Conn, t float64) {
			c.Stall = &capture.Stall{From: t + 0.5, Duration: 5}
			c.LastData, c.FINResponder = &capture.PacketRef{T: t + 6}, &capture.PacketRef{T: t + 6.1}
		}, 40, false, false},
		{"not a byte in the capture, bytes lost by it, then FIN", func(c *capture.Conn, t float64) {
			c.BytesFromResponder, c.FirstData, c.LastData, c.GapBytes = 0, nil, nil, 2896
			c.FINResponder = &capture.PacketRef{T: t + 30}
		}, 31, false, true},
		{"open at the end, silent for the last 30 s", func(c *capture.Conn, t float64) {
			c.Stall, c.OpenAtEnd = &capture.Stall{From: t + 0.5, Duration: 30}, true
		}, 30.5, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			setup := h.say("EPSV", "229 Entering Extended Passive Mode (|||30001|)")
			c := h.passiveConn(1)
			retr := h.say("RETR big.bin", "150 Opening BINARY mode data connection for big.bin (10485760 bytes).")
			t0 := retr.T
			c.BytesFromResponder, c.MaxSegmentFromResponder = 65160, 1448
			c.FirstData, c.LastData = &capture.PacketRef{T: t0 + 0.02}, &capture.PacketRef{T: t0 + 0.5}
			tc.shape(c, t0)
			h.data("EPSV", "10.77.0.2:30001", setup, retr, c)
			// Another host's connection marks the capture's end.
			end := netip.MustParseAddrPort("192.168.10.9:50000")
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: end, Responder: netip.MustParseAddrPort("10.77.0.9:443"),
				First: capture.PacketRef{T: t0 + tc.end}, SYNs: []capture.PacketRef{{T: t0 + tc.end}}})
			cd := DiagnoseCapture(h.ev)
			ids, incomplete, text := unseenReport(cd)
			if slices.Contains(ids, "transfer-stalled") != tc.stalled || incomplete != tc.incomplete {
				t.Errorf("ids %v: transfer-stalled want %v, capture-incomplete %v want %v:\n%s", ids, tc.stalled, incomplete, tc.incomplete, text)
			}
		})
	}
}

// TestAnalyzeEndsAfterSetup: a capture that ends soon after a passive
// set-up, the session still open, does not show whether the data
// connection would have come or been answered: no error, what is missing
// said (capture-incomplete). The same capture going on 30 s does. A client
// that ended the session half a second after its one SYN gave up before
// the wire showed that SYN unanswered: no error either.
func TestAnalyzeEndsAfterSetup(t *testing.T) {
	tests := []struct {
		name  string
		syn   bool    // the client's one SYN to the passive port is in it
		end   float64 // the capture's last packet, after LIST
		quit  float64 // the client's FIN on the control connection, after LIST (0: open)
		error bool
	}{
		{"no connection, the capture ends 2 s after LIST", false, 2, 0, false},
		{"one SYN, the capture ends 1 s after it", true, 1, 0, false},
		{"no connection, the capture goes on 30 s", false, 30, 0, true},
		{"one SYN, the capture goes on 30 s", true, 30, 0, true},
		{"one SYN, the client ends the session 0.5 s after, the capture goes on 30 s", true, 30, 0.5, false},
		{"one SYN, the client ends the session 20 s after", true, 30, 20, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			h.s.Control.OpenAtEnd = tc.quit == 0
			setup := h.say("PASV", "227 Entering Passive Mode (10,77,0,2,117,49).")
			list := h.say("LIST")
			var c *capture.Conn
			if tc.syn {
				c = h.passiveConn(1)
				c.SYNACK = nil
			}
			h.data("PASV", "10.77.0.2:30001", setup, list, c)
			if tc.quit > 0 {
				h.s.Control.FINInitiator = &capture.PacketRef{T: list.T + tc.quit}
			}
			other := netip.MustParseAddrPort("192.168.10.9:50000")
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: other, Responder: netip.MustParseAddrPort("10.77.0.9:443"),
				First: capture.PacketRef{T: list.T + tc.end}, SYNs: []capture.PacketRef{{T: list.T + tc.end}}})
			cd := DiagnoseCapture(h.ev)
			ids, incomplete, text := unseenReport(cd)
			var errs []string
			for _, d := range cd.Sessions {
				for _, f := range d.Findings {
					if f.Severity == SeverityError {
						errs = append(errs, f.ID)
					}
				}
			}
			if (len(errs) > 0) != tc.error || incomplete == tc.error {
				t.Errorf("ids %v, errors %v (want any: %v), capture-incomplete %v:\n%s", ids, errs, tc.error, incomplete, text)
			}
		})
	}
}

// TestAnalyzeCallbackAtPORT: a PORT that gets no reply while the server's
// SYNs toward the announced port are in the capture, unanswered, is the
// server's callback failing at PORT time (pyftpdlib and Twisted connect
// before they reply), as the probe's set-up watch reads it: not a server
// silent on the control channel. At the client the SYNs reached this host
// (a local firewall); elsewhere the callback was blocked on the way. With
// no SYN in the capture, nothing is said of a callback. A SYN the
// client's side answered with a RST was refused there, at any vantage:
// not dropped, not blocked.
func TestAnalyzeCallbackAtPORT(t *testing.T) {
	tests := []struct {
		name string
		ttl  [2]int // the client's and the server's TTL as captured
		syns int
		rst  bool // the client's side answers the SYN with a RST
		// after: PORT answered 200, the callback at LIST, answered 425.
		after    bool
		vantage  string
		want     string // the callback finding, "" for none
		notWants string
		// icmpFrom: the SYN is answered with an ICMP error from this
		// address instead; synAt: the first SYN's time after PORT (0:
		// 10 ms).
		icmpFrom string
		synAt    float64
	}{
		{"at the client", [2]int{64, 62}, 3, false, false, "client", "active-callback-dropped-locally", "data-connection-failed", "", 0},
		{"at the server", [2]int{62, 64}, 3, false, false, "server", "active-callback-blocked", "data-connection-failed", "", 0},
		{"at a gateway", [2]int{63, 63}, 3, false, false, "middle", "active-callback-blocked", "data-connection-failed", "", 0},
		{"no SYN in the capture", [2]int{64, 62}, 0, false, false, "client", "", "active-callback-blocked", "", 0},
		{"refused, at the client", [2]int{64, 62}, 1, true, false, "client", "active-callback-refused", "data-connection-failed", "", 0},
		{"refused, at the server", [2]int{62, 64}, 1, true, false, "server", "active-callback-refused", "data-connection-failed", "", 0},
		{"refused, at a gateway", [2]int{63, 63}, 1, true, false, "middle", "active-callback-refused", "active-callback-blocked", "", 0},
		{"refused at LIST, at the client", [2]int{64, 62}, 1, true, true, "client", "active-callback-refused", "active-callback-dropped-locally", "", 0},
		{"refused at LIST, at the server", [2]int{62, 64}, 1, true, true, "server", "active-callback-refused", "active-callback-blocked", "", 0},
		// An ICMP error from a router on the way refuses nothing on the
		// client's side; one from the client's own address does.
		{"ICMP from a router, at the server", [2]int{62, 64}, 1, false, false, "server", "active-callback-blocked", "active-callback-refused", "10.77.0.1", 0},
		{"ICMP from the client's address, at the server", [2]int{62, 64}, 1, false, false, "server", "active-callback-refused", "active-callback-blocked", "192.168.10.2", 0},
		// The client's kernel answers a SYN after the client closed its
		// control connection (at 20 s): no refusal, nor a drop.
		{"refused after the client closed, at the client", [2]int{64, 62}, 1, true, false, "client", "", "active-callback-refused", "", 25},
		{"refused after the client closed, at the server", [2]int{62, 64}, 1, true, false, "server", "", "active-callback-refused", "", 25},
		{"refused after the client closed, at the server, dropped?", [2]int{62, 64}, 1, true, false, "server", "", "active-callback-blocked", "", 25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			h.s.ClientTTL, h.s.ServerTTL = tc.ttl[0], tc.ttl[1]
			port, list := h.say("PORT 192,168,10,2,195,81"), (*capture.FTPExchange)(nil)
			if tc.after {
				port.Replies = []capture.FTPReply{{PacketRef: capture.PacketRef{T: port.T + 0.001}, Reply: ftp.Reply{Code: 200, Lines: []string{"200 PORT command successful."}}}}
				list = h.say("LIST", "425 Failed to establish connection.")
			}
			var c *capture.Conn
			if tc.syns > 0 {
				at := port.T + 0.01
				if tc.synAt > 0 {
					at = port.T + tc.synAt
				}
				c = &capture.Conn{Initiator: netip.MustParseAddrPort("10.77.0.2:40123"), Responder: netip.MustParseAddrPort("192.168.10.2:50001"),
					First: capture.PacketRef{T: at}}
				for i := range tc.syns {
					c.SYNs = append(c.SYNs, capture.PacketRef{T: at + float64(i*i+i)/2})
				}
				if tc.rst {
					c.RSTs = []capture.RSTFact{{PacketRef: capture.PacketRef{T: at + 0.001}, From: capture.SideResponder}}
				}
				if tc.icmpFrom != "" {
					c.ICMP = []capture.ICMPFact{{PacketRef: capture.PacketRef{T: at + 0.001}, From: tc.icmpFrom, Type: 3, Code: 13, Text: "communication administratively prohibited"}}
				}
			}
			h.data("PORT", "192.168.10.2:50001", port, list, c)
			h.s.Control.FINInitiator = &capture.PacketRef{T: port.T + 20}
			// A connection off the control port: the capture holds data
			// connections.
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.9:50000"), Responder: netip.MustParseAddrPort("10.77.0.9:443"),
				First: capture.PacketRef{T: port.T + 21}, SYNs: []capture.PacketRef{{T: port.T + 21}}})
			cd := DiagnoseCapture(h.ev)
			ids, _, text := unseenReport(cd)
			if len(cd.Sessions) != 1 || cd.Sessions[0].Session.Vantage != tc.vantage {
				t.Fatalf("want one session at %s:\n%s", tc.vantage, text)
			}
			if (tc.want != "" && !slices.Contains(ids, tc.want)) || slices.Contains(ids, tc.notWants) {
				t.Errorf("ids %v, want %q and not %q:\n%s", ids, tc.want, tc.notWants, text)
			}
			// Only a capture at the client shows which side refused.
			if blames := strings.Contains(text, "The client's side refused"); tc.want == "active-callback-refused" && blames != (tc.vantage == "client") {
				t.Errorf("at %s, the title blames the client's side: %v:\n%s", tc.vantage, blames, text)
			}
			// A router's ICMP error is an answer, and says where the
			// callback stopped (Twisted dialling a NATed client's private
			// address: net unreachable from its own gateway).
			if tc.want == "active-callback-blocked" && tc.icmpFrom != "" && (strings.Contains(text, "without any answer") || strings.Contains(text, "got no answer") || !strings.Contains(text, "stopped by a router on the way")) {
				t.Errorf("a router's ICMP error is read as no answer:\n%s", text)
			}
		})
	}
}

// TestAnalyzeClientEndsWaiting: a control connection the client ended
// itself, after waiting 10 s or more for a reply, was not closed by the
// server: the reply is missing (observed), and control-closed, which
// blames the server's side, is not said. The server's own FIN is.
//
// Sooner than that, the client gave up: the server ended nothing, and
// whether it would have answered is not on the wire: no error, and
// capture-incomplete says who ended the connection when. The server's
// FIN answering the client's is no close by the server.
func TestAnalyzeClientEndsWaiting(t *testing.T) {
	tests := []struct {
		name       string
		end        func(c *capture.Conn, t float64)
		closed     bool
		incomplete bool
	}{
		{"the client's FIN 20 s after PORT", func(c *capture.Conn, t float64) { c.FINInitiator = &capture.PacketRef{T: t + 20} }, false, false},
		{"the client's RST 20 s after PORT", func(c *capture.Conn, t float64) {
			c.RSTs = []capture.RSTFact{{PacketRef: capture.PacketRef{T: t + 20}, From: capture.SideInitiator}}
		}, false, false},
		{"the server's FIN 1 s after PORT", func(c *capture.Conn, t float64) { c.FINResponder = &capture.PacketRef{T: t + 1} }, true, false},
		{"the client's FIN 2 s after PORT", func(c *capture.Conn, t float64) { c.FINInitiator = &capture.PacketRef{T: t + 2} }, false, true},
		{"the client's RST 2 s after PORT", func(c *capture.Conn, t float64) {
			c.RSTs = []capture.RSTFact{{PacketRef: capture.PacketRef{T: t + 2}, From: capture.SideInitiator}}
		}, false, true},
		{"the client's FIN 2 s after PORT, the server's answering it", func(c *capture.Conn, t float64) {
			c.FINInitiator, c.FINResponder = &capture.PacketRef{T: t + 2}, &capture.PacketRef{T: t + 2.001}
		}, false, true},
		{"the client's FIN 2 s after PORT, the server's RST answering it", func(c *capture.Conn, t float64) {
			c.FINInitiator = &capture.PacketRef{T: t + 2}
			c.RSTs = []capture.RSTFact{{PacketRef: capture.PacketRef{T: t + 2.001}, From: capture.SideResponder}}
		}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			port := h.say("PORT 192,168,10,2,195,81")
			h.data("PORT", "192.168.10.2:50001", port, nil, nil)
			tc.end(h.s.Control, port.T)
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.9:50000"), Responder: netip.MustParseAddrPort("10.77.0.9:443"),
				First: capture.PacketRef{T: port.T + 21}, SYNs: []capture.PacketRef{{T: port.T + 21}}})
			ids, incomplete, text := unseenReport(DiagnoseCapture(h.ev))
			if slices.Contains(ids, "control-closed") != tc.closed || incomplete != tc.incomplete || (tc.incomplete && len(ids) > 0) {
				t.Errorf("ids %v, control-closed want %v, capture-incomplete %v want %v:\n%s", ids, tc.closed, incomplete, tc.incomplete, text)
			}
		})
	}
}

// TestAnalyzeNoLogin: a session whose greeting the capture shows in clear
// and whose client sent no USER never logged in: the verdict says so (and
// never that it logged in), with what the client sent instead and how the
// connection ended, and no error: commands refused with 530 "Please
// login" are no failed data connection. A capture that ends soon after
// the greeting, the connection open, does not show whether a login came.
func TestAnalyzeNoLogin(t *testing.T) {
	tests := []struct {
		name    string
		shape   func(h *handSession)
		verdict string // the verdict must contain it
	}{
		{"QUIT after the greeting", func(h *handSession) {
			h.say("QUIT", "221 Goodbye.")
			h.s.Control.FINResponder, h.s.Control.FINInitiator = &capture.PacketRef{T: h.t + 0.01}, &capture.PacketRef{T: h.t + 0.02}
		}, "never logged in; it sent QUIT (221 Goodbye.)"},
		{"the client closes after the greeting", func(h *handSession) {
			h.s.Control.FINInitiator = &capture.PacketRef{T: h.t + 0.5}
		}, "then closed the connection 0.5 s after the greeting"},
		{"the server closes 300 s after the greeting", func(h *handSession) {
			h.s.Control.FINResponder = &capture.PacketRef{T: h.t + 300}
		}, "then the server closed the connection 300.0 s after the greeting"},
		{"SYST and PASV refused for want of a login", func(h *handSession) {
			h.say("SYST", "215 UNIX Type: L8")
			pasv := h.say("PASV", "530 Please login with USER and PASS.")
			h.data("PASV", "", pasv, nil, nil)
			h.say("QUIT", "221 Goodbye.")
			h.s.Control.FINInitiator = &capture.PacketRef{T: h.t + 0.01}
		}, "it sent SYST (215 UNIX Type: L8), PASV (530 Please login with USER and PASS.), QUIT"},
		{"nothing sent, the capture going on 30 s", func(h *handSession) {
			h.s.Control.OpenAtEnd = true
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.9:50000"), Responder: netip.MustParseAddrPort("10.77.0.9:443"),
				First: capture.PacketRef{T: h.t + 30}, SYNs: []capture.PacketRef{{T: h.t + 30}}})
		}, "the connection still open when the capture ends"},
		{"nothing sent, the capture ends 2 s after the greeting", func(h *handSession) {
			h.s.Control.OpenAtEnd = true
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.9:50000"), Responder: netip.MustParseAddrPort("10.77.0.9:443"),
				First: capture.PacketRef{T: h.t + 2}, SYNs: []capture.PacketRef{{T: h.t + 2}}})
		}, "The capture ends during login"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			h.s.Exchanges = h.s.Exchanges[:1] // the greeting only
			h.t = h.s.Exchanges[0].Replies[0].T
			tc.shape(h)
			cd := DiagnoseCapture(h.ev)
			ids, _, text := unseenReport(cd)
			if len(cd.Sessions) != 1 {
				t.Fatalf("%d sessions, want 1:\n%s", len(cd.Sessions), text)
			}
			v := cd.Sessions[0].Verdict
			loggedIn := strings.Contains(strings.ReplaceAll(v, "never logged in", ""), "logged in")
			if len(ids) > 0 || loggedIn || !strings.Contains(v, tc.verdict) {
				t.Errorf("ids %v (want none), the verdict must not say logged in and must say %q:\n%s", ids, tc.verdict, text)
			}
		})
	}
}

// TestAnalyzeAuthRefused: a client that asked for TLS, was refused and
// sent no login did not get TLS (tls-unavailable), not "nothing to
// diagnose"; one that was refused and logged in anyway has no such error.
func TestAnalyzeAuthRefused(t *testing.T) {
	tests := []struct {
		name  string
		shape func(h *handSession)
		want  bool
	}{
		{"AUTH TLS refused, then QUIT", func(h *handSession) {
			h.say("AUTH TLS", "534 Policy requires SSL.")
			h.say("QUIT", "221 Goodbye.")
			h.s.Control.FINInitiator = &capture.PacketRef{T: h.t + 0.01}
		}, true},
		{"AUTH SSL unknown, the client closes", func(h *handSession) {
			h.say("AUTH SSL", "500 Unknown command.")
			h.s.Control.FINInitiator = &capture.PacketRef{T: h.t + 0.01}
		}, true},
		{"AUTH TLS refused, the client logs in anyway", func(h *handSession) {
			h.say("AUTH TLS", "500 Unknown command.")
			h.say("USER ftp", "331 Please specify the password.")
			h.say("PASS x", "230 Login successful.")
			h.say("QUIT", "221 Goodbye.")
			h.s.Control.FINInitiator = &capture.PacketRef{T: h.t + 0.01}
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			h.s.Exchanges = h.s.Exchanges[:1] // the greeting only
			h.t = h.s.Exchanges[0].Replies[0].T
			tc.shape(h)
			cd := DiagnoseCapture(h.ev)
			ids, _, text := unseenReport(cd)
			if got := slices.Contains(ids, "tls-unavailable"); got != tc.want {
				t.Errorf("tls-unavailable %v, want %v:\n%s", got, tc.want, text)
			}
			if tc.want && !strings.Contains(cd.Sessions[0].Verdict, "refused") {
				t.Errorf("the verdict does not name the refusal: %q", cd.Sessions[0].Verdict)
			}
		})
	}
}

// TestAnalyzeWaitShown: a passive set-up whose connection never came and
// that no transfer command used was waited for until the client moved on
// to its next command: the timeout says how long that was, not 0 s.
func TestAnalyzeWaitShown(t *testing.T) {
	tests := []struct {
		name string
		next float64 // the client's next command, after the set-up
		want string
	}{
		{"EPRT 7 s later", 7, "timeout after 7.0 s"},
		{"EPRT 30 s later", 30, "timeout after 30.0 s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			// A connection off the control port: the capture holds data
			// connections.
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.9:50000"), Responder: netip.MustParseAddrPort("10.77.0.9:443"),
				First: capture.PacketRef{T: 0.5}, SYNs: []capture.PacketRef{{T: 0.5}}})
			setup := h.say("EPSV", "229 Entering Extended Passive Mode (|||30004|)")
			h.data("EPSV", "10.77.0.2:30004", setup, nil, nil)
			h.t += tc.next - 0.01
			h.say("EPRT |1|192.168.10.2|41239|", "200 EPRT command successful")
			h.say("QUIT", "221 Goodbye.")
			h.s.Control.FINInitiator = &capture.PacketRef{T: h.t + 0.01}
			cd := DiagnoseCapture(h.ev)
			_, _, text := unseenReport(cd)
			var ev []string
			for _, f := range cd.Sessions[0].Findings {
				for _, e := range f.Evidence {
					ev = append(ev, e.Text)
				}
			}
			if !strings.Contains(strings.Join(ev, "\n"), tc.want) {
				t.Errorf("evidence lacks %q:\n%s\n%s", tc.want, strings.Join(ev, "\n"), text)
			}
		})
	}
}

// TestAnalyzeVerdictBesideUnseen: a session where one mode failed and the
// capture ended during another's transfer does not say "no data mode
// works": the failing mode is named, and the unseen one said unseen.
func TestAnalyzeVerdictBesideUnseen(t *testing.T) {
	tests := []struct {
		name    string
		cut     bool // an EPRT transfer the capture ends during
		verdict string
		never   string
	}{
		{"EPSV filtered, EPRT cut mid-transfer", true, "EPSV fails", "No data mode works"},
		{"EPSV filtered alone", false, "No data mode works", "The capture ends"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			setup := h.say("EPSV", "229 Entering Extended Passive Mode (|||30001|)")
			c := h.passiveConn(1)
			c.SYNACK = nil
			c.SYNs = append(c.SYNs, capture.PacketRef{T: h.t + 1}, capture.PacketRef{T: h.t + 3})
			h.data("EPSV", "10.77.0.2:30001", setup, nil, c)
			h.t += 7
			end := h.t + 40
			if tc.cut {
				port := h.say("EPRT |1|192.168.10.2|50001|", "200 EPRT command successful.")
				d := &capture.Conn{Initiator: netip.MustParseAddrPort("10.77.0.2:20"), Responder: netip.MustParseAddrPort("192.168.10.2:50001"),
					First: capture.PacketRef{T: h.t + 0.01}, SYNs: []capture.PacketRef{{T: h.t + 0.01}}, SYNACK: &capture.PacketRef{T: h.t + 0.011},
					BytesFromInitiator: 65160, FirstData: &capture.PacketRef{T: h.t + 0.02}, LastData: &capture.PacketRef{T: h.t + 0.5}, OpenAtEnd: true}
				retr := h.say("RETR big.bin", "150 Opening BINARY mode data connection for big.bin.")
				h.data("EPRT", "192.168.10.2:50001", port, retr, d)
				h.s.Control.OpenAtEnd = true
				end = h.t + 1
			}
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.9:50000"), Responder: netip.MustParseAddrPort("10.77.0.9:443"),
				First: capture.PacketRef{T: end}, SYNs: []capture.PacketRef{{T: end}}})
			cd := DiagnoseCapture(h.ev)
			_, _, text := unseenReport(cd)
			v := cd.Sessions[0].Verdict
			if !strings.Contains(v, tc.verdict) || strings.Contains(v, tc.never) {
				t.Errorf("verdict must say %q and not %q:\n%s", tc.verdict, tc.never, text)
			}
		})
	}
}

// TestAnalyzeSessionEndsDuringSYN: a passive data connection's one SYN got
// no answer and the control connection ended a second later, before any
// reply: nothing was due yet, so no error, and capture-incomplete says
// which side ended the control connection, and how (the server's own FIN
// is not the client giving up).
func TestAnalyzeSessionEndsDuringSYN(t *testing.T) {
	ctl := func(set func(c *capture.Conn, t float64)) func(h *handSession, syn float64) {
		return func(h *handSession, syn float64) { set(h.s.Control, syn) }
	}
	tests := []struct {
		name string
		end  func(h *handSession, syn float64)
		want string
	}{
		{"the server's FIN", ctl(func(c *capture.Conn, t float64) { c.FINResponder = &capture.PacketRef{T: t + 1} }),
			"the server 10.77.0.2:21 ended the control connection (FIN) 1.0 s after this connection's one SYN"},
		{"the client's FIN", ctl(func(c *capture.Conn, t float64) { c.FINInitiator = &capture.PacketRef{T: t + 1} }),
			"the client 192.168.10.2:40000 ended the control connection (FIN) 1.0 s after this connection's one SYN"},
		{"the client's RST, the server's FIN after", ctl(func(c *capture.Conn, t float64) {
			c.RSTs = []capture.RSTFact{{PacketRef: capture.PacketRef{T: t + 1}, From: capture.SideInitiator}}
			c.FINResponder = &capture.PacketRef{T: t + 1.5}
		}), "the client 192.168.10.2:40000 ended the control connection (RST) 1.0 s after this connection's one SYN"},
		{"the server's RST", ctl(func(c *capture.Conn, t float64) {
			c.RSTs = []capture.RSTFact{{PacketRef: capture.PacketRef{T: t + 1}, From: capture.SideResponder}}
		}), "the server 10.77.0.2:21 ended the control connection (RST) 1.0 s after this connection's one SYN"},
		{"the client's FIN 1 s before the SYN", ctl(func(c *capture.Conn, t float64) { c.FINInitiator = &capture.PacketRef{T: t - 1} }),
			"the client 192.168.10.2:40000 ended the control connection (FIN) 1.0 s before this connection's one SYN: no answer to it was due"},
		// No end of the control connection is in the capture, only its
		// last packet before the SYN: nothing is said to have been due.
		{"no end in the capture", ctl(func(*capture.Conn, float64) {}),
			"the capture shows nothing of the control connection after"},
		// The server's FIN answering the client's QUIT: the client ended it.
		{"QUIT, then the server's FIN", func(h *handSession, syn float64) {
			h.t = syn + 2
			h.say("QUIT", "221 Goodbye.")
			h.s.Control.FINResponder = &capture.PacketRef{T: h.t + 0.001}
			h.s.Control.FINInitiator = &capture.PacketRef{T: h.t + 0.002}
		}, "the client 192.168.10.2:40000 ended the session (QUIT) 2.0 s after this connection's one SYN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			h.listedOK()
			setup := h.say("EPSV", "229 Entering Extended Passive Mode (|||30002|)")
			c := h.passiveConn(2)
			c.SYNACK = nil
			syn := c.SYNs[0].T
			h.data("EPSV", "10.77.0.2:30002", setup, h.say("LIST"), c)
			tc.end(h, syn)
			// The capture goes on well past it.
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.9:50000"), Responder: netip.MustParseAddrPort("10.77.0.9:443"),
				First: capture.PacketRef{T: syn + 30}, SYNs: []capture.PacketRef{{T: syn + 30}}})
			ids, incomplete, text := unseenReport(DiagnoseCapture(h.ev))
			if len(ids) > 0 || !incomplete || !strings.Contains(text, tc.want) {
				t.Errorf("ids %v, capture-incomplete %v; want none, true and %q in:\n%s", ids, incomplete, tc.want, text)
			}
		})
	}
}
