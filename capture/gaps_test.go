package capture

import (
	"testing"
)

// TestConnGaps: per connection, bytes the sequence numbers say were sent
// but the capture does not hold (a segment arriving late fills its hole
// and is no retransmission), and whether the connection outlived the
// capture.
func TestConnGaps(t *testing.T) {
	src, dst := netipPort(client, 50000), netipPort(server, 30000)
	syn := seg{src: src, dst: dst, flags: "S", seq: 0}
	synack := seg{src: dst, dst: src, flags: "SA", seq: 0, ack: 1}
	data := func(seq uint32, n int) seg {
		return seg{src: dst, dst: src, flags: "PA", seq: seq, ack: 1, payload: string(make([]byte, n))}
	}
	fin := func(from bool, seq uint32) seg {
		if from {
			return seg{src: src, dst: dst, flags: "FA", seq: 1, ack: seq}
		}
		return seg{src: dst, dst: src, flags: "FA", seq: seq, ack: 2}
	}
	rst := seg{src: src, dst: dst, flags: "R", seq: 1}
	tests := []struct {
		name        string
		segs        []seg
		gap         int64
		retransmits int
		bytes       int64
		open        bool
	}{
		{"whole, closed both ways", []seg{syn, synack, data(1, 100), data(101, 100), fin(false, 201), fin(true, 202)}, 0, 0, 200, false},
		{"one segment missing", []seg{syn, synack, data(1, 100), data(201, 100), fin(false, 301), fin(true, 302)}, 100, 0, 200, false},
		{"reordered, not missing", []seg{syn, synack, data(101, 100), data(1, 100), fin(false, 201), fin(true, 202)}, 0, 0, 200, false},
		{"half a hole filled late", []seg{syn, synack, data(1, 100), data(201, 100), data(101, 40), rst}, 60, 0, 240, false},
		{"resent", []seg{syn, synack, data(1, 100), data(1, 100), data(101, 100)}, 0, 1, 200, true},
		{"late segment overlapping seen bytes", []seg{syn, synack, data(1, 100), data(151, 50), data(51, 100)}, 0, 1, 200, true},
		{"outlives the capture (one FIN only)", []seg{syn, synack, data(1, 100), fin(false, 101)}, 0, 0, 100, true},
		{"SYN unanswered", []seg{syn, syn}, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var recs []rec
			for i, s := range tt.segs {
				recs = append(recs, rec{float64(i) * 0.01, tcpPacket(t, s)})
			}
			ev := readRecs(t, recs)
			if len(ev.Conns) != 1 {
				t.Fatalf("%d connections", len(ev.Conns))
			}
			c := ev.Conns[0]
			if c.GapBytes != tt.gap || c.Retransmits != tt.retransmits || c.BytesFromResponder != tt.bytes || c.OpenAtEnd != tt.open {
				t.Errorf("gap %d, retransmits %d, bytes %d, open %v: want %d, %d, %d, %v", c.GapBytes, c.Retransmits, c.BytesFromResponder, c.OpenAtEnd, tt.gap, tt.retransmits, tt.bytes, tt.open)
			}
		})
	}
}

// TestStartedBefore: a session whose control connection's SYN and greeting
// are not in the capture started before it.
func TestStartedBefore(t *testing.T) {
	whole := newDialogue(t, client, server).s("220 hi\r\n").c("USER a\r\n").s("331 pw\r\n").recs
	inside := (&dialogue{tb: t, cli: client, srv: server, cseq: 900, sseq: 7000}).
		c("NOOP\r\n").s("200 ok\r\n").c("USER b\r\n").s("331 pw\r\n").recs
	for _, tt := range []struct {
		name   string
		recs   []rec
		before bool
	}{{"SYN and greeting", whole, false}, {"inside the dialogue", inside, true}} {
		t.Run(tt.name, func(t *testing.T) {
			ev := readRecs(t, tt.recs)
			if len(ev.Sessions) != 1 || ev.Sessions[0].StartedBefore != tt.before {
				t.Errorf("sessions %+v, want started before %v", ev.Sessions, tt.before)
			}
		})
	}
}
