package report

import (
	"bytes"
	"io"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// BenchmarkAnalyze reads, rebuilds and diagnoses a generated 64 MiB
// capture of 300 FTP sessions and renders the JSON report, as `ftpdiag
// analyze --format json` does (scripts/bench-analyze runs the 1 GiB one).
func BenchmarkAnalyze(b *testing.B) {
	var buf bytes.Buffer
	if _, err := capgen.Write(&buf, capgen.Options{Seed: 1, Bytes: 64 << 20, Sessions: 300}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		ev, err := capture.ReadTraces([]capture.Trace{{Name: "bench", R: bytes.NewReader(data)}}, capture.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		cd := DiagnoseCapture(ev)
		if len(cd.Sessions) != 300 {
			b.Fatalf("%d sessions, want 300", len(cd.Sessions))
		}
		if err := RenderCapture(io.Discard, cd, FormatJSON, RenderOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
