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
