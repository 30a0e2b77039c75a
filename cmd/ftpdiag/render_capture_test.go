package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderAnalyzeReport: "ftpdiag render" of an "analyze --format json"
// report gives, in every format, what analyze itself gives in that format,
// with the same exit status (it printed an empty report and exited 0).
func TestRenderAnalyzeReport(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name  string
		files []string
		code  int
		saved string // the format the report is saved in: json or jsonl
	}{
		{"healthy", []string{labCapture(t, "healthy")}, 0, "json"},
		{"two captures, two sessions", []string{labCapture(t, "passive-dropped"), labCapture(t, "server-nat")}, 1, "json"},
		{"two sessions saved as JSON Lines", []string{labCapture(t, "passive-dropped"), labCapture(t, "server-nat")}, 1, "jsonl"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			saved := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+"."+tt.saved)
			if code, _, errs := analyzeCLI(t, nil, append([]string{"analyze", "--format", tt.saved, "-o", saved}, tt.files...)...); code != tt.code {
				t.Fatalf("analyze: exit %d, stderr %q", code, errs)
			}
			for _, f := range []string{"text", "markdown", "html", "json", "jsonl"} {
				wantCode, want, _ := analyzeCLI(t, nil, append([]string{"analyze", "--no-color", "--format", f}, tt.files...)...)
				code, got, errs := analyzeCLI(t, nil, "render", "--no-color", "--format", f, saved)
				if code != wantCode || got != want {
					t.Errorf("%s: render exit %d (analyze %d), stderr %q; output equal to analyze's: %v\n%.800s", f, code, wantCode, errs, got == want, got)
				}
			}
		})
	}
}

// TestRenderAnalyzeReportEdited: an analyze report whose summary no
// longer matches its sessions (an error finding dropped from the summary:
// the exit status would lie) is refused.
func TestRenderAnalyzeReportEdited(t *testing.T) {
	_, out, _ := analyzeCLI(t, nil, "analyze", "--format", "json", labCapture(t, "passive-dropped"))
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(sum map[string]any)
		want string
	}{
		{"error dropped from the summary", func(sum map[string]any) { sum["errors"] = []any{} }, `error "passive-port-filtered" is not in summary[0].errors`},
		{"error the session does not have", func(sum map[string]any) { sum["errors"] = append(sum["errors"].([]any), "control-failed") }, `"control-failed" is not a finding of session 1`},
		{"unknown id", func(sum map[string]any) { sum["warnings"] = []any{"owned"} }, "summary[0].warnings[0]: unknown value"},
		{"other session's number", func(sum map[string]any) { sum["session"] = 2 }, "summary[0].session: 2 is not sessions[0].session.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d map[string]any
			json.Unmarshal([]byte(out), &d)
			tt.edit(d["summary"].([]any)[0].(map[string]any))
			b, _ := json.Marshal(d)
			p := filepath.Join(t.TempDir(), "edited.json")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, errs := analyzeCLI(t, nil, "render", p)
			if code != exitUsage || stdout != "" || !strings.Contains(errs, tt.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("exit %d, stdout %d bytes, stderr %q; want 2 and %q", code, len(stdout), errs, tt.want)
			}
		})
	}
}

// TestRenderJSONLDamaged: a JSON Lines analyze report with a broken
// session line, or a probe report followed by more data, is refused with
// the line that is wrong.
func TestRenderJSONLDamaged(t *testing.T) {
	dir := t.TempDir()
	_, out, _ := analyzeCLI(t, nil, "analyze", "--format", "jsonl", labCapture(t, "passive-dropped"))
	lines := strings.SplitAfter(out, "\n")
	if len(lines) < 3 {
		t.Fatalf("analyze --format jsonl gave %d lines", len(lines))
	}
	for name, text := range map[string]string{
		"session line cut":       lines[0] + lines[1][:len(lines[1])/2] + "\n",
		"session not an object":  lines[0] + "[1,2]\n",
		"probe report then more": lines[1] + lines[1],
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".jsonl")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := analyzeCLI(t, nil, "render", path)
		if code != exitUsage || strings.Count(strings.TrimSpace(errs), "\n") > 1 || !strings.Contains(errs, "read report") {
			t.Errorf("%s: exit %d, stderr %q", name, code, errs)
		}
	}
}
