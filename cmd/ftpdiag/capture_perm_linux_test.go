//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/capture"
)

// An unprivileged user asking for a capture (--capture on) gets one line
// saying what to do on this system, exit 2, and no probe.
func TestCaptureOnUnprivilegedSaysWhatToDo(t *testing.T) {
	bin := unprivilegedBinary(t)
	args := []string{bin, "probe", "--capture", "on", "--modes", "EPSV", "ftp://127.0.0.1:1/"}
	if os.Geteuid() == 0 {
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Fatalf("needs setpriv (util-linux) to drop to an unprivileged user: %v", err)
		}
		args = append([]string{setpriv, "--reuid=" + nobody, "--regid=" + nobody, "--clear-groups", "--inh-caps=-all", "--"}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "HOME="+os.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitUsage {
		t.Fatalf("exit %v, stderr %q", err, stderr.String())
	}
	msg := stderr.String()
	if !strings.Contains(msg, capture.ErrPermission.Error()) || !strings.Contains(msg, capture.RemedyHint) || strings.Count(strings.TrimSpace(msg), "\n") > 1 {
		t.Errorf("stderr %q: want the permission error and %q on one line", msg, capture.RemedyHint)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q: want nothing", stdout.String())
	}
}
