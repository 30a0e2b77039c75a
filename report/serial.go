package report

import (
	"fmt"

	"github.com/ftpdiag/ftpdiag/probe"
)

// ruleServerSerial: the probe ran the modes one at a time because the
// server would not cope with several sessions at once, and every mode was
// still probed: a slow or serial server is healthy, and this says what the
// probe saw. Decision: Result.Pacing.Serial with a trigger other than a
// connection limit (that one is server-busy's, which quotes the limit's
// reply). Info.
func ruleServerSerial(in *input) []Finding {
	if in.r == nil || in.r.Pacing == nil || !in.r.Pacing.Serial || in.r.Pacing.Trigger == probe.PacingConnectionLimit {
		return nil
	}
	p := in.r.Pacing
	var modes []string
	for _, m := range p.Modes {
		modes = append(modes, string(m))
	}
	facts := []Fact{{Text: fmt.Sprintf("the first login took %.2f s; the control connection's TCP handshake %.3f s", p.LoginSeconds, p.RTTSeconds)}}
	if p.QueuedSeconds > 0 {
		facts = append(facts, Fact{Text: fmt.Sprintf("a second session waited %.2f s for its greeting", p.QueuedSeconds)})
	}
	title := "ftpdiag ran the data modes one at a time for this server"
	switch p.Trigger {
	case probe.PacingSlowLogin:
		title = fmt.Sprintf("The server takes %.1f s per login: ftpdiag ran the data modes one at a time", p.LoginSeconds)
	case probe.PacingQueued:
		title = "The server serves one session at a time: ftpdiag ran the data modes one after another"
	case probe.PacingSlowGreeting:
		title = "The server was slow to greet a second session: ftpdiag ran the data modes one at a time"
	}
	expl := p.Reason
	if expl != "" {
		expl = sentence(expl) + " "
	}
	expl += "This is the server's pace, not a fault: every mode was still probed. Clients that open several sessions at once (parallel transfers) wait in the same way."
	return []Finding{{
		ID:          "server-serial",
		Severity:    SeverityInfo,
		Title:       title,
		Explanation: expl,
		Modes:       modes,
		Evidence:    facts,
		Fixes: pickOr(in.sw, map[string]Fix{
			"pure-ftpd": {Text: "Pure-FTPd's logins are slow when pure-pw hashed the passwords with its default (argon2id) on a small machine; that is a choice of cost, not a fault."},
		}, Fix{Text: "Nothing to fix for the data connections. If logins or greetings are slower than wanted, look at the server's password hashing and how many sessions it serves at once."}),
	}}
}
