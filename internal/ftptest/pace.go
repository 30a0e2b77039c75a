package ftptest

import (
	"strconv"
	"strings"
	"time"
)

// Pace makes a Server slow or serial the way healthy servers can be: the
// probe must adapt to them, not call them broken. The zero value serves at
// once, any number of sessions together.
type Pace struct {
	// OneAtATime serves one session at a time: a connection is accepted
	// (the kernel completes the handshake) but greeted only once the
	// session before it has ended, as small embedded servers do.
	OneAtATime bool
	// LoginCost is how long PASS takes, with logins run one at a time
	// server-wide: password hashing on a busy CPU (Pure-FTPd's default
	// argon2 takes ~3.7 s per login on 2 cores, ~12 s for three at once).
	LoginCost time.Duration
	// MaxSessions, when positive, turns away sessions beyond this many
	// open at once, at LimitAt: "" (the greeting, vsftpd max_per_ip "421
	// There are too many connections from your internet address.") or
	// "PASS" (ProFTPD MaxClientsPerHost, which answers the password with
	// "530 Sorry, the maximum number of clients (N) from your host are
	// already connected.").
	MaxSessions int
	LimitAt     string
	// TurnedAway, when set, is called each time a session is turned away
	// for MaxSessions (after the refusal is sent): a test can end the
	// sessions that filled the limit exactly then.
	TurnedAway func()
	// Delay holds the reply to a verb this long ("BANNER" for the
	// greeting).
	Delay map[string]time.Duration
}

// paceState is the server-wide state Pace needs.
type paceState struct {
	serve chan struct{} // OneAtATime: holds the token while a session runs
	login chan struct{} // LoginCost: holds the token while a PASS runs
	open  chan struct{} // MaxSessions: one token per open session
}

func newPaceState(p Pace) *paceState {
	ps := &paceState{serve: make(chan struct{}, 1), login: make(chan struct{}, 1)}
	if p.MaxSessions > 0 {
		ps.open = make(chan struct{}, p.MaxSessions)
	}
	return ps
}

// acquire takes the token of ch, or gives up when the server closes.
func (k *conn) acquire(ch chan struct{}) bool {
	select {
	case ch <- struct{}{}:
		return true
	case <-k.srv.rt.done:
		return false
	}
}

// admit runs before the greeting: it waits for the session's turn
// (OneAtATime) and counts it against MaxSessions. release undoes it;
// ok is false when the connection should end without a word.
func (k *conn) admit() (release func(), ok bool) {
	p, ps := &k.srv.Pace, k.srv.rt.pace
	var undo []func()
	release = func() {
		for _, f := range undo {
			f()
		}
	}
	if p.OneAtATime {
		if !k.acquire(ps.serve) {
			return release, false
		}
		undo = append(undo, func() { <-ps.serve })
	}
	if ps.open != nil {
		select {
		case ps.open <- struct{}{}:
			undo = append(undo, func() { <-ps.open })
		default:
			k.overLimit = true
		}
	}
	if !k.delay("BANNER") {
		return release, false
	}
	return release, true
}

// limitReply answers a session over MaxSessions at the verb it is refused
// at; it returns false when that ends the connection.
func (k *conn) limitReply(verb string) (handled, keep bool) {
	if !k.overLimit {
		return false, true
	}
	at := strings.ToUpper(k.srv.Pace.LimitAt)
	switch {
	case at == "" && verb == "BANNER":
		k.reply("421 There are too many connections from your internet address.")
		k.turnedAway()
		return true, false
	case at == "PASS" && verb == "PASS":
		k.reply("530 Sorry, the maximum number of clients (" + strconv.Itoa(k.srv.Pace.MaxSessions) + ") from your host are already connected.")
		k.turnedAway()
		return true, true
	}
	return false, true
}

// turnedAway tells the test a session was turned away.
func (k *conn) turnedAway() {
	if f := k.srv.Pace.TurnedAway; f != nil {
		f()
	}
}

// delay waits the configured delay before the reply to verb; false when
// the server closed meanwhile.
func (k *conn) delay(verb string) bool {
	d, ok := k.srv.Pace.Delay[verb]
	if !ok || d <= 0 {
		return true
	}
	return k.sleep(d)
}

// loginCost spends LoginCost on PASS, one login at a time server-wide.
func (k *conn) loginCost() bool {
	cost := k.srv.Pace.LoginCost
	if cost <= 0 {
		return true
	}
	ps := k.srv.rt.pace
	if !k.acquire(ps.login) {
		return false
	}
	defer func() { <-ps.login }()
	return k.sleep(cost)
}
