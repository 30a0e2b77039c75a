package report

import (
	"fmt"
	"net/netip"
)

// ruleClientBehindNAT: the responder saw the control connection come from
// another address than the one this host used: a NAT on the client's side.
// Decision: a responder record whose control remote address differs from
// the probe's control local address. Info: NAT is normal; what it breaks
// (active mode without an ALG) has its own findings.
func ruleClientBehindNAT(in *input) []Finding {
	var modes []string
	var facts []Fact
	seen := map[netip.Addr]bool{}
	for _, o := range in.outside() {
		l, r := o.controlLocal.Addr().Unmap(), o.controlSeen.Addr().Unmap()
		if !l.IsValid() || !r.IsValid() || l == r {
			continue
		}
		modes = appendOnce(modes, string(o.mr.Mode))
		if !seen[r] {
			seen[r] = true
			facts = append(facts,
				Fact{T: o.mr.Connect.T, Text: fmt.Sprintf("%s: the control connection left this host from %s", o.label(), o.controlLocal)},
				Fact{T: o.mr.Connect.T, Text: fmt.Sprintf("%s: the responder saw it come from %s", o.label(), o.controlSeen)})
		}
		for _, p := range o.ports {
			if p.received != "" && p.received != p.sent {
				continue // the ALG's finding says it
			}
			facts = append(facts, Fact{T: p.t, Text: fmt.Sprintf("%s: ftpdiag announced %q, which names this host's own address, not %s", o.label(), p.sent, r)})
			break
		}
	}
	if len(modes) == 0 {
		return nil
	}
	return []Finding{{
		ID:          "client-behind-nat",
		Severity:    SeverityInfo,
		Title:       "This host is behind NAT: servers see it as another address",
		Explanation: "The responder saw this host's connections come from another address than this host's own: a NAT on the way translates them. Passive mode is not affected. In active mode this host announces its own address, which a server refuses or cannot reach, unless an FTP ALG on the NAT rewrites the PORT/EPRT command (plain FTP only).",
		Action:      "use passive mode",
		Modes:       modes,
		Evidence:    facts,
		Fixes: []Fix{
			{For: "client", Text: "Use passive mode (EPSV/PASV). For active mode behind NAT, the NAT must forward the client's active port range to this host and the client must announce the public address (FileZilla: Settings > Connection > FTP > Active mode, \"Use the following IP address\" and a port range)."},
		},
	}}
}

// ruleSNATMultipleAddresses: the responder saw this host's connections
// (control, or the data connections the client opened) come from more
// than one address: an SNAT pool. Decision: two or more distinct source
// addresses among the control connections and the client's own data
// connections in the responder's records. Warning: servers that demand
// the data connection come from the control connection's address refuse
// the transfer.
func ruleSNATMultipleAddresses(in *input) []Finding {
	byAddr := map[netip.Addr]bool{}
	var modes []string
	var first []Fact
	for _, o := range in.outside() {
		if o.rec == nil {
			continue
		}
		add := func(ap netip.AddrPort, what string, t float64) {
			a := ap.Addr().Unmap()
			if !a.IsValid() {
				return
			}
			if !byAddr[a] {
				first = append(first, Fact{T: t, Text: fmt.Sprintf("%s: the responder saw the %s come from %s", o.label(), what, ap)})
			}
			byAddr[a] = true
			modes = appendOnce(modes, string(o.mr.Mode))
		}
		add(o.controlSeen, "control connection", o.mr.Connect.T)
		for _, ap := range o.dataSeen {
			add(ap, "data connection", o.mr.ListData.Connect.T)
		}
	}
	if len(byAddr) < 2 {
		return nil
	}
	return []Finding{{
		ID:          "snat-multiple-addresses",
		Severity:    SeverityWarning,
		Title:       fmt.Sprintf("Your connections leave through %d different public addresses", len(byAddr)),
		Explanation: "The responder saw this host's connections come from more than one address: the NAT on the way spreads them over a pool of public addresses. A server that demands that the data connection come from the control connection's address (vsftpd's default pasv_promiscuous=NO, ProFTPD's AllowForeignAddress off, Pure-FTPd, FileZilla Server) refuses the transfer (\"425 Security: Bad IP connecting.\") whenever the two are translated differently.",
		Action:      "make the NAT keep one public address per client",
		Modes:       modes,
		Evidence:    first,
		Fixes: []Fix{
			{For: "iptables", Text: "Give each client one public address for all its connections (SNAT with --persistent):", Lines: []string{"iptables -t nat -A POSTROUTING -o WAN -s LAN -j SNAT --to-source A1-A2 --persistent"}},
			{For: "client", Text: "Ask the network's administrator for a NAT that maps this host to one public address (address affinity / \"paired\" pooling, RFC 4787 REQ-2)."},
		},
	}}
}
