package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/report"
)

// timeoutOffset is kept from the scrape timeout so that the answer reaches
// Prometheus before it gives up (blackbox_exporter's default).
const timeoutOffset = 500 * time.Millisecond

// ScrapeTimeoutHeader is the header Prometheus sends with its scrape timeout.
const ScrapeTimeoutHeader = "X-Prometheus-Scrape-Timeout-Seconds"

// Exporter serves /probe, /metrics and a landing page.
type Exporter struct {
	cfg     atomic.Pointer[Config]
	run     Runner
	log     *slog.Logger
	version string
	// base ends every probe when the exporter shuts down.
	base context.Context
	sem  chan struct{}
	self *selfMetrics

	mu       sync.Mutex
	inflight map[string]*flight
}

// flight is one probe of one target and module; scrapes that arrive while
// it runs wait for it and share its outcome.
type flight struct {
	done     chan struct{}
	deadline time.Time
	out      Outcome
	text     string // the text report, for &debug=true
}

// New returns an exporter for cfg. run nil means ProbeOnly; version goes
// into ftpdiag_build_info and the debug output.
func New(base context.Context, cfg *Config, run Runner, log *slog.Logger, version string) *Exporter {
	if run == nil {
		run = ProbeOnly
	}
	e := &Exporter{run: run, log: log, version: version, base: base,
		sem: make(chan struct{}, cfg.MaxConcurrentProbes), inflight: map[string]*flight{}}
	e.cfg.Store(cfg)
	e.self = newSelfMetrics(version, e.inFlight)
	return e
}

// SetConfig replaces the configuration (a reload); probes already running
// finish with the old one. The concurrency limit stays the one the
// exporter started with.
func (e *Exporter) SetConfig(cfg *Config) { e.cfg.Store(cfg) }

// Handler returns the exporter's HTTP handler.
func (e *Exporter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/probe", e.serveProbe)
	mux.Handle("/metrics", promhttp.HandlerFor(e.self.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", e.serveLanding)
	return mux
}

func (e *Exporter) inFlight() float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return float64(len(e.inflight))
}

// serveProbe answers one scrape: 400 for a scrape the configuration
// cannot serve (unknown module, bad target, target not allowed), else 200
// with the metrics, probe_success 0 when the probe could not run.
func (e *Exporter) serveProbe(w http.ResponseWriter, r *http.Request) {
	cfg := e.cfg.Load()
	q := r.URL.Query()
	name := q.Get("module")
	if name == "" {
		name = "default"
	}
	mod, ok := cfg.Modules[name]
	if !ok {
		http.Error(w, fmt.Sprintf("unknown module %q (configured: %s)", clip(name), strings.Join(cfg.ModuleNames(), ", ")), http.StatusBadRequest)
		return
	}
	target := q.Get("target")
	host, _, err := splitTarget(target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !cfg.allowed(host) {
		e.log.Warn("target refused: not in allowed_targets", "module", name, "target", clip(target), "from", r.RemoteAddr)
		http.Error(w, fmt.Sprintf("target %q is not in allowed_targets", clip(host)), http.StatusForbidden)
		return
	}
	deadline, err := scrapeDeadline(r, mod)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f := e.probe(name, mod, target, deadline)
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	defer cancel()
	var out Outcome
	text := ""
	select {
	case <-f.done:
		out, text = f.out, f.text
	case <-ctx.Done():
		out = Outcome{Failed: "a probe of this target and module was already running and did not end within this scrape's timeout"}
		e.log.Warn("scrape gave up waiting", "module", name, "target", clip(target))
	}
	if q.Get("debug") == "true" {
		e.serveDebug(w, out, text)
		return
	}
	promhttp.HandlerFor(out.Registry(), promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// scrapeDeadline is now plus the scrape's timeout (less the offset), or
// the module's timeout when shorter, or the default.
func scrapeDeadline(r *http.Request, m Module) (time.Time, error) {
	d := DefaultProbeTimeout
	if m.Timeout > 0 {
		d = time.Duration(m.Timeout)
	}
	if h := r.Header.Get(ScrapeTimeoutHeader); h != "" {
		s, err := strconv.ParseFloat(h, 64)
		if err != nil || s <= 0 || math.IsInf(s, 0) || math.IsNaN(s) {
			return time.Time{}, fmt.Errorf("bad %s header %q", ScrapeTimeoutHeader, clip(h))
		}
		st := time.Duration(s*float64(time.Second)) - timeoutOffset
		if st < time.Second {
			st = time.Second
		}
		d = min(d, st)
	}
	return time.Now().Add(d), nil
}

// probe returns the flight for (module, target), starting one when none
// runs.
func (e *Exporter) probe(name string, mod Module, target string, deadline time.Time) *flight {
	key := name + "\x00" + target
	e.mu.Lock()
	defer e.mu.Unlock()
	if f, ok := e.inflight[key]; ok {
		e.self.coalesced.Inc()
		return f
	}
	f := &flight{done: make(chan struct{}), deadline: deadline}
	e.inflight[key] = f
	go func() {
		defer func() {
			e.mu.Lock()
			delete(e.inflight, key)
			e.mu.Unlock()
			close(f.done)
		}()
		f.out, f.text = e.runProbe(name, mod, target, deadline)
	}()
	return f
}

// runProbe waits for a probe slot, runs the probe and diagnoses it.
func (e *Exporter) runProbe(name string, mod Module, target string, deadline time.Time) (Outcome, string) {
	start := time.Now()
	ctx, cancel := context.WithDeadline(e.base, deadline)
	defer cancel()
	out := e.probeOnce(ctx, mod, target)
	out.Seconds = time.Since(start).Seconds()
	status := statusOf(out)
	e.self.probes.WithLabelValues(name, status).Inc()
	text := ""
	if out.Diagnosis != nil {
		var b bytes.Buffer
		if err := report.Render(&b, out.Diagnosis, report.FormatText, report.RenderOptions{Version: e.version}); err == nil {
			text = b.String()
		}
	}
	attrs := []any{"module", name, "target", clip(target), "result", status, "seconds", fmt.Sprintf("%.2f", out.Seconds)}
	if out.Failed != "" {
		attrs = append(attrs, "reason", out.Failed)
	}
	if ids := findingIDs(out.Diagnosis, report.SeverityError); ids != "" {
		attrs = append(attrs, "errors", ids)
	}
	e.log.Info("probe", attrs...)
	return out, text
}

func (e *Exporter) probeOnce(ctx context.Context, mod Module, target string) Outcome {
	select {
	case e.sem <- struct{}{}:
		defer func() { <-e.sem }()
	case <-ctx.Done():
		return Outcome{Failed: "no probe slot came free before the scrape timeout (max_concurrent_probes)"}
	}
	opts, err := mod.options()
	if err != nil {
		return Outcome{Failed: err.Error()}
	}
	if mod.CAFile != "" {
		pool, err := probe.LoadCAFile(ctx, mod.CAFile)
		if err != nil {
			return Outcome{Failed: "ca_file: " + err.Error()}
		}
		opts.TLS.RootCAs, opts.TLS.RootsName = pool, mod.CAFile
	}
	t, err := mod.target(target)
	if err != nil {
		return Outcome{Failed: oneLine(err.Error())}
	}
	dl, _ := ctx.Deadline()
	left := time.Until(dl)
	if opts.RunTimeout == 0 || opts.RunTimeout > left {
		opts.RunTimeout = left
	}
	res, ev, err := e.run(ctx, t, opts, mod.Capture)
	if err != nil || res == nil {
		if err == nil {
			err = errors.New("the probe returned no result")
		}
		return Outcome{Failed: oneLine(err.Error())}
	}
	out := Outcome{Result: res, Diagnosis: report.Diagnose(res, ev)}
	if res.Interrupted != nil {
		out.Failed = "the probe was cut short by the scrape timeout before its end: raise scrape_timeout or the module's timeout"
	}
	return out
}

// serveDebug answers &debug=true: the probe's text report and the metrics
// the scrape would have got.
func (e *Exporter) serveDebug(w http.ResponseWriter, out Outcome, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	var b bytes.Buffer
	if out.Failed != "" {
		fmt.Fprintf(&b, "Probe failed: %s\n\n", out.Failed)
	}
	if text != "" {
		b.WriteString(text)
		b.WriteString("\n")
	}
	b.WriteString("Metrics that would have been returned:\n")
	if err := writeText(&b, out.Registry()); err != nil {
		fmt.Fprintf(&b, "(metrics could not be encoded: %v)\n", err)
	}
	w.Write(b.Bytes())
}

func findingIDs(d *report.Diagnosis, sev report.Severity) string {
	if d == nil {
		return ""
	}
	var ids []string
	for _, f := range d.Findings {
		if f.Severity == sev {
			ids = append(ids, f.ID)
		}
	}
	return strings.Join(ids, ",")
}

// serveLanding is the page at /.
func (e *Exporter) serveLanding(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html><head><title>ftpdiag exporter</title></head><body>
<h1>ftpdiag exporter</h1><p>Version %s.</p>
<ul><li><a href="/metrics">/metrics</a>: the exporter's own metrics</li>
<li>/probe?target=HOST[:PORT]&amp;module=NAME: probe an FTP server (add &amp;debug=true for the text report)</li></ul>
<p>Modules: %s</p></body></html>
`, html.EscapeString(e.version), html.EscapeString(strings.Join(e.cfg.Load().ModuleNames(), ", ")))
}
