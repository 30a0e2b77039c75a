//go:build unix

package probe

import (
	"os"
	"syscall"
)

// openNonBlocking opens path for reading without blocking: a FIFO with no
// writer would otherwise hold the open for ever.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
