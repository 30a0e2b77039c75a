package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// What a capture file may declare. Past these bounds a file is damaged or
// hostile, and reading it would cost memory out of all proportion to its
// size (a gzipped 1 GiB record is 4.7 MB; a million interface blocks 140 KB).
const (
	// maxRecord bounds one packet record: libpcap's largest snap length
	// (MAXIMUM_SNAPLEN), which is also Wireshark's (WTAP_MAX_PACKET_SIZE_STANDARD).
	// Segmentation offload gives 64 KiB frames, well within it.
	maxRecord = 262144
	// maxInterfaces bounds the interface blocks of one pcapng section: a
	// capture on every interface of a large router holds tens.
	maxInterfaces = 256
	// maxBlock bounds any pcapng block, as Wireshark does (MAX_BLOCK_SIZE).
	maxBlock = 16 << 20
)

// pcapng block types (pcapng specification, section 11.1).
const (
	ngSHB = 0x0A0D0D0A // section header
	ngIDB = 1          // interface description
	ngOPB = 2          // packet (obsolete)
	ngSPB = 3          // simple packet
	ngISB = 5          // interface statistics
	ngEPB = 6          // enhanced packet
)

// ngFramer sits between a pcapng stream and pcapgo's reader and checks,
// block by block, what that reader takes on trust: each block's length
// (a multiple of 4, at least its type's fixed part, at most maxBlock),
// the trailing copy of that length, each packet record's length (at most
// maxRecord, and inside its block), and the number of interfaces per
// section (maxInterfaces). It passes on only the blocks ftpdiag reads
// (section header, interfaces, statistics, packets); the others, among
// them name-resolution and decryption-secrets blocks that pcapgo would
// keep in memory without bound, are skipped once framed. Errors name the
// block's offset in the (uncompressed) stream.
type ngFramer struct {
	r     *bufio.Reader
	order binary.ByteOrder
	off   int64 // stream offset of the next byte of r
	// The block being passed on.
	start int64
	typ   uint32
	total uint32
	left  int    // bytes still to pass on before the trailer
	trail []byte // the checked trailer, still to pass on
	tbuf  [4]byte
	// The current section.
	ifaces int
	snap0  uint32 // snap length of interface 0 (simple packets use it)
	err    error
}

func newNgFramer(r *bufio.Reader) *ngFramer { return &ngFramer{r: r} }

// Read passes the stream on, block by block, each one checked.
func (f *ngFramer) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, f.err
	}
	for {
		switch {
		case f.err != nil:
			return 0, f.err
		case f.left > 0:
			n, err := f.r.Read(p[:min(len(p), f.left)])
			f.left -= n
			f.off += int64(n)
			if err == io.EOF {
				err = f.cut()
			}
			if f.left == 0 && err == nil {
				err = f.readTrailer()
			}
			f.err = err
			if n > 0 {
				return n, nil
			}
		case len(f.trail) > 0:
			n := copy(p, f.trail)
			f.trail = f.trail[n:]
			return n, nil
		default:
			f.err = f.next()
		}
	}
}

// errorf is an error about the block that starts at f.start.
func (f *ngFramer) errorf(format string, a ...any) error {
	return fmt.Errorf("pcapng block at offset %d: "+format, append([]any{f.start}, a...)...)
}

// cut is the error of a block cut short by the end of the data. It wraps
// io.ErrUnexpectedEOF without being it: pcapgo takes a bare one at a
// block's start for the file's clean end.
func (f *ngFramer) cut() error {
	return f.errorf("cut short: %w", io.ErrUnexpectedEOF)
}

// readTrailer reads and checks the current block's trailing length.
func (f *ngFramer) readTrailer() error {
	n, err := io.ReadFull(f.r, f.tbuf[:])
	f.off += int64(n)
	if err != nil {
		return f.cut()
	}
	if got := f.order.Uint32(f.tbuf[:]); got != f.total {
		return f.errorf("trailing length %d differs from the leading length %d", got, f.total)
	}
	f.trail = f.tbuf[:]
	return nil
}

// next frames the next block to pass on, skipping those ftpdiag does not
// read; io.EOF at a clean end between blocks.
func (f *ngFramer) next() error {
	for {
		f.start = f.off
		head, err := f.r.Peek(12)
		switch {
		case len(head) == 0 && err == io.EOF:
			return io.EOF
		case len(head) < 8:
			return f.cut()
		}
		if err := f.header(head); err != nil {
			return err
		}
		fixed, err := f.r.Peek(min(int(f.total), 28))
		if err != nil {
			return f.cut()
		}
		pass, err := f.check(fixed)
		if err != nil {
			return err
		}
		if pass {
			f.left = int(f.total) - 4
			return nil
		}
		n, err := f.r.Discard(int(f.total) - 4)
		f.off += int64(n)
		if err != nil {
			return f.cut()
		}
		if err := f.readTrailer(); err != nil {
			return err
		}
		f.trail = nil
	}
}

// header reads a block's type and length (and at a section header, the
// byte order) and checks the length against every block's rules.
func (f *ngFramer) header(head []byte) error {
	if binary.BigEndian.Uint32(head) == ngSHB {
		if len(head) < 12 {
			return f.cut()
		}
		switch binary.BigEndian.Uint32(head[8:12]) {
		case 0x1A2B3C4D:
			f.order = binary.BigEndian
		case 0x4D3C2B1A:
			f.order = binary.LittleEndian
		default:
			return f.errorf("section header with no byte-order magic (%x)", head[8:12])
		}
		f.ifaces, f.snap0 = 0, 0
	} else if f.order == nil {
		return f.errorf("the file does not start with a section header")
	}
	f.typ = f.order.Uint32(head[0:4])
	f.total = f.order.Uint32(head[4:8])
	switch {
	case f.total < 12 || f.total%4 != 0:
		return f.errorf("length %d is not a block length (a multiple of 4, at least 12)", f.total)
	case f.total > maxBlock:
		return f.errorf("length %d is larger than any block a capture holds (%d)", f.total, maxBlock)
	}
	return nil
}

// minLen is the fixed part of each block type read, trailer included.
var minLen = map[uint32]uint32{ngSHB: 28, ngIDB: 20, ngOPB: 32, ngSPB: 16, ngISB: 24, ngEPB: 32}

// check looks at a block's fixed part and says whether to pass it on.
func (f *ngFramer) check(b []byte) (bool, error) {
	need, known := minLen[f.typ]
	if !known {
		return false, nil
	}
	if f.total < need {
		return false, f.errorf("length %d is too short for a block of type %d (%d)", f.total, f.typ, need)
	}
	switch f.typ {
	case ngIDB:
		f.ifaces++
		if f.ifaces > maxInterfaces {
			return false, f.errorf("more than %d interfaces in one section", maxInterfaces)
		}
		if f.ifaces == 1 {
			f.snap0 = f.order.Uint32(b[12:16])
		}
	case ngEPB, ngOPB:
		return true, f.record(f.order.Uint32(b[20:24]), f.total-32)
	case ngSPB:
		n := f.order.Uint32(b[8:12])
		if f.snap0 != 0 {
			n = min(n, f.snap0)
		}
		return true, f.record(n, f.total-16)
	}
	return true, nil
}

// record checks a packet record's captured length against maxRecord and
// the room its block has for it.
func (f *ngFramer) record(n, room uint32) error {
	switch {
	case n > maxRecord:
		return f.errorf("packet record of %d bytes is larger than any capture holds (%d)", n, maxRecord)
	case n > room:
		return f.errorf("packet record of %d bytes does not fit its block of %d bytes", n, f.total)
	}
	return nil
}
