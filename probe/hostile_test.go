package probe_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/report"
)

// hostileBudget is the most one probe run against a hostile server may
// allocate, fixture included (both run in this process). The faults send
// 4 MiB to 10 MiB or never stop: a client that buffered what it was sent
// would blow this budget; the probe's own buffers (a 32 KiB read buffer,
// at most 256 KiB of listing kept, 8 KiB reply lines) stay far below it.
const hostileBudget = 3 << 20

var (
	lo1 = netip.MustParseAddr("127.0.0.1")
	lo2 = netip.MustParseAddr("127.0.0.2")
)

func pasvTuple(ap netip.AddrPort) string {
	a := ap.Addr().As4()
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", a[0], a[1], a[2], a[3], ap.Port()>>8, ap.Port()&0xff)
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T, addr netip.Addr) uint16 {
	ln, err := net.Listen("tcp", netip.AddrPortFrom(addr, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).AddrPort().Port()
	ln.Close()
	return p
}

type hostileCase struct {
	name string
	srv  ftptest.Server
	// modes probed (nil: all four); path is the URL path ("/" when empty).
	modes []probe.Mode
	path  string
	opts  func(*probe.Options)
	// check asserts the classified outcomes.
	check func(t *testing.T, r *probe.Result)
	// finding is the id report.Diagnose must raise ("" for none: then no
	// error finding may be raised either).
	finding string
}

func hostileCases(t *testing.T) []hostileCase {
	big := bytes.Repeat([]byte("x"), 1024)
	healthy := func(t *testing.T, r *probe.Result) {
		for _, m := range r.Modes {
			if !m.Works || m.Retr == nil || !m.Retr.Step.OK() {
				t.Errorf("%s: works=%v list=%+v retr=%+v", m.Mode, m.Works, m.List.Step, m.Retr)
			}
		}
	}
	lead := func(want probe.Outcome, which string) func(t *testing.T, r *probe.Result) {
		return func(t *testing.T, r *probe.Result) {
			m := r.Modes[0]
			got := m.Banner
			if which == "login" {
				got = m.Login
			}
			if got.Outcome != want {
				t.Errorf("%s %s = %+v, want %s", m.Mode, which, got, want)
			}
			for _, o := range r.Modes[1:] {
				if o.Connect.Outcome != probe.OutcomeSkipped {
					t.Errorf("%s ran after the lead failed: %+v", o.Mode, o.Connect)
				}
			}
		}
	}
	pasvSetup := func(mode probe.Mode, want probe.Outcome) func(t *testing.T, r *probe.Result) {
		return func(t *testing.T, r *probe.Result) {
			if s := r.Mode(mode).ListData.Setup; s.Outcome != want {
				t.Errorf("%s setup = %+v, want %s", mode, s, want)
			}
		}
	}
	connect := func(mode probe.Mode, want probe.Outcome) func(t *testing.T, r *probe.Result) {
		return func(t *testing.T, r *probe.Result) {
			m := r.Mode(mode)
			if c := m.ListData.Connect; c.Outcome != want {
				t.Errorf("%s data connect = %+v (announced %s dialled %s), want %s", mode, c, m.ListData.Announced, m.ListData.Dialled, want)
			}
		}
	}
	list := func(mode probe.Mode, want probe.Outcome) func(t *testing.T, r *probe.Result) {
		return func(t *testing.T, r *probe.Result) {
			if s := r.Mode(mode).List.Step; s.Outcome != want {
				t.Errorf("%s LIST = %+v, want %s", mode, s, want)
			}
		}
	}
	oddPasv := func(format string) func(netip.AddrPort, netip.Addr) string {
		return func(ap netip.AddrPort, _ netip.Addr) string { return fmt.Sprintf(format, pasvTuple(ap)) }
	}
	onlyPASV := []probe.Mode{probe.ModePASV}
	onlyEPSV := []probe.Mode{probe.ModeEPSV}
	active := []probe.Mode{probe.ModeEPRT, probe.ModePORT}
	passive := []probe.Mode{probe.ModeEPSV, probe.ModePASV}
	h := func(x ftptest.Hostile) ftptest.Server { return ftptest.Server{Files: files(), Hostile: x} }

	return []hostileCase{
		{name: "replies split into one-byte writes: tolerated", srv: h(ftptest.Hostile{SplitReplies: true}), check: healthy},
		{name: "replies ending in LF only: tolerated", srv: h(ftptest.Hostile{LFOnly: true}), check: healthy},
		{name: "a 10 MiB banner line: protocol error at 8 KiB", srv: h(ftptest.Hostile{Greeting: []byte("220 "), Flood: big, FloodBytes: 10 << 20, FloodEnd: []byte("\r\n")}),
			check: lead(probe.OutcomeProtocol, "banner"), finding: "protocol-violation"},
		{name: "a multi-line reply that never ends: protocol error at 256 KiB", srv: h(ftptest.Hostile{Greeting: []byte("220-hello\r\n"), Flood: []byte("220-and more\r\n")}),
			check: lead(probe.OutcomeProtocol, "banner"), finding: "protocol-violation"},
		{name: "an invalid reply code: protocol error", srv: ftptest.Server{Banner: "abc not an FTP server"},
			check: lead(probe.OutcomeProtocol, "banner"), finding: "protocol-violation"},
		{name: "a code outside 1xx-5xx: protocol error", srv: ftptest.Server{Banner: "999 hello"},
			check: lead(probe.OutcomeProtocol, "banner"), finding: "protocol-violation"},
		{name: "slowloris, a byte every 300 ms: the reply deadline holds", srv: h(ftptest.Hostile{ByteInterval: 300 * time.Millisecond}),
			check: lead(probe.OutcomeTimeout, "banner"), finding: "control-no-greeting"},
		{name: "120 replies forever instead of 220: a second 120 breaks the greeting sequence", srv: h(ftptest.Hostile{Greeting: []byte("120 ready in 1 minute\r\n"), Flood: []byte("120 ready in 1 minute\r\n")}),
			check: lead(probe.OutcomeProtocol, "banner"), finding: "protocol-violation"},
		{name: "banner then silence: login times out", srv: h(ftptest.Hostile{SilentAfterBanner: true}),
			check: lead(probe.OutcomeTimeout, "login"), finding: "control-failed"},
		{name: "RST in the middle of the banner: reset", srv: h(ftptest.Hostile{ResetOn: "BANNER"}),
			check: func(t *testing.T, r *probe.Result) {
				// On loopback the RST can beat the end of connect().
				if m := r.Modes[0]; m.Banner.Outcome != probe.OutcomeReset && m.Connect.Outcome != probe.OutcomeReset {
					t.Errorf("connect %+v banner %+v, want a reset", m.Connect, m.Banner)
				}
			}, finding: "control-closed"},
		{name: "RST in the middle of the PASV reply: reset", srv: h(ftptest.Hostile{ResetOn: "PASV"}), modes: onlyPASV,
			check: pasvSetup(probe.ModePASV, probe.OutcomeReset), finding: "control-closed"},
		{name: "227 points at 127.0.0.1 port 22 of another host: not dialled there", srv: ftptest.Server{Files: files(), ListenAddr: lo2, Hostile: ftptest.Hostile{
			PasvReply: func(netip.AddrPort, netip.Addr) string { return "227 Entering Passive Mode (127,0,0,1,0,22)." }}}, modes: onlyPASV,
			check: func(t *testing.T, r *probe.Result) {
				m := r.Mode(probe.ModePASV)
				if m.ListData.Announced != "127.0.0.1:22" || m.ListData.Dialled != "127.0.0.2:22" || m.ListData.AddressPolicy != "control-peer" {
					t.Errorf("announced %s dialled %s (%s)", m.ListData.Announced, m.ListData.Dialled, m.ListData.AddressPolicy)
				}
			}, finding: "pasv-private-address"},
		{name: "227 points at a third-party address: the control peer is dialled", srv: h(ftptest.Hostile{
			PasvReply: func(ap netip.AddrPort, _ netip.Addr) string {
				return "227 Entering Passive Mode (" + pasvTuple(netip.AddrPortFrom(netip.MustParseAddr("198.51.100.7"), ap.Port())) + ")."
			}}), modes: onlyPASV,
			check: func(t *testing.T, r *probe.Result) {
				m := r.Mode(probe.ModePASV)
				if !strings.HasPrefix(m.ListData.Announced, "198.51.100.7:") || m.ListData.AddressPolicy != "control-peer" || !m.Works {
					t.Errorf("announced %s dialled %s (%s) works %v", m.ListData.Announced, m.ListData.Dialled, m.ListData.AddressPolicy, m.Works)
				}
			}, finding: "pasv-foreign-address"},
		{name: "227 points at the client's own address: the control peer is dialled", srv: ftptest.Server{Files: files(), ListenAddr: lo2, Hostile: ftptest.Hostile{
			PasvReply: func(ap netip.AddrPort, client netip.Addr) string {
				return "227 Entering Passive Mode (" + pasvTuple(netip.AddrPortFrom(client, ap.Port())) + ")."
			}}}, modes: onlyPASV,
			check: func(t *testing.T, r *probe.Result) {
				m := r.Mode(probe.ModePASV)
				if !strings.HasPrefix(m.ListData.Dialled, "127.0.0.2:") || !m.Works {
					t.Errorf("announced %s dialled %s works %v", m.ListData.Announced, m.ListData.Dialled, m.Works)
				}
			}, finding: "pasv-private-address"},
		{name: "227 with port 0: not dialled", srv: h(ftptest.Hostile{PasvReply: func(netip.AddrPort, netip.Addr) string { return "227 Entering Passive Mode (127,0,0,1,0,0)" }}), modes: onlyPASV,
			check: connect(probe.ModePASV, probe.OutcomeRefusedByPolicy), finding: "protocol-violation"},
		{name: "227 with port 65536: protocol error", srv: h(ftptest.Hostile{PasvReply: func(netip.AddrPort, netip.Addr) string { return "227 Entering Passive Mode (127,0,0,1,256,0)" }}), modes: onlyPASV,
			check: pasvSetup(probe.ModePASV, probe.OutcomeProtocol), finding: "protocol-violation"},
		{name: "227 without parentheses: tolerated", srv: h(ftptest.Hostile{PasvReply: oddPasv("227 Entering Passive Mode %s")}), modes: onlyPASV, check: healthy},
		{name: "227 =h,h,h,h,p,p: tolerated", srv: h(ftptest.Hostile{PasvReply: oddPasv("227 =%s")}), modes: onlyPASV, check: healthy},
		{name: "227 with spaces and no closing parenthesis: tolerated", srv: h(ftptest.Hostile{PasvReply: func(ap netip.AddrPort, _ netip.Addr) string {
			return "227 Entering Passive Mode (" + strings.ReplaceAll(pasvTuple(ap), ",", ", ")
		}}), modes: onlyPASV, check: healthy},
		{name: "EPSV with a bad delimiter: protocol error", srv: h(ftptest.Hostile{EpsvReply: func(p uint16) string { return fmt.Sprintf("229 Entering Extended Passive Mode (|!|%d|)", p) }}), modes: onlyEPSV,
			check: pasvSetup(probe.ModeEPSV, probe.OutcomeProtocol), finding: "protocol-violation"},
		{name: "EPSV announcing an unreachable port: refused", srv: h(ftptest.Hostile{EpsvReply: func(uint16) string {
			return fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", closedPort(t, lo1))
		}}), modes: onlyEPSV, check: connect(probe.ModeEPSV, probe.OutcomeRefused), finding: "passive-port-refused"},
		{name: "PASV and EPSV refused", srv: ftptest.Server{Files: files(), Replies: map[string]string{"PASV": "550 Permission denied.", "EPSV": "550 Permission denied."}}, modes: passive,
			check: pasvSetup(probe.ModePASV, probe.OutcomeReply), finding: "passive-disabled"},
		{name: "PORT and EPRT refused by configuration", srv: ftptest.Server{Files: files(), Replies: map[string]string{"PORT": "550 Permission denied.", "EPRT": "550 Permission denied."}}, modes: active,
			check: pasvSetup(probe.ModePORT, probe.OutcomeReply), finding: "active-disabled"},
		{name: "PORT and EPRT address refused", srv: ftptest.Server{Files: files(), Replies: map[string]string{"PORT": "500 Illegal PORT command.", "EPRT": "500 Illegal EPRT command."}}, modes: active,
			check: pasvSetup(probe.ModeEPRT, probe.OutcomeReply), finding: "active-address-rejected"},
		{name: "150 then no data, passive: the first read times out", srv: h(ftptest.Hostile{NoDataConn: true}), modes: passive,
			check: list(probe.ModePASV, probe.OutcomeTimeout), finding: "transfer-no-data"},
		{name: "LIST never answered, passive: no 150, no data", srv: h(ftptest.Hostile{SilentOn: "LIST"}), modes: onlyPASV,
			check: list(probe.ModePASV, probe.OutcomeTimeout), finding: "transfer-no-reply"},
		{name: "230 then close: the control connection closed, not four data failures", srv: h(ftptest.Hostile{CloseAfterLogin: true}),
			check: func(t *testing.T, r *probe.Result) {
				for _, m := range r.Modes {
					if !m.Login.OK() || m.Works {
						t.Errorf("%s login %+v works %v", m.Mode, m.Login, m.Works)
					}
				}
			}, finding: "control-closed"},
		{name: "150 then no data connection, active: the accept times out", srv: h(ftptest.Hostile{NoDataConn: true}), modes: active,
			check: connect(probe.ModePORT, probe.OutcomeTimeout), finding: "active-callback-blocked"},
		{name: "425 instead of 150", srv: ftptest.Server{Files: files(), Replies: map[string]string{"LIST": "425 Can't open data connection."}}, modes: onlyPASV,
			check: list(probe.ModePASV, probe.OutcomeReply), finding: "data-connection-failed"},
		{name: "421 instead of 150, then the server hangs up", srv: ftptest.Server{Files: files(), Replies: map[string]string{"LIST": "421 Too many connections."}}, modes: onlyPASV,
			check: list(probe.ModePASV, probe.OutcomeReply), finding: "server-closing"},
		{name: "a LIST that never ends: stalled after the listing", srv: h(ftptest.Hostile{DataHold: true}), modes: onlyPASV,
			check: func(t *testing.T, r *probe.Result) {
				l := r.Mode(probe.ModePASV).List
				if l.Step.Outcome != probe.OutcomeStalled || l.Bytes == 0 || l.LargestRead == 0 {
					t.Errorf("LIST = %+v", l)
				}
			}, finding: "transfer-stalled"},
		{name: "the listing passes, the file stalls after 20000 bytes (black hole)", srv: h(ftptest.Hostile{DataStallAfter: 20000}), path: "/zz.bin",
			check: func(t *testing.T, r *probe.Result) {
				for _, m := range r.Modes {
					if !m.Works || m.Retr == nil || m.Retr.Step.Outcome != probe.OutcomeStalled || m.Retr.Bytes != 20000 || m.Retr.LargestRead == 0 {
						t.Errorf("%s works=%v retr=%+v", m.Mode, m.Works, m.Retr)
					}
				}
			}, finding: "transfer-stalled"},
		{name: "a data connection that sends forever: read capped, then ABOR", srv: h(ftptest.Hostile{DataForever: true}), modes: onlyPASV,
			check: func(t *testing.T, r *probe.Result) {
				l := r.Mode(probe.ModePASV).List
				if !l.Step.OK() || !l.Aborted || l.Bytes != l.Limit {
					t.Errorf("LIST = %+v", l)
				}
			}},
		{name: "a data connection that trickles a byte now and then: the transfer deadline holds, too slow", srv: h(ftptest.Hostile{DataTrickle: 50 * time.Millisecond}), modes: onlyPASV,
			// A stall timeout far above the trickle's gaps: the transfer
			// deadline ends it (timeout), never the stall timeout.
			opts: func(o *probe.Options) { o.StallTimeout = 1500 * time.Millisecond },
			check: func(t *testing.T, r *probe.Result) {
				if s := r.Mode(probe.ModePASV).List.Step; s.Outcome != probe.OutcomeTimeout {
					t.Errorf("PASV LIST = %+v, want timeout", s)
				}
			}, finding: "transfer-too-slow"},
		{name: "RETR delivers all its bytes and the data connection is held open: not closed", srv: h(ftptest.Hostile{DataHoldOn: "RETR"}), path: "/zz.bin", modes: onlyPASV,
			check: func(t *testing.T, r *probe.Result) {
				if rt := r.Mode(probe.ModePASV).Retr; rt == nil || rt.Bytes != 100<<10 || rt.Times.ServerClosed != nil {
					t.Errorf("PASV RETR = %+v", rt)
				}
			}, finding: "data-not-closed"},
		{name: "PORT accepted, the server connects back from another address", srv: h(ftptest.Hostile{ActiveFrom: lo2}), modes: active,
			check: func(t *testing.T, r *probe.Result) {
				for _, mode := range active {
					m := r.Mode(mode)
					if !m.Works || !strings.HasPrefix(m.ListData.Peer, "127.0.0.2:") {
						t.Errorf("%s works=%v peer=%s", mode, m.Works, m.ListData.Peer)
					}
				}
			}, finding: "active-callback-unexpected-peer"},
		{name: "PORT accepted, the server connects back to another port", srv: h(ftptest.Hostile{ActivePortDelta: 1}), modes: active,
			check: list(probe.ModePORT, probe.OutcomeReply), finding: "active-callback-blocked"},
	}
}

// TestHostileServers drives the probe and the report through every fault
// of the hostile fixture. For each: a classified outcome, a finding, bounded
// memory (hostileBudget), bounded time (the probe ends on its own
// deadlines, well inside the test's context), no goroutine left behind, and
// no dial to any address but the server's.
func TestHostileServers(t *testing.T) {
	for _, tc := range hostileCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			// Cleanups run last-in first-out: the fixture closes first,
			// then no goroutine of the probe or the fixture may remain.
			t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) })
			srv := tc.srv
			ap := ftptest.Start(t, &srv)
			path := tc.path
			if path == "" {
				path = "/"
			}
			tg, _, err := probe.ParseTarget("ftp://" + ap.String() + path)
			if err != nil {
				t.Fatal(err)
			}
			tg.User, tg.Password = "anonymous", "hostile@example.invalid"
			d := &recordingDialer{}
			opts := probe.Options{
				ConnectTimeout: 2 * time.Second, DataTimeout: 700 * time.Millisecond, ReplyTimeout: time.Second,
				StallTimeout: 400 * time.Millisecond, TransferTimeout: 2 * time.Second,
				Modes: tc.modes, Dialer: d,
			}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, err := probe.Run(ctx, tg, opts)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if ctx.Err() != nil {
				t.Fatalf("the probe ran until the test's own deadline: %v", ctx.Err())
			}
			if used := after.TotalAlloc - before.TotalAlloc; used > hostileBudget {
				t.Errorf("allocated %d bytes, budget %d", used, hostileBudget)
			} else {
				t.Logf("allocated %d KiB (budget %d KiB)", used>>10, hostileBudget>>10)
			}
			for _, a := range d.addrs {
				if !strings.HasPrefix(a, ap.Addr().String()+":") {
					t.Errorf("dialled %s, which is not the server's address %s", a, ap.Addr())
				}
			}
			tc.check(t, res)
			diag := report.Diagnose(res, nil)
			var ids []string
			for _, f := range diag.Findings {
				ids = append(ids, f.ID+"("+string(f.Severity)+")")
			}
			t.Logf("findings %v; verdict %q", ids, diag.Verdict)
			if tc.finding == "" {
				if diag.ExitCode() != 0 {
					t.Errorf("error findings for a tolerated fault: %v", ids)
				}
				return
			}
			found := false
			for _, f := range diag.Findings {
				found = found || f.ID == tc.finding
			}
			if !found {
				t.Errorf("findings %v, want %s", ids, tc.finding)
			}
		})
	}
}
