package outfile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRefusesSpecialFiles makes private device nodes, a FIFO and a socket
// in a temp dir (never the real /dev) and checks that neither Check nor
// Create touches them, directly or through a link.
func TestRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	type special struct {
		name, what string
		make       func(path string) error
	}
	specials := []special{
		{"null", "a device", func(p string) error { return syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3) }},
		{"block", "a device", func(p string) error { return syscall.Mknod(p, syscall.S_IFBLK|0o600, 7<<8|0) }},
		{"fifo", "a named pipe", func(p string) error { return syscall.Mkfifo(p, 0o600) }},
		{"sock", "a socket", func(p string) error {
			l, err := net.Listen("unix", p)
			if err == nil {
				t.Cleanup(func() { l.Close() })
			}
			return err
		}},
	}
	for _, sp := range specials {
		path := filepath.Join(dir, sp.name)
		if err := sp.make(path); err != nil {
			if errors.Is(err, syscall.EPERM) {
				t.Logf("%s: cannot make one here (%v): case skipped", sp.name, err)
				continue
			}
			t.Fatalf("%s: %v", sp.name, err)
		}
		link := path + "-link"
		if err := os.Symlink(sp.name, link); err != nil {
			t.Fatal(err)
		}
		before, _ := os.Lstat(path)
		for _, p := range []string{path, link} {
			err := Check(p)
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), sp.what) {
				t.Errorf("Check(%s) = %v, want %s refused", p, err, sp.what)
			}
			if f, err := Create(p, 0o600); err == nil {
				f.Abort()
				t.Errorf("Create(%s) accepted %s", p, sp.what)
			}
		}
		after, err := os.Lstat(path)
		if err != nil || after.Mode() != before.Mode() {
			t.Errorf("%s changed: %v -> %v (%v)", sp.name, before.Mode(), after, err)
		}
	}
}
