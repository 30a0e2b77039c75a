package report

import (
	"fmt"

	"github.com/ftpdiag/ftpdiag/probe"
)

// A run that was cancelled (Ctrl-C) or reached its overall deadline
// (--timeout) is partial: the steps it cut carry outcome "interrupted"
// (probe/interrupt.go), and no rule reads them as a network fault. The
// report says the run was cut short: the run-interrupted finding, the
// verdict, and the matrix rows of the modes it cut.

// namedStep is one step of a mode with what it was.
type namedStep struct {
	what string
	st   probe.Step
}

// modeSteps lists a mode's steps in the order they run.
func modeSteps(mr *probe.ModeResult) []namedStep {
	out := []namedStep{{"control connect", mr.Connect}, {"banner", mr.Banner}}
	if mr.TLS != nil {
		out = append(out, namedStep{"TLS handshake", mr.TLS.Handshake})
	}
	out = append(out, namedStep{"login", mr.Login}, namedStep{string(mr.Mode), mr.ListData.Setup},
		namedStep{"LIST data connection", mr.ListData.Connect}, namedStep{"LIST", mr.List.Step})
	if mr.RetrData != nil {
		out = append(out, namedStep{"RETR data connection", mr.RetrData.Connect})
	}
	if mr.Retr != nil {
		out = append(out, namedStep{"RETR", mr.Retr.Step})
	}
	return out
}

// cutStep is the first step of mr the interruption cut, if any.
func cutStep(mr *probe.ModeResult) (namedStep, bool) {
	for _, s := range modeSteps(mr) {
		if s.st.Outcome == probe.OutcomeInterrupted {
			return s, true
		}
	}
	return namedStep{}, false
}

// modeCut reports whether the interruption of the run kept mr from
// finishing: a step of it was cut, or it never started.
func (in *input) modeCut(mr *probe.ModeResult) bool {
	if in.r == nil || in.r.Interrupted == nil || mr.Works {
		return false
	}
	_, cut := cutStep(mr)
	return cut || mr.Connect.Outcome == probe.OutcomeSkipped || mr.Connect.Outcome == ""
}

// interruptedWhy says how the run was cut, in words.
func interruptedWhy(it *probe.Interruption) string {
	if it.Cause == probe.CauseDeadline {
		return fmt.Sprintf("reached its overall deadline (--timeout %gs) at %.1f s", it.Timeout, it.T)
	}
	return fmt.Sprintf("was interrupted (Ctrl-C) at %.1f s", it.T)
}

// ruleRunInterrupted: the run did not finish. Decision: probe.interrupted
// is set (the probe saw its context end before every step ran). The modes
// it names are those with a step cut (outcome interrupted) or never
// started; what they would have shown is unknown, and the finding says so.
func ruleRunInterrupted(in *input) []Finding {
	if in.r == nil || in.r.Interrupted == nil {
		return nil
	}
	it := in.r.Interrupted
	var mrs []*probe.ModeResult
	facts := []Fact{{T: it.T, Text: "the run " + interruptedWhy(it)}}
	for _, mr := range in.modes() {
		if !in.modeCut(mr) {
			continue
		}
		mrs = append(mrs, mr)
		if s, ok := cutStep(mr); ok {
			facts = append(facts, stepFact(string(mr.Mode)+" "+s.what, s.st))
		} else {
			facts = append(facts, Fact{T: it.T, Text: string(mr.Mode) + ": never started"})
		}
	}
	action := "run the probe again and let it finish"
	expl := "The run was stopped before it finished: what the modes named here would have shown is not known. The steps it cut read \"interrupted\", not as timeouts; the other findings rest only on what was observed before."
	fix := Fix{For: "client", Text: "Run the probe again and let it finish (a full run takes seconds, up to --timeout against a slow server)."}
	if it.Cause == probe.CauseDeadline {
		action = "find why the server is this slow, or probe again with a longer --timeout"
		expl = fmt.Sprintf("The run took longer than its overall deadline (%gs) and was stopped: the server (or the path to it) is slow enough that the probe could not finish, and what the modes named here would have shown is not known. The steps it cut read \"interrupted\", not as timeouts; the other findings rest only on what was observed before.", it.Timeout)
		fix = Fix{For: "client", Text: "Probe again with a longer --timeout (e.g. --timeout 10m), and --modes to probe fewer modes at a time."}
	}
	return []Finding{{
		ID:          "run-interrupted",
		Severity:    SeverityError,
		Title:       "The run " + interruptedWhy(it) + ", before it finished",
		Explanation: expl,
		Action:      action,
		Modes:       modeNames(mrs),
		Evidence:    facts,
		Fixes:       []Fix{fix},
	}}
}

// interruptedVerdict is the verdict of a run cut short.
func interruptedVerdict(in *input, fs []Finding) string {
	it := in.r.Interrupted
	var work, cut []string
	for _, mr := range distinctModes(in.modes()) {
		switch {
		case mr.Works:
			work = append(work, string(mr.Mode))
		case in.modeCut(mr):
			cut = append(cut, string(mr.Mode))
		}
	}
	s := "The run " + interruptedWhy(it) + ", before it finished"
	if len(work) > 0 {
		s += "; " + joinAnd(work) + " worked"
	}
	if len(cut) > 0 {
		s += "; " + joinAnd(cut) + " did not finish"
	}
	for _, f := range fs {
		if f.Severity == SeverityError && f.ID != "run-interrupted" {
			return sentence(s + "; found so far: " + lowerFirst(f.Title))
		}
	}
	return sentence(s + ": run it again to complete the diagnosis")
}
