package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
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

// TestRenderHostile: with hostile text in every field of a diagnosis (the
// ones ftpdiag fills itself too, as a report read back from a file may
// hold anything), no format lets a control character, markup or a link
// through, and JSON keeps every value.
func TestRenderHostile(t *testing.T) {
	d := hostileDiagnosis()
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Render(&buf, d, f, RenderOptions{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := checkRendered(f, buf.Bytes(), d); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestRenderCaptureHostile: the same for the capture report (`analyze`),
// its envelope and summary included.
func TestRenderCaptureHostile(t *testing.T) {
	cd := &CaptureDiagnosis{Schema: Schema, Kind: "capture", Files: []string{"a.pcap"}, ReadError: "x",
		Summary:  []SessionSummary{{Session: 1, Client: "c", Server: "s", Modes: "EPSV works", Vantage: "client", Errors: []string{"e"}, Warnings: []string{"w"}, Verdict: "v"}},
		Sessions: []*Diagnosis{hostileDiagnosis()}}
	spoilStrings(reflect.ValueOf(cd).Elem())
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := RenderCapture(&buf, cd, f, RenderOptions{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var err error
		if f == FormatJSON || f == FormatJSONL {
			err = checkRunes(bytes.ReplaceAll(buf.Bytes(), []byte("\n"), nil))
			for i, line := range bytes.SplitAfter(buf.Bytes(), []byte("\n")) {
				if f == FormatJSON && i > 0 {
					break // the JSON report is one value over many lines
				}
				if len(line) > 0 && err == nil && !json.Valid(line) && f == FormatJSONL {
					err = fmt.Errorf("line %d is not valid JSON", i+1)
				}
			}
			if err == nil && f == FormatJSON && !json.Valid(buf.Bytes()) {
				err = fmt.Errorf("not valid JSON")
			}
		} else {
			err = checkRendered(f, buf.Bytes(), nil)
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestRenderLeavesDiagnosis: rendering never changes the diagnosis it is
// given (the renderers work on a cleaned copy).
func TestRenderLeavesDiagnosis(t *testing.T) {
	d := hostileDiagnosis()
	before, _ := json.Marshal(d)
	for _, f := range Formats {
		if err := Render(io.Discard, d, f, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if after, _ := json.Marshal(d); !bytes.Equal(before, after) {
		t.Errorf("Render changed the diagnosis")
	}
}

// TestTextTableCellsCut: a huge reply does not make a huge table.
func TestTextTableCellsCut(t *testing.T) {
	d := Diagnose(scenarioHealthy(), nil)
	d.Matrix[0].Reply = "229 " + strings.Repeat("x", 100000)
	var buf bytes.Buffer
	if err := Render(&buf, d, FormatText, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "x"); n > textCellWidth {
		t.Errorf("the table shows %d x of the reply, want at most %d", n, textCellWidth)
	}
}
