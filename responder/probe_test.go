package responder_test

import (
	"context"
	"crypto/x509"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/responder"
)

// logSink collects the responder's log lines.
type logSink struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// serve runs a responder on 127.0.0.1 and returns its address and a stop
// function that returns the log once every session has ended.
func serve(t *testing.T, cfg responder.Config, implicit bool) (netip.AddrPort, func() string) {
	t.Helper()
	sink := &logSink{}
	cfg.Log = sink
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
	go func() { done <- srv.Serve(ctx, ln, implicit) }()
	var once sync.Once
	stop := func() string {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
		sink.mu.Lock()
		defer sink.mu.Unlock()
		return sink.b.String()
	}
	t.Cleanup(func() { stop() })
	return ln.Addr().(*net.TCPAddr).AddrPort(), stop
}

func runProbe(t *testing.T, url string, tlsOpts probe.TLSOptions) *probe.Result {
	t.Helper()
	tg, _, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := probe.ResolvePassword(&tg, probe.Credentials{Env: func(string) (string, bool) { return "", false }}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := probe.Run(ctx, tg, probe.Options{ConnectTimeout: 2 * time.Second, DataTimeout: 2 * time.Second,
		ReplyTimeout: 2 * time.Second, PasvSamples: -1, TLS: tlsOpts})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestProbeAgainstResponder: the real client works in every mode against
// an open responder, in plain text, explicit and implicit FTPS, and each
// session logs one line.
func TestProbeAgainstResponder(t *testing.T) {
	cert := ftptest.NewTestCert(t)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(cert.CAPEM)
	tests := []struct {
		name, scheme string
		implicit     bool
		tlsLog       string
	}{
		{"plain", "ftp", false, "tls=none"},
		{"explicit FTPS", "ftpes", false, "tls=explicit"},
		{"implicit FTPS", "ftps", true, "tls=implicit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := responder.Config{Open: true, DataTimeout: 2 * time.Second}
			var tlsOpts probe.TLSOptions
			if tt.scheme != "ftp" {
				cfg.TLS = cert.Config
				tlsOpts = probe.TLSOptions{RootCAs: roots}
			} else {
				tlsOpts = probe.TLSOptions{Mode: probe.TLSOff}
			}
			ap, stop := serve(t, cfg, tt.implicit)
			res := runProbe(t, tt.scheme+"://"+ap.String()+"/", tlsOpts)
			for _, m := range res.Modes {
				if m.Applicable && !m.Works {
					t.Errorf("%s does not work: %+v", m.Mode, m.List)
				}
				if m.Retr == nil || !m.Retr.Step.OK() || m.Retr.Bytes == 0 {
					t.Errorf("%s: RETR %+v", m.Mode, m.Retr)
				}
			}
			log := stop()
			lines := strings.Split(strings.TrimSpace(log), "\n")
			if len(lines) < 4 {
				t.Fatalf("want a log line per session, got:\n%s", log)
			}
			for _, l := range lines {
				if !strings.Contains(l, tt.tlsLog) || strings.Contains(l, "refused=1") {
					t.Errorf("log line %q, want %s", l, tt.tlsLog)
				}
			}
		})
	}
}

// TestProbeAgainstClosedResponder: without the challenge answered the
// unmodified probe logs in but gets no data connection.
func TestProbeAgainstClosedResponder(t *testing.T) {
	ap, _ := serve(t, responder.Config{Secret: []byte("0123456789abcdef0123")}, false)
	res := runProbe(t, "ftp://"+ap.String()+"/", probe.TLSOptions{Mode: probe.TLSOff})
	for _, m := range res.Modes {
		if !m.Login.OK() || m.Works {
			t.Errorf("%s: login %+v, works %t: want logged in and no data", m.Mode, m.Login, m.Works)
		}
	}
}
