package report

import (
	"testing"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// TestReplyLine: a reply on one line, with or without the code prefix,
// multi-line replies joined by " / "; a line already in that form is
// returned without building a new one.
func TestReplyLine(t *testing.T) {
	for _, tt := range []struct {
		rep  *ftp.Reply
		want string
	}{
		{nil, ""},
		{&ftp.Reply{Code: 227, Lines: []string{"227 Entering Passive Mode (10,0,0,1,4,1)."}}, "227 Entering Passive Mode (10,0,0,1,4,1)."},
		{&ftp.Reply{Code: 226, Lines: []string{"226 Transfer complete.\r\n"}}, "226 Transfer complete."},
		{&ftp.Reply{Code: 226, Lines: []string{"226  Transfer complete. "}}, "226 Transfer complete."},
		{&ftp.Reply{Code: 226, Lines: []string{"Transfer complete."}}, "226 Transfer complete."},
		{&ftp.Reply{Code: 226, Lines: []string{"225 Transfer complete."}}, "226 225 Transfer complete."},
		{&ftp.Reply{Code: 220, Lines: []string{"220 "}}, "220"},
		{&ftp.Reply{Code: 220, Lines: nil}, "220"},
		{&ftp.Reply{Code: 230, Lines: []string{"230-Welcome", "  to the server", "", "230 Login successful."}}, "230 Welcome / to the server / Login successful."},
		{&ftp.Reply{Code: 1000, Lines: []string{"1000 odd"}}, "1000 1000 odd"},
		{&ftp.Reply{Code: 42, Lines: []string{"042 odd"}}, "42 042 odd"},
	} {
		if got := replyLine(tt.rep); got != tt.want {
			t.Errorf("replyLine(%+v) = %q, want %q", tt.rep, got, tt.want)
		}
	}
	rep := &ftp.Reply{Code: 150, Lines: []string{"150 Opening BINARY mode data connection."}}
	if n := testing.AllocsPerRun(10, func() { _ = replyLine(rep) }); n != 0 {
		t.Errorf("replyLine of a line in its final form: %v allocations, want 0", n)
	}
}
