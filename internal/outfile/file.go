package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// File is an output file being written: a temporary file beside its final
// name until Commit renames it there. Abort (or a failed Commit) removes
// it, and the file at the final name, if any, stays as it was.
type File struct {
	*os.File
	path   string // as the user gave it, for messages
	target string // what Commit replaces: path with its links followed
	old    fs.FileInfo
	done   bool
}

// Create starts writing the file at path. New files get permissions perm
// (less the umask); a file replaced keeps its own permissions and, where
// the system allows it, its owner.
func Create(path string, perm fs.FileMode) (*File, error) {
	target, old, err := resolve(path)
	if err != nil {
		return nil, err
	}
	f, err := createTemp(target, perm)
	if err != nil {
		return nil, err
	}
	if old != nil {
		f.Chmod(old.Mode().Perm())
		keepOwner(f, old)
	}
	return &File{File: f, path: path, target: target, old: old}, nil
}

// Commit closes the file and renames it to its final name. It checks the
// final name again first: what appeared there meanwhile is not replaced
// unless it is a regular file.
func (f *File) Commit() error {
	if f.done {
		return errors.New("outfile: already finished")
	}
	f.done = true
	err := f.File.Close()
	if err == nil {
		err = f.recheck()
	}
	if err == nil {
		err = os.Rename(f.File.Name(), f.target)
	}
	if err != nil {
		os.Remove(f.File.Name())
		return fmt.Errorf("cannot save %s: %w", f.path, unwrapPath(err))
	}
	return nil
}

// recheck refuses a final name that stopped being a regular file (or
// nothing) since Create.
func (f *File) recheck() error {
	fi, err := os.Lstat(f.target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return regular(f.path, fi)
}

// Abort closes and removes the temporary file; the final name is left
// untouched. It does nothing after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}
