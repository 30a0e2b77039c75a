package capture

import (
	"cmp"
	"slices"
	"testing"
)

// TestLinkNotAfterClose: vsftpd hands its passive ports out again, so a
// port one session announced and never used may be announced by the next
// session of the same client; the connection to it that starts after the
// first session's control connection closed is the second's.
func TestLinkNotAfterClose(t *testing.T) {
	const pasv = "227 Entering Passive Mode (203,0,113,10,117,49).\r\n" // port 30001
	a := newDialogue(t, client, server)
	a.s("220 hi\r\n").c("USER a\r\n").s("230 ok\r\n").c("PASV\r\n").s(pasv).c("QUIT\r\n").s("221 bye\r\n")
	a.add(seg{src: server, dst: client, flags: "FA", seq: a.sseq, ack: a.cseq})
	a.add(seg{src: client, dst: server, flags: "FA", seq: a.cseq, ack: a.sseq + 1})
	b := newDialogue(t, netipPort(client, 40001), server)
	b.at = 1
	b.s("220 hi\r\n").c("USER a\r\n").s("230 ok\r\n").c("PASV\r\n").s(pasv)
	data := netipPort(client, 50001)
	dport := netipPort(server, 30001)
	b.add(seg{src: data, dst: dport, flags: "S", seq: 1})
	b.add(seg{src: dport, dst: data, flags: "SA", seq: 1, ack: 2})
	b.c("LIST\r\n").s("150 Here it comes.\r\n").s("226 Done.\r\n")
	recs := append(a.recs, b.recs...)
	slices.SortStableFunc(recs, func(x, y rec) int { return cmp.Compare(x.at, y.at) })
	ev := readRecs(t, recs)
	if len(ev.Sessions) != 2 {
		t.Fatalf("%d sessions", len(ev.Sessions))
	}
	first, second := ev.Sessions[0].Data, ev.Sessions[1].Data
	if len(first) != 1 || first[0].Conn != nil {
		t.Errorf("the closed session's PASV took a connection: %+v", first)
	}
	if len(second) != 1 || second[0].Conn == nil || second[0].Match != "announced" {
		t.Errorf("the second session's PASV: %+v", second)
	}
}
