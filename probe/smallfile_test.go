//go:build unix

package probe

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadSmallFile: only regular files, bounded, never blocking on a FIFO
// and never reading a device: the cases are built in a temp dir (a private
// device node, never the real /dev).
func TestReadSmallFile(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	write := func(name string, n int) {
		if err := os.WriteFile(path(name), []byte(strings.Repeat("x", n)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("small", 100)
	write("exact", 1000)
	write("big", 1001)
	if err := syscall.Mkfifo(path("fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path("fifo"), path("link-to-fifo")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path("small"), path("link-to-small")); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(path("dir"), 0o700)
	// A character device like /dev/zero (1,5); creating one needs root.
	haveDev := syscall.Mknod(path("zero"), syscall.S_IFCHR|0o600, 1<<8|5) == nil
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		wantLen int
		wantErr string // substring; "" for success
		isErr   error
	}{
		{name: "small", wantLen: 100},
		{name: "exact", wantLen: 1000},
		{name: "link-to-small", wantLen: 100},
		{name: "big", wantErr: "larger than 1000 bytes"},
		{name: "fifo", wantErr: "named pipe", isErr: ErrNotRegularFile},
		{name: "link-to-fifo", wantErr: "named pipe", isErr: ErrNotRegularFile},
		{name: "dir", wantErr: "directory", isErr: ErrNotRegularFile},
		{name: "zero", wantErr: "device", isErr: ErrNotRegularFile},
		{name: "missing", isErr: fs.ErrNotExist, wantErr: "no such file"},
		{name: "small", ctx: cancelled, isErr: context.Canceled, wantErr: "canceled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "zero" && !haveDev {
				t.Skip("creating a device node needs root")
			}
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			b, err := ReadSmallFile(ctx, path(tc.name), 1000)
			if tc.wantErr == "" {
				if err != nil || len(b) != tc.wantLen {
					t.Fatalf("got %d bytes, %v; want %d", len(b), err, tc.wantLen)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line containing %q", err, tc.wantErr)
			}
			if tc.isErr != nil && !errors.Is(err, tc.isErr) {
				t.Errorf("err = %v, want it to wrap %v", err, tc.isErr)
			}
		})
	}
}
