package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestWriteLimitFiles writes the crafted captures of scripts/limits-rss
// into $FTPDIAG_LIMITS_DIR (skipped when unset): small gzipped files that
// would cost gigabytes read without bounds. They are not checked in.
func TestWriteLimitFiles(t *testing.T) {
	dir := os.Getenv("FTPDIAG_LIMITS_DIR")
	if dir == "" {
		t.Skip("set FTPDIAG_LIMITS_DIR to write the crafted captures of scripts/limits-rss")
	}
	for name, write := range map[string]func(testing.TB, io.Writer){
		"record-1g.pcap.gz":           writeHugeRecord,
		"idb-2m.pcapng.gz":            writeManyIDBs,
		"replies-2000x250k.pcapng.gz": writeLongReplies,
		"unfinished-2000.pcapng.gz":   writeUnfinished,
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
		bw := bufio.NewWriterSize(zw, 1<<20)
		write(t, bw)
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// writeHugeRecord: a pcap declaring a 4 GiB snap length, one SYN, then
// one record of 1 GiB of zeros.
func writeHugeRecord(tb testing.TB, w io.Writer) {
	pw := pcapgo.NewWriter(w)
	pw.WriteFileHeader(0xffffffff, layers.LinkTypeRaw)
	syn := tcpPacket(tb, seg{src: client, dst: server, flags: "S", seq: 1})
	pw.WritePacket(gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(syn), Length: len(syn)}, syn)
	var hdr [16]byte
	binary.LittleEndian.PutUint32(hdr[0:], uint32(t0.Unix()+1))
	binary.LittleEndian.PutUint32(hdr[8:], 1<<30)
	binary.LittleEndian.PutUint32(hdr[12:], 1<<30)
	w.Write(hdr[:])
	zeros := make([]byte, 1<<20)
	for range 1 << 10 {
		w.Write(zeros)
	}
}

// writeManyIDBs: a pcapng section of 2 million interface blocks, then one
// packet.
func writeManyIDBs(tb testing.TB, w io.Writer) {
	w.Write(ngSHBBlock())
	idb := ngIDBBlock(layers.LinkTypeRaw, 0)
	for range 2_000_000 {
		w.Write(idb)
	}
	w.Write(ngEPBBlock(1, tcpPacket(tb, seg{src: client, dst: server, flags: "S", seq: 1}), 0))
}

// stream writes one control connection's segments straight to a pcapng.
type stream struct {
	tb         testing.TB
	w          *pcapgo.NgWriter
	cli, srv   netip.AddrPort
	cseq, sseq uint32
	at         *time.Duration // shared by the streams of one file
}

func newStream(tb testing.TB, w *pcapgo.NgWriter, cli netip.AddrPort, at *time.Duration) *stream {
	s := &stream{tb: tb, w: w, cli: cli, srv: server, cseq: 100, sseq: 5000, at: at}
	s.put(seg{src: cli, dst: server, flags: "S", seq: s.cseq})
	s.put(seg{src: server, dst: cli, flags: "SA", seq: s.sseq, ack: s.cseq + 1})
	s.cseq++
	s.sseq++
	return s
}

func (s *stream) put(sg seg) {
	*s.at += time.Millisecond
	p := tcpPacket(s.tb, sg)
	s.w.WritePacket(gopacket.CaptureInfo{Timestamp: t0.Add(*s.at), CaptureLength: len(p), Length: len(p)}, p)
}

func (s *stream) c(p string) {
	s.put(seg{src: s.cli, dst: s.srv, flags: "PA", seq: s.cseq, ack: s.sseq, payload: p})
	s.cseq += uint32(len(p))
}

// s sends p in segments of at most 60000 bytes.
func (s *stream) s(p string) {
	for len(p) > 0 {
		n := min(len(p), 60000)
		s.put(seg{src: s.srv, dst: s.cli, flags: "PA", seq: s.sseq, ack: s.cseq, payload: p[:n]})
		s.sseq += uint32(n)
		p = p[n:]
	}
}

// replyBody is about 250 KiB of legal "211-" lines.
var replyBody = strings.Repeat("211-"+strings.Repeat("x", 1000)+"\r\n", 250)

func ngWriter(tb testing.TB, w io.Writer) *pcapgo.NgWriter {
	ng, err := pcapgo.NewNgWriter(w, layers.LinkTypeRaw)
	if err != nil {
		tb.Fatal(err)
	}
	return ng
}

// writeLongReplies: one session, 2000 legal replies of 250 KiB.
func writeLongReplies(tb testing.TB, w io.Writer) {
	ng := ngWriter(tb, w)
	var at time.Duration
	s := newStream(tb, ng, client, &at)
	s.s("220 hi\r\n")
	for range 2000 {
		s.c("STAT\r\n")
		s.s(replyBody + "211 End\r\n")
	}
	ng.Flush()
}

// writeUnfinished: 2000 sessions, each left inside a 250 KiB reply and
// with a client segment held behind a hole.
func writeUnfinished(tb testing.TB, w io.Writer) {
	ng := ngWriter(tb, w)
	var at time.Duration
	for i := range 2000 {
		s := newStream(tb, ng, netipPort(client, uint16(20000+i)), &at)
		s.s("220 hi\r\n")
		s.c("STAT\r\n")
		s.s(replyBody)
		s.cseq += 100 // a hole: what follows waits for it
		s.c(strings.Repeat("NOOP\r\n", 10000))
	}
	ng.Flush()
}
