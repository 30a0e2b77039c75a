package capture

import (
	"time"

	"github.com/gopacket/gopacket"
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
// reader's buffer.
type heldPacket struct {
	data []byte
	ci   gopacket.CaptureInfo
	at   int64 // ci.Timestamp in Unix nanoseconds, for the heap's order
	n    int   // its number in the input: ties keep file order
	lt   layers.LinkType
}

// window is the reorder window of one input: a min-heap by timestamp.
type window struct {
	held  []heldPacket
	bytes int // capacity of the held buffers
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

// full reports whether the window must hand on its earliest packet
// before taking another.
func (w *window) full() bool {
	return len(w.held) >= reorderPackets || w.bytes >= reorderBytes ||
		(len(w.held) > 0 && w.newest-w.held[0].at >= int64(reorderWindow))
}

// push copies a packet into the window.
func (w *window) push(data []byte, ci gopacket.CaptureInfo, n int, lt layers.LinkType) {
	at := ci.Timestamp.UnixNano()
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
	var buf []byte
	if k := len(w.free); k > 0 && len(data) <= reuseCap {
		buf, w.free = w.free[k-1][:0], w.free[:k-1]
	}
	buf = append(buf, data...)
	w.bytes += cap(buf)
	ci.AncillaryData = nil
	w.held = append(w.held, heldPacket{data: buf, ci: ci, at: at, n: n, lt: lt})
	w.up(len(w.held) - 1)
}

// pop hands on the earliest packet. Its data stay valid until the next
// pop.
func (w *window) pop() heldPacket {
	p := w.held[0]
	last := len(w.held) - 1
	w.held[0] = w.held[last]
	w.held[last] = heldPacket{}
	w.held = w.held[:last]
	if last > 0 {
		w.down(0)
	}
	w.bytes -= cap(p.data)
	w.released = max(w.released, p.at)
	return p
}

// recycle takes back a buffer handed on by pop once it is done with.
func (w *window) recycle(b []byte) {
	if b != nil && cap(b) <= reuseCap && len(w.free) < reorderPackets {
		w.free = append(w.free, b)
	}
}

func (w *window) less(i, j int) bool {
	a, b := &w.held[i], &w.held[j]
	return a.at < b.at || (a.at == b.at && a.n < b.n)
}

func (w *window) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !w.less(i, p) {
			return
		}
		w.held[i], w.held[p] = w.held[p], w.held[i]
		i = p
	}
}

func (w *window) down(i int) {
	n := len(w.held)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && w.less(r, l) {
			m = r
		}
		if !w.less(m, i) {
			return
		}
		w.held[i], w.held[m] = w.held[m], w.held[i]
		i = m
	}
}
