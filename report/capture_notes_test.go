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

// TestKernelDropsNote: drops the file's interface statistics count are
// said in the report's header (a session's own facts cannot hold them:
// pcapng writes them at the end).
func TestKernelDropsNote(t *testing.T) {
	for _, tt := range []struct {
		drops uint64
		want  string
	}{
		{0, ""},
		{1, "dropped 1 packet that never reached the file"},
		{4096, "dropped 4096 packets that never reached the file"},
	} {
		notes := strings.Join(captureNotes(&capture.Evidence{KernelDrops: tt.drops}), "\n")
		if tt.want == "" && notes != "" || !strings.Contains(notes, tt.want) {
			t.Errorf("%d drops: notes %q, want %q", tt.drops, notes, tt.want)
		}
	}
}

// TestReadLimitNotes: packets the tracker did not read (beyond its cap of
// connections held, or late on a connection it let go of) are said.
func TestReadLimitNotes(t *testing.T) {
	for _, tt := range []struct {
		ev   capture.Evidence
		want string
	}{
		{capture.Evidence{UntrackedPackets: 3}, "3 packets of connections beyond the 100000 held at once were not read"},
		{capture.Evidence{LatePackets: 1}, "1 packet came on connections more than 35 s after their last packet"},
	} {
		if notes := strings.Join(captureNotes(&tt.ev), "\n"); !strings.Contains(notes, tt.want) {
			t.Errorf("notes %q, want %q", notes, tt.want)
		}
	}
}
