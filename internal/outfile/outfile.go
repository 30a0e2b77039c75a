// Package outfile writes the files ftpdiag creates at the user's request
// (the -o report, the --pcap capture) without ever replacing something
// that is not a regular file: a device node, a directory, a named pipe or
// a socket at the path is refused, and a symbolic link is written through
// (its target is replaced, never the link). A file is written beside its
// final name and renamed over it when complete, so a half-written file
// never carries that name.
package outfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotRegular is matched (errors.Is) by the errors of Check and Create
// when the path names something other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Check reports whether path can be written: it names a regular file, a
// symbolic link to one, or nothing yet in an existing directory that
// accepts new files. It changes nothing that is there.
func Check(path string) error {
	target, _, err := resolve(path)
	if err != nil {
		return err
	}
	f, err := createTemp(target, 0o600)
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Same reports whether a and b name the same file: the same existing file
// (through links too), or the same path once their directories' links
// are resolved.
func Same(a, b string) bool {
	ia, erra := os.Stat(a)
	ib, errb := os.Stat(b)
	if erra == nil && errb == nil {
		return os.SameFile(ia, ib)
	}
	return canonical(a) == canonical(b)
}

// canonical is path made absolute, its directory's links resolved.
func canonical(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	if t, err := filepath.EvalSymlinks(abs); err == nil {
		return t
	}
	dir, base := filepath.Split(abs)
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(d, base)
	}
	return abs
}

// resolve follows path's symbolic links to the file to replace and
// returns it with its current state (nil when it does not exist yet).
func resolve(path string) (string, fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path, nil, checkDir(path)
	case err != nil:
		if derr := checkDir(path); derr != nil {
			return "", nil, derr
		}
		return "", nil, fmt.Errorf("%s: %w", path, unwrapPath(err))
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "", nil, fmt.Errorf("%s is a symbolic link to a missing file or a loop; name the file itself", path)
		}
		if fi, err = os.Lstat(target); err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, unwrapPath(err))
		}
		if err := regular(path, fi); err != nil {
			return "", nil, err
		}
		return target, fi, nil
	}
	if err := regular(path, fi); err != nil {
		return "", nil, err
	}
	return path, fi, nil
}

// regular refuses anything but a regular file, naming what it is.
func regular(path string, fi fs.FileInfo) error {
	m := fi.Mode()
	var what string
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		what = "a device"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	default:
		return fmt.Errorf("%s is %w: name a file to write", path, ErrNotRegular)
	}
	return fmt.Errorf("%s is %s, %w: name a file to write", path, what, ErrNotRegular)
}

// checkDir makes sure the directory a new file goes into exists.
func checkDir(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: directory %s does not exist", path, dir)
		}
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	return nil
}

// createTemp creates a new, empty file beside target with permissions
// perm (less the umask).
func createTemp(target string, perm fs.FileMode) (*os.File, error) {
	dir, base := filepath.Split(target)
	for range 10 {
		var r [6]byte
		rand.Read(r[:])
		name := filepath.Join(dir, "."+base+".tmp-"+hex.EncodeToString(r[:]))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot create %s: %w", target, unwrapPath(err))
		}
		return f, nil
	}
	return nil, fmt.Errorf("cannot create a temporary file beside %s", target)
}

// unwrapPath drops the temporary name from a *fs.PathError.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
