package report

import (
	"fmt"
	"iter"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// input is what every rule reads: the probe result, the evidence, and a few
// things derived once.
type input struct {
	r  *probe.Result
	ev *capture.Evidence
	// wire is true when a capture ran and its facts can be trusted.
	wire bool
	// sw is the detected server software key ("vsftpd", ..., "unknown").
	sw string
	// an is set when the result was rebuilt from a capture (analyze.go).
	an *analysis
	// obs joins each attempt to its own wire connections (observe.go).
	obs *observations
	// outsideObs are the responder's observations (outside.go), found
	// once (outsideDone).
	outsideObs  []outsideObs
	outsideDone bool
	// failures memoizes firstFailure per mode, by its index in modes()
	// (input.firstFailure).
	failures []firstFail
	// modeList is modes(), found once; passive and active its sides
	// (sides).
	modeList        []*probe.ModeResult
	passive, active []*probe.ModeResult
	sidesDone       bool
	// pasv are the passive samples split, without and with the plain
	// comparison's (splitPassive).
	pasv [2]pasvSplit
	// meanings remembers the meanings of replies a step does not carry
	// (a session rebuilt from a capture: its worker's cache); nil: none.
	meanings meaningCache
	// arena holds the lists made for the report (noArena: made anew).
	arena *sessionArena
}

// interpret is interpret(verb, st), remembered in in.meanings.
func (in *input) interpret(verb string, st probe.Step) ftp.Interpretation {
	if st.Reply == nil || st.Meaning != nil {
		return interpret(verb, st)
	}
	return in.meanings.interpret(verb, *st.Reply, false)
}

// firstFail is a mode's first failure as firstFailure returns it; done
// once found.
type firstFail struct {
	s        modeStep
	ok, done bool
}

// firstFailure is firstFailure(mr), found once per mode: the rules ask
// it of every mode, each time interpreting every reply of the mode's
// steps, and a mode does not change while the rules run.
// A list by index, not a map: a session has a few modes, and the map took
// twice the bytes.
func (in *input) firstFailure(mr *probe.ModeResult) (modeStep, bool) {
	i := slices.Index(in.modes(), mr)
	if i < 0 {
		return firstFailure(mr)
	}
	if in.failures == nil {
		in.failures = in.arena.failures.take(len(in.modes()))
	}
	f := &in.failures[i]
	if !f.done {
		f.s, f.ok = firstFailure(mr)
		f.done = true
	}
	return f.s, f.ok
}

// newInput is the input of a probe run: its attempts joined to the
// evidence's connections (observe).
func newInput(r *probe.Result, ev *capture.Evidence) *input {
	return inputWith(r, ev, observe(r, ev))
}

// inputWith is the input of r and ev with their observations already
// made (a session rebuilt from a capture: observeLinks).
func inputWith(r *probe.Result, ev *capture.Evidence, obs *observations) *input {
	return inputIn(r, ev, obs, noArena)
}

// inputIn is inputWith made in ar, whose lists its derived facts take.
func inputIn(r *probe.Result, ev *capture.Evidence, obs *observations, ar *sessionArena) *input {
	in := &ar.inputs.take(1)[0]
	*in = input{r: r, ev: ev, wire: ev != nil && ev.Available, sw: "unknown", obs: obs, arena: ar}
	if r != nil {
		in.sw = softwareKey(r.Server)
	}
	return in
}

func (in *input) serverSummary() ServerSummary {
	s := ServerSummary{Software: in.sw}
	if in.r != nil {
		s.Version = in.r.Server.Info.Version
		s.Banner = in.r.Server.Banner
	}
	return s
}

// modes returns the applicable modes that were probed, in report order.
// A result rebuilt from a capture may hold several results per mode (one
// per data connection set up) and control-only ones (analyze.go); they
// all count, in mode order, control-only last.
func (in *input) modes() []*probe.ModeResult {
	if in.r == nil {
		return nil
	}
	if in.modeList == nil {
		// Found once: the rules ask for it tens of times, and a result
		// does not change while they run. Full: an append copies.
		l := appendApplicable(in.arena.modePtrs.take(len(in.r.Modes))[:0], in.r)
		in.modeList = l[:len(l):len(l)]
	}
	return in.modeList
}

// sides are the logged-in passive and active modes of modes(), found
// once: several rules ask for them. Read only.
func (in *input) sides() (passive, active []*probe.ModeResult) {
	if !in.sidesDone {
		ms := in.modes()
		l := in.arena.modePtrs.take(len(ms))[:0]
		for _, mr := range ms {
			if mr.Mode.Passive() && controlUp(mr) {
				l = append(l, mr)
			}
		}
		np := len(l)
		for _, mr := range ms {
			if !mr.Mode.Passive() && controlUp(mr) {
				l = append(l, mr)
			}
		}
		in.passive, in.active = l[:np:np], l[np:len(l):len(l)]
		in.sidesDone = true
	}
	return in.passive, in.active
}

// appendApplicable appends r's applicable modes to out, in
// probe.AllModes order, then the control-only ones (a session rebuilt
// from a capture).
func appendApplicable(out []*probe.ModeResult, r *probe.Result) []*probe.ModeResult {
	for _, m := range probe.AllModes {
		for i := range r.Modes {
			if mr := &r.Modes[i]; mr.Mode == m && mr.Applicable {
				out = append(out, mr)
			}
		}
	}
	for i := range r.Modes {
		if mr := &r.Modes[i]; mr.Mode == modeControlOnly && mr.Applicable {
			out = append(out, mr)
		}
	}
	return out
}

// controlUp reports whether the mode got as far as a logged-in session.
func controlUp(mr *probe.ModeResult) bool {
	return mr.Connect.OK() && mr.Banner.OK() && mr.Login.OK()
}

// attempt is one data connection and the transfer that used it.
type attempt struct {
	mode string
	// name is the transfer command's verb: "LIST" or "RETR" in a probe
	// run; in a session rebuilt from a capture whatever the client sent
	// (NLST, MLSD, STOR, STOU, APPE...), noTransfer when it sent none.
	name string
	// primary: the mode's first data connection (ModeResult.ListData),
	// whose fate decides whether the mode works.
	primary bool
	dc      *probe.DataConn
	tr      *probe.Transfer
}

// noTransfer names an attempt whose data connection no transfer command
// used (a session rebuilt from a capture).
const noTransfer = "no transfer"

// transferKinds are the commands that use a data connection, by what
// they move.
var transferKinds = map[string]string{
	"LIST": "listing", "NLST": "listing", "MLSD": "listing",
	"RETR": "download",
	"STOR": "upload", "STOU": "upload", "APPE": "upload",
}

// attemptName is the verb of a transfer's command, def when it has none.
func attemptName(tr *probe.Transfer, def string) string {
	v := transferVerb(tr.Command, def)
	if _, ok := transferKinds[v]; ok {
		return v
	}
	if tr.Command == noTransferCommand {
		return noTransfer
	}
	return def
}

// attempts lists the data connections of a mode that were set up, each
// named by the transfer command that used it.
func attempts(mr *probe.ModeResult) []attempt { return appendAttempts(nil, mr) }

// eachAttempt yields attempts(mr) without making the list: the rules ask
// for them of every mode many times, and a list per call was 12 MB of the
// 3,000-session benchmark's 157.
func eachAttempt(mr *probe.ModeResult) iter.Seq[attempt] {
	return func(yield func(attempt) bool) {
		if !yield(attempt{mode: string(mr.Mode), name: attemptName(&mr.List, "LIST"), primary: true, dc: &mr.ListData, tr: &mr.List}) {
			return
		}
		if mr.RetrData != nil && mr.Retr != nil {
			yield(attempt{mode: string(mr.Mode), name: attemptName(mr.Retr, "RETR"), dc: mr.RetrData, tr: mr.Retr})
		}
	}
}

// maxAttempts is the most attempts a mode has: its LIST and its RETR.
const maxAttempts = 2

// appendAttempts appends mr's attempts to out: a caller that passes an
// array of maxAttempts keeps them off the heap.
func appendAttempts(out []attempt, mr *probe.ModeResult) []attempt {
	out = append(out, attempt{mode: string(mr.Mode), name: attemptName(&mr.List, "LIST"), primary: true, dc: &mr.ListData, tr: &mr.List})
	if mr.RetrData != nil && mr.Retr != nil {
		out = append(out, attempt{mode: string(mr.Mode), name: attemptName(mr.Retr, "RETR"), dc: mr.RetrData, tr: mr.Retr})
	}
	return out
}

// setupVerb is the command that sets up a mode's data connection.
func setupVerb(m probe.Mode) string { return string(m) }

// replyLine renders a reply on one line: "227 Entering Passive Mode (...)".
// It tolerates Lines with or without the code prefix. A one-line reply
// already in that form is returned as it is: the rules and the matrix ask
// for the line of most replies several times, and building it each time
// was 7 MB of the 3,000-session benchmark's 147.
func replyLine(rep *ftp.Reply) string {
	if rep == nil {
		return ""
	}
	if len(rep.Lines) == 1 && isReplyLine(rep.Lines[0], rep.Code) {
		return rep.Lines[0]
	}
	code := strconv.Itoa(rep.Code)
	var b strings.Builder
	b.WriteString(code)
	sep := " "
	for _, l := range rep.Lines {
		l = strings.TrimRight(l, "\r\n")
		if len(l) >= 4 && l[:3] == code && (l[3] == ' ' || l[3] == '-') {
			l = l[4:]
		}
		if l = strings.TrimSpace(l); l != "" {
			b.WriteString(sep)
			b.WriteString(l)
			sep = " / "
		}
	}
	return b.String()
}

// isReplyLine reports whether l is "code text" exactly as replyLine writes
// it: the code, one space, text with no space around it.
func isReplyLine(l string, code int) bool {
	if code < 100 || code > 999 || len(l) < 5 || l[3] != ' ' {
		return false
	}
	for i, div := range [3]int{100, 10, 1} {
		if int(l[i]) != '0'+code/div%10 {
			return false
		}
	}
	text := l[4:]
	return strings.TrimSpace(text) == text && strings.TrimRight(text, "\r\n") == text
}

// replyHas reports whether the reply text contains any of the words
// (case-insensitive).
func replyHas(rep *ftp.Reply, words ...string) bool {
	if rep == nil {
		return false
	}
	t := strings.ToLower(replyLine(rep))
	for _, w := range words {
		if strings.Contains(t, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// stepText describes a step's outcome: "ok", "timeout after 5.0 s",
// "reply 550 Permission denied.".
func stepText(s probe.Step) string {
	switch s.Outcome {
	case "":
		return "-"
	case probe.OutcomeReply:
		if s.Reply != nil {
			return "reply " + replyLine(s.Reply)
		}
		return "reply"
	case probe.OutcomeTimeout:
		return fmt.Sprintf("timeout after %.1f s", s.T-s.T0)
	case probe.OutcomeError, probe.OutcomeTLS, probe.OutcomeProtocol,
		probe.OutcomeTLSHandshake, probe.OutcomeTLSCertificate, probe.OutcomeTLSResumption:
		if s.Error != "" {
			return string(s.Outcome) + ": " + s.Error
		}
	}
	return string(s.Outcome)
}

// stepFact turns a probe step into a piece of evidence.
func stepFact(what string, s probe.Step) Fact {
	return Fact{T: s.T, Text: what + ": " + stepText(s)}
}

// hostPort splits "host:port", "[v6]:port"; ok false when it cannot.
func hostPort(s string) (host string, port uint16, ok bool) {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, false
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return "", 0, false
	}
	return h, uint16(n), true
}

// addrOf parses the address part of "host:port"; invalid when not an IP.
func addrOf(s string) netip.Addr {
	h, _, ok := hostPort(s)
	if !ok {
		h = s
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// portOf parses the port part of "host:port" (0 when none).
func portOf(s string) uint16 {
	_, p, _ := hostPort(s)
	return p
}

// unroutable reports whether an address cannot be reached across the
// Internet (ftp.Unroutable: private, loopback, link-local, CGNAT,
// unspecified, multicast, 0.0.0.0/8, 240.0.0.0/4 and 255.255.255.255).
func unroutable(a netip.Addr) bool { return ftp.Unroutable(a) }

// controlPeer is the server address the client connected to (the public
// address, seen from here).
func (in *input) controlPeer() string {
	for _, mr := range in.modes() {
		if a := addrOf(mr.ControlRemote); a.IsValid() {
			return a.String()
		}
	}
	if in.r != nil {
		if len(in.r.Addresses) > 0 {
			return in.r.Addresses[0]
		}
		return in.r.Target.Host
	}
	return ""
}

// wireNote is the sentence added to explanations that need the wire when
// no capture backs them.
const wireNote = "This is inferred from the client's view: no packet capture backs it."

// modeNames returns the mode names of the given results.
func modeNames(mrs []*probe.ModeResult) []string {
	var out []string
	for _, mr := range mrs {
		out = append(out, string(mr.Mode))
	}
	return out
}

func hasMode(modes []string, m string) bool {
	for _, x := range modes {
		if x == m {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// joinAnd joins words as "a, b and c".
func joinAnd(w []string) string {
	switch len(w) {
	case 0:
		return ""
	case 1:
		return w[0]
	}
	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}
