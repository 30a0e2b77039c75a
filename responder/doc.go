// Package responder is the FTP server behind `ftpdiag responder`: the
// second vantage point, run on a host outside the client's firewall, that
// records what actually arrived from the client and hands that record back.
//
// It serves generated data only (no file system access at all) and
// identifies itself in FEAT with a line " FTPDIAG-RESPONDER <version>
// <nonce>". For every session it records the source address and port of
// the control connection and of every data connection, the exact bytes of
// every command (PORT/EPRT arguments as received, after any ALG on the
// way), and whether TLS was used and resumed. "SITE FTPDIAG REPORT"
// returns that record as one JSON line in a 200 reply. Each 227/229 reply
// also carries a copy of its address with digits written as letters
// (ftp.Letters), which no ALG recognises, so a client can tell whether the
// announcement was rewritten on the way.
//
// It is meant to face the Internet, so: it connects back only to the
// control connection's source address (any other PORT/EPRT host is refused
// and recorded); nothing but login is served before the client answers the
// FEAT nonce with "SITE FTPDIAG AUTH <hex HMAC-SHA256(secret, nonce)>"
// (Config.Open disables this for labs); per-address rate and concurrency
// limits apply; every read is bounded and has a deadline; each session
// logs one line.
package responder
