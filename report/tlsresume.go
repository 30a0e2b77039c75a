package report

import (
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// data-tls-not-resumed: an FTPS data connection did not resume the control
// connection's TLS session and the server demands it (vsftpd
// require_ssl_reuse=YES, its default; FileZilla Server; ProFTPD without
// NoSessionReuseRequired; AWS Transfer Family). The server's reply says so
// (ftp.MeaningTLSReuseRequired), or ProFTPD's ambiguous "425 Unable to build
// data connection" follows a data handshake the wire shows completed and not
// resumed. The cause comes from the handshakes (capture.TLSFacts): the client
// offered nothing, offered another session, or offered the control
// session and the server did not take it. From a capture whose control
// channel is encrypted, the reply cannot be read: the handshakes say the
// data connection did not resume, and nothing on the wire says whether the
// server refused it (notResumedKeyless: a warning, inferred).

// Causes of a data connection that did not resume.
const (
	causeOfferedNothing = "offered-nothing"
	causeOfferedOther   = "offered-other"
	causeRefused        = "refused"
	causeUnseen         = "unseen"
)

// reuseRefusal is one data connection refused for not resuming.
type reuseRefusal struct {
	fact          Fact
	data, control *capture.TLSFacts
}

// tlsHiddenText is the error of a transfer step rebuilt from a capture
// whose control channel is encrypted, when its data connection did a full
// handshake and no data is seen flowing on it: whether the server refused
// it is not on the wire.
const tlsHiddenText = "the data connection's TLS did not resume the control session, and whether the server then refused it is in the encrypted control channel"

// tlsOf is the TLS the wire showed of an attempt's connections.
func tlsOf(w *wireObs) *capture.TLSFacts {
	for _, c := range w.conns {
		if c.TLS != nil {
			return c.TLS
		}
	}
	return nil
}

// fullHandshake reports a data handshake that completed without resuming.
func fullHandshake(f *capture.TLSFacts) bool {
	return f != nil && f.Completed && f.Resumption == "none"
}

// refusedForReuse reports whether attempt a of mr was refused because its
// TLS session did not resume: a step the probe marked tls-resumption, a
// reply meaning tls-reuse-required, or a reply meaning the data connection
// failed right after a full handshake on the wire (ProFTPD's 425).
func (in *input) refusedForReuse(mr *probe.ModeResult, a attempt) (reuseRefusal, bool) {
	rf := reuseRefusal{data: tlsOf(in.obs.dataOf(a.dc)), control: tlsOf(in.obs.controlOf(mr))}
	verb := transferVerb(a.tr.Command, a.name)
	// On the stack: asked of every attempt, a list grown on the heap was
	// 6 MB of the 3,000-session benchmark's 139.
	var buf [4]probe.Step
	steps := append(buf[:0], a.dc.Connect, a.tr.Step)
	if a.dc.TLS != nil {
		steps = append(steps, a.dc.TLS.Handshake)
	}
	if a.tr.Final != nil && a.tr.Final != a.tr.Step.Reply {
		steps = append(steps, probe.Step{T: a.tr.Step.T, Outcome: probe.OutcomeReply, Reply: a.tr.Final})
	}
	what := func() string { return fmt.Sprintf("%s %s data connection", mr.Mode, a.name) }
	for _, s := range steps {
		m := in.interpret(verb, s).Meaning
		switch {
		case m == ftp.MeaningTLSReuseRequired, s.Outcome == probe.OutcomeTLSResumption && s.Reply == nil:
			rf.fact = stepFact(what(), s)
			return rf, true
		case m == ftp.MeaningDataConnectionFailed && fullHandshake(rf.data) && !appDataSeen(rf.data):
			// A refusal sends no data: a 426 after the records of a
			// listing (a transfer aborted midway) is not one.
			rf.fact = stepFact(what(), s)
			rf.fact.Text += " (after a full TLS handshake on the data connection: the server refused it for not resuming the control session)"
			return rf, true
		}
	}
	return rf, false
}

// resumeCause says why a data handshake did not resume, from the wire.
func resumeCause(data, control *capture.TLSFacts) (string, string) {
	if data == nil || data.Client == nil {
		return causeUnseen, "No capture holds the data connection's TLS handshake, so what the client offered is not known."
	}
	ch, v := data.Client, data.Version()
	switch {
	case v == "TLS 1.3" && ch.PSKIdentities == 0:
		return causeOfferedNothing, "The client offered no session to resume: its data ClientHello carries no pre_shared_key (TLS 1.3): it had no ticket yet, or never reuses (Python's ftplib as documented)."
	case v == "TLS 1.3":
		return causeRefused, fmt.Sprintf("The client offered a session (pre_shared_key, %d identities) and the server did not select it: a full handshake followed. The server did not accept its ticket (ticket keys changed, ticket expired or already used, another worker process, or a ticket from another session).", ch.PSKIdentities)
	case ch.TicketLen == 0 && ch.SessionIDLen == 0:
		return causeOfferedNothing, "The client offered no session to resume: its data ClientHello has an empty session ID and no session ticket. Python's ftplib does this unless the data socket is wrapped with the control socket's session (session=)."
	}
	if control != nil && control.Server != nil {
		s := control.Server
		sameID := ch.SessionIDLen > 0 && ch.SessionID == s.SessionID && s.SessionIDLen > 0
		sameTicket := ch.TicketLen > 0 && ch.TicketHash == s.NewTicket && s.NewTicket != ""
		if !sameID && !sameTicket && (s.SessionIDLen > 0 || s.NewTicket != "") {
			return causeOfferedOther, "The client offered a session other than the control connection's (its data ClientHello's session ID or ticket is not the one the control handshake set up): it keeps another session cache, or one keyed by another name, for its data connections."
		}
	}
	return causeRefused, "The client offered the control connection's session (session ID or ticket) and the server did a full handshake instead: it did not find or accept that session (session cache off or too small, ticket keys rotated, another worker process)."
}

// tlsBrief says in a few words how a connection's TLS went, "" when the
// capture holds no handshake of it.
func tlsBrief(f *capture.TLSFacts) string {
	if f == nil || f.Server == nil {
		return ""
	}
	how := map[string]string{"psk": "resumed (pre_shared_key)", "session-id": "resumed (session ID)", "ticket": "resumed (ticket)", "none": "full handshake, not resumed"}[f.Resumption]
	if how == "" {
		how = "resumption not seen"
	}
	return fmt.Sprintf("; %s, %s", f.Server.Version, how)
}

// tlsLine describes one connection's handshake for the evidence.
func tlsLine(what string, f *capture.TLSFacts) Fact {
	if f == nil || f.Client == nil {
		return Fact{Text: what + ": no TLS handshake in the capture"}
	}
	ch := f.Client
	var offer []string
	if ch.SessionIDLen > 0 && f.Version() != "TLS 1.3" {
		// A TLS 1.3 session ID is random, for middleboxes: no offer.
		offer = append(offer, fmt.Sprintf("session ID %s", ch.SessionID))
	}
	if ch.TicketLen > 0 {
		offer = append(offer, "session ticket "+ch.TicketHash)
	}
	if ch.PSKIdentities > 0 {
		offer = append(offer, fmt.Sprintf("pre_shared_key (%d identities)", ch.PSKIdentities))
	}
	resume := strings.Join(offer, ", ")
	if resume == "" {
		resume = "nothing"
	}
	text := fmt.Sprintf("%s: ClientHello offers %s; offers to resume: %s", what, strings.Join(ch.Versions, ", "), resume)
	if ch.ExtendedMasterSecret {
		text += "; extended_master_secret"
	}
	ref := ch.PacketRef
	if s := f.Server; s != nil {
		how := map[string]string{"psk": "resumed (pre_shared_key selected)", "session-id": "resumed (session ID echoed)", "ticket": "resumed (ticket accepted)", "none": "full handshake, not resumed"}[f.Resumption]
		if how == "" {
			how = "resumption not seen"
		}
		text += fmt.Sprintf("; ServerHello chooses %s, %s", s.Version, how)
		if f.HelloRetry {
			text += " (after a HelloRetryRequest)"
		}
	}
	if !f.Completed {
		text += "; the handshake did not complete"
	}
	return Fact{T: ref.T, Packet: ref.Packet, Text: text}
}

// ruleDataTLSNotResumed: a data connection did not resume the control
// session and the server demands it. Decision: an attempt refusedForReuse
// (the reply, or ProFTPD's 425 after a full handshake); the cause from the
// handshakes (resumeCause). Then, for a captured session whose control
// channel is encrypted, the inferred warning (notResumedKeyless).
func ruleDataTLSNotResumed(in *input) []Finding {
	var mrs []*probe.ModeResult
	var rfs []reuseRefusal
	for _, mr := range in.modes() {
		hit := false
		for a := range eachAttempt(mr) {
			if rf, ok := in.refusedForReuse(mr, a); ok {
				rfs = append(rfs, rf)
				hit = true
			}
		}
		if hit {
			mrs = append(mrs, mr)
		}
	}
	var out []Finding
	if len(rfs) > 0 {
		out = append(out, in.notResumedFinding(mrs, rfs))
	}
	return append(out, in.notResumedKeyless()...)
}

// notResumedFinding is the finding of refusals the replies show.
func (in *input) notResumedFinding(mrs []*probe.ModeResult, rfs []reuseRefusal) Finding {
	var facts []Fact
	cause, why := resumeCause(rfs[0].data, rfs[0].control)
	for _, rf := range rfs {
		facts = append(facts, rf.fact)
		if rf.data != nil {
			facts = append(facts, tlsLine("data connection", rf.data))
		}
	}
	if c := rfs[0].control; c != nil {
		facts = append(facts, tlsLine("control connection", c))
	}
	expl := "The server requires each data connection's TLS session to resume the control connection's session (it proves the data connection comes from the same client), and this data connection did not, so the server refused the transfer. " + why + " " + tls13Note
	return Finding{
		ID:          "data-tls-not-resumed",
		Severity:    SeverityError,
		Title:       "The data connection's TLS did not resume the control session, and the server demands it",
		Explanation: expl,
		Action:      "make the client resume the control session on data connections, or stop the server demanding it",
		Modes:       modeNames(mrs),
		Evidence:    facts,
		Fixes:       in.resumeFixes(cause, rfs[0].control),
	}
}

// tls13Note states the TLS 1.2 / 1.3 difference.
const tls13Note = "In TLS 1.2 the session to resume exists when the control handshake ends (a session ID or ticket); in TLS 1.3 it exists only once the server has sent a ticket after the handshake and the client has read it, so a data connection opened before then, or on a ticket already used or expired, cannot resume: capping the client at TLS 1.2 avoids that."

// notResumedKeyless: a captured session whose control channel is
// encrypted, with a data connection whose handshake was full and on which
// no data is seen flowing. A warning, inferred: whether the server refused
// it is in the encrypted replies. Even TLS 1.2's clearest pattern (no
// application record either way, the server closing first: refusedPattern)
// is also an empty listing or an empty file on a server that does not
// demand reuse (the lab's vsftpd with require_ssl_reuse=NO and Pure-FTPd
// show it byte for byte, testdata/tls/ftplib-empty-*): a key log decides.
func (in *input) notResumedKeyless() []Finding {
	if in.an == nil || in.ev == nil {
		return nil
	}
	var facts []Fact
	var cause, why string
	var control *capture.TLSFacts
	closed := false
	for _, s := range in.ev.Sessions {
		if s.TLS == nil || !s.TLS.Encrypted || s.TLS.Cleared != nil {
			continue
		}
		n := len(facts)
		for _, ds := range s.Data {
			if !ds.Inferred || ds.Conn == nil || !fullHandshake(ds.Conn.TLS) || dataFlowed(ds.Conn) {
				continue
			}
			if cause == "" {
				cause, why = resumeCause(ds.Conn.TLS, s.Control.TLS)
				control = s.Control.TLS
			}
			line := tlsLine(fmt.Sprintf("data connection %s -> %s", ds.Conn.Initiator, ds.Conn.Responder), ds.Conn.TLS)
			if refusedPattern(ds.Conn) {
				closed = true
				line.Text += "; then not one application data record either way, and the server closed it first"
			}
			facts = append(facts, line)
		}
		if len(facts) > n && s.Control.TLS != nil {
			facts = append(facts, tlsLine("control connection", s.Control.TLS))
		}
	}
	if len(facts) == 0 {
		return nil
	}
	flowed := "What flowed after the handshake does not tell (in TLS 1.3 the server's session tickets and data look alike). "
	if closed {
		flowed = "A data connection carried not one application data record either way and the server closed it first: that is what vsftpd's refusal looks like, and also what an empty listing or an empty file looks like on a server that does not demand reuse (the lab's vsftpd with require_ssl_reuse=NO and Pure-FTPd show the same pattern), so it does not tell either. "
	}
	return []Finding{{
		ID:          "data-tls-not-resumed",
		Severity:    SeverityWarning,
		Title:       "A data connection's TLS did not resume the control session (seen in the handshakes; whether the server refused it is encrypted)",
		Explanation: "The control channel is encrypted, so the server's reply to the transfer cannot be read: inferred from the handshakes alone. They show a data connection that did not resume the control connection's TLS session. Servers that demand reuse refuse such a connection (vsftpd \"522 SSL connection failed: session reuse required\", its default; FileZilla Server \"425 ... TLS session of data connection not resumed\"; ProFTPD without NoSessionReuseRequired); others accept it. " + flowed + "The reply decides: a key log of the client (SSLKEYLOGFILE, given to analyze --tls-keylog FILE) lets the control channel be read. " + why + " " + tls13Note,
		Action:      "make the client resume the control session on data connections, or stop the server demanding it",
		Inferred:    true,
		Evidence:    facts,
		Fixes:       in.resumeFixes(cause, control),
	}}
}

// dataFlowed reports a data connection whose TLS 1.2 (or older) records
// show application data after the handshake, either way: a listing or a
// download from the server, an upload from the client; a transfer, so no
// refusal (TLS 1.3 tickets look like data: never said of it).
func dataFlowed(c *capture.Conn) bool { return appDataSeen(c.TLS) }

// appDataSeen is dataFlowed of a connection's TLS facts (nil: no
// handshake in the capture, nothing seen).
func appDataSeen(f *capture.TLSFacts) bool {
	return f != nil && f.Completed && f.Version() != "TLS 1.3" && !f.HelloRetry && (f.AppRecordsFromServer > 0 || f.AppRecordsFromClient > 0)
}

// refusedPattern reports the wire pattern of a data connection refused
// after its handshake: TLS 1.2 or older (its records show what is data),
// completed, no application record either way, and the TLS server's side
// closed first (alert, FIN or RST).
func refusedPattern(c *capture.Conn) bool {
	f := c.TLS
	if f == nil || f.Version() == "TLS 1.3" || f.HelloRetry || !f.Completed || f.AppRecordsFromClient > 0 || f.AppRecordsFromServer > 0 {
		return false
	}
	server := capture.SideResponder
	if f.ClientSide == capture.SideResponder {
		server = capture.SideInitiator
	}
	first, firstT := capture.Side(""), 0.0
	note := func(s capture.Side, t float64) {
		if first == "" || t < firstT {
			first, firstT = s, t
		}
	}
	for _, a := range f.Alerts {
		note(a.From, a.T)
	}
	if c.FINInitiator != nil {
		note(capture.SideInitiator, c.FINInitiator.T)
	}
	if c.FINResponder != nil {
		note(capture.SideResponder, c.FINResponder.T)
	}
	for _, r := range c.RSTs {
		note(r.From, r.T)
	}
	return first == server
}

// resumeFixes are the fixes of data-tls-not-resumed: the server's setting,
// then the client's, for the cause; control is the control connection's
// handshake as the wire showed it (nil: not seen).
func (in *input) resumeFixes(cause string, control *capture.TLSFacts) []Fix {
	fixes := pickOr(in.sw, map[string]Fix{
		"vsftpd":           {Text: "vsftpd demands reuse by default (require_ssl_reuse=YES). Turning it off lets clients that cannot resume work; it also drops the check that the data connection comes from the logged-in client.", Lines: []string{"require_ssl_reuse=NO"}},
		"proftpd":          {Text: "mod_tls demands reuse unless told otherwise.", Lines: []string{"TLSOptions NoSessionReuseRequired"}},
		"filezilla-server": {Text: "FileZilla Server 1.x always demands it: no setting turns it off (its source hands the control connection's session to every data connection's handshake and refuses one that did not resume it), and at each PASV or PORT it sends a fresh TLS 1.3 ticket on the control connection for the data connection to resume: fix the client (or cap it at TLS 1.2). FileZilla Server 0.9.x: Edit > Settings > FTP over TLS settings, untick \"Require TLS session resumption on data connection when using PROT P\" (its refusal: \"450 TLS session of data connection has not resumed or the session does not match the control connection\")."},
		"pure-ftpd":        {Text: "Pure-FTPd has no setting that demands session reuse: if this server is Pure-FTPd, something in front of it that terminates TLS (a proxy or load balancer) refuses the data connection; look at its settings."},
	}, Fix{Text: "Let data connections run without resuming the control session, or keep the demand and fix the client. AWS Transfer Family: set TlsSessionResumptionMode to ENABLED (resumption accepted, not demanded) instead of ENFORCED, its default.",
		Lines: []string{"aws transfer update-server --server-id SERVER_ID --protocol-details TlsSessionResumptionMode=ENABLED"}})
	client := Fix{For: "client", Text: "Use a client that resumes the control session on its data connections (curl, lftp, FileZilla, WinSCP do). curl: where a TLS 1.3 resumption regression bites, --tls-max 1.2. lftp (GnuTLS) resumes on its own; with a client certificate (ssl:key-file) set ftp:ssl-data-use-keys no, so that it does not load the key for data connections and the server can match them to the control connection by session (man lftp). Python ftplib: wrap the data socket with the control socket's session (below). Go crypto/tls: one tls.Config with one ClientSessionCache for the control and data connections and the same ServerName on both (the cache is keyed by it); Go resumes by tickets only, never by TLS 1.2 session IDs.",
		Lines: []string{
			"class ReusingFTP_TLS(ftplib.FTP_TLS):",
			"    def ntransfercmd(self, cmd, rest=None):",
			"        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)",
			"        if self._prot_p:",
			"            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)",
			"        return conn, size",
			"curl --ssl-reqd --tls-max 1.2 ftp://HOST/",
		}}
	// Only where the client offered the control session and the server
	// did not take it can the server's missing EMS be what stops
	// resumption.
	if cause == causeRefused && noEMS(control) {
		fixes = append(fixes, Fix{Text: "This server's TLS 1.2 ServerHello on the control connection does not take the client's extended_master_secret (RFC 7627). Windows clients (SChannel: .NET SslStream, WinINet) resume only sessions made with it since the updates of October 2019 (CVE-2019-1318, Microsoft KB4528489), so none of them can resume here: update the server's TLS library to one that supports Extended Master Secret (Microsoft advises against turning it off on the client)."})
	}
	switch cause {
	case causeOfferedOther:
		client.Text = "The client resumes, but not the control connection's session: give the control and data connections one session cache, keyed by the same server name (Go: one tls.Config, one ClientSessionCache, the same ServerName). " + client.Text
	case causeRefused:
		client.Text = "The client offered the right session and the server did not take it: the server side is the one to fix (session cache, ticket keys, one worker per session); a client capped at TLS 1.2 (curl --tls-max 1.2) avoids TLS 1.3 ticket timing. " + client.Text
	}
	return append(fixes, client)
}

// noEMS reports a TLS 1.2 (or older) control handshake whose client
// offered extended_master_secret and whose server did not take it.
func noEMS(control *capture.TLSFacts) bool {
	return control != nil && control.Client != nil && control.Server != nil && control.Version() != "TLS 1.3" &&
		control.Client.ExtendedMasterSecret && !control.Server.ExtendedMasterSecret
}

// reuseAttempt reports whether attempt a belongs to data-tls-not-resumed,
// so that data-tls-failed does not report the same cause again.
func (in *input) reuseAttempt(mr *probe.ModeResult, a attempt) bool {
	_, ok := in.refusedForReuse(mr, a)
	return ok
}
