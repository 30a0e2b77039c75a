package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
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
