package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// stallError is a transfer that started and then made no progress for the
// stall timeout: the signature of a path-MTU black hole (small segments
// pass, full-size ones die) or of a middlebox that freezes data
// connections. It unwraps to os.ErrDeadlineExceeded.
type stallError struct {
	bytes   int64
	largest int
	idle    time.Duration
}

func (e *stallError) Error() string {
	return fmt.Sprintf("stalled: no data for %s after %d bytes (largest read %d bytes)", e.idle, e.bytes, e.largest)
}

func (e *stallError) Unwrap() error { return os.ErrDeadlineExceeded }

// readBuffer is the size of one read from a data connection.
const readBuffer = 32 << 10

// readData reads until EOF or limit bytes, keeping the first keep bytes and
// recording the largest read in tr. The first byte may take the data
// timeout; once data flows, a gap longer than the stall timeout is a
// stall (*stallError); the whole read is bounded by the transfer timeout.
func (s *session) readData(c net.Conn, limit int64, keep int, tr *Transfer, fin finalWatch) ([]byte, int64, bool, error) {
	var kept bytes.Buffer
	buf := make([]byte, readBuffer)
	var n int64
	end := s.clock.deadline(s.opts.TransferTimeout)
	// Cancellation interrupts a blocked read at once; the deadline set
	// below each turn is checked against it right after being set. The
	// final reply's arrival interrupts it too, and is checked the same way.
	stop := context.AfterFunc(s.ctx, func() { c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	stopNudge := fin.nudge(c)
	defer stopNudge()
	grace := s.notClosedGrace()
	for {
		wait := s.opts.DataTimeout
		if n > 0 {
			wait = s.opts.StallTimeout
		}
		dl := s.clock.deadline(wait)
		if dl.After(end) {
			dl = end
		}
		finDL, err := fin.verdict(grace)
		if err != nil {
			return kept.Bytes(), n, false, err
		}
		if !finDL.IsZero() && finDL.Before(dl) {
			dl = finDL
		}
		if err := c.SetReadDeadline(dl); err != nil {
			return kept.Bytes(), n, false, err
		}
		if err := s.ctx.Err(); err != nil {
			return kept.Bytes(), n, false, err
		}
		if fin.arrived() && finDL.IsZero() {
			continue // it came meanwhile: decide again
		}
		want := int64(len(buf))
		if rest := limit - n; rest < want {
			want = rest
		}
		m, err := c.Read(buf[:want])
		if m > 0 {
			t := s.clock.offset()
			if tr.Times.FirstByte == nil {
				tr.Times.FirstByte = ptr(t)
			}
			tr.Times.LastByte = ptr(t)
			if room := keep - kept.Len(); room > 0 {
				kept.Write(buf[:min(m, room)])
			}
			n += int64(m)
			tr.LargestRead = max(tr.LargestRead, m)
		}
		if n >= limit {
			return kept.Bytes(), n, true, nil
		}
		if errors.Is(err, io.EOF) {
			tr.Times.ServerClosed = ptr(s.clock.offset())
			return kept.Bytes(), n, false, nil
		}
		if err != nil {
			if s.ctx.Err() != nil {
				return kept.Bytes(), n, false, s.ctx.Err()
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// The final reply's arrival interrupts the read (its nudge
				// may land after the loop has already seen it): decide
				// again unless the grace it left has run out.
				if fin.arrived() && (finDL.IsZero() || s.clock.now().Before(finDL)) {
					continue
				}
				if fin.arrived() {
					return kept.Bytes(), n, false, errNotClosed
				}
				if !s.clock.now().Before(end) {
					return kept.Bytes(), n, false, fmt.Errorf("transfer not finished within %s (%d bytes): %w", s.opts.TransferTimeout, n, err)
				}
				if n > 0 {
					return kept.Bytes(), n, false, &stallError{bytes: n, largest: tr.LargestRead, idle: wait}
				}
			}
			return kept.Bytes(), n, false, err
		}
		if s.ctx.Err() != nil {
			return kept.Bytes(), n, false, s.ctx.Err()
		}
	}
}

// errFinalReply ends a data read because the transfer's final reply came
// and is a failure (426, 421, 425 after the 150): the server has given up.
var errFinalReply = errors.New("the server ended the transfer with its final reply")

// errNotClosed ends a data read because the server completed the transfer
// (2xx) and then did not close the data connection within the grace.
var errNotClosed = errors.New("the server completed the transfer but did not close the data connection")

// finalWatch is the transfer's final reply being read during the data read.
type finalWatch struct {
	w    *replyWatch
	verb string
}

func (f finalWatch) arrived() bool { return f.w != nil && f.w.arrived() && f.w.err == nil }

// nudge interrupts a blocked data read once the final reply arrives, so the
// read loop decides again; stop ends the watch.
func (f finalWatch) nudge(c net.Conn) (stop func()) {
	if f.w == nil {
		return func() {}
	}
	quit := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-f.w.done:
			// A failed control read is not an answer: the data read
			// goes on undisturbed (the failure is met afterwards).
			if f.w.err == nil {
				c.SetReadDeadline(time.Unix(1, 0))
			}
		case <-quit:
		}
	}()
	return func() {
		close(quit)
		<-exited
	}
}

// verdict reads the final reply once it has arrived: a failure ends the
// read (errFinalReply); a completion leaves the server grace to close the
// data connection (the deadline returned). Nothing arrived (or the control
// connection failed, which the caller meets later): zero deadline, nil.
func (f finalWatch) verdict(grace time.Duration) (time.Time, error) {
	if !f.arrived() {
		return time.Time{}, nil
	}
	if ftp.Interpret(f.verb, f.w.rep, true).Step != ftp.StepSuccess {
		return time.Time{}, errFinalReply
	}
	return f.w.at.Add(grace), nil
}

// failsWithin waits at most d for the final reply and reports whether it
// came and is a failure.
func (f finalWatch) failsWithin(ctx context.Context, d time.Duration) bool {
	if f.w == nil {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-f.w.done:
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
	return f.w.err == nil && ftp.Interpret(f.verb, f.w.rep, true).Step != ftp.StepSuccess
}

// notClosedGrace is how long the data connection may stay open after the
// server's completion reply: servers close it before or with the reply,
// so a few round trips suffice (never less than notClosedMin, never more
// than the stall timeout).
func (s *session) notClosedGrace() time.Duration {
	rtt := time.Duration(max(0, s.mr.Connect.T-s.mr.Connect.T0) * float64(time.Second))
	return min(max(notClosedRoundTrips*rtt, notClosedMin), s.opts.StallTimeout)
}

const (
	notClosedRoundTrips = 8
	notClosedMin        = 250 * time.Millisecond
)
