package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/ftpdiag/ftpdiag/capture/tlsdecrypt"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ReadOptions tune ReadFiles.
type ReadOptions struct {
	// ControlPorts are the ports FTP control connections use (default 21);
	// FTP on other ports is also found by its 220 greeting.
	ControlPorts []uint16
	// KeyLog decrypts FTPS control connections (analyze --tls-keylog).
	KeyLog *tlsdecrypt.KeyLog
	// Settled, when set, is handed the sessions whose facts can no longer
	// change while the capture is read, and they are let go of
	// (TrackerConfig.Settled): the Evidence returned holds the others.
	Settled func(Settled)
}

// Trace is one named input of ReadTraces.
type Trace struct {
	Name string
	R    io.Reader
}

// ReadFiles reads one or more pcap/pcapng files (each optionally gzipped;
// "-" is standard input) as one timeline, packets merged by timestamp, and
// rebuilds the FTP sessions in them (Evidence.Sessions). Packet numbers
// count across the inputs in the merged order. On damaged input it
// returns the Evidence of every packet that could be read together with an
// error naming the file and the packet where the damage is; several
// damaged inputs give one error each, joined.
func ReadFiles(paths []string, opt ReadOptions) (*Evidence, error) {
	var traces []Trace
	for _, p := range paths {
		if p == "-" {
			traces = append(traces, Trace{Name: "standard input", R: os.Stdin})
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		defer f.Close()
		traces = append(traces, Trace{Name: p, R: f})
	}
	ev, err := ReadTraces(traces, opt)
	if ev != nil && len(paths) == 1 && paths[0] != "-" {
		ev.PcapFile = paths[0]
	}
	return ev, err
}

// ReadTraces is ReadFiles over readers.
func ReadTraces(traces []Trace, opt ReadOptions) (ev *Evidence, err error) {
	return readTraces(traces, TrackerConfig{FTPSessions: true, ControlPorts: opt.ControlPorts, KeyLog: opt.KeyLog, Settled: opt.Settled})
}

// traceSource is one open input of the merge.
type traceSource struct {
	name  string
	src   packetSource    // pcapng (a classic pcap's are read by pcap)
	fixed layers.LinkType // pcap: one link type for the file
	ng    *pcapgo.NgReader
	pcap  *pcapRecords // classic pcap: its records, read without pcapgo
	drops uint64
	// The packet handed on next (timestamp order), valid until the next
	// advance: its data, link type, number in the input and headers
	// (fastHdr), in the current batch (pipeline.go).
	cur *batch
	pos int
	pkt *heldPacket
	at  int64 // Unix nanoseconds
	ok  bool
	// Read by the input's reading goroutine (pipeline.go), if it has one;
	// the tracker's goroutine reads them once it has halted it.
	feed    *feed
	filling *batch // the batch being filled, if any
	n       int    // packets read from this input
	win     window
	eof     bool
	err     error
	// Packets of a supported link type, and the last unsupported one.
	usable      int
	unsupported layers.LinkType
}

// openTrace reads an input's headers; it returns nil and an error when the
// input is not a trace at all.
func openTrace(r io.Reader, name string) (*traceSource, error) {
	br := bufio.NewReaderSize(r, readBuffer)
	under := r // what br reads
	head, err := br.Peek(4)
	if len(head) == 0 {
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("capture: %s: %w", name, unwrapPath(err))
		}
		return nil, fmt.Errorf("capture: %s is empty", name)
	}
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("capture: %s: gzip: %w", name, err)
		}
		br, under = bufio.NewReaderSize(gz, readBuffer), gz
		head, _ = br.Peek(4)
	}
	ts := &traceSource{name: name}
	switch {
	case len(head) == 4 && bytes.Equal(head, magicPcapng):
		ng, err := pcapgo.NewNgReader(newNgFramer(br), pcapgo.NgReaderOptions{
			WantMixedLinkType:  true,
			SkipUnknownVersion: true,
			StatisticsCallback: func(_ int, s pcapgo.NgInterfaceStatistics) {
				if s.PacketsDropped != pcapgo.NgNoValue64 {
					ts.drops = max(ts.drops, s.PacketsDropped)
				}
			},
		})
		if err != nil {
			return nil, fmt.Errorf("capture: %s: pcapng header: %v", name, describe(err))
		}
		ts.src, ts.ng = ng, ng
	case len(head) == 4 && isPcapMagic(head):
		magic := [4]byte(head) // head is br's buffer, which the reader reuses
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("capture: %s: pcap header: %v", name, describe(err))
		}
		if pr.Snaplen() > maxRecord {
			// Records up to the declared snap length would be taken.
			pr.SetSnaplen(maxRecord)
		}
		ts.fixed = pr.LinkType()
		// pcapgo read the file header from br: the records follow, in
		// br's buffer first, then straight from what it reads. Neither
		// pcapgo's reader nor br is kept: br's buffer (readBuffer) would
		// stay in the heap the whole read.
		buffered, _ := br.Peek(br.Buffered())
		ts.pcap = newPcapRecords(io.MultiReader(bytes.NewReader(buffered), under), magic, pr.Snaplen())
		ts.pcap.pool.evict = ts.evict
	default:
		return nil, fmt.Errorf("capture: %s is not a pcap or pcapng file (it starts with %x)", name, head)
	}
	return ts, nil
}

// unwrapPath drops the operation and path of a *fs.PathError, which the
// caller names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// advance hands on the input's next packet in timestamp order (through
// its reorder window, reorder.go); ok is false at its end or at damage
// (err set, once the input is halted).
func (ts *traceSource) advance() {
	ts.ok, ts.pkt = false, nil
	for ts.cur == nil || ts.pos == len(ts.cur.pkts) {
		if !ts.nextBatch() {
			return
		}
	}
	ts.pkt = &ts.cur.pkts[ts.pos]
	ts.pos++
	ts.at, ts.ok = ts.pkt.at, true
}

// read takes the next packet of the file into the window: a classic
// pcap's where it was read (chunks.go), a pcapng's copied into a buffer of
// the window's.
func (ts *traceSource) read() {
	if ts.pcap != nil {
		buf, ck, at, err := ts.pcap.next()
		if ts.readFailed(err) {
			return
		}
		ts.n++
		ts.win.hold(buf, ck, at, ts.n, ts.fixed)
		return
	}
	data, ci, err := ts.src.ZeroCopyReadPacketData()
	if ts.readFailed(err) {
		return
	}
	ts.n++
	ts.win.push(data, ci.Timestamp.UnixNano(), ts.n, ts.linkType(ci))
}

// readFailed notes the end of the input (io.EOF) or its damage, and
// reports whether there was either.
func (ts *traceSource) readFailed(err error) bool {
	switch {
	case err == io.EOF:
		ts.eof = true
	case err != nil:
		ts.err = damage{fmt.Errorf("capture: %s: packet %d (after %d good packets): %v", ts.name, ts.n+1, ts.n, describe(err))}
	}
	return err != nil
}

// linkType is the link type of a packet just read.
func (ts *traceSource) linkType(ci gopacket.CaptureInfo) layers.LinkType {
	if ts.ng == nil {
		return ts.fixed
	}
	lt := ts.ng.LinkType()
	if len(ci.AncillaryData) > 0 {
		if l, ok := ci.AncillaryData[0].(layers.LinkType); ok {
			lt = l
		}
	}
	return lt
}

// readTraces merges the inputs by timestamp into one tracker.
func readTraces(traces []Trace, cfg TrackerConfig) (ev *Evidence, err error) {
	var errs []error
	var srcs []*traceSource
	var readers []io.Reader
	for _, tr := range traces {
		ts, err := openTrace(tr.R, tr.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		srcs, readers = append(srcs, ts), append(readers, tr.R)
	}
	if len(srcs) == 0 {
		return nil, errors.Join(errs...)
	}
	t := NewTracker(cfg)
	if ng := srcs[0].ng; ng != nil && ng.NInterfaces() > 0 {
		if i, err := ng.Interface(0); err == nil {
			t.ev.Interface, t.ev.Filter = i.Name, i.Filter
		}
	}
	n := 0
	halt := func() {
		for _, ts := range srcs {
			ts.halt()
		}
	}
	finish := func() *Evidence {
		ev := t.Finish(time.Time{})
		for _, ts := range srcs {
			ev.KernelDrops += ts.drops
		}
		return ev
	}
	defer func() {
		// A decoder panic on hostile input must not take the program down.
		if !recoverPanics {
			return
		}
		if p := recover(); p != nil {
			halt()
			ev = finish()
			err = errors.Join(append(errs, damage{fmt.Errorf("capture: packet %d: cannot decode: %v", n, p)})...)
		}
	}()
	// The reading goroutines are joined however this returns; deferred
	// last, this runs first.
	defer halt()
	for i, ts := range srcs {
		ts.start(readers[i])
	}
	for _, ts := range srcs {
		ts.advance()
	}
	for {
		// The inputs are few: a linear scan for the earliest is cheapest.
		var next *traceSource
		for _, ts := range srcs {
			if ts.ok && (next == nil || ts.at < next.at) {
				next = ts
			}
		}
		if next == nil {
			break
		}
		n++
		p := next.pkt
		if supportedLinkType(p.lt) {
			next.usable++
		} else {
			next.unsupported = p.lt
		}
		num := n
		if len(srcs) == 1 {
			num = int(p.n) // the file's own number, as Wireshark shows it
		}
		t.addNanos(p.lt, p.data, &p.fh, p.at, num)
		next.advance()
	}
	halt()
	ev = finish()
	for _, ts := range srcs {
		if ts.err != nil {
			errs = append(errs, ts.err)
		}
		if ts.n > 0 && ts.usable == 0 {
			errs = append(errs, fmt.Errorf("capture: %s: link type %v is not supported (Ethernet with or without VLAN tags, Linux cooked SLL/SLL2, raw IP and BSD loopback are)", ts.name, ts.unsupported))
		}
		w := &ts.win
		if w.beyond > 0 {
			errs = append(errs, fmt.Errorf("capture: %s: timestamps go back in time at packet %d (%d packets) further than the reorder window (%v, %d packets) reaches: the file was merged or rewritten; those packets were read in file order", ts.name, w.firstBeyond, w.beyond, reorderWindow, reorderPackets))
		}
		ev.Reordered += w.reordered
		ev.ReorderedMax = max(ev.ReorderedMax, float64(w.maxStep)/1e9)
	}
	return ev, errors.Join(errs...)
}
