package responder

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// Record is what the responder saw of one session (ftp.ResponderRecord).
type Record = ftp.ResponderRecord

// Conn, TLSUse, Command and DataConn are the record's parts.
type (
	Conn     = ftp.ResponderConn
	TLSUse   = ftp.ResponderTLS
	Command  = ftp.ResponderCommand
	DataConn = ftp.ResponderData
)

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
func addCommand(r *Record, raw []byte) int {
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
func addData(r *Record, d DataConn) int {
	if len(r.Data) >= maxRecordData {
		r.Truncated = true
		return -1
	}
	r.Data = append(r.Data, d)
	return len(r.Data) - 1
}

// recordJSON returns the record as one line of at most maxRecordBytes:
// the latest commands are left out (Truncated) until it fits.
func recordJSON(r Record) []byte {
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
