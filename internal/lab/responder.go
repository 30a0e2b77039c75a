//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"
)

// ServerResponder runs `ftpdiag responder --open` in the server namespace:
// the second vantage point (package responder). The binary is
// Config.ResponderBinary (the lab tests build it). It is not in Servers:
// the scenarios written for real servers do not apply to it.
const ServerResponder = "ftpdiag-responder"

func init() {
	serverImpls[ServerResponder] = server{need: func() []string { return []string{"setpriv"} }, write: checkResponder, argv: responderArgv, allowance: 10 * time.Second}
	serverLogFile[ServerResponder] = "server.out"
}

// checkResponder checks that the binary exists; the responder needs no
// configuration file.
func checkResponder(l *Lab) error {
	if l.cfg.ResponderBinary == "" {
		return errors.New("Config.ResponderBinary is not set")
	}
	if _, err := os.Stat(l.cfg.ResponderBinary); err != nil {
		return fmt.Errorf("responder binary: %w", err)
	}
	if !l.cfg.ResponderTLS {
		return nil
	}
	// The responder runs as nobody (responderArgv): it reads its
	// certificate and key from the lab's dir.
	if err := os.Chmod(l.base, 0o755); err != nil {
		return fmt.Errorf("responder TLS files: %w", err)
	}
	if err := os.Chown(filepath.Join(l.base, "server.key"), nobodyID, nobodyID); err != nil {
		return fmt.Errorf("responder TLS files: %w", err)
	}
	return nil
}

// nobodyID is the uid and gid the responder runs as.
const nobodyID = 65534

// responderArgv serves on the control port, without the challenge (a
// lab), as README's systemd unit runs it: as nobody with
// CAP_NET_BIND_SERVICE, so that it binds port 21 and calls back from port
// 20. The binary and the directories above it must be open to nobody.
func responderArgv(l *Lab) []string {
	argv := []string{mustTool("setpriv"), fmt.Sprintf("--reuid=%d", nobodyID), fmt.Sprintf("--regid=%d", nobodyID), "--clear-groups",
		"--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service", "--",
		l.cfg.ResponderBinary, "responder", "--open", "--listen", fmt.Sprintf(":%d", l.ControlPort())}
	if l.cfg.ResponderTLS {
		argv = append(argv, "--tls-cert", filepath.Join(l.base, "server.pem"), "--tls-key", filepath.Join(l.base, "server.key"))
	}
	return argv
}

// responderUnsupported: the responder has none of the servers' settings.
func responderUnsupported(c Config) string {
	if !reflect.ValueOf(c.Vsftpd).IsZero() {
		return "the responder has no server settings (Config.Vsftpd)"
	}
	return ""
}
