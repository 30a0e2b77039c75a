package report

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/responder"
)

// alg is a control-connection relay on loopback that rewrites lines as an
// FTP ALG would: up (client to server) and down (server to client).
type alg struct {
	up, down func(string) string
}

// serveALG relays every connection to target through a.
func serveALG(t *testing.T, target netip.AddrPort, a alg) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target.String())
			if err != nil {
				c.Close()
				continue
			}
			go relayLines(c, s, a.up)
			go relayLines(s, c, a.down)
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

func relayLines(from, to net.Conn, rewrite func(string) string) {
	defer to.Close()
	defer from.Close()
	r := bufio.NewReader(from)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			if _, werr := io.WriteString(to, rewrite(line)); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func same(s string) string { return s }

// probeResponder runs the probe in plain text against an open responder
// reached through a.
func probeResponder(t *testing.T, a alg) *Diagnosis {
	t.Helper()
	return probeResponderWith(t, a, responder.Config{Open: true}, nil)
}

func probeResponderWith(t *testing.T, a alg, cfg responder.Config, secret []byte) *Diagnosis {
	t.Helper()
	cfg.DataTimeout = 2 * time.Second
	cfg.LocalCallbacks = true // the probe runs on this host (loopback)
	srv, err := responder.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, false) }()
	defer func() { cancel(); <-done }()
	via := serveALG(t, ln.Addr().(*net.TCPAddr).AddrPort(), a)
	tg, _, err := probe.ParseTarget("ftp://" + via.String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	if err := probe.ResolvePassword(&tg, probe.Credentials{Env: func(string) (string, bool) { return "", false }}); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	res, err := probe.Run(rctx, tg, probe.Options{ConnectTimeout: 2 * time.Second, DataTimeout: 2 * time.Second,
		ReplyTimeout: 2 * time.Second, PasvSamples: -1, TLS: probe.TLSOptions{Mode: probe.TLSOff}, ResponderSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return Diagnose(res, nil)
}

// TestOutsideThroughALG: the probe against a responder, straight and
// through a relay that rewrites PORT/EPRT (as sent) or 227 replies (as
// received): each rewrite is found from the two sides' records, and only
// then.
func TestOutsideThroughALG(t *testing.T) {
	tests := []struct {
		name    string
		alg     alg
		want    []string
		absent  []string
		exitErr bool
	}{
		{"straight", alg{same, same}, nil, []string{"alg-rewrote-port", "alg-rewrote-pasv", "client-behind-nat", "snat-multiple-addresses"}, false},
		{"PORT rewritten", alg{up: func(l string) string {
			if strings.HasPrefix(l, "PORT ") {
				return strings.ReplaceAll(l, ",", ", ")
			}
			return l
		}, down: same}, []string{"alg-rewrote-port"}, []string{"alg-rewrote-pasv", "client-behind-nat"}, false},
		{"227 rewritten", alg{up: same, down: func(l string) string {
			if strings.HasPrefix(l, "227 ") {
				return strings.Replace(l, "(127,0,0,1,", "(127,0,0,3,", 1)
			}
			return l
		}}, []string{"alg-rewrote-pasv"}, []string{"alg-rewrote-port", "client-behind-nat"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := probeResponder(t, tt.alg)
			ids := map[string]bool{}
			for _, f := range d.Findings {
				ids[f.ID] = true
			}
			for _, id := range tt.want {
				if !ids[id] {
					t.Errorf("missing %s in %v", id, ids)
				}
			}
			for _, id := range tt.absent {
				if ids[id] {
					t.Errorf("unexpected %s", id)
				}
			}
			if d.Outside == nil || len(d.Outside.Connections) != 4 {
				t.Fatalf("outside section %+v", d.Outside)
			}
			for _, c := range d.Outside.Connections {
				if c.ControlSeen == "" || c.Error != "" {
					t.Errorf("%s: %+v", c.Mode, c)
				}
			}
			if err := d.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			checkRoundTrip(t, d)
			for f, heading := range map[Format]string{FormatText: "SEEN FROM OUTSIDE", FormatMarkdown: "## Seen from outside", FormatHTML: "<h2>Seen from outside</h2>", FormatJSON: `"outside": {`} {
				var b strings.Builder
				if err := Render(&b, d, f, RenderOptions{}); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(b.String(), heading) || !strings.Contains(b.String(), d.Outside.Connections[0].ControlSeen) {
					t.Errorf("%s report lacks the section:\n%s", f, b.String())
				}
				if testing.Verbose() && f == FormatText {
					t.Log(b.String())
				}
			}
		})
	}
}

// recordView is a responder view whose record saw the control connection
// from control and passive data connections from data.
func recordView(control string, data ...string) *probe.ResponderView {
	rec := &ftp.ResponderRecord{Control: ftp.ResponderConn{Remote: control}}
	for _, d := range data {
		rec.Data = append(rec.Data, ftp.ResponderData{Command: "EPSV", Conn: &ftp.ResponderConn{Remote: d}, Outcome: "connected"})
	}
	return &probe.ResponderView{Version: "test", Challenge: probe.ChallengeAnswered, Record: rec}
}

// TestOutsideAddresses: NAT and SNAT pools from the records' addresses.
func TestOutsideAddresses(t *testing.T) {
	tests := []struct {
		name  string
		local string
		views []*probe.ResponderView
		want  map[string]bool
		// nothingRead: the probe's passive transfers read no byte (a third
		// party may have taken the responder's one connection).
		nothingRead bool
	}{
		{"same address", "192.0.2.5:40000", []*probe.ResponderView{recordView("192.0.2.5:40000", "192.0.2.5:40001")},
			map[string]bool{"client-behind-nat": false, "snat-multiple-addresses": false}, false},
		{"NAT, one address", "192.168.1.5:40000", []*probe.ResponderView{recordView("203.0.113.2:61000", "203.0.113.2:61001"), recordView("203.0.113.2:61002")},
			map[string]bool{"client-behind-nat": true, "snat-multiple-addresses": false}, false},
		{"NAT, data from another address", "192.168.1.5:40000", []*probe.ResponderView{recordView("203.0.113.2:61000", "203.0.113.3:61001")},
			map[string]bool{"client-behind-nat": true, "snat-multiple-addresses": true}, false},
		{"NAT, control connections from two addresses", "192.168.1.5:40000", []*probe.ResponderView{recordView("203.0.113.2:61000"), recordView("203.0.113.9:61000")},
			map[string]bool{"client-behind-nat": true, "snat-multiple-addresses": true}, false},
		{"no record", "192.168.1.5:40000", []*probe.ResponderView{{Version: "test", Challenge: probe.ChallengeRefused}},
			map[string]bool{"client-behind-nat": false, "snat-multiple-addresses": false}, false},
		{"data from another address, but not the probe's data", "192.168.1.5:40000", []*probe.ResponderView{recordView("203.0.113.2:61000", "198.51.100.66:50000")},
			map[string]bool{"client-behind-nat": true, "snat-multiple-addresses": false}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &probe.Result{}
			for i, v := range tt.views {
				mr := probe.ModeResult{Mode: probe.AllModes[i], Applicable: true, ControlLocal: tt.local, Responder: v}
				mr.ListData.Connect = probe.Step{Outcome: probe.OutcomeOK}
				mr.List = probe.Transfer{Step: probe.Step{Outcome: probe.OutcomeOK}, Bytes: 120}
				if tt.nothingRead {
					mr.List.Bytes = 0
				}
				r.Modes = append(r.Modes, mr)
			}
			in := newInput(r, nil)
			got := map[string]bool{}
			for _, rl := range []rule{ruleClientBehindNAT, ruleSNATMultipleAddresses} {
				for _, f := range rl(in) {
					got[f.ID] = true
				}
			}
			for id, want := range tt.want {
				if got[id] != want {
					t.Errorf("%s: got %t, want %t", id, got[id], want)
				}
			}
		})
	}
}

// TestResponderChallengeFailed: a responder probed without its secret, or
// with a wrong one, is reported as such, not as a network failure; with
// it, every mode works.
func TestResponderChallengeFailed(t *testing.T) {
	secret := []byte("0123456789abcdef0123")
	tests := []struct {
		name   string
		secret []byte
		failed bool
	}{
		{"no secret", nil, true},
		{"wrong secret", []byte("another secret, 16+ bytes"), true},
		{"right secret", secret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := probeResponderWith(t, alg{same, same}, responder.Config{Secret: secret}, tt.secret)
			var ids []string
			for _, f := range d.Findings {
				ids = append(ids, f.ID)
			}
			got := strings.Join(ids, " ")
			if tt.failed != strings.Contains(got, "responder-challenge-failed") || strings.Contains(got, "data-connection-failed") {
				t.Errorf("findings %s", got)
			}
			if tt.failed && !strings.Contains(d.Verdict, "secret") {
				t.Errorf("verdict %q does not name the secret", d.Verdict)
			}
			if !tt.failed && d.ExitCode() != 0 {
				t.Errorf("exit %d with the right secret: %s", d.ExitCode(), got)
			}
		})
	}
}

// checkRoundTrip: the report read back from its JSON (ftpdiag render)
// validates and renders the section as the original does.
func checkRoundTrip(t *testing.T, d *Diagnosis) {
	t.Helper()
	var js strings.Builder
	if err := Render(&js, d, FormatJSON, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	var back Diagnosis
	if err := json.Unmarshal([]byte(js.String()), &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Fatalf("read back: %v", err)
	}
	var a, b strings.Builder
	if err := Render(&a, d, FormatMarkdown, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Render(&b, &back, FormatMarkdown, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("markdown differs once read back from JSON")
	}
}
