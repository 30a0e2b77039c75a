package probe

import (
	"fmt"
	"strings"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// What an active attempt's listener saw while the PORT/EPRT reply was
// awaited (SetupWatch.Listener).
const (
	// ListenerNothing: no connection was accepted, and no capture showed
	// the server's SYN dropped here.
	ListenerNothing = "nothing"
	// ListenerSYNDropped: the capture saw the server's SYN reach this
	// host, sent again and never answered.
	ListenerSYNDropped = "syn-unanswered"
	// ListenerAccepted: the server's connection was accepted.
	ListenerAccepted = "accepted"
)

// SetupWatch is what an active attempt's listener saw while the probe
// waited for the PORT/EPRT reply. Servers that connect as soon as they get
// PORT/EPRT (pyftpdlib, Twisted) answer it only once their attempt ends:
// a callback that cannot get through shows here, as a 425 or as silence
// with nothing at the listener, before any transfer command.
type SetupWatch struct {
	// Listener is ListenerNothing, ListenerSYNDropped or ListenerAccepted.
	Listener string `json:"listener"`
	// Wait is how long the probe waited for the reply while nothing
	// reached the listener, and why that long (scaled by the control
	// connection's round trip and its slowest reply so far); once a
	// connection is accepted, the reply gets the whole reply timeout.
	Wait CallbackWait `json:"wait"`
}

// loginVerbs are left out of the reply times the set-up wait is scaled
// by: a login may be slow by design (password hashing) without the server
// being slow to answer anything else.
var loginVerbs = []string{"USER", "PASS", "ACCT"}

// noteReplyTime keeps the slowest reply of the session's plain commands.
func (s *session) noteReplyTime(verb string, st Step) {
	for _, v := range loginVerbs {
		if strings.EqualFold(v, verb) {
			return
		}
	}
	s.slowestReply = max(s.slowestReply, st.T-st.T0)
}

// activeSetup sends PORT/EPRT with the listener of ch accepting, and waits
// for the first fact that decides it: the reply; the server's connection
// (then the reply still gets the reply timeout: it follows); the capture
// showing the server's SYN dropped here; or, with nothing at the listener,
// the set-up wait running out (servers that connect at PORT time stay
// silent while their callback goes unanswered). When the wait ends without
// a reply, dc.Connect says what the listener saw and the session is out of
// step: the reply is still due, nothing more is sent.
func (s *session) activeSetup(ch *dataChannel, dc *DataConn, verb, arg string) Step {
	sw := &SetupWatch{Listener: ListenerNothing, Wait: s.scaledWait(s.slowestReply, s.opts.ReplyTimeout, "the reply timeout")}
	dc.SetupWatch = sw
	st := s.clock.begin()
	if err := s.send(verb, arg); err != nil {
		return s.clock.fail(st, err)
	}
	dropped := make(chan struct{})
	stopWire, _ := s.watchWire(addrPortOf(ch.ln.Addr()), func() { close(dropped) })
	defer stopWire()
	timer := time.NewTimer(time.Duration(sw.Wait.Seconds * float64(time.Second)))
	defer timer.Stop()
	waitC, accepted := timer.C, ch.accepted
	w := s.watchReply(s.opts.ReplyTimeout)
	for {
		select {
		case <-w.done:
			// A server that connects at PORT time answers once its
			// connection is made: if it is already accepted, say so.
			select {
			case a := <-accepted:
				ch.accepted <- a
				if a.err == nil {
					sw.Listener = ListenerAccepted
				}
			default:
			}
			return s.setupReplied(dc, verb, st)
		case a := <-accepted:
			// Kept for the transfer command; the reply follows.
			ch.accepted <- a
			accepted, waitC, dropped = nil, nil, nil
			if a.err == nil {
				sw.Listener = ListenerAccepted
			}
		case <-waitC:
			wait := fmt.Sprintf("%s (%s)", formatSeconds(sw.Wait.Seconds), sw.Wait.Reason)
			return s.setupUnanswered(dc, st,
				fmt.Sprintf("no reply to %s within %s, and no connection from the server", verb, wait),
				fmt.Sprintf("no connection from the server while %s went unanswered for %s", verb, wait))
		case <-dropped:
			sw.Listener = ListenerSYNDropped
			return s.setupUnanswered(dc, st,
				fmt.Sprintf("no reply to %s when the capture showed the server's connection dropped here", verb),
				wireVerdictInbound)
		}
	}
}

// setupReplied completes the set-up step with its reply. A reply meaning
// that the server could not connect (pyftpdlib "425 Can't connect to
// specified address.") is also what became of the data connection.
func (s *session) setupReplied(dc *DataConn, verb string, st Step) Step {
	rep, err := s.readReply(s.opts.ReplyTimeout)
	if err != nil {
		return s.clock.fail(st, err)
	}
	st = s.clock.replied(st, verb, rep, false)
	if !st.OK() && st.Meaning != nil && st.Meaning.Meaning == ftp.MeaningDataConnectionFailed {
		dc.Connect = st
		dc.Connect.Error = fmt.Sprintf("accept data connection on %s: no connection from the server before it answered %s", dc.Listened, verb)
		if dc.SetupWatch.Listener == ListenerAccepted {
			dc.Connect.Error = fmt.Sprintf("accept data connection on %s: a connection was accepted, then the server answered %s that it could not connect", dc.Listened, verb)
		}
	}
	return st
}

// setupUnanswered ends a set-up the server had not answered when the wait
// ran out or the wire decided: the set-up step timed out (no refusal was
// heard: setupErr), and so did the wait at the listener (listenErr), from
// the same moment.
func (s *session) setupUnanswered(dc *DataConn, st Step, setupErr, listenErr string) Step {
	s.stopPending()
	st = s.clock.finish(st, OutcomeTimeout)
	st.Error = setupErr
	dc.Connect = Step{Outcome: OutcomeTimeout, T0: st.T0, T: st.T, Error: fmt.Sprintf("accept data connection on %s: %s", dc.Listened, listenErr)}
	return st
}

// formatSeconds renders a wait as Go renders durations ("1.5s").
func formatSeconds(sec float64) string {
	return time.Duration(sec * float64(time.Second)).String()
}
