package report

import (
	"fmt"
	"slices"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// deniedCodes are replies that refuse a file operation for reasons of
// permission, existence or policy, not the network.
var deniedCodes = []int{450, 530, 532, 550, 553}

// ruleTransferDenied: the server refused LIST or RETR itself. Decision, per
// attempt of a logged-in mode: the transfer step ended with a reply in
// deniedCodes that is no TLS demand; or the --upload STOR was so refused.
// Severity is error when LIST was refused (the mode fails), warning when
// only RETR or the upload was.
func ruleTransferDenied(in *input) []Finding {
	var modes []string
	var facts []Fact
	sev := SeverityWarning
	var first string
	for _, mr := range in.modes() {
		if !controlUp(mr) {
			continue
		}
		for _, a := range attempts(mr) {
			s := a.tr.Step
			if s.Outcome != probe.OutcomeReply || s.Reply == nil || !slices.Contains(deniedCodes, s.Reply.Code) || tlsDemand(s.Reply) {
				continue
			}
			if a.name == "LIST" {
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

// ruleTransferStalled: the data connection opened, then stopped moving.
// Decision, per attempt: connect ok and the transfer stalled (probe outcome
// "stalled": data flowed, then nothing for --stall-timeout), timed out (or
// was reset/closed mid-way after some bytes), or the capture marks a stall
// on that data connection. With a capture, MSS, largest segment,
// retransmissions and the stall length are the evidence, and whether a
// full-size segment ever arrived tells a path-MTU black hole (none did)
// from a middlebox that freezes the connection (some did).
func ruleTransferStalled(in *input) []Finding {
	var modes []string
	var facts []Fact
	wire := false
	for _, mr := range in.modes() {
		for _, a := range attempts(mr) {
			if !a.dc.Connect.OK() {
				continue
			}
			s := a.tr.Step
			stalled := s.Outcome == probe.OutcomeStalled || s.Outcome == probe.OutcomeTimeout ||
				((s.Outcome == probe.OutcomeReset || s.Outcome == probe.OutcomeClosed) && a.tr.Bytes > 0)
			var wf []Fact
			if in.wire {
				for _, c := range in.obs.dataOf(a.dc).conns {
					if stalled && c.Stall == nil {
						if sf := segmentFacts(c, mr.Mode.Passive()); len(sf) > 0 {
							wf = append(wf, sf...)
							wire = true
						}
					}
					if c.Stall == nil {
						continue
					}
					stalled = true
					wire = true
					wf = append(wf, Fact{T: c.Stall.From, Text: fmt.Sprintf("data connection %s -> %s: %d bytes from the responder, %d from the initiator, then nothing for %.1f s; MSS %d/%d, largest segment %d/%d, %d retransmissions",
						c.Initiator, c.Responder, c.BytesFromResponder, c.BytesFromInitiator, c.Stall.Duration, c.MSSInitiator, c.MSSResponder, c.MaxSegmentFromInitiator, c.MaxSegmentFromResponder, c.Retransmits)})
					wf = append(wf, segmentFacts(c, mr.Mode.Passive())...)
				}
			}
			if !stalled {
				continue
			}
			if !slices.Contains(modes, string(mr.Mode)) {
				modes = append(modes, string(mr.Mode))
			}
			text := fmt.Sprintf("%s %s: data connection open, %d bytes read, then %s", mr.Mode, a.tr.Command, a.tr.Bytes, stepText(s))
			if a.tr.LargestRead > 0 {
				text += fmt.Sprintf(" (largest read %d bytes)", a.tr.LargestRead)
			}
			facts = append(facts, Fact{T: s.T, Text: text})
			facts = append(facts, wf...)
		}
	}
	if len(modes) == 0 {
		return nil
	}
	expl := "The data connection opened and the transfer started, then stopped moving. When small transfers (a short listing) pass and larger ones stall, the usual cause is a path-MTU black hole: full-size packets are dropped somewhere and the ICMP \"fragmentation needed\" (type 3 code 4) that should report it is filtered. A middlebox that inspects and stalls data connections does the same."
	if !wire {
		expl += " " + wireNote
	}
	return []Finding{{
		ID:          "transfer-stalled",
		Severity:    SeverityError,
		Title:       "Transfers start and then stall",
		Explanation: expl,
		Action:      "clamp the TCP MSS or let ICMP fragmentation-needed through",
		Modes:       modes,
		Inferred:    !wire,
		Evidence:    facts,
		Fixes: []Fix{
			{For: "iptables", Text: "On the router where the MTU drops (VPN, PPPoE, tunnel), clamp the MSS; and let ICMP type 3 code 4 (fragmentation needed) through every firewall on the path.",
				Lines: []string{"iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "iptables -I INPUT -p icmp --icmp-type fragmentation-needed -j ACCEPT", "iptables -I FORWARD -p icmp --icmp-type fragmentation-needed -j ACCEPT"}},
			{For: "nftables", Text: "With nftables:", Lines: []string{"nft add rule inet filter forward tcp flags syn tcp option maxseg size set rt mtu"}},
			{For: "client", Text: "To confirm, lower this host's MTU and retry: if the transfer then completes, it is the path MTU.", Lines: []string{"ip link set dev <interface> mtu 1400"}},
		},
	}}
}

// maxTCPOptions is the most TCP options take from a segment's payload: a
// segment within this of the MSS is full-size (timestamps alone take 12).
const maxTCPOptions = 40

// segmentFacts says whether full-size segments ever arrived on a stalled
// data connection: the server sends the data (responder for passive,
// initiator for active) and the client's announced MSS is the full size.
func segmentFacts(c *capture.Conn, passive bool) []Fact {
	largest, mss := c.MaxSegmentFromResponder, c.MSSInitiator
	if !passive {
		largest, mss = c.MaxSegmentFromInitiator, c.MSSResponder
	}
	var out []Fact
	t := c.First.T
	if c.LastData != nil {
		t = c.LastData.T
	}
	switch {
	case mss <= 0:
	case largest == 0:
		out = append(out, Fact{T: t, Text: fmt.Sprintf("not one data segment arrived from the server on %s -> %s (MSS %d): the full-size segments it sends die on the path (path-MTU black hole)", c.Initiator, c.Responder, mss)})
	case largest < mss-maxTCPOptions:
		out = append(out, Fact{T: t, Text: fmt.Sprintf("no full-size segment ever arrived from the server: the largest was %d bytes, the MSS %d; full-size packets die on the path (path-MTU black hole)", largest, mss)})
	default:
		out = append(out, Fact{T: t, Text: fmt.Sprintf("full-size segments (%d bytes, MSS %d) did arrive: the path carries them; something else froze the connection", largest, mss)})
	}
	for _, ic := range c.ICMP {
		if ic.Type == 3 && ic.Code == 4 && !ic.V6 || ic.V6 && ic.Type == 2 {
			out = append(out, Fact{T: ic.T, Packet: ic.Packet, Text: fmt.Sprintf("ICMP %s from %s reached this host", ic.Text, ic.From)})
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
	if s.Outcome != probe.OutcomeReply || s.Reply == nil || !slices.Contains(deniedCodes, s.Reply.Code) || tlsDemand(s.Reply) {
		return nil
	}
	return in.r.Upload
}
