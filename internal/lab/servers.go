//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The lab's FTP server programs. Config.Server picks one; "" is vsftpd.
const (
	ServerVsftpd    = "vsftpd"
	ServerProFTPD   = "proftpd"
	ServerPureFTPd  = "pure-ftpd"
	ServerPyftpdlib = "pyftpdlib"
	ServerTwisted   = "twisted"
)

// Servers lists every server the lab can run, in a fixed order.
var Servers = []string{ServerVsftpd, ServerProFTPD, ServerPureFTPd, ServerPyftpdlib, ServerTwisted}

// ServersDir is where internal/lab/install-servers unpacks ProFTPD and
// Pure-FTPd (they conflict with vsftpd as Debian packages, so they are not
// installed but unpacked). The environment variable FTPDIAG_LAB_SERVERS
// overrides it.
const ServersDir = "/var/cache/ftpdiag-lab/root"

// systemPython is Debian's interpreter, which has python3-pyftpdlib and
// python3-twisted; a python3 earlier in PATH (pyenv, a venv) may not.
const systemPython = "/usr/bin/python3"

// server is how the lab runs one FTP server program.
type server struct {
	// need lists what must exist, each a path or a tool name.
	need func() []string
	// write writes the server's configuration into the lab's temp dir.
	write func(l *Lab) error
	// argv is the command line, run in the server namespace.
	argv func(l *Lab) []string
	// allowance bounds the wait for the first greeting.
	allowance time.Duration
}

var serverImpls = map[string]server{
	ServerVsftpd:    {need: func() []string { return []string{"vsftpd"} }, write: writeVsftpd, argv: vsftpdArgv, allowance: 10 * time.Second},
	ServerProFTPD:   {need: proftpdNeeds, write: writeProFTPD, argv: proftpdArgv, allowance: 15 * time.Second},
	ServerPureFTPd:  {need: pureFTPdNeeds, write: writePureFTPd, argv: pureFTPdArgv, allowance: 15 * time.Second},
	ServerPyftpdlib: {need: pythonNeeds(ServerPyftpdlib), write: writePyftpdlib, argv: pythonArgv(ServerPyftpdlib), allowance: 20 * time.Second},
	// Importing Twisted takes seconds, more than 10 s on a loaded machine.
	ServerTwisted: {need: pythonNeeds(ServerTwisted), write: writeTwisted, argv: pythonArgv(ServerTwisted), allowance: 30 * time.Second},
}

// serverName returns the configured server's name, vsftpd by default.
func (c Config) serverName() string {
	if c.Server == "" {
		return ServerVsftpd
	}
	return c.Server
}

// serversDir returns ServersDir or its override.
func serversDir() string {
	if d := os.Getenv("FTPDIAG_LAB_SERVERS"); d != "" {
		return d
	}
	return ServersDir
}

// ServerAvailable reports why the named server cannot run here, nil if it
// can (root and the network tools are Available's concern).
func ServerAvailable(name string) error {
	impl, ok := serverImpls[name]
	if !ok {
		return fmt.Errorf("unknown lab server %q (known: %s)", name, strings.Join(Servers, ", "))
	}
	var missing []string
	for _, n := range impl.need() {
		if strings.HasPrefix(n, "/") {
			if _, err := os.Stat(n); err != nil {
				missing = append(missing, n)
			}
		} else if _, err := lookTool(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return &unavailableError{fmt.Sprintf("lab server %s needs %s (run internal/lab/install-servers as root)", name, strings.Join(missing, ", "))}
	}
	return nil
}

// startServer runs the configured server in the foreground in the server
// namespace and waits, within the server's allowance, until it greets on
// port ControlPort over IPv4 (and IPv6 unless it listens on IPv4 only).
func (l *Lab) startServer() error {
	impl := serverImpls[l.Server]
	if err := impl.write(l); err != nil {
		return fmt.Errorf("%s configuration: %w", l.Server, err)
	}
	out, err := os.Create(filepath.Join(l.base, "server.out"))
	if err != nil {
		return err
	}
	defer out.Close()
	argv := impl.argv(l)
	cmd := exec.Command(mustTool("ip"), append([]string{"netns", "exec", l.ServerNS}, argv...)...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = l.base
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", l.Server, err)
	}
	l.server = cmd
	l.serverPID = cmd.Process.Pid
	return l.awaitGreeting(impl.allowance)
}

// awaitGreeting polls for the 220 greeting until the deadline, and fails at
// once when the server process exits.
func (l *Lab) awaitGreeting(allowance time.Duration) error {
	exited := make(chan struct{})
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		// Poll for an early exit without calling Wait (Close waits).
		for {
			if p := parentPID(l.serverPID); p == 0 || isZombie(l.serverPID) {
				close(exited)
				return
			}
			select {
			case <-time.After(20 * time.Millisecond):
			case <-stop:
				return
			}
		}
	}()
	deadline := time.Now().Add(allowance)
	addrs := []string{fmt.Sprintf("%s:%d", serverAddr, l.ControlPort())}
	if !l.ipv4Only() {
		addrs = append(addrs, fmt.Sprintf("[%s]:%d", serverAddr6, l.ControlPort()))
	}
	for _, addr := range addrs {
		for {
			banner, err := l.startupBanner(addr)
			if err == nil && strings.HasPrefix(banner, "220") {
				break
			}
			select {
			case <-exited:
				return fmt.Errorf("%s exited during startup: %s\nconfig:\n%s", l.Server, strings.TrimSpace(l.ServerOutput()), l.ServerConfig())
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s not answering on %s within %v (last: %q, %v); output: %s",
					l.Server, addr, allowance, banner, err, strings.TrimSpace(l.ServerOutput()))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// ipv4Only reports whether the server listens on IPv4 only: vsftpd with a
// pasv_address (with listen_ipv6=YES it announces 0,0,0,0 in its 227), and
// Twisted (no EPSV/EPRT, so no use for IPv6).
func (l *Lab) ipv4Only() bool {
	return l.Server == ServerTwisted || (l.Server == ServerVsftpd && l.cfg.Vsftpd.PasvAddress != "")
}

// stopServer kills the server's process tree (by PID) and reaps it.
func (l *Lab) stopServer() error {
	if l.server == nil {
		return nil
	}
	killTree(l.server.Process.Pid)
	done := make(chan struct{})
	go func() { _ = l.server.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s pid %d did not exit", l.Server, l.serverPID)
	}
}

// ServerPID is the PID of the server's listener (0 before it started).
func (l *Lab) ServerPID() int { return l.serverPID }

// VsftpdPID is ServerPID (kept for the tests written for vsftpd alone).
func (l *Lab) VsftpdPID() int { return l.serverPID }

// ServerConfig returns the generated configuration of the server (for
// Pure-FTPd, which has none, its command line).
func (l *Lab) ServerConfig() string {
	b, err := os.ReadFile(filepath.Join(l.base, serverConfFile[l.Server]))
	if err != nil && l.Server == ServerPureFTPd {
		return strings.Join(pureFTPdArgv(l), " ")
	}
	return string(b)
}

var serverConfFile = map[string]string{
	ServerVsftpd:    "vsftpd.conf",
	ServerProFTPD:   "proftpd.conf",
	ServerPureFTPd:  "pure-ftpd.args",
	ServerPyftpdlib: "server.json",
	ServerTwisted:   "server.json",
}

// ServerOutput returns what the server wrote to stdout/stderr (startup
// errors such as vsftpd's "500 OOPS" lines).
func (l *Lab) ServerOutput() string {
	b, _ := os.ReadFile(filepath.Join(l.base, "server.out"))
	return string(b)
}

// VsftpdConfig returns the generated vsftpd.conf text.
func (l *Lab) VsftpdConfig() string { return l.ServerConfig() }

// VsftpdOutput is ServerOutput.
func (l *Lab) VsftpdOutput() string { return l.ServerOutput() }

// errNotApplicable is returned by Scenario.For for a server the scenario
// does not apply to.
var errNotApplicable = errors.New("scenario does not apply to this server")

// Unsupported says why server cannot express c's server settings, "" when
// it can. A scenario does not apply to such a server (Scenario.For).
func (c Config) Unsupported(server string) string {
	v := c.Vsftpd
	if server == ServerResponder {
		return responderUnsupported(c)
	}
	if server == ServerVsftpd {
		if v.PureFTPdDefaultHashing {
			return "pure-pw's password hashing is Pure-FTPd's own"
		}
		return ""
	}
	switch {
	case v.TLS != nil && server == ServerPureFTPd:
		if v.TLS.Implicit {
			return "Pure-FTPd has no implicit FTPS"
		}
		if v.TLS.NoReuse {
			return "Pure-FTPd never demands session reuse: ftps-explicit is this scenario on it"
		}
		if c.FTPHelper {
			return "the ALG's plain-text comparison logs in anonymously, which the lab's Pure-FTPd refuses (-E)"
		}
	case v.TLS != nil:
		return map[string]string{
			ServerProFTPD:   "mod_tls is not in proftpd-core, the package the lab unpacks",
			ServerPyftpdlib: "pyftpdlib's TLS_FTPHandler needs python3-openssl, which the lab does not install",
			ServerTwisted:   "Twisted's FTP server has no FTPS",
		}[server]
	case len(v.Extra) > 0:
		return "raw vsftpd.conf lines"
	case v.ConnectFromPort20:
		return "connect_from_port_20 is a vsftpd setting"
	case v.MissingHome:
		return "the scenario is vsftpd's \"500 OOPS\" for a home directory that does not exist"
	case v.PureFTPdDefaultHashing && server != ServerPureFTPd:
		return "pure-pw's password hashing is Pure-FTPd's own"
	}
	switch server {
	case ServerPureFTPd:
		if v.DisablePort {
			return "Pure-FTPd has no switch that refuses PORT/EPRT"
		}
	case ServerTwisted:
		if v.PasvAddress != "" {
			return "Twisted's FTPFactory has no masquerade address: it announces the address the control connection arrived on"
		}
		if v.DisablePort || v.DisablePasv {
			return "Twisted's FTPFactory has no switch that refuses PORT or PASV"
		}
	}
	return ""
}

// serverLogFile is each server's own log in the lab's temp dir.
var serverLogFile = map[string]string{
	ServerVsftpd:    "vsftpd.log",
	ServerProFTPD:   "proftpd.log",
	ServerPureFTPd:  "server.out",
	ServerPyftpdlib: "server.log",
	ServerTwisted:   "server.log",
}

// ServerLog returns the server's log (pyftpdlib logs at debug level: each
// command and data channel event).
func (l *Lab) ServerLog() string {
	b, _ := os.ReadFile(filepath.Join(l.base, serverLogFile[l.Server]))
	return string(b)
}
