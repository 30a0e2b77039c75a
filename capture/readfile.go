package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
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

// readTrace reads a trace from r; name is used in errors. FTP sessions
// are rebuilt too (readtraces.go).
func readTrace(r io.Reader, name string) (*Evidence, error) {
	return readTraces([]Trace{{Name: name, R: r}}, TrackerConfig{FTPSessions: true})
}

func isPcapMagic(b []byte) bool {
	for _, m := range magicsPcap {
		if bytes.Equal(b, m) {
			return true
		}
	}
	return false
}

// ErrDamaged is matched (errors.Is) by the errors of ReadFiles and
// ReadTraces that stopped reading an input: a truncated or corrupt file.
// The Evidence returned with them covers the packets read before.
var ErrDamaged = errors.New("capture: damaged input")

// damage marks an error as ErrDamaged.
type damage struct{ error }

func (damage) Is(target error) bool { return target == ErrDamaged }

func (d damage) Unwrap() error { return d.error }

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
