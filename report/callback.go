package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// The callback test against a responder (probe/callback.go): on a passive
// mode's control connection the probe listened, announced the port and
// asked the responder to connect back, once from port 20 and once from an
// ephemeral port. Each try is judged from both ends: the responder's
// outcome (its socket: connected, refused, unreachable, timeout) and
// whether the connection, carrying the responder's line with this
// session's nonce, reached the probe's listener.

// callbackState is a try's verdict from both ends.
type callbackState string

const (
	// callbackPasses: the responder connected and its connection reached
	// this host.
	callbackPasses callbackState = "passes"
	// callbackBlocked: the responder's attempt got no answer (timeout)
	// and nothing reached this host's listener, which waited the whole
	// time.
	callbackBlocked callbackState = "blocked"
	// callbackRejected: the responder's attempt was answered with a
	// refusal (a RST, an ICMP unreachable) and nothing reached this host's
	// listener: something rejected it, which is not a drop.
	callbackRejected callbackState = "refused"
	// callbackNotTested: no attempt was made (the PORT/EPRT was refused,
	// port 20 could not be bound, the rate limit, a failed try).
	callbackNotTested callbackState = "not tested"
	// callbackUnclear: the two ends disagree (the responder connected and
	// nothing arrived, or the reverse).
	callbackUnclear callbackState = "unclear"
)

// callbackObs is one callback try joined with the responder's record.
type callbackObs struct {
	try probe.CallbackTry
	// cb is the responder's record of the callback (nil: none made).
	cb *ftp.ResponderCallback
	// received is the PORT/EPRT as the responder received it.
	received string
	// arrived is the connection that carried this try's line with the
	// session's nonce (nil: none did).
	arrived *probe.CallbackArrival
	state   callbackState
}

// joinCallbacks joins the probe's tries with the responder's record; got
// are the PORT/EPRT lines the responder received for them, in order. It
// also returns the tries' commands as sent and received, for the ALG rule.
func joinCallbacks(tries []probe.CallbackTry, rec *ftp.ResponderRecord, got []string) ([]callbackObs, []sentReceived) {
	var out []callbackObs
	var ports []sentReceived
	for _, t := range tries {
		o := callbackObs{try: t}
		if t.Command != "" {
			p := sentReceived{t: t.T, sent: t.Command}
			if len(got) > 0 {
				p.received, got = got[0], got[1:]
			}
			o.received = p.received
			ports = append(ports, p)
		}
		for i := range rec.Callbacks {
			// One callback of a kind per session: the kind joins them
			// (To is the address as received, after any ALG).
			if rec.Callbacks[i].Kind == t.Kind && strings.HasPrefix(t.Reply, "200 ") {
				o.cb = &rec.Callbacks[i]
			}
		}
		for i := range t.Arrived {
			kind, nonce, ok := ftp.ParseCallbackLine(t.Arrived[i].Line)
			if ok && kind == t.Kind && nonce == rec.Nonce {
				o.arrived = &t.Arrived[i]
				break
			}
		}
		o.state = o.judge()
		out = append(out, o)
	}
	return out, ports
}

// judge decides a try's state from both ends.
func (o *callbackObs) judge() callbackState {
	switch {
	case o.cb == nil || strings.HasPrefix(o.cb.Outcome, ftp.CallbackNotTested):
		return callbackNotTested
	case o.cb.Outcome == ftp.CallbackConnected && o.arrived != nil:
		return callbackPasses
	case o.arrived != nil || o.try.Error != "" || len(o.try.Arrived) > 0:
	case o.cb.Outcome == ftp.CallbackTimeout:
		return callbackBlocked
	case o.cb.Outcome == ftp.CallbackRefused || o.cb.Outcome == ftp.CallbackUnreachable:
		return callbackRejected
	}
	return callbackUnclear
}

// kindName names a callback kind in prose.
func kindName(kind string) string {
	if kind == ftp.CallbackPort20 {
		return "from port 20"
	}
	return "from an ephemeral port"
}

// responderSaw is the responder's view of a try, in prose.
func (o *callbackObs) responderSaw() string {
	from := "the responder"
	if o.cb.From != "" {
		from += " (" + o.cb.From + ")"
	}
	switch o.cb.Outcome {
	case ftp.CallbackConnected:
		return fmt.Sprintf("%s connected %s to %s", from, kindName(o.try.Kind), o.cb.To)
	case ftp.CallbackTimeout:
		return fmt.Sprintf("%s got no answer %s to %s within %d s", from, kindName(o.try.Kind), o.cb.To, o.cb.Seconds)
	case ftp.CallbackRefused:
		return fmt.Sprintf("%s was refused %s to %s (a RST or an ICMP port unreachable)", from, kindName(o.try.Kind), o.cb.To)
	case ftp.CallbackUnreachable:
		return fmt.Sprintf("%s got an ICMP unreachable %s to %s", from, kindName(o.try.Kind), o.cb.To)
	}
	return fmt.Sprintf("%s, %s to %s: %s", from, kindName(o.try.Kind), o.cb.To, o.cb.Outcome)
}

// probeSaw is this host's view of a try, in prose.
func (o *callbackObs) probeSaw() string {
	if o.arrived != nil {
		return fmt.Sprintf("ftpdiag's listener on %s accepted it from %s, carrying the responder's line", o.try.Listened, o.arrived.From)
	}
	if n := len(o.try.Arrived); n > 0 {
		return fmt.Sprintf("ftpdiag's listener on %s accepted %d connection(s), none carrying this callback's line (first from %s)", o.try.Listened, n, o.try.Arrived[0].From)
	}
	return fmt.Sprintf("no connection reached ftpdiag's listener on %s while it waited", o.try.Listened)
}

// facts are a try's evidence from both ends.
func (o *callbackObs) facts(label string) []Fact {
	return []Fact{
		{T: o.try.T, Text: fmt.Sprintf("%s's connection, callback test: %s", label, o.responderSaw())},
		{T: o.try.T, Text: fmt.Sprintf("%s's connection, callback test: %s", label, o.probeSaw())},
	}
}

// callbackSummary is what the callback tests of a run show, over every
// connection that ran them: which kinds passed, which were blocked.
type callbackSummary struct {
	passed, blocked, refused map[string][]Fact
	// unclear counts the tries whose two ends disagree.
	unclear int
	modes   []string
}

// callbacks sums up the callback tests of the run; plain selects the
// plain-text comparison's connections or the main run's.
func (in *input) callbacks(plain bool) callbackSummary {
	// The maps are made on the first fact (addFacts): most runs, and
	// every session rebuilt from a capture, have no callback test, and
	// six empty maps per session were 1% of the 3,000-session analyze
	// benchmark's bytes.
	var s callbackSummary
	for _, o := range in.outside() {
		if o.plain != plain {
			continue
		}
		for i := range o.callbacks {
			c := &o.callbacks[i]
			switch c.state {
			case callbackPasses:
				s.passed = addFacts(s.passed, c.try.Kind, c.facts(o.label()))
			case callbackBlocked:
				s.blocked = addFacts(s.blocked, c.try.Kind, c.facts(o.label()))
			case callbackRejected:
				s.refused = addFacts(s.refused, c.try.Kind, c.facts(o.label()))
			case callbackUnclear:
				s.unclear++
				continue
			default:
				continue
			}
			s.modes = appendOnce(s.modes, string(o.mr.Mode))
		}
	}
	return s
}

// addFacts appends facts to m[kind], making m when nil.
func addFacts(m map[string][]Fact, kind string, facts []Fact) map[string][]Fact {
	if m == nil {
		m = map[string][]Fact{}
	}
	m[kind] = append(m[kind], facts...)
	return m
}

// allBlocked reports whether every try that was made got no answer: none
// passed, none was refused, and none left the two ends disagreeing.
func (s callbackSummary) allBlocked() bool {
	return len(s.blocked) > 0 && len(s.passed) == 0 && len(s.refused) == 0 && s.unclear == 0
}

// allRefused reports whether every try that was made was refused.
func (s callbackSummary) allRefused() bool {
	return len(s.refused) > 0 && len(s.passed) == 0 && len(s.blocked) == 0 && s.unclear == 0
}

// failed are the facts of a kind's tries that did not get through,
// unanswered or refused.
func (s callbackSummary) failed(kind string) []Fact {
	return slices.Concat(s.blocked[kind], s.refused[kind])
}

// blockedFacts are the blocked tries' facts, port 20's first.
func (s callbackSummary) blockedFacts() []Fact {
	var out []Fact
	for _, k := range ftp.CallbackKinds {
		out = append(out, s.blocked[k]...)
	}
	return out
}

// refusedFacts are the refused tries' facts, port 20's first.
func (s callbackSummary) refusedFacts() []Fact {
	var out []Fact
	for _, k := range ftp.CallbackKinds {
		out = append(out, s.refused[k]...)
	}
	return out
}

// callbackRun is the callback tests' summary the rules read: the main
// run's, or the plain-text comparison's when the main run judged none (its
// PORT/EPRT refused under TLS, where no ALG could rewrite it).
func (in *input) callbackRun() callbackSummary {
	s := in.callbacks(false)
	if len(s.passed) == 0 && len(s.blocked) == 0 && len(s.refused) == 0 && s.unclear == 0 {
		return in.callbacks(true)
	}
	return s
}
