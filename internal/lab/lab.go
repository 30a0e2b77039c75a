//go:build linux

// Package lab builds a throw-away FTP network out of Linux network
// namespaces for the integration tests of ftpdiag.
//
// A lab is four namespaces joined by veth links:
//
//	client ns            192.168.10.2/24     2001:db8:10::2/64
//	  | eth0 — lan0
//	client gateway ns    192.168.10.1/24     2001:db8:10::1/64    (LAN)
//	                     203.0.113.2/24      2001:db8:113::2/64   (public, wan0)
//	  | wan0 — wan0
//	server gateway ns    203.0.113.10/24     2001:db8:113::10/64  (public, wan0)
//	                     10.77.0.1/24        2001:db8:77::1/64    (server LAN, lan0)
//	  | lan0 — eth0
//	server ns            10.77.0.2/24        2001:db8:77::2/64    (runs the FTP server)
//
// Without NAT the path is routed end to end and the client dials the
// server's own address. With Config.ServerNAT the server gateway forwards
// 203.0.113.10:21 (and optionally the passive range) to the server and
// masquerades the server's outbound traffic; the client side then has no
// route to the server LAN. With Config.ClientNAT the client gateway
// masquerades the client LAN and the server side has no route back to it.
// IPv6 mirrors IPv4 (NAT66 included).
//
// Every lab uses unique namespace names ("fdl<pid>x<n><role>"), so several
// test binaries may run at once. Start refuses to return a half-built lab,
// and teardown runs on t.Cleanup, on Close, on SIGINT/SIGTERM, and for labs
// left behind by dead processes, at the next Start.
//
// The server namespace runs one FTP server (Config.Server): vsftpd by
// default, or ProFTPD, Pure-FTPd (unpacked by install-servers under
// ServersDir), pyftpdlib or Twisted (Debian's python3 modules, scripts in
// servers/), each generated from the same settings with the same user,
// password, files and passive range. A Scenario says which servers it
// applies to; Scenario.For gives its Config for one of them.
//
// The lab needs root, iproute2, iptables/ip6tables, ethtool, bash and the
// chosen server. When any is missing Start skips the test, unless the
// environment variable FTPDIAG_LAB=required, in which case it fails it.
package lab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// Credentials and files served by every lab server.
const (
	User      = "ftpdiaglab"
	Password  = "lab-Secret-42"
	SmallFile = "small.txt"
	BigFile   = "big.bin"
)

// BigFileSize is the exact size of BigFile (1 MiB).
const BigFileSize = 1 << 20

// Default passive port range of the lab's servers.
const PasvMin, PasvMax = 30000, 30009

// Vsftpd tunes the generated server configuration. The name is historical:
// every lab server translates these settings (servers.go); Extra is
// vsftpd's alone, TLS vsftpd's and Pure-FTPd's.
type Vsftpd struct {
	PasvMinPort, PasvMaxPort int // 0 = PasvMin / PasvMax
	DisablePasv              bool
	DisablePort              bool
	// PasvAddress is the address to announce in 227 replies (vsftpd
	// pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd -P, pyftpdlib
	// masquerade_address). vsftpd then listens on IPv4 only.
	PasvAddress       string
	ConnectFromPort20 bool
	// MaxPerHost admits at most this many sessions from one client address
	// (0: no limit).
	MaxPerHost int
	// MissingHome (vsftpd only) serves anonymous sessions as "nobody",
	// whose home /nonexistent does not exist: vsftpd answers the login with
	// "500 OOPS: cannot change directory:/nonexistent", a server-side
	// configuration error.
	MissingHome bool
	// PureFTPdDefaultHashing (Pure-FTPd only) hashes the lab password with
	// pure-pw's default, argon2id: each login then takes seconds on 2
	// cores. Otherwise the lab user's crypt(3) hash is used.
	PureFTPdDefaultHashing bool
	Extra                  []string // raw vsftpd.conf "key=value" lines appended (later lines win)
	// Writable sets write_enable=YES and gives the lab user a writable
	// UploadDir (anonymous uploads stay off: anon_upload_enable=NO).
	Writable bool
	// ExtraFiles are more files served beside SmallFile and BigFile, name →
	// size in bytes, created sparse (all zero bytes, no disk used), e.g. for
	// a 100 MiB transfer in the capture bench (scenario "bulk").
	ExtraFiles map[string]int64
	// TLS, when set, turns on FTPS with a lab-issued certificate (tls.go):
	// vsftpd, and Pure-FTPd (-Y, -2; explicit only).
	TLS *VsftpdTLS
}

// Config describes one lab.
type Config struct {
	// ServerNAT puts the server behind the server gateway's NAT: the client
	// dials 203.0.113.10 (Target) and port 21 is forwarded to the server.
	ServerNAT bool
	// ForwardPassiveRange also forwards the passive range (ServerNAT only).
	ForwardPassiveRange bool
	// ClientNAT masquerades the client LAN on the client gateway.
	ClientNAT bool
	// FTPHelper attaches the kernel FTP conntrack helper to port 21 on the
	// gateways doing NAT (on both gateways when neither NATs).
	FTPHelper bool

	// Server is the FTP server program run in the server namespace, one
	// of Servers, or ServerResponder; "" is vsftpd.
	Server string
	// ResponderBinary is the ftpdiag binary ServerResponder runs.
	ResponderBinary string
	// ResponderTLS gives ServerResponder a lab-issued certificate
	// (explicit FTPS on the control port; Lab.CAFile).
	ResponderTLS bool
	// Vsftpd holds the server's settings. Despite the name it applies to
	// every server: each translates what it can express (Scenario.For
	// tells which scenarios a server cannot express); Extra is vsftpd's
	// own, TLS vsftpd's and Pure-FTPd's.
	Vsftpd Vsftpd

	// Extra iptables argument vectors per namespace, applied after the base
	// setup, e.g. {"-A","FORWARD","-p","tcp","--dport","30000:30009","-j","DROP"}.
	ClientRules, ClientGatewayRules, ServerGatewayRules, ServerRules [][]string
	// Same, for ip6tables.
	ClientRules6, ClientGatewayRules6, ServerGatewayRules6, ServerRules6 [][]string
}

// Lab is a running lab. Its fields are read-only.
type Lab struct {
	ClientNS, ClientGatewayNS, ServerGatewayNS, ServerNS string

	ClientAddr, ClientAddr6 netip.Addr // 192.168.10.2, 2001:db8:10::2
	ServerAddr, ServerAddr6 netip.Addr // the server's own address: 10.77.0.2, 2001:db8:77::2
	PublicServerAddr        netip.Addr // 203.0.113.10
	PublicServerAddr6       netip.Addr // 2001:db8:113::10
	ClientGatewayAddr       netip.Addr // public side of the client gateway: 203.0.113.2
	ClientGatewayAddr6      netip.Addr // 2001:db8:113::2
	Target, Target6         netip.Addr // what the client dials for this config
	Dir                     string     // served directory (root-owned, 0755)
	Server                  string     // the server program running, one of Servers
	// CAFile is the PEM file of the CA that issued the server certificate
	// (Vsftpd.TLS only).
	CAFile string

	cfg       Config
	id        string
	base      string // temp dir holding config, logs, served dir
	created   []string
	server    *exec.Cmd
	serverPID int

	mu        sync.Mutex // held while building, so Close (e.g. from a signal) waits for it
	closeOnce sync.Once
	closeErr  error
}

// Fixed lab addresses.
var (
	clientAddr   = netip.MustParseAddr("192.168.10.2")
	clientAddr6  = netip.MustParseAddr("2001:db8:10::2")
	cgwLAN       = netip.MustParseAddr("192.168.10.1")
	cgwLAN6      = netip.MustParseAddr("2001:db8:10::1")
	cgwWAN       = netip.MustParseAddr("203.0.113.2")
	cgwWAN6      = netip.MustParseAddr("2001:db8:113::2")
	sgwWAN       = netip.MustParseAddr("203.0.113.10")
	sgwWAN6      = netip.MustParseAddr("2001:db8:113::10")
	sgwLAN       = netip.MustParseAddr("10.77.0.1")
	sgwLAN6      = netip.MustParseAddr("2001:db8:77::1")
	serverAddr   = netip.MustParseAddr("10.77.0.2")
	serverAddr6  = netip.MustParseAddr("2001:db8:77::2")
	clientLAN    = "192.168.10.0/24"
	clientLAN6   = "2001:db8:10::/64"
	serverLAN    = "10.77.0.0/24"
	serverLAN6   = "2001:db8:77::/64"
	requiredTool = []string{"ip", "iptables", "ip6tables", "ethtool", "bash", "useradd", "usermod", "chpasswd"}
)

// unavailableError marks reasons that make the lab impossible on this host
// (as opposed to a setup step failing): Start skips on them unless required.
type unavailableError struct{ msg string }

func (e *unavailableError) Error() string { return e.msg }

// Available reports why the lab cannot run here, nil if it can.
func Available() error {
	if os.Geteuid() != 0 {
		return &unavailableError{"lab needs root (network namespaces, iptables, vsftpd)"}
	}
	var missing []string
	for _, tool := range requiredTool {
		if _, err := lookTool(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return &unavailableError{"lab needs these tools, not found in PATH or /usr/sbin, /sbin: " + strings.Join(missing, ", ")}
	}
	if _, err := os.Stat("/proc/self/ns/net"); err != nil {
		return &unavailableError{"no network namespace support: " + err.Error()}
	}
	return nil
}

// lookTool finds a tool in PATH, falling back to the sbin directories that a
// non-login root shell may lack in PATH.
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := dir + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// Start builds the lab described by cfg and registers its teardown with
// t.Cleanup. When the lab cannot run here it skips the test, or fails it
// when FTPDIAG_LAB=required. A failing setup step tears down what was
// built and fails the test with the step's command and stderr.
func Start(t testing.TB, cfg Config) *Lab {
	t.Helper()
	l, err := start(cfg)
	if err != nil {
		var ue *unavailableError
		if errors.As(err, &ue) && os.Getenv("FTPDIAG_LAB") != "required" {
			t.Skipf("lab unavailable: %v (set FTPDIAG_LAB=required to fail instead)", err)
		}
		t.Fatalf("lab: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("lab teardown: %v", err)
		}
	})
	return l
}

func start(cfg Config) (*Lab, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if err := ServerAvailable(cfg.serverName()); err != nil {
		return nil, err
	}
	if why := cfg.Unsupported(cfg.serverName()); why != "" {
		return nil, fmt.Errorf("lab: %s cannot run this configuration: %s", cfg.serverName(), why)
	}
	if cfg.ForwardPassiveRange && !cfg.ServerNAT {
		return nil, errors.New("ForwardPassiveRange needs ServerNAT")
	}
	installSignalHandler()
	id := newID()
	l := &Lab{
		ClientNS:           id + "c",
		ClientGatewayNS:    id + "cg",
		ServerGatewayNS:    id + "sg",
		ServerNS:           id + "s",
		ClientAddr:         clientAddr,
		ClientAddr6:        clientAddr6,
		ServerAddr:         serverAddr,
		ServerAddr6:        serverAddr6,
		PublicServerAddr:   sgwWAN,
		PublicServerAddr6:  sgwWAN6,
		ClientGatewayAddr:  cgwWAN,
		ClientGatewayAddr6: cgwWAN6,
		Target:             serverAddr,
		Target6:            serverAddr6,
		Server:             cfg.serverName(),
		cfg:                cfg,
		id:                 id,
	}
	if cfg.ServerNAT {
		l.Target, l.Target6 = sgwWAN, sgwWAN6
	}
	l.mu.Lock()
	register(l) // before anything exists, so stale cleanup and signals see it
	removeStale()
	err := l.build()
	l.mu.Unlock()
	if err != nil {
		if cerr := l.Close(); cerr != nil {
			err = fmt.Errorf("%w (teardown after failure: %v)", err, cerr)
		}
		return nil, err
	}
	return l, nil
}

// build performs every setup step in order; the first failure aborts.
func (l *Lab) build() error {
	if err := ensureUser(); err != nil {
		return err
	}
	if err := l.writeFiles(); err != nil {
		return err
	}
	if err := l.buildNetwork(); err != nil {
		return err
	}
	warm := l.warmNeighbors()
	err := l.startServer()
	<-warm
	return err
}

// Command returns an exec.Cmd running name with args inside namespace ns
// (via `ip netns exec`, which execs, so the Cmd's PID is the program's).
func (l *Lab) Command(ctx context.Context, ns string, name string, args ...string) *exec.Cmd {
	ip, err := lookTool("ip")
	if err != nil {
		ip = "ip"
	}
	return exec.CommandContext(ctx, ip, append([]string{"netns", "exec", ns, name}, args...)...)
}

// Namespaces returns the lab's namespace names: client, client gateway,
// server gateway, server.
func (l *Lab) Namespaces() []string {
	return []string{l.ClientNS, l.ClientGatewayNS, l.ServerGatewayNS, l.ServerNS}
}

// Close tears the lab down: it kills every process it started (and any
// left in its namespaces), deletes the namespaces (and with them the veth
// links and rules) and removes the temp directory. It is idempotent.
func (l *Lab) Close() error {
	if shuttingDown.Load() {
		// A signal handler is tearing every lab down and will exit(130);
		// do not let the test finish first and exit 0.
		select {}
	}
	return l.close()
}

func (l *Lab) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeOnce.Do(func() {
		var errs []error
		if err := l.stopServer(); err != nil {
			errs = append(errs, err)
		}
		for _, ns := range l.Namespaces() {
			if err := deleteNamespace(ns); err != nil {
				errs = append(errs, err)
			}
		}
		if l.base != "" {
			if err := os.RemoveAll(l.base); err != nil {
				errs = append(errs, err)
			}
		}
		unregister(l)
		l.closeErr = errors.Join(errs...)
	})
	return l.closeErr
}
