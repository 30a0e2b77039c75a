package report

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// What a capture could see of a session's data connections. A capture
// someone else took may hold the control connection only (a filter on
// port 21 is the usual way to keep a capture small); its data connections
// are then not in the file, and their absence says nothing about the
// network. Before a rule may read "no connection in the capture" as "no
// connection on the wire", the capture must be shown to hold data
// connections at all: one of this session's, or any TCP connection off the
// control port (the file was not filtered down to it). Set-ups whose fate
// the capture cannot show and that no reply tells are left out of the
// rebuilt result, and ruleCaptureIncomplete says so, with the capture
// command that would show them.

// notCapturedText is the step error of a data connection not in a capture
// that holds no data connection at all.
const notCapturedText = "not in the capture, which holds no data connection of this session: whether it was dialled, and how it went, cannot be seen"

// notCaptured reports a data connection marked not in a capture that
// holds none (notCapturedText).
func notCaptured(dc *probe.DataConn) bool {
	return dc.Connect.Outcome == probe.OutcomeSkipped && dc.Connect.Error == notCapturedText
}

// unseenSetup is a data connection set up in the dialogue whose fate the
// capture cannot show, or (Cut) a step still under way when the capture
// ended.
type unseenSetup struct {
	T       float64
	Command string // the set-up command, "PASV", "EPRT"
	Reply   string // its reply, one line
	// Used is the transfer command that used it ("" when none did).
	Used string
	// Cut is set for a step the capture ended during; Hole for one whose
	// command or reply fell in a sequence hole of the capture
	// (capture.FTPExchange.Unknown); Sliced for one whose reply the snap
	// length kept out of the readable dialogue; TLS for a data connection
	// of an encrypted session whose TLS did not resume the control session
	// and whose pattern does not tell whether the server refused it
	// (tlsHiddenText). Text says which.
	Cut    bool
	Hole   bool
	Sliced bool
	TLS    bool
	// OneWay is set for a session whose capture holds only one side's
	// packets of the control connection (capture.FTPSession.OneWay).
	OneWay bool
	// GaveUp is set for a step whose connection the side that opened it
	// ended itself before any answer, sooner than outlivedWait
	// (clientEndedPrefix).
	GaveUp bool
	// Aborted is set, beside GaveUp, for a transfer the client
	// interrupted with ABOR before data was seen (clientAbortPrefix).
	Aborted bool
	// Stopped is set, beside GaveUp, for a listing or download whose data
	// connection the client's side reset while data was moving, seen
	// away from the client (clientStopPrefix).
	Stopped bool
	Text    string
}

// rebuild is what rebuilding a captured session needs to know of the
// capture as a whole.
type rebuild struct {
	// dataSeen: the capture holds data connections (linksData, or a
	// connection off the control port: wholeCapture).
	dataSeen bool
	// end is the time of the capture's last packet.
	end float64
	// sliced is set, per session, when the capture's snap length cut its
	// control text (capture.FTPSession.SlicedAt): the dialogue is read up
	// to there, so a reply missing after it is not in the file.
	sliced bool
	// meanings are the capture's reply meanings (meaning_cache.go).
	meanings meaningCache
	// arena holds the session's lists (session_arena.go).
	arena *sessionArena
	// vantage is where the capture was taken (sessionInfo): a RST in the
	// client's name is surely the client's own only in a capture taken
	// at the client (client_abort.go).
	vantage string
}

// outlivedWait is how long a capture must go on after a step began, its
// connection still open, for the missing reply to count as none: clients
// give up on a reply or a transfer after tens of seconds, and a capture
// stopped sooner may simply have been stopped.
const outlivedWait = 10.0

// cutPrefix starts the error of a step the capture ended during.
const cutPrefix = "the capture ends "

// clientEndedPrefix starts the error of a step whose connection the side
// that opened it ended itself (its FIN or RST) sooner than outlivedWait
// after the step began, before any answer: it gave up, the other side
// ended nothing, and what that side would have done is not on the wire.
const clientEndedPrefix = "given up: "

// clientAbortPrefix starts the error of a transfer the client interrupted
// with ABOR before any data was seen (client_abort.go): given up too, by
// a command instead of the connection's end.
const clientAbortPrefix = clientEndedPrefix + "the client interrupted "

// clientStopPrefix starts the error of a listing or download whose data
// connection the client's side reset while data was moving, in a capture
// taken away from the client (client_abort.go).
const clientStopPrefix = clientEndedPrefix + "the client's side reset "

// oneWayPrefix starts the error of the control connection of a session
// whose capture holds only one side's packets of it.
const oneWayPrefix = "the capture holds only the "

// oneWayText is the error of such a control connection, side being whose
// packets the capture holds (capture.OneWayClient, OneWayServer).
func oneWayText(side string) string {
	if side == capture.OneWayServer {
		return oneWayPrefix + "server's packets of the control connection: the client's SYN and commands, which the server's SYN-ACK and replies answer, are not in the file"
	}
	return oneWayPrefix + "client's packets of the control connection: the server's SYN-ACK and replies, which the client's data shows it got, are not in the file"
}

// holePrefix starts the error of a step whose command or reply fell in a
// hole of the capture.
const holePrefix = "a hole in the capture "

// slicedPrefix starts the error of a step whose reply the capture's snap
// length kept out of the readable dialogue.
const slicedPrefix = "the capture's snap length cut "

// slicedText is the error of a step the snap length hides: the dialogue
// is read up to the first cut control segment.
const slicedText = slicedPrefix + "the control text before this step ended: how it went is not in the file"

// holeText is the error of a step a hole of the capture hides.
const holeText = holePrefix + "holds this step's command or reply: how it went is not in the file"

// cutText is the error of a step begun at t0 that the capture ended during.
func (rc rebuild) cutText(t0 float64) string {
	return fmt.Sprintf(cutPrefix+"%.1f s after it began, the connection still open: how it ended is not in the file", max(0, rc.end-t0))
}

// cutShort reports a rebuilt mode whose first unfinished step the capture
// ended during (rebuild.endStep): its outcome is not in the file, so the
// mode is left out of the result and said as such.
func cutShort(mr *probe.ModeResult, first *capture.DataSetup) (unseenSetup, bool) {
	var buf [maxSteps]modeStep
	for _, s := range appendSteps(buf[:0], mr) {
		cut, hole, sliced := strings.HasPrefix(s.st.Error, cutPrefix), strings.HasPrefix(s.st.Error, holePrefix), strings.HasPrefix(s.st.Error, slicedPrefix)
		tls, gaveUp := s.st.Error == tlsHiddenText, strings.HasPrefix(s.st.Error, clientEndedPrefix)
		oneWay := strings.HasPrefix(s.st.Error, oneWayPrefix)
		if s.st.Outcome == probe.OutcomeSkipped && (cut || hole || sliced || tls || gaveUp || oneWay) {
			what := s.what()
			if s.data && what != setupName(first) {
				what = fmt.Sprintf("%s %s", setupName(first), what)
			}
			if tls && first != nil && first.Conn != nil {
				what = fmt.Sprintf("the data connection %s -> %s", first.Conn.Initiator, first.Conn.Responder)
			}
			text := what + ": " + strings.TrimPrefix(s.st.Error, clientEndedPrefix)
			aborted, stopped := strings.HasPrefix(s.st.Error, clientAbortPrefix), strings.HasPrefix(s.st.Error, clientStopPrefix)
			return unseenSetup{T: s.st.T0, Cut: cut, Hole: hole, Sliced: sliced, TLS: tls, OneWay: oneWay, GaveUp: gaveUp, Aborted: aborted, Stopped: stopped, Command: what, Text: text}, true
		}
		if s.failed() {
			return unseenSetup{}, false
		}
	}
	return unseenSetup{}, false
}

// setupName names a data set-up by its command.
func setupName(ds *capture.DataSetup) string {
	if ds == nil || ds.Setup == nil {
		return "data connection"
	}
	return ds.Setup.Verb()
}

// wholeCapture are the facts of the capture as a whole that a session's
// rebuild needs, found once per capture (scanCapture), not per session.
type wholeCapture struct {
	// end is the time of the capture's last packet.
	end float64
	// offControl: the capture holds a TCP connection that is on no
	// control port (it was not filtered down to the control port).
	offControl bool
	// meanings are shared by the capture's sessions (meaning_cache.go).
	meanings meaningCache
	// arena, when set, holds the lists of the session being diagnosed
	// (session_arena.go): the worker writes each session before it
	// diagnoses the next, which reuses them. Nil: they are made anew.
	arena *sessionArena
}

// scanCapture finds the whole capture's facts in one pass.
func scanCapture(ev *capture.Evidence) wholeCapture {
	w := wholeCapture{meanings: meaningCache{}, offControl: ev.OffControl()}
	for _, s := range ev.Sessions {
		w.end = max(w.end, sessionEnd(s))
	}
	for _, c := range ev.Conns {
		w.end = max(w.end, lastSeen(c))
	}
	return w
}

// linksData reports whether a session's dialogue has a data connection
// linked to it in the capture.
func linksData(g []*capture.FTPSession) bool {
	for _, s := range g {
		for _, ds := range s.Data {
			if ds.Conn != nil {
				return true
			}
		}
	}
	return false
}

// judgeableSetups keeps the data set-ups a rule may judge: those with a
// connection in the capture, or a reply that tells how they went, or a
// failed set-up command; and, in a capture that holds data connections, a
// passive set-up no transfer used (the client never dialled, or its dial
// never passed the capture point: the rules say which). Left out: an
// active set-up no transfer command used (no connection was due), a
// passive one no transfer used after the client had dialled an earlier
// one of the same mode (it reached the passive ports, and did not use
// this one: ftpdiag's probe samples passive replies so), and, in
// a capture without data connections, any set-up whose fate only the
// missing connection would show.
func judgeableSetups(setups []*capture.DataSetup, server netip.AddrPort, dataSeen bool) (keep []*capture.DataSetup, unseen []unseenSetup) {
	for i, ds := range setups {
		switch {
		case inHole(ds.Setup) || inHole(ds.Transfer):
			// Its command or reply fell in a hole of the capture: the
			// dialogue does not tell how it went.
			u := unseenSetup{Hole: true, Command: "data connection"}
			if ds.Setup != nil {
				u.T, u.Command = ds.Setup.T, ds.Setup.Verb()
			}
			if ds.Transfer != nil && ds.Transfer.Verb() != "" {
				u.Used = ds.Transfer.Verb()
			}
			u.Text = u.Command
			if u.Used != "" {
				u.Text += " and " + u.Used
			}
			u.Text += ": " + holeText
			unseen = append(unseen, u)
		case gaveUpOnPrivate(ds, server):
			// The control channel says enough: the client got an address
			// it could not use and sent no transfer command.
			keep = append(keep, ds)
		case ds.Conn != nil || ds.Inferred || ds.Setup == nil || ds.Setup.Final() == nil:
			keep = append(keep, ds)
		case !ftpOK(ds.Setup.Verb(), ds.Setup.Final()):
			keep = append(keep, ds)
		case ds.Transfer != nil && ds.Transfer.Final() != nil:
			keep = append(keep, ds)
		case ds.Transfer != nil && len(ds.Transfer.Replies) > 0 && ds.Transfer.Replies[0].Preliminary():
			keep = append(keep, ds)
		case ds.Transfer == nil && !ds.Passive:
			// PORT/EPRT and then no transfer command: the server had no
			// reason to connect.
		case ds.Transfer == nil && dialledBefore(setups[:i], ds.Mode):
			// PASV/EPSV unused after one of the same mode the client
			// dialled: nothing says a dial of this one would have failed.
		case dataSeen:
			keep = append(keep, ds)
		default:
			u := unseenSetup{T: ds.Setup.T, Command: ds.Setup.Verb(), Reply: replyLine(&ds.Setup.Final().Reply)}
			if ds.Transfer != nil {
				u.Used = ds.Transfer.Verb()
			}
			unseen = append(unseen, u)
		}
	}
	return keep, unseen
}

// gaveUpOnPrivate reports a passive set-up whose reply announced an
// unroutable address other than the server's, after which the client sent
// no transfer command: it gave up on that address (it refused it, as
// tnftp does, or could not reach it), whether or not the capture shows a
// dial.
func gaveUpOnPrivate(ds *capture.DataSetup, server netip.AddrPort) bool {
	if !ds.Passive || ds.Transfer != nil || ds.Setup == nil || ds.Setup.Final() == nil || !ds.Announced.IsValid() {
		return false
	}
	return privateElsewhere(ds.Announced.Addr(), server.Addr()) && ftpOK(ds.Setup.Verb(), ds.Setup.Final())
}

// inHole reports whether an exchange's command or reply fell in a hole of
// the capture (or which command a reply answered is a guess).
func inHole(x *capture.FTPExchange) bool {
	return x != nil && x.Unknown != ""
}

// ftpOK reports whether a reply completes the command.
func ftpOK(verb string, f *capture.FTPReply) bool {
	return ftp.Interpret(verb, f.Reply, false).Step == ftp.StepSuccess
}

// aboutDataConn reports whether a transfer command's final reply, given
// without a 1xx, is about the data connection (425, 426, a TLS demand on
// it): otherwise the server refused the command for a reason of its own and
// no data connection was due.
func aboutDataConn(verb string, f *capture.FTPReply) bool {
	switch ftp.Interpret(verb, f.Reply, false).Meaning {
	case ftp.MeaningDataConnectionFailed, ftp.MeaningTLSRequired, ftp.MeaningTLSReuseRequired:
		return true
	}
	return false
}

// ruleCaptureIncomplete: the capture cannot show what happened to some of
// the session's data connections. Decision (analyze only): set-ups left
// out of the rebuilt result as unseen (judgeableSetups), or data
// connections of the result marked not captured. Info: it is what the
// capture lacks, not a fault of the network; it says what a capture that
// shows them would be taken with.
func ruleCaptureIncomplete(in *input) []Finding {
	if in.an == nil {
		return nil
	}
	var facts []Fact
	var cmds []string
	add := func(cmd string) {
		if !slices.Contains(cmds, cmd) {
			cmds = append(cmds, cmd)
		}
	}
	cut, missing, hole, sliced, tls, gaveUp, aborted, stopped, oneWay := false, false, false, false, false, false, false, false, false
	for _, u := range in.an.unseen {
		// What hid the set-up, quoted as the unseen record says it; or a
		// data connection simply not in the file.
		switch {
		case u.OneWay:
			oneWay = true
		case u.Aborted:
			aborted = true
		case u.Stopped:
			stopped = true
		case u.GaveUp:
			gaveUp = true
		case u.TLS:
			tls = true
		case u.Hole:
			hole = true
		case u.Sliced:
			sliced = true
		case u.Cut:
			cut = true
		default:
			missing = true
			text := fmt.Sprintf("%s answered %q", u.Command, u.Reply)
			if u.Used != "" {
				text += fmt.Sprintf(", then %s with no reply in the capture", u.Used)
			} else {
				text += ", then no transfer command in the capture"
			}
			facts = append(facts, Fact{T: u.T, Text: text + "; the data connection is not in the capture"})
			add(u.Command)
			continue
		}
		facts = append(facts, Fact{T: u.T, Text: u.Text})
	}
	for _, mr := range in.modes() {
		for a := range eachAttempt(mr) {
			if notCaptured(a.dc) {
				missing = true
				facts = append(facts, Fact{T: a.dc.Setup.T, Text: fmt.Sprintf("%s %s: the data connection is not in the capture", mr.Mode, a.tr.Command)})
				add(string(mr.Mode))
			}
		}
	}
	if len(facts) == 0 {
		return nil
	}
	var parts []string
	title := "The capture holds no data connection: what happened on them cannot be seen"
	if missing {
		parts = append(parts, fmt.Sprintf("The session set up data connections (%s), and the capture holds none of them, nor any other connection off the control port: it was most likely taken with a filter on the control port only. Whether those data connections were dialled, answered, refused or dropped cannot be told from this file, so no finding is made about them; the control dialogue's own replies are still read.", strings.Join(cmds, ", ")))
	}
	if cut {
		parts = append(parts, fmt.Sprintf("The capture ends while steps of the session were still under way, their connection still open and less than %.0f s after they began: whether they would have completed, failed or timed out is not in the file, so no finding is made about them.", outlivedWait))
		title = "The capture ends before the session's steps finished: how they ended cannot be seen"
		if missing {
			title = "The capture does not show how some of the session's steps went"
		}
	}
	if hole {
		parts = append(parts, "The capture lost segments of the control connection (sequence holes: the capture host dropped packets, or the file was thinned): the commands or replies they held cannot be read, so no finding is made about the steps they belong to; the dialogue is read again after each hole.")
		if !missing && !cut {
			title = "The capture lost part of the control dialogue: the steps in its holes cannot be judged"
		} else {
			title = "The capture does not show how some of the session's steps went"
		}
	}
	if sliced {
		parts = append(parts, "The capture was taken with a short snap length (tcpdump -s): it cut the control connection's segments, so the dialogue is read only up to the first cut one, and the steps whose replies came after it (the login among them, when it did not end before) cannot be judged: no finding is made about them.")
		title = "The capture's snap length cut the control dialogue short: the steps after the cut cannot be judged"
		if missing || cut || hole {
			title = "The capture does not show how some of the session's steps went"
		}
	}
	if tls {
		parts = append(parts, "The control channel is encrypted: whether the data connections whose TLS did not resume the control session carried their transfer is in the server's encrypted replies (see data-tls-not-resumed), so no finding is made about their transfer; a key log (SSLKEYLOGFILE) would show it.")
		if !missing && !cut && !hole && !sliced {
			title = "The encrypted control channel hides how some data connections went"
		} else {
			title = "The capture does not show how some of the session's steps went"
		}
	}
	action := "capture again with the data connections and ICMP, until the session ends"
	if gaveUp {
		parts = append(parts, fmt.Sprintf("A step was given up before any answer, less than %.0f s after it began: the side that opened its connection ended it (its FIN or RST), or the session ended (a QUIT, or either side closing the control connection). Whether an answer would have come is not on the wire, so no finding is made about the step. The evidence says who ended what, and when; a client that waits longer (its timeout) shows how the step ends.", outlivedWait))
		if !missing && !cut && !hole && !sliced && !tls {
			title = "The session gave up on a step before any answer: how it would have ended cannot be seen"
			action = "let the client wait longer for the answer (its timeout), and capture that"
		} else {
			title = "The capture does not show how some of the session's steps went"
		}
	}
	if aborted {
		parts = append(parts, "The client interrupted a transfer (ABOR) before any of its data was seen: a user cancelling, or a client reading no more, is the client's choice, and the server's reply to the ABOR (426, then 226) is no failure. Whether the data would have come, or how much moved on a data connection the capture does not hold, is not in the file, so no finding is made about the transfer.")
		if !missing && !cut && !hole && !sliced && !tls && !gaveUp {
			title = "The client interrupted a transfer before any data: how it would have gone cannot be seen"
			action = "capture a transfer the client lets finish, with its data connection"
		} else {
			title = "The capture does not show how some of the session's steps went"
		}
	}
	if stopped {
		parts = append(parts, "The client's side reset a data connection while the server was sending, and the server then reported the transfer failed or sent no final reply: a client that stops reading (its user cancelled, it read what it wanted, its output failed) closes the connection so, and a device on the path can reset it in the client's name too. A capture taken at the client shows whether the client's own host sent the reset, so no finding is made about the transfer from this one.")
		if !missing && !cut && !hole && !sliced && !tls && !gaveUp && !aborted {
			title = "The client's side reset a transfer's data connection: whether the client or the path did cannot be seen here"
			action = "capture at the client: its own reset is the client's choice, one it never sent is the path's"
		} else {
			title = "The capture does not show how some of the session's steps went"
		}
	}
	if oneWay {
		// Alone: a one-way session has no other step (controlSteps).
		parts = append(parts, "The capture holds the packets of one side of the control connection only, and TCP shows the other side's were sent: the capture was filtered on one direction (tcpdump 'dst port 21' or 'src host ...'), or the tap sees one side of an asymmetric path. Half the dialogue cannot tell how the session went, so no finding is made about it.")
		title = "The capture holds one direction of the control connection only: how the session went cannot be seen"
		action = "capture both directions: a filter on the host, not on a direction"
	}
	return []Finding{{
		ID:          "capture-incomplete",
		Severity:    SeverityInfo,
		Title:       title,
		Explanation: strings.Join(parts, " "),
		Action:      action,
		Evidence:    facts,
		Fixes: []Fix{{For: "client", Text: "Capture everything to and from the server, and ICMP errors from the path, until the session has ended (run it at the client, or at the server with the client's address):",
			Lines: []string{fmt.Sprintf("tcpdump -i any -s 0 -w ftp.pcap 'host %s or icmp or icmp6'", in.an.server.Addr())}}},
	}}
}

// dialledBefore reports whether one of the earlier set-ups of a mode had
// its data connection established in the capture.
func dialledBefore(earlier []*capture.DataSetup, mode string) bool {
	for _, ds := range earlier {
		if ds.Mode == mode && ds.Conn != nil && ds.Conn.Established() {
			return true
		}
	}
	return false
}
