package report

import (
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// A refused callback: the server's SYN to the client's announced port was
// answered, with a RST or an ICMP error from the client's side, instead of
// going unanswered. That is positive evidence of a refusal (no listener
// on the port, or a REJECT rule), not of a drop: ruleActiveCallback
// (active.go) sorts such attempts here before it reads a missing SYN-ACK
// as a drop.

// calledBackRefused reports a callback's connect step that a RST or an
// ICMP error ended.
func calledBackRefused(st probe.Step) bool {
	return st.Outcome == probe.OutcomeRefused || st.Outcome == probe.OutcomeUnreachable
}

// refusedConn reports a connection whose SYN got no SYN-ACK and a RST from
// the responder's side or an ICMP error instead.
func refusedConn(c *capture.Conn) bool {
	return c.SYNACK == nil && len(c.SYNs) > 0 && (responderReset(c) != nil || len(c.ICMP) > 0)
}

// callbackRefusals are the refused connections to an attempt's listening
// port. At the client only those whose SYN came while the listener was
// open (until stop) count: later, the kernel answers a closed port with a
// RST, which says nothing of a firewall.
func callbackRefusals(conns []*capture.Conn, stop float64, atClient bool) []*capture.Conn {
	var out []*capture.Conn
	for _, c := range conns {
		if refusedConn(c) && (!atClient || c.SYNs[0].T <= stop+stampSlack) {
			out = append(out, c)
		}
	}
	return out
}

// callbackRefused: the server's callback was refused by the client's side.
func (in *input) callbackRefused(g *callbackGroup) Finding {
	p := portList(g.ports)
	expl := fmt.Sprintf("The server's SYN to the client's port %s for %s was answered with a RST or an ICMP error from the client's side (the evidence quotes it): the callback was refused, not dropped.", p, joinAnd(g.modes))
	if how := in.callbackHow(g, false); len(how) > 0 {
		expl += " " + capitalizeThe(sentences(how))
	}
	if in.atClient() {
		expl += " The refusal left this host: nothing listened on that port when the SYN came (the client had closed its listener, or announced a port it does not listen on), or a firewall rule on this host rejects the connection (REJECT --reject-with tcp-reset)."
	} else {
		expl += " The client host had nothing listening on that port, or a firewall in front of the client or on it rejects the callback (REJECT), or the client's NAT gateway, with no FTP helper, had no mapping for the port."
	}
	expl = in.withVantage(expl)
	fixes := in.clientUsePassive()
	fixes = append(fixes,
		Fix{For: "iptables", Text: "Let the callback through the client's firewall: track FTP so that it is RELATED, or accept the active ports, instead of rejecting them.",
			Lines: []string{"modprobe nf_conntrack_ftp", "iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", fmt.Sprintf("iptables -A INPUT -p tcp --dport %s -j ACCEPT", strings.ReplaceAll(p, "-", ":"))}},
		Fix{For: "client", Text: "Check that the client listens on the port it announces in PORT/EPRT until the server connects (a client behind NAT must announce a port its gateway forwards)."},
	)
	return Finding{
		ID:          "active-callback-refused",
		Severity:    SeverityError,
		Title:       "The client's side refused the server's active-mode connection",
		Explanation: expl,
		Action:      "use passive mode, or let the callback in on the client's side",
		Modes:       g.modes,
		Evidence:    g.facts,
		Fixes:       fixes,
	}
}
