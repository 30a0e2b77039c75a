//go:build linux

package lab

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteSparseFiles(t *testing.T) {
	dir := t.TempDir()
	if err := writeSparseFiles(dir, map[string]int64{BulkFile: BulkFileSize, "empty": 0}); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int64{BulkFile: BulkFileSize, "empty": 0} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != size || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: size %d mode %v, want %d 0644", name, st.Size(), st.Mode().Perm(), size)
		}
	}
	for _, bad := range []string{"", "..", "a/b"} {
		if err := writeSparseFiles(dir, map[string]int64{bad: 1}); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	if err := writeSparseFiles(dir, map[string]int64{"neg": -1}); err == nil {
		t.Error("negative size accepted")
	}
}
