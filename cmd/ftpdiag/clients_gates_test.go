package main

// awaitingIssue13 lists the client captures (testdata/clients/manifest.tsv,
// by file name without ".pcap") and derived variants ("CAPTURE/VARIANT")
// on which analyze gives a wrong verdict today: each with what the capture
// shows and what analyze says. It is the measured list of issue 13: a
// listed case is skipped (FTPDIAG_AWAITING_FIX=run runs it), and one
// analyze gets right fails until its entry is deleted.
var awaitingIssue13 = map[string]string{
	"tnftp-twisted-passive-dropped-client":                   twistedLateTnftp,
	"tnftp-twisted-passive-dropped-gateway":                  twistedLateTnftp,
	"tnftp-twisted-passive-dropped-server":                   twistedLateTnftp,
	"tnftp-twisted-passive-rejected-client":                  twistedLateTnftp,
	"tnftp-twisted-passive-rejected-gateway":                 twistedLateTnftp,
	"tnftp-twisted-passive-rejected-server":                  twistedLateTnftp,
	"inetutils-ftp-passive-twisted-passive-dropped-client":   twistedLateInetutils,
	"inetutils-ftp-passive-twisted-passive-dropped-gateway":  twistedLateInetutils,
	"inetutils-ftp-passive-twisted-passive-dropped-server":   twistedLateInetutils,
	"inetutils-ftp-passive-twisted-passive-rejected-client":  twistedLateInetutils,
	"inetutils-ftp-passive-twisted-passive-rejected-gateway": twistedLateInetutils,
	"inetutils-ftp-passive-twisted-passive-rejected-server":  twistedLateInetutils,
	"ncftp-passive-twisted-passive-dropped-client":           twistedLateNcftp,
	"ncftp-passive-twisted-passive-dropped-gateway":          twistedLateNcftp,
	"ncftp-passive-twisted-passive-dropped-server":           twistedLateNcftp,
	"ncftp-passive-twisted-passive-rejected-client":          twistedLateNcftp,
	"ncftp-passive-twisted-passive-rejected-gateway":         twistedLateNcftp,
	"ncftp-passive-twisted-passive-rejected-server":          twistedLateNcftp,
}

// twistedLate is what the Twisted captures above share: Twisted 22.4.0
// answers no command after PASV until the passive connection comes or its
// dtpTimeout (10 s) passes, and then sends PASV a second reply, "550
// Requested action not taken: internal server error" (twisted/protocols/
// ftp.py: ftp_PASV returns the data connection's deferred). The capture
// pairs that late reply with the client's next command, and every reply
// after it is one behind its command (two, after a second PASV). Replies
// are paired in order (capture/pairing.go): a server that answers one
// command twice needs pairing that, seeing more final replies than
// commands, aligns them from the end and gives the extra one to the
// set-up it belongs to.
const twistedLate = "Twisted's PASV waits 10 s for the passive connection, then answers PASV a second time (550 internal server error); the capture pairs that late reply with the next command and the replies after it are one behind. "

const (
	twistedLateTnftp     = twistedLate + "The capture shows EPSV 502, PASV 227, the client's SYNs to the passive port unanswered (refused, passive-rejected), tnftp falling back to PORT: the late 550 is read as PORT's answer, the 425 of the callback tnftp's closed listener reset as TYPE I's, RETR 125 then 426 as tnftp resets the data connection. Engineer: passive-port-filtered (passive-port-refused at the client and gateway of passive-rejected). analyze adds server-error (\"PORT answered 550\") and transfer-no-data (RETR's 426)."
	twistedLateInetutils = twistedLate + "The capture shows PASV 227, the client's SYNs to the passive port unanswered (refused, passive-rejected), a second PASV answered by the first one's late 550, LPSV and ABOR, QUIT. Engineer: passive-port-filtered (passive-port-refused in passive-rejected) at the client and gateway, no error at the server (no data connection in its capture: capture-incomplete). analyze adds server-error (\"PASV answered 550\"), at the server as its only error."
	twistedLateNcftp     = twistedLate + "The capture shows PASV 227, the client's SYNs to the passive port unanswered (refused, passive-rejected), a second PASV answered by the late 550 (its 227 in the same segment), MLST by the second PASV's late 550, replies two behind until QUIT, and ncftp's fallback PORT whose callback it resets. Engineer: passive-port-filtered (passive-port-refused at the client and gateway of passive-rejected). analyze adds server-error (a 550 paired with the second PASV) and active-unsupported (\"502 Command 'REST' not implemented\" paired with PORT)."
)
