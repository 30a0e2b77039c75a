package report

import (
	"fmt"
	"slices"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// Findings about the server's own state, read from the meaning of its
// replies (ftp.Interpret): a connection limit (server-busy), a session it
// closes (server-closing), a failure on its side (server-error).

// replyGroup gathers the modes whose first failure has one meaning.
type replyGroup struct {
	modes []string
	facts []Fact
	// where names each distinct command that got the reply: "the greeting",
	// "the login (PASS)", "LIST".
	where []string
	// failing is true when a mode in the group does not work.
	failing bool
	first   string // the first reply, quoted on one line
}

func (g *replyGroup) add(f failedReply) {
	g.addStep(string(f.mr.Mode), f.modeStep)
	if !modeWorks(f.mr) {
		g.failing = true
	}
}

func (g *replyGroup) addStep(mode string, s modeStep) {
	if !slices.Contains(g.modes, mode) {
		g.modes = append(g.modes, mode)
	}
	if d := s.describe(); !slices.Contains(g.where, d) {
		g.where = append(g.where, d)
	}
	g.facts = append(g.facts, stepFact(mode+" "+s.what(), s.st))
	if g.first == "" {
		g.first = replyLine(s.st.Reply)
	}
}

// severity is error when a mode of the group fails, else warning.
func (g *replyGroup) severity() Severity {
	if g.failing {
		return SeverityError
	}
	return SeverityWarning
}

// ruleServerBusy: the server turned sessions away for a connection limit.
// Decision: a mode's first failure is a reply meaning connection-limit
// (vsftpd "421 There are too many connections...", ProFTPD "530 Sorry, the
// maximum number of clients...", whatever the code); or the probe retried
// a mode one at a time after such a refusal (or a bare 421) on its first,
// concurrent attempt. Error while a mode still fails that way; info when
// every turned-away mode worked once retried alone: the limit is real but
// the data modes are fine.
func ruleServerBusy(in *input) []Finding {
	g := &replyGroup{}
	for _, f := range in.failedReplies(ftp.MeaningConnectionLimit) {
		g.add(f)
	}
	var retried []string
	alone := false
	for _, mr := range in.modes() {
		s, ok := firstAttemptStep(mr)
		if !ok || !mr.RetriedSerially {
			continue
		}
		switch s.interp().Meaning {
		case ftp.MeaningConnectionLimit, ftp.MeaningServiceClosing:
		default:
			continue
		}
		retried = append(retried, string(mr.Mode))
		g.addStep(string(mr.Mode), s)
		if mr.FirstAttemptAlone {
			alone = true
			g.facts[len(g.facts)-1].Text += " (first attempt, the run's only session then open)"
		} else {
			g.facts[len(g.facts)-1].Text += " (first, concurrent attempt)"
		}
		if !modeWorks(mr) {
			g.failing = true
		}
	}
	if len(g.modes) == 0 {
		return nil
	}
	expl := fmt.Sprintf("The server answered %s with %q on the %s control %s: it has reached a limit on concurrent sessions (overall, per user or per client address). This is not a password problem. ftpdiag opens one control connection per data mode, up to four at once, so a per-address limit below four shows here.",
		joinAnd(g.where), g.first, joinAnd(g.modes), word(len(g.modes), "connection", "connections"))
	sev := SeverityError
	title := "The server turns sessions away: connection limit reached"
	if alone {
		expl += " The run's first session was turned away while it was the only one of this run open: the server counted other sessions, another client's or ones that had just ended (ProFTPD keeps a session in its scoreboard for a moment after it closes)."
	}
	if len(retried) > 0 {
		expl += fmt.Sprintf(" ftpdiag retried %s alone", joinAnd(retried))
		if g.failing {
			expl += ", and the limit still applied."
		} else {
			expl += " and they worked: with fewer sessions at once the server is fine."
			sev = SeverityInfo
			title = "The server limits concurrent sessions; the modes it turned away worked one at a time"
		}
	}
	fixes := sessionLimitFixes(in.sw)
	fixes = append(fixes, Fix{For: "client", Text: "Retry later, or open fewer connections at once (FileZilla: Settings > Transfers > Maximum simultaneous transfers; lftp set net:connection-limit)."})
	return []Finding{{
		ID:          "server-busy",
		Severity:    sev,
		Title:       title,
		Explanation: expl,
		Action:      "raise the server's connection limits or open fewer sessions at once",
		Modes:       g.modes,
		Evidence:    g.facts,
		Fixes:       fixes,
	}}
}

// ruleServerClosing: the server closed the session with a 421 that names
// no limit (an idle timeout, a shutdown, an overload). Decision: a mode's
// first failure is a reply meaning service-closing.
func ruleServerClosing(in *input) []Finding {
	g := &replyGroup{}
	for _, f := range in.failedReplies(ftp.MeaningServiceClosing) {
		g.add(f)
	}
	if len(g.modes) == 0 {
		return nil
	}
	return []Finding{{
		ID:          "server-closing",
		Severity:    g.severity(),
		Title:       fmt.Sprintf("The server closed the session in answer to %s (421)", joinAnd(g.where)),
		Explanation: fmt.Sprintf("The server answered %s with %q: 421 means it is closing the control connection (shutting down, restarting, an idle or session timeout, or a limit it does not name). This is the server's decision, not a network fault.", joinAnd(g.where), g.first),
		Action:      "check the server's log for why it closes sessions, then retry",
		Modes:       g.modes,
		Evidence:    g.facts,
		Fixes: append(serverLogFixes(in.sw),
			Fix{For: "client", Text: "Retry in a moment; if it persists the server is shutting down or overloaded."}),
	}}
}

// ruleServerError: the server failed on its side. Decision: a mode's first
// failure is a reply meaning server-error (vsftpd "500 OOPS: ...", a 451
// local error). The reply is quoted: it names what the server could not
// do.
func ruleServerError(in *input) []Finding {
	g := &replyGroup{}
	for _, f := range in.failedReplies(ftp.MeaningServerError) {
		g.add(f)
	}
	if len(g.modes) == 0 {
		return nil
	}
	return []Finding{{
		ID:          "server-error",
		Severity:    g.severity(),
		Title:       fmt.Sprintf("The server reports an error on its side: %s", g.first),
		Explanation: fmt.Sprintf("The server answered %s with %q: the server itself failed (a configuration error, a missing or unusable directory, a crash in a session process). It is neither the credentials nor the network; nothing a client does will fix it.", joinAnd(g.where), g.first),
		Action:      "fix the server's configuration (see its log)",
		Modes:       g.modes,
		Evidence:    g.facts,
		Fixes:       serverErrorFixes(in.sw),
	}}
}

// word is one or many by n.
func word(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
