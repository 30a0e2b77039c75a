//go:build linux

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/probe"
)

// FTPS scenarios: vsftpd with ssl_enable=YES and a certificate from the
// lab's own CA, which the probe verifies for real with --ca-file.

var passEnv = []string{"FTPDIAG_PASSWORD=" + lab.Password}

// tlsModesWork checks that every mode logged in under TLS, listed and
// downloaded over TLS data connections that resumed the control session.
func tlsModesWork(t *testing.T, rep *labReport, modes []probe.Mode) {
	t.Helper()
	for _, m := range modes {
		mr := modeOf(t, rep, m)
		if mr.TLS == nil || !mr.TLS.Handshake.OK() || mr.TLS.Level != probe.ProtPrivate {
			t.Errorf("%s: control TLS = %+v", m, mr.TLS)
		}
		if !mr.Works || mr.Retr == nil || !mr.Retr.Step.OK() || mr.Retr.Bytes == 0 {
			t.Errorf("%s: works=%v list=%+v retr=%+v", m, mr.Works, mr.List.Step, mr.Retr)
			continue
		}
		for _, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
			if dc.TLS == nil || !dc.TLS.Handshake.OK() || !dc.TLS.Resumed {
				t.Errorf("%s: data TLS = %+v (want a resumed session)", m, dc.TLS)
			}
		}
		// The probe's capture holds the control connection whole: its TLS
		// facts from the wire agree with the probe's (issue 14). A later
		// control connection may resume the first one's session. (The
		// data connections' handshakes: TestLabTLSProbeCaptureDataHandshakes.)
		if c := wireConn(rep, mr.ControlLocal, mr.ControlRemote); rep.Evidence != nil && rep.Evidence.Available &&
			(c == nil || c.TLS == nil || !c.TLS.Completed || c.TLS.Version() != mr.TLS.Version || c.TLS.Resumption == "") {
			t.Errorf("%s: the capture's control connection %s -> %s: %s (want a completed %s handshake)", m, mr.ControlLocal, mr.ControlRemote, tlsJSON(c), mr.TLS.Version)
		}
	}
}

// wireConn is the captured connection between two endpoints, either way.
func wireConn(rep *labReport, a, b string) *capture.Conn {
	if rep.Evidence == nil {
		return nil
	}
	for _, c := range rep.Evidence.Conns {
		i, r := c.Initiator.String(), c.Responder.String()
		if i == a && r == b || i == b && r == a {
			return c
		}
	}
	return nil
}

// tlsJSON shows a connection's TLS facts in a test message.
func tlsJSON(c *capture.Conn) string {
	if c == nil {
		return "no connection"
	}
	b, _ := json.Marshal(c.TLS)
	return string(b)
}

func noPassword(t *testing.T, rep *labReport, stderr string) {
	t.Helper()
	for _, m := range append(append([]probe.ModeResult{}, rep.Probe.Modes...), rep.Probe.Plain...) {
		for _, ex := range m.Transcript {
			if strings.Contains(ex.Command, lab.Password) {
				t.Errorf("%s transcript shows the password: %q", m.Mode, ex.Command)
			}
		}
	}
	if strings.Contains(stderr, lab.Password) {
		t.Errorf("stderr shows the password")
	}
}

func TestLabTLSExplicitAllModesWork(t *testing.T) {
	l := lab.Start(t, lab.Config{Vsftpd: lab.Vsftpd{TLS: &lab.VsftpdTLS{ForceLogins: true, ForceData: true}}})
	url := "ftpes://" + lab.User + "@" + l.Target.String() + "/"
	for _, version := range []string{"tls13", "tls12"} {
		t.Run(version, func(t *testing.T) {
			args := []string{"--ca-file", l.CAFile}
			if version == "tls12" {
				args = append(args, "--tls-max", "1.2")
			}
			rep, code, stderr := probeInLab(t, l, passEnv, append(args, url)...)
			if code != exitOK {
				t.Errorf("exit code %d, want 0; findings %v", code, rep.ids())
			}
			tlsModesWork(t, rep, probe.AllModes)
			tr := rep.Probe.TLS
			if tr == nil || tr.Mode != probe.TLSExplicit || tr.Certificate == nil || !tr.Certificate.Valid() {
				t.Fatalf("TLS result = %+v", tr)
			}
			t.Logf("TLS %s %s, fallback %q, certificate %s issued by %s, SANs %v %v", tr.Version, tr.CipherSuite, tr.Fallback,
				tr.Certificate.Subject, tr.Certificate.Issuer, tr.Certificate.DNSNames, tr.Certificate.IPAddresses)
			if version == "tls12" && tr.Version != "TLS 1.2" {
				t.Errorf("version %s with --tls-max 1.2", tr.Version)
			}
			noPassword(t, rep, stderr)
		})
	}
	reused := 0
	for _, line := range strings.Split(l.VsftpdLog(), "\n") {
		if strings.Contains(line, "reuse") {
			reused++
			if reused <= 2 {
				t.Logf("vsftpd: %s", strings.TrimSpace(line))
			}
		}
	}
	if reused == 0 {
		t.Errorf("vsftpd logged no session-reuse check (require_ssl_reuse=YES, debug_ssl=YES)")
	}
}

func TestLabTLSImplicitWorks(t *testing.T) {
	l := lab.Start(t, lab.Config{Vsftpd: lab.Vsftpd{TLS: &lab.VsftpdTLS{Implicit: true}}})
	url := "ftps://" + lab.User + "@" + l.Target.String() + "/"
	rep, code, stderr := probeInLab(t, l, passEnv, "--ca-file", l.CAFile, url)
	if code != exitOK {
		t.Errorf("exit code %d, want 0; findings %v", code, rep.ids())
	}
	if rep.Probe.Target.Port != lab.ImplicitPort {
		t.Errorf("port %d, want %d", rep.Probe.Target.Port, lab.ImplicitPort)
	}
	tlsModesWork(t, rep, probe.AllModes)
	if tr := rep.Probe.TLS; tr == nil || tr.Mode != probe.TLSImplicit {
		t.Errorf("TLS result = %+v", tr)
	}
	noPassword(t, rep, stderr)
}

func TestLabTLSForcedLoginProbedPlainTLSRequired(t *testing.T) {
	l := lab.Start(t, lab.Config{Vsftpd: lab.Vsftpd{TLS: &lab.VsftpdTLS{ForceLogins: true}}})
	url := "ftp://" + lab.User + "@" + l.Target.String() + "/"
	rep, code, _ := probeInLab(t, l, passEnv, "--tls", "off", url)
	if code != exitFindings {
		t.Errorf("exit code %d, want 1", code)
	}
	if !rep.has("tls-required") || rep.has("login-failed") {
		t.Errorf("findings %v, want tls-required and no login-failed", rep.ids())
	}
	mr := modeOf(t, rep, probe.ModeEPSV)
	if mr.Login.Outcome != probe.OutcomeTLSRequired || mr.Login.Reply == nil || !strings.Contains(mr.Login.Reply.Text(), "encryption") {
		t.Errorf("login = %+v", mr.Login)
	}
}

func TestLabTLSServerNATHelperALGFTPSConflict(t *testing.T) {
	// No pasv_address and no forwarded passive range: in plain text the
	// gateway's FTP helper rewrites 227 and opens the data port; under TLS
	// it cannot read the control channel.
	l := lab.Start(t, lab.Config{ServerNAT: true, FTPHelper: true, Vsftpd: lab.Vsftpd{TLS: &lab.VsftpdTLS{}}})
	url := "ftp://" + lab.User + "@" + l.Target.String() + "/"
	rep, code, _ := probeInLab(t, l, passEnv, "--ca-file", l.CAFile, url)
	if code != exitFindings {
		t.Errorf("exit code %d, want 1", code)
	}
	if !rep.has("alg-ftps-conflict") {
		t.Errorf("findings %v, want alg-ftps-conflict", rep.ids())
	}
	if rep.Probe.TLS == nil || rep.Probe.TLS.Mode != probe.TLSExplicit {
		t.Fatalf("TLS result = %+v", rep.Probe.TLS)
	}
	tlsPasv := modeOf(t, rep, probe.ModePASV)
	if !strings.HasPrefix(tlsPasv.ListData.Announced, l.ServerAddr.String()+":") || tlsPasv.Works {
		t.Errorf("TLS PASV announced %q works=%v, want the private %s and a failure", tlsPasv.ListData.Announced, tlsPasv.Works, l.ServerAddr)
	}
	var plain *probe.ModeResult
	for i := range rep.Probe.Plain {
		if rep.Probe.Plain[i].Mode == probe.ModePASV {
			plain = &rep.Probe.Plain[i]
		}
	}
	if plain == nil || !plain.Works || !strings.HasPrefix(plain.ListData.Announced, l.PublicServerAddr.String()+":") {
		t.Fatalf("plain PASV = %+v, want it to work with the rewritten %s", plain, l.PublicServerAddr)
	}
	for _, f := range rep.Findings {
		if f.ID != "alg-ftps-conflict" {
			continue
		}
		var lines []string
		for _, fx := range f.Fixes {
			lines = append(lines, fx.Lines...)
		}
		if !strings.Contains(strings.Join(lines, "\n"), "pasv_address="+l.PublicServerAddr.String()) {
			t.Errorf("alg-ftps-conflict fixes do not name pasv_address=%s: %+v", l.PublicServerAddr, f.Fixes)
		}
	}
}

func TestLabTLSAutoWithoutTLSRunsPlain(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	rep, code, _ := probeInLab(t, l, nil, "ftp://"+l.Target.String()+"/")
	if code != exitOK {
		t.Errorf("exit code %d, want 0; findings %v", code, rep.ids())
	}
	tr := rep.Probe.TLS
	if tr == nil || tr.Mode != probe.TLSOff || tr.Auth == nil || tr.Auth.Code < 400 {
		t.Errorf("TLS result = %+v, want auto fallen back to plain after a refused AUTH TLS", tr)
	}
	if rep.has("tls-unavailable") {
		t.Errorf("findings %v: auto must not report tls-unavailable", rep.ids())
	}
}

func TestLabTLSBadCertificates(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  lab.VsftpdTLS
	}{{"expired", lab.VsftpdTLS{Expired: true}}, {"wrong-name", lab.VsftpdTLS{WrongName: true}}} {
		t.Run(c.name, func(t *testing.T) {
			l := lab.Start(t, lab.Config{Vsftpd: lab.Vsftpd{TLS: &c.cfg}})
			url := "ftpes://" + lab.User + "@" + l.Target.String() + "/"
			rep, code, _ := probeInLab(t, l, passEnv, "--ca-file", l.CAFile, url)
			if code != exitFindings || !rep.has("tls-certificate-invalid") {
				t.Errorf("strict: exit %d findings %v, want 1 and tls-certificate-invalid", code, rep.ids())
			}
			if mr := modeOf(t, rep, probe.ModeEPSV); mr.TLS == nil || mr.TLS.Handshake.Outcome != probe.OutcomeTLSCertificate || mr.Login.Ran() {
				t.Errorf("strict: EPSV TLS = %+v login %+v", mr.TLS, mr.Login)
			}
			cert := rep.Probe.TLS.Certificate
			if cert == nil || (c.name == "expired") != cert.Expired || (c.name == "wrong-name") == cert.NameMatches || !cert.Trusted {
				t.Errorf("certificate facts %+v", cert)
			}
			rep, code, _ = probeInLab(t, l, passEnv, "--ca-file", l.CAFile, "--insecure", url)
			if !rep.has("tls-certificate-invalid") {
				t.Errorf("--insecure: findings %v, want tls-certificate-invalid", rep.ids())
			}
			if mr := modeOf(t, rep, probe.ModeEPSV); !mr.Works {
				t.Errorf("--insecure: EPSV should work: %+v", mr)
			}
		})
	}
}
