package probe

import (
	"fmt"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// replyWatch is one control reply being read in the background while the
// probe waits for something else (an active-mode callback, the data of a
// transfer): a 425 or 421 sent then ends that wait at once and is quoted,
// instead of sitting unread until a timeout.
type replyWatch struct {
	done chan struct{}
	rep  ftp.Reply
	err  error
	at   time.Time // when the read ended
}

// watchReply starts reading the next reply in the background, bounded by
// timeout. Until it is collected (readReply and kin collect it), nothing
// else reads the control connection.
func (s *session) watchReply(timeout time.Duration) *replyWatch {
	if s.pending != nil {
		return s.pending
	}
	w := &replyWatch{done: make(chan struct{})}
	s.pending = w
	if s.broken {
		w.err = s.brokenErr()
		close(w.done)
		return w
	}
	if err := s.conn.SetReadDeadline(s.clock.deadline(timeout)); err != nil {
		w.err = fmt.Errorf("set deadline on control connection to %s: %w", s.conn.RemoteAddr(), err)
		close(w.done)
		return w
	}
	if err := s.ctx.Err(); err != nil { // as in readReplyUnrecorded
		w.err = fmt.Errorf("read reply from %s: %w", s.conn.RemoteAddr(), err)
		close(w.done)
		return w
	}
	go func() {
		defer close(w.done)
		w.rep, w.err = s.r.ReadReply()
		w.at = s.clock.now()
		if w.err != nil {
			w.err = fmt.Errorf("read reply from %s: %w", s.conn.RemoteAddr(), w.err)
		}
	}()
	return w
}

// arrived reports whether the watched reply (or its failure) is in.
func (w *replyWatch) arrived() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// collectPending waits for the background read with a new timeout (the
// pending read honours the new deadline) and returns what it got; ok is
// false when no read was pending.
func (s *session) collectPending(timeout time.Duration) (rep ftp.Reply, ok bool, err error) {
	w := s.pending
	if w == nil {
		return ftp.Reply{}, false, nil
	}
	if !w.arrived() {
		s.conn.SetReadDeadline(s.clock.deadline(timeout))
	}
	<-w.done
	s.pending = nil
	if w.err != nil {
		s.broken = true
		s.noteLost(w.err)
	}
	return w.rep, true, w.err
}

// stopPending ends a background read that is no longer wanted (the session
// is out of step from here on) and waits for its goroutine.
func (s *session) stopPending() {
	w := s.pending
	if w == nil {
		return
	}
	s.conn.SetReadDeadline(time.Unix(1, 0))
	<-w.done
	s.pending = nil
	s.broken = true
}
