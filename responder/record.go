package responder

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Record is what the responder saw of one session, returned by "SITE
// FTPDIAG REPORT" as one JSON line. Addresses are as they arrived here:
// after every NAT and ALG on the way.
type Record struct {
	// Responder is "ftpdiag-responder <version>".
	Responder string `json:"responder"`
	Nonce     string `json:"nonce"`
	// Control is the control connection as seen here.
	Control Conn `json:"control"`
	// Authenticated: the challenge was answered (or the responder is open).
	Authenticated bool `json:"authenticated"`
	// Commands as received, in order (PASS and the AUTH answer masked).
	Commands []Command `json:"commands"`
	// Data connections, in order.
	Data []DataConn `json:"data"`
	// Port20 says whether active callbacks could come from port 20:
	// "bound", "not permitted" (no CAP_NET_BIND_SERVICE), "in use", or
	// "" when no callback was made.
	Port20 string `json:"port20,omitempty"`
	// Truncated: commands or data connections were left out to keep the
	// record within maxRecordBytes.
	Truncated bool `json:"truncated,omitempty"`
}

// Conn is one connection's endpoints and TLS.
type Conn struct {
	// Remote is the peer's address:port as seen here.
	Remote string `json:"remote"`
	// Local is this end's address:port.
	Local string  `json:"local"`
	TLS   *TLSUse `json:"tls,omitempty"`
}

// TLSUse is how TLS ran on a connection.
type TLSUse struct {
	// Mode: "implicit", "explicit" (AUTH TLS) or "data" (PROT P).
	Mode    string `json:"mode"`
	Version string `json:"version,omitempty"`
	Resumed bool   `json:"resumed"`
	// Error is the handshake failure, when it failed.
	Error string `json:"error,omitempty"`
}

// Command is one command line as received.
type Command struct {
	// Line is the line without its CRLF, byte for byte when it is valid
	// UTF-8 (Hex holds the bytes otherwise).
	Line string `json:"line"`
	Hex  string `json:"hex,omitempty"`
	// Reply is the code the responder answered.
	Reply int `json:"reply"`
	// Note says why, when the reply refused something.
	Note string `json:"note,omitempty"`
}

// DataConn is one data connection attempt.
type DataConn struct {
	// Command is the verb that set it up: PASV, EPSV, PORT or EPRT.
	Command string `json:"command"`
	// Announced is the 227/229 reply line as sent (passive).
	Announced string `json:"announced,omitempty"`
	// Requested is the address:port the client asked to be called at
	// (active), as received.
	Requested string `json:"requested,omitempty"`
	// Conn is the connection as seen here, once there was one.
	Conn *Conn `json:"conn,omitempty"`
	// Outcome: "connected", "refused", "timeout", "error: ...", "not used".
	Outcome string `json:"outcome"`
}

// Bounds of a record, so that the REPORT reply stays one line well under
// a client's line limit (ftp.MaxLineBytes is 8 KiB).
const (
	maxRecordBytes    = 6 << 10
	maxRecordLine     = 160
	maxRecordCommands = 40
	maxRecordData     = 12
)

// addCommand records a command line and returns its index (-1 when the
// record is full).
func (r *Record) addCommand(raw []byte) int {
	if len(r.Commands) >= maxRecordCommands {
		r.Truncated = true
		return -1
	}
	r.Commands = append(r.Commands, commandOf(raw))
	return len(r.Commands) - 1
}

// commandOf masks secrets and bounds the line.
func commandOf(raw []byte) Command {
	verb, _, _ := strings.Cut(string(raw), " ")
	switch v := strings.ToUpper(verb); {
	case v == "PASS":
		return Command{Line: "PASS ****"}
	case v == "SITE" && isSiteAuth(string(raw)):
		return Command{Line: "SITE FTPDIAG AUTH ****"}
	}
	if len(raw) > maxRecordLine {
		raw = raw[:maxRecordLine]
	}
	if utf8.Valid(raw) {
		return Command{Line: string(raw)}
	}
	return Command{Line: strings.ToValidUTF8(string(raw), "?"), Hex: hex.EncodeToString(raw)}
}

func isSiteAuth(line string) bool {
	f := strings.Fields(strings.ToUpper(line))
	return len(f) >= 3 && f[1] == "FTPDIAG" && f[2] == "AUTH"
}

// addData records a data connection attempt and returns its index (-1
// when the record is full).
func (r *Record) addData(d DataConn) int {
	if len(r.Data) >= maxRecordData {
		r.Truncated = true
		return -1
	}
	r.Data = append(r.Data, d)
	return len(r.Data) - 1
}

// JSON returns the record as one line of at most maxRecordBytes: the
// latest commands are left out (Truncated) until it fits.
func (r Record) JSON() []byte {
	for {
		b, err := json.Marshal(r)
		if err == nil && len(b) <= maxRecordBytes {
			return b
		}
		r.Truncated = true
		switch {
		case len(r.Commands) > 0:
			r.Commands = r.Commands[:len(r.Commands)-1]
		case len(r.Data) > 0:
			r.Data = r.Data[:len(r.Data)-1]
		default:
			return []byte(`{"truncated":true}`)
		}
	}
}
