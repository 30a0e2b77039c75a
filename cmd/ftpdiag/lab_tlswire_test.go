//go:build linux

package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/probe"
)

// wireTLSConn is a connection of analyze's JSON evidence with its TLS facts.
type wireTLSConn struct {
	Initiator string            `json:"initiator"`
	Responder string            `json:"responder"`
	TLS       *capture.TLSFacts `json:"tls"`
}

// analyzedConns runs analyze (no key log) on a capture and returns every
// connection of every session's evidence.
func analyzedConns(t *testing.T, pcap string) []wireTLSConn {
	t.Helper()
	code, out, errs := analyzeCLI(t, nil, "analyze", "--format", "json", pcap)
	if code != exitOK && code != exitFindings {
		t.Fatalf("analyze exit %d: %s", code, errs)
	}
	var rep struct {
		Sessions []struct {
			Evidence struct {
				Conns []wireTLSConn `json:"conns"`
			} `json:"evidence"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var all []wireTLSConn
	for _, s := range rep.Sessions {
		all = append(all, s.Evidence.Conns...)
	}
	return all
}

// findTLSConn is the connection between two endpoints, either way.
func findTLSConn(conns []wireTLSConn, a, b string) *wireTLSConn {
	for i, c := range conns {
		if c.Initiator == a && c.Responder == b || c.Initiator == b && c.Responder == a {
			return &conns[i]
		}
	}
	return nil
}

// TestLabTLSProbeCaptureDataHandshakes: the probe's live capture keeps each
// TLS data connection's handshake whole (issue 14), so that its own report
// and its own pcapng, fed to analyze without a key log, show every data
// connection's TLS from the wire: the same version and resumption as the
// probe's record (vsftpd with require_ssl_reuse=YES, TLS 1.3 and 1.2, all
// modes), and the password nowhere in the pcapng's analysis.
func TestLabTLSProbeCaptureDataHandshakes(t *testing.T) {
	l := lab.Start(t, lab.Config{Vsftpd: lab.Vsftpd{TLS: &lab.VsftpdTLS{ForceLogins: true, ForceData: true}}})
	url := "ftpes://" + lab.User + "@" + l.Target.String() + "/"
	for _, version := range []string{"tls13", "tls12"} {
		t.Run(version, func(t *testing.T) {
			pcap := filepath.Join(t.TempDir(), "probe.pcapng")
			args := []string{"--ca-file", l.CAFile, "--pcap", pcap}
			if version == "tls12" {
				args = append(args, "--tls-max", "1.2")
			}
			rep, code, stderr := probeInLab(t, l, passEnv, append(args, url)...)
			if code != exitOK {
				t.Fatalf("probe exit %d, findings %v", code, rep.ids())
			}
			noPassword(t, rep, stderr)
			analyzed := analyzedConns(t, pcap)
			seen := 0
			for _, m := range probe.AllModes {
				mr := modeOf(t, rep, m)
				for _, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
					if dc == nil || dc.TLS == nil || !dc.TLS.Handshake.OK() {
						t.Errorf("%s: data TLS %+v", m, dc)
						continue
					}
					seen++
					live := wireConn(rep, dc.Local, dc.Peer)
					if live == nil || !sameResumption(live.TLS, dc.TLS) {
						t.Errorf("%s data %s -> %s: the probe's capture shows %s; the probe recorded %s resumed=%v", m, dc.Local, dc.Peer, tlsJSON(live), dc.TLS.Version, dc.TLS.Resumed)
					}
					if a := findTLSConn(analyzed, dc.Local, dc.Peer); a == nil || !sameResumption(a.TLS, dc.TLS) {
						t.Errorf("%s data %s -> %s: analyze of the probe's pcapng shows %+v; the probe recorded %s resumed=%v", m, dc.Local, dc.Peer, a, dc.TLS.Version, dc.TLS.Resumed)
					}
				}
			}
			if seen < 2*len(probe.AllModes) {
				t.Errorf("%d TLS data connections, want %d", seen, 2*len(probe.AllModes))
			}
			arts := secretArtifacts{}
			arts.addFile(t, "pcapng", pcap)
			out, errs, _ := runInProcess(t, "analyze", "--format", "json", pcap)
			arts["json"] = []byte(out + errs)
			assertNoSecret(t, lab.Password, arts)
		})
	}
}

// sameResumption reports whether the wire's TLS facts of a data connection
// say what the probe recorded: a ClientHello and a completed handshake, the
// same version, resumed or not alike.
func sameResumption(f *capture.TLSFacts, d *probe.DataTLS) bool {
	return f != nil && f.Client != nil && f.Completed && f.Resumption != "" &&
		f.Version() == d.Version && f.Resumed() == d.Resumed
}
