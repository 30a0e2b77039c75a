package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ngBlock is one little-endian pcapng block of type typ around body
// (padded to 4 bytes); trailer, when not 0, overrides the trailing length.
func ngBlock(typ uint32, body []byte, trailer uint32) []byte {
	body = append(body, make([]byte, (4-len(body)%4)%4)...)
	total := uint32(12 + len(body))
	if trailer == 0 {
		trailer = total
	}
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, total)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, trailer)
}

// ngSHBBlock is a section header, version 1.0, section length unknown.
func ngSHBBlock() []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0x1A2B3C4D)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint64(b, ^uint64(0))
	return ngBlock(ngSHB, b, 0)
}

// ngIDBBlock is an interface of link type lt, snap length snap.
func ngIDBBlock(lt layers.LinkType, snap uint32) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(lt))
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, snap)
	return ngBlock(ngIDB, b, 0)
}

// ngEPBBlock is a packet on interface 0 at time at (microseconds) holding
// data and declaring caplen (0: len(data)).
func ngEPBBlock(at uint64, data []byte, caplen uint32) []byte {
	if caplen == 0 {
		caplen = uint32(len(data))
	}
	b := binary.LittleEndian.AppendUint32(nil, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(at>>32))
	b = binary.LittleEndian.AppendUint32(b, uint32(at))
	b = binary.LittleEndian.AppendUint32(b, caplen)
	b = binary.LittleEndian.AppendUint32(b, max(caplen, uint32(len(data))))
	return ngBlock(ngEPB, append(b, data...), 0)
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestNgFramerBounds: what a pcapng may declare is checked before it is
// believed, and the error names the block's offset.
func TestNgFramerBounds(t *testing.T) {
	syn := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 1}))
	head := concat(ngSHBBlock(), ngIDBBlock(layers.LinkTypeEthernet, 0))
	good := ngEPBBlock(1, syn, 0)
	badTrailer := ngEPBBlock(2, syn, 0)
	binary.LittleEndian.PutUint32(badTrailer[len(badTrailer)-4:], uint32(len(badTrailer))+4)
	manyIDBs := func(n int) []byte {
		b := ngSHBBlock()
		for range n {
			b = append(b, ngIDBBlock(layers.LinkTypeEthernet, 0)...)
		}
		return append(b, good...)
	}
	odd := ngEPBBlock(2, syn, 0)
	binary.LittleEndian.PutUint32(odd[4:], uint32(len(odd))+2)
	nrb := ngBlock(4, bytes.Repeat([]byte{1, 0, 4, 0, 192, 0, 2, 1}, 100), 0)
	tests := []struct {
		name    string
		data    []byte
		packets int
		err     string
	}{
		{"well formed", concat(head, good, good), 2, ""},
		{"unknown and name blocks skipped", concat(head, nrb, good, ngBlock(0x0BAD, []byte("custom"), 0), good), 2, ""},
		{"trailing length differs", concat(head, good, badTrailer, good), 1, "pcapng block at offset " + strconv.Itoa(len(head)+len(good)) + ": trailing length"},
		{"256 interfaces", manyIDBs(256), 1, ""},
		{"257 interfaces", manyIDBs(257), 0, "more than 256 interfaces"},
		{"record past maxRecord", concat(head, good, ngEPBBlock(2, make([]byte, maxRecord+4), 0)), 1, "larger than any capture holds (262144)"},
		{"record larger than its block", concat(head, good, ngEPBBlock(2, syn, 1000)), 1, "does not fit its block"},
		{"length not a multiple of 4", concat(head, good, odd), 1, "not a block length"},
		{"block past maxBlock", concat(head, good, binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 6), 1<<30)), 1, "larger than any block"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := readTrace(bytes.NewReader(tc.data), "t")
			if tc.err == "" && err != nil {
				t.Fatalf("error %v", err)
			}
			if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want one with %q", err, tc.err)
			}
			if ev == nil || ev.Packets != tc.packets {
				t.Errorf("evidence %+v, want %d packets", ev, tc.packets)
			}
		})
	}
}

// ciOf is the capture info of a whole frame at t0.
func ciOf(d []byte) gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(d), Length: len(d)}
}

// TestPcapRecordBound: a classic pcap declaring a huge snap length still
// gets no record past maxRecord.
func TestPcapRecordBound(t *testing.T) {
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(0xffffffff, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	syn := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 1}))
	for _, d := range [][]byte{syn, append(bytes.Clone(syn), make([]byte, maxRecord)...)} {
		w.WritePacket(ciOf(d), d)
	}
	ev, err := readTrace(bytes.NewReader(b.Bytes()), "t")
	if err == nil || !strings.Contains(err.Error(), "packet 2") {
		t.Errorf("error %v, want packet 2 refused", err)
	}
	if ev == nil || ev.Packets != 1 {
		t.Errorf("evidence %+v, want the first packet", ev)
	}
}

// FuzzNgFramer feeds arbitrary bytes after a section header to the block
// framer: it never panics, passes on no more than it read, and what it
// passes on reads back through pcapgo within the bounds.
func FuzzNgFramer(f *testing.F) {
	syn := frame(layers.LinkTypeEthernet, tcpPacket(f, seg{src: client, dst: server, flags: "S", seq: 1}))
	f.Add(concat(ngIDBBlock(layers.LinkTypeEthernet, 0), ngEPBBlock(1, syn, 0)))
	f.Add(concat(ngIDBBlock(layers.LinkTypeEthernet, 64), ngBlock(ngSPB, append([]byte{80, 0, 0, 0}, syn...), 0)))
	f.Add(concat(ngBlock(4, []byte{1, 0, 4, 0, 192, 0, 2, 1, 0, 0, 0, 0}, 0), ngSHBBlock()))
	f.Add(traceBytes(f, layers.LinkTypeEthernet, true, sampleRecs(f))[28:])
	f.Fuzz(func(t *testing.T, data []byte) {
		in := concat(ngSHBBlock(), data)
		begin := time.Now()
		out, err := io.ReadAll(newNgFramer(bufio.NewReader(bytes.NewReader(in))))
		if len(out) > len(in) {
			t.Fatalf("passed on %d bytes of %d", len(out), len(in))
		}
		if err == nil {
			again, err2 := io.ReadAll(newNgFramer(bufio.NewReader(bytes.NewReader(out))))
			if err2 != nil || !bytes.Equal(again, out) {
				t.Fatalf("what was passed on does not frame again: %v", err2)
			}
		}
		ng, err := pcapgo.NewNgReader(bytes.NewReader(out), pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return
		}
		for range 10000 {
			d, _, err := ng.ZeroCopyReadPacketData()
			if err != nil {
				break
			}
			if len(d) > maxRecord {
				t.Fatalf("record of %d bytes", len(d))
			}
		}
		if ng.NInterfaces() > maxInterfaces {
			t.Fatalf("%d interfaces", ng.NInterfaces())
		}
		if d := time.Since(begin); d > 2*time.Second {
			t.Fatalf("framing %d bytes took %v", len(data), d)
		}
	})
}

// TestNgFramerEveryCut: a pcapng cut anywhere but between two blocks
// reads as truncated, never as a shorter good file.
func TestNgFramerEveryCut(t *testing.T) {
	ng := traceBytes(t, layers.LinkTypeEthernet, true, sampleRecs(t))
	bounds := map[int]bool{}
	for off := 0; off < len(ng); off += int(binary.LittleEndian.Uint32(ng[off+4:])) {
		bounds[off] = true
	}
	for n := 4; n < len(ng); n++ {
		_, err := readTrace(bytes.NewReader(ng[:n]), "t")
		if got := err != nil && (strings.Contains(err.Error(), "truncated") || strings.Contains(err.Error(), "cut short")); got == bounds[n] {
			t.Errorf("cut at %d (block boundary: %v): error %v", n, bounds[n], err)
		}
	}
}
