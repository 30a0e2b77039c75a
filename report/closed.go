package report

import (
	"fmt"
	"slices"

	"github.com/ftpdiag/ftpdiag/probe"
)

// lostStep is a mode's first failure when the server (or something
// between) ended the control connection there instead of replying: the
// connect itself reset (accepted, then reset: not refused; on loopback the
// RST can beat the end of connect()), the greeting, the login or the
// data-setup command closed or reset, or a transfer command closed, or
// reset before any 1xx or data (after its 1xx only the control connection
// is read for the final reply, so a close there is the control's too).
func lostStep(in *input, mr *probe.ModeResult) (modeStep, bool) {
	s, ok := in.firstFailure(mr)
	if !ok {
		return modeStep{}, false
	}
	closed, reset := s.st.Outcome == probe.OutcomeClosed, s.st.Outcome == probe.OutcomeReset
	switch {
	case s.is("control connect"):
		return s, reset
	case s.is("greeting") || s.is("login") || (s.data && s.verb == setupVerb(mr.Mode)):
		return s, closed || reset
	case s.tr != nil:
		return s, closed || (reset && s.tr.Preliminary == nil && s.tr.Bytes == 0)
	}
	return modeStep{}, false
}

// ruleControlClosed: the server (or something between) ended the control
// connection instead of replying, so nothing after that step could be
// tried. Decision: a mode's first failure is a lost control connection
// (lostStep). Told apart: before any greeting (an access rule or a front
// end turning the client away without a word), at the login, or after a
// successful login (the session could not go on). With a capture the
// control connection's FIN or RST is quoted, telling which side ended it.
// It explains every such mode, so they are not data failures.
func ruleControlClosed(in *input) []Finding {
	var modes, where []string
	var facts []Fact
	reset, early, afterLogin := false, true, true
	for _, mr := range in.modes() {
		s, ok := lostStep(in, mr)
		if !ok {
			continue
		}
		modes = append(modes, string(mr.Mode))
		reset = reset || s.st.Outcome == probe.OutcomeReset
		if !s.is("greeting") && !s.is("control connect") {
			early = false
		}
		if !s.data {
			afterLogin = false
		}
		if d := s.describe(); !slices.Contains(where, d) {
			where = append(where, d)
		}
		text := fmt.Sprintf("%s %s", mr.Mode, s.what())
		if s.data && mr.Login.Reply != nil {
			text = fmt.Sprintf("%s after %q, %s", mr.Mode, replyLine(mr.Login.Reply), s.what())
		}
		facts = append(facts, stepFact(text, s.st))
		for _, c := range in.obs.controlOf(mr).conns {
			if c.FINResponder != nil {
				facts = append(facts, Fact{T: c.FINResponder.T, Packet: c.FINResponder.Packet, Text: fmt.Sprintf("FIN from the server %s on the control connection", c.Responder)})
			}
			facts = append(facts, refusalFacts(c)...)
		}
	}
	if len(modes) == 0 {
		return nil
	}
	how := "closed"
	if reset {
		how = "reset"
	}
	conns := fmt.Sprintf("the %s control %s", joinAnd(modes), word(len(modes), "connection", "connections"))
	f := Finding{ID: "control-closed", Severity: SeverityError, Modes: modes, Evidence: facts}
	switch {
	case early:
		f.Title = "The server closed the control connection without a greeting"
		f.Explanation = fmt.Sprintf("The TCP connection to %s was accepted and then %s before any greeting, on %s. The server, or something in front of it, turned this client away without a word: an access rule on the client's address (TCP wrappers /etc/hosts.deny, a deny list), a limit enforced by closing, or a load balancer with no healthy backend.",
			in.r.Target.Address(), how, conns)
		f.Action = "check the server's access rules and what fronts the port"
	case afterLogin:
		f.Title = fmt.Sprintf("The control connection was %s after login", how)
		f.Explanation = fmt.Sprintf("The server accepted the login, and then %s was %s, cutting the step named in the evidence: nothing after it could be tried, so this is not a data-connection failure. A server does this when the session cannot go on after all (a per-user or per-host session limit counted after login, a home directory or chroot it cannot enter, a crash of the session's process); a firewall or IDS in between can also cut a connection (a reset).",
			conns, how)
		f.Action = "read the server's log for the session that logged in"
	default:
		f.Title = fmt.Sprintf("The control connection was %s in answer to %s", how, joinAnd(where))
		f.Explanation = fmt.Sprintf("The control connection was %s instead of an answer to %s, on %s: the server's session process ended (crashed, killed, or refused the session without a reply), or a firewall or IDS on the path cut the connection. The server's log tells which.",
			how, joinAnd(where), conns)
		f.Action = "read the server's log for the session"
	}
	f.Fixes = append(serverLogFixes(in.sw), Fix{For: "client", Text: "Log in with another client (curl -v) and list a directory: if it is cut the same way, the server ends every session.", Lines: []string{"curl -v " + in.r.Target.URL}})
	return []Finding{f}
}
