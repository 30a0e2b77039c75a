package report

import (
	"bytes"
	"io"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// benchCaptures are the generated captures the analyze benchmarks read:
// few sessions with big transfers, and many small sessions, where the cost
// per session shows (scripts/bench-analyze runs 1 GiB of 5,000).
var benchCaptures = []struct {
	name     string
	bytes    int64
	sessions int
}{
	{"64MiB-300", 64 << 20, 300},
	{"64MiB-3000", 64 << 20, 3000},
}

func benchCapture(b *testing.B, size int64, sessions int) []byte {
	b.Helper()
	var buf bytes.Buffer
	if _, err := capgen.Write(&buf, capgen.Options{Seed: 1, Bytes: size, Sessions: sessions}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func benchRead(b *testing.B, data []byte) *capture.Evidence {
	b.Helper()
	ev, err := capture.ReadTraces([]capture.Trace{{Name: "bench", R: bytes.NewReader(data)}}, capture.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return ev
}

// perSession reports the time and the allocations of one op per session.
func perSession(b *testing.B, sessions int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(sessions), "ns/session")
}

// BenchmarkAnalyze reads, rebuilds and diagnoses a generated capture and
// renders the JSON report, as `ftpdiag analyze --format json` does.
func BenchmarkAnalyze(b *testing.B) {
	for _, bc := range benchCaptures {
		b.Run(bc.name, func(b *testing.B) {
			data := benchCapture(b, bc.bytes, bc.sessions)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				cd := DiagnoseCaptureStream(benchRead(b, data))
				if cd.Len() != bc.sessions {
					b.Fatalf("%d sessions, want %d", cd.Len(), bc.sessions)
				}
				if err := RenderCapture(io.Discard, cd, FormatJSON, RenderOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			perSession(b, bc.sessions)
		})
	}
}

// BenchmarkDiagnoseRender is BenchmarkAnalyze without the read: the
// streamed diagnosis and the JSON report of an already read capture.
func BenchmarkDiagnoseRender(b *testing.B) {
	for _, bc := range benchCaptures {
		b.Run(bc.name, func(b *testing.B) {
			ev := benchRead(b, benchCapture(b, bc.bytes, bc.sessions))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				cd := DiagnoseCaptureStream(ev)
				if err := RenderCapture(io.Discard, cd, FormatJSON, RenderOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			perSession(b, bc.sessions)
		})
	}
}
