//go:build linux

package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// BulkFile is the file the "bulk" scenario serves, BulkFileSize bytes long.
const BulkFile = "bulk.bin"

// BulkFileSize is the size of BulkFile (100 MiB): a transfer long enough to
// show whether the capture keeps up at full veth speed (scripts/bench-capture).
const BulkFileSize = 100 << 20

// writeSparseFiles creates each name in dir as a sparse file of size zero
// bytes: it reads back as zeros and occupies no disk space.
func writeSparseFiles(dir string, files map[string]int64) error {
	for name, size := range files {
		if name == "" || strings.ContainsRune(name, '/') || name == "." || name == ".." {
			return fmt.Errorf("lab: extra file name %q must be a plain file name", name)
		}
		if size < 0 {
			return fmt.Errorf("lab: extra file %q: negative size %d", name, size)
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		err = f.Truncate(size)
		if err == nil {
			err = f.Chmod(0o644) // whatever the umask: vsftpd's anonymous user reads it
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("lab: extra file %q: %w", name, err)
		}
	}
	return nil
}
