package monitor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

// scrape GETs path from the exporter and returns status and body.
func scrape(t *testing.T, h http.Handler, path string, header map[string]string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func newTestExporter(t *testing.T, yaml string, run Runner) (*Exporter, *bytes.Buffer) {
	t.Helper()
	cfg, err := ParseConfig([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	return New(context.Background(), cfg, run, log, "test"), &logs
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// cannedRunner returns a saved healthy result after release is closed,
// counting its calls and recording the options it was given.
type cannedRunner struct {
	t       *testing.T
	calls   atomic.Int32
	release chan struct{}
	mu      sync.Mutex
	opts    []probe.Options
}

func (c *cannedRunner) run(ctx context.Context, tg probe.Target, opts probe.Options, _ bool) (*probe.Result, *capture.Evidence, error) {
	c.calls.Add(1)
	c.mu.Lock()
	c.opts = append(c.opts, opts)
	c.mu.Unlock()
	if c.release != nil {
		select {
		case <-c.release:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	o := loadOutcome(c.t, "healthy")
	return o.Result, nil, nil
}

const cannedConfig = "allowed_targets: [ftp.example.net, 192.0.2.0/24]\nmax_concurrent_probes: 1\nmodules: {default: {}, quick: {timeout: 3s}}\n"

func TestProbeHandlerRefusesScrapesItCannotServe(t *testing.T) {
	cr := &cannedRunner{t: t}
	ex, _ := newTestExporter(t, cannedConfig, cr.run)
	h := ex.Handler()
	cases := []struct {
		path   string
		header map[string]string
		code   int
		body   string
	}{
		{"/probe", nil, 400, "no target"},
		{"/probe?target=ftp.example.net&module=nope", nil, 400, `unknown module "nope"`},
		{"/probe?target=ftp.other.net", nil, 403, "not in allowed_targets"},
		{"/probe?target=198.51.100.1:21", nil, 403, "not in allowed_targets"},
		{"/probe?target=ftp.example.net/etc/passwd", nil, 400, "want HOST or HOST:PORT"},
		{"/probe?target=monitor@ftp.example.net", nil, 400, "want HOST or HOST:PORT"},
		{"/probe?target=ftp.example.net", map[string]string{ScrapeTimeoutHeader: "soon"}, 400, "bad X-Prometheus"},
		{"/nowhere", nil, 404, ""},
	}
	for _, c := range cases {
		code, body := scrape(t, h, c.path, c.header)
		if code != c.code || !strings.Contains(body, c.body) {
			t.Errorf("GET %s = %d %q, want %d %q", c.path, code, body, c.code, c.body)
		}
	}
	if n := cr.calls.Load(); n != 0 {
		t.Errorf("refused scrapes ran %d probes", n)
	}
}

func TestProbeHandlerTimeoutFromScrape(t *testing.T) {
	cr := &cannedRunner{t: t}
	ex, _ := newTestExporter(t, cannedConfig, cr.run)
	h := ex.Handler()
	code, body := scrape(t, h, "/probe?target=ftp.example.net&module=quick", map[string]string{ScrapeTimeoutHeader: "10"})
	if code != 200 || !strings.Contains(body, "probe_success 1\n") {
		t.Fatalf("scrape = %d %s", code, body)
	}
	code, _ = scrape(t, h, "/probe?target=ftp.example.net", map[string]string{ScrapeTimeoutHeader: "4"})
	if code != 200 {
		t.Fatalf("scrape = %d", code)
	}
	// The module's 3 s is shorter than the scrape's 10 s; the scrape's
	// 4 s (less the offset) is shorter than the default module's none.
	if got := cr.opts[0].RunTimeout; got > 3*time.Second || got < 2*time.Second {
		t.Errorf("module quick: run timeout %v, want about 3s", got)
	}
	if got := cr.opts[1].RunTimeout; got > 4*time.Second-timeoutOffset || got < 2*time.Second {
		t.Errorf("scrape timeout 4: run timeout %v, want about 3.5s", got)
	}
}

func TestProbeHandlerSharesARunningProbe(t *testing.T) {
	cr := &cannedRunner{t: t, release: make(chan struct{})}
	ex, _ := newTestExporter(t, cannedConfig, cr.run)
	h := ex.Handler()
	var wg sync.WaitGroup
	bodies := make([]string, 3)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, bodies[i] = scrape(t, h, "/probe?target=ftp.example.net", map[string]string{ScrapeTimeoutHeader: "30"})
		}()
	}
	waitFor(t, func() bool { return ex.inFlight() == 1 && cr.calls.Load() == 1 })
	waitFor(t, func() bool { return counter(t, h, "ftpdiag_exporter_scrapes_coalesced_total") == 2 })
	close(cr.release)
	wg.Wait()
	if n := cr.calls.Load(); n != 1 {
		t.Errorf("three scrapes of one target ran %d probes, want 1", n)
	}
	for i, b := range bodies {
		if !strings.Contains(b, "probe_success 1\n") {
			t.Errorf("scrape %d: %s", i, b)
		}
	}
}

func TestProbeHandlerConcurrencyLimit(t *testing.T) {
	cr := &cannedRunner{t: t, release: make(chan struct{})}
	ex, logs := newTestExporter(t, cannedConfig, cr.run)
	h := ex.Handler()
	done := make(chan string)
	go func() {
		_, b := scrape(t, h, "/probe?target=ftp.example.net", map[string]string{ScrapeTimeoutHeader: "30"})
		done <- b
	}()
	waitFor(t, func() bool { return cr.calls.Load() == 1 })
	// A second target waits for the only slot and gives up at its
	// scrape's deadline: probe_success 0, the reason in the log.
	code, body := scrape(t, h, "/probe?target=192.0.2.7", map[string]string{ScrapeTimeoutHeader: "1.5"})
	if code != 200 || !strings.Contains(body, "probe_success 0\n") {
		t.Errorf("second scrape = %d %s", code, body)
	}
	// The second probe gives up at the same deadline as its scrape, on
	// its own goroutine: release the first only once it has, or the slot
	// it frees could still reach the second.
	waitFor(t, func() bool { return ex.inFlight() == 1 })
	close(cr.release)
	if b := <-done; !strings.Contains(b, "probe_success 1\n") {
		t.Errorf("first scrape: %s", b)
	}
	waitFor(t, func() bool { return strings.Contains(logs.String(), "max_concurrent_probes") })
	if n := cr.calls.Load(); n != 1 {
		t.Errorf("%d probes ran with max_concurrent_probes 1", n)
	}
}

// A real probe of a loopback server, through the handler: the metrics
// follow the server, and a password the server even echoes back never
// reaches a metric, the debug report or the log.
func TestProbeHandlerRealProbes(t *testing.T) {
	const password = "s3cret-pw-42"
	healthy := ftptest.Start(t, &ftptest.Server{User: "monitor", Password: password,
		EchoPass: "230 Welcome monitor, password %s accepted", Files: map[string][]byte{"probe.bin": []byte("hello")}})
	broken := ftptest.Start(t, &ftptest.Server{NoDataListen: true})
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`allowed_targets: [127.0.0.1]
modules:
  user: {tls: none, user: monitor, password_file: %s, modes: [EPSV, PASV], data_timeout: 2s, path: /probe.bin}
  anon: {tls: none, modes: [EPSV, PASV], data_timeout: 2s}
`, pw)
	ex, logs := newTestExporter(t, cfg, nil)
	h := ex.Handler()
	hdr := map[string]string{ScrapeTimeoutHeader: "30"}

	_, body := scrape(t, h, "/probe?module=user&target="+healthy.String(), hdr)
	for _, want := range []string{"probe_success 1\n", `probe_ftp_data_mode_success{mode="PASV"} 1`, `probe_ftp_reply_code{command="RETR"} 226`} {
		if !strings.Contains(body, want) {
			t.Errorf("healthy server: no %q in\n%s", want, body)
		}
	}
	_, dbg := scrape(t, h, "/probe?module=user&debug=true&target="+healthy.String(), hdr)
	if !strings.Contains(dbg, "Metrics that would have been returned:") || !strings.Contains(dbg, "probe_success 1") {
		t.Errorf("debug output:\n%s", dbg)
	}

	_, body = scrape(t, h, "/probe?module=anon&target="+broken.String(), hdr)
	for _, want := range []string{"probe_success 0\n", `probe_ftp_data_mode_success{mode="PASV"} 0`, `severity="error"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("broken server: no %q in\n%s", want, body)
		}
	}
	_, own := scrape(t, h, "/metrics", nil)
	for _, want := range []string{`ftpdiag_exporter_probes_total{module="anon",result="findings"} 1`, `ftpdiag_build_info{`, "go_goroutines"} {
		if !strings.Contains(own, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for name, out := range map[string]string{"metrics": body, "debug": dbg, "log": logs.String(), "own metrics": own} {
		if strings.Contains(out, password) {
			t.Errorf("the password appears in the %s", name)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// counter reads one of the exporter's own metrics from /metrics.
func counter(t *testing.T, h http.Handler, name string) float64 {
	t.Helper()
	_, body := scrape(t, h, "/metrics", nil)
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			var v float64
			fmt.Sscan(rest, &v)
			return v
		}
	}
	return 0
}
