package probe

import (
	"errors"
	"fmt"
	"net"
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
	// The final reply is read meanwhile: a failure (426, 421, 425 after
	// the 150) ends the read at once, a completion that is not followed by
	// the data connection's close ends it after a short grace.
	fin := s.watchReply(s.opts.TransferTimeout + s.opts.ReplyTimeout)
	data, n, reachedLimit, rerr := s.readData(ch.conn, limit, keep, &tr, finalWatch{fin, verb})
	tr.Bytes = n
	// A data connection the server reset or closed early as it gave up
	// comes with its failure reply (421, 426): the reply, read within a
	// short grace, is its word on why.
	dataLost := rerr != nil && s.ctx.Err() == nil && finalWatch{fin, verb}.failsWithin(s.ctx, s.notClosedGrace())
	if dataLost || errors.Is(rerr, errFinalReply) || errors.Is(rerr, errNotClosed) {
		ch.conn.Close()
		s.finalReply(&tr, verb, st)
		if tr.Final != nil && !fin.at.IsZero() {
			// The reply came during the read (the step ends now, after
			// the grace for the close): its own moment on the timeline.
			tr.Times.Final = ptr(fin.at.Sub(s.clock.zero).Seconds())
		}
		return tr, data
	}
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
// (active.go: the server connects back before or after its 1xx reply), and
// under PROT P it runs TLS on the data connection. ok is true when data may
// flow on ch.conn; otherwise tr.Step (and tr.Final when the server
// answered) say why. rep is the reply read (zero when none was).
func (s *session) startData(ch *dataChannel, dc *DataConn, tr *Transfer, verb, arg string, st Step) (rep ftp.Reply, ok bool) {
	if ch.ln != nil {
		return s.startActive(ch, dc, tr, verb, arg, st)
	}
	if err := s.send(verb, arg); err != nil {
		tr.Step = s.clock.fail(st, err)
		return ftp.Reply{}, false
	}
	return s.dataReady(ch, dc, tr, verb, st, nil)
}

// dataReady is the common end of a data command's start, passive or
// active: the server's first reply (read here unless the callback wait
// already read and checked it: first), then TLS on the data connection.
func (s *session) dataReady(ch *dataChannel, dc *DataConn, tr *Transfer, verb string, st Step, first *ftp.Reply) (ftp.Reply, bool) {
	var rep ftp.Reply
	if first != nil {
		rep = *first
	} else {
		var err error
		if rep, err = s.readReply(s.opts.ReplyTimeout); err != nil {
			tr.Step = s.clock.fail(st, err)
			return ftp.Reply{}, false
		}
		if !s.firstReply(tr, verb, rep, st) {
			return rep, false
		}
	}
	if !s.secureData(ch, dc, tr, st) { // TLS on the data connection (tls.go)
		return rep, false
	}
	return rep, true
}

// firstReply reads the first reply to a transfer command: a 1xx opens the
// transfer (recorded in tr); anything else ends it and completes tr.
func (s *session) firstReply(tr *Transfer, verb string, rep ftp.Reply, st Step) bool {
	first := s.clock.replied(st, verb, rep, false)
	if first.Meaning.Step == ftp.StepPreliminary {
		tr.Preliminary = first.Reply
		tr.Times.Preliminary = ptr(first.T)
		return true
	}
	tr.Step = first
	tr.Final = first.Reply
	tr.Times.Final = ptr(first.T)
	if first.OK() {
		// 2xx without 1xx: nothing was transferred; not a success.
		tr.Step.Outcome = OutcomeProtocol
		tr.Step.Error = "completion reply without a preliminary 1xx reply"
	}
	return false
}

type acceptResult struct {
	conn net.Conn
	err  error
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
