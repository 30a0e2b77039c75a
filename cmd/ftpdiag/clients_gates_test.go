package main

// awaitingIssue13 lists the client captures (testdata/clients/manifest.tsv,
// by file name without ".pcap") and derived variants ("CAPTURE/VARIANT")
// on which analyze gives a wrong verdict today: each with what the capture
// shows and what analyze says. It is the measured list of issue 13: a
// listed case is skipped (FTPDIAG_AWAITING_FIX=run runs it), and one
// analyze gets right fails until its entry is deleted.
var awaitingIssue13 = map[string]string{
	// Server behind NAT announcing its private address: the client's
	// choice is a fact (issue 13, class 2).
	"wget-vsftpd-server-nat-client":            privateDialled("wget"),
	"wget-proftpd-server-nat-client":           privateDialled("wget"),
	"wget-pure-ftpd-server-nat-client":         privateDialled("wget"),
	"ftplib-trust-vsftpd-server-nat-client":    privateDialled("ftplib with trust_server_pasv_ipv4_address"),
	"ftplib-trust-proftpd-server-nat-client":   privateDialled("ftplib with trust_server_pasv_ipv4_address"),
	"ftplib-trust-pure-ftpd-server-nat-client": privateDialled("ftplib with trust_server_pasv_ipv4_address"),

	"tnftp-pasv-vsftpd-server-nat-client":               privateRefused(tnftpRefuses),
	"tnftp-pasv-proftpd-server-nat-client":              privateRefused(tnftpRefuses),
	"tnftp-pasv-pure-ftpd-server-nat-client":            privateRefused(tnftpRefuses),
	"inetutils-ftp-passive-vsftpd-server-nat-client":    privateRefused(inetutilsAborts),
	"inetutils-ftp-passive-proftpd-server-nat-client":   privateRefused(inetutilsAborts),
	"inetutils-ftp-passive-pure-ftpd-server-nat-client": privateRefused(inetutilsAborts),

	"wget-vsftpd-server-nat-gateway":                     privateAtGateway,
	"wget-proftpd-server-nat-gateway":                    privateAtGateway,
	"wget-pure-ftpd-server-nat-gateway":                  privateAtGateway,
	"ftplib-trust-vsftpd-server-nat-gateway":             privateAtGateway,
	"ftplib-trust-proftpd-server-nat-gateway":            privateAtGateway,
	"ftplib-trust-pure-ftpd-server-nat-gateway":          privateAtGateway,
	"tnftp-pasv-vsftpd-server-nat-gateway":               privateAtGateway,
	"tnftp-pasv-proftpd-server-nat-gateway":              privateAtGateway,
	"tnftp-pasv-pure-ftpd-server-nat-gateway":            privateAtGateway,
	"inetutils-ftp-passive-vsftpd-server-nat-gateway":    privateAtGateway,
	"inetutils-ftp-passive-proftpd-server-nat-gateway":   privateAtGateway,
	"inetutils-ftp-passive-pure-ftpd-server-nat-gateway": privateAtGateway,

	// A capture that ends during a transfer (class 1: absence read as
	// failure).
	"lftp-vsftpd-healthy-client/cut-mid-transfer":           cutNotClosed,
	"ftplib-active-proftpd-healthy-server/cut-mid-transfer": cutNotClosed,
	"curl-pure-ftpd-healthy-gateway/cut-mid-transfer":       `the capture ends with the first data segment of RETR small.txt (all 439 bytes), before the data connection's FIN and the 226: analyze says data-connection-failed "The EPSV data connection failed" where the capture simply ended`,

	// tcpdump -s 96: sliced frames read as complete (class 3).
	"lftp-vsftpd-healthy-client/snaplen96":           `every frame sliced to 96 bytes (caplen 96, length kept): the replies are cut after their first 30 bytes; analyze reads the cut 227 as complete and says protocol-violation "The server's answer to PASV breaks the FTP protocol" and passive-disabled, although data connections open and close and every transfer's 226 begins in the capture`,
	"ftplib-active-proftpd-healthy-server/snaplen96": snaplenClosed,
	"curl-pure-ftpd-healthy-gateway/snaplen96":       snaplenClosed,
}

const (
	tnftpRefuses    = `tnftp (epsv4 off) refuses it ("Passive mode address mismatch") and sends PASV again, then QUIT`
	inetutilsAborts = `inetutils ftp -p sends ABOR right after the 227`

	privateAtGateway = `at the server gateway's public side the 227 announces the private 10.77.0.2 for a control connection to 203.0.113.10, and no SYN toward the announced port arrives (the client does not dial it, or its own gateway refuses it): pasv-private-address is the cause (error); analyze says passive-port-filtered ("SYNs get no answer") with pasv-private-address a warning`

	cutNotClosed = `the capture ends with the first data segment of RETR small.txt (all 439 bytes), before the data connection's FIN and the 226: analyze says data-not-closed "the server never closed the data connection" where the capture simply ended`

	snaplenClosed = `every frame sliced to 96 bytes (caplen 96, length kept): the replies are cut; analyze says control-closed "The control connection was closed after login" for a session that lists, fetches and quits normally`
)

// privateDialled is the gate text of a client capture where the client
// dials the private 227 address and its own gateway refuses it.
func privateDialled(client string) string {
	return `the 227 announces the server's private 10.77.0.2 while the control connection goes to 203.0.113.10; ` + client +
		` dials it and the client's own gateway 192.168.10.1 answers ICMP net-unreachable (type 3 code 0) at once: pasv-private-address is the cause (error); analyze says passive-port-refused ("a firewall REJECTs the range") with pasv-private-address a warning`
}

// privateRefused is the gate text of a client capture where the client
// never dials the private 227 address.
func privateRefused(what string) string {
	return `the 227 announces the server's private 10.77.0.2 while the control connection goes to 203.0.113.10; ` + what +
		`: no SYN to any passive port is in the capture; pasv-private-address is the cause (error); analyze says passive-port-filtered ("SYNs get no answer") with pasv-private-address a warning`
}
