package report

import (
	"fmt"
	"slices"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// ruleProtocolViolation: the server (or something on the control path)
// sent what FTP does not allow. Decision, per applicable mode, on its first
// failed step: a reply the command's sequence does not allow (ftp.Interpret
// step violation: a 3xx to RETR or PORT, a 1xx to PASV, a 1xx after a 1xx);
// a step the probe classified protocol-error (a line over 8 KiB, a reply
// over 256 KiB, a reply without a valid code, a 227/229 that does not
// parse, a 2xx without 1xx); or a passive reply announcing port 0 (not
// dialled). The rule table places it before the data rules: a reply that
// breaks the sequence is never taken as acceptance or success.
func ruleProtocolViolation(in *input) []Finding {
	var modes, where []string
	var facts []Fact
	for _, mr := range in.modes() {
		s, ok := in.firstFailure(mr)
		if !ok {
			continue
		}
		var text string
		switch {
		case s.answered() && s.interp().Step == ftp.StepViolation:
			text = fmt.Sprintf(": %s answered with %s, which its sequence does not allow", s.describe(), replyLine(s.st.Reply))
			if s.describe() == string(mr.Mode) {
				text = fmt.Sprintf(" answered with %s, which its sequence does not allow", replyLine(s.st.Reply))
			}
		case s.st.Outcome == probe.OutcomeProtocol:
			text = fmt.Sprintf(" %s: %s", s.what(), orDash(s.st.Error))
		case s.st.Outcome == probe.OutcomeRefusedByPolicy && s.dc != nil && s.dc.AddressPolicy == "invalid-port":
			text = fmt.Sprintf(" data endpoint %s: %s", s.dc.Announced, orDash(s.st.Error))
		default:
			continue
		}
		modes = append(modes, string(mr.Mode))
		if d := s.describe(); !slices.Contains(where, d) {
			where = append(where, d)
		}
		facts = append(facts, Fact{T: s.st.T, Text: string(mr.Mode) + text})
	}
	if len(modes) == 0 {
		return nil
	}
	return []Finding{{
		ID:       "protocol-violation",
		Severity: SeverityError,
		Title:    fmt.Sprintf("The server's answer to %s breaks the FTP protocol", joinAnd(where)),
		Explanation: fmt.Sprintf("The server's answer to %s broke the FTP protocol on the %s control %s (the evidence quotes it: a reply code the command does not allow, an over-long line or reply, a reply without a valid code, a passive reply that does not parse or names port 0). ftpdiag stops at such a point, on purpose: a client that trusted it could hang, or take a failure for success. The port may not be an FTP server at all (SSH, HTTP, an implicit-TLS port), the server may be broken, or a proxy or ALG on the path may be rewriting the control connection.",
			joinAnd(where), joinAnd(modes), word(len(modes), "connection", "connections")),
		Action:   "check that the port serves FTP and nothing rewrites the control connection",
		Modes:    modes,
		Evidence: facts,
		Fixes: []Fix{
			{For: "client", Text: "Check what answers on the port (it should greet with \"220 \"); for an implicit-TLS server use ftps://. Compare with curl -v.", Lines: []string{"curl -v " + in.r.Target.URL}},
			{For: "generic-firewall", Text: "If a proxy or FTP ALG sits in front of the server, bypass it to compare: the replies must reach the client unchanged."},
		},
	}}
}

// ruleActiveUnexpectedPeer: the server accepted PORT/EPRT and a data
// connection arrived, but from an address other than the server's. Decision,
// per active attempt with an accepted connection: the peer address differs
// from the control connection's remote address. A server behind a NAT that
// maps its outbound connections to another address does this; so could a
// third party racing for the announced port (FTP port theft). Clients that
// check the peer (a defence against that theft) will refuse the connection.
func ruleActiveUnexpectedPeer(in *input) []Finding {
	var modes []string
	var facts []Fact
	for _, mr := range in.activeModes() {
		cp := addrOf(mr.ControlRemote)
		for a := range eachAttempt(mr) {
			p := addrOf(a.dc.Peer)
			if !a.dc.Connect.OK() || !p.IsValid() || !cp.IsValid() || p == cp {
				continue
			}
			if !slices.Contains(modes, string(mr.Mode)) {
				modes = append(modes, string(mr.Mode))
			}
			facts = append(facts, Fact{T: a.dc.Connect.T, Text: fmt.Sprintf("%s %s: the data connection to %s came from %s; the control connection goes to %s", mr.Mode, a.name, a.dc.Listened, a.dc.Peer, mr.ControlRemote)})
		}
	}
	if len(modes) == 0 {
		return nil
	}
	return []Finding{{
		ID:          "active-callback-unexpected-peer",
		Severity:    SeverityWarning,
		Title:       "Active-mode data connections come from another address than the server's",
		Explanation: fmt.Sprintf("In %s the server's data connection arrived from an address other than the one the control connection goes to. A NAT in front of the server that maps outbound connections to a different address does this (or something else raced the server to the announced port). Clients that insist the data connection comes from the server will refuse it.", joinAnd(modes)),
		Action:      "make the server's outbound connections use its public address, or use passive mode",
		Modes:       modes,
		Evidence:    facts,
		Fixes: []Fix{
			{For: "generic-firewall", Text: fmt.Sprintf("Source-NAT the server's outbound data connections (port 20 or ephemeral) to the same public address that the control port %d is published on.", in.controlPort())},
			{For: "client", Text: "Use passive mode (EPSV/PASV), where the client opens the data connection."},
		},
	}}
}
