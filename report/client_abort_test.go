package report

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/probe"
)

// abortedRetr is a session whose RETR over PASV the client interrupts with
// abor (its line as sent) at abortAt seconds after the 150, the data
// connection having carried chunks of 1400 bytes by then (the last one at
// lastData after the 150; none when chunks is 0); dataConn false: the
// capture is filtered to the control port.
func abortedRetr(cp *crafted, abor string, chunks int, lastData, abortAt float64, dataConn bool) {
	c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
	c.open(0)
	at := c.login(0.01)
	c.pasv(at, "192.0.2.10", 50001)
	var d *craftedConn
	if dataConn {
		d = cp.conn("198.51.100.20:43001", "192.0.2.10:50001", 9)
		d.open(at + 0.15)
	}
	c.cmd(at+0.2, "RETR big.iso")
	c.reply(at+0.3, "150 Opening BINARY mode data connection for big.iso (104857600 bytes).")
	for i := range chunks {
		if d != nil {
			d.send(at+0.3+lastData*float64(i+1)/float64(chunks), false, strings.Repeat("x", 1400))
		}
	}
	at += 0.3 + abortAt
	c.send(at, true, abor+"\r\n")
	if d != nil {
		cp.emit(at+0.01, d.b, d.a, d.sb, d.sa, cRST|cACK, nil)
	}
	c.reply(at+0.02, "426 Failure writing network stream.")
	c.reply(at+0.03, "226 Abort successful")
	c.close(c.quit(at + 0.5))
}

// TestClientAbort: a transfer the client interrupts with ABOR (a user
// cancelling a download) is the client's choice: the server's 426 is no
// failure of the data connection. Data moved: the mode works, the transfer
// aborted. None yet, soon after the 150, or no data connection in the
// capture: given up, said so, no finding. After a stall, the stall is
// still the wire's evidence.
func TestClientAbort(t *testing.T) {
	telnet := "\xff\xf4\xff\xf2ABOR" // IAC IP, IAC DM: tnftp, inetutils ftp
	tests := []struct {
		name     string
		abor     string
		chunks   int
		lastData float64
		abortAt  float64
		dataConn bool
		works    bool   // the mode works, its transfer aborted
		unseen   string // capture-incomplete says it; "" = no such finding
		errorID  string // the one error finding; "" = none
	}{
		{"cancelled download", "ABOR", 20, 0.1, 0.2, true, true, "", ""},
		{"cancelled download, Telnet IP and Synch first", telnet, 20, 0.1, 0.2, true, true, "", ""},
		{"cancelled before any data", "ABOR", 0, 0, 2, true, false, "the client interrupted RETR (ABOR) 2.1 s after it, before any data", ""},
		{"filtered to the control port", "ABOR", 20, 0.1, 30, false, false, "holds no data connection of it", ""},
		{"cancelled after 40 s without data", "ABOR", 0, 0, 40, true, false, "", "transfer-no-data"},
		{"cancelled after a 30 s stall", "ABOR", 20, 0.1, 30, true, false, "", "data-connection-failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cp := &crafted{t: t}
			abortedRetr(cp, tc.abor, tc.chunks, tc.lastData, tc.abortAt, tc.dataConn)
			cd, js := wholeJSON(t, cp.pcap())
			if len(cd.Sessions) != 1 {
				t.Fatalf("%d sessions, want 1", len(cd.Sessions))
			}
			d := cd.Sessions[0]
			checkClientEnd(t, d, js, tc.errorID, tc.unseen)
			if !tc.works {
				return
			}
			if len(d.Matrix) != 1 || !d.Matrix[0].Works {
				t.Fatalf("matrix %+v, want PASV working", d.Matrix)
			}
			tr := d.Probe.Modes[0].List
			if !tr.Aborted || tr.Step.Outcome != probe.OutcomeOK || tr.Final == nil || tr.Final.Code != 426 {
				t.Errorf("transfer %+v, want ok, aborted, final 426", tr)
			}
			var ladder []string
			for _, e := range d.Ladders[0].Events {
				ladder = append(ladder, e.Label)
			}
			if l := strings.Join(ladder, "\n"); !strings.Contains(l, "ABOR") || !strings.Contains(l, "RETR data: 28000 bytes, ok, aborted") {
				t.Errorf("the ladder does not show the ABOR and the aborted transfer:\n%s", l)
			}
		})
	}
}

// stoppedRetr is a session whose RETR over PASV ends with the data
// connection's end at 0.5 s after the command, by ender ("client FIN",
// "client RST", "server RST") after 20 chunks of data, then the server's
// answer: its 426, or, like Pure-FTPd, a second 150 line and no final
// reply.
func stoppedRetr(cp *crafted, ender, answer string) {
	c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
	c.open(0)
	at := c.login(0.01)
	c.pasv(at, "192.0.2.10", 50001)
	d := cp.conn("198.51.100.20:43001", "192.0.2.10:50001", 9)
	d.open(at + 0.15)
	c.cmd(at+0.2, "RETR big.iso")
	c.reply(at+0.3, "150 Opening BINARY mode data connection for big.iso (104857600 bytes).")
	for i := range 20 {
		d.send(at+0.3+0.005*float64(i+1), false, strings.Repeat("x", 1400))
	}
	at += 0.7
	switch ender {
	case "client FIN":
		d.close(at)
	case "client RST":
		cp.emit(at, d.a, d.b, d.sa, d.sb, cRST|cACK, nil)
	case "server RST":
		cp.emit(at, d.b, d.a, d.sb, d.sa, cRST|cACK, nil)
	}
	c.reply(at+0.02, answer)
	c.close(c.quit(at + 0.5))
}

// TestClientStoppedReading: a client that stops reading a download closes
// its data connection without ABOR (curl reading a range, a pipe closed);
// the server's 426 is then the client's doing, and so is the final reply
// Pure-FTPd never sends (a second 150 line instead, then QUIT's 221). Its
// FIN, or its RST seen at the client, make the mode work, the transfer
// aborted; its RST seen elsewhere may be a device's in its name: said, no
// finding. The server's own RST stays a failure.
func TestClientStoppedReading(t *testing.T) {
	const (
		fail426 = "426 Failure writing network stream."
		pure150 = "150 0.020 seconds (measured here), 25.63 Mbytes per second"
	)
	tests := []struct {
		name, ender, answer string
		atClient            bool
		works               bool
		unseen              string
		errorID             string
	}{
		{"client FIN, seen in the middle", "client FIN", fail426, false, true, "", ""},
		{"client RST, seen at the client", "client RST", fail426, true, true, "", ""},
		{"client RST, seen in the middle", "client RST", fail426, false, false, "the client's side reset the data connection (RST)", ""},
		{"server RST", "server RST", fail426, false, false, "", "data-connection-failed"},
		{"client FIN, no final reply", "client FIN", pure150, false, true, "", ""},
		{"client RST, seen at the client, no final reply", "client RST", pure150, true, true, "", ""},
		{"client RST, seen in the middle, no final reply", "client RST", pure150, false, false, "the client's side reset the data connection (RST)", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cp := &crafted{t: t}
			if tc.atClient {
				cp.ttls = map[netip.Addr]uint8{netip.MustParseAddr("198.51.100.20"): 64}
			}
			stoppedRetr(cp, tc.ender, tc.answer)
			cd, js := wholeJSON(t, cp.pcap())
			d := cd.Sessions[0]
			if tc.atClient && d.Session.Vantage != "client" {
				t.Fatalf("vantage %s, want client", d.Session.Vantage)
			}
			checkClientEnd(t, d, js, tc.errorID, tc.unseen)
			if !tc.works {
				return
			}
			if len(d.Probe.Modes) != 1 {
				t.Fatalf("%d modes rebuilt, want 1", len(d.Probe.Modes))
			}
			tr := d.Probe.Modes[0].List
			if len(d.Matrix) != 1 || !d.Matrix[0].Works || !tr.Aborted || tr.Step.Outcome != probe.OutcomeOK {
				t.Errorf("matrix %+v, transfer %+v: want PASV working, its transfer ok and aborted", d.Matrix, tr)
			}
		})
	}
}

// checkClientEnd checks a session's error findings (errorID: the ids,
// space-separated, "" for none) and its capture-incomplete (unseen: a text
// the report says; "" for no such finding).
func checkClientEnd(t *testing.T, d *Diagnosis, js []byte, errorID, unseen string) {
	t.Helper()
	var errs []string
	for _, f := range d.Findings {
		if f.Severity == SeverityError {
			errs = append(errs, f.ID)
		}
	}
	if want := strings.Fields(errorID); strings.Join(errs, " ") != strings.Join(want, " ") {
		t.Errorf("errors %v, want %v", errs, want)
	}
	f := find(d.Findings, "capture-incomplete")
	switch {
	case unseen == "" && f != nil:
		t.Errorf("unexpected capture-incomplete: %s", f.Explanation)
	case unseen != "" && (f == nil || !strings.Contains(string(js), unseen)):
		t.Errorf("no capture-incomplete saying %q: %v\n%.3000s", unseen, ids(d.Findings), js)
	}
}
