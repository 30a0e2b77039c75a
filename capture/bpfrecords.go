package capture

import (
	"encoding/binary"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// A read from a macOS BPF device returns records packed back to back: a
// struct bpf_hdr (the user-space layout of XNU's net/bpf.h: a 32-bit
// timeval, caplen, datalen, hdrlen), the frame, then padding to the next
// multiple of BPF_ALIGNMENT, sizeof(int32_t) on every macOS.
const (
	bpfHdrMin    = 18 // 4+4 timeval32, 4 caplen, 4 datalen, 2 hdrlen
	bpfAlignment = 4
)

// bpfRecords walks the records of one read. Little-endian: every macOS
// (amd64, arm64) is.
type bpfRecords struct {
	buf []byte
	off int
}

// next returns the next frame and its capture info; ok is false at the
// end of the buffer or at a record that does not fit it (the rest of the
// buffer is then dropped).
func (r *bpfRecords) next() (data []byte, ci gopacket.CaptureInfo, ok bool) {
	b := r.buf[r.off:]
	if len(b) < bpfHdrMin {
		r.off = len(r.buf)
		return nil, ci, false
	}
	sec := int32(binary.LittleEndian.Uint32(b[0:]))
	usec := int32(binary.LittleEndian.Uint32(b[4:]))
	caplen := int(binary.LittleEndian.Uint32(b[8:]))
	datalen := int(binary.LittleEndian.Uint32(b[12:]))
	hdrlen := int(binary.LittleEndian.Uint16(b[16:]))
	if hdrlen < bpfHdrMin || caplen < 0 || hdrlen+caplen > len(b) || caplen > datalen {
		r.off = len(r.buf)
		return nil, ci, false
	}
	data = b[hdrlen : hdrlen+caplen : hdrlen+caplen]
	ci = gopacket.CaptureInfo{
		Timestamp:     time.Unix(int64(sec), int64(usec)*1000),
		CaptureLength: caplen,
		Length:        datalen,
	}
	r.off += bpfWordAlign(hdrlen + caplen)
	return data, ci, true
}

// bpfWordAlign is BPF_WORDALIGN.
func bpfWordAlign(n int) int { return (n + bpfAlignment - 1) &^ (bpfAlignment - 1) }

// bpfLinkType maps a BPF device's data link type (BIOCGDLT) to the link
// type the decoder and the filter know; ok false for one they do not.
func bpfLinkType(dlt int) (layers.LinkType, bool) {
	switch dlt {
	case 1: // DLT_EN10MB: Ethernet, Wi-Fi
		return layers.LinkTypeEthernet, true
	case 0: // DLT_NULL: lo0, utun (4-byte address family, host order)
		return layers.LinkTypeNull, true
	case 12: // DLT_RAW on BSD: bare IP
		return layers.LinkTypeRaw, true
	}
	return 0, false
}
