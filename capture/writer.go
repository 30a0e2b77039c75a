package capture

import (
	"bufio"
	"fmt"
	"runtime"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpdiag/ftpdiag/internal/outfile"
)

// pcapWriter streams packets to a temporary pcapng next to the final path
// and renames it there on Close, so that a half-written file never carries
// the final name and memory does not grow with the capture. Only a regular
// file is ever replaced (internal/outfile): a device, a directory or a
// pipe at the path is refused when the capture starts.
type pcapWriter struct {
	path string
	f    *outfile.File
	bw   *bufio.Writer
	ng   *pcapgo.NgWriter
	n    int // packets written
}

func newPcapWriter(path string, lt layers.LinkType, ifname, filter string) (*pcapWriter, error) {
	f, err := outfile.Create(path, 0o600)
	if err != nil {
		return nil, fmt.Errorf("capture: pcapng: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	ng, err := pcapgo.NewNgWriterInterface(bw, pcapgo.NgInterface{
		Name:                ifname,
		LinkType:            lt,
		SnapLength:          wholeSnap,
		OS:                  runtime.GOOS,
		Filter:              filter,
		Comment:             "ftpdiag capture; PASS and ACCT arguments and the password masked",
		TimestampResolution: 9, // nanoseconds, as time.Time has them
	}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "ftpdiag"}})
	if err != nil {
		f.Abort()
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
	if err != nil || !keep {
		w.f.Abort()
		if err != nil {
			return fmt.Errorf("capture: finish pcapng: %w", err)
		}
		return nil
	}
	if err := w.f.Commit(); err != nil {
		return fmt.Errorf("capture: pcapng: %w", err)
	}
	return nil
}
