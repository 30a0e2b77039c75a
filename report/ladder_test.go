package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/probe"
)

// TestLadderReplyTimes: a reply is drawn when it came, not when its
// command was sent. A server 2 s slow to answer USER, a 150 that comes
// after the data connection opened (vsftpd accepts it first): the ladder
// shows each reply at its packet's time, in the wire's order.
func TestLadderReplyTimes(t *testing.T) {
	tests := []struct {
		name      string
		userReply float64 // when the 331 comes (USER at 0.1 s)
		list150   float64 // when the 150 comes (LIST at 5.2 s, the data connection dialled at 5.15 s)
		want      []string
	}{
		{"prompt server", 0.2, 5.3, []string{
			"0.100 USER anonymous", "0.200 331 Please specify the password.",
			"5.150 SYN 192.0.2.10:50001 (LIST)", "5.200 LIST", "5.300 150 Here comes the directory listing.",
		}},
		{"USER answered 2 s later", 2.1, 5.3, []string{
			"0.100 USER anonymous", "2.100 331 Please specify the password.",
			"5.150 SYN 192.0.2.10:50001 (LIST)", "5.200 LIST", "5.300 150 Here comes the directory listing.",
		}},
		{"150 after the listing's data", 0.2, 5.45, []string{
			"0.100 USER anonymous", "0.200 331 Please specify the password.",
			"5.150 SYN 192.0.2.10:50001 (LIST)", "5.200 LIST", "5.450 150 Here comes the directory listing.",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cp := &crafted{t: t}
			c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
			c.open(0)
			c.reply(0, "220 (vsFTPd 3.0.3)")
			c.cmd(0.1, "USER anonymous")
			c.reply(tc.userReply, "331 Please specify the password.")
			c.cmd(tc.userReply+0.1, "PASS x@")
			c.reply(tc.userReply+0.2, "230 Login successful.")
			c.pasv(5, "192.0.2.10", 50001)
			d := cp.conn("198.51.100.20:43001", "192.0.2.10:50001", 9)
			d.open(5.15)
			c.cmd(5.2, "LIST")
			c.reply(tc.list150, "150 Here comes the directory listing.")
			d.send(5.35, false, "-rw-r--r-- 1 ftp ftp 0 Jan 1 file\r\n")
			d.close(5.4)
			c.reply(5.5, "226 Directory send OK.")
			c.close(c.quit(6))
			cd, _ := wholeJSON(t, cp.pcap())
			if len(cd.Sessions) != 1 || len(cd.Sessions[0].Ladders) != 1 {
				t.Fatalf("%d sessions, want 1 with one ladder", len(cd.Sessions))
			}
			var got []string
			for _, e := range cd.Sessions[0].Ladders[0].Events {
				if e.Label == "USER anonymous" || e.Label == "LIST" || strings.HasPrefix(e.Label, "331") ||
					strings.HasPrefix(e.Label, "150") || strings.HasPrefix(e.Label, "SYN 192") {
					got = append(got, fmt.Sprintf("%.3f %s", e.T, e.Label))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("ladder events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestLadderProbeActiveSYN: the probe's active connect step starts when it
// began to wait for the server's connection, before the transfer command;
// the server's SYN is drawn when the connection came, after the command.
func TestLadderProbeActiveSYN(t *testing.T) {
	r := baseResult()
	mr := healthyMode(probe.ModePORT, 0, 40030)
	// Waiting from 0.012 s, LIST sent at 0.013 s, the connection at 0.018 s.
	mr.ListData.Connect = ok(0.012, 0.018, nil)
	r.Modes = []probe.ModeResult{mr}
	d := Diagnose(r, nil)
	var got []string
	for _, e := range d.Ladders[0].Events {
		if e.Label == "LIST" || strings.HasPrefix(e.Label, "SYN "+clientIP+":50030") {
			got = append(got, fmt.Sprintf("%.3f %s", e.T, e.Label))
		}
	}
	want := []string{"0.013 LIST", "0.018 SYN " + clientIP + ":50030 (LIST)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ladder events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
