package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func labCapture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "testdata", "captures", name+".pcapng")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("lab capture %s missing (scripts/make-testdata-captures): %v", name, err)
	}
	return p
}

func analyzeCLI(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAnalyzeExitCodesAndFormats(t *testing.T) {
	healthy, dropped := labCapture(t, "healthy"), labCapture(t, "passive-dropped")
	if code, out, errs := analyzeCLI(t, nil, "analyze", healthy); code != 0 || !strings.Contains(out, "All four data modes work") || errs != "" {
		t.Errorf("healthy: exit %d, stderr %q\n%s", code, errs, out)
	}
	code, out, _ := analyzeCLI(t, nil, "analyze", "--format", "json", dropped)
	if code != 1 {
		t.Errorf("passive-dropped: exit %d, want 1", code)
	}
	var doc struct {
		Schema   string `json:"schema"`
		Kind     string `json:"kind"`
		Sessions []struct {
			Findings []struct {
				ID     string `json:"id"`
				Source string `json:"source"`
			} `json:"findings"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("json: %v", err)
	}
	if doc.Schema != "ftpdiag/v1" || doc.Kind != "capture" || len(doc.Sessions) != 1 || len(doc.Sessions[0].Findings) == 0 ||
		doc.Sessions[0].Findings[0].ID != "passive-port-filtered" || doc.Sessions[0].Findings[0].Source != "capture" {
		t.Errorf("json report %+v", doc)
	}
	for _, f := range []string{"markdown", "html", "text"} {
		code, out, _ := analyzeCLI(t, nil, "analyze", "--format", f, "--no-color", dropped, healthy)
		if code != 1 || !strings.Contains(out, "passive-port-filtered") {
			t.Errorf("%s of two files: exit %d\n%.300s", f, code, out)
		}
		if strings.Contains(strings.ToLower(out), "pass anonymous") {
			t.Errorf("%s shows a password", f)
		}
	}
}

func TestAnalyzeStdinGzipSession(t *testing.T) {
	raw, err := os.ReadFile(labCapture(t, "port-disabled"))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	code, out, _ := analyzeCLI(t, gz.Bytes(), "analyze", "--session", "1", "-")
	if code != 1 || !strings.Contains(out, "active-disabled") {
		t.Errorf("stdin gzip: exit %d\n%.400s", code, out)
	}
	if code, _, errs := analyzeCLI(t, raw, "analyze", "--session", "7", "-"); code != 2 || !strings.Contains(errs, "--session 7: the capture has 1 sessions") {
		t.Errorf("bad session: exit %d, stderr %q", code, errs)
	}
}

func TestAnalyzeBrokenInput(t *testing.T) {
	raw, err := os.ReadFile(labCapture(t, "passive-rejected"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut := filepath.Join(dir, "cut.pcapng")
	os.WriteFile(cut, raw[:len(raw)*3/4], 0o600)
	junk := filepath.Join(dir, "junk.pcap")
	os.WriteFile(junk, []byte("this is not a capture at all"), 0o600)
	tests := []struct {
		name   string
		args   []string
		stderr string
		report bool
	}{
		{"truncated", []string{cut}, "file truncated", true},
		{"bad magic", []string{junk}, "is not a pcap or pcapng file", false},
		{"missing", []string{filepath.Join(dir, "nope")}, "no such file", false},
		{"no file", nil, "at least one capture file", false},
		{"bad port", []string{"--control-port", "70000", cut}, "--control-port", false},
	}
	// The JSON report is written while the capture is read
	// (analyzeWhileReading): the same, and nothing at all when nothing
	// could be read.
	for _, format := range []struct{ name, session string }{{"text", "Session 1"}, {"json", `"id": 1,`}} {
		for _, tt := range tests {
			t.Run(format.name+"/"+tt.name, func(t *testing.T) {
				args := append([]string{"analyze", "--format", format.name}, tt.args...)
				code, out, errs := analyzeCLI(t, nil, args...)
				if code != 2 || !strings.Contains(errs, tt.stderr) {
					t.Errorf("exit %d, stderr %q", code, errs)
				}
				if n := strings.Count(strings.TrimSpace(errs), "\n"); n > 1 {
					t.Errorf("stderr is %d lines", n+1)
				}
				if tt.report != strings.Contains(out, format.session) || !tt.report && out != "" {
					t.Errorf("report written: %v\n%.300s", !tt.report, out)
				}
				if format.name == "json" && tt.report && !strings.Contains(out, `"read_error": "`) {
					t.Errorf("the JSON report does not say the file is damaged:\n%.300s", out)
				}
			})
		}
	}
}
