package responder

import (
	"net/netip"
	"sync"
	"time"
)

// limiter admits sessions: at most max at once in all, perAddr at once
// from one source address, and ratePerMin new ones per minute from one
// address (a token bucket holding up to ratePerMin tokens); and callbacks:
// cbPerMin a minute to one address (a bucket of its own).
type limiter struct {
	mu         sync.Mutex
	max        int
	perAddr    int
	ratePerMin int
	cbPerMin   int
	now        func() time.Time
	total      int
	addrs      map[netip.Addr]*addrState
}

type addrState struct {
	active int
	tokens float64
	// cbTokens is the callback bucket (callback), refilled with tokens.
	cbTokens float64
	last     time.Time
}

// maxTrackedAddrs bounds the limiter's memory: idle entries are pruned
// first; beyond it new addresses are turned away.
const maxTrackedAddrs = 10000

func newLimiter(c Config) *limiter {
	return &limiter{max: c.MaxSessions, perAddr: c.MaxPerAddress, ratePerMin: c.RatePerMinute, cbPerMin: c.CallbacksPerMinute,
		now: c.Now, addrs: map[netip.Addr]*addrState{}}
}

// admit reports whether a session from a may start, and why not; a true
// answer must be followed by release(a).
func (l *limiter) admit(a netip.Addr) (bool, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	st := l.addrs[a]
	if st == nil {
		if len(l.addrs) >= maxTrackedAddrs {
			l.prune(now)
		}
		if len(l.addrs) >= maxTrackedAddrs {
			return false, "too many client addresses"
		}
		st = &addrState{tokens: float64(l.ratePerMin), cbTokens: float64(l.cbPerMin), last: now}
		l.addrs[a] = st
	}
	l.refill(st, now)
	switch {
	case l.total >= l.max:
		return false, "too many sessions"
	case st.active >= l.perAddr:
		return false, "too many sessions from your address"
	case st.tokens < 1:
		return false, "too many new sessions from your address, wait a minute"
	}
	st.tokens--
	st.active++
	l.total++
	return true, ""
}

func (l *limiter) refill(st *addrState, now time.Time) {
	if el := now.Sub(st.last); el > 0 {
		st.tokens = min(st.tokens+el.Minutes()*float64(l.ratePerMin), float64(l.ratePerMin))
		st.cbTokens = min(st.cbTokens+el.Minutes()*float64(l.cbPerMin), float64(l.cbPerMin))
	}
	st.last = now
}

// callback reports whether a session from a (admitted, not yet released)
// may make one more callback, and takes it from a's callback bucket.
func (l *limiter) callback(a netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.addrs[a]
	if st == nil {
		return false
	}
	l.refill(st, l.now())
	if st.cbTokens < 1 {
		return false
	}
	st.cbTokens--
	return true
}

// prune forgets addresses with no session and a full bucket.
func (l *limiter) prune(now time.Time) {
	for a, st := range l.addrs {
		l.refill(st, now)
		if st.active == 0 && st.tokens >= float64(l.ratePerMin) && st.cbTokens >= float64(l.cbPerMin) {
			delete(l.addrs, a)
		}
	}
}

func (l *limiter) release(a netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.addrs[a]; st != nil && st.active > 0 {
		st.active--
		l.total--
	}
}
