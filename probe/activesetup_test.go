package probe_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

// TestActiveSetupWatch: servers that connect when PORT/EPRT arrives
// (pyftpdlib, Twisted) answer it only once their attempt ends. The probe
// listens while it waits for that reply and records what the listener saw;
// a 425 is what became of the data connection, and a reply still missing
// after the round-trip-scaled wait, with nothing at the listener, ends the
// wait as a timeout (never "refused") before the reply timeout.
func TestActiveSetupWatch(t *testing.T) {
	hang := 4 * time.Second
	tests := []struct {
		name  string
		srv   ftptest.Server
		reply time.Duration // the probe's reply timeout
		// dropped fakes a capture that sees the server's SYN to the
		// listener sent again unanswered.
		dropped bool
		// want
		works    bool
		setup    probe.Outcome
		code     int // the set-up reply's code, 0 for none
		connect  probe.Outcome
		listener string
		maxWait  time.Duration // the set-up wait must be shorter (0: no check)
		minWait  time.Duration // and at least this long
	}{
		{name: "connects at PORT, callback arrives: works",
			srv: ftptest.Server{Files: files(), ConnectAtPort: true}, reply: 2 * time.Second,
			works: true, setup: probe.OutcomeOK, code: 200, connect: probe.OutcomeOK, listener: probe.ListenerAccepted},
		{name: "connects at PORT, refused at once: the 425 is the data connection's fate",
			srv: ftptest.Server{Files: files(), ConnectAtPort: true, Hostile: ftptest.Hostile{ActivePortDelta: 1}}, reply: 2 * time.Second,
			setup: probe.OutcomeReply, code: 425, connect: probe.OutcomeReply, listener: probe.ListenerNothing},
		{name: "connects at PORT, callback lost: the wait ends before the late 425",
			srv: ftptest.Server{Files: files(), ConnectAtPort: true, PortConnectHang: hang}, reply: 10 * time.Second,
			setup: probe.OutcomeTimeout, connect: probe.OutcomeTimeout, listener: probe.ListenerNothing, maxWait: hang},
		{name: "connects at PORT, its SYN seen dropped here: the wait ends on the wire's word",
			srv: ftptest.Server{Files: files(), ConnectAtPort: true, PortConnectHang: hang}, reply: 10 * time.Second, dropped: true,
			setup: probe.OutcomeTimeout, connect: probe.OutcomeTimeout, listener: probe.ListenerSYNDropped, maxWait: hang},
		{name: "slow replies, connects at LIST: the wait scales with the slowest reply",
			srv:   ftptest.Server{Files: files(), Pace: ftptest.Pace{Delay: map[string]time.Duration{"TYPE": 500 * time.Millisecond, "PORT": 1800 * time.Millisecond, "EPRT": 1800 * time.Millisecond}}},
			reply: 5 * time.Second, works: true, setup: probe.OutcomeOK, code: 200, connect: probe.OutcomeOK, listener: probe.ListenerNothing, minWait: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _ := runAgainst(t, &tt.srv, "", func(o *probe.Options) {
				o.Modes = []probe.Mode{probe.ModeEPRT, probe.ModePORT}
				o.ReplyTimeout = tt.reply
				if tt.dropped {
					o.WatchSYN = func(netip.AddrPort) (<-chan struct{}, func()) {
						ch := make(chan struct{})
						close(ch)
						return ch, func() {}
					}
				}
			})
			for _, m := range []probe.Mode{probe.ModeEPRT, probe.ModePORT} {
				mr := res.Mode(m)
				dc := mr.ListData
				if mr.Works != tt.works {
					t.Errorf("%s works = %v, want %v (setup %+v, connect %+v)", m, mr.Works, tt.works, dc.Setup, dc.Connect)
				}
				if dc.Setup.Outcome != tt.setup || dc.Connect.Outcome != tt.connect {
					t.Errorf("%s setup %s, connect %s; want %s, %s (%+v / %+v)", m, dc.Setup.Outcome, dc.Connect.Outcome, tt.setup, tt.connect, dc.Setup, dc.Connect)
				}
				code := 0
				if dc.Setup.Reply != nil {
					code = dc.Setup.Reply.Code
				}
				if code != tt.code {
					t.Errorf("%s set-up reply %d, want %d", m, code, tt.code)
				}
				for _, e := range []string{dc.Setup.Error, dc.Connect.Error} {
					if strings.Contains(e, "refused") {
						t.Errorf("%s says %q: nothing refused it", m, e)
					}
				}
				sw := dc.SetupWatch
				if sw == nil {
					t.Fatalf("%s: no setup_watch", m)
				}
				// A reply and a connection that arrive together may be seen
				// in either order: a working set-up may record either.
				if sw.Listener != tt.listener && !(tt.works && tt.listener == probe.ListenerAccepted && sw.Listener == probe.ListenerNothing) {
					t.Errorf("%s listener saw %q, want %q", m, sw.Listener, tt.listener)
				}
				wait := time.Duration(sw.Wait.Seconds * float64(time.Second))
				if (tt.maxWait > 0 && wait >= tt.maxWait) || wait < tt.minWait || sw.Wait.Reason == "" {
					t.Errorf("%s set-up wait %s (%s), want within [%s, %s)", m, wait, sw.Wait.Reason, tt.minWait, tt.maxWait)
				}
			}
		})
	}
}
