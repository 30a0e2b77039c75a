package capture

import (
	"bytes"
	"math"
	"net/netip"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// maxNotFTP bounds the connections kept in Evidence.NotFTP.
const maxNotFTP = 64

// NotFTP is a connection on a control port (or one that opened with a 220
// greeting) that did not behave like FTP, so it is no FTP session.
type NotFTP struct {
	Client netip.AddrPort `json:"client"`
	Server netip.AddrPort `json:"server"`
	First  PacketRef      `json:"first"`
	// Protocol is what it spoke instead: "ssh", "smtp", "http",
	// "unknown" (neither FTP commands nor FTP replies), "none" (only
	// its last packets were captured: no SYN, no byte; lone), or "check"
	// (opened and ended by its opener at once, no byte: portCheck).
	Protocol string `json:"protocol"`
}

// smtpVerbs are SMTP commands (RFC 5321) that FTP does not have: a client
// whose first command is one of them speaks SMTP.
var smtpVerbs = map[string]bool{"EHLO": true, "HELO": true, "MAIL": true, "RCPT": true, "DATA": true, "RSET": true, "VRFY": true, "EXPN": true}

// foreignLine names the protocol of a client line that is not an FTP
// command: SMTP's envelope, an HTTP request line, an SSH identification.
// Only a dialogue with no FTP command before is judged by it.
func foreignLine(line, verb, arg string) string {
	switch {
	case strings.HasPrefix(line, "SSH-"):
		return "ssh"
	case smtpVerbs[verb]:
		return "smtp"
	case verb != "" && strings.HasPrefix(lastField(arg), "HTTP/"):
		return "http"
	}
	return ""
}

// foreignServer names the protocol of a server's first bytes that are no
// FTP reply.
func foreignServer(p []byte) string {
	switch {
	case bytes.HasPrefix(p, []byte("SSH-")):
		return "ssh"
	case bytes.HasPrefix(p, []byte("HTTP/")):
		return "http"
	}
	return ""
}

func lastField(s string) string {
	if i := strings.LastIndexByte(s, ' '); i >= 0 {
		return s[i+1:]
	}
	return s
}

// notFTP says what a finished session spoke when it did not behave like
// FTP, "" when it did (or when nothing says otherwise: a connection that
// carried no byte, a TLS session, one cut by the snap length before a
// line was whole). FTP is a reply from the server or an
// FTP command from the client; a lone packet, or bytes that are neither,
// are no session.
func (fs *ftpStream) notFTP() string {
	s := fs.s
	switch {
	case fs.foreign != "":
		return fs.foreign
	case lone(s.Control):
		return "none"
	case portCheck(s.Control):
		return "check"
	case s.TLS != nil, s.SlicedAt != nil && !fs.gotReply && !fs.gotCmd:
		// Encrypted, or cut by the snap length before a line was whole:
		// nothing says it is not the FTP its port says.
		return ""
	case !fs.knownCmd && smtpGreeting(s):
		return "smtp"
	case fs.gotReply || fs.knownCmd:
		return ""
	case s.Control.BytesFromInitiator+s.Control.BytesFromResponder == 0:
		return ""
	}
	return "unknown"
}

// lone reports a connection seen only by its last packets: no SYN, no
// SYN-ACK, no byte of payload, no ICMP error (a lone RST, a FIN, bare
// ACKs of a connection the capture started after). Nothing of it is FTP,
// and a reset there refuses nothing: it is no session.
func lone(c *Conn) bool {
	return c != nil && c.Midstream && len(c.SYNs) == 0 && c.SYNACK == nil && len(c.ICMP) == 0 &&
		c.BytesFromInitiator+c.BytesFromResponder == 0
}

// checkWindow is how soon after the handshake the opener of a connection
// that carried no byte ended it for the connection to be a port check:
// an FTP server greets within it, and no FTP client waits less for the
// greeting.
const checkWindow = 1.0

// portCheck reports a connection whose one SYN was answered and whose
// opener ended it (FIN or RST) less than checkWindow after the SYN-ACK,
// before the other side ended anything and with no byte either way: a
// load balancer's or a monitor's health check, a port scan (nmap's SYN
// scan resets at the SYN-ACK). No FTP client connects to leave before the
// greeting, so it is no session.
func portCheck(c *Conn) bool {
	if c == nil || c.SYNACK == nil || len(c.SYNs) != 1 || c.BytesFromInitiator+c.BytesFromResponder != 0 {
		// A SYN sent again is a client still trying to connect.
		return false
	}
	opener, other := endOf(c, SideInitiator), endOf(c, SideResponder)
	return opener <= other && opener-c.SYNACK.T < checkWindow
}

// endOf is when a side first ended the connection (its FIN or RST), +Inf
// when it did not.
func endOf(c *Conn, side Side) float64 {
	end := math.Inf(1)
	fin := c.FINInitiator
	if side == SideResponder {
		fin = c.FINResponder
	}
	if fin != nil {
		end = fin.T
	}
	for _, r := range c.RSTs {
		if r.From == side {
			end = min(end, r.T)
		}
	}
	return end
}

// greeted reports whether the session's dialogue opens with a greeting:
// a 120, 220 or 421 that answered no command.
func greeted(s *FTPSession) bool {
	if len(s.Exchanges) == 0 || s.Exchanges[0].Command != "" || len(s.Exchanges[0].Replies) == 0 {
		return false
	}
	switch s.Exchanges[0].Replies[0].Code {
	case 120, 220, 421:
		return true
	}
	return false
}

// smtpGreeting reports whether the session's greeting names SMTP (the
// server's 220 says "ESMTP" by RFC 5321's convention).
func smtpGreeting(s *FTPSession) bool {
	if len(s.Exchanges) == 0 || s.Exchanges[0].Command != "" || len(s.Exchanges[0].Replies) == 0 {
		return false
	}
	r := s.Exchanges[0].Replies[0]
	return r.Code == 220 && len(r.Lines) > 0 && strings.Contains(strings.ToUpper(r.Lines[0]), "SMTP")
}

// knownVerb reports whether verb is an FTP command.
func knownVerb(verb string) bool { return ftp.Defined(verb) }

// speaks marks the connection as another protocol's: nothing more of it
// is read.
func (fs *ftpStream) speaks(proto string) {
	if fs.foreign != "" {
		return
	}
	fs.foreign = proto
	for d := range fs.dir {
		r := &fs.dir[d]
		fs.budget.held -= r.pendBytes
		r.pend, r.pendBytes = nil, 0
	}
	fs.release()
}

// keepFTP returns the sessions that behaved like FTP; the others go to
// ev.NotFTP (the first maxNotFTP of them) and ev.NotFTPCount.
func (f *ftpTracker) keepFTP(ev *Evidence) []*FTPSession {
	var out []*FTPSession
	for _, fs := range f.streams {
		proto := fs.notFTP()
		if proto == "" {
			out = append(out, fs.s)
			continue
		}
		ev.noteNotFTP(fs.s, proto)
	}
	return out
}

// noteNotFTP counts a session that did not behave like FTP (proto is what
// it spoke) and lists the first maxNotFTP.
func (ev *Evidence) noteNotFTP(s *FTPSession, proto string) {
	ev.NotFTPCount++
	if len(ev.NotFTP) < maxNotFTP {
		ev.NotFTP = append(ev.NotFTP, NotFTP{Client: s.Client, Server: s.Server, First: s.Control.First, Protocol: proto})
	}
}
