//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/lab"
)

// A real Prometheus (the Debian package) scrapes `ftpdiag exporter`, both in
// the lab's client namespace, with the scrape configuration and alert rules
// of docs/monitoring/ loaded as shipped (addresses and intervals replaced).
// vsftpd first serves every mode; then the server gateway starts dropping
// the passive port range, and the first scrape that starts after that
// shows probe_success 0, PASV down and the finding that explains it.
// ftpdiag check gives OK, then CRITICAL, against the same server.
func TestLabExporterPrometheus(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("FTPDIAG_LAB") == "required" {
			t.Fatalf("prometheus is not installed (apt-get install prometheus): %v", err)
		}
		t.Skip("prometheus is not installed (apt-get install prometheus)")
	}
	l := lab.Start(t, lab.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	const exporterAddr, promAddr = "127.0.0.1:9612", "127.0.0.1:9090"

	cfg := filepath.Join(dir, "ftpdiag.yml")
	writeFile(t, cfg, fmt.Sprintf("allowed_targets: [%s]\nmodules:\n  default: {tls: none, data_timeout: 2s, capture: true}\n", l.Target))
	exporter := startInLab(ctx, t, l, "exporter", binaryPath, "exporter", "--config", cfg, "--listen", exporterAddr)
	promCfg := filepath.Join(dir, "prometheus.yml")
	writeFile(t, promCfg, labPrometheusConfig(t, l.Target.String(), exporterAddr))
	startInLab(ctx, t, l, "prometheus", prom, "--config.file="+promCfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr)

	q := func(expr string) (float64, bool) { return promQuery(ctx, t, l, promAddr, expr) }
	waitProm(t, "healthy server scraped", func() bool {
		v, ok := q(`probe_success{job="ftp"}`)
		return ok && v == 1
	})
	if v, ok := q(`probe_ftp_data_mode_success{job="ftp",mode="PASV"}`); !ok || v != 1 {
		t.Errorf(`healthy: probe_ftp_data_mode_success{mode="PASV"} = %v (present %v), want 1`, v, ok)
	}
	if code, out := checkInLab(ctx, t, l); code != 0 || !strings.HasPrefix(out, "FTP OK - ") {
		t.Errorf("check on the healthy server: exit %d, %q", code, out)
	}

	drop := l.Command(ctx, l.ServerGatewayNS, "iptables", "-I", "FORWARD", "-p", "tcp", "--dport", "30000:30009", "-j", "DROP")
	if out, err := drop.CombinedOutput(); err != nil {
		t.Fatalf("iptables: %v: %s", err, out)
	}
	dropped := float64(time.Now().UnixMilli()) / 1000
	// The first scrape that started after the rule went in.
	waitProm(t, "a scrape after the passive range was dropped", func() bool {
		ts, ok := q(`timestamp(probe_success{job="ftp"})`)
		return ok && ts > dropped
	})
	for expr, want := range map[string]float64{
		`probe_success{job="ftp"}`:                                                 0,
		`probe_ftp_data_mode_success{job="ftp",mode="PASV"}`:                       0,
		`probe_ftp_data_mode_success{job="ftp",mode="EPSV"}`:                       0,
		`probe_ftp_data_mode_success{job="ftp",mode="PORT"}`:                       1,
		`probe_ftp_finding{job="ftp",id="passive-port-filtered",severity="error"}`: 1,
	} {
		if v, ok := q(expr); !ok || v != want {
			t.Errorf("after the drop: %s = %v (present %v), want %v", expr, v, ok, want)
		}
	}
	// The exporter's own counter is scraped by its own job, on its own
	// schedule: it shows the probe at that job's first scrape after the
	// probe ended, which may come after the ftp job's scrape above.
	waitProm(t, "the exporter counting a probe with findings", func() bool {
		v, ok := q(`ftpdiag_exporter_probes_total{job="ftpdiag_exporter",result="findings"} > bool 0`)
		return ok && v == 1
	})
	waitProm(t, "FTPDataModeDown pending", func() bool {
		v, ok := q(`count(ALERTS{alertname="FTPDataModeDown",mode="PASV"})`)
		return ok && v == 1
	})
	if code, out := checkInLab(ctx, t, l); code != 2 || !strings.HasPrefix(out, "FTP CRITICAL - passive-port-filtered") {
		t.Errorf("check after the drop: exit %d, %q", code, out)
	}
	if err := exporter.Process.Signal(os.Interrupt); err != nil {
		t.Errorf("signal the exporter: %v", err)
	}
}

// labPrometheusConfig is docs/monitoring/prometheus.yml with the lab's
// target, exporter address, a 10 s interval (a probe has 9.5 s to end
// on a loaded machine) and the shipped rules file.
func labPrometheusConfig(t *testing.T, target, exporter string) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "monitoring", "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := filepath.Abs(filepath.Join("..", "..", "docs", "monitoring", "ftpdiag-alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReplacer(
		"- ftp.example.net\n", "- "+target+"\n",
		"          - ftp2.example.net:2121\n", "",
		"localhost:9612", exporter,
		"scrape_interval: 60s", "scrape_interval: 10s",
		"scrape_timeout: 50s", "scrape_timeout: 10s",
		"evaluation_interval: 60s", "evaluation_interval: 1s",
		"- ftpdiag-alerts.yml", "- "+rules,
	)
	out := r.Replace(string(b))
	for _, gone := range []string{"example.net", "60s"} {
		if strings.Contains(out, gone) {
			t.Fatalf("docs/monitoring/prometheus.yml changed shape: %q left after the replacements", gone)
		}
	}
	return out
}

// startInLab starts a long-running program in the client namespace; it is
// ended (by its own PID: ip netns exec execs) when the test ends.
func startInLab(ctx context.Context, t *testing.T, l *lab.Lab, name, path string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := l.Command(ctx, l.ClientNS, path, args...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, tail(logs.String(), 4000))
		}
	})
	return cmd
}

// promQuery runs an instant query through Prometheus' HTTP API (with curl
// in the client namespace) and returns the single result's value.
func promQuery(ctx context.Context, t *testing.T, l *lab.Lab, addr, expr string) (float64, bool) {
	t.Helper()
	u := "http://" + addr + "/api/v1/query?query=" + url.QueryEscape(expr)
	out, err := l.Command(ctx, l.ClientNS, "curl", "-sS", "--max-time", "5", u).Output()
	if err != nil {
		return 0, false // Prometheus not up yet
	}
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.Status != "success" || len(resp.Data.Result) != 1 {
		return 0, false
	}
	s, _ := resp.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

func waitProm(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen in Prometheus within 60s", what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkInLab runs ftpdiag check against the lab's server.
func checkInLab(ctx context.Context, t *testing.T, l *lab.Lab) (int, string) {
	t.Helper()
	cmd := l.Command(ctx, l.ClientNS, binaryPath, "check", "--data-timeout", "2s", "ftp://"+l.Target.String()+"/")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("check: %v", err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
