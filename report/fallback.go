package report

import (
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/probe"
)

// fallback explains every failing mode that no error finding names, so that
// the exit code contract holds: a failed control session ->
// control-failed, anything after login -> data-connection-failed. The
// first step that failed is quoted.
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
	data := Finding{ID: "data-connection-failed", Severity: SeverityError, Title: "The data connection failed"}
	anyError := len(explained) > 0
	for _, mr := range in.modes() {
		if mr.Works || explained[string(mr.Mode)] {
			continue
		}
		// A mode that never ran because the first control session failed
		// is explained by whatever explains that failure.
		if anyError && mr.Connect.Outcome == probe.OutcomeSkipped {
			continue
		}
		g := &data
		what, st := firstFailure(mr)
		if !controlUp(mr) {
			g = &ctl
		}
		g.Modes = append(g.Modes, string(mr.Mode))
		g.Evidence = append(g.Evidence, stepFact(fmt.Sprintf("%s %s", mr.Mode, what), st))
	}
	var out []Finding
	if len(ctl.Modes) > 0 {
		ctl.Explanation = fmt.Sprintf("The control connection for %s did not reach a logged-in session, for a reason no specific rule recognises; the evidence quotes the step that failed.", joinAnd(ctl.Modes))
		ctl.Action = "see the failing step in the evidence"
		ctl.Fixes = []Fix{{For: "client", Text: "Read the control transcript below; try the same steps with curl -v to compare."}}
		out = append(out, ctl)
	}
	if len(data.Modes) > 0 {
		data.Title = fmt.Sprintf("The %s data connection failed", joinAnd(data.Modes))
		data.Explanation = fmt.Sprintf("%s did not complete a listing, for a reason no specific rule recognises; the evidence quotes the step that failed.", joinAnd(data.Modes))
		data.Action = "see the failing step in the evidence"
		data.Fixes = []Fix{{For: "client", Text: "Read the control transcript and the ladder below; try the same mode with curl -v to compare."}}
		out = append(out, data)
	}
	return out
}

// firstFailure names the first step of a mode that did not succeed.
func firstFailure(mr *probe.ModeResult) (string, probe.Step) {
	steps := []struct {
		what string
		st   probe.Step
	}{
		{"control connect", mr.Connect}, {"banner", mr.Banner}, {"login", mr.Login},
		{strings.ToUpper(string(mr.Mode)), mr.ListData.Setup}, {"data connect", mr.ListData.Connect}, {"LIST", mr.List.Step},
	}
	for _, s := range steps {
		if !s.st.OK() {
			return s.what, s.st
		}
	}
	return "LIST", mr.List.Step
}
