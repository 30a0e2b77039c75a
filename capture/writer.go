package capture

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapWriter streams packets to a temporary pcapng next to the final path
// and renames it there on Close, so that a half-written file never carries
// the final name and memory does not grow with the capture.
type pcapWriter struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	ng   *pcapgo.NgWriter
	n    int // packets written
}

func newPcapWriter(path string, lt layers.LinkType, ifname, filter string) (*pcapWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("capture: create pcapng: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	ng, err := pcapgo.NewNgWriterInterface(bw, pcapgo.NgInterface{
		Name:                ifname,
		LinkType:            lt,
		SnapLength:          wholeSnap,
		OS:                  runtime.GOOS,
		Filter:              filter,
		Comment:             "ftpdiag capture; PASS arguments redacted",
		TimestampResolution: 9, // nanoseconds, as time.Time has them
	}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "ftpdiag"}})
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("capture: start pcapng: %w", err)
	}
	return &pcapWriter{path: path, f: f, bw: bw, ng: ng}, nil
}

// write appends one frame and returns its 1-based packet number.
func (w *pcapWriter) write(ci gopacket.CaptureInfo, data []byte) (int, error) {
	ci.InterfaceIndex = 0
	ci.AncillaryData = nil
	ci.CaptureLength = len(data)
	if ci.Length < len(data) {
		ci.Length = len(data)
	}
	if err := w.ng.WritePacket(ci, data); err != nil {
		return 0, fmt.Errorf("capture: write pcapng: %w", err)
	}
	w.n++
	return w.n, nil
}

// close finishes the file and renames it to its final path; with keep
// false (the capture failed) it removes it instead.
func (w *pcapWriter) close(keep bool) error {
	err := w.ng.Flush()
	if err == nil {
		err = w.bw.Flush()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil || !keep {
		os.Remove(w.f.Name())
		if err != nil {
			return fmt.Errorf("capture: finish pcapng: %w", err)
		}
		return nil
	}
	if err := os.Rename(w.f.Name(), w.path); err != nil {
		os.Remove(w.f.Name())
		return fmt.Errorf("capture: save pcapng: %w", err)
	}
	return nil
}
