package ftp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on what ReadReply accepts from a peer.
const (
	// MaxLineBytes bounds one reply line (without its line ending). Real
	// servers stay far below 1 KiB; 8 KiB leaves room for long banners and
	// MLST fact lists while keeping a hostile line from growing memory.
	MaxLineBytes = 8 << 10
	// MaxReplyBytes bounds one whole reply, line endings included. The
	// largest legitimate multi-line replies (banners with ASCII art, HELP,
	// STAT of a directory) are tens of KiB; 256 KiB is generous but finite.
	MaxReplyBytes = 256 << 10
)

// readBufferSize is the bufio buffer behind a Reader. It is also the most
// the Reader may have read past the point where it gives up on a too-long
// line, so it is kept small.
const readBufferSize = 4 << 10

// Reply is one server reply: a three-digit code and its lines.
type Reply struct {
	Code  int      `json:"code"`
	Lines []string `json:"lines"` // each line as received, without the CR LF
}

// Text returns all lines joined with "\n".
func (r Reply) Text() string { return strings.Join(r.Lines, "\n") }

// String returns the same as Text.
func (r Reply) String() string { return r.Text() }

// Message returns the human text of the reply: the first line without its
// "NNN " or "NNN-" prefix, then each following line trimmed of surrounding
// white space (and of a leading "NNN " or "NNN-" carrying the reply's own
// code), empty ones skipped, all joined by single spaces.
func (r Reply) Message() string {
	parts := make([]string, 0, len(r.Lines))
	for i, l := range r.Lines {
		if i == 0 {
			if len(l) >= 4 && isCodePrefix(l, r.Code) {
				l = l[4:]
			} else if len(l) == 3 && isCodePrefix(l, r.Code) {
				l = ""
			}
		} else if len(l) >= 4 && isCodePrefix(l, r.Code) && (l[3] == ' ' || l[3] == '-') {
			l = l[4:]
		}
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}

// isCodePrefix reports whether l starts with the three digits of code.
func isCodePrefix(l string, code int) bool {
	if len(l) < 3 || code < 100 || code > 999 {
		return false
	}
	return l[0] == byte('0'+code/100) && l[1] == byte('0'+code/10%10) && l[2] == byte('0'+code%10)
}

// Class returns the first digit of the code (1..5 for valid replies).
func (r Reply) Class() int { return r.Code / 100 }

// Preliminary reports a 1xx reply (positive preliminary).
func (r Reply) Preliminary() bool { return r.Class() == 1 }

// Completion reports a 2xx reply (positive completion).
func (r Reply) Completion() bool { return r.Class() == 2 }

// Intermediate reports a 3xx reply (positive intermediate).
func (r Reply) Intermediate() bool { return r.Class() == 3 }

// TransientNegative reports a 4xx reply (transient negative completion).
func (r Reply) TransientNegative() bool { return r.Class() == 4 }

// PermanentNegative reports a 5xx reply (permanent negative completion).
func (r Reply) PermanentNegative() bool { return r.Class() == 5 }

// Reader reads RFC 959 replies from a control connection or a reassembled
// control stream. It buffers at most about MaxLineBytes+4 KiB.
//
// A Reader is resumable: if the underlying reader returns an error other
// than io.EOF (a deadline, say) the partial reply is kept and the next
// ReadReply continues where it stopped. After ErrLineTooLong or
// ErrReplyTooLong the stream position is lost, and every later call
// returns the same error. After ErrMalformedReply the offending line has
// been consumed and reading may continue.
type Reader struct {
	br *bufio.Reader

	// State of the reply being read, kept across calls for resumption.
	line  []byte   // partial current line, line ending included
	lines []string // complete lines of the current reply
	code  int      // code of the current reply, 0 before the first line
	total int      // bytes of the current reply so far

	err error // sticky error once the stream cannot be resynchronised
	// midLine is set with err when the Reader gave up inside a line.
	midLine bool

	// Limits, MaxLineBytes and MaxReplyBytes outside tests; the fuzz test
	// shrinks them to reach the limit paths at fuzzing speed.
	maxLine, maxReply int
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return newReaderLimits(r, MaxLineBytes, MaxReplyBytes)
}

func newReaderLimits(r io.Reader, maxLine, maxReply int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, readBufferSize), maxLine: maxLine, maxReply: maxReply}
}

// Reset makes the Reader read from r as a new one would: what it had
// buffered, the reply in progress and a sticky error are discarded. Its
// buffer is kept, so a program that reads many streams one after another
// (a capture's control connections) need not allocate one for each.
func (r *Reader) Reset(src io.Reader) {
	r.br.Reset(src)
	r.line = r.line[:0]
	r.lines = r.lines[:0]
	r.code, r.total = 0, 0
	r.err, r.midLine = nil, false
}

// ReadReply reads one reply: a single line "NNN text", or a multi-line
// reply "NNN-text" ... "NNN text" that ends at the first line starting with
// the same code and a space (a line that is exactly the code also ends it);
// lines in between may hold anything. LF-only line endings are accepted.
//
// Errors: io.EOF if the stream ended before the reply's first byte;
// io.ErrUnexpectedEOF (wrapped) if it ended inside a reply; ErrLineTooLong,
// ErrReplyTooLong, ErrMalformedReply (wrapped, quoting the line); or the
// underlying reader's error.
func (r *Reader) ReadReply() (Reply, error) {
	if r.err != nil {
		return Reply{}, r.err
	}
	for {
		line, err := r.readLine()
		if err != nil {
			return Reply{}, err
		}
		if r.code == 0 {
			code, ok := parseCode(line)
			if !ok || len(line) < 4 || (line[3] != ' ' && line[3] != '-') {
				r.reset()
				return Reply{}, fmt.Errorf("%w: %s", ErrMalformedReply, quote(line))
			}
			r.code = code
			r.lines = append(r.lines, line)
			if line[3] == ' ' {
				return r.finish(), nil
			}
			continue
		}
		r.lines = append(r.lines, line)
		if isCodePrefix(line, r.code) && (len(line) == 3 || line[3] == ' ') {
			return r.finish(), nil
		}
	}
}

// finish returns the completed reply and resets the state for the next.
func (r *Reader) finish() Reply {
	rep := Reply{Code: r.code, Lines: r.lines}
	r.lines = nil
	r.reset()
	return rep
}

func (r *Reader) reset() {
	r.lines = r.lines[:0]
	r.code = 0
	r.total = 0
}

// fail records a sticky error and returns it.
func (r *Reader) fail(err error) error {
	r.err = err
	r.line = nil
	r.lines = nil
	return err
}

// Rest returns, once ReadReply has failed with ErrLineTooLong or
// ErrReplyTooLong, a copy of the bytes the Reader had buffered past the
// point where it gave up, and whether that point is inside a line (the
// rest of that line comes first). After ErrReplyTooLong what follows is
// the rest of that reply: lines without a code, then its last line. A caller that cannot read its stream
// again (a control stream rebuilt from a capture) resumes there with a new
// Reader; nil and false before such an error.
func (r *Reader) Rest() ([]byte, bool) {
	if !errors.Is(r.err, ErrLineTooLong) && !errors.Is(r.err, ErrReplyTooLong) {
		return nil, false
	}
	b, _ := r.br.Peek(r.br.Buffered())
	return bytes.Clone(b), r.midLine
}

// readLine returns the next complete line without its line ending. It never
// holds more than maxLine+2 bytes of a line: beyond that it stops with
// ErrLineTooLong without reading the rest.
func (r *Reader) readLine() (string, error) {
	for {
		frag, err := r.br.ReadSlice('\n')
		// A line of MaxLineBytes content plus "\r\n" is the longest allowed;
		// anything longer cannot be legal whatever its ending turns out to be.
		if len(r.line)+len(frag) > r.maxLine+2 {
			r.midLine = err != nil
			return "", r.fail(fmt.Errorf("%w: more than %d bytes", ErrLineTooLong, r.maxLine))
		}
		if r.total+len(r.line)+len(frag) > r.maxReply {
			r.midLine = err != nil
			return "", r.fail(fmt.Errorf("%w: more than %d bytes", ErrReplyTooLong, r.maxReply))
		}
		r.line = append(r.line, frag...)
		switch {
		case err == nil:
			n := len(r.line)
			b := r.line[:n-1]
			if len(b) > 0 && b[len(b)-1] == '\r' {
				b = b[:len(b)-1]
			}
			if len(b) > r.maxLine {
				return "", r.fail(fmt.Errorf("%w: more than %d bytes", ErrLineTooLong, r.maxLine))
			}
			s := string(b)
			r.total += n
			r.line = r.line[:0]
			return s, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if len(r.line) == 0 && r.code == 0 {
				return "", io.EOF
			}
			partial := string(r.line)
			if len(r.line) == 0 && len(r.lines) > 0 {
				partial = r.lines[len(r.lines)-1]
			}
			r.line = r.line[:0]
			r.reset()
			return "", fmt.Errorf("ftp: reply cut short after %s: %w", quote(partial), io.ErrUnexpectedEOF)
		default:
			// Keep the partial line and reply: the caller may retry.
			return "", err
		}
	}
}

// parseCode parses the three-digit reply code at the start of line: digits
// with the first in 1..5, i.e. 100..599.
func parseCode(line string) (int, bool) {
	if len(line) < 3 {
		return 0, false
	}
	a, b, c := line[0], line[1], line[2]
	if a < '1' || a > '5' || b < '0' || b > '9' || c < '0' || c > '9' {
		return 0, false
	}
	return int(a-'0')*100 + int(b-'0')*10 + int(c-'0'), true
}
