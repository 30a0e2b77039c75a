package capture

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// snapTrace writes recs as an Ethernet pcap taken with snap length snap:
// each frame keeps at most snap bytes, its original length recorded.
func snapTrace(t *testing.T, recs []rec, snap int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	if err := w.WriteFileHeader(uint32(snap), layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		d := frame(layers.LinkTypeEthernet, r.ip)
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(r.at * float64(time.Second))), CaptureLength: min(len(d), snap), Length: len(d)}
		if err := w.WritePacket(ci, d[:ci.CaptureLength]); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// TestSnaplen: a capture taken with a short snap length is recognised: the
// cut control text is not read as complete (the dialogue stops at the
// first cut segment, its whole lines read), the cut segments are counted
// per connection, and the snap length is recorded. A header cut inside
// the TCP options still gives the segment's flags and sequence numbers.
func TestSnaplen(t *testing.T) {
	d := newDialogue(t, client, server)
	d.recs[0] = rec{d.recs[0].at, tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 100, mss: 1460})}
	d.s("220 hi\r\n").c("USER a\r\n").s("230 ok\r\n").c("PASV\r\n").s("227 =203,0,113,10,117,48\r\n").c("RETR f\r\n")
	data := netipPort(server, 30000)
	dc := netipPort(client, 50000)
	d.add(seg{src: dc, dst: data, flags: "S", seq: 1})
	d.add(seg{src: data, dst: dc, flags: "SA", seq: 9, ack: 2})
	d.add(seg{src: data, dst: dc, flags: "PA", seq: 10, ack: 2, payload: strings.Repeat("x", 1000)})
	d.add(seg{src: data, dst: dc, flags: "FA", seq: 1010, ack: 2})
	d.s("150 Opening.\r\n226 Transfer complete, 1000 bytes\r\n") // packet 13
	d.c("QUIT\r\n").s("221 bye\r\n")
	full := "|220 hi,USER a|230 ok,PASV|227 =203,0,113,10,117,48,RETR f|150 Opening.|226 Transfer complete, 1000 bytes,QUIT|221 bye"
	tests := []struct {
		name       string
		snap       int
		dialogue   string
		slicedAt   int // packet; 0: none
		snaplen    int // recorded
		ctlSliced  int
		dataSliced int
		mss        int
		cut        bool // the last reply is a cut one: its code kept
	}{
		{"whole frames", 65535, full, 0, 0, 0, 0, 1460, false},
		// 84 bytes: Ethernet, IP and TCP headers (54) and 30 of payload:
		// the 150 line is whole, the 226 cut.
		{"snap length 84", 84, "|220 hi,USER a|230 ok,PASV|227 =203,0,113,10,117,48,RETR f|150 Opening.|226 Transfer com", 13, 84, 1, 1, 1460, true},
		// 60 bytes: 6 of payload, the greeting's code and "hi".
		{"snap length 60", 60, "|220 hi", 3, 60, 7, 1, 1460, true},
		// 56 bytes: the SYN's MSS option is cut, 2 bytes of each payload.
		{"snap length 56", 56, "", 3, 56, 9, 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ReadTraces([]Trace{{Name: "snap.pcap", R: bytes.NewReader(snapTrace(t, d.recs, tt.snap))}}, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ev.Sessions) != 1 {
				t.Fatalf("%d sessions", len(ev.Sessions))
			}
			s := ev.Sessions[0]
			var got []string
			for _, x := range s.Exchanges {
				line := x.Command
				for _, r := range x.Replies {
					line += "|" + strings.Join(r.Lines, "")
				}
				got = append(got, line)
			}
			if n := len(s.Exchanges); n > 0 {
				x := s.Exchanges[n-1]
				if last := x.Replies[len(x.Replies)-1]; last.Cut != tt.cut {
					t.Errorf("last reply %+v: cut %v, want %v", last, last.Cut, tt.cut)
				}
			}
			if g := strings.Join(got, ","); g != tt.dialogue {
				t.Errorf("dialogue\n %q, want\n %q", g, tt.dialogue)
			}
			if at := s.SlicedAt; (at == nil) != (tt.slicedAt == 0) || at != nil && at.Packet != tt.slicedAt {
				t.Errorf("sliced at %+v, want packet %d", at, tt.slicedAt)
			}
			ctl, dconn := s.Control, ev.Conns[1]
			if ev.Snaplen != tt.snaplen || ctl.Sliced != tt.ctlSliced || dconn.Sliced != tt.dataSliced {
				t.Errorf("snaplen %d, sliced control %d data %d: want %d, %d, %d", ev.Snaplen, ctl.Sliced, dconn.Sliced, tt.snaplen, tt.ctlSliced, tt.dataSliced)
			}
			if ctl.Midstream || len(ctl.SYNs) != 1 || ctl.MSSInitiator != tt.mss || dconn.BytesFromResponder != 1000 || dconn.GapBytes != 0 || ctl.GapBytes != 0 {
				t.Errorf("control %+v, data %+v", ctl, dconn)
			}
		})
	}
}
