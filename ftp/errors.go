package ftp

import (
	"errors"
	"strconv"
)

// Sentinel errors. Functions wrap them with context; match with errors.Is.
var (
	// ErrLineTooLong: a reply line exceeded MaxLineBytes.
	ErrLineTooLong = errors.New("ftp: reply line too long")
	// ErrReplyTooLong: a (multi-line) reply exceeded MaxReplyBytes.
	ErrReplyTooLong = errors.New("ftp: reply too long")
	// ErrMalformedReply: a reply did not start with a valid "NNN " or "NNN-".
	ErrMalformedReply = errors.New("ftp: malformed reply")
	// ErrBadArgument: a command verb or argument cannot be sent safely.
	ErrBadArgument = errors.New("ftp: bad command argument")
	// ErrBadAddress: a host/port in PASV/EPSV/PORT/EPRT form is invalid.
	ErrBadAddress = errors.New("ftp: bad address")
)

// quoteLimit bounds how much of an offending input is quoted in an error
// message: enough to recognise it in a report, never a whole hostile line.
const quoteLimit = 80

// quote returns s truncated to quoteLimit bytes and Go-quoted, with "..."
// appended when it was cut.
func quote(s string) string {
	if len(s) > quoteLimit {
		return strconv.Quote(s[:quoteLimit]) + "..."
	}
	return strconv.Quote(s)
}
