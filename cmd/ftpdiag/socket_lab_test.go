//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/probe"
)

// nobody is the unprivileged user the probe runs as.
const nobody = "65534"

// unprivilegedBinary copies the test binary where any user may run it.
func unprivilegedBinary(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ftpdiag-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b, err := os.ReadFile(binaryPath)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "ftpdiag")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestLabUnprivilegedPassiveFilteredBySocket: run as nobody (no capture
// privilege), against a server gateway that drops the passive range, the
// probe calls the passive ports filtered from its sockets' TCP_INFO,
// before the data timeout, and the finding says the fact came from the
// socket.
func TestLabUnprivilegedPassiveFilteredBySocket(t *testing.T) {
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("needs setpriv (util-linux) to drop to an unprivileged user: %v", err)
	}
	drop := []string{"-A", "FORWARD", "-p", "tcp", "--dport", "30000:30009", "-j", "DROP"}
	l := lab.Start(t, lab.Config{ServerGatewayRules: [][]string{drop}})
	bin := unprivilegedBinary(t)
	const dataTimeout = 10.0
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := l.Command(ctx, l.ClientNS, setpriv, "--reuid="+nobody, "--regid="+nobody, "--clear-groups", "--inh-caps=-all", "--",
		bin, "probe", "--format", "json", "--modes", "EPSV,PASV", "--data-timeout", "10", "--pasv-samples", "0", "ftp://"+l.Target.String()+"/")
	cmd.Env = append(os.Environ(), "HOME="+os.TempDir())
	rep, code, stderr := runLabProbe(t, cmd)
	if code != exitFindings {
		t.Errorf("exit code %d, want 1; stderr %s", code, stderr)
	}
	if rep.Evidence == nil || rep.Evidence.Available || !rep.has("capture-unavailable") {
		t.Fatalf("the run as nobody captured packets: evidence %+v", rep.Evidence)
	}
	if rep.Evidence.Remedy != capture.Remedy || !strings.Contains(rep.Evidence.Remedy, "setcap cap_net_raw") {
		t.Errorf("remedy %q, want Linux's %q", rep.Evidence.Remedy, capture.Remedy)
	}
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		dc := modeOf(t, rep, m).ListData
		if dc.Connect.Outcome != probe.OutcomeTimeout || !strings.Contains(dc.Connect.Error, "counted by this host's TCP stack") {
			t.Errorf("%s data connect = %+v, want a timeout decided from the socket", m, dc.Connect)
		}
		if s := dc.Socket; s == nil || s.Source != "TCP_INFO" || s.State != "syn-sent" || s.SYNRetransmits < 1 {
			t.Errorf("%s socket facts %+v, want TCP_INFO, syn-sent, a SYN resent", m, dc.Socket)
		}
		if d := dc.Connect.T - dc.Connect.T0; d >= dataTimeout {
			t.Errorf("%s data connect lasted %.1f s, the whole --data-timeout %.0f s", m, d, dataTimeout)
		}
	}
	if !rep.has("passive-port-filtered") {
		t.Fatalf("no passive-port-filtered among %v", rep.ids())
	}
	for _, f := range rep.Findings {
		if f.ID == "passive-port-filtered" && (f.Inferred || !strings.Contains(f.Explanation, "TCP_INFO on the connecting socket), not from the wire")) {
			t.Errorf("passive-port-filtered inferred=%v, explanation %q: want it to cite the socket", f.Inferred, f.Explanation)
		}
	}
}
