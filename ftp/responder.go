package ftp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// The responder's side protocol (`ftpdiag responder`, package responder),
// as data shared by the responder and the probe:
//
//   - FEAT carries " FTPDIAG-RESPONDER <version> <nonce>", a fresh nonce
//     per control connection;
//   - the client proves it knows the shared secret with "SITE FTPDIAG AUTH
//     <ResponderAnswer(secret, nonce)>";
//   - "SITE FTPDIAG REPORT" is answered "200 <ResponderRecord as JSON>", on
//     one line;
//   - "SITE FTPDIAG CALLBACK <kind> <seconds>", after a PORT/EPRT naming
//     the control connection's own source address, makes the responder
//     connect to that address and port once, from port 20 (kind
//     CallbackPort20) or from an ephemeral port (CallbackEphemeral),
//     waiting at most seconds; on the connection it writes one line,
//     "CallbackToken <kind> <nonce>", then closes it; its reply says what
//     it saw (ResponderCallback, also in the record);
//   - every 227/229 reply carries, after its announcement, CopyMarker and
//     the same announcement with its digits written as letters
//     (Letters), which no ALG recognises.

// ResponderFeatPrefix starts the FEAT line that identifies a responder.
const ResponderFeatPrefix = "FTPDIAG-RESPONDER"

// ResponderFeat finds the responder line in a FEAT list.
func ResponderFeat(feat []string) (version, nonce string, ok bool) {
	for _, f := range feat {
		p := strings.Fields(f)
		if len(p) == 3 && strings.EqualFold(p[0], ResponderFeatPrefix) {
			return p[1], p[2], true
		}
	}
	return "", "", false
}

// ResponderAnswer is the challenge's answer: hex HMAC-SHA256 of the nonce
// (as announced) under the shared secret.
func ResponderAnswer(secret []byte, nonce string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(nonce))
	return hex.EncodeToString(m.Sum(nil))
}

// CopyMarker introduces the letter copy in a 227/229 reply.
const CopyMarker = "ftpdiag-copy="

// Letters writes every digit of s as a letter (0 -> a ... 9 -> j) and
// every comma as a dot: an ALG matches runs of digits and commas.
func Letters(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte('a' + c - '0')
		case c == ',':
			b.WriteByte('.')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Unletters reverses Letters; ok is false when s holds anything Letters
// cannot have written for a 227 tuple or a 229 "|||port|".
func Unletters(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'j':
			b.WriteByte('0' + c - 'a')
		case c == '.':
			b.WriteByte(',')
		case c == '|':
			b.WriteByte(c)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// LetterCopy returns the decoded letter copy carried in a 227/229 reply
// text ("h1,h2,h3,h4,p1,p2" or "|||port|"), and whether there was a
// well-formed one.
func LetterCopy(text string) (string, bool) {
	i := strings.LastIndex(text, CopyMarker)
	if i < 0 {
		return "", false
	}
	rest := text[i+len(CopyMarker):]
	if j := strings.IndexAny(rest, " \r\n"); j >= 0 {
		rest = rest[:j]
	}
	if rest == "" {
		return "", false
	}
	return Unletters(rest)
}

// ResponderRecord is what a responder saw of one session: addresses as
// they arrived there, after every NAT and ALG on the way.
type ResponderRecord struct {
	// Responder is "ftpdiag-responder <version>".
	Responder string `json:"responder"`
	Nonce     string `json:"nonce"`
	// Control is the control connection as the responder saw it.
	Control ResponderConn `json:"control"`
	// Authenticated: the challenge was answered (or the responder is open).
	Authenticated bool `json:"authenticated"`
	// Commands as received, in order (PASS and the AUTH answer masked).
	Commands []ResponderCommand `json:"commands"`
	// Data connection attempts, in order.
	Data []ResponderData `json:"data"`
	// Callbacks are the callbacks made on request (SITE FTPDIAG
	// CALLBACK), in order.
	Callbacks []ResponderCallback `json:"callbacks,omitempty"`
	// Port20 says whether active callbacks could come from port 20:
	// "bound", "not permitted" (no CAP_NET_BIND_SERVICE), "in use", or ""
	// when no callback was made.
	Port20 string `json:"port20,omitempty"`
	// Truncated: commands or data connections were left out to keep the
	// record within its bound.
	Truncated bool `json:"truncated,omitempty"`
}

// ResponderConn is one connection's endpoints and TLS, as the responder
// saw them.
type ResponderConn struct {
	// Remote is the peer's address:port as seen by the responder.
	Remote string `json:"remote"`
	// Local is the responder's address:port.
	Local string        `json:"local"`
	TLS   *ResponderTLS `json:"tls,omitempty"`
}

// ResponderTLS is how TLS ran on a connection.
type ResponderTLS struct {
	// Mode: "implicit", "explicit" (AUTH TLS) or "data" (PROT P).
	Mode    string `json:"mode"`
	Version string `json:"version,omitempty"`
	Resumed bool   `json:"resumed"`
	// Error is the handshake failure, when it failed.
	Error string `json:"error,omitempty"`
}

// ResponderCommand is one command line as the responder received it.
type ResponderCommand struct {
	// Line is the line without its CRLF, byte for byte when it is valid
	// UTF-8 (Hex holds the bytes otherwise).
	Line string `json:"line"`
	Hex  string `json:"hex,omitempty"`
	// Reply is the code the responder answered (the last one).
	Reply int `json:"reply"`
	// Note says why, when the reply refused something.
	Note string `json:"note,omitempty"`
}

// ResponderData is one data connection attempt.
type ResponderData struct {
	// Command is the verb that set it up: PASV, EPSV, PORT or EPRT.
	Command string `json:"command"`
	// Announced is the 227/229 reply line as sent (passive).
	Announced string `json:"announced,omitempty"`
	// Requested is the address:port the client asked to be called at
	// (active), as received.
	Requested string `json:"requested,omitempty"`
	// Conn is the connection as the responder saw it, once there was one.
	Conn *ResponderConn `json:"conn,omitempty"`
	// Outcome: "connected", "refused: <why>", "timeout", "error: ...",
	// "not used".
	Outcome string `json:"outcome"`
}

// ParseResponderRecord reads the record from the reply to SITE FTPDIAG
// REPORT; the error wraps ErrMalformedReply.
func ParseResponderRecord(rep Reply) (ResponderRecord, error) {
	var r ResponderRecord
	if rep.Code != 200 || len(rep.Lines) != 1 {
		return r, fmt.Errorf("%w: not a one-line 200 reply: %s", ErrMalformedReply, quote(rep.Text()))
	}
	body := strings.TrimSpace(rep.Lines[0][min(4, len(rep.Lines[0])):])
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return r, fmt.Errorf("%w: responder record: %v", ErrMalformedReply, err)
	}
	return r, nil
}

// The callback kinds of SITE FTPDIAG CALLBACK.
const (
	CallbackPort20    = "port20"
	CallbackEphemeral = "ephemeral"
)

// CallbackKinds are the kinds, in the order a client asks for them.
var CallbackKinds = []string{CallbackPort20, CallbackEphemeral}

// MaxCallbackSeconds bounds the wait a client may ask of a callback.
const MaxCallbackSeconds = 10

// CallbackToken starts the one line a responder writes on a callback.
const CallbackToken = "ftpdiag-callback"

// CallbackLine is the line written on a callback of kind, without CRLF.
func CallbackLine(kind, nonce string) string {
	return CallbackToken + " " + kind + " " + nonce
}

// ParseCallbackLine reads a callback's line; ok is false for anything
// else.
func ParseCallbackLine(line string) (kind, nonce string, ok bool) {
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != CallbackToken || (f[1] != CallbackPort20 && f[1] != CallbackEphemeral) {
		return "", "", false
	}
	return f[1], f[2], true
}

// The outcomes of a callback as the responder saw it
// (ResponderCallback.Outcome); "not tested: <why>" and "error: <what>"
// complete them.
const (
	// CallbackConnected: the client's side answered the SYN.
	CallbackConnected = "connected"
	// CallbackRefused: a RST, or an ICMP port unreachable (the socket
	// cannot tell them apart).
	CallbackRefused = "refused"
	// CallbackUnreachable: an ICMP host, network or administratively
	// prohibited unreachable.
	CallbackUnreachable = "unreachable"
	// CallbackTimeout: no answer within the deadline.
	CallbackTimeout = "timeout"
	// CallbackNotTested prefixes the outcome of a callback that was not
	// made (port 20 cannot be bound).
	CallbackNotTested = "not tested"
)

// ResponderCallback is one callback a responder made on request.
type ResponderCallback struct {
	// Kind is CallbackPort20 or CallbackEphemeral.
	Kind string `json:"kind"`
	// To is the address:port called: the last PORT/EPRT, checked to name
	// the control connection's own source address.
	To string `json:"to"`
	// From is the responder's address:port it left from ("" when the
	// connection was not attempted, or failed before a port was bound).
	From string `json:"from,omitempty"`
	// Outcome is one of the Callback* outcomes.
	Outcome string `json:"outcome"`
	// Seconds is the deadline it was given.
	Seconds int `json:"seconds"`
}
