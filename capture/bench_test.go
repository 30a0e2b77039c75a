package capture

import (
	"bytes"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// BenchmarkReadTraces reads a generated 64 MiB capture of 300 FTP sessions
// and rebuilds its sessions: the capture side of `ftpdiag analyze`
// (report's BenchmarkAnalyze adds the diagnosis and the JSON).
func BenchmarkReadTraces(b *testing.B) {
	var buf bytes.Buffer
	if _, err := capgen.Write(&buf, capgen.Options{Seed: 1, Bytes: 64 << 20, Sessions: 300}); err != nil {
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
		if len(ev.Sessions) < 300 {
			b.Fatalf("%d sessions", len(ev.Sessions))
		}
	}
}
