package report

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/probe"
)

const privIP = "10.77.0.2"

// tlsMode makes a healthy mode look like it ran under explicit TLS.
func tlsMode(mr probe.ModeResult) probe.ModeResult {
	mr.TLS = &probe.ModeTLS{Handshake: ok(0, 0.01, rep(234, "234 Proceed with negotiation.")), Version: "TLS 1.3", Prot: ok(0.01, 0.02, rep(200, "200 PROT now Private.")), Level: "P"}
	for _, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
		dc.TLS = &probe.DataTLS{Handshake: ok(dc.Connect.T, dc.Connect.T+0.001, nil), Version: "TLS 1.3", Resumed: true}
	}
	return mr
}

func validCert() *probe.Certificate {
	return &probe.Certificate{Subject: "CN=ftp.example.com", Issuer: "CN=Example CA", DNSNames: []string{"ftp.example.com"},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		ServerName: pubIP, NameMatches: true, Trusted: true, Roots: "system"}
}

// scenarioALGFTPS: --tls auto; in plain text the ALG rewrites 227 to the
// public address and PASV works; under TLS the private address shows and
// the data connection is refused.
func scenarioALGFTPS() *probe.Result {
	r := scenarioHealthy()
	r.TLS = &probe.TLSResult{Requested: probe.TLSAuto, Mode: probe.TLSExplicit, Version: "TLS 1.3", Prot: "P", Certificate: validCert()}
	for i := range r.Modes {
		r.Modes[i] = tlsMode(r.Modes[i])
	}
	r.Plain = []probe.ModeResult{healthyMode(probe.ModeEPSV, 1.01, 40050), healthyMode(probe.ModePASV, 1.02, 40060)}
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		mr := r.Mode(m)
		mr.Works = false
		if m == probe.ModePASV {
			mr.ListData.Announced = privIP + ":40010"
			mr.ListData.AddressPolicy = "control-peer"
			mr.ListData.Setup.Reply = rep(227, "227 Entering Passive Mode (10,77,0,2,156,90).")
		}
		mr.ListData.Connect = fail(probe.OutcomeRefused, mr.ListData.Connect.T0, mr.ListData.Connect.T0+0.001, nil)
		mr.ListData.TLS = nil
		mr.List = probe.Transfer{Command: "LIST", Step: probe.Step{Outcome: probe.OutcomeSkipped, Error: "no data connection"}}
		mr.RetrData, mr.Retr = nil, nil
	}
	return r
}

func TestTLSFindings(t *testing.T) {
	alg := scenarioALGFTPS()

	autoPlain := scenarioHealthy()
	autoPlain.TLS = &probe.TLSResult{Requested: probe.TLSAuto, Mode: probe.TLSOff, Auth: rep(530, "530 Please login with USER and PASS.")}
	autoPlain.Modes[0].Transcript = append(autoPlain.Modes[0].Transcript, probe.Exchange{T: 0.005, Command: "AUTH TLS", Reply: rep(530, "530 Please login with USER and PASS.")})

	refused := scenarioHealthy()
	refused.Target.Scheme = "ftpes"
	refused.TLS = &probe.TLSResult{Requested: probe.TLSExplicit, Mode: probe.TLSExplicit, Auth: rep(530, "530 Please login with USER and PASS.")}
	for i := range refused.Modes {
		mr := &refused.Modes[i]
		mr.TLS = &probe.ModeTLS{Handshake: fail(probe.OutcomeReply, 0, 0.01, rep(530, "530 Please login with USER and PASS."))}
		mr.Transcript = []probe.Exchange{{Command: "AUTH TLS", Reply: rep(530, "530 Please login with USER and PASS.")}}
		mr.Works = false
		mr.Login = probe.Step{Outcome: probe.OutcomeSkipped, Error: "TLS was not established"}
	}

	badCert := scenarioHealthy()
	badCert.Target.Scheme = "ftpes"
	c := validCert()
	c.Expired, c.Trusted, c.NameMatches, c.SelfSigned = true, false, false, true
	c.Issuer = c.Subject
	badCert.TLS = &probe.TLSResult{Requested: probe.TLSExplicit, Mode: probe.TLSExplicit, Certificate: c}
	for i := range badCert.Modes {
		mr := &badCert.Modes[i]
		mr.TLS = &probe.ModeTLS{Handshake: probe.Step{Outcome: probe.OutcomeTLSCertificate, Error: "certificate not accepted: x509: certificate has expired"}}
		mr.Works = false
		mr.Login = probe.Step{Outcome: probe.OutcomeSkipped, Error: "TLS was not established"}
	}

	insecure := scenarioHealthy()
	insecure.TLS = &probe.TLSResult{Requested: probe.TLSExplicit, Mode: probe.TLSExplicit, Insecure: true, Certificate: c}
	for i := range insecure.Modes {
		insecure.Modes[i] = tlsMode(insecure.Modes[i])
	}

	reuse := scenarioHealthy()
	reuse.TLS = &probe.TLSResult{Requested: probe.TLSExplicit, Mode: probe.TLSExplicit, Certificate: validCert()}
	for i := range reuse.Modes {
		reuse.Modes[i] = tlsMode(reuse.Modes[i])
		mr := &reuse.Modes[i]
		mr.ListData.TLS.Handshake.Outcome, mr.ListData.TLS.Resumed = probe.OutcomeTLSResumption, false
		final := rep(522, "522 SSL connection failed: session reuse required")
		mr.List = probe.Transfer{Command: "LIST", Step: fail(probe.OutcomeTLSResumption, 0.1, 0.2, final), Final: final}
		mr.Works, mr.RetrData, mr.Retr = false, nil, nil
	}

	tests := []struct {
		name    string
		r       *probe.Result
		want    []string
		notWant []string
		exit    int
		verdict string
	}{
		{"ALG rewrites 227 only in plain text: alg-ftps-conflict", alg, []string{"alg-ftps-conflict"}, nil, 1, "instead of relying on the ALG"},
		{"auto, AUTH TLS refused: plain, no TLS finding", autoPlain, nil, []string{"tls-unavailable", "tls-required", "alg-ftps-conflict"}, 0, "All four data modes work"},
		{"explicit, AUTH TLS refused: tls-unavailable", refused, []string{"tls-unavailable"}, []string{"control-failed", "login-failed"}, 1, "enable TLS on the server"},
		{"expired self-signed certificate: tls-certificate-invalid", badCert, []string{"tls-certificate-invalid"}, []string{"tls-unavailable", "control-failed"}, 1, "install a valid certificate"},
		{"--insecure past a bad certificate: a warning", insecure, []string{"tls-certificate-invalid"}, nil, 0, "All four data modes work"},
		{"no session reuse: data-tls-not-resumed alone", reuse, []string{"data-tls-not-resumed"}, []string{"data-connection-failed", "data-tls-failed"}, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.r, nil)
			got := ids(d.Findings)
			for _, w := range tc.want {
				if find(d.Findings, w) == nil {
					t.Errorf("missing %s in %v", w, got)
				}
			}
			for _, w := range tc.notWant {
				if find(d.Findings, w) != nil {
					t.Errorf("unexpected %s in %v", w, got)
				}
			}
			if d.ExitCode() != tc.exit {
				t.Errorf("exit %d, want %d (%v)", d.ExitCode(), tc.exit, got)
			}
			if !strings.Contains(d.Verdict, tc.verdict) {
				t.Errorf("verdict %q does not contain %q", d.Verdict, tc.verdict)
			}
		})
	}

	f := find(Diagnose(alg, nil).Findings, "alg-ftps-conflict")
	var lines []string
	for _, fx := range f.Fixes {
		lines = append(lines, fx.Lines...)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "pasv_address="+pubIP) || !hasMode(f.Modes, "PASV") {
		t.Errorf("alg-ftps-conflict: modes %v fixes %+v", f.Modes, f.Fixes)
	}
	if !strings.Contains(f.Explanation, privIP) || !strings.Contains(f.Explanation, pubIP) {
		t.Errorf("explanation does not name both addresses: %s", f.Explanation)
	}
	cf := find(Diagnose(badCert, nil).Findings, "tls-certificate-invalid")
	for _, w := range []string{"expired", "self-signed", "ftp.example.com"} {
		if !strings.Contains(cf.Explanation, w) {
			t.Errorf("certificate explanation lacks %q: %s", w, cf.Explanation)
		}
	}
	rf := find(Diagnose(reuse, nil).Findings, "data-tls-not-resumed")
	if !strings.Contains(rf.Explanation, "resume") || !strings.Contains(rf.Evidence[0].Text, "tls-resumption") {
		t.Errorf("data-tls-not-resumed: %s / %+v", rf.Explanation, rf.Evidence)
	}
}
