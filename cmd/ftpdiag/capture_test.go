package main

import (
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/probe"
)

func TestGraceFor(t *testing.T) {
	connect := func(rtt float64) probe.ModeResult {
		return probe.ModeResult{Connect: probe.Step{Outcome: probe.OutcomeOK, T0: 1, T: 1 + rtt}}
	}
	tests := []struct {
		name  string
		modes []probe.ModeResult
		want  time.Duration
	}{
		{"LAN: the floor", []probe.ModeResult{connect(0.001)}, minGrace},
		{"Internet: three round trips of the slowest connect", []probe.ModeResult{connect(0.05), connect(0.2)}, 600 * time.Millisecond},
		{"satellite: the ceiling", []probe.ModeResult{connect(0.9)}, maxGrace},
		{"nothing connected", []probe.ModeResult{{Connect: probe.Step{Outcome: probe.OutcomeTimeout, T0: 0, T: 5}}}, minGrace},
	}
	for _, tc := range tests {
		got := graceFor(&probe.Result{Modes: tc.modes})
		if d := got - tc.want; d > time.Millisecond || d < -time.Millisecond {
			t.Errorf("%s: grace %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestValidateCaptureFlags(t *testing.T) {
	tests := []struct {
		mode, pcap, want string
		err              bool
	}{
		{"auto", "", "auto", false},
		{"auto", "x.pcapng", "on", false},
		{"on", "", "on", false},
		{"off", "", "off", false},
		{"off", "x.pcapng", "", true},
		{"sometimes", "", "", true},
	}
	for _, tc := range tests {
		got, err := validateCaptureFlags(tc.mode, tc.pcap)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("validateCaptureFlags(%q, %q) = %q, %v", tc.mode, tc.pcap, got, err)
		}
	}
}
