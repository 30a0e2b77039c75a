//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
)

// TestSmallFileInputs: --ca-file and $NETRC name files the probe reads
// whole. A FIFO (whose open would block for ever), a device (which never
// ends), a directory or an oversized file is refused at once with one line;
// a netrc is read only when a named user needs a password from it.
func TestSmallFileInputs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, 4<<20+1), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := &ftptest.Server{Files: map[string][]byte{"a.txt": []byte("hi\n")}}
	ap := ftptest.Start(t, srv)
	os.Unsetenv("FTPDIAG_PASSWORD")
	for _, tc := range []struct {
		name  string
		netrc string
		args  []string
		code  int
		want  string // in the one error line; "" for success
	}{
		{name: "ca-file FIFO", args: []string{"--ca-file", fifo, "ftp://" + ap.String() + "/"}, code: exitUsage, want: "named pipe"},
		{name: "ca-file directory", args: []string{"--ca-file", dir, "ftp://" + ap.String() + "/"}, code: exitUsage, want: "directory"},
		{name: "ca-file too big", args: []string{"--ca-file", big, "ftp://" + ap.String() + "/"}, code: exitUsage, want: "larger than 4 MiB"},
		{name: "netrc FIFO, named user", netrc: fifo, args: []string{"ftp://alice@" + ap.String() + "/"}, code: exitUsage, want: "named pipe"},
		{name: "netrc directory, named user", netrc: dir, args: []string{"ftp://alice@" + ap.String() + "/"}, code: exitUsage, want: "directory"},
		{name: "netrc FIFO, anonymous: not read", netrc: fifo, args: []string{"ftp://" + ap.String() + "/"}, code: exitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NETRC", tc.netrc)
			args := append([]string{"probe", "--capture", "off", "--tls", "off"}, tc.args...)
			_, stderr, code := runInProcess(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, stderr)
			}
			if tc.want == "" {
				return
			}
			if first, _, _ := strings.Cut(stderr, "\n"); !strings.HasPrefix(first, "ftpdiag: ") || !strings.Contains(first, tc.want) {
				t.Errorf("stderr %q: want one error line naming %q", stderr, tc.want)
			}
		})
	}
}
