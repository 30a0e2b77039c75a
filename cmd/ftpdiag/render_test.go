package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/report"
)

// TestRenderRoundTrip: a JSON report saved by probe renders again, in JSON
// byte for byte, and in the other formats with the same verdict.
func TestRenderRoundTrip(t *testing.T) {
	ap := ftptest.Start(t, &ftptest.Server{Files: map[string][]byte{"a.txt": []byte("hello\n")}, Replies: map[string]string{"PORT": "500 Illegal PORT command."}})
	saved := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"probe", "--capture", "off", "--tls", "off", "--format", "json", "-o", saved, "ftp://" + ap.String() + "/"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitFindings {
		t.Fatalf("probe exit %d, want 1 (PORT refused); stderr: %s", code, stderr.String())
	}
	orig, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"render", "--format", "json", saved}, strings.NewReader(""), &stdout, &stderr); code != exitFindings {
		t.Fatalf("render exit %d, want the report's own 1; stderr: %s", code, stderr.String())
	}
	if !bytes.Equal(bytes.TrimSpace(stdout.Bytes()), bytes.TrimSpace(orig)) {
		t.Errorf("JSON does not round-trip through render")
	}
	for _, f := range []string{"text", "markdown", "html"} {
		stdout.Reset()
		run(context.Background(), []string{"render", "--format", f, saved}, strings.NewReader(""), &stdout, &stderr)
		if !strings.Contains(stdout.String(), "PORT") || !strings.Contains(stdout.String(), "active-address-rejected") {
			t.Errorf("%s rendering lacks the PORT failure:\n%s", f, stdout.String())
		}
	}
}

func TestRenderBadInput(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte("not json at all"), 0o600)
	other := filepath.Join(dir, "other.json")
	os.WriteFile(other, []byte(`{"schema":"something/v9"}`), 0o600)
	for _, args := range [][]string{
		{"render", filepath.Join(dir, "missing.json")},
		{"render", garbage},
		{"render", other},
		{"render"},
		{"render", "--format", "xml", other},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
		if code != exitUsage || !strings.HasPrefix(stderr.String(), "ftpdiag: ") {
			t.Errorf("%v: exit %d, stderr %q; want 2 with one clear line", args, code, stderr.String())
		}
	}
}

// TestRenderRefusesInvalidReport: a report file is input. One that no
// ftpdiag could have written (unknown severity or id, escapes in a mode,
// an unknown kind, an analyze report whose summary and sessions disagree,
// trailing data, too large) is refused with one line
// and exit 2, never a panic and never rendered as if it were a diagnosis.
func TestRenderRefusesInvalidReport(t *testing.T) {
	d := report.Diagnose(nil, nil)
	d.Verdict = "All four data modes work."
	d.Findings = []report.Finding{{ID: "capture-unavailable", Severity: report.SeverityInfo, Title: "t", Evidence: []report.Fact{}, Fixes: []report.Fix{}}}
	good, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	spoil := func(old, new string) string {
		s := strings.Replace(string(good), old, new, 1)
		if s == string(good) {
			t.Fatalf("%q not in the report", old)
		}
		return s
	}
	maxReportBytes = 4096
	defer func() { maxReportBytes = 64 << 20 }()
	dir := t.TempDir()
	tests := []struct{ name, content, want string }{
		{"unknown severity", spoil(`"severity":"info"`, `"severity":"fatal"`), `findings[0].severity: "fatal" is not one of`},
		{"unknown id", spoil(`"id":"capture-unavailable"`, `"id":"\u001b[2Jowned"`), "findings[0].id: unknown value"},
		{"markdown mode", spoil(`"title":"t"`, `"title":"t","modes":["[x](http://evil)"]`), "findings[0].modes[0]"},
		{"unknown kind", `{"schema":"ftpdiag/v1","kind":"\u001b[2Jtrace","summary":[],"sessions":[]}`, `report kind "\x1b[2Jtrace" is neither`},
		{"analyze report, a summary line without its session", `{"schema":"ftpdiag/v1","kind":"capture","summary":[{"session":1,"vantage":"client","errors":[],"warnings":[]}],"sessions":[]}`, "sessions: 0 sessions for 1 summary lines"},
		{"analyze report without sessions", "{\n  \"schema\": \"ftpdiag/v1\",\n  \"kind\": \"capture\",\n  \"summary\": []\n}\n", "sessions: missing"},
		{"JSON Lines analyze report, a summary line without its session", `{"schema":"ftpdiag/v1","kind":"capture","summary":[{"session":1,"vantage":"client","errors":[],"warnings":[]}]}` + "\n", "sessions: 0 sessions for 1 summary lines"},
		{"trailing data", string(good) + `{"more":1}`, "more data after the report"},
		{"too large", spoil(`"verdict":"All`, `"verdict":"`+strings.Repeat("x", 5000)+`All`), "larger than"},
		{"no verdict", `{"schema":"ftpdiag/v1","findings":[],"matrix":[],"ladders":[]}`, "verdict: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"text", "markdown", "html", "json"} {
				var stdout, stderr bytes.Buffer
				code := run(context.Background(), []string{"render", "--format", f, p}, strings.NewReader(""), &stdout, &stderr)
				msg := stderr.String()
				if code != exitUsage || !strings.HasPrefix(msg, "ftpdiag: ") || !strings.Contains(msg, tt.want) || stdout.Len() != 0 {
					t.Errorf("%s: exit %d, stdout %d bytes, stderr %q; want 2 and a line with %q", f, code, stdout.Len(), msg, tt.want)
				}
				if first, _, _ := strings.Cut(msg, "\n"); strings.ContainsAny(first, "\x1b\r") {
					t.Errorf("%s: control characters in the error line %q", f, first)
				}
			}
		})
	}
	// The good report itself renders.
	p := filepath.Join(dir, "good.json")
	os.WriteFile(p, good, 0o600)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"render", p}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Errorf("good report: exit %d, stderr %q", code, stderr.String())
	}
}
