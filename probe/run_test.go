package probe_test

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

// recordingDialer dials for real and remembers every address dialled.
type recordingDialer struct {
	net.Dialer
	mu    sync.Mutex
	addrs []string
}

func (d *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	return d.Dialer.DialContext(ctx, network, addr)
}

func files() map[string][]byte {
	return map[string][]byte{"small.txt": []byte("hello from ftptest\n"), "zz.bin": make([]byte, 100<<10)}
}

func runAgainst(t *testing.T, srv *ftptest.Server, url string, mut func(*probe.Options)) (*probe.Result, *recordingDialer) {
	t.Helper()
	ap := ftptest.Start(t, srv)
	if url == "" {
		url = "ftp://" + ap.String() + "/"
	}
	tg, _, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := probe.ResolvePassword(&tg, probe.Credentials{Env: func(string) (string, bool) { return "", false }}); err != nil {
		t.Fatal(err)
	}
	d := &recordingDialer{}
	opts := probe.Options{ConnectTimeout: 2 * time.Second, DataTimeout: 700 * time.Millisecond, ReplyTimeout: 2 * time.Second, Dialer: d}
	if mut != nil {
		mut(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := probe.Run(ctx, tg, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range d.addrs {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Errorf("dialled %s, which is not the server's address", a)
		}
	}
	return res, d
}

func TestRunModes(t *testing.T) {
	tests := []struct {
		name  string
		srv   ftptest.Server
		check func(t *testing.T, r *probe.Result)
	}{
		{"healthy: all four modes list and fetch", ftptest.Server{Files: files()}, func(t *testing.T, r *probe.Result) {
			for _, m := range r.Modes {
				if !m.Works || m.List.Bytes == 0 {
					t.Errorf("%s: works=%v list=%+v", m.Mode, m.Works, m.List)
				}
				if m.Retr == nil || !m.Retr.Step.OK() || m.Retr.Bytes != int64(len("hello from ftptest\n")) {
					t.Errorf("%s: retr = %+v", m.Mode, m.Retr)
				}
			}
			if r.RetrFile != "small.txt" {
				t.Errorf("RetrFile = %q, want small.txt", r.RetrFile)
			}
			if r.Server.Syst == "" || len(r.Server.Feat) == 0 {
				t.Errorf("server info not collected: %+v", r.Server)
			}
		}},
		{"every login refused by a server error: the server is still named from its banner", ftptest.Server{Files: files(), Banner: "220 (vsFTPd 3.0.3)", Replies: map[string]string{"PASS": "500 OOPS: cannot change directory:/nonexistent"}}, func(t *testing.T, r *probe.Result) {
			if r.Server.Info.Software != "vsftpd" || r.Server.Info.Version != "3.0.3" {
				t.Errorf("server info %+v, want vsftpd 3.0.3 from the banner", r.Server.Info)
			}
			for _, m := range r.Modes {
				if m.Login.OK() {
					t.Errorf("%s: logged in despite the 500 OOPS", m.Mode)
				}
			}
		}},
		{"227 announces a foreign address: dial the control peer", ftptest.Server{Files: files(), PasvAddr: netip.MustParseAddr("192.0.2.7")}, func(t *testing.T, r *probe.Result) {
			m := r.Mode(probe.ModePASV)
			if !strings.HasPrefix(m.ListData.Announced, "192.0.2.7:") || !strings.HasPrefix(m.ListData.Dialled, "127.0.0.1:") {
				t.Errorf("announced %s dialled %s", m.ListData.Announced, m.ListData.Dialled)
			}
			if m.ListData.AddressPolicy != "control-peer" || !m.Works {
				t.Errorf("policy %q works %v", m.ListData.AddressPolicy, m.Works)
			}
		}},
		{"nobody listens on the passive port: refused", ftptest.Server{Files: files(), NoDataListen: true}, func(t *testing.T, r *probe.Result) {
			for _, mode := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
				m := r.Mode(mode)
				if m.ListData.Connect.Outcome != probe.OutcomeRefused || m.Works {
					t.Errorf("%s connect = %+v", mode, m.ListData.Connect)
				}
			}
			if !r.Mode(probe.ModeEPRT).Works {
				t.Errorf("EPRT should still work")
			}
		}},
		{"PORT and EPRT refused by the server", ftptest.Server{Files: files(), Replies: map[string]string{"PORT": "500 Illegal PORT command.", "EPRT": "550 Permission denied."}}, func(t *testing.T, r *probe.Result) {
			for mode, code := range map[probe.Mode]int{probe.ModePORT: 500, probe.ModeEPRT: 550} {
				m := r.Mode(mode)
				if m.ListData.Setup.Outcome != probe.OutcomeReply || m.ListData.Setup.Reply == nil || m.ListData.Setup.Reply.Code != code {
					t.Errorf("%s setup = %+v", mode, m.ListData.Setup)
				}
				if m.ListData.Connect.Outcome != probe.OutcomeSkipped {
					t.Errorf("%s connect = %+v", mode, m.ListData.Connect)
				}
			}
		}},
		{"server accepts PORT but never connects: timeout", ftptest.Server{Files: files(), SkipActiveConnect: true}, func(t *testing.T, r *probe.Result) {
			for _, mode := range []probe.Mode{probe.ModeEPRT, probe.ModePORT} {
				m := r.Mode(mode)
				if m.Works {
					t.Errorf("%s works", mode)
				}
				if o := m.ListData.Connect.Outcome; o != probe.OutcomeTimeout && o != probe.OutcomeReply {
					t.Errorf("%s connect = %+v", mode, m.ListData.Connect)
				}
			}
		}},
		{"227 with port 0 is not dialled", ftptest.Server{Files: files(), PasvPort: -65536}, func(t *testing.T, r *probe.Result) {
			m := r.Mode(probe.ModePASV)
			if m.ListData.Connect.Outcome != probe.OutcomeRefusedByPolicy {
				t.Errorf("PASV connect = %+v", m.ListData.Connect)
			}
		}},
		{"wrong password: one login attempt only", ftptest.Server{Files: files(), User: "alice", Password: "right"}, func(t *testing.T, r *probe.Result) {
			lead := r.Modes[0]
			if lead.Login.Outcome != probe.OutcomeReply || lead.Login.Reply.Code != 530 {
				t.Errorf("lead login = %+v", lead.Login)
			}
			for _, m := range r.Modes[1:] {
				if m.Connect.Outcome != probe.OutcomeSkipped {
					t.Errorf("%s was tried after a failed login: %+v", m.Mode, m.Connect)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.srv
			res, _ := runAgainst(t, &srv, "", nil)
			tc.check(t, res)
			for _, m := range res.Modes {
				for _, ex := range m.Transcript {
					if strings.HasPrefix(ex.Command, "PASS") && ex.Command != "PASS ****" {
						t.Errorf("transcript shows %q", ex.Command)
					}
				}
			}
		})
	}
}

func TestRunControlRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	tg, _, err := probe.ParseTarget("ftp://127.0.0.1:" + strconv.Itoa(port) + "/")
	if err != nil {
		t.Fatal(err)
	}
	res, err := probe.Run(context.Background(), tg, probe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o := res.Modes[0].Connect.Outcome; o != probe.OutcomeRefused {
		t.Fatalf("connect outcome = %s, want refused", o)
	}
}

func TestRunBannerThenSilence(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte("220 hello\r\n"))
		time.Sleep(3 * time.Second)
	}()
	tg, _, _ := probe.ParseTarget("ftp://" + ln.Addr().String() + "/")
	tg.User, tg.Password = "anonymous", "x"
	// The server stays silent for 3s then closes: a working reply deadline
	// gives "timeout", a missing one would give "closed".
	res, err := probe.Run(context.Background(), tg, probe.Options{ReplyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if o := res.Modes[0].Login.Outcome; o != probe.OutcomeTimeout {
		t.Fatalf("login outcome = %s, want timeout", o)
	}
}

// TestAbortKeepsControlInStep: after the probe closes a data connection
// early and sends ABOR, every later reply still answers its own command,
// whichever shape the replies to ABOR take; when that cannot be known the
// control connection is given up rather than misread.
func TestAbortKeepsControlInStep(t *testing.T) {
	tests := []struct {
		name string
		srv  ftptest.Server
		// samples is how many extra passive samples follow on the same
		// control connection (3 minus the LIST and RETR setups).
		samples int
	}{
		// The fixture has written the whole file and sent 226 before it
		// reads ABOR, which it then answers "225 No transfer to ABOR.".
		{"the file ended before ABOR: 226 then 225", ftptest.Server{Files: map[string][]byte{"f.bin": make([]byte, 4000)}}, 1},
		// Data that never ends is cut at the cap: 426, then 225.
		{"the data was still coming: 426 then 225", ftptest.Server{Files: files(), Hostile: ftptest.Hostile{DataForever: true}}, 1},
		// NOOP refused: whether 502 answers NOOP or ABOR is unknown, so
		// nothing more is sent (and nothing misread).
		{"NOOP refused after 226 then 225: the session is given up", ftptest.Server{Files: map[string][]byte{"f.bin": make([]byte, 4000)},
			Replies: map[string]string{"NOOP": "502 Command not implemented."}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.srv
			res, _ := runAgainst(t, &srv, "", func(o *probe.Options) {
				o.RetrBytes = 1000
				o.Modes = []probe.Mode{probe.ModeEPSV, probe.ModePASV}
			})
			for _, m := range res.Modes {
				tr := m.Retr
				if tr == nil {
					tr = &m.List
				}
				if !tr.Step.OK() || !tr.Aborted || tr.Final == nil {
					t.Errorf("%s: %s = %+v", m.Mode, tr.Command, tr)
				}
				if len(m.PasvSamples) != tc.samples {
					t.Errorf("%s: %d passive samples after ABOR, want %d", m.Mode, len(m.PasvSamples), tc.samples)
				}
				for _, ex := range m.Transcript {
					want := map[string]int{"EPSV": 229, "PASV": 227, "NOOP": 200, "QUIT": 221}[ex.Command]
					if want != 0 && ex.Reply != nil && ex.Reply.Code != want {
						t.Errorf("%s: %s answered by %q, want %d", m.Mode, ex.Command, ex.Reply.Text(), want)
					}
				}
			}
		})
	}
}

// TestRunCancelIsPrompt: cancelling the run (Ctrl-C) ends it at once, even
// while a step waits on a long data or reply timeout.
func TestRunCancelIsPrompt(t *testing.T) {
	tests := []struct {
		name  string
		srv   ftptest.Server
		modes []probe.Mode
	}{
		{"passive: 150, then no data", ftptest.Server{Files: files(), Hostile: ftptest.Hostile{NoDataConn: true}}, []probe.Mode{probe.ModeEPSV}},
		{"active: 150, then no connection", ftptest.Server{Files: files(), Hostile: ftptest.Hostile{NoDataConn: true}}, []probe.Mode{probe.ModeEPRT}},
		{"active: the server never connects nor answers", ftptest.Server{Files: files(), Hostile: ftptest.Hostile{NoDataConn: true}, Replies: map[string]string{"LIST": "150 Here comes the data."}}, []probe.Mode{probe.ModePORT}},
		{"a data connection that trickles", ftptest.Server{Files: files(), Hostile: ftptest.Hostile{DataTrickle: 2 * time.Second}}, []probe.Mode{probe.ModePASV}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.srv
			ap := ftptest.Start(t, &srv)
			tg, _, err := probe.ParseTarget("ftp://" + ap.String() + "/")
			if err != nil {
				t.Fatal(err)
			}
			tg.User, tg.Password = "anonymous", "x"
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			listing := make(chan struct{})
			var once sync.Once
			opts := probe.Options{
				DataTimeout: 20 * time.Second, ReplyTimeout: 20 * time.Second, StallTimeout: 20 * time.Second,
				Modes: tc.modes, PasvSamples: -1,
				OnProgress: func(_ probe.Mode, stage string) {
					if stage == "LIST" {
						once.Do(func() { close(listing) })
					}
				},
			}
			go func() {
				<-listing
				time.Sleep(300 * time.Millisecond) // well inside the LIST
				cancel()
			}()
			start := time.Now()
			if _, err := probe.Run(ctx, tg, opts); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the probe took %s to stop after cancellation", d.Round(100*time.Millisecond))
			}
		})
	}
}
