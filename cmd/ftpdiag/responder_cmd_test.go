package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// noDrop keeps the test process's privileges (tests run as root).
func noDrop(t *testing.T) {
	t.Helper()
	old := dropPrivileges
	dropPrivileges = func() (bool, error) { return false, nil }
	t.Cleanup(func() { dropPrivileges = old })
}

// TestResponderUsage: bad flag combinations are one-line usage errors.
func TestResponderUsage(t *testing.T) {
	noDrop(t)
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(short, []byte("tiny\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no secret", nil, "needs --secret-file"},
		{"both", []string{"--open", "--secret-file", good}, "exclude each other"},
		{"short secret", []string{"--secret-file", short}, "at least 16 bytes"},
		{"missing secret file", []string{"--secret-file", filepath.Join(dir, "none")}, "no such file"},
		{"cert without key", []string{"--open", "--tls-cert", good}, "go together"},
		{"implicit without cert", []string{"--open", "--listen", "ftps://127.0.0.1:0"}, "needs --tls-cert"},
		{"bad listen", []string{"--open", "--listen", "nowhere"}, "want HOST:PORT"},
		{"argument", []string{"--open", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"responder"}, tt.args...), strings.NewReader(""), &out, &errb)
			if code != exitUsage || !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb.String(), exitUsage, tt.want)
			}
		})
	}
}

// lockedBuffer is stderr shared with the running command.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestResponderCommandServes: the command serves until interrupted, warns
// when open, identifies itself in FEAT and exits 0.
func TestResponderCommandServes(t *testing.T) {
	noDrop(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errb := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"responder", "--open", "--listen", "127.0.0.1:0"}, strings.NewReader(""), io.Discard, errb)
	}()
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	var addr string
	for i := 0; i < 200 && addr == ""; i++ {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			addr = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		cancel()
		t.Fatalf("no listening line: %q", errb.String())
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	r := ftp.NewReader(c)
	if rep, err := r.ReadReply(); err != nil || rep.Code != 220 {
		t.Fatalf("greeting %q, %v", rep.Text(), err)
	}
	_, _ = c.Write([]byte("FEAT\r\n"))
	rep, err := r.ReadReply()
	if err != nil || !strings.Contains(rep.Text(), " FTPDIAG-RESPONDER ") {
		t.Fatalf("FEAT %q, %v", rep.Text(), err)
	}
	c.Close()
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "warning: --open") {
		t.Errorf("no --open warning: %q", errb.String())
	}
}
