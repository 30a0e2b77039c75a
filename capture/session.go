package capture

import (
	"net/netip"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// FTPSession is one FTP control connection rebuilt from a capture: both
// directions reassembled, the commands (PASS redacted) and the replies, and
// every data connection the dialogue announced, linked to the connection
// that carried it when the capture holds one. Facts only: what a missing
// data connection means is for the report package to say.
type FTPSession struct {
	// ID numbers the sessions of a capture from 1, in order of their
	// control connection's first packet.
	ID     int            `json:"id"`
	Client netip.AddrPort `json:"client"`
	Server netip.AddrPort `json:"server"`
	// Control is the control connection (also in Evidence.Conns).
	Control *Conn `json:"-"`
	// DetectedBy says how the control connection was recognised: "port"
	// (a control port, 21 unless configured) or "banner" (the server's
	// first payload was a 220 greeting on another port).
	DetectedBy string `json:"detected_by"`
	// ClientTTL and ServerTTL are the IP TTL (hop limit) of the first
	// packet seen from each side, 0 when none was seen: with the usual
	// initial values (64, 128, 255) they tell where the capture was taken.
	ClientTTL int `json:"client_ttl,omitempty"`
	ServerTTL int `json:"server_ttl,omitempty"`
	// User is the argument of the first USER command.
	User string `json:"user,omitempty"`
	// Exchanges is the dialogue in order: each command with the replies
	// that answered it; the greeting and unsolicited replies have no
	// command.
	Exchanges []*FTPExchange `json:"exchanges"`
	// Data lists each data connection the dialogue set up, in order.
	Data []*DataSetup `json:"data"`
	// TLS is set when the session switched to TLS (AUTH TLS accepted, or
	// TLS from the first byte: implicit FTPS). The dialogue stops there.
	TLS *SessionTLS `json:"tls,omitempty"`
	// Truncated is true when the dialogue exceeded the per-session caps
	// (maxExchanges, maxSetups): the rest was not kept.
	Truncated bool `json:"truncated,omitempty"`
	// TextCut counts bytes of command and reply text read but not kept:
	// past the bounds on text kept per reply (4 KiB), per session (256
	// KiB) and per capture (32 MiB). The replies were read whole; only
	// their text in the report is cut.
	TextCut int64 `json:"text_cut,omitempty"`
	// GapBytes counts control-stream bytes missing from the capture (lost
	// by the capture, cut by the snap length, or past the reassembly cap).
	GapBytes int64 `json:"gap_bytes,omitempty"`
	// SlicedAt is the first control segment the capture's snap length cut
	// short (caplen < length): its whole lines were read and the dialogue
	// stops there, its text being incomplete past it. Control.Sliced
	// counts the cut segments; Evidence.Snaplen is the snap length.
	SlicedAt *PacketRef `json:"sliced_at,omitempty"`
	// StartedBefore is true when the capture started inside the session:
	// no SYN and no greeting of its control connection were captured.
	// Control.OpenAtEnd says whether it outlived the capture.
	StartedBefore bool `json:"started_before,omitempty"`
	// OneWay is set when the capture holds only one side's packets of the
	// control connection and the other side's are provably missing
	// (oneway.go): OneWayClient, only the client's; OneWayServer, only the
	// server's. The dialogue is then half of what was said.
	OneWay string `json:"one_way,omitempty"`
	// Malformed counts lines that were neither a command nor a reply.
	Malformed int `json:"malformed,omitempty"`
}

// FTPExchange is one command and the replies that answered it (a 1xx
// preliminary reply, then the final one).
type FTPExchange struct {
	PacketRef
	// Command is the command line as sent, PASS and ACCT arguments
	// redacted, cut past 4 KiB (FTPSession.TextCut); ""
	// for the greeting and for unsolicited replies.
	Command string     `json:"command,omitempty"`
	Replies []FTPReply `json:"replies,omitempty"`
	// Unknown says why the capture does not show this exchange whole, ""
	// when it does: "command-lost" (the command fell in a hole of the
	// capture: Command is empty and the replies are those to whatever the
	// hole held), "reply-lost" (its reply fell in a hole, or was an
	// over-long or code-less line), "uncertain" (after such a hole several
	// commands could have taken the reply attached: which one it answered
	// is a guess). Pairing resumes after the hole; no rule judges such an
	// exchange.
	Unknown string `json:"unknown,omitempty"`
	// setup is the data set-up this exchange made (PASV, EPSV, PORT,
	// EPRT), for its reply to fill in.
	setup *DataSetup
	// reply1 holds Replies' first element: most commands get one reply,
	// and it is then part of the exchange's own allocation.
	reply1 [1]FTPReply
}

// FTPReply is a server reply with its place on the timeline (the segment
// that completed it).
type FTPReply struct {
	PacketRef
	ftp.Reply
	// Cut is true for a reply the capture's snap length cut short: its
	// code is the server's, its text only what the capture kept (the
	// dialogue stops there: FTPSession.SlicedAt).
	Cut bool `json:"cut,omitempty"`
}

// Final returns the exchange's last non-1xx reply, nil when none came.
func (x *FTPExchange) Final() *FTPReply {
	for i := len(x.Replies) - 1; i >= 0; i-- {
		if !x.Replies[i].Preliminary() {
			return &x.Replies[i]
		}
	}
	return nil
}

// Verb returns the command's verb ("" for none).
func (x *FTPExchange) Verb() string {
	return ftp.CommandVerb(x.Command)
}

// DataSetup is one data connection as the control dialogue set it up
// (PASV, EPSV, PORT or EPRT and its reply), the transfer command that used
// it, and the connection seen on the wire.
type DataSetup struct {
	// Mode is "EPSV", "PASV", "EPRT" or "PORT"; "" when the setup was not
	// seen (an encrypted control session: see Inferred).
	Mode string `json:"mode"`
	// Setup is the PASV/EPSV/PORT/EPRT exchange.
	Setup *FTPExchange `json:"setup,omitempty"`
	// Announced is the endpoint in the 227/229 reply (passive) or in the
	// PORT/EPRT argument (active); invalid when none could be parsed. A
	// 229 reply carries a port only: the server's control address is used.
	Announced netip.AddrPort `json:"announced"`
	// Transfer is the command that used the data connection (LIST, NLST,
	// MLSD, RETR, STOR, STOU, APPE), nil when none followed.
	Transfer *FTPExchange `json:"transfer,omitempty"`
	// Conn is the data connection seen on the wire, nil when none was.
	Conn *Conn `json:"conn,omitempty"`
	// Match says how Conn was linked: "announced" (the announced address
	// and port), "control-address" (the announced port on the control
	// connection's address: NAT rewrote the other), "port-only" (the
	// port, between the session's hosts, under another address) or
	// "encrypted" (an encrypted session's connection between the same
	// hosts during the session, linked by time alone).
	Match string `json:"match,omitempty"`
	// Inferred is true for data connections of an encrypted session: the
	// setup was not readable, only the connection seen.
	Inferred bool `json:"inferred,omitempty"`
	// Passive is true when the client opens the connection (EPSV, PASV).
	Passive bool `json:"passive"`
}

// SessionTLS is what can still be said of an encrypted control session.
type SessionTLS struct {
	// Implicit is true when TLS started with the connection's first byte
	// (FTPS on 990): the capture saw the connection open. Midstream is
	// true when TLS was already under way when the capture started (the
	// connection opened before it: AUTH TLS or implicit FTPS, unseen).
	Implicit  bool `json:"implicit,omitempty"`
	Midstream bool `json:"midstream,omitempty"`
	// Cleared is when the control connection went back to clear text
	// under TLS having been seen (CCC, RFC 4217 section 12.3): the
	// dialogue after it is read again.
	Cleared *PacketRef `json:"cleared,omitempty"`
	// Auth is the time of the AUTH exchange's 234 reply.
	Auth *PacketRef `json:"auth,omitempty"`
	// Encrypted is true once TLS records were seen after AUTH (or from
	// the start) that were not read: no key log was given, it held no
	// secrets for the session, or decryption stopped (Decryption). The
	// rest of the dialogue is unreadable.
	Encrypted bool `json:"encrypted"`
	// Decryption is set when a key log was given: what reading the
	// records with its secrets did (ftptls.go).
	Decryption *Decryption `json:"decryption,omitempty"`
	// Records counts control segments that start with a TLS record header.
	Records int `json:"records"`
}

// Per-session caps: enough for any interactive session and for long
// mirror jobs' first hours, and they bound memory for hostile captures.
const (
	maxExchanges     = 4096
	maxSetups        = 2048
	maxRepliesPerCmd = 8
)
