package report

import (
	"fmt"

	"github.com/ftpdiag/ftpdiag/probe"
)

// lostStep is the first step of a logged-in mode that ended because the
// control connection was closed or reset: the data-setup command, or a
// transfer command before any data came (after its 1xx only the control
// connection is read for the final reply, so a close there is the
// control's too). ok false when the mode lost no control connection.
func lostStep(mr *probe.ModeResult) (what string, st probe.Step, ok bool) {
	lost := func(o probe.Outcome) bool { return o == probe.OutcomeClosed || o == probe.OutcomeReset }
	if s := mr.ListData.Setup; lost(s.Outcome) {
		return setupVerb(mr.Mode), s, true
	}
	for _, a := range attempts(mr) {
		if s := a.tr.Step; s.Outcome == probe.OutcomeClosed || (s.Outcome == probe.OutcomeReset && a.tr.Preliminary == nil && a.tr.Bytes == 0) {
			return a.tr.Command, s, true
		}
	}
	return "", probe.Step{}, false
}

// ruleControlClosed: the server (or something between) ended the control
// connection after a successful login, so no data connection could be
// tried. Decision: a logged-in mode whose data setup, or whose transfer
// command before any data, ended "closed" (EOF) or "reset". With a capture
// the control connection's FIN or RST is quoted, telling which side ended
// it. It explains every such mode, so they are not data failures.
func ruleControlClosed(in *input) []Finding {
	var mrs []*probe.ModeResult
	var facts []Fact
	reset := false
	for _, mr := range in.modes() {
		if !controlUp(mr) {
			continue
		}
		what, st, ok := lostStep(mr)
		if !ok {
			continue
		}
		mrs = append(mrs, mr)
		reset = reset || st.Outcome == probe.OutcomeReset
		login := "after login"
		if mr.Login.Reply != nil {
			login = fmt.Sprintf("after %q", replyLine(mr.Login.Reply))
		}
		facts = append(facts, stepFact(fmt.Sprintf("%s %s, %s", mr.Mode, login, what), st))
		for _, c := range in.obs.controlOf(mr).conns {
			if c.FINResponder != nil {
				facts = append(facts, Fact{T: c.FINResponder.T, Packet: c.FINResponder.Packet, Text: fmt.Sprintf("FIN from the server %s on the control connection", c.Responder)})
			}
			facts = append(facts, refusalFacts(c)...)
		}
	}
	if len(mrs) == 0 {
		return nil
	}
	how := "closed"
	if reset {
		how = "reset"
	}
	return []Finding{{
		ID:       "control-closed",
		Severity: SeverityError,
		Title:    fmt.Sprintf("The control connection was %s after login", how),
		Explanation: fmt.Sprintf("The server accepted the login, and then the control connection of %s was %s, cutting the step named in the evidence: nothing after it could be tried, so this is not a data-connection failure. A server does this when the session cannot go on after all (a per-user or per-host session limit counted after login, a home directory or chroot it cannot enter, a crash of the session's process); a firewall or IDS in between can also cut a connection (a reset).",
			joinAnd(modeNames(mrs)), how),
		Action:   "read the server's log for the session that logged in",
		Modes:    modeNames(mrs),
		Evidence: facts,
		Fixes: append(pick(in.sw, map[string]Fix{
			"vsftpd":           {Text: "Read vsftpd's log for the session (vsftpd_log_file, or syslog with syslog_enable=YES): why it ended is written there."},
			"proftpd":          {Text: "Read ProFTPD's SystemLog for the session: why it ended is written there."},
			"pure-ftpd":        {Text: "Read syslog (the ftp facility) for the session: why it ended is written there."},
			"filezilla-server": {Text: "Read the server's log for the session (Server > Logs)."},
			"iis":              {Text: "Read the FTP site's log for the session (inetpub\\logs\\LogFiles\\FTPSVC*)."},
		}), Fix{For: "client", Text: "Log in with another client (curl -v) and list a directory: if it is cut the same way, the server ends every session."}),
	}}
}
