package capture

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/ftpdiag/ftpdiag/internal/outfile"
)

// TestPcapWriterPath checks what --pcap may replace: a regular file
// (through a link too, the link kept), never a directory.
func TestPcapWriterPath(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "old.pcapng"), []byte("old"), 0o600)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.Symlink("old.pcapng", filepath.Join(dir, "link.pcapng"))
	os.Symlink("sub", filepath.Join(dir, "link-sub"))
	tests := []struct {
		path string
		ok   bool
	}{
		{"new.pcapng", true},
		{"old.pcapng", true},
		{"link.pcapng", true},
		{"sub", false},
		{"link-sub", false},
	}
	for _, tc := range tests {
		path := filepath.Join(dir, tc.path)
		w, err := newPcapWriter(path, layers.LinkTypeEthernet, "test0", "tcp")
		if !tc.ok {
			if !errors.Is(err, outfile.ErrNotRegular) {
				t.Errorf("%s: newPcapWriter = %v, want a refusal", tc.path, err)
			}
			if w != nil {
				w.close(false)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if err := w.close(true); err != nil {
			t.Errorf("%s: close: %v", tc.path, err)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dir, "link.pcapng")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link.pcapng was replaced instead of written through")
	}
	if fi, err := os.Lstat(filepath.Join(dir, "sub")); err != nil || !fi.IsDir() {
		t.Errorf("the directory was replaced")
	}
}
