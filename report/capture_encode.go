package report

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
)

// sessionEncoder writes one session's part of a report with a worker's
// own buffers; the bytes it returns stay valid until that worker's next
// call.
type sessionEncoder func(s *scratch, d *Diagnosis) ([]byte, error)

// scratch are one worker's reusable buffers.
type scratch struct {
	json *jsonEncoder
	buf  bytes.Buffer
}

// text is an errWriter on the worker's buffer, emptied.
func (s *scratch) text() *errWriter {
	s.buf.Reset()
	return &errWriter{w: &s.buf}
}

// encodeEach makes each session's diagnosis and encodes it on up to
// GOMAXPROCS workers, and hands the encoded sessions to write one at a
// time, in order. Each diagnosis has the report's version; with clean it
// is a cleanCopy (the text formats). A streamed diagnosis whose rules have not run yet is
// judged on the way (its Summary filled as each session is made), so that
// the JSON report, whose summary comes last, diagnoses each session once.
// A worker holds one encoded session at most: memory stays that of the
// capture's facts and a few sessions, whatever their number. The first
// error (encoding or writing) stops the workers and is returned.
func (c *CaptureDiagnosis) encodeEach(version string, clean bool, encode sessionEncoder, write func([]byte) error) error {
	n := c.Len()
	judging := c.unjudged()
	if judging {
		c.startJudging()
	}
	session := func(wk wholeCapture, i int) *Diagnosis {
		switch {
		case c.Sessions != nil || c.groups == nil:
			return c.Sessions[i]
		case judging:
			d := groupDiagnosis(c.ev, wk, c.groups[i], c.base+i+1, nil, false)
			c.record(i, d)
			return d
		}
		return groupDiagnosis(c.ev, wk, c.groups[i], c.Summary[i].Session, &c.judged[i], false)
	}
	var (
		mu      sync.Mutex
		turn    = sync.NewCond(&mu)
		written int // sessions handed to write
		failed  error
		next    atomic.Int64
		stopped atomic.Bool
		wg      sync.WaitGroup
	)
	// inTurn waits for session i's turn and writes it, unless an error
	// came first; it reports whether the worker goes on.
	inTurn := func(i int, b []byte, err error) bool {
		mu.Lock()
		defer mu.Unlock()
		for written != i && failed == nil {
			turn.Wait()
		}
		if failed == nil {
			if err == nil {
				err = write(b)
			}
			failed = err
		}
		written++
		if failed != nil {
			stopped.Store(true)
		}
		turn.Broadcast()
		return failed == nil
	}
	for range min(runtime.GOMAXPROCS(0), n) {
		wk := c.whole
		wk.meanings = meaningCache{}
		wg.Go(func() {
			sc := &scratch{json: newJSONEncoder()}
			for i := int(next.Add(1)) - 1; i < n && !stopped.Load(); i = int(next.Add(1)) - 1 {
				d := *session(wk, i)
				if c.onMade != nil {
					c.onMade()
				}
				d.Version = version
				dp := &d
				if clean {
					dp = cleanCopy(dp)
				}
				b, err := encode(sc, dp)
				if !inTurn(i, b, err) {
					return
				}
			}
		})
	}
	wg.Wait()
	if failed != nil && judging {
		c.Summary, c.judged = nil, nil // judged in part: judge again if asked
	}
	return failed
}
