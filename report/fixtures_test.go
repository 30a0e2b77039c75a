package report

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Hand-built probe results for the rules' tests and the golden files. Each
// scenario is named for what it should diagnose.

const (
	pubIP    = "203.0.113.10"
	clientIP = "198.51.100.20"
)

func rep(code int, line string) *ftp.Reply {
	return &ftp.Reply{Code: code, Lines: []string{line}}
}

func ok(t0, t float64, r *ftp.Reply) probe.Step {
	return probe.Step{Outcome: probe.OutcomeOK, T0: t0, T: t, Reply: r}
}

func fail(o probe.Outcome, t0, t float64, r *ftp.Reply) probe.Step {
	return probe.Step{Outcome: o, T0: t0, T: t, Reply: r}
}

// healthyMode is one mode that worked end to end; base offsets its times.
func healthyMode(m probe.Mode, base float64, port int) probe.ModeResult {
	mr := probe.ModeResult{
		Mode: m, Applicable: true,
		ControlLocal: clientIP + ":50000", ControlRemote: pubIP + ":21",
		Connect: ok(base, base+0.002, nil),
		Banner:  ok(base+0.002, base+0.004, rep(220, "220 (vsFTPd 3.0.5)")),
		Login:   ok(base+0.004, base+0.010, rep(230, "230 Login successful.")),
		Works:   true,
	}
	ann, setup := dataSetup(m, port)
	mr.ListData = probe.DataConn{Announced: ann, Setup: ok(base+0.011, base+0.012, setup), Connect: ok(base+0.012, base+0.013, nil)}
	if m.Passive() {
		mr.ListData.Dialled, mr.ListData.AddressPolicy = pubIP+":"+itoa(port), "same"
	} else {
		mr.ListData.Listened = ann
	}
	mr.List = probe.Transfer{Command: "LIST", Step: ok(base+0.013, base+0.020, rep(226, "226 Directory send OK.")), Bytes: 187, Final: rep(226, "226 Directory send OK.")}
	rd := mr.ListData
	ann2, setup2 := dataSetup(m, port+1)
	rd.Announced, rd.Setup = ann2, ok(base+0.021, base+0.022, setup2)
	if m.Passive() {
		rd.Dialled = pubIP + ":" + itoa(port+1)
	} else {
		rd.Listened = ann2
	}
	rd.Connect = ok(base+0.022, base+0.023, nil)
	mr.RetrData = &rd
	mr.Retr = &probe.Transfer{Command: "RETR small.txt", Step: ok(base+0.023, base+0.030, rep(226, "226 Transfer complete.")), Bytes: 1024, Limit: 65536, Final: rep(226, "226 Transfer complete.")}
	mr.Transcript = []probe.Exchange{
		{T: base + 0.004, Reply: rep(220, "220 (vsFTPd 3.0.5)")},
		{T: base + 0.004, Command: "USER anonymous", Reply: rep(331, "331 Please specify the password.")},
		{T: base + 0.006, Command: "PASS ****", Reply: rep(230, "230 Login successful.")},
		{T: base + 0.011, Command: setupCmd(m, ann), Reply: setup},
		{T: base + 0.013, Command: "LIST", Reply: rep(150, "150 Here comes the directory listing.")},
		{T: base + 0.020, Reply: rep(226, "226 Directory send OK.")},
	}
	return mr
}

func itoa(p int) string { return strconv.Itoa(p) }

func dataSetup(m probe.Mode, port int) (string, *ftp.Reply) {
	switch m {
	case probe.ModeEPSV:
		return pubIP + ":" + itoa(port), rep(229, "229 Entering Extended Passive Mode (|||"+itoa(port)+"|)")
	case probe.ModePASV:
		return pubIP + ":" + itoa(port), rep(227, "227 Entering Passive Mode (203,0,113,10,"+itoa(port/256)+","+itoa(port%256)+").")
	case probe.ModeEPRT:
		return clientIP + ":" + itoa(port+10000), rep(200, "200 EPRT command successful. Consider using EPSV.")
	}
	return clientIP + ":" + itoa(port+10000), rep(200, "200 PORT command successful. Consider using PASV.")
}

func setupCmd(m probe.Mode, ann string) string {
	switch m {
	case probe.ModeEPRT:
		return "EPRT |1|" + ann + "|"
	case probe.ModePORT:
		return "PORT " + ann
	}
	return string(m)
}

func baseResult() *probe.Result {
	return &probe.Result{
		Target:    probe.Target{URL: "ftp://anonymous@" + pubIP + "/", Scheme: "ftp", Host: pubIP, Port: 21, User: "anonymous", PasswordSource: "anonymous"},
		StartedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Duration:  5.5,
		Resolve:   ok(0, 0, nil),
		Addresses: []string{pubIP},
		Server:    probe.Server{Banner: "(vsFTPd 3.0.5)", Syst: "UNIX Type: L8", Info: ftp.ServerInfo{Software: ftp.SoftwareVsftpd, Version: "3.0.5", Evidence: "(vsFTPd 3.0.5)"}},
		Options:   probe.OptionsEcho{ConnectTimeout: 5, DataTimeout: 5, RetrBytes: 65536},
		RetrFile:  "small.txt",
	}
}

// scenarioHealthy: direct, all four modes work.
func scenarioHealthy() *probe.Result {
	r := baseResult()
	r.Modes = []probe.ModeResult{healthyMode(probe.ModeEPSV, 0.01, 40001), healthyMode(probe.ModePASV, 0.02, 40010), healthyMode(probe.ModeEPRT, 0.03, 40020), healthyMode(probe.ModePORT, 0.04, 40030)}
	return r
}

// timeoutAttempt makes a mode's data connections time out.
func timeoutAttempt(mr *probe.ModeResult) {
	for _, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
		dc.Connect = fail(probe.OutcomeTimeout, dc.Connect.T0, dc.Connect.T0+5, nil)
	}
	mr.List.Step, mr.List.Bytes, mr.List.Final = probe.Step{Outcome: probe.OutcomeSkipped}, 0, nil
	mr.Retr.Step, mr.Retr.Bytes, mr.Retr.Final = probe.Step{Outcome: probe.OutcomeSkipped}, 0, nil
	mr.Works = false
	mr.Transcript = mr.Transcript[:4]
}

// scenarioPassiveFiltered: the server gateway DROPs the passive range.
func scenarioPassiveFiltered() *probe.Result {
	r := scenarioHealthy()
	timeoutAttempt(&r.Modes[0])
	timeoutAttempt(&r.Modes[1])
	return r
}

// evidencePassiveFiltered: the SYNs to the passive ports were retransmitted.
func evidencePassiveFiltered(r *probe.Result) *capture.Evidence {
	ev := &capture.Evidence{Available: true, Interface: "eth0", PcapFile: "ftpdiag-20250102.pcapng", Start: r.StartedAt, Packets: 120}
	pkt := 10
	for _, mr := range r.Modes[:2] {
		for _, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
			c := &capture.Conn{Initiator: netip.MustParseAddrPort(clientIP + ":51000"), Responder: netip.MustParseAddrPort(dc.Dialled)}
			for i := 0; i < 3; i++ {
				c.SYNs = append(c.SYNs, capture.PacketRef{T: dc.Connect.T0 + float64(i), Packet: pkt})
				pkt += 3
			}
			ev.Conns = append(ev.Conns, c)
		}
	}
	return ev
}

// scenarioNATPrivate: server behind NAT without pasv_address; the range is
// forwarded so transfers work via the control address.
func scenarioNATPrivate() *probe.Result {
	r := scenarioHealthy()
	mr := &r.Modes[1]
	for _, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
		p := portOf(dc.Announced)
		dc.Announced = "10.77.0.2:" + itoa(int(p))
		dc.Setup.Reply = rep(227, "227 Entering Passive Mode (10,77,0,2,"+itoa(int(p)/256)+","+itoa(int(p)%256)+").")
		dc.AddressPolicy = "control-peer"
	}
	mr.Transcript[3].Reply = mr.ListData.Setup.Reply
	return r
}

// scenarioActiveRejected: client behind NAT without an FTP helper.
func scenarioActiveRejected() *probe.Result {
	r := scenarioHealthy()
	for i, txt := range map[int]string{2: "500 Illegal EPRT command.", 3: "500 Illegal PORT command."} {
		mr := &r.Modes[i]
		mr.ListData.Announced = "192.168.1.20:50123"
		mr.ListData.Setup = fail(probe.OutcomeReply, mr.ListData.Setup.T0, mr.ListData.Setup.T, rep(500, txt))
		mr.ListData.Connect, mr.ListData.Listened = probe.Step{Outcome: probe.OutcomeSkipped}, ""
		mr.List = probe.Transfer{Command: "LIST", Step: probe.Step{Outcome: probe.OutcomeSkipped}}
		mr.RetrData, mr.Retr = nil, nil
		mr.Works = false
		mr.Transcript = mr.Transcript[:4]
		mr.Transcript[3].Command = setupCmd(mr.Mode, "192.168.1.20:50123")
		mr.Transcript[3].Reply = mr.ListData.Setup.Reply
	}
	return r
}

// scenarioLoginFailed: wrong password.
func scenarioLoginFailed() *probe.Result {
	r := baseResult()
	r.Target.User, r.Target.URL, r.Target.PasswordSource = "alice", "ftp://alice@"+pubIP+"/", "env"
	for i, m := range probe.AllModes {
		mr := healthyMode(m, 0.01*float64(i+1), 40001)
		mr.Login = fail(probe.OutcomeReply, mr.Login.T0, mr.Login.T, rep(530, "530 Login incorrect."))
		mr.ListData = probe.DataConn{}
		mr.List = probe.Transfer{Command: "LIST", Step: probe.Step{Outcome: probe.OutcomeSkipped}}
		mr.RetrData, mr.Retr = nil, nil
		mr.Works = false
		mr.Transcript = mr.Transcript[:3]
		mr.Transcript[1].Command = "USER alice"
		mr.Transcript[2].Reply = rep(530, "530 Login incorrect.")
		r.Modes = append(r.Modes, mr)
	}
	return r
}

func netip_MustAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
