package capture

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestTimestampOrder: packets whose timestamps step back by microseconds
// up to about a second (multi-queue NICs, merged files) are read in
// timestamp order and counted, with no error; a step back beyond the
// window is read in file order and reported, and is not damage; a
// truncated file is damage.
func TestTimestampOrder(t *testing.T) {
	d := newDialogue(t, client, server)
	d.s("220 hi\r\n").c("USER a\r\n").s("331 pass\r\n").c("PASS x\r\n").s("230 ok\r\n").c("QUIT\r\n").s("221 bye\r\n")
	base := d.recs // handshake, then 7 segments, 10 ms apart
	swap := func(i, j int) func([]rec) []rec {
		return func(r []rec) []rec { r[i], r[j] = r[j], r[i]; return r }
	}
	tests := []struct {
		name string
		edit func([]rec) []rec
		// reordered: packets put back in order; beyond: the error's words
		// ("" none); damaged: errors.Is(err, ErrDamaged).
		reordered int
		maxStep   float64
		beyond    string
		damaged   bool
		synack    int // file number of the SYN-ACK
	}{
		{name: "in order", edit: func(r []rec) []rec { return r }, synack: 2},
		{name: "SYN-ACK written before its SYN", edit: swap(0, 1), reordered: 1, maxStep: 0.01, synack: 1},
		{name: "reply written before its command", edit: swap(3, 4), reordered: 1, maxStep: 0.01, synack: 2},
		{name: "microsecond jitter on every pair", edit: func(r []rec) []rec {
			for i := range r {
				r[i].at = float64(i) * 0.000005
			}
			for i := 1; i+1 < len(r); i += 2 {
				r[i], r[i+1] = r[i+1], r[i]
			}
			return r
		}, reordered: 4, maxStep: 0.000005, synack: 3},
		{name: "written 0.9 s late", edit: late(4, 0.9), reordered: 1, maxStep: 0.94, synack: 2},
		{name: "written 3 s late, packets after it handed on", edit: func(r []rec) []rec {
			for i := 5; i < len(r); i++ {
				r[i].at += float64(i) * 1.5 // the packets after the one written late are 1.5 s apart
			}
			return late(4, 3)(r)
		}, beyond: "timestamps go back in time at packet 9 (1 packets) further than the reorder window", synack: 2},
		{name: "truncated file", edit: func(r []rec) []rec { return r }, damaged: true, synack: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := tt.edit(append([]rec{}, base...))
			b := traceBytes(t, layers.LinkTypeEthernet, false, recs)
			if tt.damaged {
				b = b[:len(b)-10]
			}
			ev, err := ReadTraces([]Trace{{Name: "t.pcap", R: bytes.NewReader(b)}}, ReadOptions{})
			switch {
			case tt.beyond != "":
				if err == nil || !strings.Contains(err.Error(), tt.beyond) || errors.Is(err, ErrDamaged) {
					t.Fatalf("error %v, want %q, not damage", err, tt.beyond)
				}
			case tt.damaged:
				if !errors.Is(err, ErrDamaged) {
					t.Fatalf("error %v, want damage", err)
				}
			case err != nil:
				t.Fatal(err)
			}
			if ev.Reordered != tt.reordered || ev.ReorderedMax < tt.maxStep*0.99 || ev.ReorderedMax > tt.maxStep*1.01+1e-9 && tt.maxStep > 0 || (tt.maxStep == 0 && ev.ReorderedMax != 0) {
				t.Errorf("reordered %d (max %.6f s), want %d (%.6f s)", ev.Reordered, ev.ReorderedMax, tt.reordered, tt.maxStep)
			}
			if len(ev.Conns) != 1 || len(ev.Sessions) != 1 {
				t.Fatalf("%d connections, %d sessions: want 1 and 1", len(ev.Conns), len(ev.Sessions))
			}
			c, s := ev.Conns[0], ev.Sessions[0]
			if c.Midstream || c.SYNACK == nil || c.SYNACK.Packet != tt.synack {
				t.Errorf("connection: midstream %v, SYN-ACK %+v (want file packet %d)", c.Midstream, c.SYNACK, tt.synack)
			}
			var got []string
			for _, x := range s.Exchanges {
				line := x.Command
				for _, r := range x.Replies {
					line += "|" + r.Lines[0]
				}
				got = append(got, line)
			}
			want := "|220 hi,USER a|331 pass,PASS *|230 ok,QUIT|221 bye"
			if tt.damaged {
				want = "|220 hi,USER a|331 pass,PASS *|230 ok,QUIT"
			}
			if strings.Join(got, ",") != want {
				t.Errorf("dialogue %q, want %q", strings.Join(got, ","), want)
			}
		})
	}
}

// late returns an edit that makes the packets after k pause seconds
// later, then moves packet k to the end of the file: its timestamp steps
// back by about pause.
func late(k int, pause float64) func([]rec) []rec {
	return func(r []rec) []rec {
		for i := k + 1; i < len(r); i++ {
			r[i].at += pause
		}
		p := r[k]
		return append(append(r[:k:k], r[k+1:]...), p)
	}
}

// TestReorderBound: the window holds at most reorderPackets packets, so a
// step back past that many packets is read in file order and reported,
// however short it is in time.
func TestReorderBound(t *testing.T) {
	var recs []rec
	for i := range reorderPackets + 10 {
		recs = append(recs, rec{at: 0.5 + float64(i)*1e-7, ip: tcpPacket(t, seg{src: client, dst: netipPort(server, 3000), flags: "A", seq: uint32(i)})})
	}
	recs = append(recs, rec{at: 0.5, ip: recs[0].ip})
	b := traceBytes(t, layers.LinkTypeEthernet, false, recs)
	ev, err := ReadTraces([]Trace{{Name: "t.pcap", R: bytes.NewReader(b)}}, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "further than the reorder window") || errors.Is(err, ErrDamaged) {
		t.Errorf("error %v", err)
	}
	if ev == nil || ev.Packets != len(recs) {
		t.Errorf("evidence %+v", ev)
	}
}
