package responder

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// testSecret is the shared secret of the tests' closed responders.
var testSecret = []byte("0123456789abcdef-test-secret")

// start serves a responder on 127.0.0.1 until the test ends; it returns
// the address and the log. The log is safe to read once stop has run.
func start(t *testing.T, cfg Config) (netip.AddrPort, *syncBuffer, func()) {
	t.Helper()
	// The tests' clients are on this host (loopback): calling them back
	// needs LocalCallbacks, except in the tests of that very check.
	if cfg.ownAddr == nil {
		cfg.LocalCallbacks = true
	}
	log := &syncBuffer{}
	if cfg.Log == nil {
		cfg.Log = log
	}
	if !cfg.Open && cfg.Secret == nil {
		cfg.Secret = testSecret
	}
	if cfg.DataTimeout == 0 {
		cfg.DataTimeout = 2 * time.Second
	}
	srv, err := New(cfg)
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
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return addrPortOf(ln.Addr()), log, stop
}

// client is a raw control connection for tests.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *ftp.Reader
}

func dial(t *testing.T, ap netip.AddrPort) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", ap.String(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &client{t: t, conn: c, r: ftp.NewReader(c)}
	cl.expect(220)
	return cl
}

// read reads one reply within 5 s.
func (c *client) read() (ftp.Reply, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c.r.ReadReply()
}

func (c *client) expect(code int) ftp.Reply {
	c.t.Helper()
	rep, err := c.read()
	if err != nil {
		c.t.Fatalf("want %d, got error %v", code, err)
	}
	if rep.Code != code {
		c.t.Fatalf("want %d, got %q", code, rep.Text())
	}
	return rep
}

// cmd sends a raw line and returns the reply.
func (c *client) cmd(line string) ftp.Reply {
	c.t.Helper()
	c.send(line)
	rep, err := c.read()
	if err != nil {
		c.t.Fatalf("%s: %v", line, err)
	}
	return rep
}

func (c *client) send(line string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.t.Fatalf("send %q: %v", line, err)
	}
}

// nonce reads the FEAT nonce.
func (c *client) nonce() string {
	c.t.Helper()
	rep := c.cmd("FEAT")
	for _, f := range ftp.ParseFeat(rep) {
		if p := strings.Fields(f); len(p) == 3 && p[0] == ftp.ResponderFeatPrefix {
			return p[2]
		}
	}
	c.t.Fatalf("no %s line in FEAT: %q", ftp.ResponderFeatPrefix, rep.Text())
	return ""
}

// login answers the challenge (when secret is set) and logs in.
func (c *client) login(secret []byte) {
	c.t.Helper()
	if secret != nil {
		if rep := c.cmd("SITE FTPDIAG AUTH " + ftp.ResponderAnswer(secret, c.nonce())); rep.Code != 200 {
			c.t.Fatalf("challenge: %q", rep.Text())
		}
	}
	c.cmd("USER anonymous")
	if rep := c.cmd("PASS guest@"); rep.Code != 230 {
		c.t.Fatalf("login: %q", rep.Text())
	}
}

// record fetches the session record.
func (c *client) record() Record {
	c.t.Helper()
	rep := c.cmd("SITE FTPDIAG REPORT")
	if rep.Code != 200 || len(rep.Lines) != 1 {
		c.t.Fatalf("REPORT: %q", rep.Text())
	}
	var r Record
	if err := json.Unmarshal([]byte(strings.TrimPrefix(rep.Lines[0], "200 ")), &r); err != nil {
		c.t.Fatalf("REPORT: %v in %q", err, rep.Text())
	}
	return r
}

// closed reports whether the server has closed the connection (reading
// at most 5 s).
func (c *client) closed() bool {
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := bufio.NewReader(c.conn).ReadByte()
	return err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errorsAs(err, &ne) && ne.Timeout()
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// dialRaw connects without reading the greeting.
func dialRaw(ap netip.AddrPort) (*client, error) {
	c, err := net.DialTimeout("tcp", ap.String(), 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &client{conn: c, r: ftp.NewReader(c)}, nil
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
