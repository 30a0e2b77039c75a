package report

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// smallCapture is a generated capture of a few FTP sessions, some with a
// broken data connection, diagnosed as `ftpdiag analyze` does (streaming).
func smallCapture(t *testing.T) *CaptureDiagnosis {
	t.Helper()
	var buf bytes.Buffer
	if _, err := capgen.Write(&buf, capgen.Options{Seed: 3, Bytes: 1 << 20, Sessions: 6}); err != nil {
		t.Fatal(err)
	}
	ev, err := capture.ReadTraces([]capture.Trace{{Name: "gen", R: &buf}}, capture.ReadOptions{ControlPorts: []uint16{21}})
	if err != nil {
		t.Fatal(err)
	}
	cd := DiagnoseCaptureStream(ev)
	cd.Files = []string{"gen.pcap"}
	return cd
}

// TestCaptureHTMLGolden: the analyze HTML page, written one session at a
// time, is byte for byte the page written before it streamed
// (testdata/golden/capture.html was made by the buffering renderer).
func TestCaptureHTMLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderCapture(&buf, smallCapture(t), FormatHTML, RenderOptions{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", "capture.html")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run TestCaptureHTMLGolden -update)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from the golden file; run go test ./report -run TestCaptureHTMLGolden -update and review the diff", path)
	}
}

// sessionCounter counts the writes that hold one session's part of a
// report (marked by mark), as they come from the workers.
type sessionCounter struct {
	mark    []byte
	written atomic.Int64
}

func (s *sessionCounter) Write(p []byte) (int, error) {
	s.written.Add(int64(bytes.Count(p, s.mark)))
	return len(p), nil
}

// TestCaptureReportsStream: in every format, a session is made only when
// fewer than one per worker are made and not yet written, so the report
// never holds more than a few sessions however many the capture has.
func TestCaptureReportsStream(t *testing.T) {
	marks := map[Format]string{
		FormatJSON: `"matrix": `, FormatJSONL: `"matrix":`, FormatText: "==== Session ",
		FormatMarkdown: "---\n\n## Session ", FormatHTML: `<section class="session">`,
	}
	for _, f := range Formats {
		cd := smallCapture(t)
		if cd.Len() < 3 {
			t.Fatalf("only %d sessions", cd.Len())
		}
		out := &sessionCounter{mark: []byte(marks[f])}
		var made atomic.Int64
		workers := int64(runtime.GOMAXPROCS(0))
		cd.onMade = func() {
			if m, w := made.Add(1), out.written.Load(); m-w > workers {
				t.Errorf("%s: %d sessions made, %d written: more than %d held", f, m, w, workers)
			}
		}
		if err := RenderCapture(out, cd, f, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := out.written.Load(); got != int64(cd.Len()) || made.Load() != int64(cd.Len()) {
			t.Errorf("%s: %d sessions made, %d written, want %d", f, made.Load(), got, cd.Len())
		}
	}
}

// TestCaptureHTMLNoSessions: a capture without FTP sessions still gives a
// whole page.
func TestCaptureHTMLNoSessions(t *testing.T) {
	cd := &CaptureDiagnosis{Schema: Schema, Kind: "capture", Summary: []SessionSummary{}}
	var out bytes.Buffer
	if err := RenderCapture(&out, cd, FormatHTML, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasPrefix(s, "<!DOCTYPE html>") || !strings.Contains(s, "0 FTP sessions") || !strings.HasSuffix(s, "</html>\n") {
		t.Errorf("page:\n%s", s)
	}
}
