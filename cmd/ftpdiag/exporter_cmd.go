package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/monitor"
	"github.com/ftpdiag/ftpdiag/probe"
)

// DefaultExporterListen is the exporter's address: 9612 was marked FREE
// in Prometheus' default port allocation list when it was chosen (9122,
// first considered, belongs to the InfluxDB exporter).
const DefaultExporterListen = ":9612"

type exporterFlags struct {
	config, listen string
	checkOnly      bool
}

// newExporterCommand is `ftpdiag exporter`: a Prometheus exporter in the
// multi-target pattern of blackbox_exporter.
func newExporterCommand(e *env) *cobra.Command {
	var f exporterFlags
	cmd := &cobra.Command{
		Use:   "exporter --config FILE [--listen ADDR]",
		Short: "Serve FTP probes to Prometheus (GET /probe?target=HOST[:PORT]&module=NAME)",
		Long: `Exporter answers Prometheus scrapes with one probe each, blackbox_exporter's
multi-target pattern, so its relabelling configurations carry over:

  GET /probe?target=ftp.example.net&module=default    metrics of one probe
  GET /probe?target=...&module=...&debug=true          the probe's text report
  GET /metrics                                         the exporter's own metrics

The configuration (YAML, unknown keys are errors) names the modules a scrape
chooses from and the targets it may probe (allowed_targets: the exporter is
not an open prober). A module with no keys probes with probe's defaults:

  allowed_targets: [ftp.example.net, "192.0.2.0/24"]
  modules:
    default: {}
    ftps:
      tls: explicit
      user: monitor
      password_file: /etc/ftpdiag/monitor.password
      modes: [EPSV, PASV]
      timeout: 20s

A scrape that arrives while a probe of the same target and module runs
shares its result; at most max_concurrent_probes (default 8) run at once;
each probe ends within the scrape's timeout (Prometheus' header, less half
a second). SIGHUP reloads the configuration. docs/monitoring.md has the
metrics, a scrape configuration, alert rules and a Grafana dashboard.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExporter(cmd.Context(), e, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "the configuration `FILE` (YAML)")
	fl.StringVar(&f.listen, "listen", DefaultExporterListen, "listen on `ADDR` (host:port)")
	fl.BoolVar(&f.checkOnly, "config.check", false, "check the configuration and exit (0: valid)")
	return cmd
}

func runExporter(ctx context.Context, e *env, f exporterFlags) error {
	if f.config == "" {
		return usageError("--config FILE is required")
	}
	cfg, err := monitor.LoadConfig(f.config)
	if err != nil {
		return usageError("%v", err)
	}
	if f.checkOnly {
		fmt.Fprintf(e.stdout, "%s: valid (modules: %v)\n", f.config, cfg.ModuleNames())
		return nil
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	if cfg.AllowAnyTarget {
		log.Warn("allow_any_target is set: anyone who reaches this listener can make it probe any host")
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return usageError("--listen: %v", err)
	}
	ex := monitor.New(ctx, cfg, exporterRunner, log, versionString())
	srv := &http.Server{Handler: ex.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go reloadOnHUP(ctx, f.config, ex, log)
	log.Info("listening", "address", ln.Addr().String(), "modules", fmt.Sprint(cfg.ModuleNames()))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return &exitError{code: exitUsage, err: fmt.Errorf("serve: %w", err)}
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return &exitError{code: exitUsage, err: fmt.Errorf("shutdown: %w", err)}
	}
	log.Info("stopped")
	return nil
}

// reloadOnHUP reloads the configuration on SIGHUP; a configuration that
// does not load keeps the one in force.
func reloadOnHUP(ctx context.Context, path string, ex *monitor.Exporter, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			cfg, err := monitor.LoadConfig(path)
			if err != nil {
				log.Error("reload failed: keeping the configuration in force", "error", err.Error())
				continue
			}
			ex.SetConfig(cfg)
			log.Info("configuration reloaded", "modules", fmt.Sprint(cfg.ModuleNames()))
		}
	}
}

// exporterRunner runs a probe with a capture beside it when the module
// asks and the process may capture (auto: without permission the probe
// runs alone, its wire findings inferred).
func exporterRunner(ctx context.Context, t probe.Target, opts probe.Options, wantCapture bool) (*probe.Result, *capture.Evidence, error) {
	mode := captureOff
	if wantCapture {
		mode = captureAuto
	}
	res, ev, _, err := runCaptured(ctx, t, opts, &captureRun{mode: mode})
	return res, ev, err
}
