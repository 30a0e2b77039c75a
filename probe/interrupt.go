package probe

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// A run ends early when it is cancelled (Ctrl-C, SIGTERM) or when its
// overall deadline (Options.RunTimeout) passes. Cancellation ends every
// wait at once, by setting a past deadline, so the step that was waiting
// fails as a timeout, a closed connection or an error that says nothing of
// the network. Those steps are re-marked OutcomeInterrupted, and
// Result.Interrupted says when and why, so the report never reads a cut
// as a firewall.

// OutcomeInterrupted is part of the closed outcome vocabulary: the run was
// cancelled or reached its overall deadline while the step waited.
const OutcomeInterrupted Outcome = "interrupted"

// DefaultRunTimeout bounds a whole run: a slow server (each reply near the
// reply timeout) cannot hold the probe longer. It is a little under three
// minutes.
const DefaultRunTimeout = 2*time.Minute + 50*time.Second

// The causes of an interruption (Interruption.Cause).
const (
	CauseCancelled = "cancelled" // the caller cancelled (Ctrl-C, SIGTERM)
	CauseDeadline  = "deadline"  // the run's overall deadline passed
)

// Interruption says that the run ended before every step had run.
type Interruption struct {
	// T is when the run was cut, in seconds since the probe's zero time.
	T float64 `json:"t"`
	// Cause is CauseCancelled or CauseDeadline.
	Cause string `json:"cause"`
	// Timeout is the overall deadline in seconds (Cause deadline).
	Timeout float64 `json:"timeout,omitempty"`
}

// errRunDeadline is the cause of the run context's own deadline.
var errRunDeadline = errors.New("the run's overall deadline passed")

// cutSlack: a step that failed this long before the cut is counted as
// cut too (the cut is noted by a goroutine that may run a little after
// the waits it ended).
const cutSlack = 0.1

// interruptWatch notes when the run's context ends.
type interruptWatch struct {
	at    float64       // written once, before noted is closed
	noted chan struct{} // closed once at is set
	stop  func() bool
	// deadline is the run's own deadline (wall clock, as the context's);
	// c the probe's clock.
	deadline time.Time
	c        *clock
}

// withRunDeadline bounds ctx by the run timeout and starts noting when it
// ends; finish marks the result.
func withRunDeadline(ctx context.Context, timeout time.Duration, c *clock) (context.Context, context.CancelFunc, *interruptWatch) {
	w := &interruptWatch{noted: make(chan struct{}), deadline: time.Now().Add(timeout), c: c}
	ctx, cancel := context.WithDeadlineCause(ctx, w.deadline, errRunDeadline)
	w.stop = context.AfterFunc(ctx, func() {
		w.at = c.offset()
		close(w.noted)
	})
	return ctx, cancel, w
}

// finish records the interruption in res and re-marks the steps it cut.
// A run whose every wait was ended by the overall deadline can finish
// before the context's own timer fires (the sockets' deadlines are the
// same instant): that run was cut all the same.
func (w *interruptWatch) finish(ctx context.Context, res *Result, timeout time.Duration) {
	stopped := w.stop()
	deadline := !time.Now().Before(w.deadline)
	var at float64
	switch {
	case !stopped && ctx.Err() != nil:
		<-w.noted // the AfterFunc has started: it only sets at
		at = w.at
	case stopped && deadline:
		at = w.c.offset()
	default:
		return // never cut
	}
	in := &Interruption{T: at, Cause: CauseCancelled}
	why := "the run was interrupted (cancelled) while this step waited"
	if cause := context.Cause(ctx); errors.Is(cause, errRunDeadline) || errors.Is(cause, context.DeadlineExceeded) || (stopped && deadline) {
		in.Cause, in.Timeout = CauseDeadline, timeout.Seconds()
		why = fmt.Sprintf("the run's overall deadline (%s) passed while this step waited", timeout)
	}
	res.Interrupted = in
	markCut(res, at-cutSlack, why)
}

// cutOutcomes are what a wait ended by cancellation looks like.
var cutOutcomes = map[Outcome]bool{
	OutcomeTimeout: true, OutcomeClosed: true, OutcomeError: true, OutcomeReset: true,
	OutcomeTLS: true, OutcomeTLSHandshake: true, OutcomeStalled: true, OutcomeDNS: true,
}

var stepType = reflect.TypeOf(Step{})

// markCut re-marks every failed step of res that ended at or after from
// with an outcome a cancellation produces.
func markCut(res *Result, from float64, why string) {
	walkValues(reflect.ValueOf(res), func(v reflect.Value) bool {
		if v.Type() != stepType || !v.CanSet() {
			return false
		}
		st := v.Addr().Interface().(*Step)
		if cutOutcomes[st.Outcome] && st.T >= from {
			st.Outcome, st.Error = OutcomeInterrupted, why
		}
		return true
	})
}
