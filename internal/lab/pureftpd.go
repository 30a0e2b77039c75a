//go:build linux

package lab

import (
	"bufio"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

func pureFTPdBin() string { return filepath.Join(serversDir(), "usr/sbin/pure-ftpd") }
func purePwBin() string   { return filepath.Join(serversDir(), "usr/bin/pure-pw") }

func pureFTPdNeeds() []string { return []string{pureFTPdBin(), purePwBin()} }

// pureFTPdArgv is Pure-FTPd's command line (it has no configuration file
// of its own; Debian's wrapper turns /etc/pure-ftpd/conf into these flags):
// standalone in the foreground on port 21 (IPv4 and IPv6), virtual users
// from the lab's PureDB, no anonymous logins (Pure-FTPd serves them from
// the "ftp" user's home, which is not the lab dir), everyone chrooted, no
// name lookups (-H), no syslog.
func pureFTPdArgv(l *Lab) []string {
	v := l.cfg.Vsftpd
	lo, hi := l.pasvRange()
	args := []string{pureFTPdBin(),
		"-l", "puredb:" + filepath.Join(l.base, "pureftpd.pdb"),
		"-S", ",21",
		"-p", fmt.Sprintf("%d:%d", lo, hi),
		"-H", "-E", "-A",
		"-u", "1", // the lab user's uid may be below the default minimum
		// At most 50 clients, and Pure-FTPd caps that at half the passive
		// range: 5 with the lab's 10 ports ("You are user number 1 of 5").
		"-c", "50",
		"-f", "none",
	}
	if v.PasvAddress != "" {
		args = append(args, "-P", v.PasvAddress)
	}
	if v.MaxPerHost > 0 {
		args = append(args, "-C", strconv.Itoa(v.MaxPerHost))
	}
	if v.DisablePasv {
		args = append(args, "-N") // "NAT mode": PASV and EPSV become unknown commands
	}
	if t := v.TLS; t != nil {
		// -Y 1: TLS optional; 2: required for logins; 3: for data too.
		// Pure-FTPd never asks a data connection to resume the control
		// session's TLS (NoReuse changes nothing).
		level := "1"
		switch {
		case t.ForceData:
			level = "3"
		case t.ForceLogins:
			level = "2"
		}
		args = append(args, "-Y", level, "-2", filepath.Join(l.base, "server.pem")+","+filepath.Join(l.base, "server.key"))
	}
	return args
}

// writePureFTPd writes the PureDB of virtual users: the lab user, served
// from the lab dir as its own uid. Its password hash is the lab user's
// from /etc/shadow (crypt(3), a login in milliseconds) unless
// Vsftpd.PureFTPdDefaultHashing asks for pure-pw's own default (argon2id,
// seconds per login on 2 cores).
func writePureFTPd(l *Lab) error {
	u, err := user.Lookup(User)
	if err != nil {
		return err
	}
	passwd := filepath.Join(l.base, "pureftpd.passwd")
	pdb := filepath.Join(l.base, "pureftpd.pdb")
	home := l.Dir + "/./"
	if l.cfg.Vsftpd.PureFTPdDefaultHashing {
		// pure-pw reads the password twice from its standard input.
		if err := runStdin(Password+"\n"+Password+"\n", purePwBin(), "useradd", User,
			"-u", u.Uid, "-g", u.Gid, "-d", l.Dir, "-f", passwd); err != nil {
			return err
		}
	} else {
		hash, err := shadowHash(User)
		if err != nil {
			return err
		}
		line := strings.Join([]string{User, hash, u.Uid, u.Gid, "", home}, ":") + strings.Repeat(":", 12) + "\n"
		if err := os.WriteFile(passwd, []byte(line), 0o600); err != nil {
			return err
		}
	}
	_, err = run(purePwBin(), "mkdb", pdb, "-f", passwd)
	if err == nil {
		err = os.WriteFile(filepath.Join(l.base, "pure-ftpd.args"), []byte(strings.Join(pureFTPdArgv(l), " ")+"\n"), 0o644)
	}
	return err
}

// shadowHash returns name's crypt(3) password hash from /etc/shadow.
func shadowHash(name string) (string, error) {
	f, err := os.Open("/etc/shadow")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) > 1 && fields[0] == name && strings.HasPrefix(fields[1], "$") {
			return fields[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no password hash for %s in /etc/shadow", name)
}
