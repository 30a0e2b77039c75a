package responder

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
)

// session is one control connection.
type session struct {
	srv  *Server
	cfg  Config
	raw  net.Conn // the TCP connection
	conn net.Conn // raw, or TLS over it
	br   *bufio.Reader
	rec  Record

	local, remote netip.AddrPort
	start         time.Time
	implicit      bool
	nonce         string

	authed    bool
	authFails int
	user      bool
	loggedIn  bool
	protP     bool

	// cur is the index of the command being answered in rec.Commands.
	cur int
	// data is the pending data connection setup (data.go).
	data dataSetup

	// callbacks are the callback kinds made (callback.go).
	callbacks map[string]bool

	ended   string // why the session ended, for the log line
	refused int    // PORT/EPRT refused
}

func newSession(s *Server, c net.Conn, implicit bool) *session {
	ss := &session{srv: s, cfg: s.cfg, raw: c, conn: c, implicit: implicit, nonce: newNonce(),
		local: addrPortOf(c.LocalAddr()), remote: addrPortOf(c.RemoteAddr()), start: s.cfg.Now(), cur: -1,
		callbacks: map[string]bool{}}
	ss.authed = s.cfg.Open
	ss.rec = Record{Responder: "ftpdiag-responder " + s.cfg.Version, Nonce: ss.nonce,
		Control: Conn{Remote: ss.remote.String(), Local: ss.local.String()}, Authenticated: ss.authed,
		Commands: []Command{}, Data: []DataConn{}}
	ss.data.activeIdx, ss.data.pasvIdx = -1, -1
	return ss
}

// run serves the session to its end, bounded by SessionTimeout.
func (s *session) run(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SessionTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { s.raw.Close() })
	defer stop()
	defer s.raw.Close()
	defer s.data.close()
	defer s.logEnd()
	if s.implicit && !s.handshake("implicit") {
		return
	}
	s.br = bufio.NewReaderSize(s.conn, maxLineBytes)
	if !s.write("220 ftpdiag responder ready.") {
		return
	}
	for n := 0; ; n++ {
		if n == maxCommands {
			s.write("421 Too many commands in one session.")
			s.ended = "too many commands"
			return
		}
		line, err := s.readLine()
		if err != nil {
			s.endOnReadError(ctx, err)
			return
		}
		s.cur = addCommand(&s.rec, line)
		if !s.handle(ctx, string(line)) {
			return
		}
	}
}

// errLineTooLong: a command line over maxLineBytes.
var errLineTooLong = errors.New("command line too long")

// readLine reads one command line, without its line ending, within
// IdleTimeout.
func (s *session) readLine() ([]byte, error) {
	_ = s.conn.SetReadDeadline(s.cfg.Now().Add(s.cfg.IdleTimeout))
	b, err := s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errLineTooLong
	}
	if err != nil {
		return nil, err
	}
	b = b[:len(b)-1]
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return append([]byte(nil), b...), nil
}

func (s *session) endOnReadError(ctx context.Context, err error) {
	switch {
	case errors.Is(err, errLineTooLong):
		s.write("500 Command line too long.")
		s.ended = "line too long"
	case ctx.Err() != nil:
		s.write("421 Session time limit reached.")
		s.ended = "session time limit"
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.write("421 Timeout.")
		s.ended = "idle timeout"
	default:
		s.ended = "closed by client"
	}
}

// write sends one reply line within writeTimeout.
func (s *session) write(line string) bool {
	_ = s.conn.SetWriteDeadline(s.cfg.Now().Add(writeTimeout))
	_, err := s.conn.Write([]byte(line + "\r\n"))
	if err != nil && s.ended == "" {
		s.ended = "write failed"
	}
	return err == nil
}

// reply sends "code text" and records code (and note, when not empty) as
// the answer to the current command.
func (s *session) reply(code int, text, note string) bool {
	if s.cur >= 0 {
		c := &s.rec.Commands[s.cur]
		c.Reply = code // the last reply: 226 rather than 150
		if note != "" {
			c.Note = note
		}
	}
	return s.write(fmt.Sprintf("%d %s", code, text))
}

// setReply records code as the answer to the current command, for replies
// written with write.
func (s *session) setReply(code int) {
	if s.cur >= 0 {
		s.rec.Commands[s.cur].Reply = code
	}
}

// logEnd writes the session's one log line.
func (s *session) logEnd() {
	if s.ended == "" {
		s.ended = "ended"
	}
	tlsMode := "none"
	if t := s.rec.Control.TLS; t != nil {
		tlsMode = t.Mode
	}
	s.srv.logf("session %s -> %s tls=%s auth=%t commands=%d data=%d refused=%d callbacks=%d duration=%s end=%q",
		s.remote, s.local, tlsMode, s.authed, len(s.rec.Commands), len(s.rec.Data), s.refused, len(s.rec.Callbacks),
		s.cfg.Now().Sub(s.start).Round(time.Millisecond), s.ended)
}

// verbArg splits a command line into its upper-cased verb and argument.
func verbArg(line string) (string, string) {
	verb, arg, _ := strings.Cut(line, " ")
	return strings.ToUpper(verb), arg
}
