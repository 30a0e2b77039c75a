//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/lab"
)

// TestLabTLSKeylogProbeDecrypts: the probe's own key log (--tls-keylog,
// Go's KeyLogWriter) decrypts the probe's own capture (--pcap) of real
// vsftpd over FTPS, explicit with TLS 1.3 and 1.2 and implicit: analyze
// then reads every control dialogue, finds what the probe found (every
// mode works), and shows the password nowhere.
func TestLabTLSKeylogProbeDecrypts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tls    lab.VsftpdTLS
		scheme string
		args   []string
	}{
		{"explicit TLS 1.3", lab.VsftpdTLS{ForceLogins: true, ForceData: true}, "ftpes", nil},
		{"explicit TLS 1.2", lab.VsftpdTLS{ForceLogins: true, ForceData: true}, "ftpes", []string{"--tls-max", "1.2"}},
		{"implicit", lab.VsftpdTLS{Implicit: true}, "ftps", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.tls
			l := lab.Start(t, lab.Config{Vsftpd: lab.Vsftpd{TLS: &cfg}})
			dir := t.TempDir()
			keys, pcap := filepath.Join(dir, "keys.log"), filepath.Join(dir, "probe.pcapng")
			url := tc.scheme + "://" + lab.User + "@" + l.Target.String() + "/"
			rep, code, stderr := probeInLab(t, l, passEnv, append(tc.args, "--ca-file", l.CAFile, "--pcap", pcap, "--tls-keylog", keys, url)...)
			if code != exitOK {
				t.Fatalf("probe exit %d, findings %v", code, rep.ids())
			}
			noPassword(t, rep, stderr)
			fi, err := os.Stat(keys)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key log %v, mode %v: want 0600", err, fi)
			}
			kl, _ := os.ReadFile(keys)
			want := "CLIENT_TRAFFIC_SECRET_0 "
			if strings.Contains(tc.name, "1.2") {
				want = "CLIENT_RANDOM "
			}
			if !strings.Contains(string(kl), want) {
				t.Errorf("key log has no %s line:\n%s", want, kl)
			}
			code, ss := analyzeSessions(t, "--tls-keylog", keys, pcap)
			if code != exitOK || len(ss) != 1 {
				t.Errorf("analyze exit %d, %d sessions; want 0 and one session", code, len(ss))
			}
			for _, s := range ss {
				if s.Session.Encrypted || len(s.Session.Decrypted) != len(s.Evidence.Sessions) || len(s.Evidence.Sessions) < 4 {
					t.Errorf("session encrypted %v, decrypted %q of %d control connections", s.Session.Encrypted, s.Session.Decrypted, len(s.Evidence.Sessions))
				}
				for _, f := range s.Findings {
					if f.ID == "control-encrypted" {
						t.Errorf("control-encrypted: %+v", f.Evidence)
					}
				}
			}
			arts := secretArtifacts{}
			for _, format := range reportFormats {
				out, errs, _ := runInProcess(t, "analyze", "--tls-keylog", keys, "--format", format, pcap)
				arts[format] = []byte(out + errs)
				if format == "json" && !strings.Contains(out, `"command": "PASS `+strings.Repeat("*", len(lab.Password))+`"`) {
					t.Errorf("the decrypted dialogue shows no masked PASS")
				}
			}
			assertNoSecret(t, lab.Password, arts)
		})
	}
}
