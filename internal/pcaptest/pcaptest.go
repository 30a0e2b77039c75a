// Package pcaptest reads and writes capture files for tests: the packets
// of a pcap or pcapng file, edited by a test (filtered, cut, retimed,
// sliced) and written again as a pcap for `ftpdiag analyze` to read. It
// wraps gopacket's pcapgo reader and writer; only tests import it.
package pcaptest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Packet is one captured frame.
type Packet struct {
	Info gopacket.CaptureInfo
	Data []byte
}

// Capture is a capture file's frames and link type. Snaplen is what Bytes
// writes in the file header (262144 when zero).
type Capture struct {
	LinkType layers.LinkType
	Snaplen  uint32
	Packets  []Packet
}

// packetReader is what pcapgo's pcap and pcapng readers share.
type packetReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// Read reads a pcap or pcapng file.
func Read(tb testing.TB, path string) Capture {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return Parse(tb, raw)
}

// Parse reads a pcap or pcapng file's bytes.
func Parse(tb testing.TB, raw []byte) Capture {
	tb.Helper()
	var r packetReader
	var err error
	if len(raw) >= 4 && bytes.Equal(raw[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err = pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.DefaultNgReaderOptions)
	} else {
		r, err = pcapgo.NewReader(bytes.NewReader(raw))
	}
	if err != nil {
		tb.Fatal(err)
	}
	c := Capture{LinkType: r.LinkType()}
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return c
		}
		if err != nil {
			tb.Fatal(err)
		}
		ci.AncillaryData = nil
		c.Packets = append(c.Packets, Packet{ci, d})
	}
}

// Bytes is the capture as a pcap file with nanosecond timestamps.
func (c Capture) Bytes(tb testing.TB) []byte {
	tb.Helper()
	snap := c.Snaplen
	if snap == 0 {
		snap = 262144
	}
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	if err := w.WriteFileHeader(snap, c.LinkType); err != nil {
		tb.Fatal(err)
	}
	for _, p := range c.Packets {
		if err := w.WritePacket(p.Info, p.Data); err != nil {
			tb.Fatal(err)
		}
	}
	return b.Bytes()
}

// WriteFile writes the capture as a pcap named name in the test's
// temporary directory and returns its path.
func (c Capture) WriteFile(tb testing.TB, name string) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(out, c.Bytes(tb), 0o600); err != nil {
		tb.Fatal(err)
	}
	return out
}

// Filter keeps the packets keep accepts, in order.
func (c Capture) Filter(keep func(Packet) bool) Capture {
	out := Capture{LinkType: c.LinkType, Snaplen: c.Snaplen}
	for _, p := range c.Packets {
		if keep(p) {
			out.Packets = append(out.Packets, p)
		}
	}
	return out
}

// TCP is a frame's TCP layer, nil when it has none.
func (c Capture) TCP(p Packet) *layers.TCP {
	pk := gopacket.NewPacket(p.Data, c.LinkType, gopacket.NoCopy)
	if l, ok := pk.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
		return l
	}
	return nil
}

// Checksums counts a capture's TCP segments by their checksum: Valid and
// Bad among the segments captured whole, Cut for those captured short of
// their length (no tool can verify those), with the 1-based numbers of the
// bad ones.
type Checksums struct {
	Valid, Bad, Cut int
	BadPackets      []int
}

// TCPChecksums verifies the TCP checksum of every whole segment with
// gopacket, under its IPv4 or IPv6 pseudo-header.
func (c Capture) TCPChecksums(tb testing.TB) Checksums {
	tb.Helper()
	var out Checksums
	for i, p := range c.Packets {
		pk := gopacket.NewPacket(p.Data, c.LinkType, gopacket.NoCopy)
		tcp, ok := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok {
			continue
		}
		if p.Info.CaptureLength < p.Info.Length || pk.Metadata().Truncated {
			out.Cut++
			continue
		}
		if err := tcp.SetNetworkLayerForChecksum(pk.NetworkLayer()); err != nil {
			tb.Fatalf("packet %d: %v", i+1, err)
		}
		err, res := tcp.VerifyChecksum()
		if err != nil {
			tb.Fatalf("packet %d: %v", i+1, err)
		}
		if res.Valid {
			out.Valid++
		} else {
			out.Bad++
			out.BadPackets = append(out.BadPackets, i+1)
		}
	}
	return out
}
