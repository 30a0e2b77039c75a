package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// ruleCallbackSourcePort: the responder's callback test shows the
// client's side letting callbacks in from one source port and not the
// other. Decision: in the run the callback rules read (callbackRun), one
// kind passed (the responder connected and its line reached the probe)
// and never failed, the other was blocked (the responder's attempt failed
// and nothing reached the probe's listener, which waited the whole time)
// and never passed, and no try left the two ends disagreeing. Warning: active mode works or fails depending on
// which port the server connects from.
func ruleCallbackSourcePort(in *input) []Finding {
	s := in.callbackRun()
	p20, eph := ftp.CallbackPort20, ftp.CallbackEphemeral
	only20 := len(s.passed[p20]) > 0 && len(s.blocked[p20]) == 0 && len(s.blocked[eph]) > 0 && len(s.passed[eph]) == 0
	onlyEph := len(s.passed[eph]) > 0 && len(s.blocked[eph]) == 0 && len(s.blocked[p20]) > 0 && len(s.passed[p20]) == 0
	if (!only20 && !onlyEph) || s.unclear > 0 {
		return nil
	}
	f := Finding{
		ID:       "active-callback-source-port",
		Severity: SeverityWarning,
		Modes:    s.modes,
		Evidence: slices.Concat(s.passed[p20], s.passed[eph], s.blocked[p20], s.blocked[eph]),
	}
	if only20 {
		f.Title = "Your side lets servers' callbacks in from port 20 only"
		f.Explanation = "The ftpdiag responder, outside, connected back to this host twice: its connection from port 20 reached ftpdiag's listener, its connection from an ephemeral port got no answer and never arrived. A firewall or NAT on this host's side lets active-mode callbacks in by their source port 20 (an \"iptables --sport 20\" rule, a router's \"active FTP\" rule): active mode works with servers that connect from port 20 (vsftpd connect_from_port_20=YES, ProFTPD running as root) and fails with those that connect from an ephemeral port (vsftpd's default, pyftpdlib, Twisted, most servers behind NAT). A rule keyed on source port 20 also lets anyone in who sends from port 20. (Unless the responder host's own firewall or its provider drops its outgoing connections from ephemeral ports: README, \"Running a responder\", has the lines it needs.)"
		f.Action = "track FTP instead of trusting source port 20, or use passive mode"
		f.Fixes = []Fix{
			{For: "client", Text: "Use passive mode (EPSV/PASV): it needs no callback."},
			{For: "iptables", Text: "On the firewall in front of this host, replace the source-port rule by FTP tracking (plain FTP only), which lets in exactly the announced callbacks:",
				Lines: []string{"modprobe nf_conntrack_ftp", "iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp", "iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "iptables -D FORWARD -p tcp --sport 20 -j ACCEPT"}},
		}
	} else {
		f.Title = "Your side drops servers' callbacks from port 20"
		f.Explanation = "The ftpdiag responder, outside, connected back to this host twice: its connection from an ephemeral port reached ftpdiag's listener, its connection from port 20 got no answer and never arrived. A firewall or NAT on this host's side drops connections from source port 20 (a privileged port): active mode works with servers that connect from an ephemeral port and fails with those that connect from port 20 (vsftpd connect_from_port_20=YES, ProFTPD running as root). (Unless the responder host's own firewall or its provider drops its outgoing connections from port 20: README, \"Running a responder\", has the lines it needs.)"
		f.Action = "let callbacks from port 20 in, or use passive mode"
		f.Fixes = []Fix{
			{For: "client", Text: "Use passive mode (EPSV/PASV): it needs no callback."},
			{For: "iptables", Text: "On the firewall in front of this host, let the announced callbacks in whatever their source port, by tracking FTP (plain FTP only):",
				Lines: []string{"modprobe nf_conntrack_ftp", "iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp", "iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"}},
		}
	}
	return []Finding{f}
}

// ruleALGActivePlainOnly: active mode's PORT/EPRT works in plain text only
// because an ALG on the client's side rewrites it; under TLS the ALG cannot
// read it. Decision, from a run with the plain-text comparison against a
// responder: in plain text a callback try's PORT/EPRT reached the
// responder rewritten, was accepted, and a callback passed; under TLS (the
// responder saw the control connection encrypted) the same command reached
// it as sent and was refused, or every callback was blocked. Warning: the
// active modes' own findings say what fails.
func ruleALGActivePlainOnly(in *input) []Finding {
	var plain, encrypted []Fact
	var modes []string
	for _, o := range in.outside() {
		if o.rec == nil {
			continue
		}
		tls := o.rec.Control.TLS != nil && o.rec.Control.TLS.Error == ""
		for i := range o.callbacks {
			c := &o.callbacks[i]
			if c.try.Command == "" || c.received == "" {
				continue
			}
			rewritten := c.received != c.try.Command
			switch {
			case o.plain && plain == nil && rewritten && c.state == callbackPasses:
				plain = []Fact{
					{T: c.try.T, Text: fmt.Sprintf("%s, in plain text: ftpdiag sent %q, the responder received %q and answered %q", o.label(), c.try.Command, c.received, c.try.CommandReply)},
					{T: c.try.T, Text: fmt.Sprintf("%s, in plain text: %s; %s", o.label(), c.responderSaw(), c.probeSaw())},
				}
				modes = appendOnce(modes, string(o.mr.Mode))
			case !o.plain && tls && encrypted == nil && !rewritten && (strings.HasPrefix(c.try.CommandReply, "5") || c.state == callbackBlocked):
				encrypted = []Fact{{T: c.try.T, Text: fmt.Sprintf("%s, under TLS: ftpdiag sent %q, the responder received it unchanged and answered %q", o.label(), c.try.Command, c.try.CommandReply)}}
				if c.state == callbackBlocked {
					encrypted = append(encrypted, c.facts(o.label())...)
				}
				modes = appendOnce(modes, string(o.mr.Mode))
			}
		}
	}
	if plain == nil || encrypted == nil {
		return nil
	}
	return []Finding{{
		ID:          "alg-active-plain-only",
		Severity:    SeverityWarning,
		Title:       "Active mode works in plain text only: an FTP ALG on your side rewrites PORT/EPRT and cannot under TLS",
		Explanation: "In plain text the ftpdiag responder received this host's PORT/EPRT rewritten to the public address and its callback arrived: an FTP ALG on this host's side (the kernel FTP helper on a NAT gateway, a router's FTP inspection) rewrites the command and opens the way for the callback. Under TLS the ALG cannot read the control channel: the command arrived as sent, naming this host's own address, and the callback could not be made. Active mode with FTPS needs the NAT to forward the active ports and the client to announce its public address, or passive mode.",
		Action:      "use passive mode with FTPS",
		Modes:       modes,
		Evidence:    append(plain, encrypted...),
		Fixes: []Fix{
			{For: "client", Text: "With FTPS use passive mode (EPSV/PASV). For active mode, forward a port range on the NAT to this host and make the client announce the public address and that range (FileZilla: Settings > Connection > FTP > Active mode)."},
		},
	}}
}
