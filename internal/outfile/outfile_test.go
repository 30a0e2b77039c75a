package outfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// setup lays out a temp dir: a regular file, a directory, links to each
// and a link to nothing.
func setup(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "file"), []byte("old"), 0o640))
	must(os.Mkdir(filepath.Join(dir, "dir"), 0o755))
	must(os.Symlink("file", filepath.Join(dir, "link-file")))
	must(os.Symlink("dir", filepath.Join(dir, "link-dir")))
	must(os.Symlink("missing", filepath.Join(dir, "link-missing")))
	return dir
}

func TestCheck(t *testing.T) {
	dir := setup(t)
	tests := []struct {
		path, err string // err: "" or a part of the message
	}{
		{"file", ""},
		{"new", ""},
		{"link-file", ""},
		{"dir", "is a directory"},
		{"link-dir", "is a directory"},
		{"link-missing", "symbolic link to a missing file"},
		{"nodir/new", "does not exist"},
		{"file/new", "is not a directory"},
	}
	for _, tc := range tests {
		err := Check(filepath.Join(dir, tc.path))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("Check(%s): %v", tc.path, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Check(%s) = %v, want an error with %q", tc.path, err, tc.err)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("Check(%s): error is not one line: %q", tc.path, err)
		}
	}
	if got := leftovers(t, dir); len(got) > 0 {
		t.Errorf("Check left temporary files: %v", got)
	}
}

// leftovers lists the temporary files in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCreateWritesThroughLink(t *testing.T) {
	dir := setup(t)
	f, err := Create(filepath.Join(dir, "link-file"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(dir, "link-file"))
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "file"))
	if string(b) != "new" {
		t.Errorf("target holds %q, want the new content", b)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "file")); fi.Mode().Perm() != 0o640 {
		t.Errorf("replaced file has mode %v, want the old 0640", fi.Mode().Perm())
	}
}

func TestAbortKeepsOldFile(t *testing.T) {
	dir := setup(t)
	f, err := Create(filepath.Join(dir, "file"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half")
	f.Abort()
	b, _ := os.ReadFile(filepath.Join(dir, "file"))
	if string(b) != "old" {
		t.Errorf("file holds %q after Abort, want the old content", b)
	}
	if got := leftovers(t, dir); len(got) > 0 {
		t.Errorf("Abort left temporary files: %v", got)
	}
}

func TestCommitRefusesWhatAppeared(t *testing.T) {
	dir := setup(t)
	path := filepath.Join(dir, "late")
	f, err := Create(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	err = f.Commit()
	if !errors.Is(err, ErrNotRegular) {
		t.Errorf("Commit over a directory made meanwhile: %v, want ErrNotRegular", err)
	}
	if fi, err := os.Lstat(path); err != nil || !fi.IsDir() {
		t.Errorf("the directory was replaced: %v", err)
	}
	if got := leftovers(t, dir); len(got) > 0 {
		t.Errorf("failed Commit left temporary files: %v", got)
	}
}

func TestSame(t *testing.T) {
	dir := setup(t)
	j := func(p string) string { return filepath.Join(dir, p) }
	tests := []struct {
		a, b string
		want bool
	}{
		{j("file"), j("file"), true},
		{j("file"), j("link-file"), true},
		{j("new"), j("./new"), true},
		{j("new"), j("link-dir/../new"), true},
		{j("new"), j("other"), false},
		{j("file"), j("new"), false},
	}
	for _, tc := range tests {
		if got := Same(tc.a, tc.b); got != tc.want {
			t.Errorf("Same(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
