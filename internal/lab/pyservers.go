//go:build linux

package lab

import (
	"embed"
	"encoding/json"
	"os"
	"path/filepath"
)

// pyScripts are the Python servers, written into each lab's temp dir so the
// lab works from any working directory (tests, labctl, bench scripts).
//
//go:embed servers/*.py
var pyScripts embed.FS

// pythonModule maps a Python server to the module it needs.
var pythonModule = map[string]string{ServerPyftpdlib: "pyftpdlib", ServerTwisted: "twisted"}

// pythonNeeds checks for the system interpreter and the server's module
// (a directory or file under Debian's dist-packages).
func pythonNeeds(name string) func() []string {
	return func() []string {
		mod := "/usr/lib/python3/dist-packages/" + pythonModule[name]
		return []string{systemPython, mod}
	}
}

// pythonArgv runs the server's script unbuffered with its settings file.
func pythonArgv(name string) func(l *Lab) []string {
	return func(l *Lab) []string {
		return []string{systemPython, "-u", filepath.Join(l.base, name+"_server.py"), filepath.Join(l.base, "server.json")}
	}
}

// pySettings is the JSON the Python servers read (servers/*.py).
type pySettings struct {
	Port     int    `json:"port"`
	User     string `json:"user"`
	Password string `json:"password"`
	Root     string `json:"root"`
	Writable bool   `json:"writable"`
	PasvMin  int    `json:"pasv_min"`
	PasvMax  int    `json:"pasv_max"`
	Log      string `json:"log"`
	// pyftpdlib only.
	MasqueradeAddress string   `json:"masquerade_address,omitempty"`
	DisabledCommands  []string `json:"disabled_commands,omitempty"`
	MaxConsPerIP      int      `json:"max_cons_per_ip,omitempty"`
	// Twisted only: a limit on all sessions (Twisted has none per host).
	ConnectionLimit int `json:"connection_limit,omitempty"`
}

func (l *Lab) pySettings() pySettings {
	lo, hi := l.pasvRange()
	return pySettings{
		Port: 21, User: User, Password: Password, Root: l.Dir,
		Writable: l.cfg.Vsftpd.Writable, PasvMin: lo, PasvMax: hi,
		Log: filepath.Join(l.base, "server.log"),
	}
}

// writePyftpdlib translates the settings into FTPHandler/FTPServer
// attributes: passive_ports, masquerade_address, max_cons_per_ip, and PORT
// or PASV removed from proto_cmds (pyftpdlib has no other switch for them:
// it then answers 500 "Command not understood").
func writePyftpdlib(l *Lab) error {
	v := l.cfg.Vsftpd
	s := l.pySettings()
	s.MasqueradeAddress = v.PasvAddress
	s.MaxConsPerIP = v.MaxPerHost
	if v.DisablePasv {
		s.DisabledCommands = append(s.DisabledCommands, "PASV", "EPSV")
	}
	if v.DisablePort {
		s.DisabledCommands = append(s.DisabledCommands, "PORT", "EPRT")
	}
	return writePyServer(l, ServerPyftpdlib, s)
}

// writeTwisted translates the settings into FTPFactory attributes:
// passivePortRange and, for MaxPerHost, connectionLimit (on all sessions).
func writeTwisted(l *Lab) error {
	s := l.pySettings()
	s.ConnectionLimit = l.cfg.Vsftpd.MaxPerHost
	return writePyServer(l, ServerTwisted, s)
}

func writePyServer(l *Lab, name string, s pySettings) error {
	script, err := pyScripts.ReadFile("servers/" + name + "_server.py")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(l.base, name+"_server.py"), script, 0o644); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(l.base, "server.json"), append(b, '\n'), 0o600)
}
