package responder_test

import (
	"context"
	"crypto/x509"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
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
	return runProbeSecret(t, url, tlsOpts, nil)
}

func runProbeSecret(t *testing.T, url string, tlsOpts probe.TLSOptions, secret []byte) *probe.Result {
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
		ReplyTimeout: 2 * time.Second, PasvSamples: -1, TLS: tlsOpts, ResponderSecret: secret})
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

// TestProbeAgainstClosedResponder: with the right secret the probe
// answers the challenge on every control connection, every mode works and
// each gets the responder's record of its own session; without it or with
// a wrong one the probe logs in but gets no data connection and no record.
func TestProbeAgainstClosedResponder(t *testing.T) {
	secret := []byte("0123456789abcdef0123")
	tests := []struct {
		name      string
		secret    []byte
		challenge string
		works     bool
	}{
		{"right secret", secret, probe.ChallengeAnswered, true},
		{"wrong secret", []byte("another secret, 16+ bytes"), probe.ChallengeRefused, false},
		{"no secret", nil, probe.ChallengeNoSecret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ap, _ := serve(t, responder.Config{Secret: secret, DataTimeout: 2 * time.Second}, false)
			res := runProbeSecret(t, "ftp://"+ap.String()+"/", probe.TLSOptions{Mode: probe.TLSOff}, tt.secret)
			for _, m := range res.Modes {
				if !m.Login.OK() || m.Works != tt.works {
					t.Errorf("%s: login %+v, works %t; want logged in, works %t", m.Mode, m.Login, m.Works, tt.works)
				}
				v := m.Responder
				if v == nil || v.Challenge != tt.challenge {
					t.Fatalf("%s: responder view %+v, want challenge %q", m.Mode, v, tt.challenge)
				}
				if (v.Record != nil) != tt.works {
					t.Fatalf("%s: record %+v (error %q), want one: %t", m.Mode, v.Record, v.Error, tt.works)
				}
				for _, x := range m.Transcript {
					if strings.Contains(x.Command, "AUTH") && x.Command != "SITE FTPDIAG AUTH ****" {
						t.Errorf("%s: the challenge's answer is in the transcript: %q", m.Mode, x.Command)
					}
				}
				if v.Record != nil {
					checkRecord(t, m)
				}
			}
		})
	}
}

// checkRecord: the record shows the control connection from the probe's
// own address and the PORT/EPRT argument the probe sent.
func checkRecord(t *testing.T, m probe.ModeResult) {
	t.Helper()
	rec := m.Responder.Record
	if rec.Control.Remote != m.ControlLocal {
		t.Errorf("%s: responder saw the control connection from %s, the probe left from %s", m.Mode, rec.Control.Remote, m.ControlLocal)
	}
	if m.Mode.Passive() {
		return
	}
	var sent string
	for _, x := range m.Transcript {
		if strings.HasPrefix(x.Command, string(m.Mode)+" ") {
			sent = x.Command
		}
	}
	found := false
	for _, c := range rec.Commands {
		found = found || c.Line == sent
	}
	if sent == "" || !found {
		t.Errorf("%s: sent %q, responder received %+v", m.Mode, sent, rec.Commands)
	}
}

// TestProbeCallbacks: on each passive mode's connection the probe asks
// for both callbacks; the ephemeral one (and the port 20 one when the
// responder may bind port 20: root) reaches the probe's listener carrying
// its line, and the responder's record says the same; the active modes'
// connections ask for none.
func TestProbeCallbacks(t *testing.T) {
	secret := []byte("0123456789abcdef0123")
	ap, _ := serve(t, responder.Config{Secret: secret, DataTimeout: 2 * time.Second}, false)
	res := runProbeSecret(t, "ftp://"+ap.String()+"/", probe.TLSOptions{Mode: probe.TLSOff}, secret)
	root := os.Geteuid() == 0
	for _, m := range res.Modes {
		v := m.Responder
		if v == nil || v.Record == nil {
			t.Fatalf("%s: no record: %+v", m.Mode, v)
		}
		if !m.Mode.Passive() {
			if len(v.Callbacks) != 0 || len(v.Record.Callbacks) != 0 {
				t.Errorf("%s: callbacks %+v on an active mode's connection", m.Mode, v.Callbacks)
			}
			continue
		}
		if len(v.Callbacks) != 2 || len(v.Record.Callbacks) != 2 {
			t.Fatalf("%s: probe %+v, responder %+v; want two callbacks", m.Mode, v.Callbacks, v.Record.Callbacks)
		}
		for i, try := range v.Callbacks {
			cb := v.Record.Callbacks[i]
			arrives := try.Kind == ftp.CallbackEphemeral || root
			if try.Kind != cb.Kind || try.Listened != cb.To || (cb.Outcome == ftp.CallbackConnected) != arrives {
				t.Errorf("%s: probe %+v, responder %+v", m.Mode, try, cb)
			}
			if !arrives {
				if len(try.Arrived) != 0 {
					t.Errorf("%s: %s arrived %+v, not made", m.Mode, try.Kind, try.Arrived)
				}
				continue
			}
			kind, nonce, ok := ftp.ParseCallbackLine(try.Arrived[0].Line)
			if len(try.Arrived) != 1 || !ok || kind != try.Kind || nonce != v.Record.Nonce || try.Arrived[0].From != cb.From {
				t.Errorf("%s: %s arrived %+v, responder %+v", m.Mode, try.Kind, try.Arrived, cb)
			}
		}
		for _, x := range m.Transcript {
			if strings.Contains(x.Command, "CALLBACK") {
				t.Errorf("%s: the callback test is in the transcript: %q", m.Mode, x.Command)
			}
		}
	}
}
