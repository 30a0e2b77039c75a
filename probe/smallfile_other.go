//go:build !unix

package probe

import "os"

// openNonBlocking opens path for reading; outside Unix there are no FIFOs
// whose open blocks, and the Stat before it refused devices.
func openNonBlocking(path string) (*os.File, error) {
	return os.Open(path)
}
