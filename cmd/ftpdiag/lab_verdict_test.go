//go:build linux

package main

import (
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/probe"
)

// TestLabConnectionLimitRetriedSerially: vsftpd allows two connections per
// client address, so two of the four concurrent modes are turned away with
// 421; the probe retries them one at a time, every mode works, and the
// result says so.
func TestLabConnectionLimitRetriedSerially(t *testing.T) {
	l := lab.Start(t, lab.Config{Vsftpd: lab.Vsftpd{Extra: []string{"max_per_ip=2"}}})
	rep, code, _ := probeInLab(t, l, nil, "ftp://"+l.Target.String()+"/")
	retried := 0
	for _, m := range probe.AllModes {
		mr := modeOf(t, rep, m)
		if !mr.Works {
			t.Errorf("%s does not work: %+v", m, mr.ListData)
		}
		if mr.RetriedSerially {
			retried++
			if mr.FirstAttempt == nil || mr.FirstAttempt.Reply == nil || mr.FirstAttempt.Reply.Code != 421 {
				t.Errorf("%s retried without a recorded 421: %+v", m, mr.FirstAttempt)
			}
		}
	}
	if retried == 0 {
		t.Errorf("no mode was retried; max_per_ip=2 should turn two away")
	}
	if !strings.Contains(strings.Join(rep.Probe.Notes, " "), "421") {
		t.Errorf("the result does not say modes were retried: %v", rep.Probe.Notes)
	}
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
}

// TestLabFilteredDecidedFromTheWire: with a capture, a dropped passive
// range is declared filtered once the SYN's retransmission shows it, well
// before a long data timeout.
func TestLabFilteredDecidedFromTheWire(t *testing.T) {
	sc, err := lab.ScenarioByName("passive-dropped")
	if err != nil {
		t.Fatal(err)
	}
	l := lab.Start(t, sc.Config)
	rep, _, _ := probeInLab(t, l, nil, "--capture", "on", "--data-timeout", "30s", "ftp://"+l.Target.String()+"/")
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		c := modeOf(t, rep, m).ListData.Connect
		if c.Outcome != probe.OutcomeTimeout || !strings.Contains(c.Error, "decided from the capture") {
			t.Errorf("%s: %+v, want a timeout decided from the capture", m, c)
		}
	}
	if !rep.has("passive-port-filtered") {
		t.Errorf("missing passive-port-filtered: %v", rep.ids())
	}
}
