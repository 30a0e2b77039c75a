package capture

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestVLANFrames reads the same dialogue in every link type the reader
// takes, untagged, with an 802.1Q tag, with QinQ (802.1ad outer tag, and
// the pre-standard 0x9100 one) and three stacked tags: each must give the
// one session with its dialogue and its data connection. Raw IP and BSD
// loopback frames carry no Ethernet header, hence no tag.
func TestVLANFrames(t *testing.T) {
	d := newDialogue(t, client, server)
	d.s("220 (vsFTPd 3.0.3)\r\n").c("USER alice\r\n").s("230 Login successful.\r\n").c("PASV\r\n").
		s("227 Entering Passive Mode (203,0,113,10,117,48).\r\n").c("RETR f\r\n")
	data := netipPort(server, 30000)
	d.add(seg{src: netipPort(client, 50000), dst: data, flags: "S", seq: 1})
	d.add(seg{src: data, dst: netipPort(client, 50000), flags: "SA", seq: 9, ack: 2})
	d.s("150 Opening.\r\n226 Done.\r\n").c("QUIT\r\n").s("221 Goodbye.\r\n")
	d6 := newDialogue(t, client6, netipPort(server6, 21))
	d6.s("220 ProFTPD\r\n").c("USER bob\r\n").s("331 Password required\r\n")
	recs := append(d.recs, d6.recs...)
	for i := range recs {
		recs[i].at = float64(i) * 0.01
	}

	const (
		dot1q = 0x8100
		qinq  = 0x88a8
		q9100 = 0x9100
	)
	tagged := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2}
	type variant struct {
		lt   layers.LinkType
		tags []uint16
	}
	var tests []variant
	for _, lt := range tagged {
		for _, tags := range [][]uint16{nil, {dot1q}, {qinq, dot1q}, {q9100, dot1q}, {qinq, dot1q, dot1q}} {
			tests = append(tests, variant{lt, tags})
		}
	}
	tests = append(tests, variant{layers.LinkTypeRaw, nil}, variant{layers.LinkTypeNull, nil})
	for _, tt := range tests {
		for _, ng := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/%x/ng=%v", tt.lt, tt.tags, ng), func(t *testing.T) {
				b := traceBytesTagged(t, tt.lt, ng, recs, tt.tags...)
				ev, err := ReadTraces([]Trace{{Name: "vlan", R: bytes.NewReader(b)}}, ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if len(ev.Sessions) != 2 {
					t.Fatalf("%d sessions, want 2", len(ev.Sessions))
				}
				s := ev.Sessions[0]
				if s.User != "alice" || len(s.Exchanges) != 5 || len(s.Data) != 1 || s.Data[0].Conn == nil {
					t.Errorf("session 1: user %q, %d exchanges, data %+v", s.User, len(s.Exchanges), s.Data)
				}
				if s6 := ev.Sessions[1]; s6.User != "bob" || s6.Server.Port() != 21 || !s6.Server.Addr().Is6() {
					t.Errorf("session 2 (IPv6): %+v", s6)
				}
				if len(ev.Conns) != 3 {
					t.Errorf("%d connections, want 3", len(ev.Conns))
				}
			})
		}
	}
}

// TestRedactVLAN: a PASS in a VLAN-tagged frame is redacted like any other
// (a live capture on a trunk interface keeps the tags).
func TestRedactVLAN(t *testing.T) {
	for _, tags := range [][]uint16{nil, {0x8100}, {0x88a8, 0x8100}} {
		for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2} {
			ip := tcpPacket(t, seg{src: client, dst: server, flags: "PA", seq: 7, payload: "PASS s3cret\r\n"})
			fr := frame(lt, ip, tags...)
			if !NewRedactor(21).Frame(lt, fr) || !bytes.Contains(fr, []byte("PASS ******\r\n")) || bytes.Contains(fr, []byte("s3cret")) {
				t.Errorf("%v %x: not redacted: %q", lt, tags, fr)
			}
		}
	}
}
