//go:build linux

package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/probe"
)

// TestLabScenarioFindings probes each named lab scenario with the built
// binary (capture on) and asserts the finding ids the report must raise,
// the ones it must not, and the exit code.
func TestLabScenarioFindings(t *testing.T) {
	tests := []struct {
		scenario string
		want     []string // finding ids that must be present
		absent   []string // finding ids that must not be
		exit     int
		pcap     bool // also save a pcapng, so facts carry packet numbers
		check    func(t *testing.T, l *lab.Lab, r *labReport)
	}{
		{scenario: "healthy", absent: []string{"passive-port-filtered", "capture-unavailable"}, exit: exitOK, check: noErrorFindings},
		{scenario: "passive-dropped", want: []string{"passive-port-filtered"}, exit: exitFindings, pcap: true, check: passiveSYNsUnanswered},
		{scenario: "passive-rejected", want: []string{"passive-port-refused"}, absent: []string{"passive-port-filtered"}, exit: exitFindings, check: passiveRST},
		{scenario: "passive-icmp", want: []string{"passive-port-refused"}, exit: exitFindings, check: passiveICMP},
		{scenario: "server-nat", want: []string{"pasv-private-address"}, absent: []string{"passive-port-filtered"}, exit: exitOK, check: vsftpdFixNamesPublicAddress},
		{scenario: "server-nat-control-only", want: []string{"pasv-private-address", "passive-port-filtered"}, exit: exitFindings},
		{scenario: "client-nat", want: []string{"active-address-rejected"}, absent: []string{"active-disabled"}, exit: exitFindings},
		{scenario: "port-disabled", want: []string{"active-disabled"}, absent: []string{"active-address-rejected"}, exit: exitFindings},
		{scenario: "client-firewall", want: []string{"active-callback-dropped-locally"}, exit: exitFindings, check: inboundSYNUnanswered},
		{scenario: "client-reject", want: []string{"active-callback-refused"}, absent: []string{"active-callback-dropped-locally", "active-callback-blocked"}, exit: exitFindings, pcap: true},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			sc, err := lab.ScenarioByName(tc.scenario)
			if err != nil {
				t.Fatal(err)
			}
			l := lab.Start(t, sc.Config)
			args := []string{"--capture", "on"}
			if tc.pcap {
				args = append(args, "--pcap", filepath.Join(t.TempDir(), tc.scenario+".pcapng"))
			}
			rep, code, _ := probeInLab(t, l, nil, append(args, "ftp://"+l.Target.String()+"/")...)
			for _, id := range tc.want {
				if !rep.has(id) {
					t.Errorf("missing finding %s; got %v", id, rep.ids())
				}
			}
			for _, id := range tc.absent {
				if rep.has(id) {
					t.Errorf("unexpected finding %s; got %v", id, rep.ids())
				}
			}
			if code != tc.exit {
				t.Errorf("exit code %d, want %d", code, tc.exit)
			}
			if rep.Evidence == nil || !rep.Evidence.Available || rep.Evidence.Packets == 0 {
				t.Fatalf("no capture evidence in the report: %+v", rep.Evidence)
			}
			if tc.check != nil {
				tc.check(t, l, rep)
			}
		})
	}
}

func noErrorFindings(t *testing.T, _ *lab.Lab, r *labReport) {
	for _, f := range r.Findings {
		if f.Severity == "error" {
			t.Errorf("error finding %s on a healthy server", f.ID)
		}
	}
}

// passiveConns returns the captured connections to the announced passive
// ports of the passive modes.
func passiveConns(t *testing.T, r *labReport) []probeConn {
	t.Helper()
	var out []probeConn
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		mr := modeOf(t, r, m)
		_, portStr, err := net.SplitHostPort(mr.ListData.Dialled)
		if err != nil {
			t.Fatalf("%s: dialled %q: %v", m, mr.ListData.Dialled, err)
		}
		port, _ := strconv.Atoi(portStr)
		found := false
		for _, c := range r.Evidence.Conns {
			if int(c.Responder.Port()) == port {
				out = append(out, probeConn{mode: m, conn: c})
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no captured connection to port %d", m, port)
		}
	}
	return out
}

func passiveSYNsUnanswered(t *testing.T, _ *lab.Lab, r *labReport) {
	for _, pc := range passiveConns(t, r) {
		if len(pc.conn.SYNs) < 2 || pc.conn.SYNACK != nil {
			t.Errorf("%s: want a retransmitted, unanswered SYN; got %d SYNs, SYN-ACK %v", pc.mode, len(pc.conn.SYNs), pc.conn.SYNACK)
		}
		if pc.conn.SYNs[0].Packet == 0 {
			t.Errorf("%s: SYN has no packet number", pc.mode)
		}
	}
}

func passiveRST(t *testing.T, _ *lab.Lab, r *labReport) {
	for _, pc := range passiveConns(t, r) {
		if len(pc.conn.RSTs) == 0 || pc.conn.RSTs[0].From != "responder" {
			t.Errorf("%s: want a RST from the responder, got %+v", pc.mode, pc.conn.RSTs)
		}
	}
}

func passiveICMP(t *testing.T, _ *lab.Lab, r *labReport) {
	for _, pc := range passiveConns(t, r) {
		if len(pc.conn.ICMP) == 0 || pc.conn.ICMP[0].Type != 3 || pc.conn.ICMP[0].Code != 3 {
			t.Errorf("%s: want ICMP type 3 code 3 matched to the SYN, got %+v", pc.mode, pc.conn.ICMP)
		}
	}
}

func vsftpdFixNamesPublicAddress(t *testing.T, l *lab.Lab, r *labReport) {
	for _, f := range r.Findings {
		if f.ID != "pasv-private-address" {
			continue
		}
		if f.Severity != "warning" {
			t.Errorf("severity %s, want warning (transfers work via the control address)", f.Severity)
		}
		for _, fix := range f.Fixes {
			if fix.For == "vsftpd" && strings.Contains(strings.Join(fix.Lines, "\n"), "pasv_address="+l.PublicServerAddr.String()) {
				return
			}
		}
		t.Errorf("no vsftpd fix naming pasv_address=%s: %+v", l.PublicServerAddr, f.Fixes)
	}
}

func inboundSYNUnanswered(t *testing.T, _ *lab.Lab, r *labReport) {
	if len(r.Evidence.UnansweredInboundSYNs) == 0 {
		t.Errorf("the server's SYN to our active port was not recorded as arriving unanswered")
	}
}

func TestLabLoginFailed(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	rep, code, _ := probeInLab(t, l, []string{"FTPDIAG_PASSWORD=wrong-password"}, "ftp://"+lab.User+"@"+l.Target.String()+"/")
	if !rep.has("login-failed") || code != exitFindings {
		t.Errorf("want login-failed and exit 1, got %v exit %d", rep.ids(), code)
	}
}

func TestLabControlRefused(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	rep, code, _ := probeInLab(t, l, nil, "ftp://"+l.Target.String()+":2121/")
	if !rep.has("control-refused") || code != exitFindings {
		t.Errorf("want control-refused and exit 1, got %v exit %d", rep.ids(), code)
	}
}

// TestLabPcapRedactsPassword saves a pcapng of a login with a known
// password and checks the password's bytes are nowhere in the file.
func TestLabPcapRedactsPassword(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	pcap := filepath.Join(t.TempDir(), "probe.pcapng")
	rep, code, stderr := probeInLab(t, l, []string{"FTPDIAG_PASSWORD=" + lab.Password}, "--pcap", pcap, "ftp://"+lab.User+"@"+l.Target.String()+"/")
	if code != exitOK {
		t.Errorf("exit %d: %v", code, rep.ids())
	}
	data, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatalf("the pcapng was not written: %v", err)
	}
	if len(data) < 1000 {
		t.Fatalf("pcapng is only %d bytes", len(data))
	}
	if strings.Contains(string(data), lab.Password) {
		t.Errorf("the saved pcapng contains the password")
	}
	if !strings.Contains(string(data), "PASS "+strings.Repeat("*", len(lab.Password))) {
		t.Errorf("the saved pcapng has no redacted PASS command")
	}
	if strings.Contains(stderr, lab.Password) {
		t.Errorf("stderr contains the password")
	}
}

// probeConn is a captured connection and the mode that opened it.
type probeConn struct {
	mode probe.Mode
	conn *capture.Conn
}
