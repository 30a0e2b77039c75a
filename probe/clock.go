package probe

import (
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// clock turns wall readings into offsets from the probe's zero time, using
// the monotonic clock, so every step shares one timeline with the capture.
type clock struct {
	zero time.Time
	now  func() time.Time
}

func (c *clock) offset() float64 { return c.now().Sub(c.zero).Seconds() }

func (c *clock) deadline(d time.Duration) time.Time { return c.now().Add(d) }

// begin starts a step.
func (c *clock) begin() Step { return Step{T0: c.offset()} }

func (c *clock) finish(s Step, o Outcome) Step {
	s.T = c.offset()
	s.Outcome = o
	return s
}

// ok ends a step successfully.
func (c *clock) ok(s Step) Step { return c.finish(s, OutcomeOK) }

// fail ends a step with a classified error.
func (c *clock) fail(s Step, err error) Step {
	s = c.finish(s, classify(err))
	s.Error = err.Error()
	return s
}

// replied ends a step with the server's reply: ok when positive, "reply"
// when 4xx or 5xx.
func (c *clock) replied(s Step, rep ftp.Reply) Step {
	r := rep
	s.Reply = &r
	if rep.Code >= 400 {
		return c.finish(s, OutcomeReply)
	}
	return c.finish(s, OutcomeOK)
}

// skipped marks a step that did not run because an earlier one failed.
func skipped(why string) Step { return Step{Outcome: OutcomeSkipped, Error: why} }

// notApplicable marks a step that does not apply.
func notApplicable(why string) Step { return Step{Outcome: OutcomeNotApplicable, Error: why} }
