package capture

import (
	"bytes"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// BenchmarkReadTraces reads a generated 64 MiB capture and rebuilds its
// sessions: the capture side of `ftpdiag analyze` (report's
// BenchmarkAnalyze adds the diagnosis and the JSON). Few sessions with big
// transfers, and many small ones, where the cost per session shows.
func BenchmarkReadTraces(b *testing.B) {
	for _, bc := range []struct {
		name     string
		sessions int
	}{{"64MiB-300", 300}, {"64MiB-3000", 3000}} {
		b.Run(bc.name, func(b *testing.B) {
			var buf bytes.Buffer
			if _, err := capgen.Write(&buf, capgen.Options{Seed: 1, Bytes: 64 << 20, Sessions: bc.sessions}); err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				ev, err := ReadTraces([]Trace{{Name: "bench", R: bytes.NewReader(data)}}, ReadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if len(ev.Sessions) < bc.sessions {
					b.Fatalf("%d sessions, want %d", len(ev.Sessions), bc.sessions)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(bc.sessions), "ns/session")
		})
	}
}
