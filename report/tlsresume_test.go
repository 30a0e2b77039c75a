package report

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// reuseRun is an FTPS probe of one mode (EPSV) whose LIST the server
// answers with final, the data connection's TLS as the wire showed it
// (data; nil: no capture).
func reuseRun(final *ftp.Reply, data *capture.TLSFacts) (*probe.Result, *capture.Evidence) {
	r := scenarioHealthy()
	r.TLS = &probe.TLSResult{Requested: probe.TLSExplicit, Mode: probe.TLSExplicit, Certificate: validCert()}
	mr := tlsMode(r.Modes[0])
	mr.ListData.TLS.Resumed = false
	mr.List = probe.Transfer{Command: "LIST", Step: fail(probe.OutcomeReply, mr.ListData.Connect.T, mr.ListData.Connect.T+0.1, final), Final: final}
	mr.Works, mr.RetrData, mr.Retr = false, nil, nil
	r.Modes = []probe.ModeResult{mr}
	if data == nil {
		return r, nil
	}
	ctl := &capture.Conn{Initiator: netip.MustParseAddrPort(mr.ControlLocal), Responder: netip.MustParseAddrPort(mr.ControlRemote),
		First: capture.PacketRef{T: mr.Connect.T0, Packet: 1}, SYNs: []capture.PacketRef{{T: mr.Connect.T0, Packet: 1}}, SYNACK: &capture.PacketRef{T: mr.Connect.T, Packet: 2},
		TLS: &capture.TLSFacts{ClientSide: capture.SideInitiator, Completed: true, Resumption: "none",
			Client: &capture.ClientHello{Versions: []string{"TLS 1.2"}},
			Server: &capture.ServerHello{Version: "TLS 1.2", SessionIDLen: 32, SessionID: "c0c0c0c0c0c0", NewTicket: "7777aaaa7777", Certificate: true}}}
	dc := &capture.Conn{Initiator: netip.MustParseAddrPort(clientIP + ":51000"), Responder: netip.MustParseAddrPort(mr.ListData.Dialled),
		First: capture.PacketRef{T: mr.ListData.Connect.T0, Packet: 20}, SYNs: []capture.PacketRef{{T: mr.ListData.Connect.T0, Packet: 20}},
		SYNACK: &capture.PacketRef{T: mr.ListData.Connect.T, Packet: 21}, TLS: data}
	return r, &capture.Evidence{Available: true, Start: r.StartedAt, Packets: 60, Conns: []*capture.Conn{ctl, dc}}
}

// dataHello is a data connection's completed full handshake after the
// given ClientHello, in version v.
func dataHello(v string, ch capture.ClientHello) *capture.TLSFacts {
	ch.Versions = []string{v}
	return &capture.TLSFacts{ClientSide: capture.SideInitiator, Client: &ch, Completed: true, Resumption: "none",
		Server: &capture.ServerHello{Version: v, SessionIDLen: 32, SessionID: "d1d1d1d1d1d1"}}
}

// flowed is f with application records from the server after the
// handshake: a listing, or (TLS 1.3) the server's session tickets.
func flowed(f *capture.TLSFacts) *capture.TLSFacts {
	f.AppRecordsFromServer, f.AppBytesFromServer = 3, 1400
	return f
}

func TestDataTLSNotResumed(t *testing.T) {
	vsftpd := rep(522, "522 SSL connection failed: session reuse required")
	filezilla := rep(425, "425 Unable to build data connection: TLS session of data connection not resumed.")
	proftpd := rep(425, "425 Unable to build data connection: Operation not permitted")
	tests := []struct {
		name    string
		final   *ftp.Reply
		data    *capture.TLSFacts
		want    string // data-tls-not-resumed's explanation contains it; "" = no such finding
		notWant []string
	}{
		{"vsftpd 522, ftplib offered nothing (TLS 1.2)", vsftpd, dataHello("TLS 1.2", capture.ClientHello{Ticket: true}),
			"offered no session to resume: its data ClientHello has an empty session ID", []string{"data-tls-failed"}},
		{"vsftpd 522, another session offered", vsftpd, dataHello("TLS 1.2", capture.ClientHello{SessionIDLen: 32, SessionID: "e2e2e2e2e2e2"}),
			"offered a session other than the control connection's", []string{"data-tls-failed"}},
		{"FileZilla 425, the control session offered and refused", filezilla, dataHello("TLS 1.2", capture.ClientHello{SessionIDLen: 32, SessionID: "c0c0c0c0c0c0"}),
			"offered the control connection's session", []string{"data-tls-failed"}},
		{"the control session's ticket offered and refused", vsftpd, dataHello("TLS 1.2", capture.ClientHello{Ticket: true, TicketLen: 176, TicketHash: "7777aaaa7777"}),
			"offered the control connection's session", nil},
		{"TLS 1.3, no pre_shared_key", vsftpd, dataHello("TLS 1.3", capture.ClientHello{SessionIDLen: 32, SessionID: "f3f3f3f3f3f3"}),
			"no pre_shared_key", nil},
		{"TLS 1.3, a pre_shared_key the server did not select", vsftpd, dataHello("TLS 1.3", capture.ClientHello{PSKIdentities: 1, PSKIdentity: "abcdefabcdef"}),
			"did not select it", nil},
		{"522 without a capture: the cause is not seen", vsftpd, nil, "No capture holds the data connection's TLS handshake", []string{"data-tls-failed"}},
		{"ProFTPD's 425 after a full handshake", proftpd, dataHello("TLS 1.2", capture.ClientHello{}), "offered no session", []string{"data-tls-failed"}},
		{"ProFTPD's 425 on a resumed data connection: not this finding", proftpd,
			&capture.TLSFacts{ClientSide: capture.SideInitiator, Client: &capture.ClientHello{SessionIDLen: 32, SessionID: "c0c0c0c0c0c0"}, Completed: true, Resumption: "session-id",
				Server: &capture.ServerHello{Version: "TLS 1.2", SessionIDLen: 32, SessionID: "c0c0c0c0c0c0", SessionIDEchoed: true}}, "", nil},
		{"ProFTPD's 425 without a capture: not this finding", proftpd, nil, "", nil},
		{"426 after a full handshake and a listing's records (TLS 1.2): a transfer aborted midway, not this finding",
			rep(426, "426 Failure reading network stream."), flowed(dataHello("TLS 1.2", capture.ClientHello{})), "", nil},
		{"ProFTPD's 425 after a full handshake and application data: the connection was taken, not this finding",
			proftpd, flowed(dataHello("TLS 1.2", capture.ClientHello{})), "", nil},
		{"TLS 1.3: tickets look like data, the 425 after a full handshake still decides",
			proftpd, flowed(dataHello("TLS 1.3", capture.ClientHello{})), "no pre_shared_key", []string{"data-tls-failed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ev := reuseRun(tc.final, tc.data)
			d := Diagnose(r, ev)
			f := find(d.Findings, "data-tls-not-resumed")
			if tc.want == "" {
				if f != nil {
					t.Fatalf("unexpected data-tls-not-resumed: %s", f.Explanation)
				}
				return
			}
			if f == nil {
				t.Fatalf("no data-tls-not-resumed in %v", ids(d.Findings))
			}
			if !strings.Contains(f.Explanation, tc.want) || f.Severity != SeverityError || d.ExitCode() != 1 {
				t.Errorf("%s: %s\nwant %q", f.Severity, f.Explanation, tc.want)
			}
			for _, id := range tc.notWant {
				if find(d.Findings, id) != nil {
					t.Errorf("%s beside data-tls-not-resumed: one cause, one finding (%v)", id, ids(d.Findings))
				}
			}
			if ev != nil && !strings.Contains(f.Evidence[1].Text, "data connection: ClientHello offers") {
				t.Errorf("evidence lacks the data handshake: %+v", f.Evidence)
			}
			var lines []string
			for _, fx := range f.Fixes {
				lines = append(lines, fx.Lines...)
			}
			if !strings.Contains(strings.Join(lines, "\n"), "require_ssl_reuse=NO") || !strings.Contains(strings.Join(lines, "\n"), "session=self.sock.session") {
				t.Errorf("fixes lack vsftpd's setting or ftplib's workaround: %+v", f.Fixes)
			}
		})
	}
}

// TestRefusedPattern: the keyless form's wire pattern, on hand-made
// connections: who closed first, and whether data flowed.
func TestRefusedPattern(t *testing.T) {
	base := func() *capture.Conn {
		return &capture.Conn{TLS: &capture.TLSFacts{ClientSide: capture.SideInitiator, Completed: true, Resumption: "none",
			Server: &capture.ServerHello{Version: "TLS 1.2"}}}
	}
	tests := []struct {
		name string
		mod  func(c *capture.Conn)
		want bool
	}{
		{"server's alert first, no data", func(c *capture.Conn) {
			c.TLS.Alerts = []capture.TLSAlert{{PacketRef: capture.PacketRef{T: 1}, From: capture.SideResponder, Encrypted: true}, {PacketRef: capture.PacketRef{T: 1.1}, From: capture.SideInitiator, Encrypted: true}}
		}, true},
		{"client closed first", func(c *capture.Conn) { c.FINInitiator = &capture.PacketRef{T: 1} }, false},
		{"data from the server", func(c *capture.Conn) {
			c.TLS.AppRecordsFromServer = 1
			c.FINResponder = &capture.PacketRef{T: 1}
		}, false},
		{"TLS 1.3: data cannot be told from tickets", func(c *capture.Conn) {
			c.TLS.Server.Version = "TLS 1.3"
			c.FINResponder = &capture.PacketRef{T: 1}
		}, false},
		{"server's RST first", func(c *capture.Conn) {
			c.RSTs = []capture.RSTFact{{PacketRef: capture.PacketRef{T: 1}, From: capture.SideResponder}}
		}, true},
		{"active mode: the server initiated, the client (responder) closed", func(c *capture.Conn) {
			c.TLS.ClientSide = capture.SideResponder
			c.FINResponder = &capture.PacketRef{T: 1}
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mod(c)
			if got := refusedPattern(c); got != tc.want {
				t.Errorf("refusedPattern = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDataFlowed: a TLS 1.2 data connection whose records show
// application data either way (a download, an upload) was a transfer,
// so the keyless warning does not read it as a refusal; TLS 1.3 records
// never tell data from tickets.
func TestDataFlowed(t *testing.T) {
	tests := []struct {
		name           string
		version        string
		server, client int
		want           bool
	}{
		{"a listing or a download", "TLS 1.2", 3, 0, true},
		{"an upload: records from the client only", "TLS 1.2", 0, 5, true},
		{"no record either way", "TLS 1.2", 0, 0, false},
		{"TLS 1.3", "TLS 1.3", 3, 5, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &capture.Conn{TLS: &capture.TLSFacts{ClientSide: capture.SideInitiator, Completed: true, Resumption: "none",
				Server: &capture.ServerHello{Version: tc.version}, AppRecordsFromServer: tc.server, AppRecordsFromClient: tc.client}}
			if got := dataFlowed(c); got != tc.want {
				t.Errorf("dataFlowed = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestTLSSessionWireDataHandshakes: the probe's tls-session finding shows
// each TLS data connection's handshake as its capture shows it (resumed or
// not, what the ClientHello offered), and nothing without a capture.
func TestTLSSessionWireDataHandshakes(t *testing.T) {
	resumed := &capture.TLSFacts{ClientSide: capture.SideInitiator, Completed: true, Resumption: "session-id",
		Client: &capture.ClientHello{Versions: []string{"TLS 1.2"}, SessionIDLen: 32, SessionID: "c0c0c0c0c0c0"},
		Server: &capture.ServerHello{Version: "TLS 1.2", SessionIDLen: 32, SessionID: "c0c0c0c0c0c0", SessionIDEchoed: true}}
	tests := []struct {
		name string
		data *capture.TLSFacts
		want string // in the tls-session evidence; "" = no wire line
	}{
		{"resumed by session ID", resumed, "EPSV LIST data connection, on the wire: ClientHello offers TLS 1.2; offers to resume: session ID c0c0c0c0c0c0; ServerHello chooses TLS 1.2, resumed (session ID echoed)"},
		{"full handshake", dataHello("TLS 1.2", capture.ClientHello{}), "EPSV LIST data connection, on the wire: ClientHello offers TLS 1.2; offers to resume: nothing; ServerHello chooses TLS 1.2, full handshake, not resumed"},
		{"no capture", nil, ""},
		{"a capture without the handshake", &capture.TLSFacts{ClientSide: capture.SideInitiator, Unreadable: "a segment cut by the capture's snap length"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ev := reuseRun(rep(226, "226 Directory send OK."), tc.data)
			d := Diagnose(r, ev)
			f := find(d.Findings, "tls-session")
			if f == nil {
				t.Fatalf("no tls-session in %v", ids(d.Findings))
			}
			var wire []string
			for _, e := range f.Evidence {
				if strings.Contains(e.Text, "on the wire") {
					wire = append(wire, e.Text)
				}
			}
			switch {
			case tc.want == "" && len(wire) > 0:
				t.Errorf("wire lines without a handshake: %q", wire)
			case tc.want != "" && (len(wire) != 1 || wire[0] != tc.want):
				t.Errorf("wire lines %q, want %q", wire, tc.want)
			}
		})
	}
}

// TestResumeFixesEMS: a TLS 1.2 control handshake whose server did not
// take the client's extended_master_secret gets the Windows EMS fix; one
// that took it, or TLS 1.3, does not.
func TestResumeFixesEMS(t *testing.T) {
	vsftpd := rep(522, "522 SSL connection failed: session reuse required")
	for _, tc := range []struct {
		name           string
		version        string
		client, server bool
		want           bool
	}{
		{"TLS 1.2, server without EMS", "TLS 1.2", true, false, true},
		{"TLS 1.2, both EMS", "TLS 1.2", true, true, false},
		{"TLS 1.2, client without EMS", "TLS 1.2", false, false, false},
		{"TLS 1.3", "TLS 1.3", true, false, false},
		{"TLS 1.2, server without EMS, the client offered nothing", "TLS 1.2", true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The client offered the control session's ticket (refused).
			r, ev := reuseRun(vsftpd, dataHello(tc.version, capture.ClientHello{Ticket: true, TicketLen: 176, TicketHash: "7777aaaa7777", PSKIdentities: 1}))
			if strings.Contains(tc.name, "offered nothing") {
				d := ev.Conns[1].TLS.Client
				d.Ticket, d.TicketLen, d.TicketHash, d.PSKIdentities = false, 0, "", 0
			}
			c := ev.Conns[0].TLS
			c.Client.ExtendedMasterSecret, c.Server.ExtendedMasterSecret, c.Server.Version = tc.client, tc.server, tc.version
			f := find(Diagnose(r, ev).Findings, "data-tls-not-resumed")
			if f == nil {
				t.Fatal("no data-tls-not-resumed")
			}
			got := false
			for _, fx := range f.Fixes {
				got = got || strings.Contains(fx.Text, "extended_master_secret")
			}
			if got != tc.want {
				t.Errorf("EMS fix %v, want %v: %+v", got, tc.want, f.Fixes)
			}
		})
	}
}
