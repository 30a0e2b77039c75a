package report

import (
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
)

// TestSnaplenNote: the snap-length note says the control text is
// incomplete only when a control segment was cut (ftpdiag's own pcaps cut
// data connections to their headers and keep the control text whole).
func TestSnaplenNote(t *testing.T) {
	ctl := &capture.Conn{}
	data := &capture.Conn{Sliced: 4}
	for _, tt := range []struct {
		name      string
		ctlSliced int
		want      string
	}{
		{"data connections cut", 0, "none on an FTP control connection: the dialogues are whole"},
		{"control connection cut", 2, "(2 on FTP control connections); control text is incomplete"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctl.Sliced = tt.ctlSliced
			ev := &capture.Evidence{Snaplen: 160, Conns: []*capture.Conn{ctl, data}, Sessions: []*capture.FTPSession{{Control: ctl}}}
			notes := captureNotes(ev)
			if len(notes) != 1 || !strings.Contains(notes[0], "snap length of 160 bytes") || !strings.Contains(notes[0], tt.want) {
				t.Errorf("notes %q, want %q", notes, tt.want)
			}
		})
	}
}
