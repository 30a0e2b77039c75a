package probe

import (
	"context"
	"testing"
	"time"
)

// TestInterruptDeadlineBeforeTimer: every wait of a run ended at its
// overall deadline (the sockets' deadlines are the context's), and the run
// finished before the context's own timer fired: the run was cut by the
// deadline all the same, and the step that waited is interrupted, not a
// timeout (a loaded machine did this: "control-failed" for a run cut by
// --timeout).
func TestInterruptDeadlineBeforeTimer(t *testing.T) {
	tests := []struct {
		name      string
		passed    bool // the run's deadline has passed at finish
		wantCause string
	}{
		{"deadline passed, timer not yet fired", true, CauseDeadline},
		{"deadline not passed", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{zero: time.Now(), now: time.Now}
			// A context whose timer is far away: the race's state.
			ctx, cancel, w := withRunDeadline(context.Background(), time.Hour, c)
			defer cancel()
			if tt.passed {
				w.deadline = time.Now().Add(-time.Millisecond)
			}
			res := &Result{Modes: []ModeResult{{Mode: ModeEPSV, Applicable: true}}}
			res.Modes[0].Login = Step{T0: 0, T: c.offset(), Outcome: OutcomeTimeout, Error: "i/o timeout"}
			w.finish(ctx, res, 400*time.Millisecond)
			switch {
			case tt.wantCause == "" && res.Interrupted != nil:
				t.Errorf("interrupted %+v, want none", res.Interrupted)
			case tt.wantCause == "":
				if res.Modes[0].Login.Outcome != OutcomeTimeout {
					t.Errorf("login %s, want the timeout kept", res.Modes[0].Login.Outcome)
				}
			case res.Interrupted == nil || res.Interrupted.Cause != tt.wantCause:
				t.Errorf("interrupted %+v, want cause %s", res.Interrupted, tt.wantCause)
			case res.Modes[0].Login.Outcome != OutcomeInterrupted:
				t.Errorf("login %s, want interrupted", res.Modes[0].Login.Outcome)
			}
		})
	}
}
