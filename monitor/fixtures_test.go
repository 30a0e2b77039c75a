package monitor

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// reportCases are saved probe reports of the report package's golden
// scenarios (report/testdata/golden): real runs' shapes, diagnosed again
// here from their probe results.
var reportCases = []string{"healthy", "active-rejected", "hostile-banner", "login-failed", "nat-private", "passive-filtered"}

// loadOutcome reads a saved report's probe result and diagnoses it.
func loadOutcome(t *testing.T, name string) Outcome {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "report", "testdata", "golden", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var saved struct {
		Probe *probe.Result `json:"probe"`
	}
	if err := json.Unmarshal(b, &saved); err != nil || saved.Probe == nil {
		t.Fatalf("%s: no probe result (%v)", name, err)
	}
	return Outcome{Result: saved.Probe, Diagnosis: report.Diagnose(saved.Probe, nil), Seconds: saved.Probe.Duration}
}

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./monitor -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./monitor -update, then read the diff):\n%s", name, got)
	}
}

func fmtSscan(s string, v *float64) (int, error) { return fmt.Sscan(s, v) }
