package report

import (
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// ruleALGRewrotePort: a PORT/EPRT command reached the responder different
// from what the probe sent: a middlebox on the client's side (an FTP ALG,
// such as the kernel's nf_nat_ftp or a router's "FTP fixup") rewrote it.
// Decision: a responder record with the command as received, and the same
// command as sent, differing byte for byte. Info: rewriting is what lets
// active mode through a NAT, but it works only while the ALG can read the
// control connection (not under FTPS).
func ruleALGRewrotePort(in *input) []Finding {
	var modes []string
	var facts []Fact
	for _, o := range in.outside() {
		for _, p := range o.ports {
			if p.received == "" || p.received == p.sent {
				continue
			}
			modes = appendOnce(modes, string(o.mr.Mode))
			facts = append(facts,
				Fact{T: p.t, Text: fmt.Sprintf("%s: ftpdiag sent %q", o.label(), p.sent)},
				Fact{T: p.t, Text: fmt.Sprintf("%s: the responder received %q", o.label(), p.received)})
			break
		}
	}
	if len(modes) == 0 {
		return nil
	}
	return []Finding{{
		ID:          "alg-rewrote-port",
		Severity:    SeverityInfo,
		Title:       "A middlebox on your side rewrote the PORT/EPRT command on its way to the server",
		Explanation: "The responder received a different PORT/EPRT argument from the one ftpdiag sent: an FTP ALG between this host and the Internet (the kernel's FTP helper on a NAT gateway, a router's or firewall's FTP inspection) replaced the address or port with its own. That is what lets active mode work through a NAT, but only in plain text: under FTPS the ALG cannot read the command and the server gets this host's own address.",
		Action:      "none needed in plain FTP; use passive mode with FTPS",
		Modes:       modes,
		Evidence:    facts,
		Fixes: []Fix{
			{For: "client", Text: "Nothing to fix while plain FTP is used. With FTPS, prefer passive mode (EPSV/PASV): the ALG cannot rewrite an encrypted PORT command."},
		},
	}}
}

// ruleALGRewrotePasv: a 227/229 reply reached the probe with another
// address or port than the letter copy the responder put inside the same
// reply (digits written as letters, which no ALG recognises). Decision:
// both present and different. Warning: something on the client's side
// alters server replies, and cannot once the control connection is
// encrypted.
func ruleALGRewrotePasv(in *input) []Finding {
	var modes []string
	var facts []Fact
	for _, o := range in.outside() {
		for _, p := range o.pasv {
			if p.copy == "" || p.announced == "" || sameAnnouncement(p.announced, p.copy) {
				continue
			}
			modes = appendOnce(modes, string(o.mr.Mode))
			facts = append(facts,
				Fact{T: p.t, Text: fmt.Sprintf("%s: the responder announced %s (its letter copy in the reply)", o.label(), p.copy)},
				Fact{T: p.t, Text: fmt.Sprintf("%s: ftpdiag received %q", o.label(), p.reply)})
			break
		}
	}
	if len(modes) == 0 {
		return nil
	}
	return []Finding{{
		ID:          "alg-rewrote-pasv",
		Severity:    SeverityWarning,
		Title:       "A middlebox on your side rewrote the server's passive-mode reply",
		Explanation: "The 227/229 reply reached ftpdiag with another address or port than the responder put in it (the responder adds a copy with digits written as letters, which no FTP ALG recognises, and the two differ). An FTP ALG between this host and the Internet edits server replies: it cannot once the control connection is encrypted (FTPS), and then passive mode may fail where it worked in plain text.",
		Action:      "find and disable the FTP inspection on your side",
		Modes:       modes,
		Evidence:    facts,
		Fixes: []Fix{
			{For: "client", Text: "Find the FTP inspection on the way out (a router's or firewall's \"FTP ALG\" / \"FTP fixup\", the kernel FTP helper on a Linux gateway) and disable it for this traffic, or use FTPS, which it cannot read."},
			{For: "iptables", Text: "On a Linux gateway, stop attaching the FTP helper:", Lines: []string{"iptables -t raw -D PREROUTING -p tcp --dport 21 -j CT --helper ftp"}},
		},
	}}
}

// sameAnnouncement compares an announcement with a letter copy: 227
// tuples byte for byte, 229 by port.
func sameAnnouncement(announced, copy string) bool {
	if strings.HasPrefix(announced, "|") {
		a, err1 := ftp.ParseEPSV("(" + announced + ")")
		c, err2 := ftp.ParseEPSV("(" + copy + ")")
		return err1 == nil && err2 == nil && a == c
	}
	a, err1 := ftp.ParsePORT(announced)
	c, err2 := ftp.ParsePORT(copy)
	return err1 == nil && err2 == nil && a == c
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
