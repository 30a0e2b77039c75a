package report

import (
	"slices"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// sessionTranscript copies a captured session's dialogue into the probe's
// transcript form, at most maxTranscript entries: the login part (up to
// the first data setup), then a rebuilt mode's own exchanges. The login
// part is the same for every mode of the session: it is made once and
// each mode copies it into a list sized once (made again per mode, and
// grown by appends, it was 11 MB of the 3,000-session benchmark's 175;
// now 3.4).
type sessionTranscript struct {
	s    *capture.FTPSession
	ar   *sessionArena
	head []probe.Exchange
	// whole: the session set up no data connection, so head is all of
	// its dialogue and an exchange already in it is not repeated.
	whole bool
}

func newTranscript(s *capture.FTPSession, ar *sessionArena) sessionTranscript {
	t := sessionTranscript{s: s, ar: ar}
	n := slices.IndexFunc(s.Exchanges, setsUpData)
	if n < 0 {
		n, t.whole = len(s.Exchanges), true
	}
	t.head = ar.exchanges.take(exchangeEntries(s.Exchanges[:n]))[:0]
	for _, x := range s.Exchanges[:n] {
		t.head = appendExchange(t.head, x)
	}
	return t
}

// of is the transcript of a mode whose set-up and transfer are extra.
func (t sessionTranscript) of(extra []*capture.FTPExchange) []probe.Exchange {
	out := append(t.ar.exchanges.take(len(t.head) + exchangeEntries(extra))[:0], t.head...)
	for _, y := range extra {
		if !t.whole || !slices.Contains(t.s.Exchanges, y) {
			out = appendExchange(out, y)
		}
	}
	return out
}

// setsUpData reports whether x is a PASV, EPSV, PORT or EPRT exchange.
func setsUpData(x *capture.FTPExchange) bool {
	if x.Command == "" {
		// The greeting: Verb would build the error of a missing verb.
		return false
	}
	switch x.Verb() {
	case "PASV", "EPSV", "PORT", "EPRT":
		return true
	}
	return false
}

// exchangeEntries is how many transcript entries xs take: one per reply,
// one for a command that got none.
func exchangeEntries(xs []*capture.FTPExchange) int {
	n := 0
	for _, x := range xs {
		n += max(1, len(x.Replies))
	}
	return n
}

// appendExchange appends x's entries unless out is full. Its replies are
// the capture's own (read only), not copies.
func appendExchange(out []probe.Exchange, x *capture.FTPExchange) []probe.Exchange {
	if len(out) >= maxTranscript {
		return out
	}
	cmd := x.Command
	if x.Unknown == capture.UnknownCommandLost {
		cmd = "(a command lost in a hole of the capture)"
	}
	if len(x.Replies) == 0 {
		return append(out, probe.Exchange{T: x.T, Command: cmd})
	}
	for i := range x.Replies {
		r := &x.Replies[i]
		e := probe.Exchange{T: r.T, Reply: &r.Reply}
		if i == 0 {
			e.Command = cmd
			e.T = x.T
			if cmd != "" {
				e.ReplyT = r.T
			}
		}
		out = append(out, e)
	}
	return out
}
