package probe

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// abortReplyWait bounds the wait for the replies to ABOR.
const abortReplyWait = 2 * time.Second

// deadliner is what net.TCPListener offers to bound Accept.
type deadliner interface{ SetDeadline(time.Time) error }

// transfer runs one LIST or RETR on an open data channel, reading at most
// limit bytes and keeping the first keep bytes. dc.Connect is completed
// here for active mode, where the server connects only after the command.
func (s *session) transfer(ch *dataChannel, dc *DataConn, verb, arg string, limit int64, keep int) (Transfer, []byte) {
	cmd := verb
	if arg != "" {
		cmd += " " + arg
	}
	tr := Transfer{Command: cmd, Limit: limit}
	defer ch.close()
	st := s.clock.begin()
	if _, ok := s.startData(ch, dc, &tr, verb, arg, st); !ok {
		return tr, nil
	}
	data, n, reachedLimit, rerr := s.readData(ch.conn, limit, keep, &tr)
	tr.Bytes = n
	if rerr != nil {
		tr.Step = s.clock.fail(st, fmt.Errorf("read data from %s: %w", ch.conn.RemoteAddr(), rerr))
		ch.conn.Close()
		s.abort()
		return tr, data
	}
	if reachedLimit {
		ch.conn.Close()
		tr.Aborted = true
		final := s.abort()
		tr.Final = final
		tr.Step = s.clock.ok(st)
		return tr, data
	}
	ch.conn.Close()
	s.finalReply(&tr, verb, st)
	return tr, data
}

// finalReply reads the reply that ends a transfer after its 1xx and
// completes tr with it.
func (s *session) finalReply(tr *Transfer, verb string, st Step) {
	fin, err := s.readReply(s.opts.ReplyTimeout)
	if err != nil {
		tr.Step = s.clock.fail(st, err)
		return
	}
	tr.Final = &fin
	tr.Step = s.clock.replied(st, verb, fin, true)
	tr.Times.Final = ptr(tr.Step.T)
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// startData sends verb (LIST, RETR, STOR) on an open data channel and
// waits for the server's answer: for active mode it completes dc.Connect
// (the server connects back before or with its 1xx reply), and under PROT
// P it runs TLS on the data connection. ok is true when data may flow on
// ch.conn; otherwise tr.Step (and tr.Final when the server answered) say
// why. rep is the reply read (zero when none was).
func (s *session) startData(ch *dataChannel, dc *DataConn, tr *Transfer, verb, arg string, st Step) (rep ftp.Reply, ok bool) {
	accepted := make(chan acceptResult, 1)
	if ch.ln != nil {
		if dl, ok := ch.ln.(deadliner); ok {
			dl.SetDeadline(s.clock.deadline(s.opts.DataTimeout))
		}
		go func() { c, err := ch.ln.Accept(); accepted <- acceptResult{c, err} }()
	}
	if err := s.send(verb, arg); err != nil {
		tr.Step = s.clock.fail(st, err)
		if ch.ln != nil {
			// The server was never asked to connect: nothing to wait for.
			drainAccept(ch.ln, accepted)
			dc.Connect = skipped(verb + " was not sent")
		}
		return ftp.Reply{}, false
	}
	wait := s.opts.ReplyTimeout
	// In active mode the wire may show the server's SYN arriving here and
	// never answered (a local firewall): end the wait at once.
	stopWire, filtered := func() {}, func() bool { return false }
	if ch.ln != nil {
		// The server connects back before its 150 reply: wait as long as
		// we wait for the data connection, not longer.
		wait = s.opts.DataTimeout
		ln := ch.ln
		stopWire, filtered = s.watchWire(addrPortOf(ln.Addr()), func() {
			ln.Close()
			s.conn.SetReadDeadline(time.Now())
		})
	}
	rep, err := s.readReply(wait)
	stopWire()
	if ch.ln != nil && filtered() {
		dc.Connect = s.clock.finish(st, OutcomeTimeout)
		dc.Connect.Error = fmt.Sprintf("accept data connection on %s: %s", dc.Listened, wireVerdictInbound)
		drainAccept(ch.ln, accepted)
		// The server's reply to the command (its 425, late) is still to
		// come: nothing more is sent on this control connection.
		s.broken = true
		tr.Step = s.clock.finish(st, OutcomeTimeout)
		tr.Step.Error = "the data connection never opened"
		if err != nil {
			rep = ftp.Reply{}
		}
		return rep, false
	}
	if ch.ln != nil {
		s.finishActive(ch, dc, st, accepted, replyOrError(verb, rep, err))
	}
	if err != nil {
		tr.Step = s.clock.fail(st, err)
		return ftp.Reply{}, false
	}
	first := s.clock.replied(st, verb, rep, false)
	if first.Meaning.Step != ftp.StepPreliminary {
		tr.Step = first
		tr.Final = tr.Step.Reply
		tr.Times.Final = ptr(first.T)
		if first.OK() {
			// 2xx without 1xx: nothing was transferred; not a success.
			tr.Step.Outcome = OutcomeProtocol
			tr.Step.Error = "completion reply without a preliminary 1xx reply"
		}
		return rep, false
	}
	tr.Preliminary = first.Reply
	tr.Times.Preliminary = ptr(first.T)
	if ch.conn == nil {
		tr.Step = s.clock.finish(st, dc.Connect.Outcome)
		tr.Step.Error = "the data connection never opened"
		// 1xx but the server's connection never came: its final reply
		// (425) is still to come, so the control stream is out of step.
		s.broken = true
		return rep, false
	}
	if !s.secureData(ch, dc, tr, st) { // TLS on the data connection (tls.go)
		return rep, false
	}
	return rep, true
}

// drainAccept closes an active-mode listener, waits for the goroutine
// blocked in its Accept and closes any connection it got.
func drainAccept(ln net.Listener, accepted chan acceptResult) {
	ln.Close()
	if res := <-accepted; res.conn != nil {
		res.conn.Close()
	}
}

type acceptResult struct {
	conn net.Conn
	err  error
}

func replyOrError(verb string, rep ftp.Reply, err error) error {
	if err != nil {
		return err
	}
	if ftp.Interpret(verb, rep, false).Step.Failed() {
		return replyError{verb, rep}
	}
	return nil
}

type replyError struct {
	verb string
	rep  ftp.Reply
}

func (e replyError) Error() string { return e.rep.Text() }

// finishActive completes dc.Connect for active mode: the server's
// connection was accepted, or the server said it could not connect, or
// nothing came before the data timeout.
func (s *session) finishActive(ch *dataChannel, dc *DataConn, st Step, accepted chan acceptResult, replyErr error) {
	if ch.ln == nil {
		return
	}
	var re replyError
	if errors.As(replyErr, &re) {
		// The server answered (425 and kin) instead of connecting.
		drainAccept(ch.ln, accepted)
		dc.Connect = s.clock.replied(st, re.verb, re.rep, false)
		return
	}
	res := s.waitAccept(ch.ln, accepted)
	if res.err != nil {
		ch.ln.Close()
		dc.Connect = s.clock.fail(st, fmt.Errorf("accept data connection on %s: %w", dc.Listened, res.err))
		return
	}
	ch.ln.Close()
	ch.ln = nil
	ch.conn = res.conn
	dc.Connect = s.clock.ok(st)
	dc.Peer = addrPortOf(res.conn.RemoteAddr()).String()
	dc.Local = addrPortOf(res.conn.LocalAddr()).String()
}

// waitAccept waits for the accept goroutine, which the listener deadline
// bounds; a listener without deadlines is closed after the data timeout,
// and any listener at once when the run is cancelled.
func (s *session) waitAccept(ln net.Listener, accepted chan acceptResult) acceptResult {
	timer := time.NewTimer(s.opts.DataTimeout + time.Second)
	defer timer.Stop()
	select {
	case res := <-accepted:
		return res
	case <-s.ctx.Done():
		drainAccept(ln, accepted)
		return acceptResult{err: s.ctx.Err()}
	case <-timer.C:
		drainAccept(ln, accepted)
		return acceptResult{err: fmt.Errorf("no connection within %s: %w", s.opts.DataTimeout, os.ErrDeadlineExceeded)}
	}
}

// abort sends ABOR after the data connection was closed early and reads
// the replies, which come in one of three shapes: 426 then 226 (the
// transfer was running), 226 for the transfer then 225 or 226 for ABOR
// (it had just finished), or a single reply. A second reply may or may not
// follow the first, so NOOP is sent next and replies are read up to its
// 200: the control stream is then back in step (or marked broken). It
// returns the first reply.
func (s *session) abort() *ftp.Reply {
	if s.send("ABOR", "") != nil {
		return nil
	}
	rep, err := s.readReply(abortReplyWait)
	if err != nil {
		return nil
	}
	first := rep
	if s.send("NOOP", "") != nil {
		return &first
	}
	noop := len(s.mr.Transcript) - 1
	for i := 0; i < maxAbortReplies; i++ {
		rep, err := s.readReplyUnrecorded(abortReplyWait)
		if err != nil {
			return &first
		}
		// NOOP's own reply is the 200; a late 226 or 225 belongs to the
		// transfer or to ABOR.
		if rep.Code == 200 {
			s.mr.Transcript[noop].Reply = &rep
			s.mr.Transcript[noop].Meaning = interpretAs("NOOP", rep, false)
			return &first
		}
		// A late reply to the transfer or to ABOR: shown before NOOP.
		late := Exchange{T: s.clock.offset(), Reply: &rep}
		s.mr.Transcript = slices.Insert(s.mr.Transcript, noop, late)
		noop++
	}
	s.broken = true
	return &first
}

// maxAbortReplies bounds the replies read after ABOR's first one while
// waiting for NOOP's 200 (one late reply is expected, at most).
const maxAbortReplies = 3
