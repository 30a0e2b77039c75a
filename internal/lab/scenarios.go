//go:build linux

package lab

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// passiveRange is the default passive range as an iptables --dport value.
var passiveRange = strconv.Itoa(PasvMin) + ":" + strconv.Itoa(PasvMax)

// Scenario is a named lab setup, named for what a probe of it should find.
// Its Config runs vsftpd; For gives the same setup with another server.
type Scenario struct {
	Name        string
	Description string
	Config      Config
	// Servers lists the servers the scenario applies to (filled in from
	// Config at init: every server that can express its settings).
	Servers []string
	// NotApplicable says, per server left out of Servers, why.
	NotApplicable map[string]string
}

// For returns the scenario's Config running server, or an error saying
// why the scenario does not apply to it.
func (s Scenario) For(server string) (Config, error) {
	if _, ok := serverImpls[server]; !ok {
		return Config{}, fmt.Errorf("unknown lab server %q (known: %s)", server, strings.Join(Servers, ", "))
	}
	if why := s.Config.Unsupported(server); why != "" {
		return Config{}, fmt.Errorf("%w: %s on %s: %s", errNotApplicable, s.Name, server, why)
	}
	c := s.Config
	c.Server = server
	return c, nil
}

// AppliesTo reports whether the scenario applies to server.
func (s Scenario) AppliesTo(server string) bool { return slices.Contains(s.Servers, server) }

// Scenarios are the lab setups shared by the integration tests, the bench
// scripts and labctl, so a scenario means the same thing everywhere.
var Scenarios = []Scenario{
	{Name: "healthy", Description: "routed, no NAT, no filter: every mode works", Config: Config{}},
	{Name: "passive-dropped", Description: "the server gateway DROPs the passive range: passive times out", Config: Config{
		ServerGatewayRules: [][]string{{"-A", "FORWARD", "-p", "tcp", "--dport", passiveRange, "-j", "DROP"}},
	}},
	{Name: "passive-rejected", Description: "the server gateway REJECTs the passive range with a TCP reset", Config: Config{
		ServerGatewayRules: [][]string{{"-A", "FORWARD", "-p", "tcp", "--dport", passiveRange, "-j", "REJECT", "--reject-with", "tcp-reset"}},
	}},
	{Name: "passive-icmp", Description: "the server gateway REJECTs the passive range with ICMP port unreachable", Config: Config{
		ServerGatewayRules: [][]string{{"-A", "FORWARD", "-p", "tcp", "--dport", passiveRange, "-j", "REJECT", "--reject-with", "icmp-port-unreachable"}},
	}},
	{Name: "server-nat", Description: "server behind NAT, port 21 and the passive range forwarded, no pasv_address", Config: Config{
		ServerNAT: true, ForwardPassiveRange: true,
	}},
	{Name: "server-nat-control-only", Description: "server behind a NAT firewall that forwards only port 21 (and drops other inbound SYNs), no pasv_address", Config: Config{
		ServerNAT:          true,
		ServerGatewayRules: [][]string{{"-A", "INPUT", "-i", "wan0", "-p", "tcp", "--syn", "-j", "DROP"}},
	}},
	{Name: "client-nat", Description: "client behind a NAT gateway without an FTP helper: active mode rejected", Config: Config{
		ClientNAT: true,
	}},
	{Name: "port-disabled", Description: "active mode refused by configuration (vsftpd port_enable=NO, ProFTPD <Limit PORT EPRT> DenyAll, pyftpdlib without PORT/EPRT in proto_cmds)", Config: Config{
		Vsftpd: Vsftpd{DisablePort: true},
	}},
	{Name: "passive-disabled", Description: "passive mode refused by configuration (vsftpd pasv_enable=NO, ProFTPD <Limit PASV EPSV> DenyAll, Pure-FTPd -N, pyftpdlib without PASV/EPSV in proto_cmds)", Config: Config{
		Vsftpd: Vsftpd{DisablePasv: true},
	}},
	{Name: "client-firewall", Description: "the client's own INPUT chain drops new inbound connections: active callbacks die locally", Config: Config{
		ClientRules: [][]string{
			{"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
			{"-A", "INPUT", "-p", "tcp", "--syn", "-j", "DROP"},
		},
	}},
	{Name: "client-reject", Description: "the client's own INPUT chain rejects new inbound connections with a RST: active callbacks are refused, not dropped", Config: Config{
		ClientRules: [][]string{
			{"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
			{"-A", "INPUT", "-p", "tcp", "--syn", "-j", "REJECT", "--reject-with", "tcp-reset"},
		},
	}},
	{Name: "ftps-explicit", Description: "vsftpd with explicit FTPS, TLS forced for local logins and data, require_ssl_reuse=YES (CA in the lab dir)", Config: Config{
		Vsftpd: Vsftpd{TLS: &VsftpdTLS{ForceLogins: true, ForceData: true}},
	}},
	{Name: "ftps-noreuse", Description: "vsftpd with explicit FTPS, TLS forced for local logins and data, require_ssl_reuse=NO: data connections need not resume the control session", Config: Config{
		Vsftpd: Vsftpd{TLS: &VsftpdTLS{ForceLogins: true, ForceData: true, NoReuse: true}},
	}},
	{Name: "ftps-implicit", Description: "vsftpd with implicit FTPS on port 990", Config: Config{
		Vsftpd: Vsftpd{TLS: &VsftpdTLS{Implicit: true}},
	}},
	{Name: "ftps-alg", Description: "server behind NAT with the FTP conntrack helper and no pasv_address, FTPS optional: the ALG rewrites 227 only in plain text", Config: Config{
		ServerNAT: true, FTPHelper: true, Vsftpd: Vsftpd{TLS: &VsftpdTLS{}},
	}},
	{Name: "bulk", Description: "healthy, plus " + BulkFile + " (100 MiB) to download at full veth speed (scripts/bench-capture)", Config: Config{
		Vsftpd: Vsftpd{ExtraFiles: map[string]int64{BulkFile: BulkFileSize}},
	}},
}

// mtuBlackhole drops, on the server gateway, every TCP packet longer than
// 1000 bytes sent from the passive range, and any ICMP fragmentation-needed:
// a path-MTU black hole on the data connections only. A listing (one small
// segment) passes, a file download stalls.
var mtuBlackhole = [][]string{
	{"-A", "FORWARD", "-p", "tcp", "--sport", passiveRange, "-m", "length", "--length", "1001:65535", "-j", "DROP"},
	{"-A", "FORWARD", "-p", "icmp", "--icmp-type", "fragmentation-needed", "-j", "DROP"},
}

func init() {
	Scenarios = append(Scenarios,
		Scenario{Name: "mtu-blackhole", Description: "the server gateway drops passive-range packets over 1000 bytes and ICMP frag-needed: LIST passes, RETR of " + BigFile + " gets nothing or stalls (transfer-no-data, transfer-stalled)", Config: Config{
			ServerGatewayRules: mtuBlackhole,
		}},
		Scenario{Name: "server-nat-pasv-address", Description: "server behind NAT, port 21 and the passive range forwarded, the public address configured (vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd -P, pyftpdlib masquerade_address): healthy", Config: Config{
			ServerNAT: true, ForwardPassiveRange: true, Vsftpd: Vsftpd{PasvAddress: sgwWAN.String()},
		}},
		Scenario{Name: "connection-limit", Description: "at most 2 sessions per client host (vsftpd max_per_ip, ProFTPD MaxClientsPerHost, Pure-FTPd -C, pyftpdlib max_cons_per_ip; Twisted connectionLimit, on all sessions): busy answers, modes run one after another", Config: Config{
			Vsftpd: Vsftpd{MaxPerHost: 2},
		}},
		Scenario{Name: "server-error", Description: "vsftpd serving anonymous sessions as a user whose home does not exist: \"500 OOPS: cannot change directory\" after PASS, a server configuration error (probe anonymously)", Config: Config{
			Vsftpd: Vsftpd{MissingHome: true},
		}},
		Scenario{Name: "slow-login", Description: "Pure-FTPd with pure-pw's default password hashing (argon2id): seconds per login on 2 cores, healthy", Config: Config{
			Vsftpd: Vsftpd{PureFTPdDefaultHashing: true},
		}},
		Scenario{Name: "upload-writable", Description: "write_enable=YES and a directory " + UploadDir + "/ the lab user may write: --upload stores, checks and deletes", Config: Config{
			Vsftpd: Vsftpd{Writable: true},
		}},
	)
	for i := range Scenarios {
		Scenarios[i].fillServers()
	}
}

// fillServers sets Servers and NotApplicable from the scenario's Config.
func (s *Scenario) fillServers() {
	s.Servers, s.NotApplicable = nil, map[string]string{}
	for _, srv := range Servers {
		if why := s.Config.Unsupported(srv); why != "" {
			s.NotApplicable[srv] = why
		} else {
			s.Servers = append(s.Servers, srv)
		}
	}
}

// ScenarioByName returns the named scenario.
func ScenarioByName(name string) (Scenario, error) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s, nil
		}
	}
	names := make([]string, 0, len(Scenarios))
	for _, s := range Scenarios {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return Scenario{}, fmt.Errorf("unknown lab scenario %q (known: %v)", name, names)
}

// New builds a lab outside a test (labctl, bench scripts). The caller must
// Close it; SIGINT/SIGTERM also tear it down.
func New(cfg Config) (*Lab, error) { return start(cfg) }
