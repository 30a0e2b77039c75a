package capture

import (
	"net/netip"
	"testing"
)

// TestLinkActiveWithoutReply: an active set-up announces its endpoint in
// the command, so the server's connection to it is linked even when no
// reply came (pyftpdlib and Twisted connect before they answer PORT); a
// passive set-up announces nothing without its reply, and a refused PORT
// set nothing up, unlike one whose reply says the server's connection
// failed.
func TestLinkActiveWithoutReply(t *testing.T) {
	tests := []struct {
		name   string
		cmd    string
		reply  string // "" for none
		dialTo netip.AddrPort
		from   netip.AddrPort
		linked bool
	}{
		{"PORT, no reply, the server's SYNs", "PORT 192,0,2,10,195,80\r\n", "", netip.MustParseAddrPort("192.0.2.10:50000"), netipPort(server, 40123), true},
		{"PORT refused, a SYN anyway", "PORT 192,0,2,10,195,80\r\n", "500 Illegal PORT command.\r\n", netip.MustParseAddrPort("192.0.2.10:50000"), netipPort(server, 40123), false},
		{"PASV, no reply, a SYN", "PASV\r\n", "", netipPort(server, 30000), netipPort(client, 50001), false},
		// pyftpdlib answers once its connection to the client failed: the
		// SYNs before the reply are that attempt (the lab's client-firewall
		// captures), as for Twisted's 425.
		{"PORT answered 421 Active data channel timed out, the server's SYNs", "PORT 192,0,2,10,195,80\r\n", "421 Active data channel timed out.\r\n", netip.MustParseAddrPort("192.0.2.10:50000"), netipPort(server, 40123), true},
		{"PORT answered 425 Can't open data connection, the server's SYN", "PORT 192,0,2,10,195,80\r\n", "425 Can't open data connection.\r\n", netip.MustParseAddrPort("192.0.2.10:50000"), netipPort(server, 40123), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDialogue(t, client, server)
			d.s("220 (vsFTPd 3.0.3)\r\n").c("USER alice\r\n").s("331 Please specify the password.\r\n").c("PASS secret\r\n").s("230 Login successful.\r\n")
			d.c(tc.cmd)
			if tc.reply != "" {
				d.s(tc.reply)
			}
			for range 3 {
				d.add(seg{src: tc.from, dst: tc.dialTo, flags: "S", seq: 1})
			}
			ev := readRecs(t, d.recs)
			if len(ev.Sessions) != 1 || len(ev.Sessions[0].Data) != 1 {
				t.Fatalf("want one session with one data set-up, got %+v", ev.Sessions)
			}
			if ds := ev.Sessions[0].Data[0]; (ds.Conn != nil) != tc.linked {
				t.Errorf("linked %v, want %v (%+v)", ds.Conn != nil, tc.linked, ds)
			}
		})
	}
}
