package ftp

import (
	"fmt"
	"io"
	"strings"
)

// FormatCommand returns the wire form of a command: "VERB arg\r\n", or
// "VERB\r\n" when arg is empty. verb must be 3 or 4 ASCII letters and arg
// must not contain CR, LF or NUL (which would let it smuggle a second
// command onto the control connection); otherwise the error wraps
// ErrBadArgument.
func FormatCommand(verb, arg string) ([]byte, error) {
	if !validVerb(verb) {
		return nil, fmt.Errorf("%w: verb %s is not 3-4 ASCII letters", ErrBadArgument, quote(verb))
	}
	if strings.ContainsAny(arg, "\r\n\x00") {
		return nil, fmt.Errorf("%w: %s argument contains CR, LF or NUL", ErrBadArgument, verb)
	}
	b := make([]byte, 0, len(verb)+1+len(arg)+2)
	b = append(b, verb...)
	if arg != "" {
		b = append(b, ' ')
		b = append(b, arg...)
	}
	return append(b, '\r', '\n'), nil
}

// WriteCommand writes FormatCommand's bytes to w in a single Write call, so
// that a command is never split across writes by this package.
func WriteCommand(w io.Writer, verb, arg string) error {
	b, err := FormatCommand(verb, arg)
	if err != nil {
		return err
	}
	n, err := w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	return err
}

// ParseCommand splits one command line as a client sent it (with or without
// its line ending) into its verb, upper-cased, and its argument, which is
// everything after the first space. It is meant for commands rebuilt from a
// captured control stream. A verb that is not 3-4 ASCII letters gives an
// error wrapping ErrBadArgument.
func ParseCommand(line string) (verb, arg string, err error) {
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	verb, arg, _ = strings.Cut(line, " ")
	if !validVerb(verb) {
		return "", "", fmt.Errorf("%w: verb %s is not 3-4 ASCII letters", ErrBadArgument, quote(verb))
	}
	return strings.ToUpper(verb), arg, nil
}

// Telnet bytes of the control connection (RFC 959 §4.1.3 and RFC 854): a
// client interrupting a transfer sends IAC IP and IAC DM (the Synch)
// before ABOR; IAC IAC is a data byte 255.
const (
	telnetIAC  = 255
	telnetWILL = 251 // WILL, WONT, DO, DONT (251-254) take an option byte
	telnetSE   = 240 // SE up to SB (240-250) stand alone
)

// StripTelnet returns line without its Telnet commands: IAC followed by a
// command byte (IAC IP, IAC DM... and IAC WILL/WONT/DO/DONT with their
// option), IAC IAC read as one byte 255. A line without IAC is returned as
// it is.
func StripTelnet(line string) string {
	if strings.IndexByte(line, telnetIAC) < 0 {
		return line
	}
	b := make([]byte, 0, len(line))
	for i := 0; i < len(line); i++ {
		if line[i] != telnetIAC {
			b = append(b, line[i])
			continue
		}
		switch i++; {
		case i == len(line):
		case line[i] == telnetIAC:
			b = append(b, telnetIAC)
		case line[i] >= telnetWILL:
			i++ // the option byte
		}
	}
	return string(b)
}

// CommandVerb is the verb ParseCommand returns, "" where it returns an
// error, without making the error: the capture asks the verb of every
// exchange it reads, the greeting's (no command) among them.
func CommandVerb(line string) string {
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	verb, _, _ := strings.Cut(line, " ")
	if !validVerb(verb) {
		return ""
	}
	return strings.ToUpper(verb)
}

func validVerb(verb string) bool {
	if len(verb) < 3 || len(verb) > 4 {
		return false
	}
	for i := 0; i < len(verb); i++ {
		c := verb[i] | 0x20 // fold ASCII upper case onto lower case
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
