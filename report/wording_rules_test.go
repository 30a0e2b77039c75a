package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/probe"
)

// Each server's own wording for each class of reply, put where that
// server sends it, and the finding an admin of that server expects. The
// texts are those of ftp/wording.go (taken from the servers themselves or
// their source); the meaning comes from ftp.Interpret, never from here.

// at puts a reply on one step of a result: "greeting" (every mode),
// "login" (every mode, the reply to PASS), "PORT"/"EPRT"/"PASV"/"EPSV" (that
// mode's set-up), "active"/"passive" (both modes' set-ups, the line's
// command name replaced), "LIST"/"RETR" (every mode's transfer).
func at(where, line string) *probe.Result {
	code := int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	switch where {
	case "greeting":
		r := scenarioHealthy()
		for i := range r.Modes {
			mr := &r.Modes[i]
			mr.Banner = fail(probe.OutcomeReply, 0.01, 0.02, rep(code, line))
			mr.Login = probe.Step{Outcome: probe.OutcomeSkipped}
			mr.ListData, mr.RetrData, mr.Retr = probe.DataConn{}, nil, nil
			mr.List = probe.Transfer{Command: "LIST", Step: probe.Step{Outcome: probe.OutcomeSkipped}}
			mr.Transcript = mr.Transcript[:1]
			mr.Transcript[0].Reply = mr.Banner.Reply
			mr.Works = false
		}
		return r
	case "login":
		r := scenarioLoginFailed()
		for i := range r.Modes {
			r.Modes[i].Login.Reply = rep(code, line)
			r.Modes[i].Transcript[2].Reply = r.Modes[i].Login.Reply
		}
		return r
	case "LIST", "RETR":
		r := scenarioHealthy()
		for i := range r.Modes {
			mr := &r.Modes[i]
			tr := mr.Retr
			if where == "LIST" {
				tr = &mr.List
				mr.Works = false
			}
			tr.Step = fail(probe.OutcomeReply, 1, 1.1, rep(code, line))
			tr.Bytes, tr.Final = 0, tr.Step.Reply
		}
		return r
	}
	r := scenarioHealthy()
	idx := map[string][]int{"EPSV": {0}, "PASV": {1}, "EPRT": {2}, "PORT": {3}, "passive": {0, 1}, "active": {2, 3}}[where]
	for _, i := range idx {
		l := line
		if len(idx) > 1 {
			other := string(probe.AllModes[idx[1-slices.Index(idx, i)]])
			l = strings.ReplaceAll(line, other, string(probe.AllModes[i]))
		}
		refuseSetup(r, i, probe.OutcomeReply, l)
	}
	return r
}

func TestReplyWordingsByServer(t *testing.T) {
	tests := []struct {
		server, where, line string
		want                string
		notWant             []string
		exit                int
	}{
		// Connection limits: server-busy whatever the code, never login-failed.
		{"vsftpd max_per_ip", "greeting", "421 There are too many connections from your internet address.", "server-busy", []string{"server-closing"}, 1},
		{"vsftpd max_clients", "greeting", "421 There are too many connected users, please try later.", "server-busy", []string{"server-closing"}, 1},
		{"ProFTPD MaxClientsPerHost", "login", "530 Sorry, the maximum number of clients (2) from your host are already connected.", "server-busy", []string{"login-failed"}, 1},
		{"Pure-FTPd -C", "greeting", "421 Too many connections (1) from this IP", "server-busy", []string{"server-closing"}, 1},
		{"Pure-FTPd -c", "greeting", "421 1 users (the maximum) are already logged in, sorry", "server-busy", []string{"server-closing"}, 1},
		{"pyftpdlib max_cons_per_ip", "greeting", "421 Too many connections from the same IP address.", "server-busy", []string{"server-closing"}, 1},
		{"pyftpdlib max_cons", "greeting", "421 Too many connections. Service temporarily unavailable.", "server-busy", []string{"server-closing"}, 1},
		{"Twisted connectionLimit", "greeting", "421 Too many users right now, try again in a few minutes.", "server-busy", []string{"server-closing"}, 1},
		{"FileZilla Server per IP", "greeting", "421 Refusing connection. No more connections allowed from your IP.", "server-busy", nil, 1},
		{"IIS", "greeting", "421 Maximum clients reached, service unavailable.", "server-busy", nil, 1},
		// A 421 naming no limit.
		{"Twisted", "greeting", "421 Service not available, closing control connection.", "server-closing", []string{"server-busy"}, 1},
		// The server's own failures: server-error, quoted.
		{"vsftpd", "login", "500 OOPS: cannot change directory:/home/alice", "server-error", []string{"login-failed"}, 1},
		{"vsftpd", "RETR", "451 Failure reading local file.", "server-error", []string{"transfer-denied"}, 0},
		{"Twisted", "LIST", "451 Requested action aborted. Local error in processing.", "server-error", []string{"data-connection-failed"}, 1},
		{"ProFTPD", "LIST", "425 Unable to build data connection: Internal error", "server-error", []string{"data-connection-failed"}, 1},
		{"FileZilla Server", "login", "550 Could not get home dir!", "server-error", []string{"login-failed"}, 1},
		// Active mode refused by configuration.
		{"vsftpd port_enable=NO", "active", "550 Permission denied.", "active-disabled", []string{"data-connection-failed"}, 1},
		{"ProFTPD <Limit PORT EPRT>", "active", "501 PORT: Operation not permitted", "active-disabled", []string{"data-connection-failed"}, 1},
		// PORT/EPRT refused for the address.
		{"vsftpd", "PORT", "500 Illegal PORT command.", "active-address-rejected", nil, 1},
		{"pyftpdlib", "PORT", "501 Rejected data connection to foreign address 10.0.0.9:4100.", "active-address-rejected", nil, 1},
		{"Pure-FTPd", "PORT", "500 I won't open a connection to 10.0.0.1 (only to 127.0.0.1)", "active-address-rejected", nil, 1},
		// PORT/EPRT not implemented: active-unsupported, no data connection claimed.
		{"Twisted", "EPRT", "502 Command 'EPRT' not implemented", "active-unsupported", []string{"data-connection-failed"}, 1},
		{"pyftpdlib (PORT removed)", "PORT", "500 Command \"PORT\" not understood.", "active-unsupported", []string{"data-connection-failed"}, 1},
		{"ProFTPD", "EPRT", "500 EPRT not understood", "active-unsupported", nil, 1},
		{"vsftpd", "EPRT", "500 Bad EPRT protocol.", "active-unsupported", nil, 1},
		{"FileZilla Server", "PORT", "500 Syntax error, command unrecognized.", "active-unsupported", nil, 1},
		// Passive mode refused.
		{"vsftpd pasv_enable=NO", "passive", "550 Permission denied.", "passive-disabled", []string{"epsv-unsupported"}, 1},
		{"ProFTPD <Limit PASV EPSV>", "passive", "501 PASV: Operation not permitted", "passive-disabled", []string{"epsv-unsupported"}, 1},
		{"Pure-FTPd -N", "passive", "500 Unknown command.", "passive-disabled", []string{"epsv-unsupported"}, 1},
		{"Twisted (connects at PORT)", "PORT", "425 Can't open data connection.", "active-callback-blocked", []string{"data-connection-failed"}, 1},
		{"pyftpdlib (connects at PORT)", "PORT", "425 Can't connect to specified address.", "active-callback-blocked", []string{"data-connection-failed"}, 1},
		// EPSV alone not implemented.
		{"Twisted", "EPSV", "502 Command 'EPSV' not implemented", "epsv-unsupported", []string{"passive-disabled"}, 1},
		{"ProFTPD", "EPSV", "500 EPSV not understood", "epsv-unsupported", nil, 1},
		{"vsftpd", "EPSV", "500 Unknown command.", "epsv-unsupported", nil, 1},
		// Logins.
		{"vsftpd", "login", "530 Login incorrect.", "login-failed", nil, 1},
		{"Twisted", "login", "530 Sorry, Authentication failed.", "login-failed", nil, 1},
		{"Pure-FTPd", "login", "530 Login authentication failed", "login-failed", nil, 1},
		{"pyftpdlib", "login", "530 Authentication failed.", "login-failed", nil, 1},
		{"FileZilla Server", "login", "530 Login or password incorrect!", "login-failed", nil, 1},
		{"vsftpd local_enable=NO", "login", "530 This FTP server is anonymous only.", "login-failed", []string{"control-failed"}, 1},
		{"pyftpdlib no anonymous", "login", "530 Anonymous access not allowed.", "login-failed", []string{"control-failed"}, 1},
		{"Twisted", "login", "332 Need account for login.", "login-account-needed", []string{"login-failed"}, 1},
		// TLS demanded of a plain session.
		{"vsftpd force_local_logins_ssl", "login", "530 Non-anonymous sessions must use encryption.", "tls-required", []string{"login-failed"}, 1},
		{"ProFTPD TLSRequired", "login", "550 SSL/TLS required on the control channel", "tls-required", []string{"login-failed"}, 1},
		{"Pure-FTPd -Y 2", "greeting", "421 Sorry, cleartext sessions and weak ciphers are not accepted on this server. Please reconnect using TLS security mechanisms.", "tls-required", []string{"server-closing", "server-busy"}, 1},
		{"FileZilla Server", "login", "530 Have to use explicit SSL/TLS before logging on.", "tls-required", []string{"login-failed"}, 1},
		// A data connection's TLS did not resume the control session.
		{"vsftpd require_ssl_reuse=YES", "RETR", "522 SSL connection failed: session reuse required", "data-tls-not-resumed", []string{"data-tls-failed", "data-connection-failed"}, 1},
		{"FileZilla Server", "RETR", "425 Unable to build data connection: TLS session of data connection not resumed.", "data-tls-not-resumed", []string{"data-tls-failed", "data-connection-failed"}, 1},
		// Files.
		{"vsftpd", "RETR", "550 Failed to open file.", "transfer-denied", nil, 0},
		{"ProFTPD", "RETR", "550 nosuch: No such file or directory", "transfer-denied", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.server+"/"+tt.where+"/"+tt.line, func(t *testing.T) {
			r := at(tt.where, tt.line)
			d := Diagnose(r, nil)
			got := ids(d.Findings)
			if !slices.Contains(got, tt.want) {
				t.Errorf("missing %s in %v", tt.want, got)
			}
			for _, id := range tt.notWant {
				if slices.Contains(got, id) {
					t.Errorf("unexpected %s in %v", id, got)
				}
			}
			if d.ExitCode() != tt.exit {
				t.Errorf("exit = %d, want %d (%v)", d.ExitCode(), tt.exit, got)
			}
			if f := find(d.Findings, tt.want); f != nil && tt.where != "greeting" && !strings.Contains(f.Explanation+f.Title+evidenceText(f), strings.TrimSpace(tt.line[4:])) {
				t.Errorf("%s does not quote %q: %s", tt.want, tt.line, f.Explanation)
			}
			if err := d.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func evidenceText(f *Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}
