package report

import (
	"fmt"
	"slices"

	"github.com/ftpdiag/ftpdiag/probe"
)

// ruleTransferDenied: the server refused LIST or RETR itself. Decision, per
// attempt of a logged-in mode: the transfer step ended with a reply that
// refuses the file operation (fileRefused); or the --upload STOR was so
// refused.
// Severity is error when the mode's listing was refused (the mode fails),
// warning when only a download or an upload was.
func ruleTransferDenied(in *input) []Finding {
	var modes []string
	var facts []Fact
	sev := SeverityWarning
	var first string
	for _, mr := range in.modes() {
		if !controlUp(mr) {
			continue
		}
		for a := range eachAttempt(mr) {
			s := a.tr.Step
			if !fileRefused(transferVerb(a.tr.Command, a.name), s) {
				continue
			}
			if a.primary && transferKinds[a.name] == "listing" {
				sev = SeverityError
			}
			if !slices.Contains(modes, string(mr.Mode)) {
				modes = append(modes, string(mr.Mode))
			}
			facts = append(facts, stepFact(fmt.Sprintf("%s %s", mr.Mode, a.tr.Command), s))
			if first == "" {
				first = fmt.Sprintf("%s was answered with %q", a.tr.Command, replyLine(s.Reply))
			}
		}
	}
	if u := uploadDenied(in); u != nil {
		if !slices.Contains(modes, string(u.Mode)) {
			modes = append(modes, string(u.Mode))
		}
		facts = append(facts, stepFact(fmt.Sprintf("%s %s (--upload)", u.Mode, u.Store.Command), u.Store.Step))
		if first == "" {
			first = fmt.Sprintf("%s (--upload) was answered with %q", u.Store.Command, replyLine(u.Store.Step.Reply))
		}
	}
	if len(modes) == 0 {
		return nil
	}
	fixes := []Fix{
		{For: "client", Text: "Check the path in the URL and that the user may read it; probe with a path to a file you know is readable."},
	}
	if uploadDenied(in) != nil {
		fixes = append(fixes, pick(in.sw, map[string]Fix{
			"vsftpd":           {Text: "vsftpd refuses every write unless write_enable=YES (anonymous uploads also need anon_upload_enable=YES and a directory the ftp user owns).", Lines: []string{"write_enable=YES"}},
			"proftpd":          {Text: "Check the <Limit WRITE> / <Limit STOR> sections and the directory's ownership."},
			"pure-ftpd":        {Text: "Check the user's write permission on the directory (and that -i / NoAnonymousUpload is not in force for anonymous)."},
			"filezilla-server": {Text: "Give the user Write permission on the mount point (Users > Mount points)."},
			"iis":              {Text: "Grant Write in the FTP Authorization Rules of the site, and NTFS write on the folder."},
		})...)
	}
	return []Finding{{
		ID:          "transfer-denied",
		Severity:    sev,
		Title:       "The server refused the file operation (not a network problem)",
		Explanation: first + ": the server understood the request and refused it (permissions, a missing file or directory, or server policy). The data connection is not the problem here.",
		Action:      "check the path and the user's permissions on the server",
		Modes:       modes,
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// ruleTransferNoReply: the data connection opened and the server never
// answered the transfer command. Decision (stall.go classify): connect ok,
// the transfer timed out with no 1xx, no final reply and no byte.
func ruleTransferNoReply(in *input) []Finding {
	xs := in.failedTransfers(xferNoReply)
	if len(xs) == 0 {
		return nil
	}
	var facts []Fact
	for _, x := range xs {
		facts = append(facts, xferFact(x, fmt.Sprintf("no reply to %s and no data for %.1f s", x.a.name, idle(x.a.tr))))
		facts = append(facts, quietWire(x)...)
	}
	cmds := commandsOf(xs)
	return []Finding{{
		ID:          "transfer-no-reply",
		Severity:    SeverityError,
		Title:       fmt.Sprintf("The server never answered %s: no 150, no data", cmds),
		Explanation: fmt.Sprintf("The data connection opened and %s was sent, then nothing came back: no reply on the control connection (not even the 150 that opens a transfer) and not one byte on the data connection before the timeout. The server's session is stuck on the command (a hung server process, a slow or unavailable storage behind it, a lock on the file), or a proxy in between holds it. The control connection carries only small packets, so a path-MTU problem does not explain a missing reply.", cmds),
		Action:      "look at the server's log for this session",
		Modes:       modesOf(xs),
		Evidence:    facts,
		Fixes: []Fix{
			{For: "client", Text: "Probe again with a longer --data-timeout: a reply that comes late is a slow server, none at all a hung one."},
			{For: "generic-firewall", Text: "If an FTP proxy or a firewall with an FTP inspection module sits between, probe around it to compare."},
		},
	}}
}

// ruleTransferNoData: the server opened the transfer (1xx) and not one
// byte came on the open data connection. Decision (classify): connect ok,
// a 1xx, no byte, then a timeout. A path-MTU black hole is only named as
// a candidate, and how to test it, when the 1xx announced more than a
// packet and a smaller transfer passed; unless the wire shows more.
func ruleTransferNoData(in *input) []Finding {
	xs := in.failedTransfers(xferNoData)
	if len(xs) == 0 {
		return nil
	}
	var facts []Fact
	var candidate, ended string
	for _, x := range xs {
		if f := x.a.tr.Final; f != nil {
			facts = append(facts, xferFact(x, fmt.Sprintf("the server's %q", replyLine(f))))
			if ended == "" {
				ended = fmt.Sprintf(" Then the server ended the transfer itself: %q.", replyLine(f))
			}
			continue
		}
		facts = append(facts, xferFact(x, fmt.Sprintf("not one byte for %.1f s", idle(x.a.tr))))
		sf, _, _ := in.segmentEvidence(x)
		facts = append(facts, sf...)
		if candidate != "" || x.expected <= 1500 {
			continue
		}
		if small := in.smallerPassed(x.expected); small != nil {
			candidate = fmt.Sprintf(" Smaller transfers passed (%s: %d bytes) while this one, %d bytes announced, got nothing: that is the signature of a path-MTU black hole (the first segments of a large transfer are full-size and die on the path when the ICMP that should report it is filtered). From this side it cannot be told from a server that never sends; lowering this host's MTU, or a capture at the server (full-size segments sent again and again), tells which.", small.Command, small.Bytes, x.expected)
		}
	}
	cmds := commandsOf(xs)
	fixes := []Fix{{For: "generic-firewall", Text: "Capture at the server while probing again: data segments leaving the server and never acknowledged mean the path loses them; none leaving means the server never sent."}}
	action := "find out whether the server sent anything"
	if candidate != "" {
		fixes = append([]Fix{mtuTestFix}, fixes...)
		action = "lower the MTU and retry, to test for a path-MTU black hole"
	}
	return []Finding{{
		ID:          "transfer-no-data",
		Severity:    SeverityError,
		Title:       fmt.Sprintf("%s opened the transfer (150) and no data arrived", cmds),
		Explanation: noDataExplanation(cmds, ended, candidate),
		Action:      action,
		Modes:       modesOf(xs),
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// noDataExplanation explains transfer-no-data: a timeout, or the
// server's own failure reply after its 1xx (ended quotes it).
func noDataExplanation(cmds, ended, candidate string) string {
	if ended != "" {
		return fmt.Sprintf("The server answered %s with a 1xx reply, so it meant to send, and the data connection was open, but not one byte arrived.%s A server that opens a transfer and then gives it up without sending has failed on its side (it could not read the file, or it lost or never used the data connection it announced), or a middlebox between cut the data it sent; its log for this session says which. The network let the data connection open, and the control connection carried the replies.%s", cmds, ended, candidate)
	}
	return fmt.Sprintf("The server answered %s with a 1xx reply, so it meant to send, and the data connection was open, but not one byte arrived before the timeout. Either the server never sent (a server fault after its 150) or everything it sent was lost on the way.%s", cmds, candidate)
}

// ruleTransferStalled: data flowed, then stopped (the probe's stall
// timeout), or a capture at the sender shows full-size segments sent again
// and again. Decision (classify); the cause named follows the segment
// evidence (segmentEvidence): a path-MTU black hole only on wire evidence
// for it, something else freezing the connection when full-size segments
// did arrive, and neither without a capture.
func ruleTransferStalled(in *input) []Finding {
	xs := in.failedTransfers(xferStalled)
	if len(xs) == 0 {
		return nil
	}
	var facts []Fact
	var mtu, full bool
	for _, x := range xs {
		facts = append(facts, xferFact(x, fmt.Sprintf("nothing for %.1f s", idle(x.a.tr))))
		for _, c := range x.conns {
			if c.Stall != nil {
				facts = append(facts, Fact{T: c.Stall.From, Text: fmt.Sprintf("data connection %s -> %s: %d bytes from the responder, %d from the initiator, then nothing for %.1f s; MSS %d/%d, largest segment %d/%d, %d retransmissions",
					c.Initiator, c.Responder, c.BytesFromResponder, c.BytesFromInitiator, c.Stall.Duration, c.MSSInitiator, c.MSSResponder, c.MaxSegmentFromInitiator, c.MaxSegmentFromResponder, c.Retransmits)})
			}
		}
		sf, m, f := in.segmentEvidence(x)
		facts = append(facts, sf...)
		mtu, full = mtu || m, full || f
	}
	f := Finding{
		ID:       "transfer-stalled",
		Severity: SeverityError,
		Title:    "Transfers start and then stall",
		Modes:    modesOf(xs),
		Evidence: facts,
	}
	const base = "The data connection opened and data started to flow, then stopped, the connection still open."
	switch {
	case mtu:
		f.Explanation = base + " The wire shows why: full-size packets do not get through (see the evidence), a path-MTU black hole: they are dropped somewhere and the ICMP \"fragmentation needed\" (type 3 code 4) that should report it is filtered. Small transfers pass, large ones stall."
		f.Action = "clamp the TCP MSS or let ICMP fragmentation-needed through"
		f.Fixes = mtuFixes
	case full:
		f.Explanation = base + " Full-size segments did arrive, so the path MTU is not the cause: something froze the connection, a middlebox (a firewall, IDS or load balancer inspecting or timing out data connections) or the server itself."
		f.Action = "look for a middlebox that freezes data connections"
		f.Fixes = []Fix{{For: "generic-firewall", Text: "Look for a firewall, IDS or load balancer between here and the server that inspects FTP data connections or drops them after a while; capture on both sides of it to see where the data stops."}}
	default:
		f.Explanation = base + " From the client's view alone the cause cannot be told: a path-MTU black hole (small transfers pass, large ones stall), a middlebox that freezes data connections, or the server stopping. The capture's segment sizes tell them apart."
		f.Action = "capture the transfer to tell a path-MTU black hole from a middlebox"
		f.Fixes = []Fix{mtuTestFix, {For: "client", Text: "Probe again with packet capture (as root, or with cap_net_raw): the segment sizes that arrive tell a path-MTU black hole from a middlebox."}}
	}
	if !wired(xs) {
		f.Inferred = true
		f.Explanation += " " + wireNote
	}
	f.Explanation = in.withVantage(f.Explanation)
	return []Finding{f}
}

// ruleDataNotClosed: every byte the 1xx announced arrived, and the server
// then neither closed the data connection nor sent its final reply.
// Decision (classify): bytes read >= the size in the 1xx, no close from the
// server, no final reply, then the stall or the transfer timeout.
func ruleDataNotClosed(in *input) []Finding {
	xs := in.failedTransfers(xferNotClosed)
	if len(xs) == 0 {
		return nil
	}
	var facts []Fact
	replied := false
	for _, x := range xs {
		if f := x.a.tr.Final; f != nil && x.a.tr.Step.OK() {
			replied = true
			facts = append(facts, xferFact(x, fmt.Sprintf("the server's %q; the data connection was still open %.1f s later, when the probe closed it", replyLine(f), closedAfterFinal(x.a.tr))))
			continue
		}
		facts = append(facts, xferFact(x, fmt.Sprintf("all %d bytes announced had arrived; no close and no reply for %.1f s", x.expected, idle(x.a.tr))))
	}
	cmds := commandsOf(xs)
	what := fmt.Sprintf("Every byte the server announced for %s arrived, and then the server neither closed the data connection nor sent its final reply (226).", cmds)
	if replied {
		what = fmt.Sprintf("The server sent the data for %s and its completion reply (226), and then did not close the data connection.", cmds)
	}
	return []Finding{{
		ID:          "data-not-closed",
		Severity:    SeverityError,
		Title:       fmt.Sprintf("%s delivered %s data and the server never closed the data connection", cmds, word(len(commandsList(xs)), "its", "their")),
		Explanation: what + " In stream mode the close is what ends a transfer, so clients that read until it (curl, lftp, most libraries) wait until they time out and count the transfer as failed. The network delivered everything: this is the server, or a proxy or load balancer that terminates the data connection and does not pass the close on.",
		Action:      "find what keeps the data connection open after the transfer",
		Modes:       modesOf(xs),
		Evidence:    facts,
		Fixes:       []Fix{{For: "generic-firewall", Text: "If a proxy or load balancer sits in front of the server, probe the server directly to compare; otherwise look at the server's log and version for a data connection left open."}},
	}}
}

// closedAfterFinal is how long after the completion reply the probe gave
// up waiting for the server's close.
func closedAfterFinal(tr *probe.Transfer) float64 {
	if tr.Times.Final == nil {
		return 0
	}
	return max(0, tr.Step.T-*tr.Times.Final)
}

// ruleTransferTooSlow: data was still arriving when the probe's transfer
// deadline ended the read: each gap shorter than the stall timeout, the
// whole far too slow. Decision (classify): bytes read > 0, outcome timeout
// (the whole-transfer bound), probe results only.
func ruleTransferTooSlow(in *input) []Finding {
	xs := in.failedTransfers(xferTooSlow)
	if len(xs) == 0 {
		return nil
	}
	var facts []Fact
	var rate float64
	for _, x := range xs {
		s := x.a.tr.Step
		d := max(s.T-s.T0, 0.001)
		r := float64(x.a.tr.Bytes) / d
		if rate == 0 || r < rate {
			rate = r
		}
		facts = append(facts, xferFact(x, fmt.Sprintf("still arriving when the transfer deadline ended it: %d bytes in %.1f s (%.0f bytes/s)", x.a.tr.Bytes, d, r)))
	}
	cmds := commandsOf(xs)
	fixes := pick(in.sw, map[string]Fix{
		"vsftpd":           {Text: "vsftpd caps transfer rates with anon_max_rate and local_max_rate (bytes per second; 0 is no cap): check them in vsftpd.conf."},
		"proftpd":          {Text: "ProFTPD caps rates with TransferRate directives: check proftpd.conf."},
		"pure-ftpd":        {Text: "Pure-FTPd caps bandwidth with -t/-T (AnonymousBandwidth/UserBandwidth): check its options."},
		"filezilla-server": {Text: "Check the speed limits under Server > Configure > Speed limits."},
		"iis":              {Text: "Check the FTP site's bandwidth throttling (Advanced Settings > Connections)."},
	})
	fixes = append(fixes, Fix{For: "generic-firewall", Text: "Look for a traffic shaper or policer on the path, and compare with a transfer from another host."})
	return []Finding{{
		ID:          "transfer-too-slow",
		Severity:    SeverityError,
		Title:       fmt.Sprintf("%s data trickles in too slowly to finish (%.0f bytes/s)", cmds, rate),
		Explanation: fmt.Sprintf("Data kept arriving on the %s data connection, never pausing long enough to count as a stall, but so slowly that the transfer was still running when the probe's transfer deadline ended it. Nothing is lost on the path: the data is being held back, by a rate cap on the server, a traffic shaper between, or a server that sends a byte at a time.", cmds),
		Action:      "find what limits the transfer rate",
		Modes:       modesOf(xs),
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// quietWire says, for a transfer that got nothing, what its data
// connection showed on the wire.
func quietWire(x xfer) []Fact {
	var out []Fact
	for _, c := range x.conns {
		if b, _, _ := fromServer(c, x.mr.Mode.Passive()); b == 0 {
			out = append(out, Fact{T: c.FirstT(), Packet: c.First.Packet, Text: fmt.Sprintf("data connection %s -> %s: no data from the server on the wire", c.Initiator, c.Responder)})
		}
	}
	return out
}

// uploadDenied returns the --upload test when the server refused the STOR
// itself (550 and kin): a write permission, not the network.
func uploadDenied(in *input) *probe.Upload {
	if in.r == nil || in.r.Upload == nil {
		return nil
	}
	s := in.r.Upload.Store.Step
	if !fileRefused(transferVerb(in.r.Upload.Store.Command, "STOR"), s) {
		return nil
	}
	return in.r.Upload
}
