package monitor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ftpdiag/ftpdiag/probe"
)

var metricName = regexp.MustCompile(`\b(?:probe|ftpdiag)_[a-z_]+\b`)

// exportedNames are every metric the exporter can serve: a probe's (with
// TLS) and its own.
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	o := loadOutcome(t, "nat-private")
	res := *o.Result
	res.TLS = &probe.TLSResult{Certificate: &probe.Certificate{NotAfter: time.Unix(1e9, 0)}}
	res.Modes = append([]probe.ModeResult(nil), res.Modes...)
	res.Modes[0].ListData.TLS = &probe.DataTLS{Handshake: probe.Step{Outcome: probe.OutcomeOK}, Resumed: true}
	res.Modes[0].TLS = &probe.ModeTLS{Handshake: probe.Step{Outcome: probe.OutcomeOK, T0: 0.1, T: 0.2}}
	o.Result = &res
	names := map[string]bool{}
	mfs, err := o.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	self := newSelfMetrics("test", func() float64 { return 0 })
	self.probes.WithLabelValues("m", "success").Inc()
	mfs, err = self.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "ftpdiag_") {
			names[mf.GetName()] = true
		}
	}
	return names
}

// The alert rules and the Grafana dashboard use only metrics the exporter
// serves.
func TestDocsUseExportedMetrics(t *testing.T) {
	names := exportedNames(t)
	var exprs []string
	b, err := os.ReadFile(filepath.Join("..", "docs", "monitoring", "ftpdiag-alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	b, err = os.ReadFile(filepath.Join("..", "docs", "monitoring", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	if len(exprs) < 10 {
		t.Fatalf("only %d expressions found in the alert rules and dashboard", len(exprs))
	}
	for _, e := range exprs {
		for _, m := range metricName.FindAllString(e, -1) {
			if !names[m] {
				t.Errorf("%q uses %s, which the exporter does not serve", e, m)
			}
		}
	}
}

// docs/monitoring.md's metric tables name every metric the exporter
// serves, and no other.
func TestDocsListEveryMetric(t *testing.T) {
	names := exportedNames(t)
	b, err := os.ReadFile(filepath.Join("..", "docs", "monitoring.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range metricName.FindAllString(string(b), -1) {
		documented[m] = true
	}
	var missing []string
	for n := range names {
		if !documented[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/monitoring.md does not name %v", missing)
	}
	for n := range documented {
		if !names[n] {
			t.Errorf("docs/monitoring.md names %s, which the exporter does not serve", n)
		}
	}
}
