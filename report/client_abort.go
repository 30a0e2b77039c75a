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

// A client that stops reading a listing or a download (it has what it
// wanted, its user cancelled, its output failed) often sends no ABOR: it
// closes the data connection (a socket closed with data unread sends a
// RST), and the server, failing to write, answers 426. That is the
// client's doing when the close is surely the client's own: a FIN, or a
// RST in a capture taken at the client. A RST seen elsewhere may come from
// a device on the path acting in the client's name. Some servers never
// answer such a transfer: Pure-FTPd sends a second 150 line ("150 0.020
// seconds (measured here)") and no final reply, and the client goes on to
// QUIT; the client's close is then the transfer's end all the same.

// stoppedReading returns when and how ("FIN", "RST") the client ended a
// download's data connection c itself while data was moving: before any
// FIN or RST of the server's side and before the transfer's final reply
// (if one came), after data and no stall.
func stoppedReading(c *capture.Conn, passive bool, final *capture.FTPReply) (float64, string, bool) {
	client, server := capture.SideInitiator, capture.SideResponder
	clientFIN, serverFIN := c.FINInitiator, c.FINResponder
	if !passive {
		client, server = server, client
		clientFIN, serverFIN = serverFIN, clientFIN
	}
	end, how := 0.0, ""
	if clientFIN != nil {
		end, how = clientFIN.T, "FIN"
	}
	serverEnd := 0.0
	if serverFIN != nil {
		serverEnd = serverFIN.T
	}
	for _, r := range c.RSTs {
		switch {
		case r.From == client && (end == 0 || r.T < end):
			end, how = r.T, "RST"
		case r.From == server && (serverEnd == 0 || r.T < serverEnd):
			serverEnd = r.T
		}
	}
	ok := end > 0 && (serverEnd == 0 || end < serverEnd) && (final == nil || end <= final.T) &&
		dataMoved(c) && c.Stall == nil
	return end, how, ok
}

// stopDecides completes tr, a listing or download on data set-up ds whose
// client stopped reading (stoppedReading), and reports whether it did: the
// server's final reply (final) is a failure, or none came. Surely the
// client's own close: the transfer worked as far as the client let it (ok,
// aborted). A RST seen away from the client: given up, who reset it is not
// in the file.
func stopDecides(tr *probe.Transfer, c *capture.Conn, ds *capture.DataSetup, final *capture.FTPReply, vantage string) bool {
	if c == nil || ds.Transfer == nil || (final != nil && final.Completion()) {
		return false
	}
	if k := transferKind(ds); k != "listing" && k != "download" {
		return false
	}
	end, how, ok := stoppedReading(c, ds.Passive, final)
	if !ok {
		return false
	}
	x := ds.Transfer
	tr.Step, tr.Aborted = probe.Step{Outcome: probe.OutcomeOK, T0: x.T, T: end}, true
	if how == "RST" && vantage != "client" {
		tr.Step.Outcome = probe.OutcomeSkipped
		tr.Step.Error = fmt.Sprintf(clientStopPrefix+"the data connection (RST) %.1f s after %s, while data was moving, %s: a client that stops reading (cancelled, or read what it wanted) resets it, and so does a device on the path acting in its name; which of them did is not in a capture taken here (%s), one taken at the client tells", max(0, end-x.T), x.Verb(), beforeFinal(final), vantage)
	}
	if final != nil {
		rep := final.Reply
		tr.Final = &rep
	}
	return true
}

// beforeFinal says where a client's close stands against the server's
// final reply final (nil: none came).
func beforeFinal(final *capture.FTPReply) string {
	if final == nil {
		return "and the server sent no final reply"
	}
	return fmt.Sprintf("before the server's %d", final.Code)
}
