package report

import (
	"fmt"
	"strconv"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// ruleDNSFailed: the host name did not resolve, so nothing else ran.
// Decision: Result.Resolve.Outcome is dns-failed.
func ruleDNSFailed(in *input) []Finding {
	if in.r == nil || in.r.Resolve.Outcome != probe.OutcomeDNS {
		return nil
	}
	h := in.r.Target.Host
	return []Finding{{
		ID:          "dns-failed",
		Severity:    SeverityError,
		Title:       fmt.Sprintf("The host name %s does not resolve", h),
		Explanation: fmt.Sprintf("Looking up %s failed, so no connection was attempted and no data mode could be tested. Check the spelling, the DNS records and this machine's resolver.", h),
		Action:      "fix the host name or its DNS records",
		Modes:       allProbed(in),
		Evidence:    []Fact{stepFact("resolve "+h, in.r.Resolve)},
		Fixes: []Fix{
			{For: "client", Text: "Check the name resolves from here, or probe the IP address directly.", Lines: []string{"getent hosts " + h, "dig +short " + h}},
		},
	}}
}

// allProbed names every applicable mode.
func allProbed(in *input) []string { return modeNames(in.modes()) }

// ruleControlConnect: the TCP connection to the control port failed.
// Decision order, per mode's control connect step: timeout -> control-filtered
// (SYN unanswered: a firewall drops it); refused or unreachable ->
// control-refused (nothing listens, or a firewall rejects). Modes with the
// same outcome share one finding. The capture adds SYN counts, RSTs, ICMP.
func ruleControlConnect(in *input) []Finding {
	if in.r == nil {
		return nil
	}
	var filtered, refused []*probe.ModeResult
	for _, mr := range in.modes() {
		switch mr.Connect.Outcome {
		case probe.OutcomeTimeout:
			filtered = append(filtered, mr)
		case probe.OutcomeRefused, probe.OutcomeUnreachable:
			refused = append(refused, mr)
		}
	}
	var out []Finding
	addr := in.r.Target.Address()
	if len(filtered) > 0 {
		f := Finding{
			ID:       "control-filtered",
			Severity: SeverityError,
			Title:    fmt.Sprintf("Nothing answers on the control port %s", addr),
			Explanation: fmt.Sprintf("The SYNs to %s got no answer before the connect timeout: a firewall on the way drops them, the host is down, or the address is wrong. No data mode could be tested.",
				addr),
			Action: fmt.Sprintf("open TCP port %d to %s", in.r.Target.Port, in.r.Target.Host),
			Modes:  modeNames(filtered),
		}
		f.Evidence, f.Inferred = in.controlWire(filtered, "SYN-ACK")
		if f.Inferred {
			f.Explanation += " " + wireNote
		}
		f.Fixes = portFixes(in.controlPeer(), in.r.Target.Port, in.r.Target.Port)
		out = append(out, f)
	}
	if len(refused) > 0 {
		f := Finding{
			ID:          "control-refused",
			Severity:    SeverityError,
			Title:       fmt.Sprintf("The control port %s refuses connections", addr),
			Explanation: fmt.Sprintf("Connecting to %s was refused (a TCP reset or an ICMP unreachable): no FTP server listens on that port, or a firewall rejects the connection. No data mode could be tested.", addr),
			Action:      fmt.Sprintf("start the FTP server on port %d or let the port through", in.r.Target.Port),
			Modes:       modeNames(refused),
		}
		f.Evidence, _ = in.controlWire(refused, "RST")
		f.Fixes = []Fix{
			{For: "generic-firewall", Text: fmt.Sprintf("Check that the FTP server runs and listens on port %d, and that no firewall rule rejects it.", in.r.Target.Port),
				Lines: []string{fmt.Sprintf("ss -ltnp 'sport = :%d'", in.r.Target.Port)}},
			{For: "client", Text: "Check the port in the URL: FTP's control port is 21 unless the server was moved."},
		}
		out = append(out, f)
	}
	return out
}

// controlWire gathers the control-connect evidence of the modes: the probe's
// steps and, with a capture, the SYNs, RSTs and ICMP errors. inferred is
// true when no capture backs it.
func (in *input) controlWire(mrs []*probe.ModeResult, _ string) (facts []Fact, inferred bool) {
	seen := false
	for _, mr := range mrs {
		facts = append(facts, stepFact(string(mr.Mode)+" control connect to "+in.r.Target.Address(), mr.Connect))
		for _, c := range in.obs.controlOf(mr).conns {
			seen = true
			facts = append(facts, synFacts(c)...)
			facts = append(facts, refusalFacts(c)...)
		}
	}
	return facts, !seen
}

// ruleLoginFailed: the server rejected the login. Decision: a mode's first
// failure is the login's reply and it means auth-failed (530 to USER/PASS
// and kin: the credentials) or disabled (vsftpd "530 Permission denied.",
// "530 This FTP server is anonymous only.": this user may not log in, by
// the server's configuration, whatever the password). A connection limit
// worded as a 530 (ProFTPD) is server-busy, a demand for TLS
// tls-required, an account to give login-account-needed: their meanings
// differ.
func ruleLoginFailed(in *input) []Finding {
	refused, mrs, facts, rep := in.loginRefusals(ftp.MeaningAuthFailed, ftp.MeaningDisabled)
	policy := true
	for _, f := range refused {
		policy = policy && f.in.Meaning == ftp.MeaningDisabled
	}
	if len(mrs) == 0 {
		return nil
	}
	user := in.r.Target.User
	anon := user == "" || user == "anonymous" || user == "ftp"
	fixes := []Fix{{For: "client", Text: fmt.Sprintf("Check the user name %q and the password (given by %s).", user, orDash(in.r.Target.PasswordSource))}}
	if policy {
		fixes = []Fix{{For: "client", Text: fmt.Sprintf("Ask the server's administrator whether %q may log in here, or use a user that may.", user)}}
	}
	if anon {
		fixes = append(fixes, pick(in.sw, map[string]Fix{
			"vsftpd":    {Text: "Anonymous login is off in vsftpd: enable it only if it is wanted.", Lines: []string{"anonymous_enable=YES"}},
			"proftpd":   {Text: "Anonymous login needs an <Anonymous> section in proftpd.conf."},
			"pure-ftpd": {Text: "Pure-FTPd refuses anonymous logins with -E (NoAnonymous yes); drop it only if anonymous access is wanted."},
			"pyftpdlib": {Text: "pyftpdlib accepts anonymous logins only when the authorizer has them.", Lines: []string{"authorizer.add_anonymous(homedir)"}},
		})...)
	} else {
		fixes = append(fixes, pick(in.sw, map[string]Fix{
			"vsftpd": {Text: "For a local user, vsftpd needs local_enable=YES, and the user must not be listed in /etc/ftpusers (or excluded by userlist_file).", Lines: []string{"local_enable=YES"}},
		})...)
	}
	expl := fmt.Sprintf("The server answered the login with %q. This is not a network problem: no data mode could be tested until the credentials are accepted.", rep)
	action := "check the user name and password"
	if policy {
		expl = fmt.Sprintf("The server answered the login with %q: its configuration does not let this user log in, whatever the password. This is not a network problem: no data mode could be tested.", rep)
		action = "check that the server lets this user log in"
	}
	return []Finding{{
		ID:          "login-failed",
		Severity:    SeverityError,
		Title:       fmt.Sprintf("The server rejected the login for %q", user),
		Explanation: expl,
		Action:      action,
		Modes:       mrs,
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// ruleLoginAccountNeeded: the server wants an account (ACCT) after the
// password. Decision: a mode's first failure is the login's reply and it
// means account-needed (332, 532). The password may well be right.
func ruleLoginAccountNeeded(in *input) []Finding {
	_, mrs, facts, rep := in.loginRefusals(ftp.MeaningAccountNeeded)
	if len(mrs) == 0 {
		return nil
	}
	return []Finding{{
		ID:          "login-account-needed",
		Severity:    SeverityError,
		Title:       fmt.Sprintf("The server wants an account (ACCT) to log in %q", in.r.Target.User),
		Explanation: fmt.Sprintf("The server answered the login with %q: it asks for an ACCT command naming an account after the user name and password (RFC 959). This is not a rejected password. ftpdiag does not send ACCT, so no data mode could be tested.", rep),
		Action:      "log in with the account the server asks for",
		Modes:       mrs,
		Evidence:    facts,
		Fixes: []Fix{
			{For: "client", Text: "Give the account to a client that sends ACCT (curl --ftp-account NAME), or ask the server's administrator which account to use or to drop the requirement.",
				Lines: []string{"curl --ftp-account ACCOUNT " + in.r.Target.URL}},
		},
	}}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// portFixes opens TCP ports lo..hi to host on the usual firewalls.
func portFixes(host string, lo, hi int) []Fix {
	ipt, dash := strconv.Itoa(lo), strconv.Itoa(lo)
	if hi != lo {
		ipt = fmt.Sprintf("%d:%d", lo, hi)
		dash = fmt.Sprintf("%d-%d", lo, hi)
	}
	return []Fix{
		{For: "iptables", Text: "On the server (INPUT) or on a gateway in front of it (FORWARD), accept the ports:",
			Lines: []string{
				fmt.Sprintf("iptables -A INPUT -p tcp --dport %s -j ACCEPT", ipt),
				fmt.Sprintf("iptables -A INPUT -p tcp --dport %s -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT", ipt),
				fmt.Sprintf("iptables -A FORWARD -p tcp -d %s --dport %s -j ACCEPT", host, ipt),
			}},
		{For: "nftables", Text: "With nftables (table inet filter, chain input; use the forward chain on a gateway):",
			Lines: []string{fmt.Sprintf("nft add rule inet filter input tcp dport %s accept", dash)}},
		{For: "firewalld", Text: "With firewalld:",
			Lines: []string{fmt.Sprintf("firewall-cmd --permanent --add-port=%s/tcp", dash), "firewall-cmd --reload"}},
		{For: "ufw", Text: "With ufw:",
			Lines: []string{fmt.Sprintf("ufw allow %s/tcp", ipt)}},
		{For: "generic-firewall", Text: fmt.Sprintf("On any other firewall or cloud security group: open TCP ports %s to host %s.", dash, host)},
	}
}

// loginRefusals gathers the modes whose first failure is the login's reply
// with one of meanings: the refusals, their modes, one fact each, and the
// first reply line to quote.
func (in *input) loginRefusals(meanings ...ftp.Meaning) (refused []failedReply, mrs []string, facts []Fact, rep string) {
	for _, f := range in.failedReplies(meanings...) {
		if !f.is("login") {
			continue
		}
		refused = append(refused, f)
		mrs = append(mrs, string(f.mr.Mode))
		facts = append(facts, stepFact(fmt.Sprintf("%s login as %s (%s)", f.mr.Mode, in.r.Target.User, f.verb), f.st))
		if rep == "" {
			rep = replyLine(f.st.Reply)
		}
	}
	return refused, mrs, facts, rep
}
