package probe

import (
	"fmt"
	"sync"
	"time"
)

// Pacing says how the modes' control connections were run: at once (the
// default), or one after another because the server showed it would not
// cope with several sessions at once. A slow or serial server is healthy:
// the probe adapts to it instead of reporting its own concurrency as a
// failure, and records what it saw so a finding can say it.
type Pacing struct {
	// Serial is true when the modes after the first ran one at a time.
	Serial bool `json:"serial"`
	// Trigger is what made them run so, from a closed set:
	// PacingSlowLogin, PacingQueued, PacingSlowGreeting,
	// PacingConnectionLimit ("" when they ran at once).
	Trigger string `json:"trigger,omitempty"`
	// Reason says it in a sentence, with the figures.
	Reason string `json:"reason,omitempty"`
	// LoginSeconds is how long the first mode's login (USER to the last
	// reply) took, and RTTSeconds its control connection's TCP handshake.
	LoginSeconds float64 `json:"login_seconds"`
	RTTSeconds   float64 `json:"rtt_seconds"`
	// QueuedSeconds is how long a second session waited for its greeting
	// (PacingQueued, PacingSlowGreeting).
	QueuedSeconds float64 `json:"queued_seconds,omitempty"`
	// Modes are the modes run one at a time.
	Modes []Mode `json:"modes,omitempty"`
}

// The pacing triggers.
const (
	// PacingSlowLogin: one login took far longer than the round trip
	// (password hashing, Pure-FTPd's argon2): logins at once would share
	// the server's CPU and time out together.
	PacingSlowLogin = "slow-login"
	// PacingQueued: a second session was greeted only once another
	// session of the probe closed: the server serves one at a time.
	PacingQueued = "queued"
	// PacingSlowGreeting: a second session was not greeted within the
	// queue wait while the first was open, and no close released it.
	PacingSlowGreeting = "slow-greeting"
	// PacingConnectionLimit: the server turned sessions away for a
	// connection limit (421, or 530 with a limit wording) and they ran
	// again, one at a time, after the others.
	PacingConnectionLimit = "connection-limit"
)

// Tunables of the pacing decisions.
const (
	// slowLoginRoundTrips: a login this many handshake round trips long is
	// the server's own work, not the network's.
	slowLoginRoundTrips = 10
	// queueWaitGreetings: a second greeting that takes this many times the
	// first one (plus its round trips) is not merely the network.
	queueWaitGreetings = 10
	minQueueWait       = 500 * time.Millisecond
	// queuedGreetings: a greeting that came after another session closed
	// and took this many times the first greeting was held for that close
	// (a healthy server greets in about one round trip, while the rest of
	// the first session takes several).
	queuedGreetings = 2
	// minQueued: a shorter wait is not called queueing, whatever the
	// ratio: on a fast path a busy client (scheduling, a loaded machine)
	// can delay reading a greeting past a whole short session, and a
	// queue that short costs nothing when the modes run at once anyway.
	minQueued = 250 * time.Millisecond
)

// slowLogin decides whether the remaining n sessions must log in one at a
// time: n logins at once, each as slow as the first, would take some n
// times as long (the server's CPU is shared), and that must stay well
// inside the reply timeout; and the login is the server's work, far longer
// than a round trip.
func (r *runner) slowLogin(p *Pacing, n int) bool {
	if n < 2 {
		return false
	}
	login := time.Duration(p.LoginSeconds * float64(time.Second))
	rtt := time.Duration(p.RTTSeconds * float64(time.Second))
	if login < slowLoginRoundTrips*rtt || time.Duration(n)*login < r.opts.ReplyTimeout/2 {
		return false
	}
	p.Reason = fmt.Sprintf("a login took %s, %d times the connection's round trip (%s): %d logins at once would take some %s each, against a reply timeout of %s",
		login.Round(time.Millisecond), int(login/max(rtt, time.Microsecond)), rtt.Round(time.Microsecond), n, (time.Duration(n) * login).Round(time.Millisecond), r.opts.ReplyTimeout)
	return true
}

// queueWait is how long a second session may wait for its greeting, while
// the first session is open, before the others are held back.
func (r *runner) queueWait(lead *ModeResult) time.Duration {
	greet := max(0, lead.Banner.T-lead.Banner.T0) + max(0, lead.Connect.T-lead.Connect.T0)
	w := time.Duration(queueWaitGreetings * greet * float64(time.Second))
	return min(max(w, minQueueWait), r.opts.ReplyTimeout/2)
}

// runModes runs the modes after the lead, once the lead has logged in: at
// once, unless the lead's login was slow, or the first of them is not
// greeted while the lead's session is open; then one at a time.
func (r *runner) runModes(lead *ModeResult, rest []*ModeResult, leadDone <-chan struct{}) {
	p := &Pacing{
		LoginSeconds: max(0, lead.Login.T-lead.Login.T0),
		RTTSeconds:   max(0, lead.Connect.T-lead.Connect.T0),
	}
	r.res.Pacing = p
	if len(rest) == 0 {
		return
	}
	if r.slowLogin(p, len(rest)) {
		<-leadDone
		r.serial(p, PacingSlowLogin, rest)
		return
	}
	first := rest[0]
	greeted := make(chan struct{})
	firstDone := make(chan struct{})
	go func() {
		defer close(firstDone)
		r.probeMode(first, nil, greeted)
	}()
	qw := r.queueWait(lead)
	t := time.NewTimer(qw)
	defer t.Stop()
	select {
	case <-greeted:
		// Greeted in time, but perhaps only because the lead's session
		// had closed meanwhile: a fast session hides a queue.
		if r.queued(p, lead, first) {
			<-firstDone
			r.serial(p, PacingQueued, rest[1:])
			return
		}
	case <-t.C:
		// No greeting while the lead's session is open: a server that
		// serves one session at a time greets this one when the lead's
		// closes. Hold the others back until it has run.
		<-firstDone
		<-leadDone
		trigger := PacingQueued
		if !r.queued(p, lead, first) {
			trigger = PacingSlowGreeting
			p.QueuedSeconds = max(0, first.Banner.T-first.Banner.T0)
			p.Reason = fmt.Sprintf("a second session was not greeted within %s while the first was open", qw.Round(time.Millisecond))
		}
		r.serial(p, trigger, rest[1:])
		return
	case <-r.ctx.Done():
	}
	var wg sync.WaitGroup
	for _, m := range rest[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.probeMode(m, nil, nil)
		}()
	}
	wg.Wait()
	<-firstDone
}

// queued reports whether first was greeted only once another session of
// the run had closed, after a wait well beyond the lead's own greeting; it
// fills p's wait and reason when so.
func (r *runner) queued(p *Pacing, lead, first *ModeResult) bool {
	if !first.Banner.OK() {
		return false
	}
	wait := max(0, first.Banner.T-first.Banner.T0)
	own := max(0, lead.Banner.T-lead.Banner.T0) + p.RTTSeconds
	at, ok := r.closedWithin(first.Banner.T0, first.Banner.T)
	if !ok || wait < queuedGreetings*own || wait < minQueued.Seconds() {
		return false
	}
	p.QueuedSeconds = wait
	p.Reason = fmt.Sprintf("a second session was greeted only after %.3f s, %.3f s after another session closed (the first was greeted in %.3f s): the server serves one session at a time", wait, first.Banner.T-at, own)
	return true
}

// serial runs modes one after another and records it.
func (r *runner) serial(p *Pacing, trigger string, modes []*ModeResult) {
	p.Serial, p.Trigger = true, trigger
	for _, m := range modes {
		p.Modes = append(p.Modes, m.Mode)
	}
	for _, m := range modes {
		if r.ctx.Err() != nil {
			m.markFrom(stageConnect, skipped("the run was cancelled"))
			continue
		}
		r.probeMode(m, nil, nil)
	}
}

// noteClosed records when one of the run's control connections ends (its
// QUIT is about to be sent).
func (r *runner) noteClosed() {
	r.mu.Lock()
	r.closes = append(r.closes, r.clock.offset())
	r.mu.Unlock()
}

// closedWithin returns the last close of a control connection between t0
// and t.
func (r *runner) closedWithin(t0, t float64) (float64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var at float64
	ok := false
	for _, c := range r.closes {
		if c >= t0 && c <= t && (!ok || c > at) {
			at, ok = c, true
		}
	}
	return at, ok
}
