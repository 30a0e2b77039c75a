package report

import (
	"fmt"
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

// unseenSetup is a data connection set up in the dialogue whose fate the
// capture cannot show.
type unseenSetup struct {
	T       float64
	Command string // the set-up command, "PASV", "EPRT"
	Reply   string // its reply, one line
	// Used is the transfer command that used it ("" when none did).
	Used string
}

// holdsDataConns reports whether the capture shows data connections at
// all: one linked to the session's dialogue, or any TCP connection that is
// not on a control port.
func holdsDataConns(ev *capture.Evidence, g []*capture.FTPSession) bool {
	ctl := map[*capture.Conn]bool{}
	for _, s := range g {
		for _, ds := range s.Data {
			if ds.Conn != nil {
				return true
			}
		}
	}
	ports := map[uint16]bool{}
	for _, s := range ev.Sessions {
		ctl[s.Control] = true
		ports[s.Server.Port()] = true
	}
	for _, c := range ev.Conns {
		if !ctl[c] && !ports[c.Responder.Port()] && !ports[c.Initiator.Port()] {
			return true
		}
	}
	return false
}

// judgeableSetups keeps the data set-ups a rule may judge: those with a
// connection in the capture, or a reply that tells how they went, or a
// failed set-up command; and, in a capture that holds data connections, a
// passive set-up no transfer used (the client never dialled, or its dial
// never passed the capture point: the rules say which). Left out: an
// active set-up no transfer command used (no connection was due), and, in
// a capture without data connections, any set-up whose fate only the
// missing connection would show.
func judgeableSetups(setups []*capture.DataSetup, dataSeen bool) (keep []*capture.DataSetup, unseen []unseenSetup) {
	for _, ds := range setups {
		switch {
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
	for _, u := range in.an.unseen {
		text := fmt.Sprintf("%s answered %q", u.Command, u.Reply)
		if u.Used != "" {
			text += fmt.Sprintf(", then %s with no reply in the capture", u.Used)
		} else {
			text += ", then no transfer command in the capture"
		}
		facts = append(facts, Fact{T: u.T, Text: text + "; the data connection is not in the capture"})
		add(u.Command)
	}
	for _, mr := range in.modes() {
		for _, a := range attempts(mr) {
			if a.dc.Connect.Outcome == probe.OutcomeSkipped && a.dc.Connect.Error == notCapturedText {
				facts = append(facts, Fact{T: a.dc.Setup.T, Text: fmt.Sprintf("%s %s: the data connection is not in the capture", mr.Mode, a.tr.Command)})
				add(string(mr.Mode))
			}
		}
	}
	if len(facts) == 0 {
		return nil
	}
	return []Finding{{
		ID:          "capture-incomplete",
		Severity:    SeverityInfo,
		Title:       "The capture holds no data connection: what happened on them cannot be seen",
		Explanation: fmt.Sprintf("The session set up data connections (%s), and the capture holds none of them, nor any other connection off the control port: it was most likely taken with a filter on the control port only. Whether those data connections were dialled, answered, refused or dropped cannot be told from this file, so no finding is made about them; the control dialogue's own replies are still read.", strings.Join(cmds, ", ")),
		Action:      "capture again with the data connections and ICMP",
		Evidence:    facts,
		Fixes: []Fix{{For: "client", Text: "Capture everything to and from the server, and ICMP errors from the path (run it at the client, or at the server with the client's address):",
			Lines: []string{fmt.Sprintf("tcpdump -i any -s 0 -w ftp.pcap 'host %s or icmp or icmp6'", in.an.server.Addr())}}},
	}}
}
