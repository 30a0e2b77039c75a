package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// countingListener is a loopback port that counts the connections made to
// it: a bad output path must be refused before the probe dials.
func countingListener(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return l.Addr().String(), &n
}

// TestOutputPathsCheckedFirst: -o and --pcap naming what cannot be written
// exit 2 with one error line before anything is probed or read.
func TestOutputPathsCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	trace := labCapture(t, "healthy")
	copyOf := filepath.Join(dir, "copy.pcapng")
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(copyOf, b, 0o644)
	addr, dials := countingListener(t)
	url := "ftp://" + addr + "/"
	probe := []string{"probe", "--connect-timeout", "1s", "--reply-timeout", "1s", "--modes", "EPSV"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"-o a directory", append(probe, "--capture", "off", "-o", dir, url), "is a directory"},
		{"-o in a missing directory", append(probe, "--capture", "off", "-o", filepath.Join(dir, "no", "r.txt"), url), "does not exist"},
		{"-o a FIFO", append(probe, "--capture", "off", "-o", fifo, url), "named pipe"},
		{"--pcap a directory", append(probe, "--pcap", dir, url), "is a directory"},
		{"--pcap a FIFO", append(probe, "--pcap", fifo, url), "named pipe"},
		{"-o and --pcap the same file", append(probe, "-o", filepath.Join(dir, "x"), "--pcap", filepath.Join(dir, ".", "x"), url), "same file"},
		{"analyze -o a directory", []string{"analyze", "-o", dir, trace}, "is a directory"},
		{"analyze -o its own input", []string{"analyze", "-o", copyOf, copyOf}, "one of the capture files"},
		{"analyze a directory", []string{"analyze", dir}, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLIEnv(t, tc.args...)
			if code != exitUsage || out != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing", code, out)
			}
			first, _, _ := strings.Cut(errs, "\n")
			if !strings.HasPrefix(first, "ftpdiag: ") || !strings.Contains(first, tc.want) {
				t.Errorf("stderr %q, want a line naming %q", errs, tc.want)
			}
			if n := dials.Load(); n != 0 {
				t.Errorf("the probe connected %d times before the output path was refused", n)
			}
		})
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced")
	}
	if got, _ := os.ReadFile(copyOf); len(got) != len(b) {
		t.Errorf("analyze replaced its own input")
	}
}
