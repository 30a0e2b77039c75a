package report

import (
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// tlsDemand reports whether a negative reply asks for TLS: vsftpd "530
// Non-anonymous sessions must use encryption.", ProFTPD "550 SSL/TLS
// required on the control channel", Pure-FTPd "421 Sorry, cleartext
// sessions ... are not accepted", and 534/522 policy replies.
func tlsDemand(rep *ftp.Reply) bool {
	if rep == nil || rep.Code < 400 {
		return false
	}
	return rep.Code == 534 || replyHas(rep, "tls", "ssl", "encrypt", "cleartext", "auth tls", "secure connection")
}

// secure reports whether the run asked for TLS on the control connection.
func (in *input) secure() bool {
	s := strings.ToLower(in.r.Target.Scheme)
	return s == "ftps" || s == "ftpes"
}

// ruleTLSRequired: a plain-text run met a server that demands TLS.
// Decision: the run was plain ftp:// and a banner, login or data-setup reply
// asks for encryption (tlsDemand).
func ruleTLSRequired(in *input) []Finding {
	if in.r == nil || in.secure() {
		return nil
	}
	var mrs []*probe.ModeResult
	var facts []Fact
	for _, mr := range in.modes() {
		for _, s := range []struct {
			what string
			st   probe.Step
		}{{"banner", mr.Banner}, {"login", mr.Login}, {"data setup", mr.ListData.Setup}} {
			if s.st.Outcome == probe.OutcomeReply && tlsDemand(s.st.Reply) {
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

// ruleTLSUnavailable: TLS was asked for and could not be had. Decision: the
// run asked for TLS and either AUTH TLS got a negative reply (transcript) or
// a control step failed with outcome tls (handshake).
func ruleTLSUnavailable(in *input) []Finding {
	if in.r == nil {
		return nil
	}
	var mrs []*probe.ModeResult
	var facts []Fact
	for _, mr := range in.modes() {
		hit := false
		for _, ex := range mr.Transcript {
			if strings.HasPrefix(strings.ToUpper(ex.Command), "AUTH ") && ex.Reply != nil && ex.Reply.Code >= 400 {
				facts = append(facts, Fact{T: ex.T, Text: fmt.Sprintf("%s: %s -> %s", mr.Mode, ex.Command, replyLine(ex.Reply))})
				hit = true
				break
			}
		}
		if !hit {
			for _, s := range []struct {
				what string
				st   probe.Step
			}{{"connect", mr.Connect}, {"banner", mr.Banner}, {"login", mr.Login}} {
				if s.st.Outcome == probe.OutcomeTLS {
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
	fixes := pick(in.sw, map[string]Fix{
		"vsftpd":           {Text: "Enable TLS in vsftpd.conf with a certificate and key.", Lines: []string{"ssl_enable=YES", "rsa_cert_file=/etc/ssl/certs/ftp.pem", "rsa_private_key_file=/etc/ssl/private/ftp.key"}},
		"proftpd":          {Text: "Load mod_tls and enable it.", Lines: []string{"TLSEngine on", "TLSRSACertificateFile /etc/ssl/certs/ftp.pem", "TLSRSACertificateKeyFile /etc/ssl/private/ftp.key"}},
		"pure-ftpd":        {Text: "Start Pure-FTPd with TLS enabled (-Y 1, TLS 1 in pure-ftpd.conf) and a certificate in /etc/ssl/private/pure-ftpd.pem.", Lines: []string{"TLS 1"}},
		"filezilla-server": {Text: "Configure a TLS certificate under Server > Configure > FTP and FTP over TLS."},
		"iis":              {Text: "Bind a certificate in IIS Manager > FTP SSL Settings."},
	})
	fixes = append(fixes, Fix{For: "client", Text: "If plain FTP is acceptable on this network, probe with ftp:// to test the data modes."})
	return []Finding{{
		ID:          "tls-unavailable",
		Severity:    SeverityError,
		Title:       "TLS was requested and the server could not provide it",
		Explanation: "The server refused AUTH TLS or the TLS handshake failed, so no encrypted session could be set up.",
		Action:      "enable TLS on the server",
		Modes:       modeNames(mrs),
		Evidence:    facts,
		Fixes:       fixes,
	}}
}

// ruleDataTLSFailed: the data connection opened but TLS on it failed.
// Decision: a data connect or transfer step with outcome tls, or a transfer
// reply that names TLS/SSL (vsftpd "522 SSL connection failed: session reuse
// required").
func ruleDataTLSFailed(in *input) []Finding {
	var mrs []*probe.ModeResult
	var facts []Fact
	reuse := false
	for _, mr := range in.modes() {
		hit := false
		for _, a := range attempts(mr) {
			for _, s := range []probe.Step{a.dc.Connect, a.tr.Step} {
				if s.Outcome == probe.OutcomeTLS || (s.Outcome == probe.OutcomeReply && tlsDemand(s.Reply)) {
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
