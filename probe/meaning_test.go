package probe_test

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Every reply is read through ftp.Interpret: its step, not a threshold on
// its code, decides the outcome, and the interpretation is kept beside it.
func TestRepliesReadByTheirMeaning(t *testing.T) {
	onlyEPSV := func(o *probe.Options) { o.Modes = []probe.Mode{probe.ModeEPSV} }
	onlyPORT := func(o *probe.Options) { o.Modes = []probe.Mode{probe.ModePORT} }
	tests := []struct {
		name  string
		srv   ftptest.Server
		opts  func(*probe.Options)
		check func(t *testing.T, m probe.ModeResult)
	}{
		{"3xx to LIST is a protocol violation, not a listing", ftptest.Server{Replies: map[string]string{"LIST": "350 Ready for more."}}, onlyEPSV,
			func(t *testing.T, m probe.ModeResult) {
				wantStep(t, "LIST", m.List.Step, probe.OutcomeProtocol, ftp.StepViolation)
				if m.Works {
					t.Errorf("works = true with a 350 to LIST")
				}
			}},
		{"421 to LIST is a failure", ftptest.Server{Replies: map[string]string{"LIST": "421 Service not available, closing control connection."}}, onlyEPSV,
			func(t *testing.T, m probe.ModeResult) {
				wantStep(t, "LIST", m.List.Step, probe.OutcomeReply, ftp.StepTransient)
				if m.Works {
					t.Errorf("works = true with a 421 to LIST")
				}
			}},
		{"3xx to RETR is a protocol violation", ftptest.Server{Files: files(), Replies: map[string]string{"RETR": "331 Send more."}}, onlyEPSV,
			func(t *testing.T, m probe.ModeResult) {
				if m.Retr == nil {
					t.Fatal("no RETR")
				}
				wantStep(t, "RETR", m.Retr.Step, probe.OutcomeProtocol, ftp.StepViolation)
			}},
		{"3xx to PORT is not acceptance: no callback is awaited", ftptest.Server{Replies: map[string]string{"PORT": "350 PORT noted."}}, onlyPORT,
			func(t *testing.T, m probe.ModeResult) {
				wantStep(t, "PORT", m.ListData.Setup, probe.OutcomeProtocol, ftp.StepViolation)
				if m.ListData.Connect.Outcome != probe.OutcomeSkipped {
					t.Errorf("connect = %+v, want skipped", m.ListData.Connect)
				}
			}},
		{"2xx to USER is logged in, no PASS sent", ftptest.Server{Files: files(), Replies: map[string]string{"USER": "230 User logged in, proceed."}}, onlyEPSV,
			func(t *testing.T, m probe.ModeResult) {
				wantStep(t, "login", m.Login, probe.OutcomeOK, ftp.StepSuccess)
				for _, e := range m.Transcript {
					if commandIs(e.Command, "PASS") {
						t.Errorf("PASS sent after a 230 to USER")
					}
				}
				if !m.Works {
					t.Errorf("works = false")
				}
			}},
		{"332 to USER asks for an account", ftptest.Server{Replies: map[string]string{"USER": "332 Need account for login."}}, onlyEPSV,
			func(t *testing.T, m probe.ModeResult) {
				wantStep(t, "login", m.Login, probe.OutcomeReply, ftp.StepIntermediate)
				if m.Login.Meaning.Meaning != ftp.MeaningAccountNeeded {
					t.Errorf("login meaning = %+v, want account-needed", m.Login.Meaning)
				}
			}},
		{"332 to PASS asks for an account", ftptest.Server{Replies: map[string]string{"PASS": "332 Need account for login."}}, onlyEPSV,
			func(t *testing.T, m probe.ModeResult) {
				wantStep(t, "login", m.Login, probe.OutcomeReply, ftp.StepIntermediate)
				if m.Login.Meaning.Meaning != ftp.MeaningAccountNeeded {
					t.Errorf("login meaning = %+v, want account-needed", m.Login.Meaning)
				}
			}},
		{"a reply's time is when it came: TYPE answered 300 ms late", ftptest.Server{Files: files(), Pace: ftptest.Pace{Delay: map[string]time.Duration{"TYPE": 300 * time.Millisecond}}}, onlyEPSV,
			func(t *testing.T, m probe.ModeResult) {
				n := 0
				for _, e := range m.Transcript {
					if commandIs(e.Command, "TYPE") && e.Reply != nil {
						n++
						if e.ReplyT-e.T < 0.3 {
							t.Errorf("TYPE sent at %.3f s, its reply at %.3f s: want 300 ms or more later", e.T, e.ReplyT)
						}
					}
				}
				if n == 0 {
					t.Error("no answered TYPE in the transcript")
				}
			}},
		{"a 3xx to PASV breaks its sequence", ftptest.Server{Replies: map[string]string{"EPSV": "350 Whatever."}}, onlyEPSV,
			func(t *testing.T, m probe.ModeResult) {
				wantStep(t, "EPSV", m.ListData.Setup, probe.OutcomeProtocol, ftp.StepViolation)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := runAgainst(t, &tc.srv, "", tc.opts)
			tc.check(t, r.Modes[0])
			for _, e := range r.Modes[0].Transcript {
				if e.Reply != nil && e.Meaning == nil && e.Command != "" {
					t.Errorf("transcript %q -> %d has no meaning", e.Command, e.Reply.Code)
				}
				if e.Reply != nil && e.Command != "" && e.ReplyT < e.T {
					t.Errorf("transcript %q sent at %.3f s, answered at %.3f s", e.Command, e.T, e.ReplyT)
				}
			}
		})
	}
}

func wantStep(t *testing.T, what string, st probe.Step, outcome probe.Outcome, step ftp.Step) {
	t.Helper()
	if st.Outcome != outcome {
		t.Errorf("%s outcome = %s (%s), want %s", what, st.Outcome, st.Error, outcome)
	}
	if st.Meaning == nil || st.Meaning.Step != step {
		t.Errorf("%s meaning = %+v, want step %s", what, st.Meaning, step)
	}
}

func commandIs(shown, verb string) bool {
	return len(shown) >= len(verb) && shown[:len(verb)] == verb
}

// Each attempt records what a 4-tuple join needs: the local endpoint of
// every connection (a failed passive dial and a failed control connect
// included: the socket is bound before it dials) and the moments of each
// transfer.
func TestAttemptsRecordTheirFourTuple(t *testing.T) {
	t.Run("healthy passive and active transfers", func(t *testing.T) {
		r, _ := runAgainst(t, &ftptest.Server{Files: files()}, "", func(o *probe.Options) { o.Dialer = nil })
		for _, m := range r.Modes {
			if m.ControlLocal == "" {
				t.Errorf("%s: no control local endpoint", m.Mode)
			}
			for _, a := range []struct {
				dc *probe.DataConn
				tr *probe.Transfer
			}{{&m.ListData, &m.List}, {m.RetrData, m.Retr}} {
				if a.dc == nil || a.tr == nil {
					t.Fatalf("%s: no RETR", m.Mode)
				}
				if ap, err := netip.ParseAddrPort(a.dc.Local); err != nil || ap.Port() == 0 {
					t.Errorf("%s %s: local %q", m.Mode, a.tr.Command, a.dc.Local)
				}
				tm := a.tr.Times
				if tm.Preliminary == nil || tm.FirstByte == nil || tm.LastByte == nil || tm.ServerClosed == nil || tm.Final == nil {
					t.Errorf("%s %s: times %+v", m.Mode, a.tr.Command, tm)
					continue
				}
				if !(*tm.Preliminary <= *tm.FirstByte && *tm.FirstByte <= *tm.LastByte && *tm.LastByte <= *tm.ServerClosed && *tm.ServerClosed <= *tm.Final) {
					t.Errorf("%s %s: times out of order %v %v %v %v %v", m.Mode, a.tr.Command, *tm.Preliminary, *tm.FirstByte, *tm.LastByte, *tm.ServerClosed, *tm.Final)
				}
				if a.tr.Preliminary == nil || a.tr.Step.Meaning == nil || a.tr.Step.Meaning.Step != ftp.StepSuccess {
					t.Errorf("%s %s: preliminary %v, final meaning %+v", m.Mode, a.tr.Command, a.tr.Preliminary, a.tr.Step.Meaning)
				}
			}
		}
	})
	t.Run("refused passive dial still names its local endpoint", func(t *testing.T) {
		r, _ := runAgainst(t, &ftptest.Server{NoDataListen: true}, "", func(o *probe.Options) {
			o.Dialer = nil
			o.Modes = []probe.Mode{probe.ModeEPSV}
		})
		m := r.Modes[0]
		if m.ListData.Connect.Outcome != probe.OutcomeRefused {
			t.Fatalf("connect = %+v, want refused", m.ListData.Connect)
		}
		ap, err := netip.ParseAddrPort(m.ListData.Local)
		if err != nil || ap.Port() == 0 || ap.Addr().String() != "127.0.0.1" {
			t.Errorf("local = %q, want 127.0.0.1:port", m.ListData.Local)
		}
	})
	t.Run("refused control connect still names its local port", func(t *testing.T) {
		port := closedPort(t, lo1)
		tg, _, err := probe.ParseTarget("ftp://127.0.0.1:" + strconv.Itoa(int(port)) + "/")
		if err != nil {
			t.Fatal(err)
		}
		tg.Password = "x"
		res, err := probe.Run(t.Context(), tg, probe.Options{Modes: []probe.Mode{probe.ModeEPSV}})
		if err != nil {
			t.Fatal(err)
		}
		m := res.Modes[0]
		ap, err := netip.ParseAddrPort(m.ControlLocal)
		if m.Connect.Outcome != probe.OutcomeRefused || err != nil || ap.Port() == 0 {
			t.Errorf("connect %+v, control local %q", m.Connect, m.ControlLocal)
		}
	})
}
