package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

func ids(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func find(fs []Finding, id string) *Finding {
	for i := range fs {
		if fs[i].ID == id {
			return &fs[i]
		}
	}
	return nil
}

// Scenarios named for the verdict they expect.
func TestDiagnoseScenarios(t *testing.T) {
	pf := scenarioPassiveFiltered()
	tests := []struct {
		name    string
		r       *probe.Result
		ev      *capture.Evidence
		want    []string
		notWant []string
		exit    int
		verdict string
	}{
		{"healthy: no errors", scenarioHealthy(), nil, []string{"capture-unavailable"}, []string{"data-connection-failed"}, 0, "All four data modes work"},
		{"passive range dropped: passive-port-filtered", pf, evidencePassiveFiltered(pf), []string{"passive-port-filtered"}, []string{"capture-unavailable", "data-connection-failed"}, 1, "open TCP ports 40001-40011"},
		{"nat without pasv_address: warning only", scenarioNATPrivate(), nil, []string{"pasv-private-address"}, nil, 0, "pasv_address=203.0.113.10"},
		{"client NAT: active-address-rejected", scenarioActiveRejected(), nil, []string{"active-address-rejected"}, []string{"active-disabled", "data-connection-failed"}, 1, "Passive mode works and active mode fails"},
		{"wrong password: login-failed", scenarioLoginFailed(), nil, []string{"login-failed"}, []string{"control-failed"}, 1, "rejected the login"},
		{"port_enable=NO: active-disabled", activeDisabled(), nil, []string{"active-disabled"}, []string{"active-address-rejected"}, 1, "tell users to use passive mode"},
		{"REJECT with tcp-reset: passive-port-refused", passiveRefused(), nil, []string{"passive-port-refused"}, nil, 1, ""},
		{"nothing listens: control-refused", controlRefused(), nil, []string{"control-refused"}, []string{"control-failed"}, 1, "refuses connections"},
		{"pasv_enable=NO: passive-disabled", passiveDisabled(), nil, []string{"passive-disabled"}, []string{"epsv-unsupported"}, 1, ""},
		{"callback dropped here", callbackTimeout(), callbackEvidence(true), []string{"active-callback-dropped-locally"}, []string{"active-callback-blocked"}, 1, ""},
		{"callback never arrived", callbackTimeout(), callbackEvidence(false), []string{"active-callback-blocked"}, []string{"active-callback-dropped-locally"}, 1, ""},
		{"RETR 550: transfer-denied warning", retrDenied(), nil, []string{"transfer-denied"}, nil, 0, ""},
		{"stall after bytes: transfer-stalled", stalled(), nil, []string{"transfer-stalled"}, nil, 1, ""},
		{"vsftpd demands TLS: tls-required", tlsRequired(), nil, []string{"tls-required"}, []string{"login-failed"}, 1, ""},
		{"421 too many: server-busy", busy(), nil, []string{"server-busy"}, nil, 1, ""},
		{"unknown failure: fallback", unknownFailure(), nil, []string{"data-connection-failed"}, nil, 1, ""},
		{"230 then close: control-closed, not four data failures", closedAfterLogin(), nil, []string{"control-closed"}, []string{"data-connection-failed", "control-failed"}, 1, "control connection was closed after login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diagnose(tt.r, tt.ev)
			got := ids(d.Findings)
			for _, id := range tt.want {
				if !slices.Contains(got, id) {
					t.Errorf("missing %s in %v", id, got)
				}
			}
			for _, id := range tt.notWant {
				if slices.Contains(got, id) {
					t.Errorf("unexpected %s in %v", id, got)
				}
			}
			if d.ExitCode() != tt.exit {
				t.Errorf("exit = %d, want %d (%v)", d.ExitCode(), tt.exit, got)
			}
			if !strings.Contains(d.Verdict, tt.verdict) {
				t.Errorf("verdict %q lacks %q", d.Verdict, tt.verdict)
			}
			// Exit-code contract: every failing mode is named by an error.
			for _, mr := range tt.r.Modes {
				if !mr.Applicable || mr.Works {
					continue
				}
				if errFor(d.Findings, []string{string(mr.Mode)}) == nil {
					t.Errorf("mode %s fails without an error finding: %v", mr.Mode, got)
				}
			}
		})
	}
}

func TestPassiveFilteredDetails(t *testing.T) {
	pf := scenarioPassiveFiltered()
	f := find(Diagnose(pf, evidencePassiveFiltered(pf)).Findings, "passive-port-filtered")
	if f.Inferred || !strings.Contains(f.Explanation, "4 samples") {
		t.Errorf("inferred=%v explanation=%q", f.Inferred, f.Explanation)
	}
	var lines []string
	for _, fx := range f.Fixes {
		lines = append(lines, fx.Lines...)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"iptables -A INPUT -p tcp --dport 40001:40011 -j ACCEPT", "firewall-cmd --permanent --add-port=40001-40011/tcp", "ufw allow 40001:40011/tcp", "pasv_min_port=40001"} {
		if !strings.Contains(all, want) {
			t.Errorf("fixes lack %q", want)
		}
	}
	if !strings.Contains(f.Evidence[1].Text, "sent 3 times, no SYN-ACK") || f.Evidence[1].Packet != 10 {
		t.Errorf("wire evidence = %+v", f.Evidence[1])
	}
	// Without a capture the same finding is inferred.
	g := find(Diagnose(scenarioPassiveFiltered(), nil).Findings, "passive-port-filtered")
	if !g.Inferred || !strings.Contains(g.Explanation, "inferred from the client's view") {
		t.Errorf("no-capture finding not marked inferred: %+v", g)
	}
}

func TestPrivateAddressFixesBySoftware(t *testing.T) {
	r := scenarioNATPrivate()
	f := find(Diagnose(r, nil).Findings, "pasv-private-address")
	if f.Severity != SeverityWarning || f.Fixes[0].For != "vsftpd" || f.Fixes[0].Lines[0] != "pasv_address=203.0.113.10" {
		t.Errorf("vsftpd fix = %+v", f)
	}
	r.Server = probe.Server{}
	f = find(Diagnose(r, nil).Findings, "pasv-private-address")
	var fors []string
	for _, fx := range f.Fixes {
		fors = append(fors, fx.For)
	}
	for _, k := range softwareKeys {
		if !slices.Contains(fors, k) {
			t.Errorf("unknown software: no %s fix in %v", k, fors)
		}
	}
}

func activeDisabled() *probe.Result {
	r := scenarioActiveRejected()
	for i := 2; i < 4; i++ {
		r.Modes[i].ListData.Setup.Reply = rep(550, "550 Permission denied.")
	}
	return r
}

func passiveRefused() *probe.Result {
	r := scenarioPassiveFiltered()
	for i := 0; i < 2; i++ {
		for _, dc := range []*probe.DataConn{&r.Modes[i].ListData, r.Modes[i].RetrData} {
			dc.Connect = fail(probe.OutcomeRefused, dc.Connect.T0, dc.Connect.T0+0.001, nil)
		}
	}
	return r
}

func controlRefused() *probe.Result {
	r := baseResult()
	r.Target.Port = 2121
	for _, m := range probe.AllModes {
		r.Modes = append(r.Modes, probe.ModeResult{Mode: m, Applicable: true, Connect: fail(probe.OutcomeRefused, 0, 0.001, nil),
			Banner: probe.Step{Outcome: probe.OutcomeSkipped}, Login: probe.Step{Outcome: probe.OutcomeSkipped}})
	}
	return r
}

func passiveDisabled() *probe.Result {
	r := scenarioPassiveFiltered()
	for i := 0; i < 2; i++ {
		mr := &r.Modes[i]
		mr.ListData.Setup = fail(probe.OutcomeReply, 0.1, 0.2, rep(550, "550 Permission denied."))
		mr.ListData.Connect = probe.Step{Outcome: probe.OutcomeSkipped}
		mr.RetrData, mr.Retr = nil, nil
	}
	return r
}

func callbackTimeout() *probe.Result {
	r := scenarioHealthy()
	for i := 2; i < 4; i++ {
		timeoutAttempt(&r.Modes[i])
		r.Modes[i].List.Step = fail(probe.OutcomeReply, 5, 5.1, rep(425, "425 Failed to establish connection."))
	}
	return r
}

func callbackEvidence(arrived bool) *capture.Evidence {
	ev := &capture.Evidence{Available: true, Packets: 40}
	if arrived {
		r := callbackTimeout()
		for i := 2; i < 4; i++ {
			for j, dc := range []*probe.DataConn{&r.Modes[i].ListData, r.Modes[i].RetrData} {
				c := &capture.Conn{Initiator: netip_MustAP(pubIP + ":20"), Responder: netip_MustAP(dc.Listened), SYNs: []capture.PacketRef{{T: dc.Connect.T0 + 0.01, Packet: 7 + 2*i + j}}}
				ev.UnansweredInboundSYNs = append(ev.UnansweredInboundSYNs, c)
			}
		}
	}
	return ev
}

func retrDenied() *probe.Result {
	r := scenarioHealthy()
	for i := range r.Modes {
		r.Modes[i].Retr.Step = fail(probe.OutcomeReply, 1, 1.1, rep(550, "550 Failed to open file."))
		r.Modes[i].Retr.Bytes = 0
	}
	return r
}

func stalled() *probe.Result {
	r := scenarioHealthy()
	r.Modes[1].Retr.Step = fail(probe.OutcomeStalled, 1, 6, nil)
	r.Modes[1].Retr.Bytes = 2896
	return r
}

func tlsRequired() *probe.Result {
	r := scenarioLoginFailed()
	for i := range r.Modes {
		r.Modes[i].Login.Reply = rep(530, "530 Non-anonymous sessions must use encryption.")
	}
	return r
}

func busy() *probe.Result {
	r := scenarioHealthy()
	r.Modes[3].Banner = fail(probe.OutcomeReply, 0.1, 0.2, rep(421, "421 There are too many connections from your internet address."))
	r.Modes[3].Login = probe.Step{Outcome: probe.OutcomeSkipped}
	r.Modes[3].Works = false
	return r
}

// closedAfterLogin: the server answers 230 and closes the control
// connection; every mode's first command after login gets EOF.
func closedAfterLogin() *probe.Result {
	r := scenarioHealthy()
	for i := range r.Modes {
		mr := &r.Modes[i]
		mr.ListData = probe.DataConn{Setup: probe.Step{Outcome: probe.OutcomeClosed, T0: 0.1, T: 0.1, Error: "control connection lost earlier: read reply from 203.0.113.10:21: EOF"},
			Connect: probe.Step{Outcome: probe.OutcomeSkipped}}
		mr.List = probe.Transfer{Command: "LIST", Step: probe.Step{Outcome: probe.OutcomeSkipped}}
		mr.RetrData, mr.Retr = nil, nil
		mr.Works = false
	}
	return r
}

func unknownFailure() *probe.Result {
	r := scenarioHealthy()
	// The data connection reset after the 150: no rule knows why.
	r.Modes[0].List.Step = fail(probe.OutcomeReset, 1, 1.1, nil)
	r.Modes[0].List.Preliminary = rep(150, "150 Here comes the directory listing.")
	r.Modes[0].List.Bytes = 0
	r.Modes[0].Works = false
	return r
}
