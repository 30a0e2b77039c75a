//go:build linux

package lab

import (
	"fmt"
	"sort"
	"strconv"
)

// passiveRange is the default passive range as an iptables --dport value.
var passiveRange = strconv.Itoa(PasvMin) + ":" + strconv.Itoa(PasvMax)

// Scenario is a named lab setup, named for what a probe of it should find.
type Scenario struct {
	Name        string
	Description string
	Config      Config
}

// Scenarios are the lab setups shared by the integration tests, the bench
// scripts and labctl, so a scenario means the same thing everywhere.
var Scenarios = []Scenario{
	{"healthy", "routed, no NAT, no filter: every mode works", Config{}},
	{"passive-dropped", "the server gateway DROPs the passive range: passive times out", Config{
		ServerGatewayRules: [][]string{{"-A", "FORWARD", "-p", "tcp", "--dport", passiveRange, "-j", "DROP"}},
	}},
	{"passive-rejected", "the server gateway REJECTs the passive range with a TCP reset", Config{
		ServerGatewayRules: [][]string{{"-A", "FORWARD", "-p", "tcp", "--dport", passiveRange, "-j", "REJECT", "--reject-with", "tcp-reset"}},
	}},
	{"passive-icmp", "the server gateway REJECTs the passive range with ICMP port unreachable", Config{
		ServerGatewayRules: [][]string{{"-A", "FORWARD", "-p", "tcp", "--dport", passiveRange, "-j", "REJECT", "--reject-with", "icmp-port-unreachable"}},
	}},
	{"server-nat", "server behind NAT, port 21 and the passive range forwarded, no pasv_address", Config{
		ServerNAT: true, ForwardPassiveRange: true,
	}},
	{"server-nat-control-only", "server behind a NAT firewall that forwards only port 21 (and drops other inbound SYNs), no pasv_address", Config{
		ServerNAT:          true,
		ServerGatewayRules: [][]string{{"-A", "INPUT", "-i", "wan0", "-p", "tcp", "--syn", "-j", "DROP"}},
	}},
	{"client-nat", "client behind a NAT gateway without an FTP helper: active mode rejected", Config{
		ClientNAT: true,
	}},
	{"port-disabled", "vsftpd port_enable=NO: active mode refused by configuration", Config{
		Vsftpd: Vsftpd{DisablePort: true},
	}},
	{"client-firewall", "the client's own INPUT chain drops new inbound connections: active callbacks die locally", Config{
		ClientRules: [][]string{
			{"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
			{"-A", "INPUT", "-p", "tcp", "--syn", "-j", "DROP"},
		},
	}},
	{"ftps-explicit", "vsftpd with explicit FTPS, TLS forced for local logins and data, require_ssl_reuse=YES (CA in the lab dir)", Config{
		Vsftpd: Vsftpd{TLS: &VsftpdTLS{ForceLogins: true, ForceData: true}},
	}},
	{"ftps-implicit", "vsftpd with implicit FTPS on port 990", Config{
		Vsftpd: Vsftpd{TLS: &VsftpdTLS{Implicit: true}},
	}},
	{"ftps-alg", "server behind NAT with the FTP conntrack helper and no pasv_address, FTPS optional: the ALG rewrites 227 only in plain text", Config{
		ServerNAT: true, FTPHelper: true, Vsftpd: Vsftpd{TLS: &VsftpdTLS{}},
	}},
	{"bulk", "healthy, plus " + BulkFile + " (100 MiB) to download at full veth speed (scripts/bench-capture)", Config{
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
		Scenario{"mtu-blackhole", "the server gateway drops passive-range packets over 1000 bytes and ICMP frag-needed: LIST passes, RETR of " + BigFile + " gets nothing or stalls (transfer-no-data, transfer-stalled)", Config{
			ServerGatewayRules: mtuBlackhole,
		}},
		Scenario{"upload-writable", "write_enable=YES and a directory " + UploadDir + "/ the lab user may write: --upload stores, checks and deletes", Config{
			Vsftpd: Vsftpd{Writable: true},
		}},
	)
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
