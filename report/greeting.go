package report

import (
	"fmt"

	"github.com/ftpdiag/ftpdiag/probe"
)

// implicitFTPSPort is the port RFC 4217 servers listen on for implicit
// FTPS: TLS from the first byte, no plain-text greeting.
const implicitFTPSPort = 990

// ruleControlNoGreeting: the TCP connection to the control port was
// accepted and no greeting came. Decision: control connect ok, greeting
// step timed out. The likely cause is told apart where the run shows it:
// the implicit-FTPS port probed in plain text; other control connections
// of the run greeted while these waited (a server that serves one session
// at a time); none greeted at all (a load balancer without a backend, a
// server stuck before greeting, a service that waits for the client to
// speak first).
func ruleControlNoGreeting(in *input) []Finding {
	if in.r == nil {
		return nil
	}
	var silent, greeted []string
	var facts []Fact
	for _, mr := range in.modes() {
		switch {
		case mr.Connect.OK() && mr.Banner.Outcome == probe.OutcomeTimeout:
			silent = append(silent, string(mr.Mode))
			facts = append(facts, stepFact(string(mr.Mode)+" greeting", mr.Banner))
		case mr.Banner.OK():
			greeted = append(greeted, string(mr.Mode))
		}
	}
	if len(silent) == 0 {
		return nil
	}
	port := in.controlPort()
	addr := in.r.Target.Address()
	expl := fmt.Sprintf("The TCP connection to %s was accepted, but no complete greeting (the \"220\" line every FTP server sends first) arrived before the timeout on the %s control %s.",
		addr, joinAnd(silent), word(len(silent), "connection", "connections"))
	action := fmt.Sprintf("check what listens on port %d", port)
	implicit := port == implicitFTPSPort && !in.usedTLS()
	switch {
	case implicit:
		expl += fmt.Sprintf(" Port %d is the implicit-FTPS port: a server there waits for the client's TLS handshake and never greets in plain text.", port)
		action = "probe it as implicit FTPS (ftps://)"
	case len(greeted) > 0:
		expl += fmt.Sprintf(" The %s control %s of the same run %s greeted, so the server answers, but not to every session at once: it serves one session (or a few) at a time and queues the rest until one ends (small embedded servers do this), or a limit makes it hold new sessions silently.",
			joinAnd(greeted), word(len(greeted), "connection", "connections"), word(len(greeted), "was", "were"))
		action = "let the server serve more sessions at once, or probe one mode at a time"
	default:
		expl += " No control connection of this run was greeted. Likely causes: a load balancer or proxy that accepts connections with no healthy server behind it; a server stuck before its greeting, typically on a reverse DNS or ident lookup of the client that never returns; or a service that is not FTP in plain text and waits for the client to speak first (an implicit-FTPS port, HTTP)."
	}
	host := in.r.Target.Host
	fixes := []Fix{
		{For: "client", Text: "See what answers on the port: an FTP server prints a 220 line at once; an implicit-FTPS port completes a TLS handshake.",
			Lines: []string{fmt.Sprintf("nc -v %s %d", host, port), fmt.Sprintf("openssl s_client -connect %s", addr)}},
	}
	if !implicit {
		fixes = append(fixes, pick(in.sw, map[string]Fix{
			"proftpd":   {Text: "ProFTPD looks up the client's name before greeting; without working DNS turn the lookups off.", Lines: []string{"UseReverseDNS off", "IdentLookups off"}},
			"pure-ftpd": {Text: "Pure-FTPd resolves the client's name unless started with -H (DontResolve yes)."},
		})...)
		fixes = append(fixes, Fix{For: "generic-firewall", Text: "If a load balancer or proxy fronts the server, check that it has a healthy backend for this port."})
	}
	return []Finding{{
		ID:          "control-no-greeting",
		Severity:    SeverityError,
		Title:       fmt.Sprintf("The server accepted the connection on port %d but never greeted", port),
		Explanation: expl,
		Action:      action,
		Modes:       silent,
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// controlPort is the server's control port: the one connected to, else the
// one in the target.
func (in *input) controlPort() int {
	for _, mr := range in.modes() {
		if p := portOf(mr.ControlRemote); p != 0 {
			return int(p)
		}
	}
	if in.r != nil && in.r.Target.Port != 0 {
		return in.r.Target.Port
	}
	return 21
}
