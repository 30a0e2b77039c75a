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

// TestCaptureBudgets: replies in progress across sessions are held within
// the capture's bound (the one past it dropped and counted), exchanges
// kept within the capture's count, and every held byte is given back.
func TestCaptureBudgets(t *testing.T) {
	tests := []struct {
		name      string
		maxHeld   int
		items     int
		cuts      int // sessions with text_cut
		truncated int // sessions marked truncated
	}{
		{"within the bounds", 1 << 20, 1000, 0, 0},
		{"replies in progress past the held bound", 10000, 1000, 2, 0},
		{"exchanges past the capture's count", 1 << 20, 6, 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(TrackerConfig{Start: t0, FTPSessions: true})
			tr.ftp.text.maxHeld, tr.ftp.text.items = tc.maxHeld, tc.items
			n := 0
			for i := range 3 {
				d := newDialogue(t, netipPort(client, uint16(30000+i)), server)
				d.at = float64(i)
				d.s("220 hi\r\n").c("USER a\r\n").s("331 pw\r\n").c("PASS b\r\n").s("230 ok\r\n").c("STAT\r\n")
				// A reply left in progress: 6000 bytes, no last line.
				d.s(strings.Repeat("211-"+strings.Repeat("y", 996)+"\r\n", 6))
				for _, r := range d.recs {
					n++
					tr.Add(layers.LinkTypeRaw, r.ip, t0.Add(time.Duration(r.at*float64(time.Second))), n)
				}
			}
			ev := tr.Finish(t0)
			cuts, truncated := 0, 0
			for _, s := range ev.Sessions {
				if s.TextCut > 0 {
					cuts++
				}
				if s.Truncated {
					truncated++
				}
			}
			if cuts != tc.cuts || truncated != tc.truncated {
				t.Errorf("%d sessions with text cut, %d truncated; want %d, %d", cuts, truncated, tc.cuts, tc.truncated)
			}
			if held := tr.ftp.text.held; held != 0 {
				t.Errorf("%d bytes still held after Finish", held)
			}
		})
	}
}
