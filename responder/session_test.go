package responder

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// TestChallenge: nothing but login is served before the challenge is
// answered; a wrong answer is refused, three end the session.
func TestChallenge(t *testing.T) {
	ap, _, _ := start(t, Config{})
	tests := []struct {
		name    string
		answers []string // SITE FTPDIAG AUTH answers ("" = the right one)
		want    []int
		closed  bool
	}{
		{"no answer", nil, nil, false},
		{"right answer", []string{""}, []int{200}, false},
		{"wrong answer", []string{"00ff"}, []int{535}, false},
		{"not hex", []string{"zz"}, []int{535}, false},
		{"wrong three times", []string{"00", "01", "02"}, []int{535, 535, 421}, true},
		{"answer for another secret", []string{"other"}, []int{535}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, ap)
			nonce := c.nonce()
			for i, a := range tt.answers {
				switch a {
				case "":
					a = ftp.ResponderAnswer(testSecret, nonce)
				case "other":
					a = ftp.ResponderAnswer([]byte("another secret of 16+ bytes"), nonce)
				}
				if rep := c.cmd("SITE FTPDIAG AUTH " + a); rep.Code != tt.want[i] {
					t.Fatalf("answer %d: got %q, want %d", i, rep.Text(), tt.want[i])
				}
			}
			if tt.closed {
				if !c.closed() {
					t.Fatal("session not closed after three wrong answers")
				}
				return
			}
			c.cmd("USER anonymous")
			if rep := c.cmd("PASS x"); rep.Code != 230 {
				t.Fatalf("login refused before the challenge: %q", rep.Text())
			}
			authed := len(tt.answers) == 1 && tt.want[0] == 200
			for _, cmd := range []string{"PASV", "EPSV", "PORT 127,0,0,1,4,1", "LIST", "RETR ftpdiag-4k.bin", "SITE FTPDIAG REPORT", "CWD /"} {
				rep := c.cmd(cmd)
				if got := rep.Code == 530; got == authed {
					t.Errorf("%s: got %q (authenticated %t)", cmd, rep.Text(), authed)
				}
				if cmd == "LIST" && authed && rep.Code == 150 {
					c.read()
				}
			}
		})
	}
}

// TestOpenNeedsNoAnswer: --open serves everything without the challenge.
func TestOpenNeedsNoAnswer(t *testing.T) {
	ap, _, _ := start(t, Config{Open: true})
	c := dial(t, ap)
	c.login(nil)
	if rep := c.cmd("EPSV"); rep.Code != 229 {
		t.Fatalf("EPSV: %q", rep.Text())
	}
	if r := c.record(); !r.Authenticated {
		t.Fatal("open responder: record not authenticated")
	}
}

// TestNewRefusesWithoutSecret: a responder is open only when asked.
func TestNewRefusesWithoutSecret(t *testing.T) {
	for _, cfg := range []Config{{}, {Secret: []byte("short")}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// TestCallbackElsewhereRefused: a hostile client cannot make the
// responder connect to any host but the control connection's source, nor
// to a privileged port; each refusal is recorded and nothing is dialled.
func TestCallbackElsewhereRefused(t *testing.T) {
	// A listener on another loopback address stands for the third host.
	victim, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this host: %v", err)
	}
	defer victim.Close()
	vp := addrPortOf(victim.Addr())
	ap, _, stop := start(t, Config{})
	c := dial(t, ap)
	c.login(testSecret)
	vport, _ := ftp.FormatPORT(vp)
	cmds := []string{
		"PORT " + vport,
		"EPRT " + ftp.FormatEPRT(vp),
		"EPRT |2|::1|" + fmt.Sprint(vp.Port()) + "|",
		"PORT 127,0,0,1,0,22",
		"EPRT |1|127.0.0.1|25|",
	}
	for _, cmd := range cmds {
		if rep := c.cmd(cmd); rep.Code != 500 || !strings.Contains(rep.Text(), "Illegal") {
			t.Errorf("%s: got %q, want 500 Illegal", cmd, rep.Text())
		}
		if rep := c.cmd("LIST"); rep.Code != 425 {
			t.Errorf("LIST after refused %s: got %q, want 425", cmd, rep.Text())
		}
	}
	r := c.record()
	if len(r.Data) != len(cmds) {
		t.Fatalf("record holds %d data attempts, want %d: %+v", len(r.Data), len(cmds), r.Data)
	}
	for i, d := range r.Data {
		if !strings.HasPrefix(d.Outcome, "refused: ") || d.Conn != nil {
			t.Errorf("data %d: %+v, want refused without a connection", i, d)
		}
		if got := r.Commands[2*i+4]; got.Line != cmds[i] || got.Reply != 500 || got.Note == "" {
			t.Errorf("command %d recorded as %+v", i, got)
		}
	}
	stop()
	if tl, ok := victim.(*net.TCPListener); ok {
		_ = tl.SetDeadline(time.Now()) // nothing may be queued: accept now or never
	}
	if vc, err := victim.Accept(); err == nil {
		vc.Close()
		t.Fatal("the responder connected to a third host")
	}
}

// TestLineLimits: an oversized line ends the session with 500; a client
// that stops mid-line is cut at the idle timeout with 421.
func TestLineLimits(t *testing.T) {
	ap, log, stop := start(t, Config{IdleTimeout: 300 * time.Millisecond})
	tests := []struct {
		name, send string
		want       int
	}{
		{"oversized", "NOOP " + strings.Repeat("x", maxLineBytes+10), 500},
		{"oversized without newline", strings.Repeat("y", 4*maxLineBytes), 500},
		{"slow client", "NOO", 421},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, ap)
			if _, err := c.conn.Write([]byte(tt.send)); err != nil {
				t.Fatal(err)
			}
			c.expect(tt.want)
			if !c.closed() {
				t.Fatal("session not closed")
			}
		})
	}
	stop()
	for _, want := range []string{`end="line too long"`, `end="idle timeout"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log.String())
		}
	}
}

// TestRecordWhatArrived: the record holds the control and data
// connections' source addresses and every command byte for byte.
func TestRecordWhatArrived(t *testing.T) {
	ap, log, stop := start(t, Config{})
	c := dial(t, ap)
	c.login(testSecret)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lp := addrPortOf(ln.Addr())
	arg := fmt.Sprintf("127,0,0,1, %d,%d", lp.Port()>>8, lp.Port()&0xff) // odd spacing kept as sent
	if rep := c.cmd("PORT " + arg); rep.Code != 200 {
		t.Fatalf("PORT: %q", rep.Text())
	}
	accepted := make(chan netip.AddrPort, 1)
	go func() {
		dc, err := ln.Accept()
		if err != nil {
			accepted <- netip.AddrPort{}
			return
		}
		accepted <- addrPortOf(dc.RemoteAddr())
		buf := make([]byte, 4096)
		for {
			if _, err := dc.Read(buf); err != nil {
				dc.Close()
				return
			}
		}
	}()
	c.cmd("LIST") // 150
	c.expect(226)
	from := <-accepted
	pasv := c.cmd("PASV")
	pa, err := ftp.ParsePASV(pasv.Text())
	if err != nil {
		t.Fatal(err)
	}
	dc, err := net.Dial("tcp", pa.String())
	if err != nil {
		t.Fatal(err)
	}
	c.cmd("RETR ftpdiag-4k.bin")
	buf := make([]byte, 8192)
	n := 0
	for {
		k, err := dc.Read(buf[n:])
		n += k
		if err != nil {
			break
		}
	}
	dc.Close()
	c.expect(226)
	if n != 4<<10 {
		t.Errorf("RETR gave %d bytes, want 4096", n)
	}
	r := c.record()
	if r.Control.Remote != c.conn.LocalAddr().String() {
		t.Errorf("control remote %s, want %s", r.Control.Remote, c.conn.LocalAddr())
	}
	if got := r.Commands[4]; got.Line != "PORT "+arg || got.Reply != 200 {
		t.Errorf("PORT recorded as %+v", got)
	}
	if r.Commands[1].Line != "SITE FTPDIAG AUTH ****" || r.Commands[3].Line != "PASS ****" {
		t.Errorf("secrets not masked: %+v", r.Commands[:4])
	}
	if len(r.Data) != 2 || r.Data[0].Conn == nil || r.Data[1].Conn == nil {
		t.Fatalf("data record: %+v", r.Data)
	}
	if r.Data[0].Conn.Local != from.String() || r.Data[0].Requested != lp.String() {
		t.Errorf("active record %+v, callback came from %s to %s", r.Data[0], from, lp)
	}
	if r.Data[1].Conn.Remote != dc.LocalAddr().String() || r.Data[1].Announced != "227 "+pasv.Text()[4:] {
		t.Errorf("passive record %+v, dialled from %s, announced %q", r.Data[1], dc.LocalAddr(), pasv.Text())
	}
	want20 := map[string]bool{"bound": from.Port() == 20, "not permitted": from.Port() != 20}
	if !want20[r.Port20] {
		t.Errorf("port20 %q with a callback from %s", r.Port20, from)
	}
	c.cmd("QUIT")
	stop()
	if lines := strings.Count(log.String(), "\n"); lines != 1 || !strings.Contains(log.String(), `end="quit"`) {
		t.Errorf("want one log line for the session, got:\n%s", log.String())
	}
}

// TestLetterCopy: each 227/229 carries a letter copy that decodes to the
// announcement.
func TestLetterCopy(t *testing.T) {
	ap, _, _ := start(t, Config{Open: true})
	c := dial(t, ap)
	c.login(nil)
	for _, verb := range []string{"PASV", "EPSV"} {
		rep := c.cmd(verb)
		cp, ok := ftp.LetterCopy(rep.Text())
		if !ok {
			t.Fatalf("%s: no copy in %q", verb, rep.Text())
		}
		var want string
		if verb == "PASV" {
			pa, err := ftp.ParsePASV(rep.Text())
			if err != nil {
				t.Fatal(err)
			}
			want, _ = ftp.FormatPORT(pa)
		} else {
			port, err := ftp.ParseEPSV(rep.Text())
			if err != nil {
				t.Fatal(err)
			}
			want = fmt.Sprintf("|||%d|", port)
		}
		if cp != want {
			t.Errorf("%s: copy %q, announcement %q", verb, cp, want)
		}
		if strings.ContainsAny(rep.Text()[strings.Index(rep.Text(), ftp.CopyMarker):], "0123456789") {
			t.Errorf("%s: the copy has digits: %q", verb, rep.Text())
		}
	}
}

// TestRecordBounded: however many commands, the REPORT line stays within
// maxRecordBytes and says it was truncated.
func TestRecordBounded(t *testing.T) {
	ap, _, _ := start(t, Config{Open: true})
	c := dial(t, ap)
	c.login(nil)
	for i := 0; i < maxRecordCommands+10; i++ {
		c.cmd("NOOP " + strings.Repeat("\x01", maxLineBytes-10))
	}
	rep := c.cmd("SITE FTPDIAG REPORT")
	if len(rep.Lines[0]) > maxRecordBytes+4 {
		t.Errorf("REPORT line is %d bytes", len(rep.Lines[0]))
	}
	if !strings.Contains(rep.Lines[0], `"truncated":true`) {
		t.Errorf("REPORT does not say it was truncated")
	}
}

// TestTooManyCommands: a session ends after maxCommands.
func TestTooManyCommands(t *testing.T) {
	ap, _, _ := start(t, Config{Open: true})
	c := dial(t, ap)
	for i := 0; i < maxCommands; i++ {
		c.cmd("NOOP")
	}
	c.expect(421)
}

// TestPipelinedAfterAuthTLS: commands sent behind AUTH TLS before the
// handshake are refused and end the session (STARTTLS injection).
func TestPipelinedAfterAuthTLS(t *testing.T) {
	ap, _, _ := start(t, Config{Open: true, TLS: testTLS(t)})
	c := dial(t, ap)
	c.send("AUTH TLS\r\nUSER evil")
	c.expect(503)
	if !c.closed() {
		t.Fatal("session not closed")
	}
}
