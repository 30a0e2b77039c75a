package report

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/ftpdiag/ftpdiag/probe"
)

// deniedCodes are replies that refuse a file operation for reasons of
// permission, existence or policy, not the network.
var deniedCodes = []int{450, 530, 532, 550, 553}

// ruleTransferDenied: the server refused LIST or RETR itself. Decision, per
// attempt of a logged-in mode: the transfer step ended with a reply in
// deniedCodes that is no TLS demand. Severity is error when LIST was refused
// (the mode fails), warning when only RETR was.
func ruleTransferDenied(in *input) []Finding {
	var modes []string
	var facts []Fact
	sev := SeverityWarning
	var first string
	for _, mr := range in.modes() {
		if !controlUp(mr) {
			continue
		}
		for _, a := range attempts(mr) {
			s := a.tr.Step
			if s.Outcome != probe.OutcomeReply || s.Reply == nil || !slices.Contains(deniedCodes, s.Reply.Code) || tlsDemand(s.Reply) {
				continue
			}
			if a.name == "LIST" {
				sev = SeverityError
			}
			if !slices.Contains(modes, string(mr.Mode)) {
				modes = append(modes, string(mr.Mode))
			}
			facts = append(facts, stepFact(fmt.Sprintf("%s %s", mr.Mode, a.tr.Command), s))
			if first == "" {
				first = fmt.Sprintf("%s was answered with %q", a.tr.Command, replyLine(s.Reply))
			}
		}
	}
	if len(modes) == 0 {
		return nil
	}
	return []Finding{{
		ID:          "transfer-denied",
		Severity:    sev,
		Title:       "The server refused the file operation (not a network problem)",
		Explanation: first + ": the server understood the request and refused it (permissions, a missing file or directory, or server policy). The data connection is not the problem here.",
		Action:      "check the path and the user's permissions on the server",
		Modes:       modes,
		Evidence:    facts,
		Fixes: []Fix{
			{For: "client", Text: "Check the path in the URL and that the user may read it; probe with a path to a file you know is readable."},
		},
	}}
}

// ruleTransferStalled: the data connection opened, then stopped moving.
// Decision, per attempt: connect ok and the transfer timed out (or was
// reset/closed mid-way after some bytes), or the capture marks a stall on
// that data connection. With a capture, MSS, largest segment,
// retransmissions and the stall length are the evidence.
func ruleTransferStalled(in *input) []Finding {
	var modes []string
	var facts []Fact
	wire := false
	for _, mr := range in.modes() {
		for _, a := range attempts(mr) {
			if !a.dc.Connect.OK() {
				continue
			}
			s := a.tr.Step
			stalled := s.Outcome == probe.OutcomeTimeout ||
				((s.Outcome == probe.OutcomeReset || s.Outcome == probe.OutcomeClosed) && a.tr.Bytes > 0)
			var wf []Fact
			if in.wire {
				port := portOf(a.dc.Dialled)
				if !mr.Mode.Passive() {
					port = portOf(a.dc.Listened)
				}
				for _, c := range connsTo(in.ev, []netip.Addr{addrOf(a.dc.Peer), addrOf(a.dc.Local), addrOf(a.dc.Dialled), addrOf(a.dc.Listened)}, port, a.dc.Connect.T0, a.dc.Connect.T) {
					if c.Stall == nil {
						continue
					}
					stalled = true
					wire = true
					wf = append(wf, Fact{T: c.Stall.From, Text: fmt.Sprintf("data connection %s -> %s: %d bytes from the responder, %d from the initiator, then nothing for %.1f s; MSS %d/%d, largest segment %d/%d, %d retransmissions",
						c.Initiator, c.Responder, c.BytesFromResponder, c.BytesFromInitiator, c.Stall.Duration, c.MSSInitiator, c.MSSResponder, c.MaxSegmentFromInitiator, c.MaxSegmentFromResponder, c.Retransmits)})
				}
			}
			if !stalled {
				continue
			}
			if !slices.Contains(modes, string(mr.Mode)) {
				modes = append(modes, string(mr.Mode))
			}
			facts = append(facts, Fact{T: s.T, Text: fmt.Sprintf("%s %s: data connection open, %d bytes read, then %s", mr.Mode, a.tr.Command, a.tr.Bytes, stepText(s))})
			facts = append(facts, wf...)
		}
	}
	if len(modes) == 0 {
		return nil
	}
	expl := "The data connection opened and the transfer started, then stopped moving. When small transfers (a short listing) pass and larger ones stall, the usual cause is a path-MTU black hole: full-size packets are dropped somewhere and the ICMP \"fragmentation needed\" that should report it is filtered. A middlebox that inspects and stalls data connections does the same."
	if !wire {
		expl += " " + wireNote
	}
	return []Finding{{
		ID:          "transfer-stalled",
		Severity:    SeverityError,
		Title:       "Transfers start and then stall",
		Explanation: expl,
		Action:      "clamp the TCP MSS or let ICMP fragmentation-needed through",
		Modes:       modes,
		Inferred:    !wire,
		Evidence:    facts,
		Fixes: []Fix{
			{For: "iptables", Text: "On the router where the MTU drops (VPN, PPPoE, tunnel), clamp the MSS; and do not filter ICMP fragmentation-needed.",
				Lines: []string{"iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "iptables -A INPUT -p icmp --icmp-type fragmentation-needed -j ACCEPT"}},
			{For: "nftables", Text: "With nftables:", Lines: []string{"nft add rule inet filter forward tcp flags syn tcp option maxseg size set rt mtu"}},
			{For: "client", Text: "To confirm, lower this host's MTU and retry: if the transfer then completes, it is the path MTU.", Lines: []string{"ip link set dev <interface> mtu 1400"}},
		},
	}}
}
