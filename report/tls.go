package report

import (
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// secure reports whether the run asked for TLS on the control connection
// (ftpes://, ftps://, --tls explicit or implicit; not --tls auto).
func (in *input) secure() bool {
	if t := in.r.TLS; t != nil {
		return t.Requested == probe.TLSExplicit || t.Requested == probe.TLSImplicit
	}
	s := strings.ToLower(in.r.Target.Scheme)
	return s == "ftps" || s == "ftpes"
}

// usedTLS reports whether the control connections ran under TLS.
func (in *input) usedTLS() bool {
	return in.r != nil && in.r.TLS != nil && (in.r.TLS.Mode == probe.TLSExplicit || in.r.TLS.Mode == probe.TLSImplicit)
}

// tlsReplyMeaning reports whether a reply to verb asks for TLS or for TLS
// session reuse (ftp.Interpret decides).
func tlsReplyMeaning(verb string, s probe.Step) bool {
	m := interpret(verb, s).Meaning
	return m == ftp.MeaningTLSRequired || m == ftp.MeaningTLSReuseRequired
}

// tlsOutcome reports whether an outcome is a TLS failure.
func tlsOutcome(o probe.Outcome) bool {
	switch o {
	case probe.OutcomeTLS, probe.OutcomeTLSHandshake, probe.OutcomeTLSCertificate, probe.OutcomeTLSResumption:
		return true
	}
	return false
}

// ruleTLSRequired: a plain-text run met a server that demands TLS.
// Decision: the run was plain (ftp:// with --tls off, or auto when the
// server refused AUTH TLS) and a banner, login or data-setup reply asks for
// encryption (its meaning is tls-required, from ftp.Interpret; the probe
// marks such a login tls-required).
func ruleTLSRequired(in *input) []Finding {
	if in.r == nil || in.secure() || in.usedTLS() {
		return nil
	}
	var mrs []*probe.ModeResult
	var facts []Fact
	for _, mr := range in.modes() {
		for _, s := range []struct {
			what string
			verb string
			st   probe.Step
		}{{"banner", ftp.Greeting, mr.Banner}, {"login", loginVerb(mr, mr.Login), mr.Login}, {"data setup", setupVerb(mr.Mode), mr.ListData.Setup}} {
			if s.st.Outcome == probe.OutcomeTLSRequired || (s.st.Outcome == probe.OutcomeReply && interpret(s.verb, s.st).Meaning == ftp.MeaningTLSRequired) {
				mrs = append(mrs, mr)
				facts = append(facts, stepFact(string(mr.Mode)+" "+s.what, s.st))
				break
			}
		}
	}
	if len(mrs) == 0 {
		return nil
	}
	u := "ftpes://" + strings.TrimPrefix(in.r.Target.URL, "ftp://")
	return []Finding{{
		ID:          "tls-required",
		Severity:    SeverityError,
		Title:       "The server demands TLS (FTPS) and the probe ran in plain text",
		Explanation: "The server refused a plain-text session and asked for encryption. This is server policy, not a network fault: clients must use explicit FTPS (AUTH TLS).",
		Action:      "connect with explicit FTPS (AUTH TLS)",
		Modes:       modeNames(mrs),
		Evidence:    facts,
		Fixes: []Fix{
			{For: "client", Text: "Use explicit FTPS: curl --ssl-reqd, lftp with ftp:ssl-force, FileZilla \"Require explicit FTP over TLS\"; probe again with the TLS URL.",
				Lines: []string{"curl --ssl-reqd --list-only " + in.r.Target.URL, "ftpdiag probe " + u}},
		},
	}}
}

// handshakeFailed reports whether a control TLS handshake step (AUTH TLS
// and the handshake) failed for a reason of TLS or the network: not a
// refused certificate (tls-certificate-invalid), not an interrupted run.
func handshakeFailed(st probe.Step) bool {
	switch st.Outcome {
	case "", probe.OutcomeOK, probe.OutcomeSkipped, probe.OutcomeNotApplicable, probe.OutcomeTLSCertificate, probe.OutcomeInterrupted:
		return false
	}
	return true
}

// ruleTLSUnavailable: TLS was asked for and could not be had. Decision: the
// run asked for TLS and either AUTH TLS got a negative reply (transcript)
// or a control handshake failed (handshakeFailed; outcome tls or
// tls-handshake on the connect, banner or login steps of implicit TLS).
// With --tls auto a refused AUTH TLS is no finding (the run goes on in
// plain text), but a handshake that fails after the server accepted AUTH
// TLS is: the session cannot return to plain text, and nothing else would
// show why it never logged in.
func ruleTLSUnavailable(in *input) []Finding {
	if in.r == nil {
		return nil
	}
	if in.an != nil {
		return in.authRefusedCaptured() // nologin.go
	}
	auto := in.r.TLS != nil && in.r.TLS.Requested == probe.TLSAuto
	if !in.secure() && !auto {
		return nil
	}
	var mrs []*probe.ModeResult
	var facts []Fact
	for _, mr := range in.modes() {
		hit := false
		for _, ex := range mr.Transcript {
			if auto {
				break
			}
			if strings.HasPrefix(strings.ToUpper(ex.Command), "AUTH ") && ex.Reply != nil && ex.Reply.Code >= 400 {
				facts = append(facts, Fact{T: ex.T, Text: fmt.Sprintf("%s: %s -> %s", mr.Mode, ex.Command, replyLine(ex.Reply))})
				hit = true
				break
			}
		}
		if !hit {
			var hs probe.Step
			if mr.TLS != nil {
				hs = mr.TLS.Handshake
			}
			for _, s := range []struct {
				what string
				st   probe.Step
			}{{"connect", mr.Connect}, {"TLS handshake", hs}, {"banner", mr.Banner}, {"login", mr.Login}} {
				if s.st.Outcome == probe.OutcomeTLS || s.st.Outcome == probe.OutcomeTLSHandshake || (s.what == "TLS handshake" && handshakeFailed(s.st)) {
					facts = append(facts, stepFact(string(mr.Mode)+" "+s.what, s.st))
					hit = true
					break
				}
			}
		}
		if hit {
			mrs = append(mrs, mr)
		}
	}
	if len(mrs) == 0 {
		return nil
	}
	fixes := tlsEnableFixes(in.sw)
	title := "TLS was requested and the server could not provide it"
	expl := "The server refused AUTH TLS or the TLS handshake failed, so no encrypted session could be set up."
	client := "If plain FTP is acceptable on this network, probe with ftp:// to test the data modes."
	if auto {
		title = "The server offered TLS but the TLS handshake failed"
		expl = "The server accepted AUTH TLS, then the TLS handshake on the control connection failed, so the session never logged in: once AUTH TLS is accepted the connection cannot go back to plain text. The evidence quotes the failed handshake; the server's TLS setup (certificate, key, versions, ciphers) is the place to look."
		client = "If plain FTP is acceptable on this network, probe with --tls off to test the data modes."
	}
	fixes = append(fixes, Fix{For: "client", Text: client})
	return []Finding{{
		ID:          "tls-unavailable",
		Severity:    SeverityError,
		Title:       title,
		Explanation: expl,
		Action:      "enable TLS on the server",
		Modes:       modeNames(mrs),
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// ruleDataTLSFailed: the data connection opened but TLS on it failed.
// Decision (data connections refused for not resuming the control session
// are data-tls-not-resumed's, tlsresume.go): a data TLS handshake, data
// connect or transfer step with a TLS
// outcome (tls, tls-handshake, tls-certificate, tls-resumption), or a
// transfer reply that names TLS/SSL (vsftpd "522 SSL connection failed:
// session reuse required").
func ruleDataTLSFailed(in *input) []Finding {
	var mrs []*probe.ModeResult
	var facts []Fact
	reuse := false
	for _, mr := range in.modes() {
		hit := false
		for a := range eachAttempt(mr) {
			if in.reuseAttempt(mr, a) {
				continue // data-tls-not-resumed (tlsresume.go)
			}
			steps := []probe.Step{a.dc.Connect, a.tr.Step}
			if a.dc.TLS != nil {
				steps = []probe.Step{a.dc.Connect, a.dc.TLS.Handshake}
			}
			for _, s := range steps {
				if tlsOutcome(s.Outcome) || (s.Outcome == probe.OutcomeReply && tlsReplyMeaning(transferVerb(a.tr.Command, a.name), s)) {
					reuse = reuse || s.Outcome == probe.OutcomeTLSResumption
					facts = append(facts, stepFact(fmt.Sprintf("%s %s data connection", mr.Mode, a.name), s))
					reuse = reuse || replyHas(s.Reply, "reuse")
					hit = true
				}
			}
			if a.tr.Final != nil && a.tr.Final.Code >= 400 && replyHas(a.tr.Final, "ssl", "tls") {
				facts = append(facts, Fact{T: a.tr.Step.T, Text: fmt.Sprintf("%s %s final reply: %s", mr.Mode, a.name, replyLine(a.tr.Final))})
				reuse = reuse || replyHas(a.tr.Final, "reuse")
				hit = true
			}
		}
		if hit {
			mrs = append(mrs, mr)
		}
	}
	if len(mrs) == 0 {
		return nil
	}
	expl := "The data connection opened but the TLS handshake on it failed. Servers commonly require the data connection to resume the control connection's TLS session (vsftpd require_ssl_reuse), or a protection level (PROT P) the client did not set."
	if reuse {
		expl = "The server requires the data connection's TLS session to resume the control connection's session, and the client's data handshake did not."
	}
	fixes := pick(in.sw, map[string]Fix{
		"vsftpd":    {Text: "Clients that cannot resume TLS sessions fail with require_ssl_reuse=YES; turn it off if such clients must work.", Lines: []string{"require_ssl_reuse=NO"}},
		"proftpd":   {Text: "Relax mod_tls session reuse if old clients must work.", Lines: []string{"TLSOptions NoSessionReuseRequired"}},
		"pure-ftpd": {Text: "Check the TLS cipher list (TLSCipherSuite) and that clients send PROT P."},
	})
	fixes = append(fixes, Fix{For: "client", Text: "Use a client that resumes the control session on data connections (curl, lftp, FileZilla do)."})
	return []Finding{{
		ID:          "data-tls-failed",
		Severity:    SeverityError,
		Title:       "TLS on the data connection failed",
		Explanation: expl,
		Action:      "allow data connections without TLS session reuse, or use a client that resumes sessions",
		Modes:       modeNames(mrs),
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// ruleTLSCertInvalid: the server's certificate is expired, not yet
// valid, issued for another name, or not signed by a trusted CA.
// Decision: the probe's certificate facts (Result.TLS.Certificate) fail a
// check. Severity is error when the probe stopped because of it (a control
// handshake with outcome tls-certificate: strict explicit/implicit run),
// warning when it went on (--insecure, or --tls auto, which would otherwise
// have run in plain text).
func ruleTLSCertInvalid(in *input) []Finding {
	if in.r == nil || in.r.TLS == nil || in.r.TLS.Certificate == nil || in.r.TLS.Certificate.Valid() {
		return nil
	}
	c := in.r.TLS.Certificate
	var mrs []*probe.ModeResult
	var facts []Fact
	for _, mr := range in.modes() {
		if mr.TLS != nil && mr.TLS.Handshake.Outcome == probe.OutcomeTLSCertificate {
			mrs = append(mrs, mr)
			if len(facts) == 0 {
				facts = append(facts, stepFact(string(mr.Mode)+" TLS handshake", mr.TLS.Handshake))
			}
		}
	}
	var problems []string
	if c.Expired {
		problems = append(problems, "it expired on "+c.NotAfter.Format("2006-01-02"))
	}
	if c.NotYetValid {
		problems = append(problems, "it is not valid before "+c.NotBefore.Format("2006-01-02"))
	}
	if !c.NameMatches {
		names := append(append([]string{}, c.DNSNames...), c.IPAddresses...)
		problems = append(problems, fmt.Sprintf("it names %s, not %s", orDash(strings.Join(names, ", ")), c.ServerName))
	}
	if !c.Trusted {
		issuer := "its issuer " + c.Issuer
		if c.SelfSigned {
			issuer = "it is self-signed"
		}
		problems = append(problems, fmt.Sprintf("%s is not trusted (roots: %s)", issuer, c.Roots))
	}
	facts = append(facts, Fact{Text: fmt.Sprintf("certificate: subject %s, issuer %s, SANs %s, valid %s to %s, sha256 %s",
		c.Subject, c.Issuer, orDash(strings.Join(append(append([]string{}, c.DNSNames...), c.IPAddresses...), ", ")),
		c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"), c.SHA256)})
	if c.VerifyError != "" {
		facts = append(facts, Fact{Text: "verification: " + c.VerifyError})
	}
	sev := SeverityWarning
	expl := "The server's TLS certificate does not verify: " + joinAnd(problems) + ". The probe went on (--insecure, or --tls auto), but clients that verify certificates will refuse to connect."
	if len(mrs) > 0 {
		sev = SeverityError
		expl = "The server's TLS certificate does not verify: " + joinAnd(problems) + ". The probe stopped before logging in, as a verifying client does; --insecure goes on."
	}
	fixes := pick(in.sw, map[string]Fix{
		"vsftpd":           {Text: "Install a certificate issued for " + c.ServerName + " by a trusted CA (e.g. Let's Encrypt), then restart vsftpd.", Lines: []string{"rsa_cert_file=/etc/ssl/certs/ftp.pem", "rsa_private_key_file=/etc/ssl/private/ftp.key"}},
		"proftpd":          {Text: "Install a certificate issued for " + c.ServerName + " by a trusted CA.", Lines: []string{"TLSRSACertificateFile /etc/ssl/certs/ftp.pem", "TLSRSACertificateKeyFile /etc/ssl/private/ftp.key"}},
		"pure-ftpd":        {Text: "Put a certificate for " + c.ServerName + " and its key in /etc/ssl/private/pure-ftpd.pem and restart Pure-FTPd."},
		"filezilla-server": {Text: "Server > Configure > FTP and FTP over TLS: install a certificate for " + c.ServerName + " (FileZilla Server can get one from Let's Encrypt)."},
		"iis":              {Text: "Bind a certificate for " + c.ServerName + " in IIS Manager > FTP SSL Settings."},
	})
	fixes = append(fixes, Fix{For: "client", Text: "Connect with the name the certificate was issued for, or trust the server's CA explicitly (ftpdiag --ca-file, curl --cacert); --insecure only to diagnose."})
	return []Finding{{
		ID:          "tls-certificate-invalid",
		Severity:    sev,
		Title:       "The server's TLS certificate does not verify",
		Explanation: expl,
		Action:      "install a valid certificate for " + c.ServerName,
		Modes:       modeNames(mrs),
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// ruleALGFTPSConflict: passive mode works in plain text only because a
// middlebox (an FTP ALG: the Linux conntrack FTP helper, Cisco "inspect
// ftp", SOHO routers) rewrites the 227 reply and opens the data port; under
// TLS it cannot read the control channel. Decision: a TLS run with a plain
// comparison (Result.Plain, --tls auto) where, for PASV or EPSV, the plain
// 227 address is routable while the TLS one is unroutable, or the mode
// works in plain text and its data connection fails under TLS.
func ruleALGFTPSConflict(in *input) []Finding {
	if in.r == nil || !in.usedTLS() || len(in.r.Plain) == 0 {
		return nil
	}
	var mrs []*probe.ModeResult
	var facts []Fact
	var private, public string
	for i := range in.r.Plain {
		p := &in.r.Plain[i]
		mr := in.r.Mode(p.Mode)
		if mr == nil || !mr.Applicable || !controlUp(mr) || !controlUp(p) {
			continue
		}
		pa, ta := addrOf(p.ListData.Announced), addrOf(mr.ListData.Announced)
		rewritten := p.Mode == probe.ModePASV && pa.IsValid() && ta.IsValid() && pa != ta && !unroutable(pa) && unroutable(ta)
		lost := p.Works && !mr.Works && !mr.ListData.Connect.OK()
		if !rewritten && !lost {
			continue
		}
		mrs = append(mrs, mr)
		if rewritten {
			private, public = ta.String(), pa.String()
		}
		facts = append(facts,
			Fact{T: p.ListData.Setup.T, Text: fmt.Sprintf("%s in plain text: %s; data connection to %s: %s", p.Mode, replyLine(p.ListData.Setup.Reply), orDash(p.ListData.Dialled), stepText(p.ListData.Connect))},
			Fact{T: mr.ListData.Setup.T, Text: fmt.Sprintf("%s under TLS: %s; data connection to %s: %s", mr.Mode, replyLine(mr.ListData.Setup.Reply), orDash(mr.ListData.Dialled), stepText(mr.ListData.Connect))})
	}
	if len(mrs) == 0 {
		return nil
	}
	peer := in.controlPeer()
	if public == "" {
		public = peer
	}
	expl := "Passive mode works in plain text but not under TLS. "
	if private != "" {
		expl = fmt.Sprintf("In plain text the 227 reply announces %s, under TLS %s: the server announces its private address and a middlebox between here and the server (an FTP ALG such as the Linux conntrack FTP helper or a router's \"FTP inspection\") rewrites it, and opens the data port, only when it can read the control channel. ", public, private)
	}
	expl += "Once the control channel is encrypted (FTPS) the ALG is blind: it neither rewrites the address nor opens the passive port, so every FTPS client fails while plain FTP \"has always worked\"."
	lo, hi, n := in.passiveRangeWithPlain() // the plain run's ports widen the inferred range
	lines := []string{"pasv_address=" + public}
	proLines, pureLines := []string{"MasqueradeAddress " + public}, []string{"ForcePassiveIP " + public}
	if n > 0 { // no usable sample, no range to pin
		lines = append(lines, fmt.Sprintf("pasv_min_port=%d", lo), fmt.Sprintf("pasv_max_port=%d", hi))
		proLines = append(proLines, fmt.Sprintf("PassivePorts %d %d", lo, hi))
		pureLines = append(pureLines, fmt.Sprintf("PassivePortRange %d %d", lo, hi))
	}
	fixes := pick(in.sw, map[string]Fix{
		"vsftpd":           {Text: "Stop relying on the ALG: announce the public address and a fixed passive range in vsftpd.conf, then restart vsftpd.", Lines: lines},
		"proftpd":          {Text: "Stop relying on the ALG: announce the public address and a fixed passive range.", Lines: proLines},
		"pure-ftpd":        {Text: "Stop relying on the ALG: announce the public address and a fixed passive range.", Lines: pureLines},
		"filezilla-server": {Text: "Server > Configure > Passive mode settings: set the public IP " + public + " and a custom port range."},
		"iis":              {Text: "IIS Manager > FTP Firewall Support: set the external IP " + public + " and the data channel port range."},
	})
	if private != "" {
		fixes = append(fixes, natRangeFixes(in, private, public)...)
	}
	if n > 0 {
		fixes = append(fixes, Fix{For: "generic-firewall", Text: fmt.Sprintf("Open (or forward, on a NAT gateway) TCP ports %d-%d to the server as well as the control port, and turn the FTP ALG off for FTPS traffic.", lo, hi)})
	}
	fixes = append(fixes, Fix{For: "client", Text: "Use EPSV (it carries no address, so nothing needs rewriting) once the passive range is open; plain FTP works only while the ALG can read the session."})
	return []Finding{{
		ID:          "alg-ftps-conflict",
		Severity:    SeverityError,
		Title:       "Passive mode works in plain text only because an FTP ALG rewrites it; under TLS it fails",
		Explanation: expl,
		Action:      "configure the server's external address and open its passive range instead of relying on the ALG",
		Modes:       modeNames(mrs),
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// tlsEstablished reports whether any control connection completed its TLS
// handshake: only then is there a session to describe.
func (in *input) tlsEstablished() bool {
	for _, mr := range in.modes() {
		if mr.TLS != nil && mr.TLS.Handshake.OK() {
			return true
		}
	}
	return false
}

// wireDataTLS describes each TLS data connection's handshake as the
// capture shows it (resumed or not, from the hellos), beside what the
// probe recorded; none without a capture that holds the handshakes.
func (in *input) wireDataTLS() []Fact {
	var facts []Fact
	for _, mr := range in.modes() {
		for a := range eachAttempt(mr) {
			if a.dc.TLS == nil || !a.dc.TLS.Handshake.Ran() {
				continue
			}
			if f := tlsOf(in.obs.dataOf(a.dc)); f != nil && f.Client != nil {
				facts = append(facts, tlsLine(fmt.Sprintf("%s %s data connection, on the wire", mr.Mode, a.name), f))
			}
		}
	}
	return facts
}

// ruleTLSSession: what the TLS session was, for the ticket: version, data
// protection, certificate subject, issuer, SANs, expiry and name match.
// Decision: the control connections ran under TLS and at least one
// completed its handshake (info; the problems are the other TLS findings).
func ruleTLSSession(in *input) []Finding {
	if !in.usedTLS() || !in.tlsEstablished() {
		return nil
	}
	t := in.r.TLS
	facts := []Fact{{Text: fmt.Sprintf("%s TLS, %s %s, data protection PROT %s", t.Mode, orDash(t.Version), orDash(t.CipherSuite), orDash(t.Prot))}}
	if c := t.Certificate; c != nil {
		names := append(append([]string{}, c.DNSNames...), c.IPAddresses...)
		facts = append(facts,
			Fact{Text: fmt.Sprintf("certificate: subject %s, issuer %s", c.Subject, c.Issuer)},
			Fact{Text: fmt.Sprintf("certificate names: %s; %s %s", orDash(strings.Join(names, ", ")), c.ServerName, map[bool]string{true: "matches", false: "does not match"}[c.NameMatches])},
			Fact{Text: fmt.Sprintf("certificate valid %s to %s; trusted by %s roots: %v", c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"), c.Roots, c.Trusted)})
	}
	resumed, data := 0, 0
	for _, mr := range in.modes() {
		for a := range eachAttempt(mr) {
			if a.dc.TLS != nil && a.dc.TLS.Handshake.Ran() {
				data++
				if a.dc.TLS.Resumed {
					resumed++
				}
			}
		}
	}
	if data > 0 {
		facts = append(facts, Fact{Text: fmt.Sprintf("%d of %d TLS data connections resumed the control session", resumed, data)})
	}
	facts = append(facts, in.wireDataTLS()...)
	if t.Fallback != "" {
		facts = append(facts, Fact{Text: t.Fallback})
	}
	return []Finding{{
		ID:          "tls-session",
		Severity:    SeverityInfo,
		Title:       fmt.Sprintf("The probe ran over FTPS (%s TLS, %s)", t.Mode, orDash(t.Version)),
		Explanation: "The control connections were encrypted; the facts below describe the TLS session and the server's certificate.",
		Evidence:    facts,
		Fixes:       []Fix{},
	}}
}

// tlsEnableFixes are the server settings that turn TLS on, for the
// detected server (tls-unavailable, in a probe run and in a capture).
func tlsEnableFixes(sw string) []Fix {
	return pick(sw, map[string]Fix{
		"vsftpd":           {Text: "Enable TLS in vsftpd.conf with a certificate and key.", Lines: []string{"ssl_enable=YES", "rsa_cert_file=/etc/ssl/certs/ftp.pem", "rsa_private_key_file=/etc/ssl/private/ftp.key"}},
		"proftpd":          {Text: "Load mod_tls and enable it.", Lines: []string{"TLSEngine on", "TLSRSACertificateFile /etc/ssl/certs/ftp.pem", "TLSRSACertificateKeyFile /etc/ssl/private/ftp.key"}},
		"pure-ftpd":        {Text: "Start Pure-FTPd with TLS enabled (-Y 1, TLS 1 in pure-ftpd.conf) and a certificate in /etc/ssl/private/pure-ftpd.pem.", Lines: []string{"TLS 1"}},
		"filezilla-server": {Text: "Configure a TLS certificate under Server > Configure > FTP and FTP over TLS."},
		"iis":              {Text: "Bind a certificate in IIS Manager > FTP SSL Settings."},
	})
}
