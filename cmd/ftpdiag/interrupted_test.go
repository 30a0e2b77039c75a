package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/report"
)

// readJSONReport reads a report written with --format json -o path.
func readJSONReport(t *testing.T, path string) *report.Diagnosis {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d report.Diagnosis
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func findingIDs(d *report.Diagnosis) []string {
	var ids []string
	for _, f := range d.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

// TestRunCutShort: a run stopped by Ctrl-C or by its overall deadline
// (--timeout) renders a partial report that says so (run-interrupted,
// outcome interrupted, the matrix rows cut short, never a timeout read as
// a firewall), exits 2 and prints one line, without the usage hint; the
// report is valid input for `ftpdiag render`.
func TestRunCutShort(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cancel time.Duration // Ctrl-C after this; 0: none
		args   []string
		want   string // in the one stderr line
	}{
		{name: "Ctrl-C", cancel: 400 * time.Millisecond, want: "interrupted"},
		{name: "--timeout", args: []string{"--timeout", "400ms"}, want: "overall deadline (--timeout 400ms)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &ftptest.Server{Hostile: ftptest.Hostile{SilentAfterBanner: true}}
			ap := ftptest.Start(t, srv)
			out := filepath.Join(t.TempDir(), "r.json")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if tc.cancel > 0 {
				time.AfterFunc(tc.cancel, cancel)
			}
			args := append([]string{"probe", "--capture", "off", "--tls", "off", "--reply-timeout", "20s", "--format", "json", "-o", out}, tc.args...)
			var stdout, stderr bytes.Buffer
			code := run(ctx, append(args, "ftp://"+ap.String()+"/"), strings.NewReader(""), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n"); len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q: want one line naming %q and no usage hint", stderr.String(), tc.want)
			}
			d := readJSONReport(t, out)
			if err := d.Validate(); err != nil {
				t.Errorf("the partial report does not validate: %v", err)
			}
			if len(d.Findings) == 0 || d.Findings[0].ID != "run-interrupted" {
				t.Errorf("findings %v, want run-interrupted first", findingIDs(d))
			}
			if !strings.Contains(d.Verdict, "before it finished") {
				t.Errorf("verdict %q does not say the run was cut short", d.Verdict)
			}
			for _, r := range d.Matrix {
				if !r.Interrupted {
					t.Errorf("matrix row %+v: want interrupted", r)
				}
			}
			if lead := d.Probe.Modes[0]; lead.Login.Outcome != "interrupted" {
				t.Errorf("login %+v, want interrupted", lead.Login)
			}
			b, _ := os.ReadFile(out)
			if bytes.Contains(b, []byte(`"outcome": "timeout"`)) || bytes.Contains(b, []byte("control-filtered")) {
				t.Errorf("the cut reads as a timeout: %s", b)
			}
			code, rendered, errs := runCLI(t, "render", "--format", "text", out)
			if code == exitUsage || !strings.Contains(rendered, "cut short") {
				t.Errorf("render: exit %d, stderr %q; want the text report with the rows cut short:\n%s", code, errs, rendered)
			}
		})
	}
}

// TestRuntimeErrorNoUsageHint: a failure at run time is one line; the
// "Run --help" hint is for usage errors only. (A run cut short is another
// such failure: TestRunCutShort.)
func TestRuntimeErrorNoUsageHint(t *testing.T) {
	damaged := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(damaged, []byte(`{"schema": "ftpdiag/v1", "findings": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "render", damaged)
	if code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	if lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n"); len(lines) != 1 || strings.Contains(stderr, "--help") {
		t.Errorf("stderr %q: want one line without the usage hint", stderr)
	}
}

// TestTLSHandshakeFails: the server accepts AUTH TLS and the handshake
// fails (it offers only TLS 1.1). In auto mode the report says why the
// session never logged in (tls-unavailable, with the handshake as
// evidence), and tls-session never describes a session that was not set
// up, in auto or explicit mode.
func TestTLSHandshakeFails(t *testing.T) {
	cert := ftptest.NewTestCert(t)
	old := &tls.Config{Certificates: cert.Config.Certificates, MaxVersion: tls.VersionTLS11}
	for _, scheme := range []string{"ftp", "ftpes"} {
		t.Run(scheme, func(t *testing.T) {
			srv := &ftptest.Server{TLS: old, Files: map[string][]byte{"a.txt": []byte("hi\n")}}
			ap := ftptest.Start(t, srv)
			out := filepath.Join(t.TempDir(), "r.json")
			_, stderr, code := runInProcess(t, "probe", "--capture", "off", "--format", "json", "-o", out, scheme+"://"+ap.String()+"/")
			if code != exitFindings {
				t.Errorf("exit %d, want 1: %s", code, stderr)
			}
			d := readJSONReport(t, out)
			var unavailable *report.Finding
			for i, f := range d.Findings {
				switch f.ID {
				case "tls-unavailable":
					unavailable = &d.Findings[i]
				case "tls-session", "control-failed":
					t.Errorf("finding %s: %+v", f.ID, f)
				}
			}
			if unavailable == nil || len(unavailable.Evidence) == 0 || !strings.Contains(unavailable.Evidence[0].Text, "TLS handshake") {
				t.Fatalf("findings %v; tls-unavailable %+v: want it with the handshake as evidence", findingIDs(d), unavailable)
			}
		})
	}
}
