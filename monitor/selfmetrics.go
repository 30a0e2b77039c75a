package monitor

import (
	"io"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
)

// selfMetrics are the exporter's own metrics, served at /metrics.
type selfMetrics struct {
	reg       *prometheus.Registry
	probes    *prometheus.CounterVec
	coalesced prometheus.Counter
}

func newSelfMetrics(version string, inFlight func() float64) *selfMetrics {
	s := &selfMetrics{reg: prometheus.NewRegistry()}
	s.probes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ftpdiag_exporter_probes_total",
		Help: "Probes run, by module and result (success, findings: the probe found an error, failed: it could not run to its end).",
	}, []string{"module", "result"})
	s.coalesced = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ftpdiag_exporter_scrapes_coalesced_total",
		Help: "Scrapes that arrived while a probe of the same target and module ran, and shared its result.",
	})
	running := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ftpdiag_exporter_probes_in_flight",
		Help: "Probes running now.",
	}, inFlight)
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "ftpdiag_build_info",
		Help:        "The ftpdiag build: version, VCS revision and Go version, as labels (value 1).",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision(), "goversion": runtime.Version()},
	})
	build.Set(1)
	s.reg.MustRegister(s.probes, s.coalesced, running, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return s
}

// revision is the VCS revision the binary was built from ("" when unknown).
func revision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}

// writeText writes a registry's metrics in the Prometheus text format.
func writeText(w io.Writer, reg *prometheus.Registry) error {
	mfs, err := reg.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}
