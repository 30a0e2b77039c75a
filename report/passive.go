package report

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ftpdiag/ftpdiag/probe"
)

// passiveModes returns the applicable passive modes that got a logged-in
// control connection.
func (in *input) passiveModes() []*probe.ModeResult {
	var out []*probe.ModeResult
	for _, mr := range in.modes() {
		if mr.Mode.Passive() && controlUp(mr) {
			out = append(out, mr)
		}
	}
	return out
}

// setupRefused reports whether the server answered the data-setup command
// with a negative reply that is not a 421 or a TLS demand (other rules own
// those).
func setupRefused(mr *probe.ModeResult) bool {
	s := mr.ListData.Setup
	return s.Outcome == probe.OutcomeReply && s.Reply != nil && s.Reply.Code >= 400 && s.Reply.Code != 421 && !tlsDemand(s.Reply)
}

// rulePassiveDisabled: the server refuses every passive command.
// Decision: every applicable, logged-in passive mode got a negative reply
// to PASV/EPSV (vsftpd pasv_enable=NO answers "550 Permission denied.").
func rulePassiveDisabled(in *input) []Finding {
	pm := in.passiveModes()
	if len(pm) == 0 {
		return nil
	}
	var facts []Fact
	for _, mr := range pm {
		if !setupRefused(mr) {
			return nil
		}
		facts = append(facts, stepFact(string(mr.Mode), mr.ListData.Setup))
	}
	fixes := pick(in.sw, map[string]Fix{
		"vsftpd":           {Text: "Passive mode is off in vsftpd.conf; turn it on and pin a range to open in the firewall.", Lines: []string{"pasv_enable=YES", "pasv_min_port=40000", "pasv_max_port=40100"}},
		"proftpd":          {Text: "Something denies PASV/EPSV (a <Limit PASV EPSV> section); remove it and set a range.", Lines: []string{"PassivePorts 40000 40100"}},
		"pure-ftpd":        {Text: "Set a passive range (-p 40000:40100, PassivePortRange in pure-ftpd.conf).", Lines: []string{"PassivePortRange 40000 40100"}},
		"filezilla-server": {Text: "Enable passive mode and set a custom port range under Server > Configure > Passive mode settings."},
		"iis":              {Text: "Set the data channel port range in IIS Manager > FTP Firewall Support."},
	})
	fixes = append(fixes, in.clientUseActive()...)
	return []Finding{{
		ID:          "passive-disabled",
		Severity:    SeverityError,
		Title:       "The server refuses passive mode (PASV and EPSV)",
		Explanation: "The server answered every passive command with an error: passive mode is switched off in its configuration. Clients behind NAT or a firewall (most clients today) need passive mode.",
		Action:      "enable passive mode on the server",
		Modes:       modeNames(pm),
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// ruleEPSVUnsupported: EPSV refused while PASV set up a data connection.
// Decision: EPSV got a negative reply and PASV got a positive one (if PASV
// was refused too, passive-disabled explains both). It is an error because
// the EPSV mode fails (exit-code contract), though most clients fall back.
func ruleEPSVUnsupported(in *input) []Finding {
	if in.r == nil {
		return nil
	}
	e, p := in.r.Mode(probe.ModeEPSV), in.r.Mode(probe.ModePASV)
	if e == nil || p == nil || !e.Applicable || !p.Applicable || !controlUp(e) || !controlUp(p) {
		return nil
	}
	if !setupRefused(e) || !p.ListData.Setup.OK() {
		return nil
	}
	return []Finding{{
		ID:          "epsv-unsupported",
		Severity:    SeverityError,
		Title:       "The server refuses EPSV while PASV works",
		Explanation: fmt.Sprintf("EPSV was answered with %q while PASV was accepted. Most clients fall back to PASV, but IPv6 needs EPSV, and some clients (curl with --ftp-skip-pasv-ip off, or any client behind an IPv6-only path) do not fall back. A middlebox that does not know EPSV can also cause this.", replyLine(e.ListData.Setup.Reply)),
		Action:      "enable EPSV on the server, or make clients use PASV",
		Modes:       []string{string(probe.ModeEPSV)},
		Evidence:    []Fact{stepFact("EPSV", e.ListData.Setup), stepFact("PASV", p.ListData.Setup)},
		Fixes: []Fix{
			{For: "client", Text: "Make the client use PASV: curl --disable-epsv, lftp set ftp:prefer-epsv no.", Lines: []string{"curl --disable-epsv " + in.r.Target.URL}},
			{For: "generic-firewall", Text: "If a firewall or ALG sits in front of the server, check it passes EPSV unchanged."},
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
	}
	priv, foreign := &group{}, &group{}
	peer := in.controlPeer()
	for _, mr := range in.passiveModes() {
		cp := addrOf(mr.ControlRemote)
		for _, a := range attempts(mr) {
			if !a.dc.Setup.OK() || a.dc.Announced == "" {
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
		case priv.worked:
			expl += fmt.Sprintf(" ftpdiag dialled %s with the announced port instead (as curl and FileZilla do) and that worked, but clients that trust the reply (classic command-line ftp, some libraries, browsers' and file managers' FTP) will try %s and fail.", peer, a)
		case priv.notDialed:
			expl += " ftpdiag did not dial the announced address, so this mode could not be tested."
		}
		f := Finding{
			ID:          "pasv-private-address",
			Severity:    sev,
			Title:       fmt.Sprintf("The server announces its private address %s in passive replies", a),
			Explanation: expl,
			Action:      pasvAddressAction(in.sw, peer),
			Modes:       priv.modes,
			Evidence:    priv.facts,
			Fixes:       append(pasvAddressFixes(in.sw, peer, in.r.Target.Host), natRangeFixes(in, priv.addrs[0], peer)...),
		}
		out = append(out, f)
	}
	if len(foreign.addrs) > 0 {
		sev := SeverityWarning
		if foreign.notDialed {
			sev = SeverityError
		}
		a := strings.Join(foreign.addrs, ", ")
		expl := fmt.Sprintf("The server's passive replies announce %s, a routable address other than the one the client connected to (%s). This is either a misconfigured external address (pasv_address and kin) or a cluster that hands data connections to another host. Connecting to an address taken from a reply is what FTP bounce attacks abuse, so ftpdiag only dials it with --trust-pasv-address.", a, peer)
		if foreign.worked {
			expl += fmt.Sprintf(" Dialling %s with the announced port worked.", peer)
		}
		f := Finding{
			ID:          "pasv-foreign-address",
			Severity:    sev,
			Title:       fmt.Sprintf("The server announces a different public address %s in passive replies", a),
			Explanation: expl,
			Action:      pasvAddressAction(in.sw, peer),
			Modes:       foreign.modes,
			Evidence:    foreign.facts,
			Fixes:       pasvAddressFixes(in.sw, peer, in.r.Target.Host),
		}
		f.Fixes = append(f.Fixes, Fix{For: "client", Text: "If the other address is intended (a cluster), probe again with --trust-pasv-address to test it."})
		out = append(out, f)
	}
	return out
}

func pasvAddressAction(sw, peer string) string {
	switch sw {
	case "vsftpd":
		return "set pasv_address=" + peer
	case "proftpd":
		return "set MasqueradeAddress " + peer
	case "pure-ftpd":
		return "set ForcePassiveIP " + peer
	}
	return "configure the server's external address " + peer
}

// pasvAddressFixes tells each server to announce the public address.
func pasvAddressFixes(sw, peer, host string) []Fix {
	vs := Fix{Text: "Tell vsftpd its public address in vsftpd.conf, then restart it.", Lines: []string{"pasv_address=" + peer}}
	if _, err := netip.ParseAddr(host); err != nil && host != "" {
		vs.Text = "Tell vsftpd its public address in vsftpd.conf (or the host name, resolved at start-up, with pasv_addr_resolve), then restart it."
		vs.Lines = []string{"pasv_address=" + peer, "# or: pasv_address=" + host, "#     pasv_addr_resolve=YES"}
	}
	fixes := pick(sw, map[string]Fix{
		"vsftpd":           vs,
		"proftpd":          {Text: "Tell ProFTPD its public address in proftpd.conf.", Lines: []string{"MasqueradeAddress " + peer}},
		"pure-ftpd":        {Text: "Start Pure-FTPd with -P " + peer + ", or set ForcePassiveIP in pure-ftpd.conf (Debian: /etc/pure-ftpd/conf/ForcePassiveIP).", Lines: []string{"ForcePassiveIP " + peer}},
		"filezilla-server": {Text: "FileZilla Server: Server > Configure > Passive mode settings > Public IPv4 > Use the following IP: " + peer + "."},
		"iis":              {Text: "IIS Manager > the server > FTP Firewall Support > External IP Address of Firewall: " + peer + ", then restart the FTP service."},
	})
	return append(fixes, Fix{For: "client", Text: "Until the server is fixed, use a client that ignores the 227 address and reuses the control address: curl does by default (--ftp-skip-pasv-ip), FileZilla does when the announced address is private."})
}

// natRangeFixes: with the server behind NAT, the passive range must also be
// forwarded to it.
func natRangeFixes(in *input, private, public string) []Fix {
	lo, hi, n := in.passiveRange()
	if n == 0 {
		return nil
	}
	rng := fmt.Sprintf("%d:%d", lo, hi)
	if lo == hi {
		rng = fmt.Sprint(lo)
	}
	return []Fix{{For: "iptables", Text: fmt.Sprintf("On the NAT gateway, forward the passive range (inferred from %s) as well as port 21 to the server:", plural(n, "announced port", "announced ports")),
		Lines: []string{fmt.Sprintf("iptables -t nat -A PREROUTING -p tcp -d %s --dport %s -j DNAT --to-destination %s", public, rng, private)}}}
}

// passiveRange infers the server's passive port range from every port it
// announced (each passive mode sets up a data connection for LIST and one
// for RETR). n is the number of samples.
func (in *input) passiveRange() (lo, hi uint16, n int) {
	var ports []uint16
	for _, mr := range in.passiveModes() {
		for _, a := range attempts(mr) {
			if a.dc.Setup.OK() {
				ports = append(ports, portOf(a.dc.Announced))
			}
		}
		for _, sm := range mr.PasvSamples {
			ports = append(ports, portOf(sm.Announced))
		}
	}
	for _, p := range ports {
		if p == 0 {
			continue
		}
		if n == 0 || p < lo {
			lo = p
		}
		hi = max(hi, p)
		n++
	}
	return lo, hi, n
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
	}
	filtered, refused := &group{}, &group{}
	for _, mr := range in.passiveModes() {
		for _, a := range attempts(mr) {
			var g *group
			switch a.dc.Connect.Outcome {
			case probe.OutcomeTimeout:
				g = filtered
			case probe.OutcomeRefused, probe.OutcomeUnreachable:
				g = refused
			default:
				continue
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
			if !in.wire {
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
	host := in.controlPeer()
	lo, hi, n := in.passiveRange()
	rangeText := ""
	if n > 0 {
		rangeText = fmt.Sprintf(" Across %s the server announced ports %d-%d; its passive range is probably at least that wide. This is an inference from %s: the configured range may be wider, so check the server's setting (vsftpd pasv_min_port/pasv_max_port) and open all of it.",
			plural(n, "data-connection setup", "data-connection setups"), lo, hi, plural(n, "sample", "samples"))
	}
	fixes := func() []Fix {
		var fx []Fix
		if n > 0 {
			fx = append(fx, portFixes(host, int(lo), int(hi))...)
		}
		fx = append(fx, pick(in.sw, map[string]Fix{
			"vsftpd":           {Text: "Pin the passive range in vsftpd.conf so that the firewall rule can match it exactly.", Lines: []string{fmt.Sprintf("pasv_min_port=%d", lo), fmt.Sprintf("pasv_max_port=%d", hi)}},
			"proftpd":          {Text: "Pin the passive range in proftpd.conf.", Lines: []string{fmt.Sprintf("PassivePorts %d %d", lo, hi)}},
			"pure-ftpd":        {Text: "Pin the passive range (-p A:B or PassivePortRange).", Lines: []string{fmt.Sprintf("PassivePortRange %d %d", lo, hi)}},
			"filezilla-server": {Text: "Pin the range under Server > Configure > Passive mode settings > Use custom port range."},
			"iis":              {Text: "Pin the range in IIS Manager > FTP Firewall Support > Data Channel Port Range."},
		})...)
		return append(fx, in.clientUseActive()...)
	}
	var out []Finding
	if len(filtered.modes) > 0 {
		eps := strings.Join(filtered.eps, ", ")
		expl := fmt.Sprintf("The server accepted the passive command and announced a port, but the SYNs to %s got no answer before the data timeout: a firewall between here and the server (on the server, its gateway or a cloud security group) drops the passive port range while it lets port %d through.", eps, in.r.Target.Port)
		expl += rangeText
		if !filtered.wire {
			expl += " " + wireNote
		}
		out = append(out, Finding{
			ID:          "passive-port-filtered",
			Severity:    SeverityError,
			Title:       fmt.Sprintf("The passive data ports are filtered: SYNs to %s get no answer", portsOf(filtered.eps)),
			Explanation: expl,
			Action:      rangeAction(host, lo, hi, n),
			Modes:       filtered.modes,
			Inferred:    !filtered.wire,
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
		if !mr.Mode.Passive() && mr.Works {
			return []Fix{{For: "client", Text: "Active mode works from here: until the server side is fixed, use it (FileZilla: Settings > Connection > FTP > Transfer Mode: Active).",
				Lines: []string{"curl --ftp-port - " + in.r.Target.URL}}}
		}
	}
	return nil
}

// clientUsePassive advises passive mode when a passive mode worked.
func (in *input) clientUsePassive() []Fix {
	for _, mr := range in.modes() {
		if mr.Mode.Passive() && mr.Works {
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
