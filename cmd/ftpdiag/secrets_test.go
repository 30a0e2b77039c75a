package main

import (
	"bytes"
	"context"
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
var reportFormats = []string{"text", "markdown", "json", "html"}

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
