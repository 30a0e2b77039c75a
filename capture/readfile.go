package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// readBuffer is the read buffer for trace files: pcapgo's default is small,
// and 1 MiB keeps a large trace from costing a syscall per packet.
const readBuffer = 1 << 20

// File magics, as the first four bytes appear in the file.
var (
	magicPcapng = []byte{0x0a, 0x0d, 0x0d, 0x0a}
	magicsPcap  = [][]byte{
		{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, // microseconds
		{0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, // nanoseconds
	}
)

// ReadFile reads a pcap or pcapng file (optionally gzip-compressed) into
// Evidence. Packet numbers in the Evidence are those of the file. On a
// truncated or corrupt file it returns the Evidence of the packets read
// before the damage together with an error naming the packet where it is.
func ReadFile(path string) (*Evidence, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	defer f.Close()
	ev, err := readTrace(f, path)
	if ev != nil {
		ev.PcapFile = path
	}
	return ev, err
}

// recoverPanics turns a panic while reading a trace into an error; the
// fuzz test turns it off so that panics are found, not hidden.
var recoverPanics = true

// packetSource is what both pcapgo readers offer.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// readTrace reads a trace from r; name is used in errors.
func readTrace(r io.Reader, name string) (ev *Evidence, err error) {
	br := bufio.NewReaderSize(r, readBuffer)
	head, _ := br.Peek(4)
	if len(head) == 0 {
		return nil, fmt.Errorf("capture: %s is empty", name)
	}
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("capture: %s: gzip: %w", name, err)
		}
		br = bufio.NewReaderSize(gz, readBuffer)
		head, _ = br.Peek(4)
	}

	var (
		src   packetSource
		fixed layers.LinkType // pcap: one link type for the file
		ng    *pcapgo.NgReader
		drops uint64
	)
	switch {
	case len(head) == 4 && bytes.Equal(head, magicPcapng):
		ng, err = pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{
			WantMixedLinkType:  true,
			SkipUnknownVersion: true,
			StatisticsCallback: func(_ int, s pcapgo.NgInterfaceStatistics) {
				if s.PacketsDropped != pcapgo.NgNoValue64 {
					drops = max(drops, s.PacketsDropped)
				}
			},
		})
		if err != nil {
			return nil, fmt.Errorf("capture: %s: pcapng header: %v", name, describe(err))
		}
		src = ng
	case len(head) == 4 && isPcapMagic(head):
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("capture: %s: pcap header: %v", name, describe(err))
		}
		src, fixed = pr, pr.LinkType()
	default:
		return nil, fmt.Errorf("capture: %s is not a pcap or pcapng file (it starts with %x)", name, head)
	}

	t := NewTracker(TrackerConfig{})
	if ng != nil && ng.NInterfaces() > 0 {
		if i, err := ng.Interface(0); err == nil {
			t.ev.Interface, t.ev.Filter = i.Name, i.Filter
		}
	}
	n, usable := 0, 0
	var unsupported layers.LinkType
	defer func() {
		// A decoder panic on hostile input must not take the program down.
		if !recoverPanics {
			return
		}
		if p := recover(); p != nil {
			ev = t.Finish(time.Time{})
			err = fmt.Errorf("capture: %s: packet %d: cannot decode: %v", name, n, p)
		}
	}()
	for {
		data, ci, rerr := src.ZeroCopyReadPacketData()
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			ev = t.Finish(time.Time{})
			ev.KernelDrops = drops
			return ev, fmt.Errorf("capture: %s: packet %d (after %d good packets): %v", name, n+1, n, describe(rerr))
		}
		n++
		lt := fixed
		if ng != nil {
			lt = ng.LinkType()
			if len(ci.AncillaryData) > 0 {
				if l, ok := ci.AncillaryData[0].(layers.LinkType); ok {
					lt = l
				}
			}
		}
		if supportedLinkType(lt) {
			usable++
		} else {
			unsupported = lt
		}
		t.Add(lt, data, ci.Timestamp, n)
	}
	ev = t.Finish(time.Time{})
	ev.KernelDrops = drops
	if n > 0 && usable == 0 {
		return ev, fmt.Errorf("capture: %s: link type %v is not supported (Ethernet, Linux cooked SLL/SLL2, raw IP and BSD loopback are)", name, unsupported)
	}
	return ev, nil
}

func isPcapMagic(b []byte) bool {
	for _, m := range magicsPcap {
		if bytes.Equal(b, m) {
			return true
		}
	}
	return false
}

// describe turns a reader error into words about the file.
func describe(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "file truncated (unexpected end of data)"
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return "corrupt gzip data: " + err.Error()
	}
	return "corrupt data: " + err.Error()
}
