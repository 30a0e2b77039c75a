package report

import (
	"fmt"
	"net/netip"

	"github.com/ftpdiag/ftpdiag/probe"
)

// What the report knows of each server software: its name and the settings
// that fix what the findings find. Fixes follow the detected server; an
// unknown server gets every known server's fix and a generic one.

// Software keys used in Fix.For, in the order fixes are listed when the
// server is unknown. The keys are ftp.Software values.
var softwareKeys = []string{"vsftpd", "proftpd", "pure-ftpd", "filezilla-server", "iis", "pyftpdlib", "twisted"}

var softwareNames = map[string]string{
	"vsftpd":           "vsftpd",
	"proftpd":          "ProFTPD",
	"pure-ftpd":        "Pure-FTPd",
	"filezilla-server": "FileZilla Server",
	"iis":              "Microsoft IIS FTP",
	"pyftpdlib":        "pyftpdlib",
	"twisted":          "Twisted FTP",
	"unknown":          "unknown",
}

// softwareKey is the detected server's key: ftp.DetectServer decides, on
// the probe's banner, SYST and FEAT (or the capture's); "unknown" when it
// could not tell.
func softwareKey(s probe.Server) string {
	if k := string(s.Info.Software); k != "" {
		return k
	}
	return "unknown"
}

// softwareName is the display name of a software key.
func softwareName(sw string) string {
	if n, ok := softwareNames[sw]; ok {
		return n
	}
	return sw
}

// pick chooses the fixes for the detected software: its own when byServer
// has one; none when the server is known and byServer has nothing for it
// (another server's setting would mislead); every server's, named, when
// the server is unknown.
func pick(sw string, byServer map[string]Fix) []Fix {
	if f, ok := byServer[sw]; ok {
		f.For = sw
		return []Fix{f}
	}
	if sw != "unknown" && sw != "" {
		return nil
	}
	var out []Fix
	for _, k := range softwareKeys {
		if f, ok := byServer[k]; ok {
			f.For = k
			out = append(out, f)
		}
	}
	return out
}

// pickOr is pick with a generic fix (For "server") for a server byServer
// does not cover, and after the named ones when the server is unknown.
func pickOr(sw string, byServer map[string]Fix, generic Fix) []Fix {
	out := pick(sw, byServer)
	if _, ok := byServer[sw]; ok {
		return out
	}
	generic.For = "server"
	return append(out, generic)
}

// passiveRangeSetting names the setting that holds the passive port range.
func passiveRangeSetting(sw string) string {
	switch sw {
	case "vsftpd":
		return "vsftpd pasv_min_port/pasv_max_port"
	case "proftpd":
		return "ProFTPD PassivePorts"
	case "pure-ftpd":
		return "Pure-FTPd -p / PassivePortRange"
	case "filezilla-server":
		return "FileZilla Server's passive mode port range"
	case "iis":
		return "IIS FTP Firewall Support > Data Channel Port Range"
	case "pyftpdlib":
		return "pyftpdlib handler.passive_ports"
	case "twisted":
		return "Twisted FTPFactory.passivePortRange"
	}
	return "the server's passive port range setting"
}

// passiveRangeFixes pins the passive range lo-hi on the server.
func passiveRangeFixes(sw string, lo, hi uint16) []Fix {
	return pickOr(sw, map[string]Fix{
		"vsftpd":           {Text: "Pin the passive range in vsftpd.conf so that the firewall rule can match it exactly.", Lines: []string{fmt.Sprintf("pasv_min_port=%d", lo), fmt.Sprintf("pasv_max_port=%d", hi)}},
		"proftpd":          {Text: "Pin the passive range in proftpd.conf.", Lines: []string{fmt.Sprintf("PassivePorts %d %d", lo, hi)}},
		"pure-ftpd":        {Text: fmt.Sprintf("Pin the passive range: start Pure-FTPd with -p %d:%d, or set PassivePortRange in pure-ftpd.conf (Debian: /etc/pure-ftpd/conf/PassivePortRange).", lo, hi), Lines: []string{fmt.Sprintf("PassivePortRange %d %d", lo, hi)}},
		"filezilla-server": {Text: fmt.Sprintf("Pin the range under Server > Configure > Passive mode settings > Use custom port range: %d-%d.", lo, hi)},
		"iis":              {Text: fmt.Sprintf("Pin the range in IIS Manager > the server > FTP Firewall Support > Data Channel Port Range: %d-%d, then restart the FTP service.", lo, hi)},
		"pyftpdlib":        {Text: "Pin the passive range on the handler class before the server starts.", Lines: []string{fmt.Sprintf("handler.passive_ports = range(%d, %d)", lo, int(hi)+1)}},
		"twisted":          {Text: "Pin the passive range on the FTP factory.", Lines: []string{fmt.Sprintf("factory.passivePortRange = range(%d, %d)", lo, int(hi)+1)}},
	}, Fix{Text: fmt.Sprintf("Pin the server's passive port range (%d-%d here) in its configuration, so that the firewall rule can match it exactly.", lo, hi)})
}

// externalAddressAction is the one-line action that makes the server
// announce peer in its passive replies.
func externalAddressAction(sw, peer string) string {
	switch sw {
	case "vsftpd":
		return "set pasv_address=" + peer
	case "proftpd":
		return "set MasqueradeAddress " + peer
	case "pure-ftpd":
		return "set ForcePassiveIP " + peer + " (-P " + peer + ")"
	case "pyftpdlib":
		return "set handler.masquerade_address = '" + peer + "'"
	}
	return "configure the server's external address " + peer
}

// externalAddressFixes tell each server to announce peer (the address the
// client connected to) in its passive replies.
func externalAddressFixes(sw, peer, host string) []Fix {
	vs := Fix{Text: "Tell vsftpd its public address in vsftpd.conf, then restart it.", Lines: []string{"pasv_address=" + peer}}
	if _, err := netip.ParseAddr(host); err != nil && host != "" {
		vs.Text = "Tell vsftpd its public address in vsftpd.conf (or the host name, resolved at start-up, with pasv_addr_resolve), then restart it."
		vs.Lines = []string{"pasv_address=" + peer, "# or: pasv_address=" + host, "#     pasv_addr_resolve=YES"}
	}
	fixes := pickOr(sw, map[string]Fix{
		"vsftpd":           vs,
		"proftpd":          {Text: "Tell ProFTPD its public address in proftpd.conf.", Lines: []string{"MasqueradeAddress " + peer}},
		"pure-ftpd":        {Text: "Start Pure-FTPd with -P " + peer + ", or set ForcePassiveIP in pure-ftpd.conf (Debian: /etc/pure-ftpd/conf/ForcePassiveIP).", Lines: []string{"ForcePassiveIP " + peer}},
		"filezilla-server": {Text: "FileZilla Server: Server > Configure > Passive mode settings > Public IPv4 > Use the following IP: " + peer + "."},
		"iis":              {Text: "IIS Manager > the server > FTP Firewall Support > External IP Address of Firewall: " + peer + ", then restart the FTP service."},
		"pyftpdlib":        {Text: "Tell pyftpdlib its public address on the handler class.", Lines: []string{"handler.masquerade_address = '" + peer + "'"}},
		"twisted":          {Text: "Twisted's FTP server announces the local address of the control connection and has no setting for an external one: publish it without NAT, or put an FTP-aware NAT helper in front of it (plain FTP only)."},
	}, Fix{Text: "Set the server's external (masquerade) address to " + peer + " so that its passive replies announce it."})
	return append(fixes, Fix{For: "client", Text: "Until the server is fixed, use a client that ignores the 227 address and reuses the control address: curl does by default (--ftp-skip-pasv-ip), FileZilla does when the announced address is private."})
}

// sessionLimitFixes raise the server's limits on concurrent sessions.
func sessionLimitFixes(sw string) []Fix {
	return pickOr(sw, map[string]Fix{
		"vsftpd":           {Text: "Raise the session limits in vsftpd.conf (ftpdiag opens one control connection per data mode, up to four at once).", Lines: []string{"max_clients=50", "max_per_ip=8"}},
		"proftpd":          {Text: "Raise the session limits in proftpd.conf.", Lines: []string{"MaxClients 50", "MaxClientsPerHost 8"}},
		"pure-ftpd":        {Text: "Raise the limits: -c (max clients) and -C (max per IP), or MaxClientsNumber/MaxClientsPerIP in pure-ftpd.conf.", Lines: []string{"MaxClientsNumber 50", "MaxClientsPerIP 8"}},
		"filezilla-server": {Text: "Raise the connection limits in FileZilla Server's settings (Server > Configure > Rights management / Connection limits)."},
		"iis":              {Text: "Raise IIS Manager > FTP site > Advanced Settings > Connections > Maximum Simultaneous Connections."},
		"pyftpdlib":        {Text: "Raise the limits on the server object.", Lines: []string{"server.max_cons = 256", "server.max_cons_per_ip = 8"}},
		"twisted":          {Text: "Raise (or remove) the factory's connection limit.", Lines: []string{"factory.connectionLimit = None"}},
	}, Fix{Text: "Raise the server's limits on concurrent sessions (overall and per client address)."})
}

// activeDisabledFixes turn active mode (PORT/EPRT) back on.
func activeDisabledFixes(sw string) []Fix {
	return pickOr(sw, map[string]Fix{
		"vsftpd":           {Text: "Active mode is off (port_enable=NO). Turn it on only if clients need it; passive mode is usually the better choice.", Lines: []string{"port_enable=YES"}},
		"proftpd":          {Text: "A <Limit PORT EPRT> section denies active mode (\"501 PORT: Operation not permitted\"); remove it only if clients need active mode.", Lines: []string{"# remove: <Limit PORT EPRT> DenyAll </Limit>"}},
		"filezilla-server": {Text: "Check that active mode is not disabled in the server's settings."},
		"iis":              {Text: "Check the FTP site's request filtering does not deny PORT/EPRT."},
	}, Fix{Text: "Active mode is refused by the server's configuration; turn it on only if clients need it."})
}

// activeUnsupportedFixes: the server does not implement PORT/EPRT.
func activeUnsupportedFixes(sw string) []Fix {
	return pickOr(sw, map[string]Fix{
		"twisted": {Text: "Twisted's FTP server implements PORT but not EPRT (nor EPSV): IPv4 clients fall back to PORT/PASV."},
	}, Fix{Text: "The server software does not implement the command; upgrade or replace it if clients need it, otherwise use passive mode."})
}

// passiveDisabledFixes turn passive mode back on.
func passiveDisabledFixes(sw string) []Fix {
	return pickOr(sw, map[string]Fix{
		"vsftpd":           {Text: "Passive mode is off in vsftpd.conf; turn it on and pin a range to open in the firewall.", Lines: []string{"pasv_enable=YES", "pasv_min_port=40000", "pasv_max_port=40100"}},
		"proftpd":          {Text: "Something denies PASV/EPSV (a <Limit PASV EPSV> section); remove it and set a range.", Lines: []string{"PassivePorts 40000 40100"}},
		"pure-ftpd":        {Text: "Pure-FTPd started with -N (NATmode) answers PASV and EPSV as unknown commands: drop -N, and set a passive range (-p 40000:40100, PassivePortRange in pure-ftpd.conf).", Lines: []string{"PassivePortRange 40000 40100"}},
		"filezilla-server": {Text: "Enable passive mode and set a custom port range under Server > Configure > Passive mode settings."},
		"iis":              {Text: "Set the data channel port range in IIS Manager > FTP Firewall Support."},
		"pyftpdlib":        {Text: "Give the handler a passive range.", Lines: []string{"handler.passive_ports = range(40000, 40101)"}},
	}, Fix{Text: "Enable passive mode in the server's configuration and pin a port range to open in the firewall."})
}

// serverLogFixes point at the server's own log, where why it ended or
// refused a session is written.
func serverLogFixes(sw string) []Fix {
	return pickOr(sw, map[string]Fix{
		"vsftpd":           {Text: "Read vsftpd's log for the session (vsftpd_log_file, or syslog with syslog_enable=YES): why it ended is written there."},
		"proftpd":          {Text: "Read ProFTPD's SystemLog for the session: why it ended is written there."},
		"pure-ftpd":        {Text: "Read syslog (the ftp facility) for the session: why it ended is written there."},
		"filezilla-server": {Text: "Read the server's log for the session (Server > Logs)."},
		"iis":              {Text: "Read the FTP site's log for the session (inetpub\\logs\\LogFiles\\FTPSVC*)."},
		"pyftpdlib":        {Text: "Read pyftpdlib's log (the Python logging output) for the session."},
		"twisted":          {Text: "Read the Twisted log for the session."},
	}, Fix{Text: "Read the FTP server's log for the session: why it ended is written there."})
}

// serverErrorFixes: the server reported a failure on its side; its log
// (and for vsftpd the "500 OOPS" text itself) names the cause.
func serverErrorFixes(sw string) []Fix {
	return pickOr(sw, map[string]Fix{
		"vsftpd":    {Text: "vsftpd's \"500 OOPS\" names the failing step: a missing or unreadable home or chroot directory (\"cannot change directory\"), a chroot root writable by the user (\"refusing to run with writable root inside chroot()\": make it read-only, or allow_writeable_chroot=YES), a missing secure_chroot_dir, a bad setting. Fix what it names, then restart vsftpd."},
		"proftpd":   {Text: "Read ProFTPD's log (/var/log/proftpd/proftpd.log, or SystemLog) for the error behind the reply; check the configuration with proftpd -t.", Lines: []string{"proftpd -t"}},
		"pure-ftpd": {Text: "Read Pure-FTPd's syslog messages (facility ftp) for the error behind the reply."},
		"pyftpdlib": {Text: "Read the Python traceback pyftpdlib logged for this command: the handler raised an exception."},
		"twisted":   {Text: "Read the Twisted log: the FTP shell or realm raised an error for this command."},
	}, Fix{Text: "Read the FTP server's log for the error behind the reply: it is the server's own failure."})
}
