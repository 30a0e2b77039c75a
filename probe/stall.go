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
func (s *session) readData(c net.Conn, limit int64, keep int, tr *Transfer) ([]byte, int64, bool, error) {
	var kept bytes.Buffer
	buf := make([]byte, readBuffer)
	var n int64
	end := s.clock.deadline(s.opts.TransferTimeout)
	// Cancellation interrupts a blocked read at once; the deadline set
	// below each turn is checked against it right after being set.
	stop := context.AfterFunc(s.ctx, func() { c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		wait := s.opts.DataTimeout
		if n > 0 {
			wait = s.opts.StallTimeout
		}
		dl := s.clock.deadline(wait)
		if dl.After(end) {
			dl = end
		}
		if err := c.SetReadDeadline(dl); err != nil {
			return kept.Bytes(), n, false, err
		}
		if err := s.ctx.Err(); err != nil {
			return kept.Bytes(), n, false, err
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
