package probe

import (
	"fmt"
	"strings"
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

// replied ends a step with the server's reply to verb, read through
// ftp.Interpret (afterPreliminary: the reply follows the command's 1xx): ok
// for a preliminary, intermediate or success step, "reply" for a transient
// or permanent failure, protocol-error for a code the command's sequence
// does not allow (a 3xx to RETR or PORT). The caller decides whether an
// allowed intermediate reply is what it wanted.
func (c *clock) replied(s Step, verb string, rep ftp.Reply, afterPreliminary bool) Step {
	r := rep
	in := ftp.Interpret(verb, rep, afterPreliminary)
	s.Reply, s.Meaning = &r, &in
	switch in.Step {
	case ftp.StepTransient, ftp.StepPermanent:
		return c.finish(s, OutcomeReply)
	case ftp.StepViolation:
		s = c.finish(s, OutcomeProtocol)
		s.Error = violationText(verb, rep, afterPreliminary)
		return s
	}
	return c.finish(s, OutcomeOK)
}

// violationText says which command a reply broke the sequence of.
func violationText(verb string, rep ftp.Reply, afterPreliminary bool) string {
	what := "reply to " + strings.ToUpper(verb)
	if verb == ftp.Greeting {
		what = "greeting"
	}
	if afterPreliminary {
		what = "final " + what + " (after its 1xx)"
	}
	return fmt.Sprintf("%d is not a %s that FTP allows: %s", rep.Code, what, rep.Message())
}

// skipped marks a step that did not run because an earlier one failed.
func skipped(why string) Step { return Step{Outcome: OutcomeSkipped, Error: why} }

// notApplicable marks a step that does not apply.
func notApplicable(why string) Step { return Step{Outcome: OutcomeNotApplicable, Error: why} }
