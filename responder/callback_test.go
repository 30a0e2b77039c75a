package responder

import (
	"bufio"
	"fmt"
	"net"
	"os"
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
