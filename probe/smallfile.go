package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Small files the user names (--ca-file, $NETRC) are input like any other:
// only a regular file is read, never more than a bound, and the read stops
// when the run is cancelled. A FIFO, a device or a directory is refused
// before anything is read from it: opening one could block for ever (a
// FIFO without a writer) or never end (/dev/zero).

// Bounds on the small files read whole.
const (
	MaxCAFileBytes = 4 << 20 // a CA bundle (the system bundle is about 200 KiB)
	MaxNetrcBytes  = 1 << 20 // a netrc file
)

// ErrNotRegularFile is wrapped when a path names something other than a
// regular file (or a symbolic link to one).
var ErrNotRegularFile = errors.New("not a regular file")

// smallFileChunk is how much is read between two looks at the context.
const smallFileChunk = 64 << 10

// ReadSmallFile reads the regular file at path whole, at most limit bytes;
// a larger file is an error, not a truncated read. The open never blocks
// (O_NONBLOCK where the system has it). Errors are one line and name the
// path; a missing file wraps fs.ErrNotExist.
func ReadSmallFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if err := regular(path, fi); err != nil {
		return nil, err
	}
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(path, fi); err != nil { // replaced since the Stat
		return nil, err
	}
	var out []byte
	buf := make([]byte, smallFileChunk)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		n, err := f.Read(buf)
		if int64(len(out)+n) > limit {
			return nil, fmt.Errorf("%s is larger than %s", path, sizeName(limit))
		}
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// regular refuses anything but a regular file, naming what it is.
func regular(path string, fi fs.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "special file"
	switch {
	case m.IsDir():
		what = "directory"
	case m&fs.ModeNamedPipe != 0:
		what = "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		what = "socket"
	case m&fs.ModeDevice != 0:
		what = "device"
	}
	return fmt.Errorf("%s: %w: it is a %s", path, ErrNotRegularFile, what)
}

// sizeName renders a byte bound the way the docs state it.
func sizeName(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
