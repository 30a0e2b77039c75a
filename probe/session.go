package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// session is one control connection: it sends commands, reads replies under
// a deadline, and keeps the transcript (with PASS redacted).
type session struct {
	ctx   context.Context
	conn  net.Conn
	r     *ftp.Reader
	clock *clock
	opts  Options
	mr    *ModeResult
	// broken is set once the control stream is out of step (a read timed
	// out mid-reply); no further commands are sent.
	broken bool
	// lost is why the control connection ended when the server closed or
	// reset it (nil otherwise): later steps are classified by it.
	lost error
	stop func() bool
	// pending is a reply being read in the background (watch.go); the
	// next read collects it.
	pending *replyWatch
	// slowestReply is the longest a plain command's reply took, seconds
	// (activesetup.go scales its wait by it).
	slowestReply float64
	// onGreeting, when set, is called once the greeting has been read
	// (pacing.go watches a second session's greeting).
	onGreeting func()
}

func newSession(ctx context.Context, conn net.Conn, c *clock, opts Options, mr *ModeResult) *session {
	s := &session{ctx: ctx, conn: conn, r: ftp.NewReader(conn), clock: c, opts: opts, mr: mr}
	// Cancellation interrupts any blocked read or write at once.
	s.stop = context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return s
}

func (s *session) close() {
	s.stop()
	s.conn.Close()
	if s.pending != nil {
		<-s.pending.done
		s.pending = nil
	}
}

// readReply reads one reply with the reply timeout and records it.
func (s *session) readReply(timeout time.Duration) (ftp.Reply, error) {
	rep, err := s.readReplyUnrecorded(timeout)
	if err != nil {
		return rep, err
	}
	s.appendExchange("", &rep)
	return rep, nil
}

// readReplyUnrecorded is readReply without the transcript entry, for a
// caller that knows better which command the reply answers.
func (s *session) readReplyUnrecorded(timeout time.Duration) (ftp.Reply, error) {
	if rep, ok, err := s.collectPending(timeout); ok {
		return rep, err
	}
	if s.broken {
		return ftp.Reply{}, s.brokenErr()
	}
	if err := s.conn.SetReadDeadline(s.clock.deadline(timeout)); err != nil {
		return ftp.Reply{}, fmt.Errorf("set deadline on control connection to %s: %w", s.conn.RemoteAddr(), err)
	}
	// The new deadline replaced the one cancellation set: look again, after
	// setting it, so that a cancellation is never lost.
	if err := s.ctx.Err(); err != nil {
		s.broken = true
		return ftp.Reply{}, fmt.Errorf("read reply from %s: %w", s.conn.RemoteAddr(), err)
	}
	rep, err := s.r.ReadReply()
	if err != nil {
		s.broken = true
		err = fmt.Errorf("read reply from %s: %w", s.conn.RemoteAddr(), err)
		s.noteLost(err)
		return rep, err
	}
	return rep, nil
}

var errSessionBroken = errors.New("control connection out of step after an earlier failure")

// noteLost remembers that the server closed or reset the control
// connection, so that every later step says so rather than "out of step".
func (s *session) noteLost(err error) {
	if o := classify(err); s.lost == nil && (o == OutcomeClosed || o == OutcomeReset) {
		s.lost = err
	}
}

// brokenErr is the error of a step tried on a broken session: the lost
// connection (classified closed or reset) when that is what broke it.
func (s *session) brokenErr() error {
	if s.lost != nil {
		return fmt.Errorf("control connection lost earlier: %w", s.lost)
	}
	return errSessionBroken
}

// send writes one command and records it (PASS redacted).
func (s *session) send(verb, arg string) error {
	if s.broken {
		return s.brokenErr()
	}
	if err := s.conn.SetWriteDeadline(s.clock.deadline(s.opts.ReplyTimeout)); err != nil {
		return fmt.Errorf("set deadline on control connection to %s: %w", s.conn.RemoteAddr(), err)
	}
	if err := s.ctx.Err(); err != nil { // as in readReply
		s.broken = true
		return fmt.Errorf("send %s to %s: %w", verb, s.conn.RemoteAddr(), err)
	}
	shown := verb
	if arg != "" {
		shown += " " + arg
	}
	if strings.EqualFold(verb, "PASS") {
		shown = "PASS ****"
	}
	if strings.EqualFold(verb, "SITE") && strings.HasPrefix(strings.ToUpper(arg), "FTPDIAG AUTH ") {
		shown = "SITE FTPDIAG AUTH ****" // the challenge's answer (responder.go)
	}
	s.appendExchange(shown, nil)
	if err := ftp.WriteCommand(s.conn, verb, arg); err != nil {
		s.broken = true
		err = fmt.Errorf("send %s to %s: %w", verb, s.conn.RemoteAddr(), err)
		s.noteLost(err)
		return err
	}
	return nil
}

// unrecorded sends a command and reads its reply without adding either to
// the transcript (the responder's record: responder.go).
func (s *session) unrecorded(verb, arg string) (ftp.Reply, error) {
	return s.unrecordedWait(verb, arg, s.opts.ReplyTimeout)
}

// unrecordedWait is unrecorded with the wait for the reply given.
func (s *session) unrecordedWait(verb, arg string, wait time.Duration) (ftp.Reply, error) {
	if s.broken {
		return ftp.Reply{}, s.brokenErr()
	}
	if err := s.conn.SetWriteDeadline(s.clock.deadline(s.opts.ReplyTimeout)); err != nil {
		return ftp.Reply{}, fmt.Errorf("set deadline on control connection to %s: %w", s.conn.RemoteAddr(), err)
	}
	if err := ftp.WriteCommand(s.conn, verb, arg); err != nil {
		s.broken = true
		return ftp.Reply{}, fmt.Errorf("send %s to %s: %w", verb, s.conn.RemoteAddr(), err)
	}
	return s.readReplyUnrecorded(wait)
}

// appendExchange adds a command (reply nil) or attaches a reply to the
// last command still waiting for one; an unsolicited reply gets its own
// entry.
func (s *session) appendExchange(command string, rep *ftp.Reply) {
	t := s.clock.offset()
	tr := &s.mr.Transcript
	if rep == nil {
		*tr = append(*tr, Exchange{T: t, Command: command})
		return
	}
	if n := len(*tr); n > 0 && (*tr)[n-1].Reply == nil && (*tr)[n-1].Command != "" {
		(*tr)[n-1].Reply = rep
		(*tr)[n-1].ReplyT = t
		(*tr)[n-1].Meaning = interpretAs(commandVerb((*tr)[n-1].Command), *rep, false)
		return
	}
	*tr = append(*tr, Exchange{T: t, Reply: rep, Meaning: unsolicitedMeaning(*tr, *rep)})
}

// unsolicitedMeaning interprets a reply that follows no pending command:
// the greeting (after any 120), or the final reply of a command whose last
// reply was a 1xx. Anything else is left uninterpreted (nil).
func unsolicitedMeaning(tr []Exchange, rep ftp.Reply) *ftp.Interpretation {
	if len(tr) == 0 {
		return interpretAs(ftp.Greeting, rep, false)
	}
	last := tr[len(tr)-1]
	if last.Meaning == nil || last.Meaning.Step != ftp.StepPreliminary {
		return nil
	}
	return interpretAs(commandVerb(last.Command), rep, true)
}

func interpretAs(verb string, rep ftp.Reply, afterPreliminary bool) *ftp.Interpretation {
	in := ftp.Interpret(verb, rep, afterPreliminary)
	return &in
}

// commandVerb is the verb of a command as shown in the transcript.
func commandVerb(shown string) string {
	verb, _, _ := strings.Cut(shown, " ")
	return verb
}

// command sends a command and reads its reply; the step carries the
// reply's interpretation (clock.replied): ok for a reply the command's
// sequence allows that is not a failure, "reply" for a failure,
// protocol-error for a code the sequence does not allow.
func (s *session) command(verb, arg string) (ftp.Reply, Step) {
	st := s.clock.begin()
	if err := s.send(verb, arg); err != nil {
		return ftp.Reply{}, s.clock.fail(st, err)
	}
	rep, err := s.readReply(s.opts.ReplyTimeout)
	if err != nil {
		return rep, s.clock.fail(st, err)
	}
	st = s.clock.replied(st, verb, rep, false)
	s.noteReplyTime(verb, st)
	return rep, st
}

// quit ends the session politely without waiting long.
func (s *session) quit() {
	if s.broken || s.ctx.Err() != nil {
		return
	}
	if s.send("QUIT", "") == nil {
		s.readReply(time.Second)
	}
}
