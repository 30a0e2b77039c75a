package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// rewriteCapture writes the packets of a lab capture as a pcap, after
// edit has changed their file order or timestamps.
func rewriteCapture(t *testing.T, src string, edit func([]gopacket.CaptureInfo, [][]byte)) string {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	var cis []gopacket.CaptureInfo
	var data [][]byte
	for {
		d, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ci.AncillaryData = nil
		cis, data = append(cis, ci), append(data, d)
	}
	edit(cis, data)
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	if err := w.WriteFileHeader(262144, r.LinkType()); err != nil {
		t.Fatal(err)
	}
	for i := range cis {
		if err := w.WritePacket(cis[i], data[i]); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), filepath.Base(src)+".pcap")
	if err := os.WriteFile(out, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAnalyzeTimestampJitter: a capture whose file order puts packets a
// few microseconds out of timestamp order (a multi-queue network card) is
// read in timestamp order: the same exit status as the clean capture, no
// error, and a note saying so.
func TestAnalyzeTimestampJitter(t *testing.T) {
	tests := []struct {
		name string
		code int
		want string
	}{
		{"healthy", 0, "All four data modes work"},
		{"passive-dropped", 1, "passive-port-filtered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jittered := rewriteCapture(t, labCapture(t, tt.name), func(cis []gopacket.CaptureInfo, data [][]byte) {
				// Every 7th packet is written after the next one, its
				// timestamp 3 microseconds earlier than that one's.
				for i := 7; i+1 < len(cis); i += 7 {
					cis[i].Timestamp = cis[i+1].Timestamp.Add(-3000)
					cis[i], cis[i+1] = cis[i+1], cis[i]
					data[i], data[i+1] = data[i+1], data[i]
				}
			})
			code, out, errs := analyzeCLI(t, nil, "analyze", "--no-color", jittered)
			if code != tt.code || errs != "" && tt.code == 0 || strings.Contains(errs, "timestamps") || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d (want %d), stderr %q\n%.600s", code, tt.code, errs, out)
			}
			if !strings.Contains(out, "Note:") || !strings.Contains(out, "read in timestamp order") || !strings.Contains(out, "at most 3 µs") {
				t.Errorf("no note about the order:\n%.600s", out)
			}
		})
	}
}

// TestAnalyzeSnaplen: lab captures cut to a snap length of 96 bytes (the
// payload's first 30 bytes kept) are recognised: no finding from the cut
// dialogue (it was "control-closed" and "protocol-violation"), a note with
// the snap length, and where each session's readable dialogue ends.
func TestAnalyzeSnaplen(t *testing.T) {
	for _, name := range []string{"healthy", "passive-dropped"} {
		t.Run(name, func(t *testing.T) {
			sliced := rewriteCapture(t, labCapture(t, name), func(cis []gopacket.CaptureInfo, data [][]byte) {
				for i := range data {
					if len(data[i]) > 96 {
						data[i], cis[i].CaptureLength = data[i][:96], 96
					}
				}
			})
			code, out, errs := analyzeCLI(t, nil, "analyze", "--no-color", sliced)
			if code != 0 || errs != "" || strings.Contains(out, "protocol-violation") || strings.Contains(out, "control-closed") {
				t.Errorf("exit %d, stderr %q\n%s", code, errs, out)
			}
			if !strings.Contains(out, "snap length of 96 bytes") || !strings.Contains(out, "the snap length cut control text from packet") {
				t.Errorf("snap length not said:\n%.1500s", out)
			}
		})
	}
}
