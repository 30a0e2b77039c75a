package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readBack is d as `ftpdiag render` sees it: encoded and decoded again.
func readBack(t *testing.T, d *Diagnosis) *Diagnosis {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var out Diagnosis
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestValidateAcceptsReports: every report the code writes (the golden
// scenarios, the examples in docs/) is valid.
func TestValidateAcceptsReports(t *testing.T) {
	for _, sc := range goldenScenarios() {
		if err := readBack(t, Diagnose(sc.r, sc.ev)).Validate(); err != nil {
			t.Errorf("%s: %v", sc.name, err)
		}
	}
	files, _ := filepath.Glob("../docs/examples/*.json")
	golden, _ := filepath.Glob("testdata/golden/*.json")
	for _, p := range append(files, golden...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var d Diagnosis
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestValidateRefuses: a report no ftpdiag could write is refused with one
// line naming the field.
func TestValidateRefuses(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(d *Diagnosis)
		want  string
	}{
		{"other schema", func(d *Diagnosis) { d.Schema = "ftpdiag/v9" }, `schema "ftpdiag/v9"`},
		{"no verdict", func(d *Diagnosis) { d.Verdict = "" }, "verdict: missing"},
		{"no findings (an analyze report)", func(d *Diagnosis) { d.Findings = nil }, "findings: missing"},
		{"unknown severity", func(d *Diagnosis) { d.Findings[0].Severity = "fatal" }, `findings[0].severity: "fatal" is not one of`},
		{"empty severity", func(d *Diagnosis) { d.Findings[0].Severity = "" }, `findings[0].severity`},
		{"unknown id", func(d *Diagnosis) { d.Findings[0].ID = "\x1b[2Jowned" }, `findings[0].id: unknown value`},
		{"markdown in a mode", func(d *Diagnosis) { d.Findings[0].Modes = []string{"[x](http://evil)"} }, `findings[0].modes[0]`},
		{"unknown fix audience", func(d *Diagnosis) { d.Findings[0].Fixes = []Fix{{For: "<b>admin</b>"}} }, `findings[0].fixes[0].for`},
		{"unknown source", func(d *Diagnosis) { d.Findings[0].Source = "oracle" }, `findings[0].source`},
		{"negative packet", func(d *Diagnosis) { d.Findings[0].Evidence = []Fact{{Packet: -3}} }, `findings[0].evidence[0].packet: -3 is negative`},
		{"matrix mode", func(d *Diagnosis) { d.Matrix[0].Mode = "LPSV" }, `matrix[0].mode`},
		{"matrix cell", func(d *Diagnosis) { d.Matrix[0].Connect = "exploded" }, `matrix[0].connect`},
		{"matrix reply cell", func(d *Diagnosis) { d.Matrix[0].List = "reply 5000" }, `matrix[0].list`},
		{"negative bytes", func(d *Diagnosis) { d.Matrix[0].ListBytes = -1 }, `matrix[0].list_bytes: -1 is negative`},
		{"endpoint kind", func(d *Diagnosis) { d.Matrix[0].EndpointKind = "teleported" }, `matrix[0].endpoint_kind`},
		{"ladder mode", func(d *Diagnosis) { d.Ladders[0].Mode = "" }, `ladders[0].mode`},
		{"ladder side", func(d *Diagnosis) { d.Ladders[0].Events[0].From = "mallory" }, `ladders[0].events[0].from`},
		{"ladder conn", func(d *Diagnosis) { d.Ladders[0].Events[0].Conn = "bus" }, `ladders[0].events[0].conn`},
		{"negative capture packets", func(d *Diagnosis) { d.Capture.Packets = -1 }, `capture.packets`},
		{"probe outcome", func(d *Diagnosis) { d.Probe.Modes[0].Connect.Outcome = "vaporised" }, `probe.modes[0].connect.outcome: unknown value "vaporised"`},
		{"probe mode", func(d *Diagnosis) { d.Probe.Modes[1].Mode = "SPSV" }, `probe.modes[1].mode`},
		{"probe port", func(d *Diagnosis) { d.Probe.Target.Port = -21 }, `probe.target.port`},
		{"reply code", func(d *Diagnosis) { d.Probe.Modes[0].Transcript[0].Reply = &ReplyRecord{Code: 42} }, `probe.modes[0].transcript[0].reply.code`},
		{"transfer bytes", func(d *Diagnosis) { d.Probe.Modes[0].List.Bytes = -5 }, `probe.modes[0].list.bytes`},
		{"session vantage", func(d *Diagnosis) { d.Session = &SessionInfo{Vantage: "moon"} }, `session.vantage`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := readBack(t, Diagnose(scenarioHealthy(), nil))
			tt.spoil(d)
			err := d.Validate()
			if err == nil {
				t.Fatalf("accepted, want an error with %q", tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "invalid report: ") {
				t.Errorf("error %q, want one line with %q", msg, tt.want)
			}
		})
	}
}

// TestValidateCodes: the reply codes and outcomes of every step are checked,
// wherever they sit (the upload, the plain-text comparison).
func TestValidateCodes(t *testing.T) {
	d := readBack(t, Diagnose(scenarioHealthy(), nil))
	d.Probe.Upload = &UploadRecord{Store: TransferRecord{Step: StepRecord{Outcome: "teleported"}}}
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "probe.upload.store.step.outcome") {
		t.Errorf("upload outcome: %v", err)
	}
}
