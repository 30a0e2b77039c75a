package probe

import (
	"errors"
	"fmt"
	"net"
	"os"
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
	if ch.ln != nil {
		if dl, ok := ch.ln.(deadliner); ok {
			dl.SetDeadline(s.clock.deadline(s.opts.DataTimeout))
		}
	}
	accepted := make(chan acceptResult, 1)
	if ch.ln != nil {
		go func() { c, err := ch.ln.Accept(); accepted <- acceptResult{c, err} }()
	}
	if err := s.send(verb, arg); err != nil {
		tr.Step = s.clock.fail(st, err)
		s.finishActive(ch, dc, st, accepted, err)
		return tr, nil
	}
	wait := s.opts.ReplyTimeout
	if ch.ln != nil {
		// The server connects back before its 150 reply: wait as long as
		// we wait for the data connection, not longer.
		wait = s.opts.DataTimeout
	}
	// In active mode the wire may show the server's SYN arriving here and
	// never answered (a local firewall): end the wait at once.
	var stopWire func()
	filtered := func() bool { return false }
	if ch.ln != nil {
		ln := ch.ln
		stopWire, filtered = s.watchWire(addrPortOf(ln.Addr()), func() {
			ln.Close()
			s.conn.SetReadDeadline(time.Now())
		})
	}
	rep, err := s.readReply(wait)
	if stopWire != nil {
		stopWire()
	}
	if ch.ln != nil && filtered() {
		dc.Connect = s.clock.finish(st, OutcomeTimeout)
		dc.Connect.Error = fmt.Sprintf("accept data connection on %s: %s", dc.Listened, wireVerdictInbound)
		<-accepted
		tr.Step = s.clock.finish(st, OutcomeTimeout)
		tr.Step.Error = "the data connection never opened"
		return tr, nil
	}
	if ch.ln != nil {
		s.finishActive(ch, dc, st, accepted, replyOrError(rep, err))
	}
	if err != nil {
		tr.Step = s.clock.fail(st, err)
		return tr, nil
	}
	if !rep.Preliminary() {
		tr.Step = s.clock.replied(st, rep)
		tr.Final = tr.Step.Reply
		if rep.Completion() {
			// 2xx without 1xx: nothing was transferred; not a success.
			tr.Step.Outcome = OutcomeProtocol
			tr.Step.Error = "completion reply without a preliminary 1xx reply"
		}
		return tr, nil
	}
	if ch.conn == nil {
		tr.Step = s.clock.finish(st, dc.Connect.Outcome)
		tr.Step.Error = "the data connection never opened"
		return tr, nil
	}
	if !s.secureData(ch, dc, &tr, st) { // TLS on the data connection (tls.go)
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
	fin, err := s.readReply(s.opts.ReplyTimeout)
	if err != nil {
		tr.Step = s.clock.fail(st, err)
		return tr, data
	}
	tr.Final = &fin
	tr.Step = s.clock.replied(st, fin)
	return tr, data
}

type acceptResult struct {
	conn net.Conn
	err  error
}

func replyOrError(rep ftp.Reply, err error) error {
	if err != nil {
		return err
	}
	if rep.Code >= 400 {
		return replyError{rep}
	}
	return nil
}

type replyError struct{ rep ftp.Reply }

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
		ch.ln.Close()
		res := <-accepted
		if res.conn != nil {
			res.conn.Close()
		}
		dc.Connect = s.clock.replied(st, re.rep)
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
// bounds; a listener without deadlines is closed after the data timeout.
func (s *session) waitAccept(ln net.Listener, accepted chan acceptResult) acceptResult {
	timer := time.NewTimer(s.opts.DataTimeout + time.Second)
	defer timer.Stop()
	select {
	case res := <-accepted:
		return res
	case <-timer.C:
		ln.Close()
		<-accepted
		return acceptResult{err: fmt.Errorf("no connection within %s: %w", s.opts.DataTimeout, os.ErrDeadlineExceeded)}
	}
}

// abort sends ABOR after the data connection was closed early and reads
// the replies (426 then 226/225 from most servers, one reply from some).
// It returns the first reply.
func (s *session) abort() *ftp.Reply {
	if s.send("ABOR", "") != nil {
		return nil
	}
	var first *ftp.Reply
	for i := 0; i < 2; i++ {
		rep, err := s.readReply(abortReplyWait)
		if err != nil {
			break
		}
		if first == nil {
			r := rep
			first = &r
		}
		if rep.Code == 225 || rep.Code == 226 {
			break
		}
	}
	return first
}
