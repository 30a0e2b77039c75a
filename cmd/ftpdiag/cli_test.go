package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
)

// runCLI runs the CLI in-process with empty stdin.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCompletionBash(t *testing.T) {
	code, out, errs := runCLI(t, "completion", "bash")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"# bash completion V2 for ftpdiag", "__start_ftpdiag", "complete -o default -F __start_ftpdiag ftpdiag"} {
		if !strings.Contains(out, want) {
			t.Errorf("bash completion lacks %q; got:\n%.300s", want, out)
		}
	}
}

func TestCompletionEveryShell(t *testing.T) {
	wants := map[string]string{
		"bash":       "bash completion V2 for ftpdiag",
		"zsh":        "#compdef ftpdiag",
		"fish":       "complete -c ftpdiag",
		"powershell": "Register-ArgumentCompleter",
	}
	for shell, want := range wants {
		for _, noDesc := range []bool{false, true} {
			args := []string{"completion", shell}
			if noDesc {
				args = append(args, "--no-descriptions")
			}
			code, out, errs := runCLI(t, args...)
			if code != exitOK || !strings.Contains(out, want) {
				t.Errorf("%v: exit %d, stderr %q, output lacks %q", args, code, errs, want)
			}
		}
	}
}

func TestCompletionUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"completion"},
		{"completion", "tcsh"},
		{"completion", "bash", "extra"},
	} {
		code, out, errs := runCLI(t, args...)
		if code != exitUsage || out != "" || !strings.HasPrefix(errs, "ftpdiag: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and a message on stderr only", args, code, out, errs)
		}
	}
}

// The generated scripts call the hidden __complete command; it must
// complete the probe command's flags and the completion command's shells.
func TestDynamicCompletion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "pro"}, "probe"},
		{[]string{"__complete", "probe", "--form"}, "--format"},
		{[]string{"__complete", "completion", "f"}, "fish"},
		{[]string{"__complete", "probe", "--format", ""}, "markdown"},
		{[]string{"__complete", "probe", "--modes", "EPSV,P"}, "EPSV,PASV\nEPSV,PORT\n"},
		{[]string{"__complete", "probe", ""}, "ftp://"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != exitOK || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, got %q, want %q among the completions", tc.args, code, errs, out, tc.want)
		}
	}
}

func TestVersionPrintsVersionCommitDate(t *testing.T) {
	code, out, errs := runCLI(t, "version")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "ftpdiag ") || !strings.HasPrefix(lines[1], "commit ") || !strings.HasPrefix(lines[2], "built ") {
		t.Fatalf("version output:\n%s", out)
	}
	for i, l := range lines[:3] {
		if f := strings.Fields(l); len(f) != 2 || f[1] == "" {
			t.Errorf("line %d %q: want a label and one value", i+1, l)
		}
	}
}

func TestVersionFromLdflagsVariables(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "v1.2.3", "0123456789abcdef", "2026-01-02T03:04:05Z"
	_, out, _ := runCLI(t, "version")
	for _, want := range []string{"ftpdiag v1.2.3\n", "commit 0123456789abcdef\n", "built 2026-01-02T03:04:05Z\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
}

// The release script sets main.version, main.commit and main.date with
// -ldflags -X: a misspelt variable would be ignored silently by the linker.
func TestVersionLdflagsInBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "ftpdiag")
	ld := "-X main.version=v9.8.7 -X main.commit=feedface -X main.date=2026-02-03T04:05:06Z"
	if out, err := exec.Command("go", "build", "-ldflags", ld, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("ftpdiag version: %v", err)
	}
	if !strings.HasPrefix(string(out), "ftpdiag v9.8.7\ncommit feedface\nbuilt 2026-02-03T04:05:06Z\n") {
		t.Errorf("version output:\n%s", out)
	}
}

func TestManPages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1")
	code, _, errs := runCLI(t, "man", dir)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ftpdiag.1"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{".TH \"FTPDIAG\" \"1\"", ".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", "ftpdiag-probe(1)"} {
		if !strings.Contains(page, want) {
			t.Errorf("ftpdiag.1 lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "Auto generated") {
		t.Errorf("ftpdiag.1 carries cobra's auto-generated tag")
	}
	for _, name := range []string{"ftpdiag-probe.1", "ftpdiag-version.1", "ftpdiag-completion.1", "ftpdiag-completion-bash.1"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("missing man page: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ftpdiag-man.1")); err == nil {
		t.Errorf("the hidden man command got a man page")
	}
}

// Usage errors exit 2 with the message and one line of help on stderr, and
// never touch the network (every case fails before a dial).
func TestUsageErrorsExit2(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
		// hide must not appear in the output (a password in the URL).
		hide string
	}{
		{"wrong flag", []string{"probe", "--no-such-flag", "ftp://192.0.2.1/"}, "unknown flag", ""},
		{"unknown format", []string{"probe", "--format", "yaml", "ftp://192.0.2.1/"}, "yaml", ""},
		{"bad scheme", []string{"probe", "http://192.0.2.1/"}, "scheme", ""},
		{"no host", []string{"probe", "ftp:///pub/"}, "host", ""},
		{"bad port", []string{"probe", "ftp://192.0.2.1:70000/"}, "port", ""},
		{"no args", []string{"probe"}, "exactly one URL", ""},
		{"two URLs", []string{"probe", "ftp://192.0.2.1/", "ftp://192.0.2.2/"}, "exactly one URL", ""},
		{"unknown command", []string{"prob", "ftp://192.0.2.1/"}, "unknown command", ""},
		{"version with args", []string{"version", "now"}, "version", ""},
		{"URL with a password and a CR", []string{"probe", "ftp://u:Hunter2@192.0.2.1/\r"}, "control characters", "Hunter2"},
		{"URL with a password holding a slash", []string{"probe", "ftp://u:Hun7/x@192.0.2.1/"}, "percent-encoded", "Hun7"},
		{"URL with a password holding a slash, parsable as host:port", []string{"probe", "ftp://alice:987654/xyz@192.0.2.1/"}, "FTPDIAG_PASSWORD", "987654"},
		{"URL with an encoded LF in the path", []string{"probe", "ftp://192.0.2.1/a%0aDELE%20b"}, "control characters", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2; stderr %q", code, errs)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if tc.hide != "" && strings.Contains(errs, tc.hide) {
				t.Errorf("stderr %q shows the password", errs)
			}
			lines := strings.Split(strings.TrimRight(errs, "\n"), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "ftpdiag: ") || !strings.Contains(lines[0], tc.want) || !strings.Contains(lines[1], "--help") {
				t.Errorf("stderr %q: want one error line naming %q and one line of help", errs, tc.want)
			}
		})
	}
}

// TestVerboseTranscriptIsTerminalSafe: -v writes what the server sent to
// stderr, usually a terminal; a server's escape sequences must not reach it.
func TestVerboseTranscriptIsTerminalSafe(t *testing.T) {
	srv := &ftptest.Server{Banner: "220 hi \x1b]0;owned\x07\x1b[2J\u202e", Files: map[string][]byte{"a.txt": []byte("x\n")}}
	ap := ftptest.Start(t, srv)
	_, _, errs := runCLIEnv(t, "probe", "-v", "--capture", "off", "--modes", "EPSV", "ftp://"+ap.String()+"/")
	if !strings.Contains(errs, "< 220 hi ") {
		t.Fatalf("no banner in the -v transcript:\n%s", errs)
	}
	if strings.ContainsAny(errs, "\x1b\x07\u202e") {
		t.Errorf("-v passed control characters to the terminal: %q", errs)
	}
}

// runCLIEnv is runCLI with the password variable unset (an anonymous login).
func runCLIEnv(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("FTPDIAG_PASSWORD", "")
	return runCLI(t, args...)
}
