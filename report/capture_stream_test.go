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
	for name, data := range streamInputs(t, capgen.Options{Seed: 3, Bytes: 1 << 20, Sessions: 12}) {
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

// failAfter is a writer that takes n writes, then fails every one.
type failAfter struct {
	n   int
	err error
	out bytes.Buffer
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	f.n--
	return f.out.Write(p)
}

// TestCaptureEncodeStops: the JSON reports, whose sessions are encoded on
// every core, end at the writer's first error and return it, having
// written the sessions before it in order; the streamed diagnosis is then
// still whole (judged again on demand: its exit code and a second report
// are those of an untouched one).
func TestCaptureEncodeStops(t *testing.T) {
	for _, f := range []Format{FormatJSON, FormatJSONL} {
		for _, writes := range []int{0, 1, 2, 4} {
			cd, want := smallCapture(t), smallCapture(t)
			if cd.Len() < 3 {
				t.Fatalf("only %d sessions", cd.Len())
			}
			var whole bytes.Buffer
			if err := RenderCapture(&whole, want, f, RenderOptions{Version: "test"}); err != nil {
				t.Fatal(err)
			}
			stop := errors.New("disk full")
			w := &failAfter{n: writes, err: stop}
			if err := RenderCapture(w, cd, f, RenderOptions{Version: "test"}); !errors.Is(err, stop) {
				t.Errorf("%s, fail after %d writes: RenderCapture = %v, want %v", f, writes, err, stop)
			}
			if !bytes.HasPrefix(whole.Bytes(), w.out.Bytes()) {
				t.Errorf("%s, fail after %d writes: what was written is not the start of the report:\n%.300q", f, writes, w.out.Bytes())
			}
			if got, exp := cd.ExitCode(), want.ExitCode(); got != exp {
				t.Errorf("%s, fail after %d writes: exit code %d, want %d", f, writes, got, exp)
			}
			var again bytes.Buffer
			if err := RenderCapture(&again, cd, f, RenderOptions{Version: "test"}); err != nil || !bytes.Equal(again.Bytes(), whole.Bytes()) {
				t.Errorf("%s, fail after %d writes: the report written again differs (%v)", f, writes, err)
			}
		}
	}
}

// TestRenderOnce: a streamed diagnosis rendered once (analyze) writes what
// the whole diagnosis does in each format, lets go of every session's
// facts as it writes it, keeps its summary and exit code, and refuses to
// be rendered again.
func TestRenderOnce(t *testing.T) {
	var gen bytes.Buffer
	if _, err := capgen.Write(&gen, capgen.Options{Seed: 5, Bytes: 1 << 20, Sessions: 9}); err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats {
		ev, err := capture.ReadTraces([]capture.Trace{{Name: "capgen", R: bytes.NewReader(gen.Bytes())}}, capture.ReadOptions{ControlPorts: []uint16{21}})
		if err != nil {
			t.Fatal(err)
		}
		whole, once := DiagnoseCapture(ev), DiagnoseCaptureStream(ev)
		once.RenderOnce()
		var want, got bytes.Buffer
		if err := RenderCapture(&want, whole, f, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := RenderCapture(&got, once, f, RenderOptions{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			t.Errorf("%s: rendered once differs from the whole diagnosis", f)
		}
		for i, g := range once.groups {
			if g != nil {
				t.Errorf("%s: session %d's facts kept after it was written", f, i+1)
			}
		}
		if once.ev.Conns != nil || once.ev.Sessions != nil {
			t.Errorf("%s: the diagnosis keeps the capture's lists of connections and sessions", f)
		}
		if once.Len() != whole.Len() || once.ExitCode() != whole.ExitCode() {
			t.Errorf("%s: after rendering: %d sessions, exit %d; want %d, %d", f, once.Len(), once.ExitCode(), whole.Len(), whole.ExitCode())
		}
		if err := RenderCapture(&got, once, f, RenderOptions{}); err == nil {
			t.Errorf("%s: rendered twice without error", f)
		}
	}
}

// streamInputs are the captures the streamed reports are checked on: one
// generated with gen ("capgen") and the lab captures, by name.
func streamInputs(t *testing.T, gen capgen.Options) map[string][]byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := capgen.Write(&b, gen); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"capgen": b.Bytes()}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "captures", "*.pcapng"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no lab captures: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = data
	}
	return inputs
}
