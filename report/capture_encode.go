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
// GOMAXPROCS workers (inOrder), and hands the encoded sessions to write
// one at a time, in order. Each diagnosis has the report's version; with
// clean it is a cleanCopy (the text formats).
func (c *CaptureDiagnosis) encodeEach(version string, clean bool, encode sessionEncoder, write func([]byte) error) error {
	return inOrder(c, true, func(sc *scratch, d *Diagnosis) ([]byte, error) {
		dd := *d
		dd.Version = version
		if clean {
			return encode(sc, cleanCopy(&dd))
		}
		return encode(sc, &dd)
	}, write)
}

// inOrder makes each session's diagnosis on up to GOMAXPROCS workers,
// turns it into a T with made (a worker's own buffers at hand), and hands
// the results to use one at a time, in session order. A streamed
// diagnosis whose rules have not run yet is judged on the way (its Summary
// filled as each session is made), so that the JSON report, whose summary
// comes last, diagnoses each session once. A worker holds one session at
// most: memory stays that of the capture's facts and a few sessions,
// whatever their number. The first error (made's or use's) stops the
// workers and is returned. With written, made is done with the session
// once it returns (it encoded it): the next session's diagnosis reuses its
// lists (sessionArena).
func inOrder[T any](c *CaptureDiagnosis, written bool, made func(*scratch, *Diagnosis) (T, error), use func(T) error) error {
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
		tn      turns
		next    atomic.Int64
		stopped atomic.Bool
		wg      sync.WaitGroup
	)
	tn.init()
	for range min(runtime.GOMAXPROCS(0), n) {
		wk := c.whole
		wk.meanings = meaningCache{}
		if written {
			wk.arena = newSessionArena()
		}
		wg.Go(func() {
			sc := &scratch{json: newJSONEncoder()}
			for i := int(next.Add(1)) - 1; i < n && !stopped.Load(); i = int(next.Add(1)) - 1 {
				d := session(wk, i)
				if c.onMade != nil {
					c.onMade()
				}
				v, err := made(sc, d)
				ok := tn.take(i, func() error {
					if c.once && c.groups != nil {
						c.groups[i] = nil // written: its facts may go (RenderOnce)
					}
					if err != nil {
						return err
					}
					return use(v)
				})
				if !ok {
					stopped.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	failed := tn.err()
	if failed != nil && judging && !c.once {
		c.Summary, c.judged = nil, nil // judged in part: judge again if asked
	}
	return failed
}
