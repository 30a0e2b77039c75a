package capture

import (
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// textKept sums the command and reply text a session kept.
func textKept(s *FTPSession) int {
	n := 0
	for _, x := range s.Exchanges {
		n += len(x.Command)
		for _, r := range x.Replies {
			for _, l := range r.Lines {
				n += len(l) + 1
			}
		}
	}
	return n
}

// longReply is a legal multi-line 211 reply of about n bytes.
func longReply(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString("211-" + strings.Repeat("x", 1000) + "\r\n")
	}
	b.WriteString("211 End\r\n")
	return b.String()
}

// TestTextBounds: the text kept of replies and commands is bounded per
// reply, per session and per capture, and what was cut is counted.
func TestTextBounds(t *testing.T) {
	tests := []struct {
		name     string
		replies  int // STAT exchanges
		size     int // bytes per reply
		budget   int // capture budget left when the session starts (0: default)
		maxKept  int
		wantCut  bool
		firstLen int // bytes of the last reply's first line kept, at least
		cwd      int // bytes of a CWD argument after the replies
	}{
		{"small replies kept whole", 10, 500, 0, 1 << 20, false, 500, 10},
		{"one reply past 4 KiB", 1, 20 << 10, 0, maxReplyText + 200, true, 900, 10},
		{"one command past 4 KiB", 1, 100, 0, maxReplyText + 1200, true, 100, 6000},
		{"session past 256 KiB", 200, 4000, 0, maxSessionText + 200*(minReplyText+20), true, minReplyText, 10},
		{"capture budget spent", 5, 2000, 1000, 1000 + 5*(minReplyText+20), true, minReplyText, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDialogue(t, client, server)
			d.s("220 hi\r\n")
			for range tc.replies {
				d.c("STAT\r\n").s(longReply(tc.size))
			}
			d.c("CWD /" + strings.Repeat("d", tc.cwd) + "\r\n").s("250 ok\r\n")
			tr := NewTracker(TrackerConfig{Start: t0, FTPSessions: true})
			if tc.budget > 0 {
				tr.ftp.text.left = tc.budget
			}
			for i, r := range d.recs {
				tr.Add(layers.LinkTypeRaw, r.ip, t0.Add(time.Duration(r.at*float64(time.Second))), i+1)
			}
			ev := tr.Finish(t0)
			if len(ev.Sessions) != 1 {
				t.Fatalf("%d sessions", len(ev.Sessions))
			}
			s := ev.Sessions[0]
			if got := textKept(s); got > tc.maxKept {
				t.Errorf("kept %d bytes of text, want at most %d", got, tc.maxKept)
			}
			if (s.TextCut > 0) != tc.wantCut {
				t.Errorf("text_cut %d, want cut: %v", s.TextCut, tc.wantCut)
			}
			last := s.Exchanges[len(s.Exchanges)-2]
			if last.Verb() != "STAT" || len(last.Replies) != 1 || last.Replies[0].Code != 211 || len(last.Replies[0].Lines[0]) < tc.firstLen {
				t.Errorf("last STAT exchange %q %+v", last.Command, last.Replies)
			}
			if cwd := s.Exchanges[len(s.Exchanges)-1]; cwd.Verb() != "CWD" || len(cwd.Command) > maxReplyText {
				t.Errorf("CWD kept as %d bytes", len(cwd.Command))
			}
		})
	}
}
