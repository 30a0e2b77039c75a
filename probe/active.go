package probe

import (
	"fmt"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// The wait for an active-mode callback. The server's SYN normally arrives
// within one command round trip of the transfer command; a SYN lost on the
// way is sent again after the initial retransmission timeout (1 s: RFC 6298
// and Linux, BSD, current Windows). Waiting one retransmission plus a few
// round trips, and never less than minCallbackWait (half a second beyond
// that retransmission), tells "the callback never came" from "it came
// late" without spending the whole data timeout;
// a reply on the control connection (425, 421...) ends the wait sooner.
const (
	synRetransmission  = time.Second
	callbackRoundTrips = 4
	minCallbackWait    = 1500 * time.Millisecond
)

// CallbackWait is how long an active-mode attempt waited for the server's
// connection and why that long, so a finding can say it.
type CallbackWait struct {
	// Seconds is the wait.
	Seconds float64 `json:"seconds"`
	// RTTSeconds is the control connection's TCP handshake time, and
	// ReplySeconds how long the PORT/EPRT reply took (for the wait for
	// that reply, SetupWatch, the slowest earlier reply but the login's):
	// the round trips the wait is scaled by.
	RTTSeconds   float64 `json:"rtt_seconds"`
	ReplySeconds float64 `json:"reply_seconds"`
	// Reason says how Seconds was chosen.
	Reason string `json:"reason"`
}

// callbackWait chooses the wait for the server's connection after the
// transfer command, scaled by the PORT/EPRT reply's time.
func (s *session) callbackWait(dc *DataConn) *CallbackWait {
	cw := s.scaledWait(max(0, dc.Setup.T-dc.Setup.T0), s.opts.DataTimeout, "the data timeout")
	return &cw
}

// scaledWait is one SYN retransmission plus a few round trips, the round
// trip being the larger of the control connection's handshake and reply
// (seconds), never less than minCallbackWait nor more than limit (named
// limitName in the reason); Options.CallbackWait overrides it.
func (s *session) scaledWait(reply float64, limit time.Duration, limitName string) CallbackWait {
	cw := CallbackWait{
		RTTSeconds:   max(0, s.mr.Connect.T-s.mr.Connect.T0),
		ReplySeconds: max(0, reply),
	}
	if s.opts.CallbackWait > 0 {
		w := min(s.opts.CallbackWait, limit)
		cw.Seconds = w.Seconds()
		cw.Reason = fmt.Sprintf("set to %s by the caller", w)
		return cw
	}
	rt := time.Duration(max(cw.RTTSeconds, cw.ReplySeconds) * float64(time.Second))
	w := synRetransmission + callbackRoundTrips*rt
	cw.Reason = fmt.Sprintf("one SYN retransmission (%s) plus %d round trips of %s", synRetransmission, callbackRoundTrips, rt.Round(time.Microsecond))
	if w < minCallbackWait {
		w = minCallbackWait
		cw.Reason = fmt.Sprintf("the minimum %s (one SYN retransmission after %s, plus %d round trips of %s, is shorter)", minCallbackWait, synRetransmission, callbackRoundTrips, rt.Round(time.Microsecond))
	}
	if w > limit {
		w = limit
		cw.Reason += fmt.Sprintf(", capped at %s %s", limitName, limit)
	}
	cw.Seconds = w.Seconds()
	return cw
}

// startActive sends verb in active mode and waits for the first fact that
// decides the data connection: the server's connection, a reply on the
// control connection (read meanwhile: a 425 or 421 ends the wait at once and
// is quoted), the capture showing the server's SYN dropped here, or the
// callback wait running out. ok is true once the connection is up and the
// server's 1xx has come.
func (s *session) startActive(ch *dataChannel, dc *DataConn, tr *Transfer, verb, arg string, st Step) (ftp.Reply, bool) {
	cw := s.callbackWait(dc)
	dc.CallbackWait = cw
	wait := time.Duration(cw.Seconds * float64(time.Second))
	ln := ch.ln
	if dl, ok := ln.(deadliner); ok {
		dl.SetDeadline(s.clock.deadline(s.opts.DataTimeout))
	}
	accepted := ch.accepted
	if err := s.send(verb, arg); err != nil {
		tr.Step = s.clock.fail(st, err)
		// The server was never asked to connect: nothing to wait for.
		ch.drain()
		dc.Connect = skipped(verb + " was not sent")
		return ftp.Reply{}, false
	}
	dropped := make(chan struct{})
	stopWire, _ := s.watchWire(addrPortOf(ln.Addr()), func() { close(dropped) })
	defer stopWire()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	w := s.watchReply(s.opts.ReplyTimeout)
	replied := w.done
	var first *ftp.Reply // the 1xx, once it came
	for {
		select {
		case a := <-accepted:
			return s.activeConnected(ch, dc, tr, verb, st, a, first)
		case <-replied:
			// A connection that came with the reply goes first: the
			// reply then belongs to the transfer.
			select {
			case a := <-accepted:
				return s.activeConnected(ch, dc, tr, verb, st, a, first)
			default:
			}
			if first != nil && w.err == nil && ftp.Interpret(verb, w.rep, true).Step == ftp.StepSuccess {
				// The transfer is complete for the server, so its
				// connection was made: wait for it, not for the reply.
				replied = nil
				continue
			}
			rep, err := s.readReply(s.opts.ReplyTimeout)
			if err == nil && first == nil && s.firstReply(tr, verb, rep, st) {
				first = &rep
				w = s.watchReply(s.opts.TransferTimeout + s.opts.ReplyTimeout)
				replied = w.done
				continue
			}
			ch.drain()
			s.answeredInstead(dc, tr, verb, st, rep, err, first != nil)
			return rep, false
		case <-timer.C:
			ch.drain()
			dc.Connect = s.clock.finish(st, OutcomeTimeout)
			dc.Connect.Error = fmt.Sprintf("accept data connection on %s: no connection from the server within %s (%s), and no reply on the control connection", dc.Listened, wait, cw.Reason)
			return ftp.Reply{}, s.neverOpened(tr, st)
		case <-dropped:
			ch.drain()
			dc.Connect = s.clock.finish(st, OutcomeTimeout)
			dc.Connect.Error = fmt.Sprintf("accept data connection on %s: %s", dc.Listened, wireVerdictInbound)
			return ftp.Reply{}, s.neverOpened(tr, st)
		case <-s.ctx.Done():
			ch.drain()
			dc.Connect = s.clock.fail(st, fmt.Errorf("accept data connection on %s: %w", dc.Listened, s.ctx.Err()))
			return ftp.Reply{}, s.neverOpened(tr, st)
		}
	}
}

// activeConnected completes an active attempt whose listener returned: the
// server's connection (then its 1xx is read, if it has not come yet), or the
// listener's own failure (its deadline, the data timeout).
func (s *session) activeConnected(ch *dataChannel, dc *DataConn, tr *Transfer, verb string, st Step, a acceptResult, first *ftp.Reply) (ftp.Reply, bool) {
	ch.ln.Close()
	ch.ln, ch.accepted = nil, nil
	if a.err != nil {
		dc.Connect = s.clock.fail(st, fmt.Errorf("accept data connection on %s: %w", dc.Listened, a.err))
		return ftp.Reply{}, s.neverOpened(tr, st)
	}
	ch.conn = a.conn
	dc.Connect = s.clock.ok(st)
	dc.Peer = addrPortOf(a.conn.RemoteAddr()).String()
	dc.Local = addrPortOf(a.conn.LocalAddr()).String()
	return s.dataReady(ch, dc, tr, verb, st, first)
}

// answeredInstead records a control reply (or the control connection's
// failure) that came instead of the server's connection: a 425 "Can't open
// data connection" or a 421, before or after the 1xx.
func (s *session) answeredInstead(dc *DataConn, tr *Transfer, verb string, st Step, rep ftp.Reply, err error, afterPreliminary bool) {
	if err != nil {
		dc.Connect = s.clock.fail(st, fmt.Errorf("waiting for the data connection on %s, the control connection failed: %w", dc.Listened, err))
		tr.Step = s.clock.fail(st, err)
		return
	}
	dc.Connect = s.clock.replied(st, verb, rep, afterPreliminary)
	if afterPreliminary {
		tr.Step = dc.Connect
		tr.Final = tr.Step.Reply
		tr.Times.Final = ptr(tr.Step.T)
	}
	// Before the 1xx, firstReply has completed tr already.
	if dc.Connect.OK() {
		// A success reply with no data connection ever made.
		dc.Connect.Outcome = OutcomeProtocol
		dc.Connect.Error = "the server answered without ever connecting"
	}
}

// neverOpened completes tr when the server's connection never came. The
// server's reply to the command (its 425, late) is still to come: nothing
// more is sent on this control connection.
func (s *session) neverOpened(tr *Transfer, st Step) bool {
	s.stopPending()
	tr.Step = s.clock.finish(st, OutcomeTimeout)
	tr.Step.Error = "the data connection never opened"
	return false
}
