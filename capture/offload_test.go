package capture

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/ftpdiag/ftpdiag/internal/pcaptest"
)

// offloadFrame is a frame a fake source hands over, with the kernel's
// "checksum not ready" flag.
type offloadFrame struct {
	data    []byte
	length  int // on the wire; len(data) when 0
	pending bool
}

// fakeOffloadSource replays frames, then waits to be closed.
type fakeOffloadSource struct {
	frames  []offloadFrame
	i       int
	pending bool
	served  chan struct{} // closed once every frame was handled
	closed  chan struct{}
}

func (f *fakeOffloadSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	if f.i >= len(f.frames) {
		close(f.served)
		<-f.closed
		return nil, gopacket.CaptureInfo{}, net.ErrClosed
	}
	fr := f.frames[f.i]
	f.i++
	f.pending = fr.pending
	n := fr.length
	if n == 0 {
		n = len(fr.data)
	}
	return fr.data, gopacket.CaptureInfo{Timestamp: time.Now(), CaptureLength: len(fr.data), Length: n}, nil
}
func (f *fakeOffloadSource) setFilter([]bpf.RawInstruction) error { return nil }
func (f *fakeOffloadSource) drops() (uint64, error)               { return 0, nil }
func (f *fakeOffloadSource) linkType() layers.LinkType            { return layers.LinkTypeRaw }
func (f *fakeOffloadSource) close() error                         { close(f.closed); return nil }
func (f *fakeOffloadSource) dropOutgoing() bool                   { return false }
func (f *fakeOffloadSource) checksumPending() bool                { return f.pending }

// partialChecksum leaves in a segment what a sender with checksum offload
// hands the tap: the pseudo-header sum, not the final checksum.
func partialChecksum(ip []byte, v6 bool) []byte {
	out := append([]byte(nil), ip...)
	off := 20
	if v6 {
		off = 40
	}
	binary.BigEndian.PutUint16(out[off+16:], 0x1234)
	return out
}

// Only segments the kernel flagged get their checksum written: a segment
// whose checksum was corrupted on the wire keeps it, and one cut short
// cannot be summed and is left as captured.
func TestOffloadedChecksums(t *testing.T) {
	syn := tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 1})
	data := tcpPacket(t, seg{src: server, dst: client, flags: "PA", seq: 100, ack: 2, payload: "220 ready\r\n"})
	data6 := tcpPacket(t, seg{src: client6, dst: server6, flags: "PA", seq: 5, ack: 9, payload: "LIST\r\n"})
	for _, tc := range []struct {
		name  string
		fr    offloadFrame
		valid bool // the saved segment verifies
		cut   bool
	}{
		{name: "flagged SYN", fr: offloadFrame{data: partialChecksum(syn, false), pending: true}, valid: true},
		{name: "flagged data", fr: offloadFrame{data: partialChecksum(data, false), pending: true}, valid: true},
		{name: "flagged IPv6 data", fr: offloadFrame{data: partialChecksum(data6, true), pending: true}, valid: true},
		{name: "corrupted on the wire, not flagged", fr: offloadFrame{data: partialChecksum(data, false)}, valid: false},
		{name: "valid, not flagged", fr: offloadFrame{data: data}, valid: true},
		{name: "flagged but cut short", fr: offloadFrame{data: partialChecksum(data, false)[:44], length: len(data), pending: true}, cut: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &fakeOffloadSource{frames: []offloadFrame{tc.fr}, served: make(chan struct{}), closed: make(chan struct{})}
			pcap := filepath.Join(t.TempDir(), "t.pcapng")
			cfg := Config{Interface: "fake0", Servers: []netip.Addr{server.Addr(), server6.Addr()}, PcapPath: pcap, Grace: 50 * time.Millisecond}
			l, err := start(context.Background(), cfg, func(string) (source, error) { return src, nil })
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-src.served:
			case <-time.After(10 * time.Second):
				t.Fatal("the capture loop did not read the frame")
			}
			if _, err := l.Stop(); err != nil {
				t.Fatal(err)
			}
			got := pcaptest.Read(t, pcap).TCPChecksums(t)
			want := pcaptest.Checksums{}
			switch {
			case tc.cut:
				want.Cut = 1
			case tc.valid:
				want.Valid = 1
			default:
				want.Bad, want.BadPackets = 1, []int{1}
			}
			if got.Valid != want.Valid || got.Bad != want.Bad || got.Cut != want.Cut {
				t.Errorf("saved segment: %+v, want %+v", got, want)
			}
		})
	}
}
