package report

import (
	"fmt"

	"github.com/ftpdiag/ftpdiag/probe"
)

// fallback explains every failing mode that no error finding names, so that
// the exit code contract holds: a failed control session ->
// control-failed, anything after login -> data-connection-failed. The
// first step that failed is quoted, and the title says how far the mode
// got: a set-up command that was refused is no failed data connection.
func fallback(in *input, found []Finding) []Finding {
	explained := map[string]bool{}
	for _, f := range found {
		if f.Severity == SeverityError {
			for _, m := range f.Modes {
				explained[m] = true
			}
		}
	}
	ctl := Finding{ID: "control-failed", Severity: SeverityError, Title: "The control session failed"}
	data := Finding{ID: "data-connection-failed", Severity: SeverityError}
	anyError := len(explained) > 0
	setupOnly, setupSilent := true, true
	var firstCtl, firstData string
	for _, mr := range in.modes() {
		if modeWorks(mr) || explained[string(mr.Mode)] || notDue(mr) || noLogin(mr) || in.fellBack(mr) != nil {
			// noLogin: the client never logged in, its own choice
			// (nologin.go); fellBack: a captured client's refused EPSV or
			// EPRT it went on from with PASV or PORT (fellback.go), which
			// failed no transfer.
			continue
		}
		// A mode that never ran because the first control session failed
		// is explained by whatever explains that failure.
		if anyError && mr.Connect.Outcome == probe.OutcomeSkipped {
			continue
		}
		s, ok := in.firstFailure(mr)
		if !ok {
			s = modeStep{name: "LIST", verb: "LIST", st: mr.List.Step, data: true}
		}
		fact := stepFact(fmt.Sprintf("%s %s", mr.Mode, s.what()), s.st)
		if !controlUp(mr) || !s.data {
			ctl.Modes = append(ctl.Modes, string(mr.Mode))
			ctl.Evidence = append(ctl.Evidence, fact)
			if firstCtl == "" {
				firstCtl = fmt.Sprintf("%s: %s", s.describe(), stepText(s.st))
			}
			continue
		}
		data.Modes = append(data.Modes, string(mr.Mode))
		data.Evidence = append(data.Evidence, fact)
		if s.verb != setupVerb(mr.Mode) {
			setupOnly = false
		}
		if s.st.Outcome != probe.OutcomeTimeout {
			setupSilent = false
		}
		if firstData == "" {
			firstData = fmt.Sprintf("%s: %s", s.describe(), stepText(s.st))
		}
	}
	var out []Finding
	if len(ctl.Modes) > 0 {
		ctl.Explanation = fmt.Sprintf("The control connection for %s did not reach a logged-in session, for a reason no specific rule recognises. The first step that failed: %s", joinAnd(ctl.Modes), sentence(firstCtl))
		ctl.Action = "see the failing step in the evidence"
		ctl.Fixes = []Fix{{For: "client", Text: "Read the control transcript below; try the same steps with curl -v to compare."}}
		out = append(out, ctl)
	}
	if len(data.Modes) > 0 {
		switch {
		case setupOnly && setupSilent && in.an != nil:
			// A capture without the reply does not show the server was
			// silent: it may have ended, or missed the segment.
			data.Title = fmt.Sprintf("The capture holds no reply to %s", joinAnd(data.Modes))
			data.Explanation = fmt.Sprintf("No reply to %s is in the capture: the server may not have answered, or the capture ended or missed it. The first step that failed: %s", joinAnd(data.Modes), sentence(firstData))
		case setupOnly && setupSilent:
			// No answer at all is no refusal: some servers (pyftpdlib,
			// Twisted) connect to the client when PORT/EPRT arrives and
			// answer only once that attempt ends.
			data.Title = fmt.Sprintf("The server never answered %s", joinAnd(data.Modes))
			data.Explanation = fmt.Sprintf("The server did not answer %s while the probe waited. The first step that failed: %s", joinAnd(data.Modes), sentence(firstData))
			if allActive(data.Modes) {
				data.Explanation += " Servers that open the active data connection as soon as they get PORT or EPRT (pyftpdlib, Twisted) stay silent like this while their connection to this host goes unanswered; a capture on this host shows whether their SYNs arrive."
			}
		case setupOnly:
			data.Title = fmt.Sprintf("The server did not accept %s: no data connection was tried", joinAnd(data.Modes))
			data.Explanation = fmt.Sprintf("The server's answer to %s did not set up a data connection, for a reason no specific rule recognises. The first step that failed: %s", joinAnd(data.Modes), sentence(firstData))
		default:
			data.Title = fmt.Sprintf("The %s data connection failed", joinAnd(data.Modes))
			data.Explanation = fmt.Sprintf("%s did not complete a listing, for a reason no specific rule recognises. The first step that failed: %s", joinAnd(data.Modes), sentence(firstData))
		}
		data.Action = "see the failing step in the evidence"
		data.Fixes = []Fix{{For: "client", Text: "Read the control transcript and the ladder below; try the same mode with curl -v to compare."}}
		out = append(out, data)
	}
	return out
}

// allActive reports whether every mode named is an active one (EPRT, PORT).
func allActive(modes []string) bool {
	for _, m := range modes {
		if m != string(probe.ModeEPRT) && m != string(probe.ModePORT) {
			return false
		}
	}
	return len(modes) > 0
}
