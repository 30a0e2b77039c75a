package report

import (
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/pcaptest"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
)

// controlPortOnly writes the packets of a lab capture that a filter on
// the control port (tcpdump 'port 21') would keep, as a pcap.
func controlPortOnly(t *testing.T, src string, port uint16) string {
	t.Helper()
	c := pcaptest.Read(t, src)
	c = c.Filter(func(p pcaptest.Packet) bool {
		tcp := c.TCP(p)
		return tcp != nil && (uint16(tcp.SrcPort) == port || uint16(tcp.DstPort) == port)
	})
	if len(c.Packets) == 0 {
		t.Fatalf("%s: no packet on port %d", src, port)
	}
	return c.WriteFile(t, strings.TrimSuffix(filepath.Base(src), ".pcapng")+"-port21.pcap")
}

// TestAnalyzeControlPortOnly: the lab captures filtered to the control
// port hold no data connection. What only the data connections would show
// is not concluded (no passive-port-filtered from SYNs that are simply not
// in the file); what the control dialogue says still is (PORT refused, a
// 425 from the server: the callback failed, inferred, where not seen);
// capture-incomplete says what is missing.
func TestAnalyzeControlPortOnly(t *testing.T) {
	tests := []struct {
		name       string
		src        string   // a client capture of testdata/clients, else the lab capture of name
		want       []string // error and warning ids
		incomplete bool
		verdict    string
	}{
		{name: "healthy", verdict: "All four data modes work"},
		{name: "passive-dropped", incomplete: true, verdict: "EPRT and PORT work. The data connections set up with EPSV and PASV are not in the capture"},
		{name: "passive-rejected", incomplete: true, verdict: "EPRT and PORT work. The data connections set up with EPSV and PASV are not in the capture"},
		// The server refused the client's private address in PORT: the
		// control dialogue says it all.
		{name: "client-nat", want: []string{"active-address-rejected"}},
		{name: "server-nat", want: []string{"pasv-private-address"}},
		{name: "port-disabled", want: []string{"active-disabled"}},
		// vsftpd answered LIST and RETR 425 after its callback failed.
		{name: "client-firewall", src: "curl-active-vsftpd-client-firewall-client", want: []string{"active-callback-blocked"}, incomplete: true, verdict: "where is not in the capture"},
		// pyftpdlib answered PORT itself once its callback timed out
		// ("421 Active data channel timed out."), Twisted once its
		// callback to a NATed client's private address failed ("425
		// Can't open data connection."): no claim that no SYN arrived.
		{name: "client-firewall pyftpdlib", src: "inetutils-ftp-pyftpdlib-client-firewall-client", want: []string{"active-callback-blocked"}, incomplete: true, verdict: "where is not in the capture"},
		{name: "client-nat Twisted", src: "ftplib-active-twisted-client-nat-server", want: []string{"active-callback-blocked"}, incomplete: true, verdict: "where is not in the capture"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join("..", "testdata", "captures", tc.name+".pcapng")
			if tc.src != "" {
				src = filepath.Join("..", "testdata", "clients", tc.src+".pcap")
			}
			path := controlPortOnly(t, src, 21)
			ev, err := capture.ReadFiles([]string{path}, capture.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cd := DiagnoseCapture(ev)
			got := analyzedIDs(cd)
			var texts []string
			incomplete := false
			for _, d := range cd.Sessions {
				texts = append(texts, d.Verdict)
				for _, f := range d.Findings {
					texts = append(texts, f.ID+": "+f.Explanation)
					incomplete = incomplete || f.ID == "capture-incomplete"
				}
			}
			if !slices.Equal(got, tc.want) || incomplete != tc.incomplete || len(cd.Sessions) != 1 || !strings.Contains(cd.Sessions[0].Verdict, tc.verdict) {
				t.Errorf("ids %v (want %v), capture-incomplete %v (want %v), verdict want %q:\n%s", got, tc.want, incomplete, tc.incomplete, tc.verdict, strings.Join(texts, "\n"))
			}
		})
	}
}

// handSession is a captured session built by hand: a control connection
// from 192.168.10.2 to 10.77.0.2:21 and its dialogue, each exchange a
// command (or "" for the greeting) and its replies.
type handSession struct {
	s  *capture.FTPSession
	ev *capture.Evidence
	t  float64
}

func newHandSession() *handSession {
	cl, sv := netip.MustParseAddrPort("192.168.10.2:40000"), netip.MustParseAddrPort("10.77.0.2:21")
	ctl := &capture.Conn{Initiator: cl, Responder: sv, First: capture.PacketRef{T: 0, Packet: 1}, SYNs: []capture.PacketRef{{T: 0, Packet: 1}}, SYNACK: &capture.PacketRef{T: 0.001, Packet: 2}}
	h := &handSession{s: &capture.FTPSession{ID: 1, Client: cl, Server: sv, Control: ctl, ClientTTL: 64, ServerTTL: 60}}
	h.ev = &capture.Evidence{Available: true, Packets: 100, Conns: []*capture.Conn{ctl}, Sessions: []*capture.FTPSession{h.s}}
	h.say("", "220 (vsFTPd 3.0.3)")
	h.say("USER alice", "331 Please specify the password.")
	h.say("PASS ****", "230 Login successful.")
	return h
}

// say adds an exchange.
func (h *handSession) say(cmd string, replies ...string) *capture.FTPExchange {
	h.t += 0.01
	x := &capture.FTPExchange{PacketRef: capture.PacketRef{T: h.t}, Command: cmd}
	for _, r := range replies {
		h.t += 0.01
		code, _ := strconv.Atoi(r[:3])
		x.Replies = append(x.Replies, capture.FTPReply{PacketRef: capture.PacketRef{T: h.t}, Reply: ftp.Reply{Code: code, Lines: []string{r}}})
	}
	h.s.Exchanges = append(h.s.Exchanges, x)
	return x
}

// data adds a data set-up with its transfer and connection (nil: none).
func (h *handSession) data(mode, announced string, setup, transfer *capture.FTPExchange, c *capture.Conn) {
	ds := &capture.DataSetup{Mode: mode, Setup: setup, Transfer: transfer, Conn: c, Passive: mode == "PASV" || mode == "EPSV"}
	if announced != "" {
		ds.Announced = netip.MustParseAddrPort(announced)
	}
	if c != nil {
		h.ev.Conns = append(h.ev.Conns, c)
	}
	h.s.Data = append(h.s.Data, ds)
}

// passiveConn is a passive data connection from the client's port
// 40000+n to the server's port 30000+n, opened now (SYN, SYN-ACK).
func (h *handSession) passiveConn(n uint16) *capture.Conn {
	return &capture.Conn{Initiator: netip.AddrPortFrom(h.s.Client.Addr(), 40000+n), Responder: netip.AddrPortFrom(h.s.Server.Addr(), 30000+n),
		First: capture.PacketRef{T: h.t}, SYNs: []capture.PacketRef{{T: h.t}}, SYNACK: &capture.PacketRef{T: h.t + 0.001}}
}

// listedOK adds an EPSV LIST whose data connection is in the capture.
func (h *handSession) listedOK() {
	setup := h.say("EPSV", "229 Entering Extended Passive Mode (|||30001|)")
	c := h.passiveConn(1)
	c.BytesFromResponder, c.FirstData, c.LastData, c.FINResponder = 132, &capture.PacketRef{T: h.t + 0.01}, &capture.PacketRef{T: h.t + 0.01}, &capture.PacketRef{T: h.t + 0.02}
	list := h.say("LIST", "150 Here comes the directory listing.", "226 Directory send OK.")
	h.data("EPSV", "10.77.0.2:30001", setup, list, c)
}

// TestAnalyzeNothingWasDue: set-ups that needed no data connection are
// not read as failed ones, in a capture that does hold data connections.
func TestAnalyzeNothingWasDue(t *testing.T) {
	tests := []struct {
		name  string
		build func(h *handSession)
		want  []string // error and warning ids
	}{
		{"PORT then QUIT: no callback was due", func(h *handSession) {
			h.listedOK()
			h.data("PORT", "192.168.10.2:50001", h.say("PORT 192,168,10,2,195,81", "200 PORT command successful. Consider using PASV."), nil, nil)
			h.say("QUIT", "221 Goodbye.")
		}, nil},
		{"EPRT, then RETR refused with 550: the file, not the data connection", func(h *handSession) {
			h.listedOK()
			h.data("EPRT", "192.168.10.2:50002", h.say("EPRT |1|192.168.10.2|50002|", "200 EPRT command successful. Consider using EPSV."), h.say("RETR nosuch", "550 Failed to open file."), nil)
		}, []string{"transfer-denied"}},
		{"PASV, then RETR refused with 550, no dial in the capture: the file, not a filtered port", func(h *handSession) {
			h.listedOK()
			h.data("PASV", "10.77.0.2:30002", h.say("PASV", "227 Entering Passive Mode (10,77,0,2,117,50)."), h.say("RETR nosuch", "550 Failed to open file."), nil)
		}, []string{"transfer-denied"}},
		{"EPSV LIST worked, then EPSV unused and QUIT (the probe sampling passive replies): no dial was due", func(h *handSession) {
			h.listedOK()
			h.data("EPSV", "10.77.0.2:30002", h.say("EPSV", "229 Entering Extended Passive Mode (|||30002|)"), nil, nil)
			h.say("QUIT", "221 Goodbye.")
		}, nil},
		{"PASV unused, QUIT, with only an EPSV dialled before: still judged", func(h *handSession) {
			h.listedOK()
			h.data("PASV", "10.77.0.2:30002", h.say("PASV", "227 Entering Passive Mode (10,77,0,2,117,50)."), nil, nil)
			h.say("QUIT", "221 Goodbye.")
		}, []string{"passive-port-filtered"}},
		{"PASV, RETR answered 425, no dial in a capture with data connections: still a failed data connection", func(h *handSession) {
			h.listedOK()
			h.data("PASV", "10.77.0.2:30003", h.say("PASV", "227 Entering Passive Mode (10,77,0,2,117,51)."), h.say("RETR small.txt", "425 Failed to establish connection."), nil)
		}, []string{"passive-port-filtered"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			tc.build(h)
			cd := DiagnoseCapture(h.ev)
			got := analyzedIDs(cd)
			if !slices.Equal(got, tc.want) {
				for _, d := range cd.Sessions {
					t.Logf("verdict: %s", d.Verdict)
					for _, f := range d.Findings {
						t.Logf("  %s %s: %s", f.Severity, f.ID, f.Explanation)
					}
				}
				t.Errorf("ids %v, want %v", got, tc.want)
			}
		})
	}
}

// TestAnalyzeCaptureEndsFirst: a capture that ends while a step is under
// way (its connection still open, moments after it began) does not show
// how the step ended: no stall, no timeout, no failed control session.
func TestAnalyzeCaptureEndsFirst(t *testing.T) {
	tests := []struct {
		name  string
		build func(h *handSession)
		want  []string // error and warning ids
		cut   bool     // capture-incomplete for a step cut short
	}{
		{"ends mid-transfer: no transfer-stalled", func(h *handSession) {
			h.listedOK()
			setup := h.say("EPSV", "229 Entering Extended Passive Mode (|||30002|)")
			c := h.passiveConn(2)
			c.BytesFromResponder, c.FirstData, c.LastData = 65536, &capture.PacketRef{T: h.t + 0.03}, &capture.PacketRef{T: h.t + 0.05}
			h.data("EPSV", "10.77.0.2:30002", setup, h.say("RETR big.bin", "150 Opening BINARY mode data connection for big.bin (1048576 bytes)."), c)
		}, nil, true},
		{"ends before the greeting: no control-failed", func(h *handSession) {
			h.s.Exchanges = nil
		}, nil, true},
		{"ends right after LIST was sent, nothing back yet: no transfer-no-reply", func(h *handSession) {
			h.listedOK()
			setup := h.say("EPSV", "229 Entering Extended Passive Mode (|||30003|)")
			c := h.passiveConn(3)
			h.data("EPSV", "10.77.0.2:30003", setup, h.say("LIST"), c)
		}, nil, true},
		{"goes on 30 s after LIST with no reply: the server never answered", func(h *handSession) {
			h.listedOK()
			setup := h.say("EPSV", "229 Entering Extended Passive Mode (|||30004|)")
			c := h.passiveConn(4)
			h.data("EPSV", "10.77.0.2:30004", setup, h.say("LIST"), c)
			// Another connection of the capture, 30 s later.
			h.ev.Conns = append(h.ev.Conns, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.2:41000"), Responder: netip.MustParseAddrPort("192.0.2.1:443"), First: capture.PacketRef{T: h.t + 30}, SYNs: []capture.PacketRef{{T: h.t + 30}}})
		}, []string{"transfer-no-reply"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			tc.build(h)
			cd := DiagnoseCapture(h.ev)
			got := analyzedIDs(cd)
			cut := false
			for _, d := range cd.Sessions {
				for _, f := range d.Findings {
					cut = cut || f.ID == "capture-incomplete" && strings.Contains(f.Explanation, "The capture ends while steps")
				}
			}
			if !slices.Equal(got, tc.want) || cut != tc.cut {
				for _, d := range cd.Sessions {
					t.Logf("verdict: %s", d.Verdict)
					for _, f := range d.Findings {
						t.Logf("  %s %s: %s %v", f.Severity, f.ID, f.Explanation, f.Evidence)
					}
				}
				t.Errorf("ids %v, want %v; cut %v, want %v", got, tc.want, cut, tc.cut)
			}
		})
	}
}

// TestAnalyzeClientChoiceOnPrivate227: a client that refuses a private 227
// address (tnftp: no SYN at all) or dials it and is turned back by its own
// side (ICMP net unreachable from its gateway) failed because of the
// announced address: pasv-private-address is the error, no firewall on
// the passive range is claimed.
func TestAnalyzeClientChoiceOnPrivate227(t *testing.T) {
	private := func(h *handSession, c *capture.Conn) {
		h.listedOK()
		setup := h.say("PASV", "227 Entering Passive Mode (192,168,77,2,117,52).")
		h.data("PASV", "192.168.77.2:30004", setup, nil, c)
	}
	tests := []struct {
		name  string
		build func(h *handSession)
		says  string
	}{
		{"never dialled (tnftp's address mismatch)", func(h *handSession) { private(h, nil) }, "did not dial it"},
		{"never dialled, and the capture holds no data connection at all (tnftp: PASV twice, then QUIT)", func(h *handSession) {
			for i := 0; i < 2; i++ {
				h.data("PASV", "192.168.77.2:30004", h.say("PASV", "227 Entering Passive Mode (192,168,77,2,117,52)."), nil, nil)
			}
			h.say("QUIT", "221 Goodbye.")
		}, "sent no transfer command after it: it gave up on 192.168.77.2"},
		{"dialled, ICMP net unreachable from its own gateway", func(h *handSession) {
			private(h, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.2:40005"), Responder: netip.MustParseAddrPort("192.168.77.2:30004"),
				First: capture.PacketRef{T: h.t}, SYNs: []capture.PacketRef{{T: h.t}},
				ICMP: []capture.ICMPFact{{PacketRef: capture.PacketRef{T: h.t + 0.001}, From: "192.168.10.1", Type: 3, Code: 0, Text: "net unreachable"}}})
		}, "trusted the reply and dialled 192.168.77.2"},
		{"dialled, SYNs unanswered", func(h *handSession) {
			private(h, &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.2:40006"), Responder: netip.MustParseAddrPort("192.168.77.2:30004"),
				First: capture.PacketRef{T: h.t}, SYNs: []capture.PacketRef{{T: h.t}, {T: h.t + 1}, {T: h.t + 3}}})
		}, "trusted the reply and dialled 192.168.77.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			tc.build(h)
			cd := DiagnoseCapture(h.ev)
			got := analyzedIDs(cd)
			var pf *Finding
			for _, d := range cd.Sessions {
				for i, f := range d.Findings {
					if f.ID == "pasv-private-address" {
						pf = &d.Findings[i]
					}
				}
			}
			if !slices.Equal(got, []string{"pasv-private-address"}) || pf == nil || pf.Severity != SeverityError || !strings.Contains(pf.Explanation, tc.says) {
				for _, d := range cd.Sessions {
					t.Logf("verdict: %s", d.Verdict)
					for _, f := range d.Findings {
						t.Logf("  %s %s: %s", f.Severity, f.ID, f.Explanation)
					}
				}
				t.Errorf("ids %v, want only pasv-private-address as an error saying %q", got, tc.says)
			}
		})
	}
}
