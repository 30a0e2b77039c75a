package capture

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// dialogue builds a control connection's packets: handshake, then each
// chunk as one segment from the client (c) or the server (s), in order.
type dialogue struct {
	tb       testing.TB
	cli, srv netip.AddrPort
	cseq     uint32
	sseq     uint32
	at       float64
	recs     []rec
}

func newDialogue(tb testing.TB, cli, srv netip.AddrPort) *dialogue {
	d := &dialogue{tb: tb, cli: cli, srv: srv, cseq: 100, sseq: 5000}
	d.add(seg{src: cli, dst: srv, flags: "S", seq: d.cseq})
	d.add(seg{src: srv, dst: cli, flags: "SA", seq: d.sseq, ack: d.cseq + 1})
	d.cseq++
	d.sseq++
	return d
}

func (d *dialogue) add(s seg) {
	d.at += 0.01
	d.recs = append(d.recs, rec{d.at, tcpPacket(d.tb, s)})
}

func (d *dialogue) c(p string) *dialogue {
	d.add(seg{src: d.cli, dst: d.srv, flags: "PA", seq: d.cseq, ack: d.sseq, payload: p})
	d.cseq += uint32(len(p))
	return d
}

func (d *dialogue) s(p string) *dialogue {
	d.add(seg{src: d.srv, dst: d.cli, flags: "PA", seq: d.sseq, ack: d.cseq, payload: p})
	d.sseq += uint32(len(p))
	return d
}

func TestSessionDialogue(t *testing.T) {
	d := newDialogue(t, client, server)
	d.s("220-Welcome\r\n220 (vsFTPd 3.0.3)\r\n").c("USER alice\r\n").s("331 Please specify the password.\r\n")
	// PASS split across two segments, the second one resent.
	d.c("PASS sec")
	d.c("ret\r\n")
	last := d.recs[len(d.recs)-1]
	d.recs = append(d.recs, rec{d.at + 0.001, last.ip})
	d.s("230 Login successful.\r\n").c("PASV\r\n").s("227 Entering Passive Mode (10,0,0,5,117,48).\r\n")
	d.c("RETR f\r\n")
	// Data connection to the control address (NAT rewrote the 227's).
	data := netip.MustParseAddrPort("203.0.113.10:30000")
	d.add(seg{src: netipPort(client, 50000), dst: data, flags: "S", seq: 1})
	d.add(seg{src: data, dst: netipPort(client, 50000), flags: "SA", seq: 9, ack: 2})
	d.s("150 Opening.\r\n226 Done.\r\n")
	// PORT with a callback that never comes.
	d.c("PORT 192,0,2,10,195,80\r\n").s("200 PORT command successful.\r\n").c("LIST\r\n").s("425 Failed to establish connection.\r\n")
	ev := readRecs(t, d.recs)
	if len(ev.Sessions) != 1 {
		t.Fatalf("%d sessions", len(ev.Sessions))
	}
	s := ev.Sessions[0]
	if s.Client != client || s.Server != server || s.DetectedBy != "port" || s.User != "alice" || s.ID != 1 {
		t.Errorf("session %+v", s)
	}
	var cmds []string
	for _, x := range s.Exchanges {
		line := x.Command
		for _, r := range x.Replies {
			line += "|" + r.Lines[0]
		}
		cmds = append(cmds, line)
	}
	want := []string{
		"|220-Welcome",
		"USER alice|331 Please specify the password.",
		"PASS ******|230 Login successful.",
		"PASV|227 Entering Passive Mode (10,0,0,5,117,48).",
		"RETR f|150 Opening.|226 Done.",
		"PORT 192,0,2,10,195,80|200 PORT command successful.",
		"LIST|425 Failed to establish connection.",
	}
	if strings.Join(cmds, "\n") != strings.Join(want, "\n") {
		t.Errorf("dialogue:\n%s\nwant:\n%s", strings.Join(cmds, "\n"), strings.Join(want, "\n"))
	}
	if len(s.Data) != 2 {
		t.Fatalf("%d data setups", len(s.Data))
	}
	p, a := s.Data[0], s.Data[1]
	if p.Mode != "PASV" || p.Announced.String() != "10.0.0.5:30000" || p.Conn == nil || p.Match != "control-address" || p.Transfer == nil || p.Transfer.Command != "RETR f" {
		t.Errorf("passive setup %+v", p)
	}
	if a.Mode != "PORT" || a.Announced.String() != "192.0.2.10:50000" || a.Conn != nil || a.Passive {
		t.Errorf("active setup %+v", a)
	}
}

func TestSessionOutOfOrderAndBanner(t *testing.T) {
	// FTP on port 2121, found by its greeting; the client's command arrives
	// in two segments swapped on the wire.
	srv := netip.MustParseAddrPort("203.0.113.10:2121")
	d := newDialogue(t, client, srv)
	d.s("220 ready\r\n")
	seq := d.cseq
	d.add(seg{src: client, dst: srv, flags: "PA", seq: seq + 5, ack: d.sseq, payload: "bob\r\n"})
	d.add(seg{src: client, dst: srv, flags: "PA", seq: seq, ack: d.sseq, payload: "USER "})
	d.cseq += 10
	d.s("230 ok\r\n")
	ev := readRecs(t, d.recs)
	if len(ev.Sessions) != 1 || ev.Sessions[0].DetectedBy != "banner" || ev.Sessions[0].User != "bob" {
		t.Fatalf("sessions %+v", ev.Sessions)
	}
}

func TestSessionAuthTLS(t *testing.T) {
	d := newDialogue(t, client, server)
	d.s("220 hi\r\n").c("AUTH TLS\r\n").s("234 Proceed.\r\n").c("\x16\x03\x01\x00\x05hello").s("\x16\x03\x03\x00\x02hi")
	// A data connection between the two hosts while the session lasts.
	dst := netip.MustParseAddrPort("203.0.113.10:31000")
	d.add(seg{src: netipPort(client, 50001), dst: dst, flags: "S", seq: 1})
	d.c("\x17\x03\x03\x00\x01x")
	ev := readRecs(t, d.recs)
	s := ev.Sessions[0]
	if s.TLS == nil || !s.TLS.Encrypted || s.TLS.Auth == nil || s.TLS.Records != 3 {
		t.Fatalf("tls %+v", s.TLS)
	}
	if len(s.Data) != 1 || !s.Data[0].Inferred || !s.Data[0].Passive || s.Data[0].Match != "encrypted" {
		t.Fatalf("data %+v", s.Data)
	}
	for _, x := range s.Exchanges {
		if strings.Contains(x.Command, "\x16") {
			t.Errorf("TLS bytes parsed as a command: %q", x.Command)
		}
	}
}

// TestLabCaptureSessions: each lab capture holds the probe's four control
// connections, every PASS redacted, each data setup answered.
func TestLabCaptureSessions(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "captures", "*.pcapng"))
	if len(files) == 0 {
		t.Skip("no lab captures (scripts/make-testdata-captures)")
	}
	for _, f := range files {
		ev, err := ReadFiles([]string{f}, ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(ev.Sessions) != 4 {
			t.Errorf("%s: %d sessions, want the probe's 4", f, len(ev.Sessions))
		}
		for _, s := range ev.Sessions {
			if s.GapBytes != 0 || s.Malformed != 0 {
				t.Errorf("%s: session %d: %d gap bytes, %d malformed", f, s.ID, s.GapBytes, s.Malformed)
			}
			for _, x := range s.Exchanges {
				if v := x.Verb(); v == "PASS" && strings.Trim(x.Command[4:], " *") != "" {
					t.Errorf("%s: PASS not redacted: %q", f, x.Command)
				}
			}
		}
	}
}

// TestReadFilesMerged: two files are one timeline, merged by timestamp
// (timestamps going back within a file: TestTimestampOrder).
func TestReadFilesMerged(t *testing.T) {
	d := newDialogue(t, client, server)
	d.s("220 hi\r\n").c("USER a\r\n").s("230 ok\r\n")
	var even, odd []rec
	for i, r := range d.recs {
		if i%2 == 0 {
			even = append(even, r)
		} else {
			odd = append(odd, r)
		}
	}
	a := writeTrace(t, "a.pcapng", layers.LinkTypeEthernet, true, even)
	b := writeTrace(t, "b.pcap", layers.LinkTypeEthernet, false, odd)
	ev, err := ReadFiles([]string{a, b}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Sessions) != 1 || ev.Sessions[0].User != "a" || len(ev.Sessions[0].Exchanges) != 2 {
		t.Fatalf("merged sessions %+v", ev.Sessions)
	}
}

// FuzzSessions feeds arbitrary traces to the reader with session rebuild
// on; the lab captures are the seeds (testdata/fuzz/FuzzSessions, written
// by scripts/make-testdata-captures). It must never panic, stay fast, and
// never let a PASS argument through.
func FuzzSessions(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	recoverPanics = false
	f.Fuzz(func(t *testing.T, data []byte) {
		begin := time.Now()
		ev, _ := ReadTraces([]Trace{{Name: "fuzz", R: bytes.NewReader(data)}}, ReadOptions{ControlPorts: []uint16{21, 2121}})
		if d := time.Since(begin); d > 2*time.Second {
			t.Fatalf("reading %d bytes took %v", len(data), d)
		}
		if ev == nil {
			return
		}
		for _, s := range ev.Sessions {
			if s.Control == nil || len(s.Exchanges) > maxExchanges || len(s.Data) > maxSetups {
				t.Fatalf("session out of bounds: %+v", s)
			}
			for _, x := range s.Exchanges {
				if v, arg, ok := strings.Cut(x.Command, " "); ok && strings.EqualFold(v, "PASS") && strings.Trim(arg, "*") != "" {
					t.Fatalf("PASS argument kept: %q", x.Command)
				}
				if len(x.Replies) > maxRepliesPerCmd {
					t.Fatalf("%d replies", len(x.Replies))
				}
			}
			for _, ds := range s.Data {
				if ds.Conn == s.Control {
					t.Fatal("control connection linked as data")
				}
			}
		}
	})
}

// TestSessionTLSMidstreamAndCCC: TLS already under way when the capture
// started is not implicit FTPS; a control channel cleared by CCC is read
// again.
func TestSessionTLSMidstreamAndCCC(t *testing.T) {
	t.Run("midstream", func(t *testing.T) {
		d := newDialogue(t, client, server)
		d.recs = d.recs[:0] // the capture started after the handshake
		d.c("\x17\x03\x03\x00\x05hello").s("\x17\x03\x03\x00\x02hi").c("\x17\x03\x03\x00\x01x")
		ev := readRecs(t, d.recs)
		if len(ev.Sessions) != 1 {
			t.Fatalf("%d sessions", len(ev.Sessions))
		}
		tl := ev.Sessions[0].TLS
		if tl == nil || tl.Implicit || !tl.Midstream || !tl.Encrypted {
			t.Errorf("tls %+v, want midstream, not implicit", tl)
		}
	})
	t.Run("implicit", func(t *testing.T) {
		d := newDialogue(t, client, server)
		d.c("\x16\x03\x01\x00\x05hello").s("\x16\x03\x03\x00\x02hi")
		ev := readRecs(t, d.recs)
		if len(ev.Sessions) != 1 || ev.Sessions[0].TLS == nil || !ev.Sessions[0].TLS.Implicit || ev.Sessions[0].TLS.Midstream {
			t.Fatalf("sessions %+v", ev.Sessions)
		}
	})
	t.Run("CCC", func(t *testing.T) {
		d := newDialogue(t, client, server)
		d.s("220 hi\r\n").c("AUTH TLS\r\n").s("234 Proceed.\r\n").c("\x16\x03\x01\x00\x05hello").s("\x16\x03\x03\x00\x02hi")
		d.c("\x15\x03\x03\x00\x02cn") // close_notify after CCC
		d.c("PASV\r\n").s("227 Entering Passive Mode (203,0,113,10,117,48).\r\n").c("RETR f\r\n").s("150 Opening.\r\n").s("226 Done.\r\n")
		ev := readRecs(t, d.recs)
		s := ev.Sessions[0]
		if s.TLS == nil || s.TLS.Cleared == nil {
			t.Fatalf("tls %+v, want cleared", s.TLS)
		}
		if len(s.Data) != 1 || s.Data[0].Mode != "PASV" || s.Data[0].Transfer == nil || s.Data[0].Transfer.Command != "RETR f" {
			t.Errorf("data after CCC not read: %+v", s.Data)
		}
	})
}
