//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/report"
)

// The responder in the lab: `ftpdiag responder --open` runs in the server
// namespace, the probe in the client namespace, with the client's gateway
// doing NAT with or without the kernel FTP helper. Each scenario is named
// for what the second vantage point must show.

// responderReport is the part of the JSON report these scenarios read.
type responderReport struct {
	Verdict  string                `json:"verdict"`
	Findings []responderFinding    `json:"findings"`
	Outside  *report.OutsideRecord `json:"outside"`
}

// responderFinding is the part of a finding these scenarios read.
type responderFinding struct {
	ID          string `json:"id"`
	Severity    string `json:"severity"`
	Explanation string `json:"explanation"`
	Inferred    bool   `json:"inferred"`
	Evidence    []struct {
		Text string `json:"text"`
	} `json:"evidence"`
}

// evidence is the finding's evidence texts.
func (f *responderFinding) evidence() []string {
	var out []string
	for _, e := range f.Evidence {
		out = append(out, e.Text)
	}
	return out
}

func (r *responderReport) ids() map[string]string {
	out := map[string]string{}
	for _, f := range r.Findings {
		out[f.ID] = f.Severity
	}
	return out
}

// probeResponderInLab probes the lab's responder from the client namespace
// over IPv4.
func probeResponderInLab(t *testing.T, l *lab.Lab) (*responderReport, int) {
	t.Helper()
	return probeResponderAt(t, l, "ftp://"+l.Target.String()+"/", 4)
}

// probeResponderAt probes url and expects a record for conns control
// connections.
func probeResponderAt(t *testing.T, l *lab.Lab, url string, conns int, flags ...string) (*responderReport, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"probe", "--format", "json", "--data-timeout", "2s", "--capture", "off"}, flags...)
	cmd := l.Command(ctx, l.ClientNS, binaryPath, append(args, url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run ftpdiag: %v", err)
	}
	var rep responderReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d, report is not JSON: %v\nstderr: %s", code, err, stderr.String())
	}
	t.Logf("exit %d, verdict %q, findings %v", code, rep.Verdict, rep.ids())
	if rep.Outside == nil || len(rep.Outside.Connections) != conns {
		t.Fatalf("no seen-from-outside section for %d modes: %+v\nresponder log:\n%s", conns, rep.Outside, l.ServerLog())
	}
	return &rep, code
}

func startResponderLab(t *testing.T, cfg lab.Config) *lab.Lab {
	t.Helper()
	cfg.Server, cfg.ResponderBinary = lab.ServerResponder, binaryPath
	return lab.Start(t, cfg)
}

// TestLabResponderHealthy: routed, no NAT: every mode works, exit 0, no
// error, and the responder saw the client's own address everywhere.
func TestLabResponderHealthy(t *testing.T) {
	l := startResponderLab(t, lab.Config{})
	rep, code := probeResponderInLab(t, l)
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	for id, sev := range rep.ids() {
		if sev == "error" || id == "client-behind-nat" || strings.HasPrefix(id, "alg-") || id == "snat-multiple-addresses" {
			t.Errorf("unexpected finding %s (%s)", id, sev)
		}
	}
	for _, c := range rep.Outside.Connections {
		if !strings.HasPrefix(c.ControlSeen, l.ClientAddr.String()+":") {
			t.Errorf("%s: the responder saw %q, want the client %s", c.Mode, c.ControlSeen, l.ClientAddr)
		}
	}
}

// TestLabResponderIPv6: over IPv6 (EPSV and EPRT only) the responder
// serves and records as over IPv4, and calls back (EPRT |2|) from port 20
// and from an ephemeral port.
func TestLabResponderIPv6(t *testing.T) {
	l := startResponderLab(t, lab.Config{})
	rep, code := probeResponderAt(t, l, "ftp://["+l.Target6.String()+"]/", 2)
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	for _, c := range rep.Outside.Connections {
		if !strings.HasPrefix(c.ControlSeen, "["+l.ClientAddr6.String()+"]:") || c.Error != "" {
			t.Errorf("%s: %+v, want seen from %s", c.Mode, c, l.ClientAddr6)
		}
	}
	wantCallbacks(t, rep, "passes", "passes")
}

// TestLabResponderClientNAT: the client behind NAT without an FTP
// helper: the responder sees the gateway's address (client-behind-nat)
// and refuses PORT/EPRT naming the private one, as vsftpd does.
func TestLabResponderClientNAT(t *testing.T) {
	l := startResponderLab(t, lab.Config{ClientNAT: true})
	rep, code := probeResponderInLab(t, l)
	ids := rep.ids()
	if ids["client-behind-nat"] == "" || ids["active-address-rejected"] == "" {
		t.Errorf("want client-behind-nat and active-address-rejected, got %v", ids)
	}
	if ids["alg-rewrote-port"] != "" {
		t.Errorf("alg-rewrote-port without a helper")
	}
	if code != exitFindings {
		t.Errorf("exit %d, want 1", code)
	}
	for _, c := range rep.Outside.Connections {
		if !strings.HasPrefix(c.ControlSeen, l.ClientGatewayAddr.String()+":") {
			t.Errorf("%s: the responder saw %q, want the client gateway %s", c.Mode, c.ControlSeen, l.ClientGatewayAddr)
		}
	}
}

// TestLabResponderClientNATHelper: the client behind NAT with the kernel
// FTP helper: PORT/EPRT arrive rewritten to the gateway's address
// (alg-rewrote-port), and active mode works.
func TestLabResponderClientNATHelper(t *testing.T) {
	l := startResponderLab(t, lab.Config{ClientNAT: true, FTPHelper: true})
	rep, code := probeResponderInLab(t, l)
	ids := rep.ids()
	if ids["alg-rewrote-port"] == "" || ids["client-behind-nat"] == "" {
		t.Errorf("want alg-rewrote-port and client-behind-nat, got %v", ids)
	}
	if code != exitOK {
		t.Errorf("exit %d, want 0 (the helper makes active mode work)", code)
	}
	rewritten := false
	for _, c := range rep.Outside.Connections {
		for _, p := range c.Commands {
			rewritten = rewritten || (strings.Contains(p.Sent, strings.ReplaceAll(l.ClientAddr.String(), ".", ",")) || strings.Contains(p.Sent, l.ClientAddr.String())) &&
				(strings.Contains(p.Received, strings.ReplaceAll(l.ClientGatewayAddr.String(), ".", ",")) || strings.Contains(p.Received, l.ClientGatewayAddr.String()))
		}
	}
	if !rewritten {
		t.Errorf("no command sent with %s and received with %s: %+v", l.ClientAddr, l.ClientGatewayAddr, rep.Outside.Connections)
	}
}

// hostileClient asks, from the client namespace, for a callback to a third
// host and then for the record, and prints the replies.
const hostileClient = `
import socket, sys
s = socket.create_connection((sys.argv[1], 21), timeout=10)
f = s.makefile("rb")
def reply():
    line = f.readline().decode()
    while len(line) > 3 and line[3] == "-":
        line = f.readline().decode()
    return line.strip()
def cmd(c):
    s.sendall((c + "\r\n").encode())
    return reply()
reply()
cmd("USER anonymous"); cmd("PASS x")
print(cmd("PORT " + sys.argv[2].replace(".", ",") + ",195,80"))
print(cmd("EPRT |1|" + sys.argv[2] + "|50000|"))
print(cmd("LIST"))
print(cmd("SITE FTPDIAG CALLBACK ephemeral 2"))
print(cmd("SITE FTPDIAG REPORT"))
cmd("QUIT")
`

// TestLabResponderHostileCallback: a client asking the responder to call
// back a third host (the server gateway), for a transfer or for the
// callback test, is refused and recorded, and nothing is called.
func TestLabResponderHostileCallback(t *testing.T) {
	l := startResponderLab(t, lab.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	third := l.PublicServerAddr.String()
	out, err := l.Command(ctx, l.ClientNS, "/usr/bin/python3", "-c", hostileClient, l.Target.String(), third).CombinedOutput()
	if err != nil {
		t.Fatalf("hostile client: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "500 ") || !strings.HasPrefix(lines[1], "500 ") || !strings.HasPrefix(lines[2], "425 ") || !strings.HasPrefix(lines[3], "503 ") {
		t.Fatalf("replies %q, want 500, 500, 425, 503 and the record", lines)
	}
	var rec struct {
		Data []struct {
			Command, Requested, Outcome string
			Conn                        any
		}
		Callbacks []any
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(lines[4], "200 ")), &rec); err != nil {
		t.Fatalf("record %q: %v", lines[4], err)
	}
	if len(rec.Callbacks) != 0 {
		t.Errorf("callbacks made: %+v", rec.Callbacks)
	}
	if len(rec.Data) != 2 {
		t.Fatalf("record data %+v", rec.Data)
	}
	for _, d := range rec.Data {
		if !strings.HasPrefix(d.Requested, third+":") || !strings.HasPrefix(d.Outcome, "refused: ") || d.Conn != nil {
			t.Errorf("%+v: want refused, no connection to %s", d, third)
		}
	}
}
