package responder

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// callbackListener listens on 127.0.0.1 for the responder's callbacks and
// returns the lines they carried: lines(n) waits (5 s at most) for n of
// them, then closes the listener. A callback the responder reported
// connected may still sit in the listen backlog when its reply arrives:
// closing the listener then would drop it.
func callbackListener(t *testing.T) (net.Listener, func(n int) []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			got <- strings.TrimSpace(line) + " from " + c.RemoteAddr().String()
		}
	}()
	return ln, func(n int) []string {
		var out []string
		deadline := time.After(5 * time.Second)
	wait:
		for len(out) < n {
			select {
			case l := <-got:
				out = append(out, l)
			case <-deadline:
				break wait
			}
		}
		ln.Close()
		<-done
		close(got)
		for l := range got {
			out = append(out, l)
		}
		return out
	}
}

// TestCallback: after a PORT/EPRT naming the client's own address the
// responder calls back once per kind, from port 20 when it may bind it
// (root here; else it says it did not test it), and writes its line; the
// record holds both callbacks.
func TestCallback(t *testing.T) {
	for _, verb := range []string{"PORT", "EPRT"} {
		t.Run(verb, func(t *testing.T) {
			ap, _, _ := start(t, Config{})
			c := dial(t, ap)
			c.login(testSecret)
			nonce := c.nonce()
			ln, lines := callbackListener(t)
			lap := addrPortOf(ln.Addr())
			arg := ftp.FormatEPRT(lap)
			if verb == "PORT" {
				arg, _ = ftp.FormatPORT(lap)
			}
			var replies []string
			for _, kind := range ftp.CallbackKinds {
				if rep := c.cmd(verb + " " + arg); rep.Code != 200 {
					t.Fatalf("%s: %q", verb, rep.Text())
				}
				rep := c.cmd("SITE FTPDIAG CALLBACK " + kind + " 2")
				if rep.Code != 200 {
					t.Fatalf("CALLBACK %s: %q", kind, rep.Text())
				}
				replies = append(replies, rep.Text())
			}
			r := c.record()
			root := os.Geteuid() == 0
			want := 1
			if root {
				want = 2
			}
			got := lines(want)
			if len(r.Callbacks) != 2 {
				t.Fatalf("record callbacks %+v", r.Callbacks)
			}
			want20 := ftp.CallbackNotTested + ": port 20 not permitted"
			if root {
				want20 = ftp.CallbackConnected
			}
			if cb := r.Callbacks[0]; cb.Kind != ftp.CallbackPort20 || cb.Outcome != want20 || cb.To != lap.String() {
				t.Errorf("port 20 callback %+v, want %q to %s", cb, want20, lap)
			}
			if cb := r.Callbacks[1]; cb.Kind != ftp.CallbackEphemeral || cb.Outcome != ftp.CallbackConnected || strings.HasSuffix(cb.From, ":20") {
				t.Errorf("ephemeral callback %+v", cb)
			}
			wantLines := []string{ftp.CallbackLine(ftp.CallbackEphemeral, nonce)}
			if root {
				wantLines = []string{ftp.CallbackLine(ftp.CallbackPort20, nonce) + " from 127.0.0.1:20", wantLines[0]}
			}
			if len(got) != len(wantLines) {
				t.Fatalf("callbacks carried %q, want %q (replies %q)", got, wantLines, replies)
			}
			for i, w := range wantLines {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("callback %d carried %q, want %q", i, got[i], w)
				}
			}
		})
	}
}

// TestCallbackRefusedPort: nothing listens at the PORT: the responder
// says the callback was refused.
func TestCallbackRefusedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lap := addrPortOf(ln.Addr())
	ln.Close()
	ap, _, _ := start(t, Config{})
	c := dial(t, ap)
	c.login(testSecret)
	c.cmd("EPRT " + ftp.FormatEPRT(lap))
	rep := c.cmd("SITE FTPDIAG CALLBACK ephemeral 2")
	if rep.Code != 200 || !strings.Contains(rep.Text(), ": refused.") {
		t.Errorf("got %q, want 200 ... refused", rep.Text())
	}
	if r := c.record(); len(r.Callbacks) != 1 || r.Callbacks[0].Outcome != ftp.CallbackRefused {
		t.Errorf("record %+v", r.Callbacks)
	}
}

// TestCallbackGuards: no callback before the challenge, without an
// accepted PORT/EPRT (one naming a third host is refused and leaves none),
// twice of a kind, beyond the per-address rate, or with bad arguments; and
// nothing ever reaches the third host.
func TestCallbackGuards(t *testing.T) {
	victim, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this host: %v", err)
	}
	defer victim.Close()
	vp := addrPortOf(victim.Addr())
	ap, _, stop := start(t, Config{CallbacksPerMinute: 2})
	own, lines := callbackListener(t)
	op := addrPortOf(own.Addr())

	c := dial(t, ap)
	if rep := c.cmd("SITE FTPDIAG CALLBACK ephemeral 1"); rep.Code != 530 {
		t.Errorf("before the challenge: %q, want 530", rep.Text())
	}
	c.login(testSecret)
	steps := []struct {
		line string
		code int
	}{
		{"SITE FTPDIAG CALLBACK ephemeral 1", 503},
		{"EPRT " + ftp.FormatEPRT(vp), 500},
		{"SITE FTPDIAG CALLBACK ephemeral 1", 503},
		{"SITE FTPDIAG CALLBACK", 501},
		{"SITE FTPDIAG CALLBACK sideways 1", 501},
		{"SITE FTPDIAG CALLBACK ephemeral 0", 501},
		{fmt.Sprintf("SITE FTPDIAG CALLBACK ephemeral %d", ftp.MaxCallbackSeconds+1), 501},
		{"EPRT " + ftp.FormatEPRT(op), 200},
		{"SITE FTPDIAG CALLBACK ephemeral 1", 200},
		{"EPRT " + ftp.FormatEPRT(op), 200},
		{"SITE FTPDIAG CALLBACK ephemeral 1", 503},
	}
	for _, s := range steps {
		if rep := c.cmd(s.line); rep.Code != s.code {
			t.Errorf("%s: %q, want %d", s.line, rep.Text(), s.code)
		}
	}
	// The rate: two callbacks a minute to this address, one used above.
	c2 := dial(t, ap)
	c2.login(testSecret)
	for i, want := range []int{200, 450} {
		kind := ftp.CallbackKinds[1-i]
		c2.cmd("EPRT " + ftp.FormatEPRT(op))
		if rep := c2.cmd("SITE FTPDIAG CALLBACK " + kind + " 1"); rep.Code != want {
			t.Errorf("callback %d of the minute: %q, want %d", i+2, rep.Text(), want)
		}
	}
	stop()
	lines(0)
	if tl, ok := victim.(*net.TCPListener); ok {
		_ = tl.SetDeadline(time.Now())
	}
	if vc, err := victim.Accept(); err == nil {
		vc.Close()
		t.Fatal("the responder connected to a third host")
	}
}

// TestCallbackToThisHostRefused: a control connection from this host
// (here loopback) gets no callback unless LocalCallbacks: PORT and EPRT
// are refused as a third host's would be, and the record says why.
func TestCallbackToThisHostRefused(t *testing.T) {
	for _, verb := range []string{"PORT", "EPRT"} {
		t.Run(verb, func(t *testing.T) {
			// ownAddr set: start leaves LocalCallbacks off.
			ap, _, _ := start(t, Config{ownAddr: func(netip.Addr) bool { return false }})
			c := dial(t, ap)
			c.login(testSecret)
			ln, _ := callbackListener(t)
			lap := addrPortOf(ln.Addr())
			arg := ftp.FormatEPRT(lap)
			if verb == "PORT" {
				arg, _ = ftp.FormatPORT(lap)
			}
			if rep := c.cmd(verb + " " + arg); rep.Code != 500 {
				t.Fatalf("%s from this host: %q, want 500", verb, rep.Text())
			}
			if rep := c.cmd("SITE FTPDIAG CALLBACK " + ftp.CallbackEphemeral + " 1"); rep.Code != 503 {
				t.Errorf("CALLBACK after a refused %s: %q, want 503", verb, rep.Text())
			}
			r := c.record()
			if len(r.Data) != 1 || !strings.Contains(r.Data[0].Outcome, "this host's own address") {
				t.Errorf("record data %+v, want the refusal", r.Data)
			}
			if len(r.Callbacks) != 0 {
				t.Errorf("callbacks %+v, want none", r.Callbacks)
			}
		})
	}
}

// TestFromThisHost: which control sources are this host.
func TestFromThisHost(t *testing.T) {
	own := netip.MustParseAddr("198.51.100.7")
	local := netip.MustParseAddrPort("203.0.113.5:21")
	for _, tt := range []struct {
		remote string
		want   bool
	}{
		{"127.0.0.1:40000", true},
		{"127.9.9.9:40000", true},
		{"[::1]:40000", true},
		{"203.0.113.5:40000", true},  // the address it reached
		{"198.51.100.7:40000", true}, // another of its own
		{"192.0.2.10:40000", false},
		{"[2001:db8::10]:40000", false},
	} {
		s := &session{remote: netip.MustParseAddrPort(tt.remote), local: local,
			cfg: Config{ownAddr: func(a netip.Addr) bool { return a == own }}}
		if got := s.fromThisHost(); got != tt.want {
			t.Errorf("fromThisHost(%s) = %v, want %v", tt.remote, got, tt.want)
		}
	}
	if !isOwnAddr(netip.MustParseAddr("127.0.0.1")) {
		t.Errorf("isOwnAddr(127.0.0.1) = false: the loopback interface is this host's")
	}
	// Linux routes all of 127/8 to lo with only 127.0.0.1 on it: an
	// address of this host that no interface lists.
	if runtime.GOOS == "linux" && !isOwnAddr(netip.MustParseAddr("127.0.0.2")) {
		t.Errorf("isOwnAddr(127.0.0.2) = false: all of 127/8 is routed to this host")
	}
	if isOwnAddr(netip.MustParseAddr("192.0.2.1")) {
		t.Errorf("isOwnAddr(192.0.2.1) = true: a documentation address is nobody's")
	}
}
