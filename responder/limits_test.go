package responder

import (
	"net/netip"
	"testing"
	"time"
)

// TestLimiter: concurrency per address and in all, and the per-address
// rate with its refill, on a fake clock.
func TestLimiter(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newLimiter(Config{MaxSessions: 3, MaxPerAddress: 2, RatePerMinute: 3, Now: func() time.Time { return now }})
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("2001:db8::3")
	steps := []struct {
		addr    netip.Addr
		release bool
		advance time.Duration
		want    bool
	}{
		{addr: a, want: true},
		{addr: a, want: true},
		{addr: a, want: false}, // two at once from a
		{addr: b, want: true},
		{addr: c, want: false}, // three in all
		{addr: a, release: true},
		{addr: a, want: true}, // third token of a
		{addr: a, release: true},
		{addr: a, want: false},                           // no token left
		{addr: a, advance: 20 * time.Second, want: true}, // one token back
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if st.release {
			l.release(st.addr)
			continue
		}
		if got, why := l.admit(st.addr); got != st.want {
			t.Fatalf("step %d: admit(%s) = %t (%s), want %t", i, st.addr, got, why, st.want)
		}
	}
}

// TestTurnedAway: a second session from the same address over the limit
// gets 421 and is logged.
func TestTurnedAway(t *testing.T) {
	ap, log, stop := start(t, Config{Open: true, MaxPerAddress: 1})
	c := dial(t, ap)
	c.cmd("NOOP")
	c2, err := dialRaw(ap)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.conn.Close()
	c2.t = t
	c2.expect(421)
	c.cmd("QUIT")
	stop()
	if !contains(log.String(), "refused: too many sessions from your address") {
		t.Errorf("log:\n%s", log.String())
	}
}
