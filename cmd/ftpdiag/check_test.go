package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
)

// check against loopback servers: each plugin state with its exit code and
// one status line on stdout.
func TestCheckStates(t *testing.T) {
	healthy := ftptest.Start(t, &ftptest.Server{})
	broken := ftptest.Start(t, &ftptest.Server{NoDataListen: true})
	quick := []string{"check", "--capture", "off", "--modes", "EPSV,PASV", "--data-timeout", "2s"}
	cases := []struct {
		name string
		args []string
		code int
		line string
	}{
		{"ok", append(quick, "ftp://"+healthy.String()+"/"), 0, "FTP OK - data modes work: EPSV, PASV | time="},
		{"critical", append(quick, "ftp://"+broken.String()+"/"), 2, "FTP CRITICAL - "},
		{"warning over --warning", append(quick, "--warning", "1ns", "ftp://"+healthy.String()+"/"), 1, "FTP WARNING - the probe took "},
		{"unknown: bad URL", append(quick, "gopher://"+healthy.String()+"/"), 3, "FTP UNKNOWN - bad URL: unsupported scheme"},
		{"unknown: bad flag", []string{"check", "--no-such-flag", "ftp://" + healthy.String() + "/"}, 3, "FTP UNKNOWN - unknown flag: --no-such-flag"},
		{"unknown: no URL", []string{"check"}, 3, "FTP UNKNOWN - check takes exactly one URL"},
		{"unknown: bad mode", []string{"check", "--modes", "FOO", "ftp://" + healthy.String() + "/"}, 3, "FTP UNKNOWN - --modes: unknown mode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, c.args...)
			if code != c.code || !strings.HasPrefix(out, c.line) {
				t.Errorf("exit %d, stdout %q (stderr %q); want %d %q", code, out, errs, c.code, c.line)
			}
			if strings.Count(out, "\n") != 1 {
				t.Errorf("stdout is not one line: %q", out)
			}
		})
	}
}

func TestExporterConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(good, []byte("allowed_targets: [ftp.example.net]\nmodules: {default: {}}\n"), 0o644)
	os.WriteFile(bad, []byte("allowed_targets: [ftp.example.net]\nmodules: {default: {timout: 5s}}\n"), 0o644)
	code, out, errs := runCLI(t, "exporter", "--config", good, "--config.check")
	if code != exitOK || !strings.Contains(out, "valid") {
		t.Errorf("good config: exit %d, %q %q", code, out, errs)
	}
	code, _, errs = runCLI(t, "exporter", "--config", bad, "--config.check")
	if code != exitUsage || !strings.Contains(errs, "timout") || strings.Count(strings.TrimSpace(errs), "\n") > 1 {
		t.Errorf("bad config: exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI(t, "exporter")
	if code != exitUsage || !strings.Contains(errs, "--config FILE is required") {
		t.Errorf("no config: exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI(t, "exporter", "--config", filepath.Join(dir, "missing.yml"))
	if code != exitUsage || !strings.Contains(errs, "no such file") {
		t.Errorf("missing config: exit %d, stderr %q", code, errs)
	}
}
