package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// TestCaptureStreamSameAsWhole: the streamed diagnosis (the rules run once
// for the summary, the session rebuilt while it is rendered) renders byte
// for byte what the whole diagnosis does, in every format, on generated
// sessions (some broken) and on the lab captures.
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
}
