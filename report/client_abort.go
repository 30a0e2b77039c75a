package report

import (
	"fmt"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// A client interrupts a transfer with ABOR (RFC 959 §4.1.3): a user
// cancelling a download, a client reading the head of a file. The server
// answers the transfer with 426 and the ABOR with 226, or the transfer
// with its 226 when it had ended. The 426 is then the client's choice, not
// a failure of the data connection: the rebuilt transfer is aborted, as
// the probe's own transfer is when it reached its byte limit.

// clientAbort returns when the client sent ABOR to interrupt transfer x:
// after x's command and before x's final reply (any time after x when no
// final reply came).
func clientAbort(s *capture.FTPSession, x *capture.FTPExchange, final *capture.FTPReply) (float64, bool) {
	if a := abortOf(s, x); a != nil && (final == nil || a.T <= final.T) {
		return a.T, true
	}
	return 0, false
}

// abortOf is the client's ABOR that interrupted transfer x: the first
// command after x when it is ABOR, before x's final reply when one came
// (nil: none).
func abortOf(s *capture.FTPSession, x *capture.FTPExchange) *capture.FTPExchange {
	final := x.Final()
	for i, e := range s.Exchanges {
		if e != x {
			continue
		}
		for _, n := range s.Exchanges[i+1:] {
			if n.Command == "" {
				continue // a reply no command asked for
			}
			if n.Verb() == "ABOR" && (final == nil || n.T <= final.T) {
				return n
			}
			return nil
		}
		return nil
	}
	return nil
}

// dataMoved reports positive evidence that data crossed c: payload either
// way, or, under TLS, an application record (TLS 1.2 and older: in TLS 1.3
// the server's tickets look like data, and the handshake's bytes are no
// transfer).
func dataMoved(c *capture.Conn) bool {
	if c.TLS != nil {
		return appDataSeen(c.TLS)
	}
	return c.BytesFromInitiator > 0 || c.BytesFromResponder > 0
}

// abortStep is the step of a transfer begun at t0 that the client
// interrupted with ABOR at abortT, on data connection c (nil: not in the
// capture). Data moved and never stalled: the transfer worked as far as
// the client let it (ok). Nothing known to have moved, and the ABOR came
// before the client could be said to have waited (outlivedWait) or the
// capture holds no data connection: given up, whether data would have
// come is not in the file. decided is false otherwise (a stall, or a long
// wait with no data): the wire's own evidence decides, as for any
// transfer.
func abortStep(c *capture.Conn, verb string, t0, abortT float64) (st probe.Step, decided bool) {
	st = probe.Step{T0: t0, T: abortT}
	switch {
	case c == nil:
		st.Outcome = probe.OutcomeSkipped
		st.Error = fmt.Sprintf(clientAbortPrefix+"%s (ABOR) %.1f s after it, and the capture holds no data connection of it: whether data moved before is not in the file", verb, max(0, abortT-t0))
	case dataMoved(c) && c.Stall == nil:
		st.Outcome = probe.OutcomeOK
	case !dataMoved(c) && abortT-t0 < outlivedWait:
		st.Outcome = probe.OutcomeSkipped
		st.Error = fmt.Sprintf(clientAbortPrefix+"%s (ABOR) %.1f s after it, before any data: whether the data would have come is not in the file", verb, max(0, abortT-t0))
	default:
		return st, false
	}
	return st, true
}

// abortDecides completes tr, interrupted by the client's ABOR at abortT,
// when abortStep decides its step; final is the reply that ended it.
func abortDecides(tr *probe.Transfer, c *capture.Conn, x *capture.FTPExchange, abortT float64, final *capture.FTPReply) bool {
	st, ok := abortStep(c, x.Verb(), x.T, abortT)
	if !ok {
		return false
	}
	tr.Step, tr.Aborted = st, true
	if final != nil {
		rep := final.Reply
		tr.Final = &rep
	}
	return true
}
