package report

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// passiveModes returns the applicable passive modes that got a logged-in
// control connection.
func (in *input) passiveModes() []*probe.ModeResult {
	passive, _ := in.sides()
	return passive
}

// passiveRefusals are the meanings of a reply that refuses a passive
// command itself (not the network, not the session).
var passiveRefusals = []ftp.Meaning{ftp.MeaningDisabled, ftp.MeaningNotImplemented, ftp.MeaningProtocolUnsupported, ftp.MeaningNone, ftp.MeaningTransient}

// setupRefusal returns the mode's refused passive set-up: its first
// failure is the PASV/EPSV reply and its meaning refuses the command (a
// connection limit, a closing session or a demand for TLS mean something
// else and have their own findings).
func (in *input) setupRefusal(mr *probe.ModeResult) (failedReply, bool) {
	for _, f := range in.failedReplies(passiveRefusals...) {
		if f.mr == mr && f.verb == setupVerb(mr.Mode) && f.in.Step != ftp.StepViolation {
			return f, true
		}
	}
	return failedReply{}, false
}

// rulePassiveDisabled: the server refuses every passive command.
// Decision: every applicable, logged-in passive mode got a negative reply
// to PASV/EPSV (vsftpd pasv_enable=NO answers "550 Permission denied."),
// and none is a captured client's EPSV it fell back from to a PASV the
// server accepted (fellBack: that PASV may be no mode of the result, its
// data connection not in the capture).
func rulePassiveDisabled(in *input) []Finding {
	pm := in.passiveModes()
	if len(pm) == 0 {
		return nil
	}
	var facts []Fact
	var quoted []string
	why := ftp.MeaningDisabled
	for _, mr := range pm {
		f, ok := in.setupRefusal(mr)
		if !ok || in.fellBack(mr) != nil {
			return nil
		}
		facts = append(facts, stepFact(string(mr.Mode), f.st))
		quoted = append(quoted, fmt.Sprintf("%s with %q", mr.Mode, replyLine(f.st.Reply)))
		if f.in.Meaning != ftp.MeaningDisabled {
			why = f.in.Meaning
		}
	}
	expl := fmt.Sprintf("The server answered %s, so no data connection was tried.", joinAnd(quoted))
	switch why {
	case ftp.MeaningDisabled:
		expl += " Passive mode is switched off in its configuration."
	case ftp.MeaningNotImplemented:
		expl += " The server software does not implement passive mode, or it is switched off."
	}
	expl += " Clients behind NAT or a firewall (most clients today) need passive mode."
	fixes := append(passiveDisabledFixes(in.sw), in.clientUseActive()...)
	return []Finding{{
		ID:          "passive-disabled",
		Severity:    SeverityError,
		Title:       "The server refuses passive mode (PASV and EPSV)",
		Explanation: expl,
		Action:      "enable passive mode on the server",
		Modes:       modeNames(pm),
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// ruleEPSVUnsupported: EPSV refused while PASV was accepted. Decision:
// EPSV's first failure is its set-up reply refusing the command (not
// implemented, disabled, or no more specific meaning) and PASV's set-up was
// accepted (if PASV was refused too, passive-disabled explains both). It
// is an error because the EPSV mode fails (exit-code contract), though
// clients fall back to PASV; a warning in a captured session whose client
// did fall back (fellBack), its PASV data connection in the capture or
// not: no transfer it asked for failed for the refusal. Whether PASV then
// works is for the passive connect rules, which the rule table places
// first.
func ruleEPSVUnsupported(in *input) []Finding {
	if in.r == nil {
		return nil
	}
	e, p := in.r.Mode(probe.ModeEPSV), in.r.Mode(probe.ModePASV)
	if e == nil || !e.Applicable || !controlUp(e) {
		return nil
	}
	f, refused := in.setupRefusal(e)
	if !refused {
		return nil
	}
	sev, pasv := SeverityError, Fact{}
	switch x := in.fellBack(e); {
	case x != nil:
		sev, pasv = SeverityWarning, exchangeFact("PASV", x)
	case p == nil || !p.Applicable || !controlUp(p) || !setupAccepted(probe.ModePASV, &p.ListData):
		return nil
	default:
		pasv = stepFact("PASV", p.ListData.Setup)
	}
	expl := fmt.Sprintf("EPSV was answered with %q while PASV was accepted. Clients fall back to PASV on their own (curl tries EPSV, then PASV), so IPv4 users need not notice; but over IPv6 there is no PASV, and EPSV is what crosses NAT without an address in the reply. A firewall or proxy in front of the server that does not know EPSV can also answer this way.", replyLine(f.st.Reply))
	if sev == SeverityWarning {
		expl += " This client did fall back to PASV on the same control connection."
	}
	action := "nothing for IPv4 clients (they fall back to PASV); enable EPSV on the server for IPv6"
	if p != nil && !modeWorks(p) {
		action = "see the PASV finding: clients fall back to PASV, which fails too"
	}
	return []Finding{{
		ID:          "epsv-unsupported",
		Severity:    sev,
		Title:       "The server refuses EPSV while it accepts PASV",
		Explanation: expl,
		Action:      action,
		Modes:       []string{string(probe.ModeEPSV)},
		Evidence:    []Fact{stepFact("EPSV", f.st), pasv},
		Fixes: []Fix{
			{For: "client", Text: "To skip the failed EPSV, make the client start with PASV: curl --disable-epsv, lftp set ftp:prefer-epsv no.", Lines: []string{"curl --disable-epsv " + in.r.Target.URL}},
			{For: "generic-firewall", Text: "If a firewall or proxy sits in front of the server, check it passes EPSV unchanged."},
		},
	}}
}

// rulePasvAddress: the 227 reply announces an address other than the one
// the client connected to. Decision, per passive attempt whose setup
// succeeded: announced address valid and different from the control peer;
// unroutable (private, CGNAT, loopback, link-local, 0.0.0.0) ->
// pasv-private-address, else pasv-foreign-address. Severity is error when
// the probe refused to dial it (the mode failed because of it), else warning:
// the probe dialled the control address instead and its result is judged by
// the connect rules, but clients that trust the reply will fail.
func rulePasvAddress(in *input) []Finding {
	type group struct {
		addrs     []string
		modes     []string
		facts     []Fact
		notDialed bool
		worked    bool
		// clientDialled, clientSkipped: a captured client went for the
		// announced address and failed, or never dialled at all.
		clientDialled, clientSkipped bool
	}
	priv, foreign := &group{}, &group{}
	peer := in.controlPeer()
	for _, mr := range in.passiveModes() {
		cp := addrOf(mr.ControlRemote)
		for a := range eachAttempt(mr) {
			if !setupAccepted(mr.Mode, a.dc) || a.dc.Announced == "" {
				continue
			}
			an := addrOf(a.dc.Announced)
			if !an.IsValid() || !cp.IsValid() || an == cp {
				continue
			}
			g := foreign
			if unroutable(an) {
				g = priv
			}
			if !slices.Contains(g.addrs, an.String()) {
				g.addrs = append(g.addrs, an.String())
			}
			if !slices.Contains(g.modes, string(mr.Mode)) {
				g.modes = append(g.modes, string(mr.Mode))
			}
			text := fmt.Sprintf("%s %s: %s announced %s", mr.Mode, a.name, replyLine(a.dc.Setup.Reply), a.dc.Announced)
			if a.dc.Dialled != "" {
				text += fmt.Sprintf("; dialled %s (%s): %s", a.dc.Dialled, orDash(a.dc.AddressPolicy), stepText(a.dc.Connect))
			}
			g.facts = append(g.facts, Fact{T: a.dc.Setup.T, Text: text})
			if a.dc.Connect.Outcome == probe.OutcomeRefusedByPolicy {
				g.notDialed = true
			}
			if dialled, ok := in.privateFailed(mr, a.dc); ok {
				g.notDialed = true
				g.clientDialled = g.clientDialled || dialled
				g.clientSkipped = g.clientSkipped || !dialled
			}
			if a.dc.Connect.OK() {
				g.worked = true
			}
		}
	}
	var out []Finding
	if len(priv.addrs) > 0 {
		sev := SeverityWarning
		if priv.notDialed {
			sev = SeverityError
		}
		a := strings.Join(priv.addrs, ", ")
		expl := fmt.Sprintf("The server's passive replies announce %s, an address that cannot be reached from outside, while the client connected to %s: the server sits behind NAT and does not know its public address.", a, peer)
		switch {
		case priv.clientDialled:
			expl += fmt.Sprintf(" The client in the capture trusted the reply and dialled %s, which failed (see the evidence): that is why its transfers fail.", a)
			if priv.clientSkipped {
				expl += " Other times it did not dial at all."
			}
		case priv.clientSkipped && in.an.dataSeen && in.atClient():
			expl += fmt.Sprintf(" The client in the capture did not dial it: no connection to %s or to %s's announced port is in the capture, taken at the client, which does hold other data connections (clients such as tnftp refuse a passive address other than the server's: \"Passive mode address mismatch\"). That is why its transfers fail.", a, peer)
		case priv.clientSkipped && in.an.dataSeen:
			expl += fmt.Sprintf(" No connection to %s or to %s's announced port reached the capture point, which does see other data connections: the client did not dial it (clients such as tnftp refuse a passive address other than the server's), or its dial could not get here. Either way the announced address is why its transfers fail.", a, peer)
		case priv.clientSkipped:
			expl += fmt.Sprintf(" The client in the capture sent no transfer command after it: it gave up on %s (clients such as tnftp refuse a passive address other than the server's, \"Passive mode address mismatch\"; others cannot reach it). The capture holds no data connection, so whether it tried to dial cannot be seen; either way the announced address is why its transfers fail.", a)
		case priv.worked:
			who := "ftpdiag"
			if in.an != nil {
				who = "The client in the capture"
			}
			expl += fmt.Sprintf(" %s dialled %s with the announced port instead (as curl and FileZilla do) and that worked, but clients that trust the reply (classic command-line ftp, some libraries, browsers' and file managers' FTP) will try %s and fail.", who, peer, a)
		case priv.notDialed:
			expl += " ftpdiag did not dial the announced address, so this mode could not be tested."
		}
		f := Finding{
			ID:          "pasv-private-address",
			Severity:    sev,
			Title:       fmt.Sprintf("The server announces its private address %s in passive replies", a),
			Explanation: expl,
			Action:      externalAddressAction(in.sw, peer),
			Modes:       priv.modes,
			Evidence:    priv.facts,
			Fixes:       append(externalAddressFixes(in.sw, peer, in.r.Target.Host), natRangeFixes(in, priv.addrs[0], peer)...),
		}
		out = append(out, f)
	}
	if len(foreign.addrs) > 0 {
		sev := SeverityWarning
		if foreign.notDialed {
			sev = SeverityError
		}
		a := strings.Join(foreign.addrs, ", ")
		expl := fmt.Sprintf("The server's passive replies announce %s, a routable address other than the one the client connected to (%s). This is either a misconfigured external address setting or a cluster that hands data connections to another host. Connecting to an address taken from a reply is what FTP bounce attacks abuse, so ftpdiag only dials it with --trust-pasv-address.", a, peer)
		if foreign.worked {
			expl += fmt.Sprintf(" Dialling %s with the announced port worked.", peer)
		}
		f := Finding{
			ID:          "pasv-foreign-address",
			Severity:    sev,
			Title:       fmt.Sprintf("The server announces a different public address %s in passive replies", a),
			Explanation: expl,
			Action:      externalAddressAction(in.sw, peer),
			Modes:       foreign.modes,
			Evidence:    foreign.facts,
			Fixes:       externalAddressFixes(in.sw, peer, in.r.Target.Host),
		}
		f.Fixes = append(f.Fixes, Fix{For: "client", Text: "If the other address is intended (a cluster), probe again with --trust-pasv-address to test it."})
		out = append(out, f)
	}
	return out
}

// privateElsewhere reports a passive reply's address that cannot be reached
// from outside and is not the control connection's peer: a server behind
// NAT announcing its inside address.
func privateElsewhere(announced, peer netip.Addr) bool {
	a, p := announced.Unmap(), peer.Unmap()
	return a.IsValid() && p.IsValid() && a != p && unroutable(a)
}

// privateFailed reports a captured passive attempt (analyze) whose client
// went for the unroutable address the server announced instead of the
// server's, or dialled nothing at all, and got no data connection: the
// announced address, not a firewall on the passive range, is why it
// failed. dialled says whether a connection to it is in the capture.
func (in *input) privateFailed(mr *probe.ModeResult, dc *probe.DataConn) (dialled, ok bool) {
	switch dc.Connect.Outcome { // first: the addresses are parsed
	case probe.OutcomeTimeout, probe.OutcomeRefused, probe.OutcomeUnreachable:
	default:
		return false, false
	}
	if in.an == nil || !mr.Mode.Passive() || !setupAccepted(mr.Mode, dc) || dc.Announced == "" {
		return false, false
	}
	an := addrOf(dc.Announced)
	if !privateElsewhere(an, addrOf(mr.ControlRemote)) {
		return false, false
	}
	conns := in.obs.dataOf(dc).conns
	if len(conns) == 0 {
		return false, true
	}
	for _, c := range conns {
		if c.Responder.Addr().Unmap() != an {
			return false, false // it dialled the server's address: the connect rules judge that
		}
	}
	return true, true
}

// natRangeFixes: with the server behind NAT, the passive range must also be
// forwarded to it.
func natRangeFixes(in *input, private, public string) []Fix {
	lo, hi, n := in.passiveRange()
	if n == 0 || !dnatTarget(private) {
		return nil
	}
	rng := fmt.Sprintf("%d:%d", lo, hi)
	if lo == hi {
		rng = fmt.Sprint(lo)
	}
	return []Fix{{For: "iptables", Text: fmt.Sprintf("On the NAT gateway, forward the passive range (inferred from %s) as well as the control port %d to the server:", plural(n, "announced port", "announced ports"), in.controlPort()),
		Lines: []string{fmt.Sprintf("iptables -t nat -A PREROUTING -p tcp -d %s --dport %s -j DNAT --to-destination %s", public, rng, private)}}}
}

// dnatTarget reports whether addr can be the inside address of a DNAT rule:
// a private (RFC 1918, fc00::/7) or shared (100.64.0.0/10) unicast address.
// A 227 naming a broadcast, reserved, loopback or multicast address is a
// server bug, not a NAT layout: no forwarding rule is suggested for it.
func dnatTarget(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	return a.IsPrivate() || netip.MustParsePrefix("100.64.0.0/10").Contains(a)
}

// rulePassiveConnect: the data connection to the announced passive port
// failed. Decision, per passive attempt whose setup succeeded: connect
// timeout -> passive-port-filtered (no SYN-ACK: a firewall drops the range);
// refused or unreachable -> passive-port-refused (RST or ICMP). With a
// capture the SYN retransmissions, RSTs and ICMP errors are the evidence;
// without, the finding is inferred from the client's view.
func rulePassiveConnect(in *input) []Finding {
	type group struct {
		modes []string
		facts []Fact
		wire  bool
		icmp  string
		eps   []string
		// n attempts, of which sockets had their own SYN counts.
		n, sockets int
		source     string
	}
	filtered, refused := &group{}, &group{}
	for _, mr := range in.passiveModes() {
		for a := range eachAttempt(mr) {
			var g *group
			switch a.dc.Connect.Outcome {
			case probe.OutcomeTimeout:
				g = filtered
			case probe.OutcomeRefused, probe.OutcomeUnreachable:
				g = refused
			default:
				continue
			}
			if _, ok := in.privateFailed(mr, a.dc); ok {
				continue // pasv-private-address explains it
			}
			ep := a.dc.Dialled
			if ep == "" {
				ep = a.dc.Announced
			}
			if !slices.Contains(g.modes, string(mr.Mode)) {
				g.modes = append(g.modes, string(mr.Mode))
			}
			if !slices.Contains(g.eps, ep) {
				g.eps = append(g.eps, ep)
			}
			g.facts = append(g.facts, stepFact(fmt.Sprintf("%s %s: connect to %s", mr.Mode, a.name, ep), a.dc.Connect))
			g.n++
			if !in.wire {
				if f, ok := socketFact(fmt.Sprintf("%s %s", mr.Mode, a.name), a.dc.Socket); ok && g == filtered {
					g.facts = append(g.facts, f)
					g.sockets++
					g.source = a.dc.Socket.Source
				}
				continue
			}
			cs := in.obs.dataOf(a.dc).conns
			for _, c := range cs {
				g.wire = true
				g.facts = append(g.facts, synFacts(c)...)
				g.facts = append(g.facts, refusalFacts(c)...)
			}
			if len(cs) == 0 && g == filtered {
				g.facts = append(g.facts, Fact{T: a.dc.Connect.T0, Text: in.noSYNText(ep)})
				g.wire = true
			}
			if t := icmpText(cs); t != "" && g.icmp == "" {
				g.icmp = t
			}
		}
	}
	if len(filtered.modes) == 0 && len(refused.modes) == 0 {
		return nil // the rest is the findings' wording
	}
	host := in.controlPeer()
	lo, hi, n := in.passiveRange()
	rangeText := ""
	if n > 0 {
		rangeText = fmt.Sprintf(" Across %s the server announced ports %d-%d; its passive range is probably at least that wide. This is an inference from %s: the configured range may be wider, so check the server's setting (%s) and open all of it.",
			plural(n, "data-connection setup", "data-connection setups"), lo, hi, plural(n, "sample", "samples"), passiveRangeSetting(in.sw))
	}
	fixes := func() []Fix {
		var fx []Fix
		if n > 0 { // no sample, no range: nothing to open or pin
			fx = append(fx, portFixes(host, int(lo), int(hi))...)
			fx = append(fx, passiveRangeFixes(in.sw, lo, hi)...)
		}
		return append(fx, in.clientUseActive()...)
	}
	var out []Finding
	if len(filtered.modes) > 0 {
		eps := strings.Join(filtered.eps, ", ")
		expl := fmt.Sprintf("The server accepted the passive command and announced a port, but the SYNs to %s got no answer before the data timeout: a firewall between here and the server (on the server, its gateway or a cloud security group) drops the passive port range while it lets port %d through.", eps, in.controlPort())
		expl += rangeText
		bySocket := !filtered.wire && filtered.sockets == filtered.n
		switch {
		case bySocket:
			expl += " " + socketNote(filtered.source)
		case !filtered.wire:
			expl += " " + wireNote
		}
		if in.vantage() == "server" {
			expl += " Taken at the server, the capture shows whether the SYNs arrived: if they are in the evidence with no SYN-ACK, the server itself (its INPUT firewall, or nothing listening) did not answer; if none is, they were dropped before reaching it."
		}
		expl = in.withVantage(expl)
		out = append(out, Finding{
			ID:          "passive-port-filtered",
			Severity:    SeverityError,
			Title:       fmt.Sprintf("The passive data ports are filtered: SYNs to %s get no answer", portsOf(filtered.eps)),
			Explanation: expl,
			Action:      rangeAction(host, lo, hi, n),
			Modes:       filtered.modes,
			Inferred:    !filtered.wire && !bySocket,
			Evidence:    filtered.facts,
			Fixes:       fixes(),
		})
	}
	if len(refused.modes) > 0 {
		eps := strings.Join(refused.eps, ", ")
		how := "a TCP reset or an ICMP unreachable came back"
		if refused.icmp != "" {
			how = "the answer was " + refused.icmp
		}
		expl := fmt.Sprintf("Connecting to the announced passive port %s was refused: %s. Either a firewall REJECTs the passive range, or nothing listens there (a NAT forwarding the port to the wrong host, or a server that closed its listener).", eps, how)
		expl += rangeText
		expl = in.withVantage(expl)
		out = append(out, Finding{
			ID:          "passive-port-refused",
			Severity:    SeverityError,
			Title:       fmt.Sprintf("The passive data ports are refused: connecting to %s gets a reset or ICMP error", portsOf(refused.eps)),
			Explanation: expl,
			Action:      rangeAction(host, lo, hi, n),
			Modes:       refused.modes,
			Inferred:    !refused.wire,
			Evidence:    refused.facts,
			Fixes:       fixes(),
		})
	}
	return out
}

func rangeAction(host string, lo, hi uint16, n int) string {
	if n == 0 {
		return "open the server's passive port range to " + host
	}
	if lo == hi {
		return fmt.Sprintf("open TCP port %d to %s (and the rest of the passive range)", lo, host)
	}
	return fmt.Sprintf("open TCP ports %d-%d to %s", lo, hi, host)
}

// clientUseActive advises active mode when an active mode worked.
func (in *input) clientUseActive() []Fix {
	for _, mr := range in.modes() {
		if !mr.Mode.Passive() && modeWorks(mr) {
			return []Fix{{For: "client", Text: "Active mode works from here: until the server side is fixed, use it (FileZilla: Settings > Connection > FTP > Transfer Mode: Active).",
				Lines: []string{"curl --ftp-port - " + in.r.Target.URL}}}
		}
	}
	return nil
}

// clientUsePassive advises passive mode when a passive mode worked.
func (in *input) clientUsePassive() []Fix {
	for _, mr := range in.modes() {
		if mr.Mode.Passive() && modeWorks(mr) {
			return []Fix{{For: "client", Text: "Passive mode works: tell users to use it (ftp -p, curl's default --ftp-pasv, FileZilla: Settings > Connection > FTP > Transfer Mode: Passive).",
				Lines: []string{"ftp -p " + in.r.Target.Host, "curl --ftp-pasv " + in.r.Target.URL}}}
		}
	}
	return nil
}

// portsOf summarises endpoints as "H port P" or "H ports A-B".
func portsOf(eps []string) string {
	var hosts []string
	var ports []uint16
	for _, ep := range eps {
		h, p, ok := hostPort(ep)
		if !ok {
			continue
		}
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
		ports = append(ports, p)
	}
	if len(ports) == 0 {
		return strings.Join(eps, ", ")
	}
	word := "port"
	if len(ports) > 1 && slices.Min(ports) != slices.Max(ports) {
		word = "ports"
	}
	return fmt.Sprintf("%s %s %s", strings.Join(hosts, ", "), word, portList(ports))
}
