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
