package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
)

// The password must appear in nothing ftpdiag writes: stdout, stderr, every
// report format (to stdout and with -o), the -v transcript, the saved
// pcapng. These tests collect every artifact of a run into one map and
// check them all with assertNoSecret.

// reportFormats are every --format the CLI accepts.
var reportFormats = []string{"text", "markdown", "json", "jsonl", "html"}

// secretArtifacts is what one run left behind, name -> raw bytes. Add any
// new output (a log file, a pcapng) here and every secrets test checks it.
type secretArtifacts map[string][]byte

// addFile adds the raw bytes of a file the run wrote (a report from -o, a
// pcapng from --pcap); a missing file is a test failure.
func (a secretArtifacts) addFile(t *testing.T, name, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	a[name] = b
}

// assertNoSecret fails the test for every artifact that holds the secret,
// as text or as raw bytes (a pcapng holds it raw).
func assertNoSecret(t *testing.T, secret string, arts secretArtifacts) {
	t.Helper()
	if len(arts) == 0 {
		t.Fatal("no artifacts to check")
	}
	for name, b := range arts {
		if bytes.Contains(b, []byte(secret)) {
			i := bytes.Index(b, []byte(secret))
			lo, hi := max(0, i-60), min(len(b), i+len(secret)+20)
			t.Errorf("%s (%d bytes) contains the password: ...%q...", name, len(b), b[lo:hi])
		}
	}
}

// runInProcess runs the CLI in this process and returns stdout and stderr.
func runInProcess(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

const fixturePassword = "Fixture-S3cret-pw-7781"

// TestSecretsFixture: every format, to stdout and to a file, with -v, with
// the password from the environment and from the URL.
func TestSecretsFixture(t *testing.T) {
	srv := &ftptest.Server{User: "alice", Password: fixturePassword, Writable: true,
		Files: map[string][]byte{"a.txt": []byte("hello\n")}}
	ap := ftptest.Start(t, srv)
	dir := t.TempDir()
	arts := secretArtifacts{}
	for _, how := range []string{"env", "url", "stdin"} {
		for _, format := range reportFormats {
			url := "ftp://alice@" + ap.String() + "/"
			args := []string{"probe", "-v", "--upload", "--capture", "off", "--data-timeout", "1s", "--format", format}
			switch how {
			case "env":
				t.Setenv("FTPDIAG_PASSWORD", fixturePassword)
			case "url":
				os.Unsetenv("FTPDIAG_PASSWORD")
				url = "ftp://alice:" + fixturePassword + "@" + ap.String() + "/"
			case "stdin":
				os.Unsetenv("FTPDIAG_PASSWORD")
				args = append(args, "--password-stdin")
			}
			out := filepath.Join(dir, how+"."+format)
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			code := run(ctx, append(args, url), strings.NewReader(fixturePassword+"\n"), &stdout, &stderr)
			cancel()
			if code != exitOK {
				t.Errorf("%s %s: exit %d: %s", how, format, code, stderr.String())
			}
			arts[how+" "+format+" stdout"] = stdout.Bytes()
			arts[how+" "+format+" stderr (-v transcript)"] = stderr.Bytes()
			if !strings.Contains(stderr.String(), "> PASS ****") {
				t.Errorf("%s %s: -v does not show PASS ****:\n%s", how, format, stderr.String())
			}
			ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
			stdout.Reset()
			stderr.Reset()
			run(ctx, append(args, "-o", out, url), strings.NewReader(fixturePassword+"\n"), &stdout, &stderr)
			cancel()
			arts.addFile(t, how+" "+format+" -o file", out)
			arts[how+" "+format+" -o stderr"] = stderr.Bytes()
		}
	}
	assertNoSecret(t, fixturePassword, arts)
	if stored, deleted := srv.StoredAndDeleted(); len(stored) == 0 || len(stored) != len(deleted) {
		t.Errorf("upload: stored %v deleted %v", stored, deleted)
	}
}

// TestSecretsTLSAutoWire: under --tls auto the user's password crosses the
// wire only inside TLS. The loopback FTPS fixture keeps every byte its
// control connections received; the plain-text comparison of the passive
// modes logs in anonymously when the server allows it, is skipped (and the
// report says so) when it does not, and sends the real PASS in clear only
// with --allow-plain-login (the case that shows the check can fail).
func TestSecretsTLSAutoWire(t *testing.T) {
	cert := ftptest.NewTestCert(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, cert.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FTPDIAG_PASSWORD", fixturePassword)
	for _, tc := range []struct {
		name       string
		anonymous  bool
		allowPlain bool
		wantLogin  string // probe.tls.plain_login
		wantSkip   bool   // probe.tls.plain_skipped set
		wantClear  bool   // the password crossed the wire in clear
	}{
		{name: "anonymous allowed", anonymous: true, wantLogin: "anonymous"},
		{name: "anonymous refused", wantSkip: true},
		{name: "allow-plain-login", allowPlain: true, wantLogin: "user", wantClear: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &ftptest.Server{User: "alice", Password: fixturePassword, Anonymous: tc.anonymous, TLS: cert.Config,
				Files: map[string][]byte{"a.txt": []byte("hello\n")}}
			ap := ftptest.Start(t, srv)
			args := []string{"probe", "--capture", "off", "--data-timeout", "2s", "--format", "json", "--ca-file", ca, "--tls", "auto"}
			if tc.allowPlain {
				args = append(args, "--allow-plain-login")
			}
			stdout, stderr, code := runInProcess(t, append(args, "ftp://alice@"+ap.String()+"/")...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var d struct {
				Probe struct {
					TLS struct {
						Mode         string `json:"mode"`
						PlainLogin   string `json:"plain_login"`
						PlainSkipped string `json:"plain_skipped"`
					} `json:"tls"`
					Plain []json.RawMessage `json:"plain"`
					Notes []string          `json:"notes"`
				} `json:"probe"`
			}
			if err := json.Unmarshal([]byte(stdout), &d); err != nil {
				t.Fatal(err)
			}
			p := d.Probe
			if p.TLS.Mode != "explicit" || p.TLS.PlainLogin != tc.wantLogin || (p.TLS.PlainSkipped != "") != tc.wantSkip ||
				(len(p.Plain) > 0) == tc.wantSkip {
				t.Errorf("tls %+v, %d plain modes; want plain_login %q, skipped %v", p.TLS, len(p.Plain), tc.wantLogin, tc.wantSkip)
			}
			if tc.wantSkip && !strings.Contains(strings.Join(p.Notes, "\n"), "--allow-plain-login") {
				t.Errorf("notes do not say the comparison was skipped: %q", p.Notes)
			}
			wire := srv.Received()
			if !bytes.Contains(wire, []byte("AUTH TLS")) {
				t.Fatalf("the fixture recorded no AUTH TLS: %q", wire)
			}
			if got := bytes.Contains(wire, []byte(fixturePassword)); got != tc.wantClear {
				t.Errorf("password in clear on the wire: %v, want %v", got, tc.wantClear)
			}
			assertNoSecret(t, fixturePassword, secretArtifacts{"stdout": []byte(stdout), "stderr": []byte(stderr)})
		})
	}
}

// TestSecretsEchoed: a server that quotes the password back (in a 530, in
// a 500, under TLS) must not get it into any format, -o file or the -v
// transcript.
func TestSecretsEchoed(t *testing.T) {
	cert := ftptest.NewTestCert(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, cert.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FTPDIAG_PASSWORD", fixturePassword)
	dir := t.TempDir()
	arts := secretArtifacts{}
	for _, tc := range []struct {
		name, echo, scheme string
	}{
		{"530", "530 Login incorrect for password %s.", "ftp"},
		{"500", "500 'PASS %s': command not understood.", "ftp"},
		{"530 under TLS", "530-You sent %s\r\n530 Login incorrect.", "ftpes"},
	} {
		srv := &ftptest.Server{User: "alice", Password: fixturePassword, EchoPass: tc.echo, TLS: cert.Config}
		ap := ftptest.Start(t, srv)
		url := tc.scheme + "://alice@" + ap.String() + "/"
		for _, format := range reportFormats {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+"."+format)
			stdout, stderr, code := runInProcess(t, "probe", "-v", "--capture", "off", "--ca-file", ca, "--format", format, "-o", out, url)
			if code != exitFindings {
				t.Errorf("%s %s: exit %d, want 1 (login failed): %s", tc.name, format, code, stderr)
			}
			if !strings.Contains(stderr, tc.echo[:4]) || !strings.Contains(stderr, "****") {
				t.Errorf("%s %s: -v does not show the masked echo:\n%s", tc.name, format, stderr)
			}
			arts.addFile(t, tc.name+" "+format+" -o file", out)
			arts[tc.name+" "+format+" stdout"] = []byte(stdout)
			arts[tc.name+" "+format+" stderr (-v transcript)"] = []byte(stderr)
			stdout, _, _ = runInProcess(t, "probe", "--capture", "off", "--ca-file", ca, "--format", format, url)
			arts[tc.name+" "+format+" stdout (no -o)"] = []byte(stdout)
		}
	}
	assertNoSecret(t, fixturePassword, arts)
}

// TestSecretsNoUserInURL: FTPDIAG_PASSWORD set (as in a shell profile)
// and a URL that names no user: the login is anonymous and the password
// never crosses the wire, not even in an empty USER; --password-stdin
// without a user is a one-line error.
func TestSecretsNoUserInURL(t *testing.T) {
	t.Setenv("FTPDIAG_PASSWORD", fixturePassword)
	srv := &ftptest.Server{Anonymous: true, Files: map[string][]byte{"a.txt": []byte("hello\n")}}
	ap := ftptest.Start(t, srv)
	stdout, stderr, code := runInProcess(t, "probe", "--capture", "off", "--data-timeout", "2s", "--format", "json", "--modes", "EPSV", "ftp://"+ap.String()+"/")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	wire := srv.Received()
	if !bytes.Contains(wire, []byte("USER anonymous\r\n")) || bytes.Contains(wire, []byte(fixturePassword)) {
		t.Errorf("want an anonymous login without the password on the wire, got %q", wire)
	}
	assertNoSecret(t, fixturePassword, secretArtifacts{"stdout": []byte(stdout), "stderr": []byte(stderr)})

	var out, errs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code = run(ctx, []string{"probe", "--capture", "off", "--password-stdin", "ftp://" + ap.String() + "/"}, strings.NewReader(fixturePassword+"\n"), &out, &errs)
	first, _, _ := strings.Cut(errs.String(), "\n")
	if code != exitUsage || !strings.Contains(first, "names no user") || !strings.Contains(first, "ftp://USER@") {
		t.Errorf("--password-stdin without a user: exit %d, stderr %q; want a usage error naming the fix on its first line", code, errs.String())
	}
}
