package report

import (
	"testing"

	"github.com/ftpdiag/ftpdiag/probe"
)

// TestPasvPortSuspiciousResponder: an ftpdiag responder listens on the
// system's ephemeral ports, spread at random: a far port is no outlier
// there, a port below 1024 still is; any other server's far port is.
func TestPasvPortSuspiciousResponder(t *testing.T) {
	responderFeat := []string{"EPSV", "FTPDIAG-RESPONDER devel 00112233445566778899aabbccddeeff"}
	tests := []struct {
		name  string
		feat  []string
		ports []string
		want  bool
	}{
		{"responder, far ephemeral port", responderFeat, []string{"40000", "40010", "60000"}, false},
		{"responder, port 22", responderFeat, []string{"40000", "40010", "22"}, true},
		{"other server, far port", []string{"EPSV"}, []string{"40000", "40010", "60000"}, true},
	}
	ok := probe.Step{Outcome: probe.OutcomeOK}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mr := probe.ModeResult{Mode: probe.ModeEPSV, Applicable: true, Connect: ok, Banner: ok, Login: ok}
			for i, p := range tt.ports {
				mr.PasvSamples = append(mr.PasvSamples, probe.PasvSample{T: float64(i), Announced: "192.0.2.9:" + p})
			}
			r := &probe.Result{Modes: []probe.ModeResult{mr}}
			r.Server.Feat = tt.feat
			got := len(rulePasvPortSuspicious(newInput(r, nil))) > 0
			if got != tt.want {
				t.Errorf("pasv-port-suspicious %t, want %t", got, tt.want)
			}
		})
	}
}
