package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestCaptureJSONL: the analyze report as JSON Lines holds what the JSON
// report holds, the envelope on the first line and one session per line.
func TestCaptureJSONL(t *testing.T) {
	for _, spoil := range []func(*CaptureDiagnosis){
		func(c *CaptureDiagnosis) {},
		func(c *CaptureDiagnosis) { c.Files, c.Notes = []string{"a.pcap"}, []string{"a note & <more>"} },
		func(c *CaptureDiagnosis) { c.Summary, c.Sessions, c.groups = []SessionSummary{}, []*Diagnosis{}, nil },
	} {
		cd := smallCapture(t)
		spoil(cd)
		var js, jl bytes.Buffer
		if err := RenderCapture(&js, cd, FormatJSON, RenderOptions{Version: "test"}); err != nil {
			t.Fatal(err)
		}
		if err := RenderCapture(&jl, cd, FormatJSONL, RenderOptions{Version: "test"}); err != nil {
			t.Fatal(err)
		}
		var whole map[string]any
		if err := json.Unmarshal(js.Bytes(), &whole); err != nil {
			t.Fatal(err)
		}
		lines := jsonLines(t, jl.Bytes())
		sessions, _ := whole["sessions"].([]any)
		delete(whole, "sessions")
		if !reflect.DeepEqual(lines[0], whole) {
			t.Errorf("envelope line differs from the JSON report's envelope:\n%v\n%v", lines[0], whole)
		}
		if len(lines)-1 != len(sessions) {
			t.Fatalf("%d session lines, the JSON report has %d sessions", len(lines)-1, len(sessions))
		}
		for i, s := range sessions {
			if !reflect.DeepEqual(lines[i+1], s) {
				t.Errorf("session line %d differs from the JSON report's session", i+1)
			}
		}
	}
}

// TestProbeJSONL: a probe report as JSON Lines is the JSON report on one
// line.
func TestProbeJSONL(t *testing.T) {
	for name, d := range map[string]*Diagnosis{
		"healthy":          Diagnose(scenarioHealthy(), nil),
		"passive-filtered": Diagnose(scenarioPassiveFiltered(), nil),
		"login-failed":     Diagnose(scenarioLoginFailed(), nil),
	} {
		var js, jl bytes.Buffer
		if err := Render(&js, d, FormatJSON, RenderOptions{Version: "test"}); err != nil {
			t.Fatal(err)
		}
		if err := Render(&jl, d, FormatJSONL, RenderOptions{Version: "test"}); err != nil {
			t.Fatal(err)
		}
		lines := jsonLines(t, jl.Bytes())
		var whole map[string]any
		if err := json.Unmarshal(js.Bytes(), &whole); err != nil {
			t.Fatal(err)
		}
		if len(lines) != 1 || !reflect.DeepEqual(lines[0], whole) {
			t.Errorf("%s: the JSON line is not the JSON report", name)
		}
	}
}

// jsonLines decodes each line as one JSON object; a line break inside a
// value, or a line that is not an object, fails.
func jsonLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\n")) {
		t.Fatalf("JSON Lines output does not end with a newline")
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not a JSON object: %v: %.200s", len(out)+1, err, sc.Text())
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), "\n") != len(out) {
		t.Fatalf("blank lines in JSON Lines output")
	}
	return out
}
