package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// pcapRecords reads the packet records of a classic pcap file straight
// into the reorder window's buffers (reorder.go). pcapgo's reader, which
// still reads and checks the file header, copies each record into a
// buffer of its own that the next record overwrites, so the window had to
// copy every packet a second time: on a large capture that second copy
// was a tenth of the reading. The records are read as pcapgo reads them,
// with the same checks and the same errors.
type pcapRecords struct {
	r       *bufio.Reader
	order   binary.ByteOrder
	nanos   uint32 // nanoseconds per unit of the timestamps' fraction
	snaplen int    // the reader's snap length (SetSnaplen applied)
	hdr     [16]byte
}

// newPcapRecords reads the records that follow a file header whose first
// four bytes are magic (one of magicsPcap) from r.
func newPcapRecords(r *bufio.Reader, magic [4]byte, snaplen uint32) *pcapRecords {
	p := &pcapRecords{r: r, order: binary.LittleEndian, nanos: 1000, snaplen: int(snaplen)}
	if magic[0] == 0xa1 {
		p.order = binary.BigEndian
	}
	if magic[1] == 0x3c || magic[2] == 0x3c {
		p.nanos = 1
	}
	return p
}

// readInto reads the next record into a buffer take(n) gives and returns
// its data and timestamp (Unix nanoseconds). At the end of the file the
// error is io.EOF.
func (p *pcapRecords) readInto(take func(n int) []byte) (data []byte, at int64, err error) {
	if _, err = io.ReadFull(p.r, p.hdr[:]); err != nil {
		return nil, 0, err
	}
	o := p.order
	// pcapgo scales the fraction in 32 bits: the same wrap for a bad one.
	at = int64(o.Uint32(p.hdr[0:4]))*1e9 + int64(o.Uint32(p.hdr[4:8])*p.nanos)
	caplen, length := int64(o.Uint32(p.hdr[8:12])), int64(o.Uint32(p.hdr[12:16]))
	// pcapgo's bound: the snap length, and never less than 256 KiB (its
	// eagerReadMax, maxRecord here).
	if caplen > int64(max(p.snaplen, maxRecord)) {
		return nil, 0, fmt.Errorf("capture length exceeds snap length: %d > %d", caplen, p.snaplen)
	}
	if caplen > length {
		return nil, 0, fmt.Errorf("capture length exceeds original packet length: %d > %d", caplen, length)
	}
	data = take(int(caplen))
	_, err = io.ReadFull(p.r, data)
	return data, at, err
}
