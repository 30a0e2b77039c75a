package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/pcaptest"

	"github.com/gopacket/gopacket"
)

// rewriteCapture writes the packets of a lab capture as a pcap, after
// edit has changed their file order or timestamps.
func rewriteCapture(t *testing.T, src string, edit func([]gopacket.CaptureInfo, [][]byte)) string {
	t.Helper()
	c := pcaptest.Read(t, src)
	cis, data := make([]gopacket.CaptureInfo, len(c.Packets)), make([][]byte, len(c.Packets))
	for i, p := range c.Packets {
		cis[i], data[i] = p.Info, p.Data
	}
	edit(cis, data)
	for i := range c.Packets {
		c.Packets[i] = pcaptest.Packet{Info: cis[i], Data: data[i]}
	}
	return c.WriteFile(t, filepath.Base(src)+".pcap")
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
