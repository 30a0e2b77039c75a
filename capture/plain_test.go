package capture

import (
	"bytes"
	"net/netip"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/capgen"
	"github.com/gopacket/gopacket/layers"
)

// TestPlainSameAsDecoded: the segments the tracker reads from their
// headers alone (plain) are read as decoding them reads them: every
// testdata capture, and a generated one, gives the same Evidence and
// error with plain turned off.
func TestPlainSameAsDecoded(t *testing.T) {
	files := testdataCaptures(t, "clients", "tls", "captures", "tls-keylog")
	var gen bytes.Buffer
	if _, err := capgen.Write(&gen, capgen.Options{Seed: 3, Bytes: 4 << 20, Sessions: 200}); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"capgen": gen.Bytes()}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = data
	}
	defer func(off bool) { plainOff = off }(plainOff)
	for name, data := range inputs {
		read := func(off bool) (*Evidence, string) {
			plainOff = off
			ev, err := ReadTraces([]Trace{{Name: name, R: bytes.NewReader(data)}}, ReadOptions{})
			if err != nil {
				return ev, err.Error()
			}
			return ev, ""
		}
		ev, err := read(false)
		want, wantErr := read(true)
		if err != wantErr {
			t.Errorf("%s: error %q, decoded %q", name, err, wantErr)
		}
		if !reflect.DeepEqual(ev, want) {
			t.Errorf("%s: the Evidence differs from the decoded read's", name)
		}
	}
}

// TestPlainTakesDataSegments: plain reads the segments of a data
// connection once its first bytes showed it is no control connection,
// and leaves the rest to decoding: the handshake, the first bytes, a
// FIN, a control connection's segments.
func TestPlainTakesDataSegments(t *testing.T) {
	data := netip.MustParseAddrPort("203.0.113.10:30001")
	for _, tc := range []struct {
		name     string
		src, dst netip.AddrPort
	}{{"IPv4", client, data}, {"IPv6", client6, server6}} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := tc.src, tc.dst
			segs := []struct {
				seg
				plain bool
			}{
				{seg{src: c, dst: s, flags: "S", seq: 100}, false},
				{seg{src: s, dst: c, flags: "SA", seq: 500, ack: 101}, false},
				{seg{src: c, dst: s, flags: "A", seq: 101, ack: 501}, false}, // no byte yet: may still greet
				{seg{src: s, dst: c, flags: "PA", seq: 501, ack: 101, payload: "first bytes"}, false},
				{seg{src: c, dst: s, flags: "A", seq: 101, ack: 512}, true},
				{seg{src: s, dst: c, flags: "PA", seq: 512, ack: 101, payload: "more bytes"}, true},
				{seg{src: c, dst: s, flags: "PA", seq: 101, ack: 522, payload: "from the client"}, true},
				{seg{src: s, dst: c, flags: "FA", seq: 522, ack: 116}, false},
			}
			tr := NewTracker(TrackerConfig{FTPSessions: true})
			for i, sg := range segs {
				b := frame(layers.LinkTypeEthernet, tcpPacket(t, sg.seg))
				var h fastHdr
				h.parse(layers.LinkTypeEthernet, b)
				v := tr.addNanos(layers.LinkTypeEthernet, b, &h, t0.UnixNano()+int64(i)*1e6, i+1)
				if got := v == nil; got != sg.plain {
					t.Errorf("segment %d (%s %q): plain %v, want %v", i+1, sg.flags, sg.payload, got, sg.plain)
				}
			}
			ev := tr.Finish(t0.Add(time.Second))
			conn := ev.Conns[0]
			if conn.Packets != len(segs) || conn.BytesFromInitiator != 15 || conn.BytesFromResponder != 21 {
				t.Errorf("packets %d, bytes %d and %d, want %d, 15 and 21", conn.Packets, conn.BytesFromInitiator, conn.BytesFromResponder, len(segs))
			}
		})
	}
}
