package capture

import (
	"strings"
	"testing"
)

// TestFTPLike: a connection is an FTP session only when it behaves like
// FTP (replies from the server, FTP commands from the client); SSH, SMTP
// and HTTP on a control port, a lone packet and bytes that are neither are
// no session, and are listed in NotFTP. Connections that carried no byte
// (refused, unanswered) stay sessions: the control port was dialled.
func TestFTPLike(t *testing.T) {
	smtpServer := netipPort(server, 25)
	tests := []struct {
		name  string
		recs  func() []rec
		users []string // sessions kept, by USER ("-" for none)
		not   string   // NotFTP protocols, comma-separated
	}{
		{"ftp", func() []rec {
			return newDialogue(t, client, server).s("220 (vsFTPd 3.0.3)\r\n").c("USER a\r\n").s("331 pw\r\n").recs
		}, []string{"a"}, ""},
		{"vsftpd 500 OOPS as the first reply", func() []rec {
			return newDialogue(t, client, server).s("500 OOPS: vsftpd: refusing to run with writable root inside chroot()\r\n").recs
		}, []string{"-"}, ""},
		{"smtp on port 21", func() []rec {
			return newDialogue(t, client, server).s("220 mx.example.com ESMTP Postfix\r\n").c("EHLO me\r\n").s("250-mx.example.com\r\n250 PIPELINING\r\n").c("MAIL FROM:<a@b>\r\n").recs
		}, nil, "smtp"},
		{"smtp found by its 220 on port 25", func() []rec {
			return newDialogue(t, client, smtpServer).s("220 mx.example.com ESMTP\r\n").c("HELO me\r\n").s("250 hello\r\n").recs
		}, nil, "smtp"},
		{"smtp greeting, client silent", func() []rec {
			return newDialogue(t, client, smtpServer).s("220 mx.example.com ESMTP Exim 4.96\r\n").recs
		}, nil, "smtp"},
		{"http on port 21", func() []rec {
			return newDialogue(t, client, server).c("GET / HTTP/1.1\r\nHost: x\r\n\r\n").s("HTTP/1.1 400 Bad Request\r\n\r\n").recs
		}, nil, "http"},
		{"http reply to a silent client", func() []rec {
			return newDialogue(t, client, server).s("HTTP/1.0 408 Request Timeout\r\n\r\n").recs
		}, nil, "http"},
		{"ssh on port 21", func() []rec {
			return newDialogue(t, client, server).s("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n").c("SSH-2.0-OpenSSH_9.6\r\n").recs
		}, nil, "ssh"},
		{"ssh client first", func() []rec {
			return newDialogue(t, client, server).c("SSH-2.0-PuTTY_Release_0.80\r\n").recs
		}, nil, "ssh"},
		{"lone garbage packet", func() []rec {
			return []rec{{0.1, tcpPacket(t, seg{src: client, dst: server, flags: "PA", seq: 77, payload: "\x01\x02junk that is no command\r\n"})}}
		}, nil, "unknown"},
		{"garbage after the handshake", func() []rec {
			return newDialogue(t, client, server).c("hello there\r\n").s("+OK POP3 ready\r\n").recs
		}, nil, "unknown"},
		{"handshake, then the client's FIN at once: a health check", func() []rec {
			d := newDialogue(t, client, server)
			d.add(seg{src: client, dst: server, flags: "FA", seq: d.cseq, ack: d.sseq})
			d.add(seg{src: server, dst: client, flags: "FA", seq: d.sseq, ack: d.cseq + 1})
			return d.recs
		}, nil, "check"},
		{"handshake, then the client's RST at once: a SYN scan", func() []rec {
			d := newDialogue(t, client, server)
			d.add(seg{src: client, dst: server, flags: "R", seq: d.cseq})
			return d.recs
		}, nil, "check"},
		{"SYN sent twice, then the client's RST at the SYN-ACK: a client still trying, not a scan", func() []rec {
			return []rec{
				{0, tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 100})},
				{1, tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 100})},
				{1.01, tcpPacket(t, seg{src: server, dst: client, flags: "SA", seq: 5000, ack: 101})},
				{1.02, tcpPacket(t, seg{src: client, dst: server, flags: "R", seq: 101})},
			}
		}, []string{"-"}, ""},
		{"handshake, then the client's FIN 5 s later: it waited for a greeting", func() []rec {
			d := newDialogue(t, client, server)
			d.at += 5
			d.add(seg{src: client, dst: server, flags: "FA", seq: d.cseq, ack: d.sseq})
			return d.recs
		}, []string{"-"}, ""},
		{"handshake, then the server's FIN at once: a server that closes", func() []rec {
			d := newDialogue(t, client, server)
			d.add(seg{src: server, dst: client, flags: "FA", seq: d.sseq, ack: d.cseq})
			return d.recs
		}, []string{"-"}, ""},
		{"SYN unanswered", func() []rec {
			return []rec{{0, tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 1})}, {1, tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 1})}}
		}, []string{"-"}, ""},
		{"capture starts inside an ftp dialogue", func() []rec {
			d := &dialogue{tb: t, cli: client, srv: server, cseq: 900, sseq: 7000}
			return d.c("NOOP\r\n").s("200 ok\r\n").c("USER b\r\n").s("331 pw\r\n").c("PASS x\r\n").s("230 in\r\n").recs
		}, []string{"b"}, ""},
		{"ftp client with a stray HELO", func() []rec {
			return newDialogue(t, client, server).s("220 hi\r\n").c("USER c\r\n").s("331 pw\r\n").c("HELO\r\n").s("500 unknown\r\n").recs
		}, []string{"c"}, ""},
		{"client side only", func() []rec {
			d := newDialogue(t, client, server)
			d.recs = d.recs[:1] // the SYN
			return d.c("USER d\r\n").c("PASS x\r\n").recs
		}, []string{"d"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := readRecs(t, tt.recs())
			var users, not []string
			for _, s := range ev.Sessions {
				u := s.User
				if u == "" {
					u = "-"
				}
				users = append(users, u)
			}
			for _, n := range ev.NotFTP {
				not = append(not, n.Protocol)
				if n.Client != client || (n.Server != server && n.Server != smtpServer) {
					t.Errorf("not FTP: %+v", n)
				}
			}
			if strings.Join(users, ",") != strings.Join(tt.users, ",") || strings.Join(not, ",") != tt.not || ev.NotFTPCount != len(not) {
				t.Errorf("sessions %q, not FTP %q (%d): want %q, %q", users, not, ev.NotFTPCount, tt.users, tt.not)
			}
		})
	}
}
