package probe_test

import (
	"bufio"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Slow and serial servers are healthy: the probe runs the modes one after
// another when the server shows it cannot serve them at once, every mode
// works, and Result.Pacing says what was seen.
func TestPacingSlowAndSerialServers(t *testing.T) {
	// Sessions overlap for sure when each lasts 100 ms more.
	overlap := map[string]time.Duration{"TYPE": 100 * time.Millisecond}
	proftpdLimit := "530 Sorry, the maximum number of clients (2) from your host are already connected."
	tests := []struct {
		name    string
		srv     ftptest.Server
		reply   time.Duration // reply timeout
		serial  bool
		trigger string
		needs   *ftp.Reply // a wording the ftp table must know for the case to apply
	}{
		{name: "healthy: modes at once", srv: ftptest.Server{Files: files()}, reply: 2 * time.Second},
		{name: "healthy, slow to greet every session: modes at once", srv: ftptest.Server{Files: files(), Pace: ftptest.Pace{Delay: map[string]time.Duration{"BANNER": 30 * time.Millisecond}}}, reply: 2 * time.Second},
		// Three logins at once would take 3 x 400 ms > the 1 s reply timeout.
		{name: "logins take 400 ms, one at a time server-wide: slow-login", srv: ftptest.Server{Files: files(), Pace: ftptest.Pace{LoginCost: 400 * time.Millisecond}},
			reply: time.Second, serial: true, trigger: probe.PacingSlowLogin},
		// The first session outlasts a greeting by far (TYPE takes 300 ms),
		// as it does on a real network, where it takes several round trips.
		{name: "one session at a time: queued", srv: ftptest.Server{Files: files(), Pace: ftptest.Pace{OneAtATime: true, Delay: map[string]time.Duration{"TYPE": 300 * time.Millisecond}}},
			reply: 2 * time.Second, serial: true, trigger: probe.PacingQueued},
		{name: "two sessions per host, 421 at the greeting: connection-limit", srv: ftptest.Server{Files: files(), Pace: ftptest.Pace{MaxSessions: 2, Delay: overlap}},
			reply: 2 * time.Second, serial: true, trigger: probe.PacingConnectionLimit},
		{name: "two sessions per host, ProFTPD's 530 at PASS: connection-limit", srv: ftptest.Server{Files: files(), Pace: ftptest.Pace{MaxSessions: 2, LimitAt: "PASS", Delay: overlap}},
			reply: 2 * time.Second, serial: true, trigger: probe.PacingConnectionLimit, needs: &ftp.Reply{Code: 530, Lines: []string{proftpdLimit}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needs != nil && ftp.Interpret("PASS", *tc.needs, false).Meaning != ftp.MeaningConnectionLimit {
				t.Skipf("the wording table does not know %q yet", tc.needs.Lines[0])
			}
			r, _ := runAgainst(t, &tc.srv, "", func(o *probe.Options) { o.ReplyTimeout = tc.reply })
			for _, m := range r.Modes {
				if !m.Works || m.Retr == nil || !m.Retr.Step.OK() {
					t.Errorf("%s: works=%v login=%+v banner=%+v", m.Mode, m.Works, m.Login, m.Banner)
				}
			}
			p := r.Pacing
			if p == nil {
				t.Fatal("no pacing in the result")
			}
			if p.Serial != tc.serial || p.Trigger != tc.trigger {
				t.Errorf("pacing = %+v, want serial %v trigger %q", p, tc.serial, tc.trigger)
			}
			if tc.serial && (p.Reason == "" || len(p.Modes) == 0) {
				t.Errorf("pacing %+v: a serial run says why and which modes", p)
			}
			if tc.trigger == probe.PacingQueued && p.QueuedSeconds <= 0 {
				t.Errorf("queued without the wait: %+v", p)
			}
			if tc.trigger == probe.PacingSlowLogin && p.LoginSeconds <= p.RTTSeconds {
				t.Errorf("slow login not measured: %+v", p)
			}
		})
	}
}

// The control connection is read while the probe waits for an active
// callback or for data: a reply sent after the 150 ends the wait and is
// quoted; a completion whose data connection is never closed is a
// completion, not a stall.
func TestRepliesDuringTheWait(t *testing.T) {
	active := func(o *probe.Options) { o.Modes = []probe.Mode{probe.ModeEPRT}; o.DataTimeout = 3 * time.Second }
	passive := func(o *probe.Options) { o.Modes = []probe.Mode{probe.ModeEPSV}; o.DataTimeout = 3 * time.Second }
	tests := []struct {
		name  string
		srv   ftptest.Server
		opts  func(*probe.Options)
		check func(t *testing.T, m probe.ModeResult)
	}{
		{"active: 150 then 425 without connecting: the 425 ends the wait", ftptest.Server{Hostile: ftptest.Hostile{AfterPreliminary: "425 Can't open data connection."}}, active,
			func(t *testing.T, m probe.ModeResult) {
				c := m.ListData.Connect
				if c.Outcome != probe.OutcomeReply || c.Reply == nil || c.Reply.Code != 425 {
					t.Errorf("connect = %+v, want the 425", c)
				}
				if m.List.Times.Preliminary == nil || m.List.Final == nil {
					t.Errorf("list = %+v, want the 150 and the 425 recorded", m.List)
				}
			}},
		{"active: 421 after 150: quoted, not a timeout", ftptest.Server{Hostile: ftptest.Hostile{AfterPreliminary: "421 Timeout."}}, active,
			func(t *testing.T, m probe.ModeResult) {
				c := m.ListData.Connect
				if c.Outcome != probe.OutcomeReply || c.Meaning == nil || c.Meaning.Step != ftp.StepTransient {
					t.Errorf("connect = %+v, want the 421", c)
				}
			}},
		{"active: the server answers 425 instead of connecting: quoted", ftptest.Server{SkipActiveConnect: true}, active,
			func(t *testing.T, m probe.ModeResult) {
				c := m.ListData.Connect
				if c.Outcome != probe.OutcomeReply || c.Reply == nil || c.Reply.Code != 425 {
					t.Errorf("connect = %+v, want the 425", c)
				}
			}},
		{"active: 150 and no callback ever: the wait is scaled and says why", ftptest.Server{Hostile: ftptest.Hostile{NoDataConn: true}}, active,
			func(t *testing.T, m probe.ModeResult) {
				cw := m.ListData.CallbackWait
				if m.ListData.Connect.Outcome != probe.OutcomeTimeout || cw == nil || cw.Reason == "" {
					t.Fatalf("connect = %+v, wait %+v", m.ListData.Connect, cw)
				}
				if cw.Seconds <= 0 || cw.Seconds > 3 {
					t.Errorf("callback wait %+v, want within the 3 s data timeout", cw)
				}
			}},
		{"passive: 150 then 425 with the data connection open: the 425 ends the read", ftptest.Server{Hostile: ftptest.Hostile{AfterPreliminary: "425 Can't open data connection."}}, passive,
			func(t *testing.T, m probe.ModeResult) {
				if st := m.List.Step; st.Outcome != probe.OutcomeReply || st.Reply == nil || st.Reply.Code != 425 {
					t.Errorf("list = %+v, want the 425", st)
				}
				if m.List.Times.FirstByte != nil {
					t.Errorf("times %+v: no byte was sent", m.List.Times)
				}
			}},
		{"passive: data and 226 sent, data connection never closed: complete, not stalled", ftptest.Server{Files: files(), Hostile: ftptest.Hostile{DataNotClosed: true}}, passive,
			func(t *testing.T, m probe.ModeResult) {
				tr := m.List
				if !tr.Step.OK() || tr.Bytes == 0 {
					t.Fatalf("list = %+v, want the completed listing", tr)
				}
				if tr.Times.ServerClosed != nil || tr.Times.LastByte == nil || tr.Times.Final == nil {
					t.Errorf("times %+v, want last byte and final reply without a server close", tr.Times)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := runAgainst(t, &tc.srv, "", tc.opts)
			tc.check(t, r.Modes[0])
		})
	}
}

// A server that turns the very first session away for a connection limit,
// while no other session of the run is open (another client's session, or
// one it still counts after it ended), gets the first session again after
// a pause: the run goes on and says so.
func TestLeadTurnedAwayForALimit(t *testing.T) {
	for _, at := range []string{"", "PASS"} {
		t.Run("limit at "+at, func(t *testing.T) {
			// The other client's session ends as soon as the server has
			// turned the probe's first session away: no race with timers.
			var mu sync.Mutex
			var other net.Conn
			end := func() {
				mu.Lock()
				defer mu.Unlock()
				if other != nil {
					other.Close()
				}
			}
			srv := &ftptest.Server{Files: files(), Pace: ftptest.Pace{MaxSessions: 1, LimitAt: at, TurnedAway: end}}
			ap := ftptest.Start(t, srv)
			c, err := net.Dial("tcp", ap.String())
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			other = c
			mu.Unlock()
			defer end()
			// Its greeting read: the server has counted it.
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
				t.Fatal(err)
			}
			r, _ := runAgainst(t, &ftptest.Server{}, "ftp://"+ap.String()+"/", func(o *probe.Options) { o.Modes = []probe.Mode{probe.ModeEPSV, probe.ModePASV} })
			for _, m := range r.Modes {
				if !m.Works {
					t.Errorf("%s: works=%v banner=%+v login=%+v", m.Mode, m.Works, m.Banner, m.Login)
				}
			}
			lead := r.Mode(probe.ModeEPSV)
			if lead.FirstAttempt == nil || !lead.RetriedSerially || !lead.FirstAttemptAlone {
				t.Errorf("the first session's refusal is not recorded: %+v", lead)
			}
			if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "with no other session of this run open") }) {
				t.Errorf("notes %q do not say the first session was retried", r.Notes)
			}
		})
	}
}
