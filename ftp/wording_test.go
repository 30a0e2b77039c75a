package ftp

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// wordingCase is one exact reply a server sends, the command it answers,
// and the meaning Interpret must give it.
type wordingCase struct {
	server string
	verb   string
	lines  []string
	after  bool
	want   Meaning
}

// wordingCases are exact texts, from the servers' sources or from the
// servers themselves (vsftpd 3.0.3, ProFTPD 1.3.8, Pure-FTPd 1.0.50,
// pyftpdlib 1.5.7, Twisted 22.4.0 were run on loopback to take them);
// FileZilla Server 0.9.60 from its source, Serv-U 6.x from the reply
// strings of its binary, IIS from Microsoft's texts and observed replies.
var wordingCases = []wordingCase{
	// Connection limits.
	{"vsftpd max_per_ip", Greeting, []string{"421 There are too many connections from your internet address."}, false, MeaningConnectionLimit},
	{"vsftpd max_clients", Greeting, []string{"421 There are too many connected users, please try later."}, false, MeaningConnectionLimit},
	{"ProFTPD MaxClientsPerHost", "PASS", []string{"530 Sorry, the maximum number of clients (2) from your host are already connected."}, false, MeaningConnectionLimit},
	{"ProFTPD MaxClients", "PASS", []string{"530 Sorry, the maximum number of allowed clients (1) are already connected."}, false, MeaningConnectionLimit},
	{"ProFTPD MaxClientsPerUser", "PASS", []string{"530 Sorry, the maximum number of clients (1) for this user are already connected."}, false, MeaningConnectionLimit},
	{"ProFTPD MaxClientsPerClass", "PASS", []string{"530 Sorry, the maximum number of clients (3) from your class are already connected."}, false, MeaningConnectionLimit},
	{"ProFTPD MaxHostsPerUser", "PASS", []string{"530 Sorry, the maximum number of hosts (1) for this user are already connected."}, false, MeaningConnectionLimit},
	{"ProFTPD MaxConnectionsPerHost", Greeting, []string{"530 Sorry, the maximum number of connections (1) for your host are already connected."}, false, MeaningConnectionLimit},
	{"Pure-FTPd -C", Greeting, []string{"421 Too many connections (1) from this IP"}, false, MeaningConnectionLimit},
	{"Pure-FTPd -c", Greeting, []string{"421 1 users (the maximum) are already logged in, sorry"}, false, MeaningConnectionLimit},
	{"pyftpdlib max_cons_per_ip", Greeting, []string{"421 Too many connections from the same IP address."}, false, MeaningConnectionLimit},
	{"pyftpdlib max_cons", Greeting, []string{"421 Too many connections. Service temporarily unavailable."}, false, MeaningConnectionLimit},
	{"pyftpdlib data channels", "PASV", []string{"425 Too many connections. Can't open data channel."}, false, MeaningConnectionLimit},
	{"Twisted connectionLimit", Greeting, []string{"421 Too many users right now, try again in a few minutes."}, false, MeaningConnectionLimit},
	{"FileZilla 0.9 max users", "PASS", []string{"421 Too many users are connected, please try again later."}, false, MeaningConnectionLimit},
	{"FileZilla 0.9 per account", "PASS", []string{"421 Too many users logged in for this account. Try again later."}, false, MeaningConnectionLimit},
	{"FileZilla 0.9 per IP", "PASS", []string{"421 Refusing connection. No more connections allowed from your IP."}, false, MeaningConnectionLimit},
	{"FileZilla 0.9 per user", "PASS", []string{"421 Refusing connection. Maximum connection count reached for the user 'alice'"}, false, MeaningConnectionLimit},
	{"IIS FTP 6", Greeting, []string{"421 Maximum clients reached, service unavailable."}, false, MeaningConnectionLimit},
	{"Serv-U 6.x per IP", "PASS", []string{"530 Not logged in, only 2 sessions from same IP allowed concurrently."}, false, MeaningConnectionLimit},
	{"Serv-U 6.x one per IP", "PASS", []string{"530 Not logged in, only one session from same IP allowed at a time."}, false, MeaningConnectionLimit},
	// Server errors.
	{"vsftpd OOPS after login", "PASS", []string{"500 OOPS: cannot change directory:/home/alice"}, false, MeaningServerError},
	{"vsftpd OOPS chroot", "PASS", []string{"500 OOPS: vsftpd: refusing to run with writable root inside chroot()"}, false, MeaningServerError},
	{"vsftpd OOPS greeting", Greeting, []string{"500 OOPS: could not bind listening IPv4 socket"}, false, MeaningServerError},
	{"vsftpd read failure", "RETR", []string{"451 Failure reading local file."}, true, MeaningServerError},
	{"vsftpd write failure", "STOR", []string{"451 Failure writing to local file."}, true, MeaningServerError},
	{"Twisted 451", "RETR", []string{"451 Requested action aborted. Local error in processing."}, true, MeaningServerError},
	{"RFC 959 451", "STOR", []string{"451 Requested action aborted: local error in processing"}, false, MeaningServerError},
	{"Twisted internal error", "LIST", []string{"550 Requested action not taken: internal server error"}, false, MeaningServerError},
	{"ProFTPD internal error", "LIST", []string{"425 Unable to build data connection: Internal error"}, true, MeaningServerError},
	{"FileZilla 0.9 home dir", "PASS", []string{"550 Could not get home dir!"}, false, MeaningServerError},
	{"FileZilla 0.9 socket", "PASV", []string{"421 Can't create socket"}, false, MeaningServerError},
	{"Serv-U 6.x no home", "PASS", []string{"530 Not logged in, home directory does not exist."}, false, MeaningServerError},
	{"Serv-U 6.x home not found", "PASS", []string{"530 Not logged in, cannot find home directory."}, false, MeaningServerError},
	// TLS.
	{"vsftpd without TLS", "AUTH", []string{"530 Please login with USER and PASS."}, false, MeaningTLSUnavailable},
	{"Twisted AUTH before login", "AUTH", []string{"530 Please login with USER and PASS."}, false, MeaningTLSUnavailable},
	{"Pure-FTPd without TLS", "AUTH", []string{"500 This security scheme is not implemented"}, false, MeaningTLSUnavailable},
	{"vsftpd PBSZ without TLS", "PBSZ", []string{"550 Permission denied."}, false, MeaningTLSUnavailable},
	{"vsftpd PROT without TLS", "PROT", []string{"550 Permission denied."}, false, MeaningTLSUnavailable},
	{"ProFTPD without mod_tls", "AUTH", []string{"500 AUTH not understood"}, false, MeaningTLSUnavailable},
	{"ProFTPD PBSZ without mod_tls", "PBSZ", []string{"500 PBSZ not understood"}, false, MeaningTLSUnavailable},
	{"vsftpd force_local_logins_ssl", "USER", []string{"530 Non-anonymous sessions must use encryption."}, false, MeaningTLSRequired},
	{"vsftpd force_anon_logins_ssl", "USER", []string{"530 Anonymous sessions must use encryption."}, false, MeaningTLSRequired},
	{"vsftpd force_local_data_ssl", "LIST", []string{"522 Data connections must be encrypted."}, false, MeaningTLSRequired},
	{"ProFTPD TLSRequired control", "USER", []string{"550 SSL/TLS required on the control channel"}, false, MeaningTLSRequired},
	{"pyftpdlib tls_control_required", "USER", []string{"550 SSL/TLS required on the control channel."}, false, MeaningTLSRequired},
	{"ProFTPD TLSRequired data", "LIST", []string{"550 SSL/TLS required on the data channel"}, false, MeaningTLSRequired},
	{"pyftpdlib tls_data_required", "PASV", []string{"550 SSL/TLS required on the data channel."}, false, MeaningTLSRequired},
	{"Pure-FTPd -Y 2", "USER", []string{"421-Sorry, cleartext sessions and weak ciphers are not accepted on this server.", "421 Please reconnect using TLS security mechanisms."}, false, MeaningTLSRequired},
	{"FileZilla 0.9 force explicit", "USER", []string{"530 Have to use explicit SSL/TLS before logging on."}, false, MeaningTLSRequired},
	{"FileZilla 0.9 user force SSL", "USER", []string{"530 SSL required"}, false, MeaningTLSRequired},
	{"FileZilla 0.9 PROT P", "RETR", []string{"521 PROT P required"}, false, MeaningTLSRequired},
	{"IIS SSL policy", "USER", []string{"534 Policy requires SSL."}, false, MeaningTLSRequired},
	{"IIS SSL policy on PROT C", "PROT", []string{"534 Policy requires SSL."}, false, MeaningTLSRequired},
	{"vsftpd require_ssl_reuse", "LIST", []string{"522 SSL connection failed: session reuse required"}, true, MeaningTLSReuseRequired},
	{"FileZilla 0.9.60 reuse", "RETR", []string{"425 Unable to build data connection: TLS session of data connection not resumed."}, true, MeaningTLSReuseRequired},
	{"FileZilla 1.x reuse", "LIST", []string{"425 Unable to build data connection: TLS session of data connection not resumed"}, true, MeaningTLSReuseRequired},
	{"FileZilla 0.9.x reuse", "RETR", []string{"450 TLS session of data connection has not resumed or the session does not match the control connection"}, true, MeaningTLSReuseRequired},
	{"vsftpd data TLS failure without reuse", "LIST", []string{"522 SSL connection failed"}, true, MeaningNone},
	{"Serv-U 6.x SSL required", "PASS", []string{"530 Not logged in, need secure connection."}, false, MeaningTLSRequired},
	{"Serv-U 6.x PROT P required", "RETR", []string{"521 Data connection cannot be opened with this PROT setting."}, false, MeaningTLSRequired},
	// Refused by configuration.
	{"vsftpd port_enable=NO", "PORT", []string{"550 Permission denied."}, false, MeaningDisabled},
	{"vsftpd port_enable=NO EPRT", "EPRT", []string{"550 Permission denied."}, false, MeaningDisabled},
	{"vsftpd pasv_enable=NO", "PASV", []string{"550 Permission denied."}, false, MeaningDisabled},
	{"vsftpd pasv_enable=NO EPSV", "EPSV", []string{"550 Permission denied."}, false, MeaningDisabled},
	{"ProFTPD Limit PORT", "PORT", []string{"501 PORT: Operation not permitted"}, false, MeaningDisabled},
	{"ProFTPD Limit EPRT", "EPRT", []string{"501 EPRT: Operation not permitted"}, false, MeaningDisabled},
	{"ProFTPD Limit PASV", "PASV", []string{"501 PASV: Operation not permitted"}, false, MeaningDisabled},
	{"ProFTPD Limit EPSV", "EPSV", []string{"501 EPSV: Operation not permitted"}, false, MeaningDisabled},
	{"vsftpd userlist", "USER", []string{"530 Permission denied."}, false, MeaningDisabled},
	{"vsftpd anonymous only", "USER", []string{"530 This FTP server is anonymous only."}, false, MeaningDisabled},
	{"vsftpd allow_anon_ssl=NO", "USER", []string{"530 Anonymous sessions may not use encryption."}, false, MeaningDisabled},
	{"pyftpdlib no anonymous", "PASS", []string{"530 Anonymous access not allowed."}, false, MeaningDisabled},
	{"FileZilla 0.9 disabled account", "PASS", []string{"530 Not logged in, user account has been disabled"}, false, MeaningDisabled},
	{"FileZilla 0.9 IP filter", "PASS", []string{"521 This user is not allowed to connect from this IP"}, false, MeaningDisabled},
	{"Serv-U 6.x PASV off", "PASV", []string{"550 Passive mode not allowed on this server."}, false, MeaningDisabled},
	{"Serv-U 6.x no anonymous", "USER", []string{"530 Sorry, no ANONYMOUS access allowed."}, false, MeaningDisabled},
	{"Serv-U 6.x IP rules", "PASS", []string{"530 Not logged in, unauthorized IP address."}, false, MeaningDisabled},
	// Address refused.
	{"vsftpd PORT foreign", "PORT", []string{"500 Illegal PORT command."}, false, MeaningAddressRefused},
	{"ProFTPD PORT privileged", "PORT", []string{"500 Illegal PORT command"}, false, MeaningAddressRefused},
	{"vsftpd EPRT foreign", "EPRT", []string{"500 Illegal EPRT command."}, false, MeaningAddressRefused},
	{"ProFTPD EPRT", "EPRT", []string{"500 Illegal EPRT command"}, false, MeaningAddressRefused},
	{"pyftpdlib foreign", "PORT", []string{"501 Rejected data connection to foreign address 10.0.0.9:4100."}, false, MeaningAddressRefused},
	{"pyftpdlib privileged", "EPRT", []string{"501 PORT against the privileged port \"80\" refused."}, false, MeaningAddressRefused},
	{"Pure-FTPd foreign", "PORT", []string{"500 I won't open a connection to 10.0.0.1 (only to 127.0.0.1)"}, false, MeaningAddressRefused},
	{"Pure-FTPd foreign EPRT", "EPRT", []string{"500 I won't open a connection to 10.0.0.1 (only to 127.0.0.1)"}, false, MeaningAddressRefused},
	{"Pure-FTPd privileged", "PORT", []string{"501 Sorry, but I won't connect to ports < 1024"}, false, MeaningAddressRefused},
	{"Serv-U 6.x FXP", "PORT", []string{"530 Only client IP address allowed for PORT command."}, false, MeaningAddressRefused},
	{"Serv-U 6.x low port", "PORT", []string{"530 Port number has to be between 1024 and 65535."}, false, MeaningAddressRefused},
	{"IIS 7.5 PORT foreign", "PORT", []string{"501 Server cannot accept argument."}, false, MeaningAddressRefused},
	{"vsftpd EPRT IPv6 on IPv4", "EPRT", []string{"500 Bad EPRT protocol."}, false, MeaningProtocolUnsupported},
	{"FileZilla 0.9 PORT on IPv6", "PORT", []string{"500 You are connected using IPv6. PORT is only for IPv4. You have to use the EPRT command instead."}, false, MeaningProtocolUnsupported},
	{"vsftpd EPSV 2 on IPv4", "EPSV", []string{"522 Bad network protocol."}, false, MeaningProtocolUnsupported},
	{"Pure-FTPd EPSV 2 on IPv4", "EPSV", []string{"522 Only IPv4 is supported (1)"}, false, MeaningProtocolUnsupported},
	{"ProFTPD EPRT 2 on IPv4", "EPRT", []string{"522 Network protocol not supported, use (1)"}, false, MeaningProtocolUnsupported},
	{"pyftpdlib EPSV 2 on IPv4", "EPSV", []string{"522 Network protocol not supported (use 1)."}, false, MeaningProtocolUnsupported},
	// Not implemented.
	{"pyftpdlib PORT removed", "PORT", []string{"500 Command \"PORT\" not understood."}, false, MeaningNotImplemented},
	{"pyftpdlib EPRT removed", "EPRT", []string{"500 Command \"EPRT\" not understood."}, false, MeaningNotImplemented},
	{"ProFTPD unknown", "EPSV", []string{"500 EPSV not understood"}, false, MeaningNotImplemented},
	{"ProFTPD unknown SITE", "SITE", []string{"500 'SITE FOO' not understood"}, false, MeaningNotImplemented},
	{"vsftpd unknown", "EPSV", []string{"500 Unknown command."}, false, MeaningNotImplemented},
	{"Pure-FTPd unknown", "EPRT", []string{"500 Unknown command"}, false, MeaningNotImplemented},
	{"Twisted no EPSV", "EPSV", []string{"502 Command 'EPSV' not implemented"}, false, MeaningNotImplemented},
	{"Twisted no EPRT", "EPRT", []string{"502 Command 'EPRT' not implemented"}, false, MeaningNotImplemented},
	{"FileZilla 0.9 unknown", "EPSV", []string{"500 Syntax error, command unrecognized."}, false, MeaningNotImplemented},
	// Login.
	{"vsftpd bad password", "PASS", []string{"530 Login incorrect."}, false, MeaningAuthFailed},
	{"ProFTPD bad password", "PASS", []string{"530 Login incorrect."}, false, MeaningAuthFailed},
	{"Twisted bad password", "PASS", []string{"530 Sorry, Authentication failed."}, false, MeaningAuthFailed},
	{"Pure-FTPd bad password", "PASS", []string{"530 Login authentication failed"}, false, MeaningAuthFailed},
	{"pyftpdlib bad password", "PASS", []string{"530 Authentication failed."}, false, MeaningAuthFailed},
	{"pyftpdlib bad password, last try", "PASS", []string{"530 Authentication failed. Disconnecting."}, false, MeaningAuthFailed},
	{"Serv-U 6.x bad passwords", "PASS", []string{"530 Not logged in, too many tries with incorrect password."}, false, MeaningAuthFailed},
	{"Serv-U 6.x unknown", "EPSV", []string{"500 'EPSV': command not understood."}, false, MeaningNotImplemented},
	{"Serv-U 6.x RETR missing", "RETR", []string{"550 x.bin: No such file or directory."}, false, MeaningFileRefused},
	{"Serv-U 6.x data connection", "LIST", []string{"425 Cannot open data connection."}, true, MeaningDataConnectionFailed},
	{"Serv-U 15 plain not logged in", "PASS", []string{"530 Not logged in."}, false, MeaningAuthFailed},
	{"FileZilla 0.9 bad password", "PASS", []string{"530 Login or password incorrect!"}, false, MeaningAuthFailed},
	{"Twisted account", "PASS", []string{"332 Need account for login."}, false, MeaningAccountNeeded},
	{"Twisted account for STOR", "STOR", []string{"532 Need an account for storing files"}, false, MeaningAccountNeeded},
	{"FileZilla 0.9 not logged in", "PASV", []string{"530 Please log in with USER and PASS first."}, false, MeaningLoginRequired},
	{"pyftpdlib not logged in", "LIST", []string{"530 Log in with USER and PASS first."}, false, MeaningLoginRequired},
	{"vsftpd not logged in", "PASV", []string{"530 Please login with USER and PASS."}, false, MeaningLoginRequired},
	{"ProFTPD not logged in", "PASV", []string{"530 Please login with USER and PASS"}, false, MeaningLoginRequired},
	{"Pure-FTPd not logged in", "LIST", []string{"530 You aren't logged in"}, false, MeaningLoginRequired},
	// Files.
	{"vsftpd RETR missing", "RETR", []string{"550 Failed to open file."}, false, MeaningFileRefused},
	{"ProFTPD RETR missing", "RETR", []string{"550 nosuch: No such file or directory"}, false, MeaningFileRefused},
	{"Pure-FTPd RETR missing", "RETR", []string{"550 Can't open nosuch: No such file or directory"}, false, MeaningFileRefused},
	{"pyftpdlib RETR missing", "RETR", []string{"550 No such file or directory."}, false, MeaningFileRefused},
	{"Twisted RETR missing", "RETR", []string{"550 nosuch: No such file or directory."}, false, MeaningFileRefused},
	{"vsftpd write_enable=NO", "STOR", []string{"550 Permission denied."}, false, MeaningFileRefused},
	{"ProFTPD STOR denied", "STOR", []string{"550 /etc/x: Permission denied"}, false, MeaningFileRefused},
	{"FileZilla 0.9 RETR denied", "RETR", []string{"550 Permission denied"}, false, MeaningFileRefused},
	{"FileZilla 0.9 RETR missing", "RETR", []string{"550 File not found"}, false, MeaningFileRefused},
	// Data connections.
	{"vsftpd active connect failed", "LIST", []string{"425 Failed to establish connection."}, false, MeaningDataConnectionFailed},
	{"Twisted PORT connect failed", "PORT", []string{"425 Can't open data connection."}, false, MeaningDataConnectionFailed},
	{"FileZilla 0.9 connect failed", "LIST", []string{"425 Can't open data connection"}, true, MeaningDataConnectionFailed},
	{"ProFTPD connect refused", "LIST", []string{"425 Unable to build data connection: Connection refused"}, false, MeaningDataConnectionFailed},
	{"ProFTPD reuse refusal (ambiguous)", "LIST", []string{"425 Unable to build data connection: Operation not permitted"}, true, MeaningDataConnectionFailed},
	{"pyftpdlib connect failed", "LIST", []string{"425 Can't connect to specified address."}, false, MeaningDataConnectionFailed},
	{"pyftpdlib active callback timed out (client-firewall capture)", "PORT", []string{"421 Active data channel timed out."}, false, MeaningDataConnectionFailed},
	{"pyftpdlib active callback timed out, EPRT", "EPRT", []string{"421 Active data channel timed out."}, false, MeaningDataConnectionFailed},
	{"pyftpdlib passive connection timed out", "LIST", []string{"421 Passive data channel timed out."}, false, MeaningDataConnectionFailed},
}

// rowFor returns the index of the wording row that decides rep, or -1.
func rowFor(verb string, rep Reply) int {
	text := strings.ToLower(rep.Message())
	for i, w := range wordings {
		if w.matches(verb, rep.Code, text) {
			return i
		}
	}
	return -1
}

// replyOf builds the reply of lines as the reader would.
func replyOf(t *testing.T, lines []string) Reply {
	t.Helper()
	code, err := strconv.Atoi(lines[0][:3])
	if err != nil {
		t.Fatalf("bad test line %q", lines[0])
	}
	return Reply{Code: code, Lines: lines}
}

func TestWordings(t *testing.T) {
	for _, tc := range wordingCases {
		rep := replyOf(t, tc.lines)
		got := Interpret(tc.verb, rep, tc.after)
		if got.Meaning != tc.want {
			t.Errorf("%s: Interpret(%q, %q) meaning %q (source %q), want %q", tc.server, tc.verb, rep.Text(), got.Meaning, got.Source, tc.want)
		}
		if i := rowFor(tc.verb, rep); i >= 0 && got.Source != wordings[i].source() {
			t.Errorf("%s: source %q, want %q", tc.server, got.Source, wordings[i].source())
		}
	}
}

// TestWordingRowsExercised: every row decides at least one exact reply in
// wordingCases, and its own quoted reply, so no row is dead or shadowed by
// an earlier one.
func TestWordingRowsExercised(t *testing.T) {
	used := make([]bool, len(wordings))
	for _, tc := range wordingCases {
		if i := rowFor(tc.verb, replyOf(t, tc.lines)); i >= 0 {
			used[i] = true
		}
	}
	for i, w := range wordings {
		if !used[i] {
			t.Errorf("row %d (%s) decides no case in wordingCases", i, w.source())
		}
		if len(w.codes) == 0 || len(w.all) == 0 || w.server == "" {
			t.Errorf("row %d (%s) is not narrow: codes, text and server are required", i, w.source())
		}
		verb := "RETR"
		if len(w.verbs) > 0 {
			verb = w.verbs[0]
		}
		if got := rowFor(verb, replyOf(t, []string{w.reply})); got != i {
			t.Errorf("row %d: its own reply %q to %s is decided by row %d", i, w.reply, verb, got)
		}
	}
}

// TestWordingsStayInTheirLane: texts that share words with a row but
// belong to another command or code keep the code's meaning.
func TestWordingsStayInTheirLane(t *testing.T) {
	tests := []struct {
		verb string
		line string
		want Meaning
	}{
		{"RETR", "550 Permission denied.", MeaningFileRefused}, // not "disabled": a file, not a command
		{"USER", "550 Permission denied.", MeaningNone},
		{"PASV", "500 Illegal PORT command.", MeaningNone},
		{"LIST", "421 There are too many connections from your internet address.", MeaningServiceClosing},
		{"PASS", "530 Please login with USER and PASS.", MeaningAuthFailed},
		{"AUTH", "500 Unknown command.", MeaningTLSUnavailable},
		{"USER", "425 Can't open data connection.", MeaningDataConnectionFailed},
		{"LIST", "522 SSL connection failed: session reuse required", MeaningTLSReuseRequired},
		{"PORT", "522 SSL connection failed: session reuse required", MeaningNone},
		{"PASV", "501 PASV: Operation not permitted", MeaningDisabled},
		{"RETR", "501 RETR: Operation not permitted", MeaningNone},
	}
	for _, tt := range tests {
		rep := replyOf(t, []string{tt.line})
		if got := Interpret(tt.verb, rep, false); got.Meaning != tt.want {
			t.Errorf("Interpret(%q, %q) = %q (%s), want %q", tt.verb, tt.line, got.Meaning, got.Source, tt.want)
		}
	}
}

// TestWorded: a code is worded exactly when a row is for it, and the rows
// tried for a code (rowsByCode) decide as the whole table does.
func TestWorded(t *testing.T) {
	for code := 100; code < 600; code++ {
		has := slices.ContainsFunc(wordings, func(w wording) bool { return slices.Contains(w.codes, code) })
		if Worded(code) != has {
			t.Errorf("Worded(%d) = %v, a row for it: %v", code, Worded(code), has)
		}
	}
	for _, tc := range wordingCases {
		rep := replyOf(t, tc.lines)
		m, src, ok := matchWording(tc.verb, rep)
		i := rowFor(tc.verb, rep)
		if ok != (i >= 0) || ok && (m != wordings[i].meaning || src != wordings[i].source()) {
			t.Errorf("%s %s: matchWording %q %q %v, the table's row %d", tc.server, tc.lines[0], m, src, ok, i)
		}
	}
}
