package capture

import (
	"strings"
	"testing"
)

// exchangeLines renders a session's dialogue one exchange a line:
// "COMMAND|first line of each reply" and, when set, "!unknown".
func exchangeLines(s *FTPSession) string {
	var out []string
	for _, x := range s.Exchanges {
		line := x.Command
		for _, r := range x.Replies {
			line += "|" + r.Lines[0]
		}
		if x.Unknown != "" {
			line += " !" + x.Unknown
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// lose drops the packet just added: the capture missed it.
func (d *dialogue) lose() *dialogue {
	d.recs = d.recs[:len(d.recs)-1]
	return d
}

// TestPairing: replies pair with the commands they answer when the
// capture lost a segment, when the client sent commands before the
// greeting or several at once, and when a reply line is over-long or has
// no code; what the capture cannot show is marked, and pairing resumes.
func TestPairing(t *testing.T) {
	long := "230 " + strings.Repeat("x", 9000) + "\r\n"
	tests := []struct {
		name   string
		script func(d *dialogue)
		want   []string
	}{
		{
			name: "227 lost",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("USER a\r\n").s("230 ok\r\n").c("PASV\r\n").s("227 Entering Passive Mode (203,0,113,10,117,48).\r\n").lose()
				d.c("LIST\r\n").s("150 Here.\r\n").s("226 Done.\r\n").c("PORT 192,0,2,10,195,80\r\n").s("200 PORT ok.\r\n").c("QUIT\r\n").s("221 Bye.\r\n")
			},
			want: []string{"|220 hi", "USER a|230 ok", "PASV !reply-lost", "LIST|150 Here.|226 Done.", "PORT 192,0,2,10,195,80|200 PORT ok.", "QUIT|221 Bye."},
		},
		{
			name: "150 lost",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("RETR f\r\n").s("150 Opening.\r\n").lose().s("226 Done.\r\n").c("QUIT\r\n").s("221 Bye.\r\n")
			},
			// The hole could as well have held RETR's final reply, and
			// the 226 answer something else: a guess, not judged.
			want: []string{"|220 hi", "RETR f|226 Done. !uncertain", "QUIT|221 Bye."},
		},
		{
			name: "command lost",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("USER a\r\n").s("230 ok\r\n").c("TYPE I\r\n").lose().s("200 Switching to Binary mode.\r\n")
				d.c("PASV\r\n").s("227 Entering Passive Mode (203,0,113,10,117,48).\r\n").c("QUIT\r\n").s("221 Bye.\r\n")
			},
			want: []string{"|220 hi", "USER a|230 ok", "|200 Switching to Binary mode. !command-lost", "PASV|227 Entering Passive Mode (203,0,113,10,117,48).", "QUIT|221 Bye."},
		},
		{
			name: "two holes",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("TYPE I\r\n").lose().s("200 Binary.\r\n").c("CWD /x\r\n").lose().s("250 Okay.\r\n")
				d.c("PWD\r\n").s("257 \"/x\"\r\n")
			},
			want: []string{"|220 hi", "|200 Binary. !command-lost", "|250 Okay. !command-lost", "PWD|257 \"/x\""},
		},
		{
			name: "two commands lost in one hole",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("TYPE I\r\n").lose().c("CWD /x\r\n").lose().s("200 Binary.\r\n").s("250 Okay.\r\n")
				d.c("PWD\r\n").s("257 \"/x\"\r\n")
			},
			want: []string{"|220 hi", "|200 Binary.|250 Okay. !command-lost", "PWD|257 \"/x\""},
		},
		{
			name: "hole inside a PASS line",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("USER a\r\n").s("331 Password.\r\n").c("PASS se").lose().c("cretNOOP\r\n").s("230 ok\r\n")
				d.c("PWD\r\n").s("257 \"/\"\r\n")
			},
			want: []string{"|220 hi", "USER a|331 Password.", "|230 ok !command-lost", "PWD|257 \"/\""},
		},
		{
			name: "commands before the greeting",
			script: func(d *dialogue) {
				d.c("USER a\r\n").c("PASS b\r\n").s("220 hi\r\n").s("331 Password.\r\n").s("230 ok\r\n").c("PWD\r\n").s("257 \"/\"\r\n")
			},
			want: []string{"|220 hi", "USER a|331 Password.", "PASS *|230 ok", "PWD|257 \"/\""},
		},
		{
			name: "pipelined in one segment",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("TYPE I\r\nPASV\r\n").s("200 Binary.\r\n227 Entering Passive Mode (203,0,113,10,117,48).\r\n")
			},
			want: []string{"|220 hi", "TYPE I|200 Binary.", "PASV|227 Entering Passive Mode (203,0,113,10,117,48)."},
		},
		{
			name: "over-long reply line",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("USER a\r\n").s("331 Password.\r\n").c("PASS b\r\n").s(long).c("PWD\r\n").s("257 \"/\"\r\n").c("QUIT\r\n").s("221 Bye.\r\n")
			},
			want: []string{"|220 hi", "USER a|331 Password.", "PASS * !reply-lost", "PWD|257 \"/\"", "QUIT|221 Bye."},
		},
		{
			name: "code-less reply line",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("NOOP\r\n").s("ok then\r\n").c("PWD\r\n").s("257 \"/\"\r\n").c("QUIT\r\n").s("221 Bye.\r\n")
			},
			want: []string{"|220 hi", "NOOP !reply-lost", "PWD|257 \"/\"", "QUIT|221 Bye."},
		},
		{
			name: "stray line before the reply",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("NOOP\r\n").s("\r\n").s("200 NOOP ok.\r\n").c("QUIT\r\n").s("221 Bye.\r\n")
			},
			want: []string{"|220 hi", "NOOP|200 NOOP ok.", "QUIT|221 Bye."},
		},
		{
			// Pure-FTPd answers a download whose client stopped reading
			// with a second 150 line and no final reply; the client's
			// QUIT then gets the 221, which is QUIT's alone.
			name: "221 to a QUIT behind a transfer never answered",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("RETR f\r\n").s("150 Opening.\r\n").s("150 0.020 seconds (measured here)\r\n").c("QUIT\r\n").s("221 Logout.\r\n")
			},
			want: []string{"|220 hi", "RETR f|150 Opening.|150 0.020 seconds (measured here)", "QUIT|221 Logout."},
		},
		{
			// No QUIT waits: position decides, as for any reply.
			name: "221 with no QUIT waiting",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("RETR f\r\n").s("150 Opening.\r\n").s("221 Bye.\r\n")
			},
			want: []string{"|220 hi", "RETR f|150 Opening.|221 Bye."},
		},
		{
			name: "reply lost at the end",
			script: func(d *dialogue) {
				d.s("220 hi\r\n").c("LIST\r\n").s("150 Here.\r\n").s("226 Done.\r\n").lose().c("")
			},
			want: []string{"|220 hi", "LIST|150 Here. !reply-lost"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDialogue(t, client, server)
			tt.script(d)
			ev := readRecs(t, d.recs)
			if len(ev.Sessions) != 1 {
				t.Fatalf("%d sessions", len(ev.Sessions))
			}
			got := exchangeLines(ev.Sessions[0])
			if want := strings.Join(tt.want, "\n"); got != want {
				t.Errorf("dialogue:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestPairingLateReplies: after a hole in the server's stream its replies
// are read only when the stream ends; each passive reply still fills in
// the set-up its PASV made, however many came since.
func TestPairingLateReplies(t *testing.T) {
	d := newDialogue(t, client, server)
	d.s("220 hi\r\n").c("FEAT\r\n").s("211-Features:\r\n").lose().s(" EPSV\r\n211 End\r\n")
	for i := range 6 {
		d.c("PASV\r\n").s("227 Entering Passive Mode (203,0,113,10,117," + string(rune('0'+i)) + ").\r\n")
	}
	ev := readRecs(t, d.recs)
	s := ev.Sessions[0]
	if len(s.Data) != 6 {
		t.Fatalf("%d set-ups", len(s.Data))
	}
	for i, ds := range s.Data {
		if !ds.Announced.IsValid() || ds.Setup.Unknown != "" {
			t.Errorf("set-up %d: announced %v, unknown %q\n%s", i, ds.Announced, ds.Setup.Unknown, exchangeLines(s))
		}
	}
}
