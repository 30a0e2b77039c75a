package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// activeModes returns the applicable, logged-in active modes (EPRT, PORT).
func (in *input) activeModes() []*probe.ModeResult {
	_, active := in.sides()
	return active
}

// ruleActiveRefused: the server refused the PORT/EPRT command itself, so
// no data connection was tried. Decision, per logged-in active mode whose
// first failure is the set-up reply, by its meaning: address-refused
// (vsftpd "500 Illegal PORT command.", a client behind NAT) ->
// active-address-rejected; disabled (vsftpd port_enable=NO "550 Permission
// denied.", ProFTPD <Limit PORT EPRT> "501 PORT: Operation not permitted")
// -> active-disabled; not-implemented or protocol-unsupported (500/502
// "command not understood", RFC 2428 522) -> active-unsupported. Replies
// with no such meaning are left to the fallback, which quotes them.
func ruleActiveRefused(in *input) []Finding {
	var rej, dis, uns []failedReply
	for _, f := range in.failedReplies(ftp.MeaningAddressRefused, ftp.MeaningDisabled, ftp.MeaningNotImplemented, ftp.MeaningProtocolUnsupported) {
		if f.mr.Mode.Passive() || !controlUp(f.mr) || f.verb != setupVerb(f.mr.Mode) {
			continue
		}
		switch f.in.Meaning {
		case ftp.MeaningAddressRefused:
			rej = append(rej, f)
		case ftp.MeaningDisabled:
			dis = append(dis, f)
		default:
			uns = append(uns, f)
		}
	}
	var out []Finding
	if len(rej) > 0 {
		out = append(out, in.activeAddressRejected(rej))
	}
	if len(dis) > 0 {
		out = append(out, in.activeDisabled(dis))
	}
	if len(uns) > 0 {
		out = append(out, in.activeUnsupported(uns))
	}
	return out
}

func (in *input) activeAddressRejected(rej []failedReply) Finding {
	var facts []Fact
	var announced, modes []string
	for _, f := range rej {
		dc := f.mr.ListData
		facts = append(facts, Fact{T: f.st.T, Text: fmt.Sprintf("%s %s -> %s", f.mr.Mode, dc.Announced, replyLine(f.st.Reply))})
		if dc.Announced != "" {
			announced = append(announced, dc.Announced)
		}
		modes = append(modes, string(f.mr.Mode))
	}
	fixes := in.clientUsePassive()
	fixes = append(fixes,
		Fix{For: "iptables", Text: "On the client's NAT gateway, load the FTP helper so that it rewrites PORT/EPRT to the public address (plain FTP only; it cannot see inside FTPS).",
			Lines: []string{"modprobe nf_nat_ftp", fmt.Sprintf("iptables -t raw -A PREROUTING -p tcp --dport %d -j CT --helper ftp", in.controlPort())}},
		Fix{For: "client", Text: "Or tell the client its public address for active mode: FileZilla Settings > Connection > FTP > Active mode > Use the following IP address; curl --ftp-port <public address>."},
	)
	fixes = append(fixes, pick(in.sw, map[string]Fix{
		"vsftpd":    {Text: "vsftpd refuses PORT addresses other than the control connection's source (port_promiscuous=NO). Do not turn that off: it guards against FTP bounce attacks."},
		"proftpd":   {Text: "ProFTPD refuses foreign PORT addresses unless AllowForeignAddress is on; leave it off: it guards against FTP bounce attacks."},
		"pyftpdlib": {Text: "pyftpdlib refuses foreign PORT addresses unless handler.permit_foreign_addresses is True; leave it off: it guards against FTP bounce attacks."},
	})...)
	return Finding{
		ID:          "active-address-rejected",
		Severity:    SeverityError,
		Title:       "The server rejects the address in PORT/EPRT: the client is behind NAT",
		Explanation: fmt.Sprintf("The client announced %s for the server to call back, and the server refused it: the address is not the one the control connection comes from, which is what a NAT without an FTP helper looks like from the server. Servers refuse such addresses to prevent FTP bounce attacks.", orDash(joinAnd(announced))),
		Action:      "use passive mode, or an FTP helper on the client's NAT gateway",
		Modes:       modes,
		Evidence:    facts,
		Fixes:       fixes,
	}
}

func (in *input) activeDisabled(dis []failedReply) Finding {
	var facts []Fact
	var modes []string
	for _, f := range dis {
		facts = append(facts, stepFact(string(f.mr.Mode), f.st))
		modes = append(modes, string(f.mr.Mode))
	}
	fixes := append(in.clientUsePassive(), activeDisabledFixes(in.sw)...)
	return Finding{
		ID:          "active-disabled",
		Severity:    SeverityError,
		Title:       "The server refuses active mode (PORT/EPRT) by configuration",
		Explanation: fmt.Sprintf("The server answered %s with %q: active mode is switched off in its configuration, so no data connection was tried. This is policy, not a network fault; clients must use passive mode.", joinAnd(modes), replyLine(dis[0].st.Reply)),
		Action:      "use passive mode",
		Modes:       modes,
		Evidence:    facts,
		Fixes:       fixes,
	}
}

// activeUnsupported: the server does not implement PORT or EPRT (or EPRT
// for this address family). No data connection was tried. A warning when
// every refusal is a captured client's EPRT it fell back from to PORT
// (fellBack), else an error.
func (in *input) activeUnsupported(uns []failedReply) Finding {
	var facts []Fact
	var modes []string
	sev := SeverityWarning
	for _, f := range uns {
		facts = append(facts, stepFact(string(f.mr.Mode), f.st))
		if !slices.Contains(modes, string(f.mr.Mode)) {
			modes = append(modes, string(f.mr.Mode))
		}
		if in.fellBack(f.mr) == nil {
			sev = SeverityError
		}
	}
	expl := fmt.Sprintf("The server answered %s with %q: it does not implement the command (or, for EPRT, the address family), so no data connection was tried. This is the server's software, not the network.", joinAnd(modes), replyLine(uns[0].st.Reply))
	action := "use passive mode"
	if len(modes) == 1 && modes[0] == string(probe.ModeEPRT) {
		if p := in.r.Mode(probe.ModePORT); p != nil && modeWorks(p) {
			expl += " PORT works: clients that try EPRT first fall back to PORT (curl does), so IPv4 users see no failure; IPv6 needs EPRT or passive mode."
			action = "nothing for IPv4 clients (they fall back to PORT); use passive mode over IPv6"
		}
		if sev == SeverityWarning {
			expl += " This client did fall back to PORT on the same control connection."
		}
	}
	fixes := append(in.clientUsePassive(), activeUnsupportedFixes(in.sw)...)
	return Finding{
		ID:          "active-unsupported",
		Severity:    sev,
		Title:       fmt.Sprintf("The server does not implement %s", joinAnd(modes)),
		Explanation: expl,
		Action:      action,
		Modes:       modes,
		Evidence:    facts,
		Fixes:       fixes,
	}
}

// ruleActiveCallback: the server's connection back to the client never
// arrived. Decision, per active attempt: its setup succeeded and its
// accept did not (timeout, or a reply to the transfer command meaning the
// data connection failed: 425); or the callback failed at PORT time
// (callbackAtSetup): servers that connect as soon as they get PORT/EPRT
// (pyftpdlib, Twisted) answer the command itself that they could not
// ("425 Can't connect to specified address."), or are still silent after
// the probe's round-trip-scaled wait with nothing at its listener. Then,
// from the wire facts joined to the attempt (observe.go): a SYN to our
// listening port that got no SYN-ACK -> active-callback-dropped-locally
// (the SYN reached this host and a local firewall ate it: the capture
// sees inbound packets before netfilter); a capture with no such SYN ->
// active-callback-blocked (stopped on the way); no capture ->
// active-callback-blocked, inferred, saying what a capture would tell.
func ruleActiveCallback(in *input) []Finding {
	blocked, local, refused := &callbackGroup{}, &callbackGroup{}, &callbackGroup{}
	for _, mr := range in.activeModes() {
		for a := range eachAttempt(mr) {
			at := callbackAtSetup(mr, a)
			if at == atSetupNone && !callbackFailed(mr, a) {
				continue
			}
			ep := a.dc.Listened
			if ep == "" {
				ep = a.dc.Announced
			}
			port := portOf(ep)
			facts := callbackFacts(mr, a, at, ep, in.an != nil)
			g := blocked
			if notCaptured(a.dc) {
				// A capture of the control port only: the server's reply
				// says the callback failed, the wire cannot say where.
				g.unseen = true
				g.add(string(mr.Mode), port, facts, at, a.dc)
				continue
			}
			if in.wire {
				conns := in.obs.dataOf(a.dc).conns
				rejected, lateRefused := callbackRefusals(conns, in.callbackWaited(a))
				dropped, late := callbackSYNs(unrefused(conns), listenedUntil(a.dc))
				if !in.atClient() {
					// Seen elsewhere, a SYN's time says nothing of this
					// host's listener.
					dropped, late = append(dropped, late...), nil
				}
				// A refusal after the client stopped waiting is the
				// kernel's answer to a closed port.
				late = append(late, lateRefused...)
				switch {
				case len(rejected) > 0:
					// Answered with a RST or an ICMP error from the
					// client's side: refused, not dropped.
					g = refused
					for _, c := range rejected {
						facts = append(facts, synFacts(c)...)
						facts = append(facts, refusalFacts(c)...)
					}
				case len(dropped) > 0:
					// Unanswered where it was seen: this host's firewall
					// only when the capture ran on the client.
					if in.atClient() {
						g = local
					}
					g.synSeen = true
					for _, c := range dropped {
						facts = append(facts, synFacts(c)...)
						facts = append(facts, refusalFacts(c)...) // an ICMP error from a router on the way
					}
					if g.icmp == "" {
						g.icmp = icmpText(dropped)
						if an := addrOf(ep); g.icmp != "" && privateElsewhere(an, addrOf(mr.ControlLocal)) {
							g.privateAt = an.String()
						}
					}
				case len(late) > 0:
					// The server's SYN came after the probe had stopped
					// listening: neither blocked nor dropped here.
					continue
				case in.atClient():
					facts = append(facts, Fact{T: a.dc.Connect.T, Text: fmt.Sprintf("no SYN to port %d reached this host", port)})
				default:
					facts = append(facts, Fact{T: a.dc.Connect.T, Text: fmt.Sprintf("no SYN from the server to port %d is in the capture", port)})
				}
			}
			g.add(string(mr.Mode), port, facts, at, a.dc)
		}
	}
	// The responder's callback test (callback.go), when every callback
	// it made was blocked, is the same fact seen from both ends.
	// When every try was refused, the same holds of refusals
	// (active-callback-refused). Alone (no active attempt failed) the test
	// concludes only when no active mode worked in this run either: a
	// server that did call back refutes it.
	sum := in.callbackRun()
	alone := len(blocked.modes) == 0 && len(local.modes) == 0 && len(refused.modes) == 0
	switch {
	case alone && in.anActiveModeWorks():
	case sum.allBlocked():
		switch {
		case len(blocked.modes) > 0:
			blocked.outside = sum.blockedFacts()
		case len(local.modes) > 0:
			local.outside = sum.blockedFacts()
		case alone:
			blocked.outside = sum.blockedFacts()
		}
	case sum.allRefused() && (alone || len(refused.modes) > 0):
		refused.outside = sum.refusedFacts()
	}
	var out []Finding
	if len(blocked.modes) > 0 || len(blocked.outside) > 0 {
		out = append(out, in.callbackBlocked(blocked))
	}
	if len(local.modes) > 0 {
		out = append(out, in.callbackDroppedLocally(local))
	}
	if len(refused.modes) > 0 || len(refused.outside) > 0 {
		out = append(out, in.callbackRefused(refused)) // callbackrefused.go
	}
	return out
}

// anActiveModeWorks reports whether an active mode completed its transfer
// in this run.
func (in *input) anActiveModeWorks() bool {
	for _, mr := range in.activeModes() {
		if modeWorks(mr) {
			return true
		}
	}
	return false
}

// callbackSYNs sorts the unanswered SYNs that reached an attempt's
// listening port: dropped are those that arrived while the probe still
// listened (until stop: the kernel answers a SYN to a listening socket at
// once, so no SYN-ACK means a firewall here), late those that arrived
// after it had given up (no evidence of a local drop, nor of a block).
func callbackSYNs(conns []*capture.Conn, stop float64) (dropped, late []*capture.Conn) {
	for _, c := range conns {
		if c.SYNACK != nil || len(c.SYNs) == 0 {
			continue
		}
		if c.SYNs[0].T <= stop+stampSlack {
			dropped = append(dropped, c)
		} else {
			late = append(late, c)
		}
	}
	return dropped, late
}

// stampSlack allows for the capture's packet stamps (kernel time) and the
// probe's step times (read after the fact) seeing one moment a little
// apart; the listener closes only after the step's time is taken.
const stampSlack = 0.001

// listenedUntil is when the probe stopped listening for an active
// attempt: the end of its accept, or of the set-up command when the accept
// never ran (the set-up reply ended it).
func listenedUntil(dc *probe.DataConn) float64 {
	if dc.Connect.Ran() {
		return dc.Connect.T
	}
	return dc.Setup.T
}

// callbackGroup gathers the attempts one callback finding explains, with
// how each failure showed (callbackAtSetup): after the transfer command,
// answered at PORT time, or silent at PORT time.
type callbackGroup struct {
	modes []string
	facts []Fact
	ports []uint16
	after bool
	// synSeen: the capture holds the server's SYNs, unanswered.
	synSeen bool
	// icmp is the first ICMP error a router on the way (not the client)
	// sent back for those SYNs, "" when none; privateAt the private
	// address a client behind NAT announced, which the server dialled
	// ("" when not so).
	icmp, privateAt string
	// unseen: the capture holds no data connection of the session at
	// all (notCapturedText): where the callback stopped is not in it.
	unseen bool
	// replied and silent are the attempts that failed at PORT time.
	replied, silent []attemptAt
	// outside are the facts of a responder's callback test whose every
	// callback was blocked (callback.go).
	outside []Fact
}

// attemptAt is one attempt whose callback failed at PORT time.
type attemptAt struct {
	mode string
	dc   *probe.DataConn
}

func (g *callbackGroup) add(mode string, port uint16, facts []Fact, at setupFate, dc *probe.DataConn) {
	if !slices.Contains(g.modes, mode) {
		g.modes = append(g.modes, mode)
	}
	if !slices.Contains(g.ports, port) {
		g.ports = append(g.ports, port)
	}
	g.facts = append(g.facts, facts...)
	switch at {
	case atSetupReply:
		g.replied = append(g.replied, attemptAt{mode, dc})
	case atSetupSilent:
		g.silent = append(g.silent, attemptAt{mode, dc})
	default:
		g.after = true
	}
}

// callbackFacts are the probe's facts of one failed callback (captured:
// the result was rebuilt from a capture).
func callbackFacts(mr *probe.ModeResult, a attempt, at setupFate, ep string, captured bool) []Fact {
	switch {
	case at == atSetupSilent && captured:
		return []Fact{stepFact(fmt.Sprintf("%s: no reply to %s in the capture while the server's SYNs to %s went unanswered", mr.Mode, mr.Mode, orDash(ep)), a.dc.Setup)}
	}
	switch at {
	case atSetupReply:
		return []Fact{stepFact(fmt.Sprintf("%s %s: the server tried to connect to %s at once and answered", mr.Mode, a.name, orDash(ep)), a.dc.Setup)}
	case atSetupSilent:
		return []Fact{stepFact(fmt.Sprintf("%s %s: listening on %s, no reply to %s and no connection from the server", mr.Mode, a.name, orDash(ep), mr.Mode), a.dc.Setup)}
	}
	facts := []Fact{stepFact(fmt.Sprintf("%s %s: %s accepted, waited on %s", mr.Mode, a.name, replyLine(a.dc.Setup.Reply), ep), a.dc.Connect)}
	if a.tr.Step.Reply != nil {
		facts = append(facts, stepFact(fmt.Sprintf("%s %s", mr.Mode, a.name), a.tr.Step))
	}
	return facts
}

// connectsAtPORT names the servers known to open the active data
// connection as soon as PORT/EPRT arrives (replies.md in the lab).
var connectsAtPORT = []string{"pyftpdlib", "twisted"}

// callbackHow says, in sentences, how the group's failed callbacks showed.
// For a failure at PORT time it names the behaviour (the server connects
// when PORT arrives) and quotes the reply, or the silence and the probe's
// wait. blocked is true when no SYN was seen here (or nothing could be
// seen): a silent server not known to connect at PORT time may then be
// silent for another reason, and the sentences say so.
func (in *input) callbackHow(g *callbackGroup, blocked bool) []string {
	known := slices.Contains(connectsAtPORT, in.sw)
	who := "the server"
	if known {
		who = softwareName(in.sw)
	}
	var out []string
	if g.after && blocked {
		out = append(out, callbackAfterCommand)
	}
	if len(g.replied) > 0 {
		var modes, replies []string
		for _, a := range g.replied {
			modes = append(modes, a.mode)
			if q := strconv.Quote(replyLine(a.dc.Setup.Reply)); !slices.Contains(replies, q) {
				replies = append(replies, q)
			}
		}
		how := fmt.Sprintf("%s connects as soon as it gets PORT or EPRT, and answered %s with %s: its connection to the address the client announced failed.", who, joinAnd(modes), joinAnd(replies))
		if !known {
			how = fmt.Sprintf("the server tried to connect as soon as it got %s, as pyftpdlib and Twisted do, and answered %s: its connection to the address the client announced failed.", joinAnd(modes), joinAnd(replies))
		}
		out = append(out, how)
	}
	if len(g.silent) > 0 {
		var modes []string
		var ports []uint16
		for _, a := range g.silent {
			modes = append(modes, a.mode)
			ports = append(ports, portOf(a.dc.Listened))
		}
		portWord := "port"
		if len(ports) > 1 {
			portWord = "ports"
		}
		if in.an != nil {
			// Rebuilt from a capture (analyze.go callbackAtPort): the
			// capture holds the server's SYNs and no reply.
			dc := g.silent[0].dc
			fate := "went unanswered"
			if calledBackRefused(dc.Connect) {
				fate = "were refused"
			}
			out = append(out, fmt.Sprintf("%s sent no reply to %s in the %.1f s the capture shows while its SYNs to the client's %s %s %s: servers that connect as soon as they get PORT or EPRT (pyftpdlib, Twisted) answer only once their attempt ends, so the callback failed at PORT time; the control channel itself did not.", who, joinAnd(modes), dc.Setup.T-dc.Setup.T0, portWord, portList(ports), fate))
		} else {
			out = append(out, fmt.Sprintf("%s had not answered %s %s, and the probe's listener on %s %s accepted no connection: servers that connect as soon as they get PORT or EPRT (pyftpdlib, Twisted) answer only once their attempt ends, and stay silent while their SYNs go unanswered.", who, joinAnd(modes), setupWaitText(g.silent[0].dc), portWord, portList(ports)))
		}
		if blocked && !known {
			out = append(out, "A server that connects only at LIST/RETR would be silent for another reason: the control transcript shows what it did answer.")
		}
	}
	return out
}

// callbackAfterCommand is how a callback awaited after the transfer
// command failed.
const callbackAfterCommand = "the server accepted the command and nothing came within the data timeout, or the server itself answered that it could not connect (the evidence quotes its reply)."

// setupWaitText is "after 1.5 s (the probe's wait: ...)": how long the
// probe waited for the PORT/EPRT reply, and why.
func setupWaitText(dc *probe.DataConn) string {
	text := fmt.Sprintf("after %.1f s", dc.Setup.T-dc.Setup.T0)
	switch w := dc.SetupWatch; {
	case w == nil:
	case w.Listener == probe.ListenerSYNDropped:
		text += " (the probe stopped waiting when the capture showed the server's SYN sent again and unanswered here)"
	case w.Wait.Reason != "":
		text += " (the probe's wait: " + w.Wait.Reason + ")"
	}
	return text
}

// sentences joins sentences, capitalizing a leading "the" after the first.
func sentences(ss []string) string {
	out := slices.Clone(ss)
	for i := 1; i < len(out); i++ {
		out[i] = capitalizeThe(out[i])
	}
	return strings.Join(out, " ")
}

// capitalizeThe capitalizes a sentence that starts with "the " (a software
// name keeps its own case).
func capitalizeThe(s string) string {
	if strings.HasPrefix(s, "the ") {
		return "The" + s[3:]
	}
	return s
}

// callbackBlocked: no connection from the server reached this host.
func (in *input) callbackBlocked(g *callbackGroup) Finding {
	if len(g.modes) == 0 {
		return in.callbackBlockedOutside(g)
	}
	expl := fmt.Sprintf("The server's connection back to the client for %s (port %s) never arrived: %s Something between the server and the client blocks the callback: the client's NAT gateway without an FTP helper, a firewall in front of the client, or the server's own outbound rules (%s).",
		joinAnd(g.modes), portList(g.ports), sentences(in.callbackHow(g, !g.synSeen)), callbackSource(in.sw))
	if g.synSeen && !in.atClient() {
		// The SYNs are on the wire past the server: its outbound rules let
		// them out, and whether they reached the client is not seen here.
		expl = fmt.Sprintf("The server's connection back to the client for %s (port %s) got no answer.", joinAnd(g.modes), portList(g.ports))
		if g.icmp != "" {
			// A router on the way answered: stopped there, not at the
			// client.
			expl = fmt.Sprintf("The server's connection back to the client for %s (port %s) was answered by a router on the way, not by the client: %s.", joinAnd(g.modes), portList(g.ports), g.icmp)
		}
		if how := in.callbackHow(g, false); len(how) > 0 {
			expl += " " + capitalizeThe(sentences(how))
		}
		if g.privateAt != "" {
			expl += fmt.Sprintf(" The client announced %s, a private address other than the one its control connection comes from: it is behind a NAT without an FTP helper, and the server dialled that address instead of refusing it (servers that guard against FTP bounce refuse it: active-address-rejected).", g.privateAt)
		}
	}
	inferred := !in.wire || (g.unseen && !g.synSeen)
	unseen := in.wire && inferred
	if unseen {
		expl = fmt.Sprintf("The server's connection back to the client for %s (port %s) failed: %s The capture holds no data connection of this session (it was most likely filtered to the control port), so where the callback was stopped cannot be seen: a firewall on the client or in front of it, the client's NAT gateway without an FTP helper, or the server's own outbound rules (%s). A capture with the data connections would tell (see capture-incomplete).",
			joinAnd(g.modes), portList(g.ports), sentences(in.callbackHow(g, true)), callbackSource(in.sw))
	}
	switch v := in.vantage(); {
	case unseen:
	case inferred:
		expl += " " + wireNote + " A capture would tell whether the SYN reached this host and a local firewall dropped it (active-callback-dropped-locally)."
	case in.atClient():
		expl += " The capture saw no SYN arrive, so it was stopped before this host."
	case g.icmp != "" && g.synSeen:
		// The router's answer says where: no "without any answer".
	case v == "server" && g.synSeen:
		expl += " The server's SYNs to the client's announced port left the server (they are in this capture, taken at the server) without any answer: the client's NAT gateway without an FTP helper, or a firewall in front of the client or on it, drops the callback."
	case v == "server":
		expl += " The capture was taken at the server and shows no SYN from it to the client: the server did not call back (its own outbound rules, or it gave up at once)."
	case g.synSeen:
		expl += " The server's SYNs to the client's announced port passed the capture point without any answer: something between here and the client (its NAT gateway or firewall) drops the callback."
	default:
		expl += " No SYN from the server to the client passed the capture point: it was stopped between the server and here, or the server did not call back."
	}
	if len(g.outside) > 0 {
		expl += " " + outsideConfirms
		inferred = false
	}
	expl = in.withVantage(expl)
	return Finding{
		ID:          "active-callback-blocked",
		Severity:    SeverityError,
		Title:       callbackBlockedTitle(g, in.atClient(), unseen),
		Explanation: expl,
		Action:      "use passive mode",
		Modes:       g.modes,
		Inferred:    inferred,
		Evidence:    append(g.facts, g.outside...),
		Fixes:       in.callbackBlockedFixes(),
	}
}

// outsideConfirms is what a responder's callback test adds to
// active-callback-blocked.
const outsideConfirms = "The ftpdiag responder, outside, confirms it from both ends: its own callbacks to this host got no answer, and none reached ftpdiag's listener."

// callbackBlockedOutside is active-callback-blocked from a responder's
// callback test alone (no active mode failed in this run).
func (in *input) callbackBlockedOutside(g *callbackGroup) Finding {
	return Finding{
		ID:          "active-callback-blocked",
		Severity:    SeverityError,
		Title:       "The server's active-mode connection back to the client never arrived",
		Explanation: "The ftpdiag responder, outside, connected back to the address and port this host announced (its own source address as it saw it) and got no answer, and no connection reached ftpdiag's listener: something between the Internet and this host (its NAT gateway without an FTP helper, a firewall in front of it or on it) drops new inbound connections, so active mode cannot work with any server (unless the responder host's own firewall or its provider drops its outgoing connections: README, \"Running a responder\", has the lines it needs). A capture would tell whether the SYN reached this host and a local firewall dropped it.",
		Action:      "use passive mode",
		Evidence:    g.outside,
		Fixes:       in.callbackBlockedFixes(),
	}
}

func callbackBlockedTitle(g *callbackGroup, atClient, unseen bool) string {
	if unseen {
		return "The server's active-mode connection back to the client failed, where is not in the capture"
	}
	if g.synSeen && !atClient && g.icmp != "" {
		return "The server's active-mode connection back to the client was stopped by a router on the way"
	}
	if g.synSeen && !atClient {
		return "The server's active-mode connection back to the client got no answer"
	}
	return "The server's active-mode connection back to the client never arrived"
}

// callbackBlockedFixes are active-callback-blocked's fixes.
func (in *input) callbackBlockedFixes() []Fix {
	fixes := in.clientUsePassive()
	return append(fixes,
		Fix{For: "iptables", Text: "On the client's NAT gateway or firewall, let the callback in by tracking FTP (plain FTP only):",
			Lines: []string{"modprobe nf_conntrack_ftp", fmt.Sprintf("iptables -t raw -A PREROUTING -p tcp --dport %d -j CT --helper ftp", in.controlPort()), "iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"}},
		Fix{For: "generic-firewall", Text: "Or allow inbound TCP from the server to the client's active ports (pin them with --active-port-range / the client's active port setting)."},
	)
}

// callbackDroppedLocally: the server's SYNs reached this host unanswered.
func (in *input) callbackDroppedLocally(g *callbackGroup) Finding {
	p := portList(g.ports)
	expl := fmt.Sprintf("The capture saw the server's SYN arrive at port %s of this host and no SYN-ACK leave: a firewall on this machine drops the active-mode data connection.", p)
	if how := in.callbackHow(g, false); len(how) > 0 {
		expl += " " + capitalizeThe(sentences(how))
	}
	if len(g.outside) > 0 {
		expl += " " + outsideConfirms
	}
	expl = in.withVantage(expl)
	fixes := in.clientUsePassive()
	fixes = append(fixes,
		Fix{For: "iptables", Text: "Let the callback through this host's firewall: track FTP so that it is RELATED, or accept the active ports.",
			Lines: []string{"modprobe nf_conntrack_ftp", "iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", fmt.Sprintf("iptables -A INPUT -p tcp --dport %s -j ACCEPT", strings.ReplaceAll(p, "-", ":"))}},
		Fix{For: "nftables", Text: "With nftables:", Lines: []string{fmt.Sprintf("nft add rule inet filter input tcp dport %s accept", p)}},
		Fix{For: "firewalld", Text: "With firewalld:", Lines: []string{fmt.Sprintf("firewall-cmd --add-port=%s/tcp", p)}},
		Fix{For: "ufw", Text: "With ufw:", Lines: []string{fmt.Sprintf("ufw allow %s/tcp", strings.ReplaceAll(p, "-", ":"))}},
	)
	return Finding{
		ID:          "active-callback-dropped-locally",
		Severity:    SeverityError,
		Title:       "The server's callback reached this host and a local firewall dropped it",
		Explanation: expl,
		Action:      "allow the callback in this host's firewall, or use passive mode",
		Modes:       g.modes,
		Evidence:    append(g.facts, g.outside...),
		Fixes:       fixes,
	}
}

// callbackSource says where the detected server's active-mode connections
// come from, for the firewall rules that must let them out.
func callbackSource(sw string) string {
	switch sw {
	case "vsftpd":
		return "vsftpd connects from port 20 with connect_from_port_20=YES, else from an ephemeral port"
	case "proftpd":
		return "ProFTPD connects from port 20 when it runs as root, from an ephemeral port otherwise"
	case "pyftpdlib", "twisted":
		return softwareName(sw) + " connects from an ephemeral port"
	}
	return "the server connects from port 20 or from an ephemeral port"
}

// callbackFailed: the server accepted PORT/EPRT and its connection did not
// arrive: the accept timed out, or the server answered the transfer
// command that the data connection failed (425).
func callbackFailed(mr *probe.ModeResult, a attempt) bool {
	if !setupAccepted(mr.Mode, a.dc) || a.dc.Connect.OK() || (!a.dc.Connect.Ran() && !notCaptured(a.dc)) {
		return false
	}
	return a.dc.Connect.Outcome == probe.OutcomeTimeout || calledBackRefused(a.dc.Connect) ||
		interpret(transferVerb(a.tr.Command, a.name), a.tr.Step).Meaning == ftp.MeaningDataConnectionFailed
}

// setupFate is how an active attempt's set-up ended when the server's
// callback failed at PORT time (callbackAtSetup).
type setupFate int

const (
	atSetupNone   setupFate = iota
	atSetupReply            // the reply means the server could not connect (425)
	atSetupSilent           // no reply within the probe's wait, nothing at the listener
)

// callbackAtSetup: the server connects as soon as it gets PORT/EPRT and
// answered the command itself that it could not (pyftpdlib "425 Can't
// connect to specified address.", Twisted "425 Can't open data
// connection."), or had not answered when the probe's set-up wait ended
// with nothing at its listener (probe.SetupWatch: the probe ends that wait
// as a timeout of the set-up and of the accept alike).
func callbackAtSetup(mr *probe.ModeResult, a attempt) setupFate {
	if mr.Mode.Passive() || setupAccepted(mr.Mode, a.dc) {
		return atSetupNone
	}
	st := a.dc.Setup
	if st.Reply != nil {
		if interpret(setupVerb(mr.Mode), st).Meaning == ftp.MeaningDataConnectionFailed {
			return atSetupReply
		}
		return atSetupNone
	}
	if w := a.dc.SetupWatch; w != nil && w.Listener != probe.ListenerAccepted &&
		st.Outcome == probe.OutcomeTimeout && (a.dc.Connect.Outcome == probe.OutcomeTimeout || calledBackRefused(a.dc.Connect)) {
		return atSetupSilent
	}
	return atSetupNone
}

// portList renders ports as "A" or "A-B" (the span of them).
func portList(ps []uint16) string {
	if len(ps) == 0 {
		return "?"
	}
	lo, hi := slices.Min(ps), slices.Max(ps)
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}
