package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
)

// TestPcapRecordsSameAsPcapgo: the records of a classic pcap file read
// straight into the window's buffers are pcapgo's records, byte for byte,
// with the same timestamps, the same end and the same errors: both byte
// orders, microsecond and nanosecond files, a fraction out of range, a
// record cut in its header or its data, a capture length over the snap
// length or over the packet's length.
func TestPcapRecordsSameAsPcapgo(t *testing.T) {
	type record struct {
		sec, frac, caplen, length uint32
		data                      int // bytes of data actually written
	}
	ok := []record{{1700000000, 1, 60, 60, 60}, {1700000001, 999999, 1514, 1514, 1514}, {1700000001, 5, 0, 0, 0}, {1700000002, 7, 54, 9000, 54}}
	tests := []struct {
		name    string
		order   binary.AppendByteOrder
		nano    bool
		snaplen uint32
		recs    []record
		cut     int // bytes cut from the end of the file
	}{
		{"little endian microseconds", binary.LittleEndian, false, 65535, ok, 0},
		{"big endian microseconds", binary.BigEndian, false, 65535, ok, 0},
		{"little endian nanoseconds", binary.LittleEndian, true, 65535, ok, 0},
		{"big endian nanoseconds", binary.BigEndian, true, 262144, ok, 0},
		{"fraction out of range", binary.LittleEndian, false, 65535, []record{{10, 4294967, 4, 4, 4}, {10, 4300000, 4, 4, 4}, {10, 4294967295, 4, 4, 4}}, 0},
		{"cut in a record header", binary.LittleEndian, false, 65535, ok, 1514 + 16 + 16 + 54 - 1514 - 10},
		{"cut in the data", binary.LittleEndian, false, 65535, ok, 20},
		{"cut after a header", binary.LittleEndian, false, 65535, ok, 54},
		{"over the snap length", binary.LittleEndian, false, 96, []record{{1, 0, 96, 96, 96}, {1, 0, 300000, 300000, 300000}}, 0},
		{"over 256 KiB with a large snap length", binary.BigEndian, false, 1 << 20, []record{{1, 0, 262145, 262145, 262145}}, 0},
		{"over the packet length", binary.LittleEndian, true, 65535, []record{{1, 0, 60, 59, 60}}, 0},
		{"empty", binary.LittleEndian, false, 65535, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			magic := uint32(0xa1b2c3d4)
			if tt.nano {
				magic = 0xa1b23c4d
			}
			var b []byte
			b = tt.order.AppendUint32(b, magic)
			b = tt.order.AppendUint16(b, 2)
			b = tt.order.AppendUint16(b, 4)
			b = append(b, make([]byte, 8)...)
			b = tt.order.AppendUint32(b, tt.snaplen)
			b = tt.order.AppendUint32(b, 1)
			for i, r := range tt.recs {
				for _, v := range []uint32{r.sec, r.frac, r.caplen, r.length} {
					b = tt.order.AppendUint32(b, v)
				}
				b = append(b, bytes.Repeat([]byte{byte(i + 1)}, r.data)...)
			}
			b = b[:len(b)-tt.cut]
			if got, want := pcapRecordsRead(t, b), pcapgoRead(t, b); got != want {
				t.Errorf("straight into the window:\n%s\npcapgo:\n%s", got, want)
			}
		})
	}
}

// pcapgoRead lists the records pcapgo reads, and how it stops.
func pcapgoRead(t *testing.T, b []byte) string {
	t.Helper()
	br := bufio.NewReaderSize(bytes.NewReader(b), readBuffer)
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Snaplen() > maxRecord {
		pr.SetSnaplen(maxRecord)
	}
	var out bytes.Buffer
	for {
		data, ci, err := pr.ZeroCopyReadPacketData()
		if err != nil {
			fmt.Fprintf(&out, "stop: %v (EOF %v)", err, err == io.EOF)
			return out.String()
		}
		fmt.Fprintf(&out, "%d %x\n", ci.Timestamp.UnixNano(), data)
	}
}

// pcapRecordsRead is pcapgoRead by pcapRecords, as openTrace sets it up.
func pcapRecordsRead(t *testing.T, b []byte) string {
	t.Helper()
	br := bufio.NewReaderSize(bytes.NewReader(b), readBuffer)
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Snaplen() > maxRecord {
		pr.SetSnaplen(maxRecord)
	}
	p := newPcapRecords(br, [4]byte(b), pr.Snaplen())
	var out bytes.Buffer
	for {
		data, ck, at, err := p.next()
		if err != nil {
			fmt.Fprintf(&out, "stop: %v (EOF %v)", err, err == io.EOF)
			return out.String()
		}
		fmt.Fprintf(&out, "%d %x\n", at, data)
		ck.refs--
	}
}
