package report

import (
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// A captured session whose client read the greeting and never sent a login
// (no USER, PASS or ACCT): a monitoring check that connects, reads the 220
// and quits, a port scanner, a client that gave up. The session never
// logged in, which is what the capture shows: it is said so, never
// "logged in", and its commands (refused with 530 "Please login") are not
// read as data connections failing.

// noLoginPrefix starts the login step's error of a session whose client
// sent no login after the greeting.
const noLoginPrefix = "no login: "

// noLoginStep is the login step of a session whose greeting the capture
// shows in clear and whose client sent no USER, PASS or ACCT; ok is false
// when the capture cannot say no login was sent (a hole or lost bytes in
// the control stream, the snap length, TLS) or the server served a data
// set-up without one (it needs no login). A connection still open when the
// capture ended less than outlivedWait after the client's last packet is
// a login not yet sent: cut (rebuild.cutText).
func (rc rebuild) noLoginStep(s *capture.FTPSession) (probe.Step, bool) {
	if s.TLS != nil || rc.sliced || s.GapBytes > 0 || s.StartedBefore || s.Control.GapBytes > 0 {
		return probe.Step{}, false
	}
	for _, x := range s.Exchanges {
		if inHole(x) {
			return probe.Step{}, false
		}
	}
	for _, ds := range s.Data {
		if ds.Inferred || (ds.Setup != nil && ds.Setup.Final() != nil && ftpOK(ds.Setup.Verb(), ds.Setup.Final())) {
			return probe.Step{}, false
		}
	}
	c := s.Control
	t := sessionEnd(s)
	st := probe.Step{Outcome: probe.OutcomeSkipped, T0: s.Exchanges[0].T, T: t}
	if c.OpenAtEnd && clientEnded(c) == 0 && rc.end-t < outlivedWait {
		st.Error = rc.cutText(t)
		return st, true
	}
	st.Error = noLoginPrefix + noLoginText(s)
	return st, true
}

// noLoginText says what the client did instead of logging in and how the
// connection ended.
func noLoginText(s *capture.FTPSession) string {
	var sent []string
	quitOnly := true
	for _, x := range s.Exchanges[1:] {
		quitOnly = quitOnly && x.Verb() == "QUIT"
		if len(sent) == maxNoLoginCommands {
			sent = append(sent, "...")
			break
		}
		cmd := x.Verb()
		if f := x.Final(); f != nil {
			cmd += fmt.Sprintf(" (%s)", replyLine(&f.Reply))
		}
		sent = append(sent, cmd)
	}
	text := "the client read the greeting and sent no USER: the session never logged in"
	if len(sent) > 0 {
		text += "; it sent " + strings.Join(sent, ", ")
	}
	c, last := s.Control, sessionEnd(s)
	ended, srv := clientEnded(c), serverEnded(c)
	switch {
	case ended > 0 && (srv == 0 || ended <= srv):
		text += fmt.Sprintf(", then closed the connection %.1f s after the greeting", ended-s.Exchanges[0].T)
		if quitOnly {
			text += " (a monitoring check that reads the greeting and quits looks like this)"
		}
	case srv > 0:
		text += fmt.Sprintf(", then the server closed the connection %.1f s after the greeting", srv-s.Exchanges[0].T)
	case c.OpenAtEnd:
		text += fmt.Sprintf(", the connection still open when the capture ends %.1f s after the greeting", last-s.Exchanges[0].T)
	}
	return text
}

// maxNoLoginCommands is how many of the client's commands noLoginText
// names: a check sends one or two; more are elided.
const maxNoLoginCommands = 4

// serverEnded is when the responder ended the connection (its FIN or
// RST, the first of them), 0 when it did not.
func serverEnded(c *capture.Conn) float64 {
	t := 0.0
	if c.FINResponder != nil {
		t = c.FINResponder.T
	}
	if r := responderReset(c); r != nil && (t == 0 || r.T < t) {
		t = r.T
	}
	return t
}

// noLogin reports a mode whose client never logged in (noLoginStep).
func noLogin(mr *probe.ModeResult) bool { return strings.HasPrefix(mr.Login.Error, noLoginPrefix) }

// notLoggedIn is the verdict of a session whose client never logged in
// (noLoginStep), "" for any other: every mode's login says so.
func notLoggedIn(in *input) string {
	ms := in.modes()
	if len(ms) == 0 {
		return ""
	}
	for _, mr := range ms {
		if !noLogin(mr) {
			return ""
		}
	}
	what := strings.TrimPrefix(ms[0].Login.Error, noLoginPrefix)
	return sentence(upperFirst(what) + ". No data connection was due: there is nothing to diagnose about data connections")
}

// authRefusedCaptured is tls-unavailable in a captured session: the client
// asked for TLS (AUTH), the server refused it, and the client sent no
// login after that: it would not go on in clear text. A client that logged
// in anyway (opportunistic TLS) is no such session.
func (in *input) authRefusedCaptured() []Finding {
	var facts []Fact
	var modes []string
	for _, mr := range in.modes() {
		if !noLogin(mr) {
			continue
		}
		for _, ex := range mr.Transcript {
			if strings.HasPrefix(strings.ToUpper(ex.Command), "AUTH ") && ex.Reply != nil && ex.Reply.Code >= 400 {
				facts = append(facts, Fact{T: ex.T, Text: fmt.Sprintf("%s -> %s", ex.Command, replyLine(ex.Reply))})
				modes = appendOnce(modes, string(mr.Mode))
				break
			}
		}
	}
	if len(facts) == 0 {
		return nil
	}
	fixes := tlsEnableFixes(in.sw)
	fixes = append(fixes, Fix{For: "client", Text: "If plain FTP is acceptable on this network, let the client go on without TLS (curl --ssl instead of --ssl-reqd; lftp set ftp:ssl-force false; FileZilla: Encryption \"Use explicit FTP over TLS if available\")."})
	return []Finding{{
		ID:          "tls-unavailable",
		Severity:    SeverityError,
		Title:       "The client asked for TLS and the server refused it",
		Explanation: "The client sent AUTH, the server refused it (quoted), and the client sent no login after that: it would not go on in clear text, so the session ended before any data connection was due. The server offers no TLS on this port (not enabled, or no certificate), or something in front of it answers for it.",
		Action:      "enable TLS on the server, or let the client go on in clear text",
		Modes:       modes,
		Evidence:    facts,
		Fixes:       fixes,
	}}
}
