//go:build unix

package responder

import (
	"fmt"
	"os"
	"syscall"
)

// nobody is the uid and gid a root responder drops to once its listeners
// are bound (65534 is "nobody"/"nogroup" on Debian, Fedora and the BSDs).
const nobody = 65534

// DropPrivileges, when the process runs as root, switches it to
// nobody:nogroup with no supplementary groups, and reports true. Call it
// after every listener is bound. Port 20 callbacks are not possible after
// that; run unprivileged with CAP_NET_BIND_SERVICE instead to keep them.
func DropPrivileges() (bool, error) {
	if os.Geteuid() != 0 {
		return false, nil
	}
	if err := syscall.Setgroups(nil); err != nil {
		return false, fmt.Errorf("drop privileges: setgroups: %w", err)
	}
	if err := syscall.Setgid(nobody); err != nil {
		return false, fmt.Errorf("drop privileges: setgid: %w", err)
	}
	if err := syscall.Setuid(nobody); err != nil {
		return false, fmt.Errorf("drop privileges: setuid: %w", err)
	}
	return true, nil
}
