//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// The lab scenarios run the built ftpdiag binary inside the client
// namespace against a real vsftpd behind real iptables rules, and assert
// on its JSON report and exit code. Each scenario is named for the verdict
// it expects.

var binaryPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ftpdiag-bin-")
	if err != nil {
		panic(err)
	}
	// Open to all: the lab's responder runs as nobody.
	if err := os.Chmod(dir, 0o755); err != nil {
		panic(err)
	}
	binaryPath = filepath.Join(dir, "ftpdiag")
	out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// labReport is the part of the JSON report the scenarios look at.
type labReport struct {
	Schema   string `json:"schema"`
	Verdict  string `json:"verdict"`
	Findings []struct {
		ID          string `json:"id"`
		Severity    string `json:"severity"`
		Explanation string `json:"explanation"`
		Inferred    bool   `json:"inferred"`
		Fixes       []struct {
			For   string   `json:"for"`
			Text  string   `json:"text"`
			Lines []string `json:"lines"`
		} `json:"fixes"`
	} `json:"findings"`
	Probe    *probe.Result     `json:"probe"`
	Evidence *capture.Evidence `json:"evidence"`
}

func (r *labReport) has(id string) bool {
	for _, f := range r.Findings {
		if f.ID == id {
			return true
		}
	}
	return false
}

func (r *labReport) ids() []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.ID+"("+f.Severity+")")
	}
	return out
}

// probeInLab runs ftpdiag probe in the lab's client namespace and returns
// the decoded JSON report, the exit code and stderr.
func probeInLab(t *testing.T, l *lab.Lab, extraEnv []string, args ...string) (*labReport, int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	full := append([]string{"probe", "--format", "json", "--data-timeout", "2s"}, args...)
	cmd := l.Command(ctx, l.ClientNS, binaryPath, full...)
	cmd.Env = append(os.Environ(), extraEnv...)
	return runLabProbe(t, cmd)
}

// runLabProbe runs a prepared ftpdiag probe command and decodes its JSON
// report.
func runLabProbe(t *testing.T, cmd *exec.Cmd) (*labReport, int, string) {
	t.Helper()
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
	var rep labReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d, report is not JSON: %v\nstdout: %s\nstderr: %s", code, err, stdout.String(), stderr.String())
	}
	if rep.Probe == nil {
		t.Fatalf("report has no probe result: %s", stdout.String())
	}
	t.Logf("exit %d, verdict %q, findings %v", code, rep.Verdict, rep.ids())
	return &rep, code, stderr.String()
}

func modeOf(t *testing.T, r *labReport, m probe.Mode) *probe.ModeResult {
	t.Helper()
	mr := r.Probe.Mode(m)
	if mr == nil {
		t.Fatalf("no result for mode %s", m)
	}
	return mr
}

func TestLabDirectHealthyAllModesWork(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	rep, code, _ := probeInLab(t, l, nil, "ftp://"+l.Target.String()+"/")
	if code != exitOK {
		t.Errorf("exit code %d, want 0", code)
	}
	if rep.Schema != "ftpdiag/v1" {
		t.Errorf("schema %q", rep.Schema)
	}
	for _, m := range probe.AllModes {
		mr := modeOf(t, rep, m)
		if !mr.Works || !mr.ListData.Connect.OK() || mr.List.Bytes == 0 {
			t.Errorf("%s: works=%v connect=%+v list=%+v", m, mr.Works, mr.ListData.Connect, mr.List)
		}
		if mr.Retr == nil || !mr.Retr.Step.OK() || mr.Retr.Bytes == 0 {
			t.Errorf("%s: RETR = %+v", m, mr.Retr)
		}
	}
	if rep.Probe.RetrFile != lab.SmallFile {
		t.Errorf("RETR file %q, want %q", rep.Probe.RetrFile, lab.SmallFile)
	}
	if rep.Probe.Server.Info.Software != "vsftpd" {
		t.Errorf("server software %q, want vsftpd", rep.Probe.Server.Info.Software)
	}
}

func TestLabLocalUserIPv6(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	url := "ftp://" + lab.User + "@[" + l.Target6.String() + "]/" + lab.BigFile
	rep, code, stderr := probeInLab(t, l, []string{"FTPDIAG_PASSWORD=" + lab.Password}, url)
	if code != exitOK {
		t.Errorf("exit code %d, want 0", code)
	}
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModeEPRT} {
		mr := modeOf(t, rep, m)
		if !mr.Works || mr.Retr == nil || mr.Retr.Bytes != probe.DefaultRetrBytes || !mr.Retr.Aborted {
			t.Errorf("%s over IPv6: works=%v retr=%+v", m, mr.Works, mr.Retr)
		}
	}
	for _, m := range []probe.Mode{probe.ModePASV, probe.ModePORT} {
		if mr := modeOf(t, rep, m); mr.Applicable {
			t.Errorf("%s should be not applicable on IPv6", m)
		}
	}
	if strings.Contains(stderr, lab.Password) {
		t.Errorf("stderr shows the password")
	}
}

func TestLabPassiveRangeDroppedPassiveTimesOut(t *testing.T) {
	drop := []string{"-A", "FORWARD", "-p", "tcp", "--dport", "30000:30009", "-j", "DROP"}
	l := lab.Start(t, lab.Config{ServerGatewayRules: [][]string{drop}})
	rep, code, _ := probeInLab(t, l, nil, "ftp://"+l.Target.String()+"/")
	if code != exitFindings {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		mr := modeOf(t, rep, m)
		if mr.ListData.Connect.Outcome != probe.OutcomeTimeout {
			t.Errorf("%s data connect = %+v, want timeout", m, mr.ListData.Connect)
		}
		if d := mr.ListData.Connect.T - mr.ListData.Connect.T0; d > 2.5 {
			t.Errorf("%s data connect took %.1fs with --data-timeout 2s", m, d)
		}
	}
	for _, m := range []probe.Mode{probe.ModeEPRT, probe.ModePORT} {
		if mr := modeOf(t, rep, m); !mr.Works {
			t.Errorf("%s should work: %+v", m, mr.ListData)
		}
	}
}

func TestLabServerNATPrivatePasvAddressDialsPublic(t *testing.T) {
	l := lab.Start(t, lab.Config{ServerNAT: true, ForwardPassiveRange: true})
	rep, code, _ := probeInLab(t, l, nil, "ftp://"+l.Target.String()+"/")
	mr := modeOf(t, rep, probe.ModePASV)
	if !strings.HasPrefix(mr.ListData.Announced, l.ServerAddr.String()+":") {
		t.Errorf("announced %q, want the private %s", mr.ListData.Announced, l.ServerAddr)
	}
	if !strings.HasPrefix(mr.ListData.Dialled, l.PublicServerAddr.String()+":") || mr.ListData.AddressPolicy != "control-peer" {
		t.Errorf("dialled %q (%s), want the public %s", mr.ListData.Dialled, mr.ListData.AddressPolicy, l.PublicServerAddr)
	}
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		if mr := modeOf(t, rep, m); !mr.Works || mr.Retr == nil || !mr.Retr.Step.OK() {
			t.Errorf("%s should transfer through the NAT: %+v", m, mr)
		}
	}
	if code != exitOK {
		t.Errorf("exit code %d, want 0 (transfers work via the control address)", code)
	}
}

func TestLabPortDisabledActiveRefused(t *testing.T) {
	l := lab.Start(t, lab.Config{Vsftpd: lab.Vsftpd{DisablePort: true}})
	rep, code, _ := probeInLab(t, l, nil, "ftp://"+l.Target.String()+"/")
	for _, m := range []probe.Mode{probe.ModeEPRT, probe.ModePORT} {
		mr := modeOf(t, rep, m)
		if mr.ListData.Setup.Outcome != probe.OutcomeReply || mr.ListData.Setup.Reply == nil || mr.ListData.Setup.Reply.Code/100 != 5 {
			t.Errorf("%s setup = %+v, want a 5xx reply", m, mr.ListData.Setup)
		}
	}
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		if mr := modeOf(t, rep, m); !mr.Works {
			t.Errorf("%s should work", m)
		}
	}
	if code != exitFindings {
		t.Errorf("exit code %d, want 1", code)
	}
}
