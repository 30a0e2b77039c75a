//go:build linux

package lab

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// UploadDir is the directory, under the served directory, that the lab
// user may write when Vsftpd.Writable is set.
const UploadDir = "upload"

// writeUploadDir creates UploadDir owned by the lab user (Vsftpd.Writable
// only). The served directory itself stays root-owned, as vsftpd requires.
func (l *Lab) writeUploadDir() error {
	if !l.cfg.Vsftpd.Writable {
		return nil
	}
	u, err := user.Lookup(User)
	if err != nil {
		return fmt.Errorf("lab upload dir: %w", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("lab upload dir: bad uid/gid %q/%q for %s", u.Uid, u.Gid, User)
	}
	d := filepath.Join(l.Dir, UploadDir)
	if err := os.Mkdir(d, 0o755); err != nil {
		return fmt.Errorf("lab upload dir: %w", err)
	}
	if err := os.Chown(d, uid, gid); err != nil {
		return fmt.Errorf("lab upload dir: %w", err)
	}
	return nil
}

// UploadedFiles lists what is left in UploadDir (names only).
func (l *Lab) UploadedFiles() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(l.Dir, UploadDir))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out, nil
}
