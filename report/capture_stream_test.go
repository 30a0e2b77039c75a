package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// TestCaptureStreamSameAsWhole: the streamed diagnosis (the rules run once
// for the summary, the session rebuilt while it is rendered) renders byte
// for byte what the whole diagnosis does, in every format, on generated
// sessions (some broken) and on the lab captures; and so does the last
// session alone (--session).
func TestCaptureStreamSameAsWhole(t *testing.T) {
	var gen bytes.Buffer
	if _, err := capgen.Write(&gen, capgen.Options{Seed: 3, Bytes: 1 << 20, Sessions: 12}); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"capgen": gen.Bytes()}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "captures", "*.pcapng"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no lab captures: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = b
	}
	for name, data := range inputs {
		ev, err := capture.ReadTraces([]capture.Trace{{Name: name, R: bytes.NewReader(data)}}, capture.ReadOptions{ControlPorts: []uint16{21}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		whole, stream := DiagnoseCapture(ev), DiagnoseCaptureStream(ev)
		if whole.Len() == 0 {
			t.Fatalf("%s: no session", name)
		}
		sameReports(t, name, whole, stream)
		last := whole.Summary[whole.Len()-1].Session
		if !whole.Select(last) || !stream.Select(last) {
			t.Fatalf("%s: no session %d", name, last)
		}
		sameReports(t, fmt.Sprintf("%s --session %d", name, last), whole, stream)
	}
}

// sameReports checks that two capture diagnoses render alike in every
// format.
func sameReports(t *testing.T, name string, whole, stream *CaptureDiagnosis) {
	t.Helper()
	for _, f := range Formats {
		var a, b bytes.Buffer
		if err := RenderCapture(&a, whole, f, RenderOptions{Version: "test"}); err != nil {
			t.Fatal(err)
		}
		if err := RenderCapture(&b, stream, f, RenderOptions{Version: "test"}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s %s: the streamed report differs from the whole one", name, f)
		}
	}
}

// TestCaptureEachStops: a writer's error ends the streamed sessions at
// once and is returned.
func TestCaptureEachStops(t *testing.T) {
	cd := smallCapture(t)
	if cd.Len() < 3 {
		t.Fatalf("only %d sessions", cd.Len())
	}
	stop := errors.New("disk full")
	calls := 0
	err := cd.Each(func(*Diagnosis) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("Each = %v after %d calls, want %v after 1", err, calls, stop)
	}
	calls = 0
	if err := cd.Each(func(*Diagnosis) error { calls++; return nil }); err != nil || calls != cd.Len() {
		t.Errorf("Each again = %v after %d calls, want nil after %d", err, calls, cd.Len())
	}
}
