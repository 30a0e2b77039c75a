package capture

import (
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Timestamp order. A capture taken on a multi-queue NIC, or merged from
// several interfaces, holds packets whose timestamps step back by
// microseconds: each input is read through a window that puts them back
// in timestamp order, as a careful reader of the file would. The window
// holds what came in the last reorderWindow of capture time, at most
// reorderPackets packets and reorderBytes bytes; a packet that steps back
// further than the window reaches is read where the file has it, and that
// is reported (the analysis of its connection may suffer).
const (
	reorderWindow  = time.Second
	reorderPackets = 4096
	reorderBytes   = 8 << 20
	// reuseCap bounds the buffers kept for reuse: frames up to a jumbo
	// MTU; a larger (offloaded) one is left to the garbage collector.
	reuseCap = 9216
)

// heldPacket is a packet waiting in the window, copied out of the
// reader's buffer, with its headers read as it came in (fh).
type heldPacket struct {
	data []byte
	at   int64 // its timestamp in Unix nanoseconds
	n    int32 // its number in the input
	lt   layers.LinkType
	fh   fastHdr
	// ck is the chunk data are in (chunks.go); nil: data are a buffer of
	// the window's.
	ck *chunk
}

// window is the reorder window of one input: the packets held, in
// timestamp order (ties in file order), in a ring. Packets mostly come in
// order, so each is put at the end and moved back only past the few held
// packets it is earlier than; the earliest leaves from the head. The ring
// grows to the most packets held at once (reorderPackets at most) and
// stays that size.
type window struct {
	ring  []heldPacket // its length is a power of two
	head  int          // where the earliest waiting packet is in ring
	n     int          // packets waiting: ring[head], and the n-1 after it
	bytes int          // capacity of the held buffers
	free  [][]byte
	// newest is the latest timestamp read; released the latest handed on.
	newest, released int64
	// Steps back put right (and the largest), and those beyond reach.
	reordered int
	maxStep   int64
	beyond    int
	// firstBeyond is the input's packet number of the first beyond reach.
	firstBeyond int
}

// waiting is how many packets the window holds.
func (w *window) waiting() int { return w.n }

// at is the i-th waiting packet in timestamp order, i < w.n.
func (w *window) at(i int) *heldPacket { return &w.ring[(w.head+i)&(len(w.ring)-1)] }

// full reports whether the window must hand on its earliest packet
// before taking another.
func (w *window) full() bool {
	n := w.n
	return n >= reorderPackets || w.bytes >= reorderBytes ||
		(n > 0 && w.newest-w.at(0).at >= int64(reorderWindow))
}

// push copies a packet into the window.
func (w *window) push(data []byte, at int64, n int, lt layers.LinkType) {
	buf := w.buffer(len(data))
	copy(buf, data)
	w.hold(buf, nil, at, n, lt)
}

// buffer returns a buffer of n bytes for a packet to be held: a recycled
// one when the packet is small enough to be kept for reuse, grown as
// append grows it when it is too small.
func (w *window) buffer(n int) []byte {
	var buf []byte
	if k := len(w.free); k > 0 && n <= reuseCap {
		buf, w.free = w.free[k-1][:0], w.free[:k-1]
	}
	if cap(buf) >= n {
		return buf[:n]
	}
	return append(buf, make([]byte, n)...)
}

// hold takes a packet into the window, in a buffer from w.buffer or in
// chunk ck.
func (w *window) hold(buf []byte, ck *chunk, at int64, n int, lt layers.LinkType) {
	switch {
	case n > 1 && at < w.released:
		// Packets later than this one were handed on already.
		if w.beyond == 0 {
			w.firstBeyond = n
		}
		w.beyond++
	case n > 1 && at < w.newest:
		w.reordered++
		w.maxStep = max(w.maxStep, w.newest-at)
	}
	if n == 1 || at > w.newest {
		w.newest = at
	}
	w.bytes += cap(buf)
	if w.n == len(w.ring) {
		w.grow()
	}
	p := w.at(w.n)
	w.n++
	*p = heldPacket{data: buf, at: at, n: int32(min(n, 1<<31-1)), lt: lt, ck: ck}
	// Its headers are read now, while it is in the cache: it is handed on
	// thousands of packets later.
	p.fh.parse(lt, buf)
	for i := w.n - 1; i > 0; i-- {
		p, q := w.at(i), w.at(i-1)
		if p.at >= q.at {
			break
		}
		*p, *q = *q, *p
	}
}

// grow doubles the ring, its waiting packets from the start.
func (w *window) grow() {
	ring := make([]heldPacket, max(64, 2*len(w.ring)))
	for i := range w.n {
		ring[i] = *w.at(i)
	}
	w.ring, w.head = ring, 0
}

// pop hands on the earliest packet. Its data stay valid until they are
// recycled.
func (w *window) pop() heldPacket {
	h := w.at(0)
	p := *h
	*h = heldPacket{}
	w.head = (w.head + 1) & (len(w.ring) - 1)
	w.n--
	w.bytes -= cap(p.data)
	w.released = max(w.released, p.at)
	return p
}

// copyOut moves the data of the packets in chunk ck that the window holds
// into buffers of its own.
func (w *window) copyOut(ck *chunk) {
	for i := range w.n {
		if p := w.at(i); p.ck == ck {
			w.bytes -= cap(p.data)
			p.copyOut(w)
			w.bytes += cap(p.data)
		}
	}
}

// copyOut moves p's data out of its chunk into a buffer of w's.
func (p *heldPacket) copyOut(w *window) {
	buf := w.buffer(len(p.data))
	copy(buf, p.data)
	p.data = buf
	p.ck.refs--
	p.ck = nil
}

// recycle takes back a buffer handed on by pop once it is done with (a
// batch given back, pipeline.go).
func (w *window) recycle(b []byte) {
	if b != nil && cap(b) <= reuseCap && len(w.free) < reorderPackets {
		w.free = append(w.free, b)
	}
}
