package report

import (
	"bytes"
	"testing"
)

// TestRenderUnknownSeverity: a finding whose severity is none of the three
// (a hand-edited report) renders in every format without a panic.
func TestRenderUnknownSeverity(t *testing.T) {
	d := Diagnose(scenarioHealthy(), nil)
	d.Findings[0].Severity = "fatal"
	for _, f := range Formats {
		for _, color := range []bool{false, true} {
			var buf bytes.Buffer
			if err := Render(&buf, d, f, RenderOptions{Color: color}); err != nil {
				t.Errorf("%s: %v", f, err)
			}
			if !bytes.Contains(bytes.ToUpper(buf.Bytes()), []byte("FATAL")) {
				t.Errorf("%s: the severity is not shown", f)
			}
		}
	}
}
