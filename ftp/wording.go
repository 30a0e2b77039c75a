package ftp

import (
	"slices"
	"strings"
)

// wording is one row of the server-wording table: replies whose code and
// text say more than the code. A row is narrow (the commands it answers,
// its codes, and lower-case substrings of its text) so that one server's
// wording cannot take another's meaning. Each row names the server and
// version its text was taken from, and quotes one exact reply; the tests
// check that reply and every other known text of the row.
type wording struct {
	// verbs the row applies to (empty: any command, Greeting included).
	verbs []string
	// except lists commands the row never applies to.
	except []string
	// codes it applies to (never empty).
	codes []int
	// all lower-case substrings must appear in the reply text.
	all     []string
	meaning Meaning
	// server names the software, version and configuration the text
	// comes from.
	server string
	// reply is one exact reply of that server the row matches.
	reply string
}

// source is what Interpretation.Source says for the row.
func (w wording) source() string { return w.server + ": " + w.reply }

// Command groups the rows use.
var (
	// greetingLogin: a limit or a login policy is told on connecting or
	// at USER/PASS.
	greetingLogin = []string{Greeting, "USER", "PASS", "ACCT"}
	login         = []string{"USER", "PASS", "ACCT"}
	activeVerbs   = []string{"PORT", "EPRT"}
	dataSetup     = []string{"PORT", "EPRT", "PASV", "EPSV"}
	transferVerbs = []string{"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"}
	// dataAndTransfer: a data connection's failure told while the set-up
	// or the transfer waits for it.
	dataAndTransfer = append(slices.Clone(dataSetup), transferVerbs...)
	// tlsVerbs: a refusal of these says TLS is unavailable, never that
	// some other command is not implemented.
	tlsVerbs = []string{"AUTH", "PBSZ", "PROT"}
)

// wordings are tried in order; the first row that matches decides. A row
// whose text is contained in a later row's text comes after it.
var wordings = []wording{
	// Connection limits: the server turned the session away for the number
	// of sessions, whatever the code (421 or 530).
	{verbs: greetingLogin, codes: []int{421}, all: []string{"too many connections from your internet address"}, meaning: MeaningConnectionLimit,
		server: "vsftpd 3.0.3 (max_per_ip)", reply: "421 There are too many connections from your internet address."},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"too many connected users"}, meaning: MeaningConnectionLimit,
		server: "vsftpd 3.0.3 (max_clients)", reply: "421 There are too many connected users, please try later."},
	{verbs: greetingLogin, codes: []int{421, 530}, all: []string{"sorry, the maximum number of", "already connected"}, meaning: MeaningConnectionLimit,
		server: "ProFTPD 1.3.8 (MaxClients, MaxClientsPerHost, MaxClientsPerUser, MaxHostsPerUser, MaxConnectionsPerHost)",
		reply:  "530 Sorry, the maximum number of clients (2) from your host are already connected."},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"too many connections (", "from this ip"}, meaning: MeaningConnectionLimit,
		server: "Pure-FTPd 1.0.50 (-C, MaxClientsPerIP)", reply: "421 Too many connections (1) from this IP"},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"users (the maximum) are already logged in"}, meaning: MeaningConnectionLimit,
		server: "Pure-FTPd 1.0.50 (-c, MaxClientsNumber)", reply: "421 1 users (the maximum) are already logged in, sorry"},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"too many connections from the same ip address"}, meaning: MeaningConnectionLimit,
		server: "pyftpdlib 1.5.7 (max_cons_per_ip)", reply: "421 Too many connections from the same IP address."},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"too many connections. service temporarily unavailable"}, meaning: MeaningConnectionLimit,
		server: "pyftpdlib 1.5.7 (max_cons)", reply: "421 Too many connections. Service temporarily unavailable."},
	{verbs: dataSetup, codes: []int{425}, all: []string{"too many connections. can't open data channel"}, meaning: MeaningConnectionLimit,
		server: "pyftpdlib 1.5.7 (max_cons)", reply: "425 Too many connections. Can't open data channel."},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"too many users right now"}, meaning: MeaningConnectionLimit,
		server: "Twisted 22.4.0 (FTPFactory.connectionLimit)", reply: "421 Too many users right now, try again in a few minutes."},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"too many users are connected"}, meaning: MeaningConnectionLimit,
		server: "FileZilla Server 0.9.60 (max. number of users)", reply: "421 Too many users are connected, please try again later."},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"too many users logged in for this account"}, meaning: MeaningConnectionLimit,
		server: "FileZilla Server 0.9.60 (user connection limit)", reply: "421 Too many users logged in for this account. Try again later."},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"no more connections allowed from your ip"}, meaning: MeaningConnectionLimit,
		server: "FileZilla Server 0.9.60 (connection limit per IP)", reply: "421 Refusing connection. No more connections allowed from your IP."},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"maximum connection count reached for the user"}, meaning: MeaningConnectionLimit,
		server: "FileZilla Server 0.9.60 (user connection limit)", reply: "421 Refusing connection. Maximum connection count reached for the user 'alice'"},
	{verbs: greetingLogin, codes: []int{421}, all: []string{"maximum clients reached, service unavailable"}, meaning: MeaningConnectionLimit,
		server: "IIS FTP 6 (MaxClientsMessage default)", reply: "421 Maximum clients reached, service unavailable."},
	{verbs: greetingLogin, codes: []int{530}, all: []string{"not logged in, only", "from same ip allowed"}, meaning: MeaningConnectionLimit,
		server: "Serv-U 6.x (max. sessions per IP)", reply: "530 Not logged in, only 2 sessions from same IP allowed concurrently."},

	// Server-side errors: a configuration or server problem, quoted.
	{codes: []int{500}, all: []string{"oops:"}, meaning: MeaningServerError,
		server: "vsftpd 3.0.3", reply: "500 OOPS: cannot change directory:/home/alice"},
	{verbs: transferVerbs, codes: []int{451}, all: []string{"failure reading local file"}, meaning: MeaningServerError,
		server: "vsftpd 3.0.3", reply: "451 Failure reading local file."},
	{verbs: transferVerbs, codes: []int{451}, all: []string{"failure writing to local file"}, meaning: MeaningServerError,
		server: "vsftpd 3.0.3", reply: "451 Failure writing to local file."},
	{codes: []int{451}, all: []string{"local error in processing"}, meaning: MeaningServerError,
		server: "Twisted 22.4.0 (RFC 959 text)", reply: "451 Requested action aborted. Local error in processing."},
	{codes: []int{550}, all: []string{"requested action not taken: internal server error"}, meaning: MeaningServerError,
		server: "Twisted 22.4.0", reply: "550 Requested action not taken: internal server error"},
	{verbs: transferVerbs, codes: []int{425}, all: []string{"unable to build data connection: internal error"}, meaning: MeaningServerError,
		server: "ProFTPD 1.3.8", reply: "425 Unable to build data connection: Internal error"},
	{verbs: login, codes: []int{550}, all: []string{"could not get home dir"}, meaning: MeaningServerError,
		server: "FileZilla Server 0.9.60", reply: "550 Could not get home dir!"},
	{codes: []int{421}, all: []string{"can't create socket"}, meaning: MeaningServerError,
		server: "FileZilla Server 0.9.60", reply: "421 Can't create socket"},
	{verbs: login, codes: []int{530}, all: []string{"not logged in, ", "home directory"}, meaning: MeaningServerError,
		server: "Serv-U 6.x (home directory missing)", reply: "530 Not logged in, home directory does not exist."},

	// TLS: what the server says when it has none, demands it, or demands
	// that data connections resume the control connection's session.
	{verbs: []string{"AUTH"}, codes: []int{530}, all: []string{"please login with user and pass"}, meaning: MeaningTLSUnavailable,
		server: "vsftpd 3.0.3 (ssl_enable=NO), Twisted 22.4.0", reply: "530 Please login with USER and PASS."},
	{verbs: []string{"AUTH"}, codes: []int{500, 502, 504}, all: []string{"security scheme is not implemented"}, meaning: MeaningTLSUnavailable,
		server: "Pure-FTPd 1.0.50 (built or run without TLS)", reply: "500 This security scheme is not implemented"},
	{verbs: []string{"PBSZ", "PROT"}, codes: []int{550}, all: []string{"permission denied"}, meaning: MeaningTLSUnavailable,
		server: "vsftpd 3.0.3 (ssl_enable=NO)", reply: "550 Permission denied."},
	{codes: []int{530}, all: []string{"sessions must use encryption"}, meaning: MeaningTLSRequired,
		server: "vsftpd 3.0.3 (force_local_logins_ssl=YES, force_anon_logins_ssl=YES)", reply: "530 Non-anonymous sessions must use encryption."},
	{codes: []int{522}, all: []string{"data connections must be encrypted"}, meaning: MeaningTLSRequired,
		server: "vsftpd 3.0.3 (force_local_data_ssl=YES)", reply: "522 Data connections must be encrypted."},
	{codes: []int{550}, all: []string{"ssl/tls required on the control channel"}, meaning: MeaningTLSRequired,
		server: "ProFTPD 1.3.8 mod_tls (TLSRequired on), pyftpdlib 1.5.7 (tls_control_required)", reply: "550 SSL/TLS required on the control channel"},
	{codes: []int{550}, all: []string{"ssl/tls required on the data channel"}, meaning: MeaningTLSRequired,
		server: "ProFTPD 1.3.8 mod_tls (TLSRequired on), pyftpdlib 1.5.7 (tls_data_required)", reply: "550 SSL/TLS required on the data channel"},
	{verbs: greetingLogin, codes: []int{421, 530}, all: []string{"cleartext sessions", "not accepted"}, meaning: MeaningTLSRequired,
		server: "Pure-FTPd 1.0.50 (-Y 2, TLS 2)", reply: "421 Sorry, cleartext sessions and weak ciphers are not accepted on this server. Please reconnect using TLS security mechanisms."},
	{verbs: login, codes: []int{530}, all: []string{"have to use explicit ssl/tls before logging on"}, meaning: MeaningTLSRequired,
		server: "FileZilla Server 0.9.60 (force explicit SSL/TLS)", reply: "530 Have to use explicit SSL/TLS before logging on."},
	{verbs: login, codes: []int{530}, all: []string{"ssl required"}, meaning: MeaningTLSRequired,
		server: "FileZilla Server 0.9.60 (user: force SSL)", reply: "530 SSL required"},
	{verbs: transferVerbs, codes: []int{521}, all: []string{"prot p required"}, meaning: MeaningTLSRequired,
		server: "FileZilla Server 0.9.60 (force PROT P)", reply: "521 PROT P required"},
	{verbs: login, codes: []int{530}, all: []string{"not logged in, need secure connection"}, meaning: MeaningTLSRequired,
		server: "Serv-U 6.x (SSL required)", reply: "530 Not logged in, need secure connection."},
	{verbs: transferVerbs, codes: []int{521}, all: []string{"data connection cannot be opened with this prot setting"}, meaning: MeaningTLSRequired,
		server: "Serv-U 6.x (secure data required)", reply: "521 Data connection cannot be opened with this PROT setting."},
	{codes: []int{534}, all: []string{"policy requires ssl"}, meaning: MeaningTLSRequired,
		server: "IIS FTP 7+ (SSL policy: require)", reply: "534 Policy requires SSL."},
	{verbs: transferVerbs, codes: []int{522}, all: []string{"session reuse required"}, meaning: MeaningTLSReuseRequired,
		server: "vsftpd 3.0.3 (require_ssl_reuse=YES)", reply: "522 SSL connection failed: session reuse required"},
	{verbs: transferVerbs, codes: []int{425}, all: []string{"tls session of data connection not resumed"}, meaning: MeaningTLSReuseRequired,
		server: "FileZilla Server 1.x (1.7.3 source: src/filezilla/ftp/session.cpp)", reply: "425 Unable to build data connection: TLS session of data connection not resumed."},
	{verbs: transferVerbs, codes: []int{450}, all: []string{"tls session of data connection has not resumed"}, meaning: MeaningTLSReuseRequired,
		server: "FileZilla Server 0.9.x (\"Require TLS session resumption on data connection when using PROT P\")", reply: "450 TLS session of data connection has not resumed or the session does not match the control connection"},

	// Commands refused by configuration.
	{verbs: dataSetup, codes: []int{550}, all: []string{"permission denied"}, meaning: MeaningDisabled,
		server: "vsftpd 3.0.3 (port_enable=NO, pasv_enable=NO)", reply: "550 Permission denied."},
	{verbs: dataSetup, codes: []int{501}, all: []string{": operation not permitted"}, meaning: MeaningDisabled,
		server: "ProFTPD 1.3.8 (<Limit PORT EPRT> or <Limit PASV EPSV> DenyAll)", reply: "501 PORT: Operation not permitted"},
	{verbs: login, codes: []int{530}, all: []string{"permission denied"}, meaning: MeaningDisabled,
		server: "vsftpd 3.0.3 (userlist_deny, deny_email)", reply: "530 Permission denied."},
	{verbs: login, codes: []int{530}, all: []string{"this ftp server is anonymous only"}, meaning: MeaningDisabled,
		server: "vsftpd 3.0.3 (local_enable=NO)", reply: "530 This FTP server is anonymous only."},
	{verbs: login, codes: []int{530}, all: []string{"anonymous sessions may not use encryption"}, meaning: MeaningDisabled,
		server: "vsftpd 3.0.3 (allow_anon_ssl=NO)", reply: "530 Anonymous sessions may not use encryption."},
	{verbs: login, codes: []int{530}, all: []string{"anonymous access not allowed"}, meaning: MeaningDisabled,
		server: "pyftpdlib 1.5.7 (no anonymous user)", reply: "530 Anonymous access not allowed."},
	{verbs: login, codes: []int{530}, all: []string{"user account has been disabled"}, meaning: MeaningDisabled,
		server: "FileZilla Server 0.9.60 (account disabled)", reply: "530 Not logged in, user account has been disabled"},
	{verbs: []string{"PASV", "EPSV"}, codes: []int{550}, all: []string{"passive mode not allowed on this server"}, meaning: MeaningDisabled,
		server: "Serv-U 6.x (PASV disabled)", reply: "550 Passive mode not allowed on this server."},
	{verbs: login, codes: []int{530}, all: []string{"sorry, no anonymous access allowed"}, meaning: MeaningDisabled,
		server: "Serv-U 6.x (no anonymous user)", reply: "530 Sorry, no ANONYMOUS access allowed."},
	{verbs: login, codes: []int{530}, all: []string{"not logged in, unauthorized ip address"}, meaning: MeaningDisabled,
		server: "Serv-U 6.x (IP access rules)", reply: "530 Not logged in, unauthorized IP address."},
	{verbs: login, codes: []int{521}, all: []string{"not allowed to connect from this ip"}, meaning: MeaningDisabled,
		server: "FileZilla Server 0.9.60 (user IP filter)", reply: "521 This user is not allowed to connect from this IP"},

	// PORT/EPRT refused for the address or port it names.
	{verbs: []string{"PORT"}, codes: []int{500}, all: []string{"illegal port command"}, meaning: MeaningAddressRefused,
		server: "vsftpd 3.0.3 (port_promiscuous=NO), ProFTPD 1.3.8 (AllowForeignAddress off, port < 1024)", reply: "500 Illegal PORT command."},
	{verbs: []string{"EPRT"}, codes: []int{500}, all: []string{"illegal eprt command"}, meaning: MeaningAddressRefused,
		server: "vsftpd 3.0.3 (port_promiscuous=NO), ProFTPD 1.3.8", reply: "500 Illegal EPRT command."},
	{verbs: activeVerbs, codes: []int{501}, all: []string{"rejected data connection to foreign address"}, meaning: MeaningAddressRefused,
		server: "pyftpdlib 1.5.7 (permit_foreign_addresses=False)", reply: "501 Rejected data connection to foreign address 10.0.0.9:4100."},
	{verbs: activeVerbs, codes: []int{501}, all: []string{"against the privileged port"}, meaning: MeaningAddressRefused,
		server: "pyftpdlib 1.5.7 (permit_privileged_ports=False)", reply: "501 PORT against the privileged port \"80\" refused."},
	{verbs: activeVerbs, codes: []int{500}, all: []string{"i won't open a connection to"}, meaning: MeaningAddressRefused,
		server: "Pure-FTPd 1.0.50 (no FXP)", reply: "500 I won't open a connection to 10.0.0.1 (only to 127.0.0.1)"},
	{verbs: activeVerbs, codes: []int{501}, all: []string{"i won't connect to ports < 1024"}, meaning: MeaningAddressRefused,
		server: "Pure-FTPd 1.0.50", reply: "501 Sorry, but I won't connect to ports < 1024"},
	{verbs: activeVerbs, codes: []int{530}, all: []string{"only client ip address allowed for port command"}, meaning: MeaningAddressRefused,
		server: "Serv-U 6.x (FXP blocked)", reply: "530 Only client IP address allowed for PORT command."},
	{verbs: activeVerbs, codes: []int{530}, all: []string{"port number has to be between 1024 and 65535"}, meaning: MeaningAddressRefused,
		server: "Serv-U 6.x", reply: "530 Port number has to be between 1024 and 65535."},
	{verbs: activeVerbs, codes: []int{501}, all: []string{"server cannot accept argument"}, meaning: MeaningAddressRefused,
		server: "IIS FTP 7.5 (PORT to an address other than the client's)", reply: "501 Server cannot accept argument."},
	{verbs: []string{"EPRT"}, codes: []int{500}, all: []string{"bad eprt protocol"}, meaning: MeaningProtocolUnsupported,
		server: "vsftpd 3.0.3", reply: "500 Bad EPRT protocol."},
	{verbs: dataSetup, codes: []int{500}, all: []string{"you are connected using ipv6"}, meaning: MeaningProtocolUnsupported,
		server: "FileZilla Server 0.9.60", reply: "500 You are connected using IPv6. PORT is only for IPv4. You have to use the EPRT command instead."},

	// Commands the server does not know. A line containing another's text
	// comes first.
	{except: tlsVerbs, codes: []int{500}, all: []string{"command \"", "\" not understood"}, meaning: MeaningNotImplemented,
		server: "pyftpdlib 1.5.7 (command removed from proto_cmds)", reply: "500 Command \"PORT\" not understood."},
	{except: tlsVerbs, codes: []int{500}, all: []string{" not understood"}, meaning: MeaningNotImplemented,
		server: "ProFTPD 1.3.8, Serv-U 6.x", reply: "500 EPSV not understood"},
	{except: tlsVerbs, codes: []int{500}, all: []string{"unknown command"}, meaning: MeaningNotImplemented,
		server: "vsftpd 3.0.3, Pure-FTPd 1.0.50", reply: "500 Unknown command."},
	{except: tlsVerbs, codes: []int{502}, all: []string{"command '", "' not implemented"}, meaning: MeaningNotImplemented,
		server: "Twisted 22.4.0", reply: "502 Command 'EPSV' not implemented"},
	{except: tlsVerbs, codes: []int{500}, all: []string{"syntax error, command unrecognized"}, meaning: MeaningNotImplemented,
		server: "FileZilla Server 0.9.60", reply: "500 Syntax error, command unrecognized."},

	// Login.
	{verbs: login, codes: []int{530}, all: []string{"login incorrect"}, meaning: MeaningAuthFailed,
		server: "vsftpd 3.0.3, ProFTPD 1.3.8", reply: "530 Login incorrect."},
	{verbs: login, codes: []int{530}, all: []string{"sorry, authentication failed"}, meaning: MeaningAuthFailed,
		server: "Twisted 22.4.0", reply: "530 Sorry, Authentication failed."},
	{verbs: login, codes: []int{530}, all: []string{"login authentication failed"}, meaning: MeaningAuthFailed,
		server: "Pure-FTPd 1.0.50", reply: "530 Login authentication failed"},
	{verbs: login, codes: []int{530}, all: []string{"authentication failed"}, meaning: MeaningAuthFailed,
		server: "pyftpdlib 1.5.7", reply: "530 Authentication failed."},
	{verbs: login, codes: []int{530}, all: []string{"too many tries with incorrect password"}, meaning: MeaningAuthFailed,
		server: "Serv-U 6.x", reply: "530 Not logged in, too many tries with incorrect password."},
	{verbs: login, codes: []int{530}, all: []string{"login or password incorrect"}, meaning: MeaningAuthFailed,
		server: "FileZilla Server 0.9.60", reply: "530 Login or password incorrect!"},
	{verbs: login, codes: []int{332, 532}, all: []string{"need account for login"}, meaning: MeaningAccountNeeded,
		server: "Twisted 22.4.0 (RFC 959 text)", reply: "332 Need account for login."},
	{except: login, codes: []int{530}, all: []string{"please log in with user and pass first"}, meaning: MeaningLoginRequired,
		server: "FileZilla Server 0.9.60", reply: "530 Please log in with USER and PASS first."},
	{except: login, codes: []int{530}, all: []string{"log in with user and pass first"}, meaning: MeaningLoginRequired,
		server: "pyftpdlib 1.5.7", reply: "530 Log in with USER and PASS first."},
	{except: login, codes: []int{530}, all: []string{"please login with user and pass"}, meaning: MeaningLoginRequired,
		server: "vsftpd 3.0.3, ProFTPD 1.3.8, Twisted 22.4.0", reply: "530 Please login with USER and PASS."},
	{except: login, codes: []int{530}, all: []string{"you aren't logged in"}, meaning: MeaningLoginRequired,
		server: "Pure-FTPd 1.0.50", reply: "530 You aren't logged in"},

	// Files.
	{verbs: fileVerbs, codes: []int{550}, all: []string{"failed to open file"}, meaning: MeaningFileRefused,
		server: "vsftpd 3.0.3", reply: "550 Failed to open file."},
	{verbs: fileVerbs, codes: []int{550}, all: []string{"no such file or directory"}, meaning: MeaningFileRefused,
		server: "ProFTPD 1.3.8, Pure-FTPd 1.0.50, pyftpdlib 1.5.7, Twisted 22.4.0", reply: "550 nosuch: No such file or directory"},
	{verbs: fileVerbs, codes: []int{550}, all: []string{"permission denied"}, meaning: MeaningFileRefused,
		server: "vsftpd 3.0.3 (write_enable=NO), ProFTPD 1.3.8, FileZilla Server 0.9.60", reply: "550 Permission denied."},
	{verbs: fileVerbs, codes: []int{550}, all: []string{"file not found"}, meaning: MeaningFileRefused,
		server: "FileZilla Server 0.9.60", reply: "550 File not found"},

	// Data connections the server could not open or keep.
	{verbs: transferVerbs, codes: []int{425}, all: []string{"failed to establish connection"}, meaning: MeaningDataConnectionFailed,
		server: "vsftpd 3.0.3", reply: "425 Failed to establish connection."},
	{codes: []int{425}, all: []string{"can't open data connection"}, meaning: MeaningDataConnectionFailed,
		server: "Twisted 22.4.0, FileZilla Server 0.9.60", reply: "425 Can't open data connection."},
	{verbs: transferVerbs, codes: []int{425}, all: []string{"unable to build data connection"}, meaning: MeaningDataConnectionFailed,
		server: "ProFTPD 1.3.8 (also its TLS session-reuse refusal: ambiguous)", reply: "425 Unable to build data connection: Operation not permitted"},
	{verbs: transferVerbs, codes: []int{425}, all: []string{"can't connect to specified address"}, meaning: MeaningDataConnectionFailed,
		server: "pyftpdlib 1.5.7", reply: "425 Can't connect to specified address."},
	// pyftpdlib answers with a 421 when a data connection it waits for
	// never comes (handlers.py ActiveDTP.handle_timeout, PassiveDTP's),
	// and keeps the session open: no closing service, a failed data
	// connection. The pending command is the PORT/EPRT (it connects at
	// once) or the transfer that waited for the passive connection.
	{verbs: dataAndTransfer, codes: []int{421}, all: []string{"active data channel timed out"}, meaning: MeaningDataConnectionFailed,
		server: "pyftpdlib 1.5.7 (ActiveDTP.handle_timeout)", reply: "421 Active data channel timed out."},
	{verbs: dataAndTransfer, codes: []int{421}, all: []string{"passive data channel timed out"}, meaning: MeaningDataConnectionFailed,
		server: "pyftpdlib 1.5.7 (PassiveDTP.handle_timeout)", reply: "421 Passive data channel timed out."},
}

// matchWording finds the first wording row that matches verb and rep.
// Only the rows for the reply's code are tried (rowsByCode), and the text
// is lowered only once a row applies to the command too: most replies
// (227, 229, 150, 226...) have no row, and trying every row was most of
// Interpret's time on the analyze benchmark (540 ns for a 227, now 60).
func matchWording(verb string, rep Reply) (Meaning, string, bool) {
	text, lowered := "", false
	for _, i := range rowsByCode[rep.Code] {
		w := &wordings[i]
		if !w.applies(verb, rep.Code) {
			continue
		}
		if !lowered {
			text, lowered = strings.ToLower(rep.Message()), true
		}
		if w.says(text) {
			return w.meaning, w.source(), true
		}
	}
	return MeaningNone, "", false
}

// Worded reports whether a reply's text may change its meaning: a wording
// row is for its code. A reply of any other code means what its code and
// command say, whatever its text (a 227's port, a 150's file size).
func Worded(code int) bool { return len(rowsByCode[code]) > 0 }

// rowsByCode lists, per reply code, the wordings rows for it, in table
// order.
var rowsByCode = func() map[int][]int {
	m := map[int][]int{}
	for i, w := range wordings {
		for _, c := range w.codes {
			if !containsInt(m[c], i) {
				m[c] = append(m[c], i)
			}
		}
	}
	return m
}()

// matches reports whether the row applies to verb, code and the
// lower-case reply text.
func (w wording) matches(verb string, code int, text string) bool {
	return w.applies(verb, code) && w.says(text)
}

// applies reports whether the row is for verb and code (the code first:
// it is the cheapest test and rules out most rows).
func (w *wording) applies(verb string, code int) bool {
	if !containsInt(w.codes, code) {
		return false
	}
	if len(w.verbs) > 0 && !containsString(w.verbs, verb) {
		return false
	}
	return !containsString(w.except, verb)
}

// says reports whether the lower-case reply text holds all the row's
// substrings.
func (w *wording) says(text string) bool {
	for _, s := range w.all {
		if !strings.Contains(text, s) {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
