package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// pcapRecords reads the packet records of a classic pcap file into chunks
// (chunks.go) and hands each packet's data on where they were read.
// pcapgo's reader, which still reads and checks the file header, copies
// each record into a buffer of its own that the next record overwrites,
// so every packet had to be copied a second time to be held. The records
// are read as pcapgo reads them, with the same checks and the same errors.
type pcapRecords struct {
	src io.Reader
	// big: the file's numbers are big-endian (read without the
	// binary.ByteOrder interface: a call per field, per record, that
	// cannot be inlined).
	big     bool
	nanos   uint32 // nanoseconds per unit of the timestamps' fraction
	snaplen int    // the reader's snap length (SetSnaplen applied)
	pool    chunkPool
	// cur holds the bytes read and not yet framed, cur.buf[r:w]; rerr is
	// the error that ended the reading (io.EOF at the end).
	cur  *chunk
	r, w int
	rerr error
}

// errStopped ends the reading of an input the tracker wants no more of.
var errStopped = errors.New("capture: stopped")

// newPcapRecords reads the records that follow a file header whose first
// four bytes are magic (one of magicsPcap) from r.
func newPcapRecords(r io.Reader, magic [4]byte, snaplen uint32) *pcapRecords {
	p := &pcapRecords{src: r, big: magic[0] == 0xa1, nanos: 1000, snaplen: int(snaplen)}
	if magic[1] == 0x3c || magic[2] == 0x3c {
		p.nanos = 1
	}
	p.pool.evict = func(*chunk) bool { return false }
	return p
}

// next frames the next record and returns its data (in place in chunk
// ck, which counts it in its refs) and its timestamp (Unix nanoseconds).
// At the end of the file the error is io.EOF.
func (p *pcapRecords) next() (data []byte, ck *chunk, at int64, err error) {
	if err = p.fill(16); err != nil {
		return nil, nil, 0, err
	}
	hdr := p.cur.buf[p.r : p.r+16]
	sec, frac, caplen, length := p.recordHeader(hdr)
	// pcapgo scales the fraction in 32 bits: the same wrap for a bad one.
	at = int64(sec)*1e9 + int64(frac*p.nanos)
	// pcapgo's bound: the snap length, and never less than 256 KiB (its
	// eagerReadMax, maxRecord here).
	if caplen > int64(max(p.snaplen, maxRecord)) {
		return nil, nil, 0, fmt.Errorf("capture length exceeds snap length: %d > %d", caplen, p.snaplen)
	}
	if caplen > length {
		return nil, nil, 0, fmt.Errorf("capture length exceeds original packet length: %d > %d", caplen, length)
	}
	n := int(caplen)
	p.r += 16
	if err = p.fill(n); err != nil {
		return nil, nil, 0, err
	}
	data = p.cur.buf[p.r : p.r+n : p.r+n]
	p.r += n
	p.cur.refs++
	return data, p.cur, at, nil
}

// recordHeader reads a record header's four numbers (hdr is 16 bytes).
func (p *pcapRecords) recordHeader(hdr []byte) (sec, frac uint32, caplen, length int64) {
	hdr = hdr[:16]
	if p.big {
		return binary.BigEndian.Uint32(hdr[0:4]), binary.BigEndian.Uint32(hdr[4:8]),
			int64(binary.BigEndian.Uint32(hdr[8:12])), int64(binary.BigEndian.Uint32(hdr[12:16]))
	}
	return binary.LittleEndian.Uint32(hdr[0:4]), binary.LittleEndian.Uint32(hdr[4:8]),
		int64(binary.LittleEndian.Uint32(hdr[8:12])), int64(binary.LittleEndian.Uint32(hdr[12:16]))
}

// fill reads until n bytes are unread, moving them to a chunk of their own
// when the current one cannot hold them. Its errors are io.ReadFull's for
// the n bytes: io.EOF if none came, io.ErrUnexpectedEOF if some did.
func (p *pcapRecords) fill(n int) error {
	for empty := 0; p.w-p.r < n; {
		if p.rerr == io.EOF && p.w > p.r {
			return io.ErrUnexpectedEOF
		}
		if p.rerr != nil {
			return p.rerr
		}
		if p.cur == nil || len(p.cur.buf)-p.r < n {
			if !p.move(n) {
				return errStopped
			}
		}
		m, err := p.src.Read(p.cur.buf[p.w:min(len(p.cur.buf), p.w+chunkRead)])
		p.w += m
		switch {
		case err != nil:
			p.rerr = err
		case m > 0:
			empty = 0
		default:
			// As bufio.Reader: a reader that keeps returning nothing
			// is broken.
			if empty++; empty >= 100 {
				p.rerr = io.ErrNoProgress
			}
		}
	}
	return nil
}

// move takes a new chunk of at least n bytes and moves the unread bytes
// to its start; false when the tracker stopped.
func (p *pcapRecords) move(n int) bool {
	c := p.pool.get(n, p.cur)
	if c == nil {
		return false
	}
	if p.cur != nil {
		p.w = copy(c.buf, p.cur.buf[p.r:p.w])
	}
	p.cur, p.r = c, 0
	return true
}
