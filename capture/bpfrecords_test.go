package capture

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// bpfRecord builds one macOS BPF record: an 18-byte bpf_hdr (hdrlen as
// given), the frame, padding to 4 bytes.
func bpfRecord(sec, usec int32, frame []byte, datalen, hdrlen int) []byte {
	b := make([]byte, hdrlen, hdrlen+len(frame)+3)
	binary.LittleEndian.PutUint32(b[0:], uint32(sec))
	binary.LittleEndian.PutUint32(b[4:], uint32(usec))
	binary.LittleEndian.PutUint32(b[8:], uint32(len(frame)))
	binary.LittleEndian.PutUint32(b[12:], uint32(datalen))
	binary.LittleEndian.PutUint16(b[16:], uint16(hdrlen))
	b = append(b, frame...)
	for len(b)%4 != 0 {
		b = append(b, 0xee)
	}
	return b
}

func TestBPFRecords(t *testing.T) {
	f1 := []byte("0123456789abcde")      // 15 bytes: 18+15 = 33, padded to 36
	f2 := []byte("frame two, cut short") // caplen 20 of 1500
	f3 := []byte("x")
	buf := append(bpfRecord(1700000000, 250000, f1, 15, 18), bpfRecord(1700000001, 5, f2, 1500, 18)...)
	buf = append(buf, bpfRecord(1700000002, 0, f3, 1, 20)...) // a hdrlen with padding (alignment of the network header)
	type want struct {
		data string
		ts   time.Time
		len  int
	}
	for _, tc := range []struct {
		name string
		buf  []byte
		want []want
	}{
		{"three records", buf, []want{
			{string(f1), time.Unix(1700000000, 250000000), 15},
			{string(f2), time.Unix(1700000001, 5000), 1500},
			{string(f3), time.Unix(1700000002, 0), 1},
		}},
		{"empty read (timeout)", nil, nil},
		{"cut inside the second header", buf[:36+10], []want{{string(f1), time.Unix(1700000000, 250000000), 15}}},
		{"cut inside the second frame", buf[:36+18+5], []want{{string(f1), time.Unix(1700000000, 250000000), 15}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bpfRecords{buf: tc.buf}
			var got []want
			for {
				d, ci, ok := r.next()
				if !ok {
					break
				}
				if ci.CaptureLength != len(d) {
					t.Errorf("caplen %d, data %d bytes", ci.CaptureLength, len(d))
				}
				got = append(got, want{string(d), ci.Timestamp, ci.Length})
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d records %+v, want %d", len(got), got, len(tc.want))
			}
			for i := range got {
				if got[i].data != tc.want[i].data || !got[i].ts.Equal(tc.want[i].ts) || got[i].len != tc.want[i].len {
					t.Errorf("record %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
	// A corrupt header (hdrlen 4, caplen beyond the buffer) ends the walk.
	bad := bpfRecord(1, 0, f1, 15, 18)
	binary.LittleEndian.PutUint16(bad[16:], 4)
	if _, _, ok := (&bpfRecords{buf: bad}).next(); ok {
		t.Error("a record with hdrlen 4 was read")
	}
	binary.LittleEndian.PutUint16(bad[16:], 18)
	binary.LittleEndian.PutUint32(bad[8:], 1000)
	if _, _, ok := (&bpfRecords{buf: bad}).next(); ok {
		t.Error("a record with caplen beyond the buffer was read")
	}
}

func TestBPFLinkType(t *testing.T) {
	for _, tc := range []struct {
		dlt  int
		want layers.LinkType
		ok   bool
	}{{1, layers.LinkTypeEthernet, true}, {0, layers.LinkTypeNull, true}, {12, layers.LinkTypeRaw, true}, {105, 0, false}, {108, 0, false}} {
		if got, ok := bpfLinkType(tc.dlt); got != tc.want || ok != tc.ok {
			t.Errorf("DLT %d: %v %v, want %v %v", tc.dlt, got, ok, tc.want, tc.ok)
		}
	}
}
