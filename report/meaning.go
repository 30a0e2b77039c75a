package report

import (
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// interpret is where a rule gets the meaning of a step's reply: the one
// the probe recorded (probe.Step.Meaning, from ftp.Interpret), else
// ftp.Interpret on the reply and the command it answered (a result rebuilt
// from a capture, an older saved result). Rules never read reply codes or
// text to decide; they read the Interpretation. A step without a reply has
// the zero Interpretation.
func interpret(verb string, st probe.Step) ftp.Interpretation {
	if st.Reply == nil {
		return ftp.Interpretation{}
	}
	if st.Meaning != nil {
		return *st.Meaning
	}
	return ftp.Interpret(verb, *st.Reply, false)
}

// modeStep is one step of a mode's sequence with the command its reply
// answers: the greeting, the login, then per data connection the set-up
// command, the connection and the transfer.
type modeStep struct {
	// name names the step for people (what): "greeting", "login",
	// "EPSV", "RETR small.txt"; conn marks the data connection of the
	// transfer named ("RETR small.txt data connection").
	name string
	conn bool
	// verb is the command the step's reply answers (ftp.Greeting for the
	// greeting, "" for a step no reply can end, the control connect).
	verb string
	st   probe.Step
	// data is true for the steps after login.
	data bool
	// dc and tr are the data connection and the transfer a data step
	// belongs to.
	dc *probe.DataConn
	tr *probe.Transfer
}

// what names the step for people: "greeting", "login", "EPSV", "LIST
// data connection", "RETR small.txt". Written when asked for: written for
// every data connection each time a mode's steps were listed, it was 7%
// of the 3,000-session analyze benchmark's allocations.
func (s modeStep) what() string {
	if s.conn {
		return s.name + " data connection"
	}
	return s.name
}

// is reports whether the step is the one named (not a data connection).
func (s modeStep) is(name string) bool { return !s.conn && s.name == name }

// interp is the step's reply's meaning.
func (s modeStep) interp() ftp.Interpretation {
	if s.verb == "" && !s.is("greeting") {
		return ftp.Interpretation{}
	}
	return interpret(s.verb, s.st)
}

// failed reports whether the step ran and did not succeed: its outcome is
// not ok, or its reply does not complete the command (a failure, or a code
// the command's sequence does not allow, whatever the outcome says).
func (s modeStep) failed() bool {
	if !s.st.Ran() {
		return false
	}
	if !s.st.OK() {
		return true
	}
	in := s.interp()
	return in.Step.Failed() || in.Step == ftp.StepViolation
}

// answered reports whether the step ended with a reply from the server.
func (s modeStep) answered() bool { return s.st.Reply != nil && (s.verb != "" || s.is("greeting")) }

// stepsOf lists a mode's steps in the order they ran.
func stepsOf(mr *probe.ModeResult) []modeStep { return appendSteps(nil, mr) }

// maxSteps is the most steps a mode has: the control connect, the
// greeting, the login, then three per attempt.
const maxSteps = 3 + 3*maxAttempts

// appendSteps appends mr's steps to out: the rules ask for them of every
// mode many times, so a caller that only reads them passes an array of
// maxSteps, which keeps them off the heap.
func appendSteps(out []modeStep, mr *probe.ModeResult) []modeStep {
	out = append(out,
		modeStep{name: "control connect", st: mr.Connect},
		modeStep{name: "greeting", verb: ftp.Greeting, st: mr.Banner},
		modeStep{name: "login", verb: loginVerb(mr, mr.Login), st: mr.Login},
	)
	var as [maxAttempts]attempt
	for _, a := range appendAttempts(as[:0], mr) {
		v := transferVerb(a.tr.Command, a.name)
		cmd := a.tr.Command
		if cmd == "" {
			cmd = a.name
		}
		out = append(out,
			modeStep{name: string(mr.Mode), verb: setupVerb(mr.Mode), st: a.dc.Setup, data: true, dc: a.dc},
			// In active mode the server may answer the transfer command
			// (425) instead of connecting: the connect step holds that reply.
			modeStep{name: cmd, conn: true, verb: v, st: a.dc.Connect, data: true, dc: a.dc},
			modeStep{name: cmd, verb: v, st: a.tr.Step, data: true, dc: a.dc, tr: a.tr},
		)
	}
	return out
}

// firstFailure is the first step of a mode that failed; ok false when none
// did (or the mode never ran).
func firstFailure(mr *probe.ModeResult) (modeStep, bool) {
	var buf [maxSteps]modeStep
	for _, s := range appendSteps(buf[:0], mr) {
		if s.failed() {
			return s, true
		}
	}
	return modeStep{}, false
}

// failedReply is a mode's first failure when a server reply ended it.
type failedReply struct {
	mr *probe.ModeResult
	modeStep
	in ftp.Interpretation
}

// failedReplies lists, per applicable mode in report order, the first
// failure when it is a reply whose meaning is one of ms. Every mode has
// one first failure and every reply one meaning, so the rules that select
// by meaning never claim the same mode twice.
func (in *input) failedReplies(ms ...ftp.Meaning) []failedReply {
	var out []failedReply
	for _, mr := range in.modes() {
		s, ok := in.firstFailure(mr)
		if !ok || !s.answered() || s.tr != nil && openedThenFailed(s.verb, s.tr) {
			// A failure reply after the transfer's 1xx and before any
			// byte ends a transfer the server announced: the transfer
			// rules (stall.go) explain it, quoting the reply.
			continue
		}
		it := s.interp()
		for _, m := range ms {
			if it.Meaning == m {
				out = append(out, failedReply{mr: mr, modeStep: s, in: it})
				break
			}
		}
	}
	return out
}

// violations lists, per mode, the first failure when it is a reply the
// command's sequence does not allow.
func (in *input) violations() []failedReply {
	var out []failedReply
	for _, mr := range in.modes() {
		s, ok := in.firstFailure(mr)
		if !ok || !s.answered() {
			continue
		}
		if it := s.interp(); it.Step == ftp.StepViolation {
			out = append(out, failedReply{mr: mr, modeStep: s, in: it})
		}
	}
	return out
}

// accepted reports whether a step succeeded and its reply (if any)
// completes the command it answered: a 3xx to PORT is no acceptance.
func accepted(verb string, st probe.Step) bool {
	if !st.OK() {
		return false
	}
	return interpret(verb, st).Step != ftp.StepViolation
}

// setupAccepted reports whether a data connection's set-up command was
// accepted (see accepted).
func setupAccepted(m probe.Mode, dc *probe.DataConn) bool { return accepted(setupVerb(m), dc.Setup) }

// modeWorks reports whether a mode works: the probe says so and no reply
// on the way to its listing broke its command's sequence (a 3xx to LIST is
// no listing). A RETR that fails, even that way, leaves the mode working:
// its data connection carried the listing.
func modeWorks(mr *probe.ModeResult) bool {
	if !mr.Works {
		return false
	}
	var buf [maxSteps]modeStep
	steps := appendSteps(buf[:0], mr)
	if len(steps) > listSteps {
		steps = steps[:listSteps]
	}
	for _, s := range steps {
		if s.answered() && s.interp().Step == ftp.StepViolation {
			return false
		}
	}
	return true
}

// listSteps is how many of stepsOf's steps lead to the listing: connect,
// greeting, login, then the set-up, connection and LIST.
const listSteps = 6

// loginVerb is the command the login step's reply answered: the last
// USER, PASS or ACCT in the transcript whose reply has the step's code;
// without a transcript, USER for a 331 and PASS otherwise.
func loginVerb(mr *probe.ModeResult, st probe.Step) string {
	if st.Reply == nil {
		return "PASS"
	}
	verb := ""
	for _, ex := range mr.Transcript {
		v := transferVerb(ex.Command, "")
		switch v {
		case "USER", "PASS", "ACCT":
			if ex.Reply != nil && ex.Reply.Code == st.Reply.Code {
				verb = v
			}
		}
	}
	if verb != "" {
		return verb
	}
	if st.Reply.Code == 331 {
		return "USER"
	}
	return "PASS"
}

// transferVerb is the verb of a command line ("RETR small.txt" -> RETR),
// or def when the line is empty.
func transferVerb(cmd, def string) string {
	v, _, _ := strings.Cut(strings.TrimSpace(cmd), " ")
	if v == "" {
		return def
	}
	return strings.ToUpper(v)
}

// firstAttemptStep is the refusal that sent a mode to the serial retry, as
// a step of the greeting or the login.
func firstAttemptStep(mr *probe.ModeResult) (modeStep, bool) {
	if mr.FirstAttempt == nil {
		return modeStep{}, false
	}
	st := *mr.FirstAttempt
	s := modeStep{name: "greeting", verb: ftp.Greeting, st: st}
	if st.Reply != nil && st.Reply.Code != 421 {
		s = modeStep{name: "login", verb: loginVerb(mr, st), st: st}
	}
	return s, true
}

// describe names the command a reply answered, for explanations: "the
// greeting", "the login (PASS)", "EPSV", "LIST".
func (s modeStep) describe() string {
	switch {
	case s.is("greeting"):
		return "the greeting"
	case s.is("login"):
		return "the login (" + s.verb + ")"
	case s.conn || strings.HasSuffix(s.name, " data connection"):
		return s.verb
	}
	return s.name
}

// fileRefused reports whether a transfer step ended with a reply refusing
// the file operation itself (no such file, permission, quota; an account
// or login the command needs): not the network.
func fileRefused(verb string, s probe.Step) bool {
	if s.Outcome != probe.OutcomeReply || s.Reply == nil {
		return false
	}
	switch interpret(verb, s).Meaning {
	case ftp.MeaningFileRefused, ftp.MeaningAccountNeeded, ftp.MeaningLoginRequired:
		return true
	}
	return false
}
