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
	{"server-nat-control-only", "server behind NAT, only port 21 forwarded, no pasv_address", Config{
		ServerNAT: true,
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
