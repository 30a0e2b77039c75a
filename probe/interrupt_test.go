package probe_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

// TestInterrupted: a run cancelled (Ctrl-C) or cut by its overall
// deadline says so, and the steps it cut are "interrupted", never the
// timeout that the cancellation's past deadline looks like; a step that
// really timed out before keeps its outcome.
func TestInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cancel     time.Duration // cancel the caller's context after this (0: never)
		runTimeout time.Duration
		reply      time.Duration
		wantCause  string // "" when the run is not interrupted
		wantLogin  probe.Outcome
	}{
		{name: "cancelled while waiting for a reply", cancel: 300 * time.Millisecond, reply: 10 * time.Second,
			wantCause: probe.CauseCancelled, wantLogin: probe.OutcomeInterrupted},
		{name: "overall deadline while waiting for a reply", runTimeout: 300 * time.Millisecond, reply: 10 * time.Second,
			wantCause: probe.CauseDeadline, wantLogin: probe.OutcomeInterrupted},
		{name: "a real reply timeout is not an interruption", reply: 200 * time.Millisecond,
			wantLogin: probe.OutcomeTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &ftptest.Server{Hostile: ftptest.Hostile{SilentAfterBanner: true}}
			ap := ftptest.Start(t, srv)
			tg, _, err := probe.ParseTarget("ftp://" + ap.String() + "/")
			if err != nil {
				t.Fatal(err)
			}
			probe.ResolvePassword(&tg, probe.Credentials{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel > 0 {
				time.AfterFunc(tc.cancel, cancel)
			}
			opts := probe.Options{ReplyTimeout: tc.reply, RunTimeout: tc.runTimeout, Modes: []probe.Mode{probe.ModeEPSV, probe.ModePASV}}
			res, err := probe.Run(ctx, tg, opts)
			if err != nil {
				t.Fatal(err)
			}
			lead := res.Modes[0]
			if lead.Login.Outcome != tc.wantLogin {
				t.Errorf("login %+v, want %s", lead.Login, tc.wantLogin)
			}
			if tc.wantCause == "" {
				if res.Interrupted != nil {
					t.Errorf("interrupted = %+v, want nil", res.Interrupted)
				}
				return
			}
			if res.Interrupted == nil || res.Interrupted.Cause != tc.wantCause {
				t.Fatalf("interrupted = %+v, want cause %s", res.Interrupted, tc.wantCause)
			}
			if tc.wantCause == probe.CauseDeadline && res.Interrupted.Timeout != tc.runTimeout.Seconds() {
				t.Errorf("interrupted = %+v, want timeout %v", res.Interrupted, tc.runTimeout.Seconds())
			}
			b, _ := json.Marshal(res)
			if strings.Contains(string(b), `"outcome":"timeout"`) {
				t.Errorf("a cut step reads as a timeout: %s", b)
			}
		})
	}
}
