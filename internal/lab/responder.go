//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"time"
)

// ServerResponder runs `ftpdiag responder --open` in the server namespace:
// the second vantage point (package responder). The binary is
// Config.ResponderBinary (the lab tests build it). It is not in Servers:
// the scenarios written for real servers do not apply to it.
const ServerResponder = "ftpdiag-responder"

func init() {
	serverImpls[ServerResponder] = server{need: func() []string { return nil }, write: checkResponder, argv: responderArgv, allowance: 10 * time.Second}
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
	return nil
}

// responderArgv serves on the control port, without the challenge (a lab).
func responderArgv(l *Lab) []string {
	return []string{l.cfg.ResponderBinary, "responder", "--open", "--listen", fmt.Sprintf(":%d", l.ControlPort())}
}

// responderUnsupported: the responder has none of the servers' settings.
func responderUnsupported(c Config) string {
	if !reflect.ValueOf(c.Vsftpd).IsZero() {
		return "the responder has no server settings (Config.Vsftpd)"
	}
	return ""
}
