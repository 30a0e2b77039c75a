package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Scenarios for the rules that read a reply's meaning (ftp.Interpret), one
// or more per class of issue 12, with the exact wordings of the servers
// they come from. Each is named for the verdict it expects.

// refuseSetup makes mode i's set-up command get reply line (a negative or
// out-of-sequence reply) so that no data connection is tried.
func refuseSetup(r *probe.Result, i int, outcome probe.Outcome, line string) {
	mr := &r.Modes[i]
	code := int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	mr.ListData.Setup = fail(outcome, mr.ListData.Setup.T0, mr.ListData.Setup.T, rep(code, line))
	mr.ListData.Connect = probe.Step{Outcome: probe.OutcomeSkipped}
	mr.ListData.Listened, mr.ListData.Dialled = "", ""
	mr.List = probe.Transfer{Command: "LIST", Step: probe.Step{Outcome: probe.OutcomeSkipped}}
	mr.RetrData, mr.Retr = nil, nil
	mr.Works = false
	mr.Transcript = mr.Transcript[:4]
	mr.Transcript[3].Reply = mr.ListData.Setup.Reply
}

// withServer sets the detected server software.
func withServer(r *probe.Result, sw ftp.Software, banner string) *probe.Result {
	r.Server = probe.Server{Banner: banner, Info: ftp.ServerInfo{Software: sw, Evidence: banner}}
	for i := range r.Modes {
		r.Modes[i].Banner.Reply = rep(220, "220 "+banner)
	}
	return r
}

// twistedNoEPRT: Twisted implements PORT and PASV but not EPRT/EPSV.
func twistedNoEPRT() *probe.Result {
	r := withServer(scenarioHealthy(), ftp.Software("twisted"), "Twisted 22.4.0 FTP Server")
	refuseSetup(r, 0, probe.OutcomeReply, "502 Command 'EPSV' not implemented")
	refuseSetup(r, 2, probe.OutcomeReply, "502 Command 'EPRT' not implemented")
	return r
}

// noActiveAtAll: neither PORT nor EPRT is implemented (an embedded server).
func noActiveAtAll() *probe.Result {
	r := scenarioHealthy()
	r.Server = probe.Server{}
	refuseSetup(r, 2, probe.OutcomeReply, "502 Command not implemented.")
	refuseSetup(r, 3, probe.OutcomeReply, "502 Command not implemented.")
	return r
}

// oops: vsftpd cannot enter the user's home directory.
func oops() *probe.Result {
	r := scenarioLoginFailed()
	for i := range r.Modes {
		r.Modes[i].Login.Reply = rep(500, "500 OOPS: cannot change directory:/home/alice")
		r.Modes[i].Transcript[2].Reply = r.Modes[i].Login.Reply
	}
	return r
}

// busyAfterRetry: vsftpd max_per_ip=2 turned two modes away; retried one
// at a time they worked.
func busyAfterRetry() *probe.Result {
	r := scenarioHealthy()
	for i := 2; i < 4; i++ {
		first := fail(probe.OutcomeReply, 0.01, 0.02, rep(421, "421 There are too many connections from your internet address."))
		r.Modes[i].RetriedSerially, r.Modes[i].FirstAttempt = true, &first
	}
	return r
}

// busyLeadAlone: ProFTPD turned the run's first session away at PASS
// while no other session of the run was open; retried, it worked.
func busyLeadAlone() *probe.Result {
	r := withServer(scenarioHealthy(), ftp.Software("proftpd"), "ProFTPD Server (lab) [10.77.0.2]")
	first := fail(probe.OutcomeReply, 0.01, 0.02, rep(530, "530 Sorry, the maximum number of clients (2) from your host are already connected."))
	r.Modes[0].RetriedSerially, r.Modes[0].FirstAttempt, r.Modes[0].FirstAttemptAlone = true, &first, true
	return r
}

// busyStill: the limit also turned the serial retry away.
func busyStill() *probe.Result {
	r := busyAfterRetry()
	r.Modes[3].Banner = fail(probe.OutcomeReply, 0.1, 0.2, rep(421, "421 There are too many connections from your internet address."))
	r.Modes[3].Login = probe.Step{Outcome: probe.OutcomeSkipped}
	r.Modes[3].ListData, r.Modes[3].RetrData, r.Modes[3].Retr = probe.DataConn{}, nil, nil
	r.Modes[3].List = probe.Transfer{Command: "LIST", Step: probe.Step{Outcome: probe.OutcomeSkipped}}
	r.Modes[3].Works = false
	return r
}

// busyOnList: a 421 answered LIST, not the greeting. The limit wordings
// of the table are for the greeting and the login, so this 421 is a
// closing session.
func busyOnList() *probe.Result {
	r := scenarioHealthy()
	mr := &r.Modes[1]
	mr.List.Step = fail(probe.OutcomeReply, 0.5, 0.6, rep(421, "421 There are too many connections from your internet address."))
	mr.List.Bytes, mr.Works = 0, false
	return r
}

// busyPyftpdlib: pyftpdlib's max_cons_per_ip refusal of the greeting.
func busyPyftpdlib() *probe.Result {
	r := withServer(busy(), ftp.Software("pyftpdlib"), "pyftpdlib 1.5.7 ready.")
	r.Modes[3].Banner.Reply = rep(421, "421 Too many connections from the same IP address.")
	return r
}

// closing: Twisted's 421 names no limit.
func closing() *probe.Result {
	r := withServer(scenarioHealthy(), ftp.Software("twisted"), "Twisted 22.4.0 FTP Server")
	mr := &r.Modes[3]
	mr.Banner = fail(probe.OutcomeReply, 0.1, 0.2, rep(421, "421 Service not available, closing control connection."))
	mr.Login = probe.Step{Outcome: probe.OutcomeSkipped}
	mr.ListData, mr.RetrData, mr.Retr = probe.DataConn{}, nil, nil
	mr.List = probe.Transfer{Command: "LIST", Step: probe.Step{Outcome: probe.OutcomeSkipped}}
	mr.Works = false
	return r
}

// accountNeeded: Twisted asks for ACCT after the password.
func accountNeeded() *probe.Result {
	r := scenarioLoginFailed()
	for i := range r.Modes {
		r.Modes[i].Login = fail(probe.OutcomeReply, 0.01, 0.02, rep(332, "332 Need account for login."))
		r.Modes[i].Transcript[2].Reply = r.Modes[i].Login.Reply
	}
	return r
}

// userLoggedIn: a 230 straight after USER (no password needed) is a login.
func userLoggedIn() *probe.Result {
	r := scenarioHealthy()
	for i := range r.Modes {
		mr := &r.Modes[i]
		mr.Transcript[1].Reply = rep(230, "230 User logged in, proceed.")
		mr.Transcript = append(mr.Transcript[:2], mr.Transcript[3:]...)
	}
	return r
}

// retr350: a 3xx to RETR is no completed transfer, whatever the probe
// counted.
func retr350() *probe.Result {
	r := scenarioHealthy()
	for i := range r.Modes {
		r.Modes[i].Retr.Step = ok(1, 1.1, rep(350, "350 Restarting at 0."))
		r.Modes[i].Retr.Bytes = 0
	}
	return r
}

// list350: a 3xx to LIST: the probe called the mode working.
func list350() *probe.Result {
	r := scenarioHealthy()
	r.Modes[0].List.Step = ok(1, 1.1, rep(350, "350 Requested file action pending further information."))
	r.Modes[0].List.Bytes = 0
	return r
}

// port350: a 3xx to PORT is no acceptance; the probe then waited for a
// callback that could not come.
func port350() *probe.Result {
	r := scenarioHealthy()
	for i := 2; i < 4; i++ {
		mr := &r.Modes[i]
		mr.ListData.Setup = ok(0.1, 0.2, rep(350, "350 Send the next command."))
		timeoutAttempt(mr)
		mr.RetrData.Setup = ok(0.3, 0.4, rep(350, "350 Send the next command."))
	}
	return r
}

// silentAll: no control connection was greeted.
func silentAll() *probe.Result {
	r := baseResult()
	r.Server = probe.Server{}
	for i, m := range probe.AllModes {
		b := 0.01 * float64(i+1)
		r.Modes = append(r.Modes, probe.ModeResult{Mode: m, Applicable: true, ControlRemote: pubIP + ":21",
			Connect: ok(b, b+0.001, nil), Banner: fail(probe.OutcomeTimeout, b+0.001, b+5, nil),
			Login: probe.Step{Outcome: probe.OutcomeSkipped}})
	}
	return r
}

// silentQueued: the first session was greeted; the others waited.
func silentQueued() *probe.Result {
	r := silentAll()
	h := healthyMode(probe.ModeEPSV, 0.01, 40001)
	r.Modes[0] = h
	return r
}

// silent990: plain text to the implicit-FTPS port.
func silent990() *probe.Result {
	r := silentAll()
	r.Target.Port = 990
	for i := range r.Modes {
		r.Modes[i].ControlRemote = pubIP + ":990"
	}
	return r
}

// closedBeforeGreeting: accepted, then closed without a word (TCP wrappers).
func closedBeforeGreeting() *probe.Result {
	r := silentAll()
	for i := range r.Modes {
		r.Modes[i].Banner.Outcome = probe.OutcomeClosed
	}
	return r
}

// closedAtLogin: the session process died on PASS.
func closedAtLogin() *probe.Result {
	r := scenarioLoginFailed()
	for i := range r.Modes {
		r.Modes[i].Login = fail(probe.OutcomeClosed, 0.01, 0.02, nil)
	}
	return r
}

// pasvFilteredEPSV502: EPSV not implemented, PASV's data port filtered.
func pasvFilteredEPSV502() *probe.Result {
	r := scenarioPassiveFiltered()
	refuseSetup(r, 0, probe.OutcomeReply, "502 Command 'EPSV' not implemented")
	return r
}

// portOddReply: a refusal whose wording says nothing the table knows.
func portOddReply() *probe.Result {
	r := scenarioHealthy()
	refuseSetup(r, 3, probe.OutcomeReply, "501 Huh?")
	return r
}

func TestMeaningRules(t *testing.T) {
	tests := []struct {
		name    string
		r       *probe.Result
		want    []string
		notWant []string
		exit    int
		// verdict must hold every string of verdict and none of verdictNot.
		verdict, verdictNot []string
		// text: finding id -> strings its title+explanation+action must hold.
		text map[string][]string
		// textNot: finding id -> strings they must not hold.
		textNot map[string][]string
	}{
		{name: "Twisted 502 to EPRT: active-unsupported, PORT fallback said", r: twistedNoEPRT(),
			want: []string{"active-unsupported", "epsv-unsupported"}, notWant: []string{"data-connection-failed", "active-disabled"}, exit: 1,
			text:    map[string][]string{"active-unsupported": {"does not implement EPRT", "502 Command 'EPRT' not implemented", "no data connection was tried", "fall back to PORT"}},
			textNot: map[string][]string{"active-unsupported": {"data connection failed"}, "epsv-unsupported": {"do not fall back", "not fall back"}}},
		{name: "no PORT nor EPRT: active-unsupported for both", r: noActiveAtAll(),
			want: []string{"active-unsupported"}, notWant: []string{"data-connection-failed"}, exit: 1,
			verdict: []string{"Passive mode works and active mode fails", "does not implement EPRT and PORT"}},
		{name: "vsftpd 500 OOPS at login: server-error, never login-failed", r: oops(),
			want: []string{"server-error"}, notWant: []string{"login-failed", "control-failed"}, exit: 1,
			text: map[string][]string{"server-error": {"500 OOPS: cannot change directory:/home/alice", "the login (PASS)"}}},
		{name: "421 limit on the first try, fine serially: server-busy info, exit 0", r: busyAfterRetry(),
			want: []string{"server-busy"}, exit: 0, verdict: []string{"All four data modes work"},
			text: map[string][]string{"server-busy": {"EPRT and PORT", "one at a time", "the greeting"}}},
		{name: "530 limit on the run's only session, fine when retried: server-busy info naming the lone first session", r: busyLeadAlone(),
			want: []string{"server-busy"}, notWant: []string{"login-failed"}, exit: 0, verdict: []string{"All four data modes work"},
			text: map[string][]string{"server-busy": {"the only one of this run open", "retried EPSV alone", "530 Sorry, the maximum number of clients"}}},
		{name: "421 limit on the serial retry too: server-busy error", r: busyStill(),
			want: []string{"server-busy"}, notWant: []string{"control-failed"}, exit: 1,
			text: map[string][]string{"server-busy": {"still applied"}}},
		{name: "421 answering LIST (the limit wordings are the greeting's): server-closing names LIST", r: busyOnList(),
			want: []string{"server-closing"}, notWant: []string{"data-connection-failed", "server-busy"}, exit: 1,
			text: map[string][]string{"server-closing": {"answered LIST with"}}, textNot: map[string][]string{"server-closing": {"EPSV with"}}},
		{name: "pyftpdlib 421 per-IP limit: server-busy with pyftpdlib's setting", r: busyPyftpdlib(),
			want: []string{"server-busy"}, notWant: []string{"server-closing", "control-failed"}, exit: 1,
			text: map[string][]string{"server-busy": {"the greeting", "421 Too many connections from the same IP address."}}},
		{name: "421 without limit wording: server-closing", r: closing(),
			want: []string{"server-closing"}, notWant: []string{"server-busy", "control-failed"}, exit: 1,
			text: map[string][]string{"server-closing": {"the greeting", "421 Service not available, closing control connection."}}},
		{name: "332 to PASS: login-account-needed, not a bad password", r: accountNeeded(),
			want: []string{"login-account-needed"}, notWant: []string{"login-failed", "control-failed"}, exit: 1,
			textNot: map[string][]string{"login-account-needed": {"check the user name and password"}}},
		{name: "230 to USER: logged in, healthy", r: userLoggedIn(),
			notWant: []string{"login-failed", "protocol-violation", "control-failed"}, exit: 0, verdict: []string{"All four data modes work"}},
		{name: "350 to RETR: protocol-violation naming RETR", r: retr350(),
			want: []string{"protocol-violation"}, exit: 1, verdict: []string{"All four data modes work, but"},
			text: map[string][]string{"protocol-violation": {"RETR small.txt"}}, textNot: map[string][]string{"protocol-violation": {"EPSV with", "to EPSV"}}},
		{name: "350 to LIST: the mode does not work", r: list350(),
			want: []string{"protocol-violation"}, exit: 1, verdictNot: []string{"All four data modes work"}},
		{name: "350 to PORT: protocol-violation, no callback finding", r: port350(),
			want: []string{"protocol-violation"}, notWant: []string{"active-callback-blocked", "active-callback-dropped-locally"}, exit: 1,
			text: map[string][]string{"protocol-violation": {"EPRT and PORT"}}},
		{name: "never greeted by anyone: control-no-greeting, load balancer named", r: silentAll(),
			want: []string{"control-no-greeting"}, notWant: []string{"control-failed"}, exit: 1,
			text: map[string][]string{"control-no-greeting": {"load balancer", "port 21"}}},
		{name: "greeted one session only: control-no-greeting, one at a time", r: silentQueued(),
			want: []string{"control-no-greeting"}, notWant: []string{"control-failed"}, exit: 1,
			text: map[string][]string{"control-no-greeting": {"one session", "EPSV control connection of the same run was greeted"}}},
		{name: "plain text to port 990: control-no-greeting, implicit FTPS", r: silent990(),
			want: []string{"control-no-greeting"}, exit: 1,
			text: map[string][]string{"control-no-greeting": {"implicit-FTPS", "ftps://"}}},
		{name: "closed before greeting: control-closed", r: closedBeforeGreeting(),
			want: []string{"control-closed"}, notWant: []string{"control-failed", "control-no-greeting"}, exit: 1,
			text: map[string][]string{"control-closed": {"without a greeting", "hosts.deny"}}},
		{name: "closed at login: control-closed names the login", r: closedAtLogin(),
			want: []string{"control-closed"}, notWant: []string{"control-failed", "login-failed"}, exit: 1,
			text: map[string][]string{"control-closed": {"the login"}}},
		{name: "PASV filtered, EPSV 502: the verdict opens the range, never enable EPSV", r: pasvFilteredEPSV502(),
			want: []string{"passive-port-filtered", "epsv-unsupported"}, exit: 1,
			verdict: []string{"open TCP port"}, verdictNot: []string{"enable EPSV"}},
		{name: "unknown reply to PORT: fallback says no data connection was tried", r: portOddReply(),
			want: []string{"data-connection-failed"}, exit: 1,
			text:    map[string][]string{"data-connection-failed": {"no data connection was tried", "501 Huh?"}},
			textNot: map[string][]string{"data-connection-failed": {"data connection failed"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diagnose(tt.r, nil)
			got := ids(d.Findings)
			for _, id := range tt.want {
				if !slices.Contains(got, id) {
					t.Errorf("missing %s in %v", id, got)
				}
			}
			for _, id := range tt.notWant {
				if slices.Contains(got, id) {
					t.Errorf("unexpected %s in %v", id, got)
				}
			}
			if d.ExitCode() != tt.exit {
				t.Errorf("exit = %d, want %d (%v)", d.ExitCode(), tt.exit, got)
			}
			for _, s := range tt.verdict {
				if !strings.Contains(d.Verdict, s) {
					t.Errorf("verdict %q lacks %q", d.Verdict, s)
				}
			}
			for _, s := range tt.verdictNot {
				if strings.Contains(d.Verdict, s) {
					t.Errorf("verdict %q holds %q", d.Verdict, s)
				}
			}
			for id, ss := range tt.text {
				checkText(t, d, id, ss, true)
			}
			for id, ss := range tt.textNot {
				checkText(t, d, id, ss, false)
			}
			// render accepts what the rules made (new ids, "server" fixes).
			if err := d.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			// Exit-code contract: every failing mode is named by an error.
			for i := range tt.r.Modes {
				mr := &tt.r.Modes[i]
				if mr.Applicable && !modeWorks(mr) && errFor(d.Findings, []string{string(mr.Mode)}) == nil {
					t.Errorf("mode %s fails without an error finding: %v", mr.Mode, got)
				}
			}
		})
	}
}

// checkText asserts that finding id's title, explanation and action hold
// (or, with want false, do not hold) each of ss (case-insensitive).
func checkText(t *testing.T, d *Diagnosis, id string, ss []string, want bool) {
	t.Helper()
	f := find(d.Findings, id)
	if f == nil {
		t.Errorf("no %s finding", id)
		return
	}
	all := strings.ToLower(f.Title + "\n" + f.Explanation + "\n" + f.Action)
	for _, s := range ss {
		if strings.Contains(all, strings.ToLower(s)) != want {
			t.Errorf("%s: contains(%q) = %v, want %v in:\n%s", id, s, !want, want, all)
		}
	}
}

// TestFixesFollowServer: the fixes name the detected server's own settings
// and never another server's; an unknown server gets a generic fix too.
func TestFixesFollowServer(t *testing.T) {
	tests := []struct {
		sw      ftp.Software
		id      string
		r       func() *probe.Result
		want    []string
		notWant []string
	}{
		{"proftpd", "passive-port-filtered", scenarioPassiveFiltered, []string{"PassivePorts 40001 40011", "ProFTPD PassivePorts"}, []string{"pasv_min_port", "PassivePortRange"}},
		{"pure-ftpd", "passive-port-filtered", scenarioPassiveFiltered, []string{"PassivePortRange 40001 40011", "-p 40001:40011"}, []string{"pasv_min_port", "PassivePorts "}},
		{"pyftpdlib", "passive-port-filtered", scenarioPassiveFiltered, []string{"handler.passive_ports = range(40001, 40012)"}, []string{"pasv_min_port"}},
		{"twisted", "passive-port-filtered", scenarioPassiveFiltered, []string{"factory.passivePortRange = range(40001, 40012)"}, []string{"pasv_min_port"}},
		{"unknown", "passive-port-filtered", scenarioPassiveFiltered, []string{"the server's passive port range setting", "Pin the server's passive port range (40001-40011"}, nil},
		{"proftpd", "pasv-private-address", scenarioNATPrivate, []string{"MasqueradeAddress 203.0.113.10"}, []string{"pasv_address"}},
		{"pure-ftpd", "pasv-private-address", scenarioNATPrivate, []string{"ForcePassiveIP 203.0.113.10", "-P 203.0.113.10"}, []string{"pasv_address"}},
		{"pyftpdlib", "pasv-private-address", scenarioNATPrivate, []string{"handler.masquerade_address = '203.0.113.10'"}, []string{"pasv_address"}},
		{"proftpd", "server-busy", busy, []string{"MaxClientsPerHost"}, []string{"max_per_ip"}},
		{"twisted", "server-busy", busy, []string{"factory.connectionLimit"}, []string{"max_per_ip", "MaxClients"}},
		{"proftpd", "active-disabled", activeDisabled, []string{"<Limit PORT EPRT>"}, []string{"port_enable"}},
		{"unknown", "active-disabled", activeDisabled, []string{"port_enable=YES", "refused by the server's configuration"}, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.sw)+"/"+tt.id, func(t *testing.T) {
			r := tt.r()
			r.Server = probe.Server{Info: ftp.ServerInfo{Software: tt.sw}}
			f := find(Diagnose(r, nil).Findings, tt.id)
			if f == nil {
				t.Fatalf("no %s", tt.id)
			}
			all := f.Explanation + "\n" + f.Action
			for _, fx := range f.Fixes {
				all += "\n" + fx.Text + "\n" + strings.Join(fx.Lines, "\n")
			}
			for _, s := range tt.want {
				if !strings.Contains(all, s) {
					t.Errorf("lacks %q in:\n%s", s, all)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(all, s) {
					t.Errorf("holds %q in:\n%s", s, all)
				}
			}
		})
	}
}

// TestControlPortNotHardCoded: with the server on port 2121 the fixes
// name 2121, never 21.
func TestControlPortNotHardCoded(t *testing.T) {
	move := func(r *probe.Result) *probe.Result {
		r.Target.Port = 2121
		for i := range r.Modes {
			r.Modes[i].ControlRemote = pubIP + ":2121"
		}
		return r
	}
	for _, tc := range []struct {
		id string
		r  *probe.Result
	}{
		{"active-address-rejected", move(scenarioActiveRejected())},
		{"active-callback-blocked", move(callbackTimeout())},
		{"pasv-private-address", move(scenarioNATPrivate())},
		{"passive-port-filtered", move(scenarioPassiveFiltered())},
	} {
		f := find(Diagnose(tc.r, nil).Findings, tc.id)
		if f == nil {
			t.Fatalf("no %s", tc.id)
		}
		all := f.Explanation
		for _, fx := range f.Fixes {
			all += "\n" + fx.Text + "\n" + strings.Join(fx.Lines, "\n")
		}
		if strings.Contains(all, "dport 21 ") || strings.Contains(all, "port 21 ") || strings.Contains(all, "port 21.") {
			t.Errorf("%s names port 21:\n%s", tc.id, all)
		}
		if !strings.Contains(all, "2121") {
			t.Errorf("%s does not name the control port 2121:\n%s", tc.id, all)
		}
	}
}

// pyftpdlibPort425: pyftpdlib connects when it gets PORT and answers the
// PORT itself when it cannot.
func pyftpdlibPort425() *probe.Result {
	r := withServer(scenarioHealthy(), ftp.Software("pyftpdlib"), "pyftpdlib 1.5.7 ready.")
	for i := 2; i < 4; i++ {
		ann := r.Modes[i].ListData.Announced
		refuseSetup(r, i, probe.OutcomeReply, "425 Can't connect to specified address.")
		r.Modes[i].ListData.Announced, r.Modes[i].ListData.Listened = ann, ann
	}
	return r
}

// pyftpdlibPort425Evidence: its SYNs reached this host and got no answer.
func pyftpdlibPort425Evidence(r *probe.Result) *capture.Evidence {
	ev := &capture.Evidence{Available: true, Packets: 40}
	for i := 2; i < 4; i++ {
		dc := r.Modes[i].ListData
		c := &capture.Conn{Initiator: netip_MustAP(pubIP + ":41000"), Responder: netip_MustAP(dc.Listened), SYNs: []capture.PacketRef{{T: dc.Setup.T0 + 0.001, Packet: 7 + i}}}
		ev.UnansweredInboundSYNs = append(ev.UnansweredInboundSYNs, c)
	}
	return ev
}

func TestCallbackFailedAtPORT(t *testing.T) {
	r := pyftpdlibPort425()
	for _, tc := range []struct {
		ev            *capture.Evidence
		want, notWant string
	}{
		{nil, "active-callback-blocked", "data-connection-failed"},
		{pyftpdlibPort425Evidence(r), "active-callback-dropped-locally", "active-callback-blocked"},
	} {
		d := Diagnose(r, tc.ev)
		got := ids(d.Findings)
		if !slices.Contains(got, tc.want) || slices.Contains(got, tc.notWant) || slices.Contains(got, "data-connection-failed") {
			t.Errorf("findings %v, want %s and no %s", got, tc.want, tc.notWant)
		}
		if f := find(d.Findings, tc.want); f != nil && !strings.Contains(evidenceText(f), "425 Can't connect to specified address.") {
			t.Errorf("%s does not quote the 425: %s", tc.want, evidenceText(f))
		}
	}
}

// portSilent: a server that connects when it gets PORT/EPRT had not
// answered them when the probe's set-up wait ended, with nothing at the
// probe's listener (probe.SetupWatch).
func portSilent(sw ftp.Software, banner string, listener string) *probe.Result {
	r := scenarioHealthy()
	r.Server = probe.Server{}
	if sw != "" {
		r = withServer(r, sw, banner)
	}
	for i := 2; i < 4; i++ {
		mr := &r.Modes[i]
		ann := mr.ListData.Announced
		refuseSetup(r, i, probe.OutcomeReply, "200 x")
		dc := &mr.ListData
		dc.Announced, dc.Listened = ann, ann
		t0 := dc.Setup.T0
		dc.Setup = probe.Step{Outcome: probe.OutcomeTimeout, T0: t0, T: t0 + 1.5, Error: "no reply to PORT within 1.5s (the minimum 1.5s), and no connection from the server"}
		dc.Connect = probe.Step{Outcome: probe.OutcomeTimeout, T0: t0, T: t0 + 1.5, Error: "accept data connection: no connection from the server while PORT went unanswered"}
		if listener == probe.ListenerAccepted {
			dc.Connect = probe.Step{Outcome: probe.OutcomeSkipped, Error: "PORT failed (timeout)"}
		}
		dc.SetupWatch = &probe.SetupWatch{Listener: listener, Wait: probe.CallbackWait{Seconds: 1.5, Reason: "the minimum 1.5s (one SYN retransmission after 1s, plus 4 round trips of 100µs, is shorter)"}}
		mr.Transcript[3].Reply = nil
	}
	return r
}

// portSilentEvidence: the capture at the client; with syns, the server's
// SYNs reached the probe's listeners unanswered.
func portSilentEvidence(r *probe.Result, syns bool, at float64) *capture.Evidence {
	ev := &capture.Evidence{Available: true, Packets: 40}
	if !syns {
		return ev
	}
	for i := 2; i < 4; i++ {
		dc := r.Modes[i].ListData
		c := &capture.Conn{Initiator: netip_MustAP(pubIP + ":41000"), Responder: netip_MustAP(dc.Listened),
			SYNs: []capture.PacketRef{{T: dc.Setup.T0 + at, Packet: 7 + i}, {T: dc.Setup.T0 + at + 1, Packet: 9 + i}}}
		ev.UnansweredInboundSYNs = append(ev.UnansweredInboundSYNs, c)
	}
	return ev
}

// TestCallbackSilentAtPORT: a PORT/EPRT still unanswered when the probe's
// set-up wait ended with nothing at its listener is the callback failing
// at PORT time; the wire decides where (dropped here or never arrived),
// and without a capture the finding says what could not be seen.
func TestCallbackSilentAtPORT(t *testing.T) {
	py := func(l string) *probe.Result { return portSilent("pyftpdlib", "pyftpdlib 1.5.7 ready.", l) }
	tests := []struct {
		name     string
		r        *probe.Result
		syns     bool
		synAt    float64 // seconds after PORT; the probe's wait ends at 1.5
		wire     bool
		want     string
		notWant  []string
		inferred bool
		says     []string
	}{
		{name: "pyftpdlib, no capture: blocked, inferred", r: py(probe.ListenerNothing), want: "active-callback-blocked",
			notWant: []string{"data-connection-failed", "active-callback-dropped-locally"}, inferred: true,
			says: []string{"pyftpdlib had not answered EPRT and PORT after 1.5 s", "the minimum 1.5s", "pyftpdlib, Twisted", "A capture would tell"}},
		{name: "pyftpdlib, its SYNs seen unanswered here: dropped locally", r: py(probe.ListenerNothing), wire: true, syns: true, synAt: 0.001, want: "active-callback-dropped-locally",
			notWant: []string{"data-connection-failed", "active-callback-blocked"},
			says:    []string{"no SYN-ACK leave", "pyftpdlib had not answered EPRT and PORT"}},
		{name: "pyftpdlib, capture saw nothing arrive: blocked", r: py(probe.ListenerNothing), wire: true, want: "active-callback-blocked",
			notWant: []string{"data-connection-failed", "active-callback-dropped-locally"},
			says:    []string{"had not answered EPRT and PORT", "The capture saw no SYN arrive"}},
		{name: "unknown server, no capture: blocked, with the other reading said", r: portSilent("", "", probe.ListenerNothing), want: "active-callback-blocked",
			notWant: []string{"data-connection-failed"}, inferred: true,
			says: []string{"the server had not answered EPRT and PORT", "silent for another reason"}},
		{name: "its SYNs came after the probe stopped listening: neither dropped here nor blocked", r: py(probe.ListenerNothing), wire: true, syns: true, synAt: 1.6, want: "data-connection-failed",
			notWant: []string{"active-callback-blocked", "active-callback-dropped-locally"}},
		{name: "connection accepted, then no reply: not a failed callback", r: py(probe.ListenerAccepted), want: "data-connection-failed",
			notWant: []string{"active-callback-blocked", "active-callback-dropped-locally"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev *capture.Evidence
			if tt.wire {
				ev = portSilentEvidence(tt.r, tt.syns, tt.synAt)
			}
			d := Diagnose(tt.r, ev)
			got := ids(d.Findings)
			f := find(d.Findings, tt.want)
			if f == nil {
				t.Fatalf("findings %v, want %s", got, tt.want)
			}
			for _, id := range tt.notWant {
				if slices.Contains(got, id) {
					t.Errorf("findings %v: unexpected %s", got, id)
				}
			}
			if f.Inferred != tt.inferred {
				t.Errorf("inferred = %v, want %v", f.Inferred, tt.inferred)
			}
			for _, w := range tt.says {
				if !strings.Contains(f.Explanation, w) {
					t.Errorf("explanation does not say %q:\n%s", w, f.Explanation)
				}
			}
			if strings.Contains(f.Explanation+evidenceText(f), "refused") {
				t.Errorf("a silence said as a refusal:\n%s\n%s", f.Explanation, evidenceText(f))
			}
			if err := d.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestServerSerial(t *testing.T) {
	tests := []struct {
		trigger string
		want    bool
		title   string
	}{
		{probe.PacingSlowLogin, true, "3.7 s per login"},
		{probe.PacingQueued, true, "one session at a time"},
		{probe.PacingSlowGreeting, true, "slow to greet"},
		{probe.PacingConnectionLimit, false, ""},
	}
	for _, tt := range tests {
		r := scenarioHealthy()
		r.Pacing = &probe.Pacing{Serial: true, Trigger: tt.trigger, Reason: "the first login took 3.70 s, 3700 round trips", LoginSeconds: 3.7, RTTSeconds: 0.001, QueuedSeconds: 1.2, Modes: []probe.Mode{probe.ModePASV, probe.ModeEPRT, probe.ModePORT}}
		d := Diagnose(r, nil)
		f := find(d.Findings, "server-serial")
		if (f != nil) != tt.want {
			t.Errorf("%s: server-serial present = %v, want %v (%v)", tt.trigger, f != nil, tt.want, ids(d.Findings))
			continue
		}
		if d.ExitCode() != 0 || !strings.Contains(d.Verdict, "All four data modes work") {
			t.Errorf("%s: exit %d verdict %q", tt.trigger, d.ExitCode(), d.Verdict)
		}
		if f != nil && (f.Severity != SeverityInfo || !strings.Contains(f.Title, tt.title) || !strings.Contains(f.Explanation, "3.70 s")) {
			t.Errorf("%s: %+v", tt.trigger, f)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
	}
}

// TestSilentPORTIsNotRefused: a server that never answers PORT/EPRT
// (pyftpdlib while its callback goes unanswered) did not refuse them: the
// fallback must not say "did not accept ... no data connection was tried".
func TestSilentPORTIsNotRefused(t *testing.T) {
	r := withServer(scenarioHealthy(), ftp.Software("pyftpdlib"), "pyftpdlib 1.5.7 ready.")
	for i := 2; i < 4; i++ {
		mr := &r.Modes[i]
		refuseSetup(r, i, probe.OutcomeReply, "200 x")
		mr.ListData.Setup = probe.Step{Outcome: probe.OutcomeTimeout, T0: mr.ListData.Setup.T0, T: mr.ListData.Setup.T0 + 10, Error: "read reply: i/o timeout"}
		mr.Transcript[3].Reply = nil
	}
	d := Diagnose(r, nil)
	f := find(d.Findings, "data-connection-failed")
	if f == nil {
		t.Fatalf("no data-connection-failed in %v", ids(d.Findings))
	}
	if strings.Contains(f.Title, "did not accept") || strings.Contains(f.Title, "no data connection was tried") {
		t.Errorf("title claims a refusal: %q", f.Title)
	}
	if !strings.Contains(f.Title, "never answered") || !strings.Contains(f.Explanation, "pyftpdlib, Twisted") {
		t.Errorf("title %q / explanation %q: want the silence said, with the servers that connect at PORT", f.Title, f.Explanation)
	}
	if strings.Contains(d.Verdict, "did not accept") {
		t.Errorf("verdict claims a refusal: %q", d.Verdict)
	}
}
