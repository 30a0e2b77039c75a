//go:build !unix

package responder

import "syscall"

// reuseAddr does nothing where SO_REUSEADDR means something else
// (Windows: taking over a bound port).
func reuseAddr(_, _ string, _ syscall.RawConn) error { return nil }
