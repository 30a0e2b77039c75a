package responder

import "strings"

// A copy of each passive announcement travels beside it with its digits
// written as letters (0 -> a ... 9 -> j), as FileZilla's network
// configuration wizard does: an ALG looks for digits after "227 " or
// "229 " and leaves letters alone, so a client that decodes the copy and
// compares it with the announcement it received can tell whether something
// on the way rewrote it.

// CopyMarker introduces the letter copy in a 227/229 reply.
const CopyMarker = "ftpdiag-copy="

// Letters writes every digit of s as a letter, and commas as dots (a
// "h,h,h,h,p,p" run of digits and commas is what ALGs match).
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

// Unletters reverses Letters for a copy; ok is false when the copy holds
// anything Letters cannot have written.
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

// CopyIn returns the decoded letter copy carried in a 227/229 reply text,
// and whether there was a well-formed one.
func CopyIn(text string) (string, bool) {
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
