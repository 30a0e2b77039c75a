package capture

import (
	"io"
	"os"
)

// Reading an input and tracking its packets are two halves of similar
// cost: the file's bytes are read, framed into records, put in timestamp
// order (reorder.go) and their headers read (fastdecode.go) by a goroutine
// of the input's own, which hands them on in batches to the goroutine that
// tracks them (readtraces.go). Batches go round: the tracker gives each
// back once it is done with its packets, and their buffers are reused.
// The reader runs at most batchPool batches ahead, so the memory held is
// the reorder window's and theirs (batchBytes each).
//
// An input whose reads may block without end (a pipe, a terminal, a
// socket: standard input) is read on the tracker's goroutine instead,
// batch by batch at the same points: the reading goroutine must always be
// joined, and a read that never returns could not be.
const (
	batchPackets = 512
	batchBytes   = 512 << 10
	batchPool    = 4
)

// batch is a run of an input's packets in timestamp order.
type batch struct {
	pkts  []heldPacket
	bytes int
	// last: the input has no packet after these (its end, its damage, or
	// a panic while reading it: panicked).
	last     bool
	panicked any
}

// feed connects an input's reading goroutine with the tracker.
type feed struct {
	full chan *batch   // filled, to the tracker
	used chan *batch   // done with, back to the reader
	stop chan struct{} // closed: the tracker wants no more
	done chan struct{} // closed when the reading goroutine has returned
	// spare are batches given back while one was being filled (evict).
	spare []*batch
}

// release takes back a batch the tracker is done with: its packets'
// chunks or buffers may be read into again.
func (ts *traceSource) release(b *batch) {
	for i := range b.pkts {
		if p := &b.pkts[i]; p.ck != nil {
			p.ck.refs--
		} else {
			ts.win.recycle(p.data)
		}
		b.pkts[i] = heldPacket{}
	}
	b.pkts, b.bytes = b.pkts[:0], 0
}

// fill fills b, given back by the tracker, with the input's next packets.
func (ts *traceSource) fill(b *batch) {
	ts.release(b)
	ts.filling = b
	defer func() { ts.filling = nil }()
	if recoverPanics {
		// A panic on hostile input ends the input here; the tracker
		// raises it again once it has had the packets before it, where
		// reading on its own goroutine would have raised it.
		defer func() {
			if p := recover(); p != nil {
				b.last, b.panicked = true, p
			}
		}()
	}
	for len(b.pkts) < batchPackets && b.bytes < batchBytes {
		if !ts.next() {
			b.last = true
			return
		}
		p := ts.win.pop()
		b.pkts = append(b.pkts, p)
		b.bytes += cap(p.data)
	}
}

// next reads until the window may hand on a packet, and reports whether
// it holds one.
func (ts *traceSource) next() bool {
	for ts.err == nil && !ts.eof && (ts.win.waiting() == 0 || !ts.win.full()) {
		ts.read()
	}
	return ts.win.waiting() > 0
}

// mayBlock reports whether reading r may block without end: it is a file
// that is not a regular file.
func mayBlock(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err != nil || !fi.Mode().IsRegular()
}

// start starts the input's reading goroutine, unless its reads may block
// (its batches are then filled on the tracker's goroutine).
func (ts *traceSource) start(r io.Reader) {
	if mayBlock(r) {
		return
	}
	f := &feed{
		full: make(chan *batch, batchPool),
		used: make(chan *batch, batchPool),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range batchPool {
		f.used <- &batch{pkts: make([]heldPacket, 0, batchPackets)}
	}
	ts.feed = f
	go ts.produce(f)
}

// produce is the reading goroutine: it fills the batches the tracker gives
// back until the input ends or the tracker stops.
func (ts *traceSource) produce(f *feed) {
	defer close(f.done)
	for {
		var b *batch
		if k := len(f.spare); k > 0 {
			b, f.spare = f.spare[k-1], f.spare[:k-1]
		} else {
			select {
			case <-f.stop:
				return
			case b = <-f.used:
			}
		}
		select {
		case <-f.stop:
			return
		default:
		}
		ts.fill(b)
		select {
		case <-f.stop:
			return
		case f.full <- b:
		}
		if b.last {
			return
		}
	}
}

// nextBatch gives the current batch back and takes the next one; it
// reports false at the input's end. A panic while reading the input is
// raised here, after the packets read before it.
func (ts *traceSource) nextBatch() bool {
	b := ts.cur
	if b != nil && b.last {
		if b.panicked != nil {
			p := b.panicked
			b.panicked = nil
			panic(p)
		}
		return false
	}
	if ts.feed == nil {
		if b == nil {
			b = &batch{pkts: make([]heldPacket, 0, batchPackets)}
		}
		ts.fill(b)
	} else {
		if b != nil {
			ts.feed.used <- b // never blocks: the channel holds the whole pool
		}
		b = <-ts.feed.full
	}
	ts.cur, ts.pos = b, 0
	return true
}

// halt stops the input's reading goroutine, if any, and waits for it to
// return: after halt the tracker's goroutine may read everything the
// reader wrote (its counts, error and window).
func (ts *traceSource) halt() {
	if f := ts.feed; f != nil {
		select {
		case <-f.stop:
		default:
			close(f.stop)
		}
		<-f.done
	}
}

// evict frees chunk ck for reading into (chunks.go): the packets in it
// that the window holds or that wait in the batch being filled are copied
// out, and those handed on are waited for. False: the tracker stopped.
func (ts *traceSource) evict(ck *chunk) bool {
	ts.win.copyOut(ck)
	if b := ts.filling; b != nil {
		for i := range b.pkts {
			if p := &b.pkts[i]; p.ck == ck {
				b.bytes -= cap(p.data)
				p.copyOut(&ts.win)
				b.bytes += cap(p.data)
			}
		}
	}
	for ck.refs > 0 {
		// Only the batches handed on hold it now: they come back.
		f := ts.feed
		if f == nil {
			panic("capture: a chunk held by no packet in hand")
		}
		select {
		case <-f.stop:
			return false
		case b := <-f.used:
			ts.release(b)
			f.spare = append(f.spare, b)
		}
	}
	return true
}
