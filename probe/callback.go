package probe

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net"
	"strings"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// The callback test against a responder: on each passive mode's control
// connection (whose own data mode does not need callbacks, so it is still
// in step when active mode's would not be), once the mode has run, the
// probe listens as in active mode, announces the port (EPRT on EPSV's
// connection, PORT on PASV's) and asks "SITE FTPDIAG CALLBACK <kind>
// <seconds>", once from port 20 and once from an ephemeral port, each
// after its own PORT/EPRT (an FTP ALG opens the way for one connection per
// command). The responder's reply and record say what it saw of each
// attempt; the probe records what reached its listener. The listener is
// not announced to the capture (Options.OnListen): these connections are
// the two endpoints' evidence, not a data mode's.

// CallbackTry is one callback the probe asked a responder for.
type CallbackTry struct {
	// Kind is ftp.CallbackPort20 or ftp.CallbackEphemeral.
	Kind string `json:"kind"`
	// T is when the try began (seconds since the run's start).
	T float64 `json:"t"`
	// Listened is the probe's listening address:port.
	Listened string `json:"listened,omitempty"`
	// Command is the PORT/EPRT as sent, CommandReply the responder's
	// reply to it.
	Command      string `json:"command,omitempty"`
	CommandReply string `json:"command_reply,omitempty"`
	// Reply is the responder's reply to SITE FTPDIAG CALLBACK.
	Reply string `json:"reply,omitempty"`
	// Arrived are the connections that reached the listener while it
	// waited, in order.
	Arrived []CallbackArrival `json:"arrived,omitempty"`
	// Error says why the try stopped early.
	Error string `json:"error,omitempty"`
}

// CallbackArrival is one connection that reached the probe's listener
// during a callback try.
type CallbackArrival struct {
	T float64 `json:"t"`
	// From is its source address:port.
	From string `json:"from"`
	// Line is the first line it carried (the responder's
	// "ftpdiag-callback <kind> <nonce>"), bounded; "" when none came.
	Line string `json:"line,omitempty"`
}

// Bounds of a callback try.
const (
	// minCallbackSeconds is the shortest wait asked of the responder: a
	// SYN lost once is sent again after 1 s.
	minCallbackSeconds = 2
	// maxCallbackArrivals bounds the connections accepted per try.
	maxCallbackArrivals = 4
	// maxCallbackLine bounds the line read from one.
	maxCallbackLine = 128
	// callbackLineWait bounds the wait for that line.
	callbackLineWait = 2 * time.Second
	// minCallbackGrace is the least time the listener stays open after
	// the responder's reply (its connection was made before it replied).
	minCallbackGrace = 300 * time.Millisecond
)

// responderCallbacks runs the callback test on a passive mode's control
// connection to a responder.
func (r *runner) responderCallbacks(s *session, m *ModeResult) {
	v := m.Responder
	if v == nil || !m.Mode.Passive() || v.Challenge == ChallengeRefused || v.Challenge == ChallengeNoNonce || s.broken || r.ctx.Err() != nil {
		return
	}
	verb := "EPRT"
	if m.Mode == ModePASV {
		verb = "PORT"
	}
	cw := s.scaledWait(0, time.Duration(ftp.MaxCallbackSeconds)*time.Second, "the responder's limit")
	secs := min(max(int(math.Ceil(cw.Seconds)), minCallbackSeconds), ftp.MaxCallbackSeconds)
	for _, kind := range ftp.CallbackKinds {
		v.Callbacks = append(v.Callbacks, s.callbackTry(kind, verb, secs))
		if s.broken || r.ctx.Err() != nil {
			return
		}
	}
}

// callbackTry asks for one callback and records what arrived.
func (s *session) callbackTry(kind, verb string, secs int) CallbackTry {
	t := CallbackTry{Kind: kind, T: s.clock.offset()}
	ln, err := s.listenActive(s.controlLocal().Addr())
	if err != nil {
		t.Error = err.Error()
		return t
	}
	defer ln.Close()
	lap := addrPortOf(ln.Addr())
	t.Listened = lap.String()
	arg := ftp.FormatEPRT(lap)
	if verb == "PORT" {
		if arg, err = ftp.FormatPORT(lap); err != nil {
			t.Error = err.Error()
			return t
		}
	}
	t.Command = verb + " " + arg
	rep, err := s.unrecorded(verb, arg)
	if err != nil {
		t.Error = err.Error()
		return t
	}
	t.CommandReply = rep.Text()
	if rep.Code/100 != 2 {
		return t
	}
	done := make(chan []CallbackArrival, 1)
	go func() { done <- s.acceptCallbacks(ln) }()
	rep, err = s.unrecordedWait("SITE", fmt.Sprintf("FTPDIAG CALLBACK %s %d", kind, secs), time.Duration(secs)*time.Second+s.opts.ReplyTimeout)
	if err != nil {
		t.Error = err.Error()
	} else {
		t.Reply = rep.Text()
		grace := max(minCallbackGrace, 2*time.Duration((s.mr.Connect.T-s.mr.Connect.T0)*float64(time.Second)))
		timer := time.NewTimer(grace)
		select {
		case <-timer.C:
		case <-s.ctx.Done():
		}
		timer.Stop()
	}
	ln.Close()
	t.Arrived = <-done
	return t
}

// acceptCallbacks accepts connections on ln until it is closed, reading
// each one's first line.
func (s *session) acceptCallbacks(ln net.Listener) []CallbackArrival {
	var out []CallbackArrival
	for len(out) < maxCallbackArrivals {
		c, err := ln.Accept()
		if err != nil {
			return out
		}
		a := CallbackArrival{T: s.clock.offset(), From: addrPortOf(c.RemoteAddr()).String()}
		_ = c.SetReadDeadline(s.clock.deadline(callbackLineWait))
		line, _ := bufio.NewReader(io.LimitReader(c, maxCallbackLine)).ReadString('\n')
		c.Close()
		a.Line = strings.ToValidUTF8(strings.TrimRight(line, "\r\n"), "?")
		out = append(out, a)
	}
	return out
}
