package report

import (
	"fmt"
	"math"
	"net/netip"
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

// refusedConn reports a connection whose SYN got no SYN-ACK and, instead,
// a RST from the responder's side or an ICMP error sent by the responder's
// address itself (the client host, or its NAT gateway holding that
// address). An ICMP error from any other router refuses nothing on the
// client's side: the callback was stopped on the way (ruleActiveCallback
// reads it as blocked, quoting the router).
func refusedConn(c *capture.Conn) bool {
	if c.SYNACK != nil || len(c.SYNs) == 0 {
		return false
	}
	if responderReset(c) != nil {
		return true
	}
	for _, ic := range c.ICMP {
		if a, err := netip.ParseAddr(ic.From); err == nil && a.Unmap() == c.Responder.Addr().Unmap() {
			return true
		}
	}
	return false
}

// callbackRefusals sorts the refused connections to an attempt's
// listening port: rejected are those whose SYN came while the client still
// waited for the callback (until waited: callbackWaited), late those that
// came after it had stopped waiting: then the client's kernel answers a
// closed port with a RST, which says nothing of a firewall.
func callbackRefusals(conns []*capture.Conn, waited float64) (rejected, late []*capture.Conn) {
	for _, c := range conns {
		switch {
		case !refusedConn(c):
		case c.SYNs[0].T <= waited+stampSlack:
			rejected = append(rejected, c)
		default:
			late = append(late, c)
		}
	}
	return rejected, late
}

// callbackWaited is until when the client waited for an attempt's
// callback. In a probe run, while the probe listened (listenedUntil). In
// a capture, until the transfer's final reply or the client's end of its
// control connection (analysis.controlEnd), whichever came first; with
// neither in the file, as long as the file goes on.
func (in *input) callbackWaited(a attempt) float64 {
	if in.an == nil {
		return listenedUntil(a.dc)
	}
	end := math.Inf(1)
	if a.tr != nil && a.tr.Final != nil && a.tr.Step.T > 0 {
		end = a.tr.Step.T
	}
	if ce := in.an.controlEnd(a.dc.Setup.T0); ce > 0 && ce < end {
		end = ce
	}
	return end
}

// unrefused are conns less the refused ones.
func unrefused(conns []*capture.Conn) []*capture.Conn {
	var out []*capture.Conn
	for _, c := range conns {
		if !refusedConn(c) {
			out = append(out, c)
		}
	}
	return out
}

// callbackRefused: the server's callback was refused by the client's side.
func (in *input) callbackRefused(g *callbackGroup) Finding {
	if len(g.modes) == 0 {
		return in.callbackRefusedOutside(g)
	}
	p := portList(g.ports)
	expl := fmt.Sprintf("The server's SYN to the client's port %s for %s was answered with a RST or an ICMP error from the client's side (the evidence quotes it): the callback was refused, not dropped.", p, joinAnd(g.modes))
	if how := in.callbackHow(g, false); len(how) > 0 {
		expl += " " + capitalizeThe(sentences(how))
	}
	seen := in.seenAtClient()
	if seen {
		expl += " The refusal left this host: nothing listened on that port when the SYN came (the client had closed its listener, or announced a port it does not listen on), or a firewall rule on this host rejects the connection (REJECT --reject-with tcp-reset)."
	} else {
		expl += " The RST or ICMP error carries the client's address, but the capture was not taken at the client, and a firewall anywhere on the path can send one in its name: the client host had nothing listening on that port, or a firewall in front of the client or on it rejects the callback (REJECT), or the client's NAT gateway, with no FTP helper, had no mapping for the port, or a firewall on the server's side rejects the server's own outbound connection."
	}
	expl = in.withVantage(expl)
	fixes := in.clientUsePassive()
	fixes = append(fixes,
		Fix{For: "iptables", Text: "Let the callback through the client's firewall: track FTP so that it is RELATED, or accept the active ports, instead of rejecting them.",
			Lines: []string{"modprobe nf_conntrack_ftp", "iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", fmt.Sprintf("iptables -A INPUT -p tcp --dport %s -j ACCEPT", strings.ReplaceAll(p, "-", ":"))}},
		Fix{For: "client", Text: "Check that the client listens on the port it announces in PORT/EPRT until the server connects (a client behind NAT must announce a port its gateway forwards)."},
	)
	title := "The client's side refused the server's active-mode connection"
	if !seen {
		title = "The server's active-mode connection was refused (a RST or an ICMP error in the client's name)"
		fixes = append(fixes,
			Fix{For: "iptables", Text: "On the client's NAT gateway, let the FTP helper map the announced port (it cannot when the control connection is encrypted).",
				Lines: []string{"modprobe nf_nat_ftp", fmt.Sprintf("iptables -t raw -A PREROUTING -p tcp --dport %d -j CT --helper ftp", in.controlPort())}},
			Fix{For: "iptables", Text: "On the server, check its outbound rules: a REJECT on its own egress for the active ports answers in the client's name.",
				Lines: []string{"iptables -S OUTPUT", "iptables -S FORWARD"}},
		)
	}
	return Finding{
		ID:          "active-callback-refused",
		Severity:    SeverityError,
		Title:       title,
		Explanation: expl,
		Action:      "use passive mode, or let the callback in on the client's side",
		Modes:       g.modes,
		Evidence:    append(g.facts, g.outside...),
		Fixes:       fixes,
	}
}

// callbackRefusedOutside is active-callback-refused from a responder's
// callback test alone: every callback the responder made to this host was
// refused, none reached ftpdiag's listener, and no active mode of the run
// worked.
func (in *input) callbackRefusedOutside(g *callbackGroup) Finding {
	return Finding{
		ID:          "active-callback-refused",
		Severity:    SeverityError,
		Title:       "Connections back to this host are refused",
		Explanation: "The ftpdiag responder, outside, connected back to the address and port this host announced (its own source address as it saw it) and was refused (a RST or an ICMP unreachable), and no connection reached ftpdiag's listener, which was open the whole time: something on this host's side rejects new inbound connections (a REJECT rule on this host or in front of it, or its NAT gateway, with no FTP helper, answering for a port it has no mapping for), so active mode cannot work with any server. An ICMP unreachable can also come from the responder's own network (its provider's or its host's firewall rejecting outgoing connections: README, \"Running a responder\", has the lines it needs); the evidence says which answer came.",
		Action:      "use passive mode, or let the callback in on this host's side",
		Evidence:    g.outside,
		Fixes:       in.callbackBlockedFixes(),
	}
}
