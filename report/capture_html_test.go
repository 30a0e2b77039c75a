package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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

// TestCaptureHTMLStreams: each session's section is written before the
// next session is diagnosed, so the page never holds every session.
func TestCaptureHTMLStreams(t *testing.T) {
	cd := smallCapture(t)
	if cd.Len() < 3 {
		t.Fatalf("only %d sessions", cd.Len())
	}
	var out bytes.Buffer
	c := *cd
	n := 0
	c.each = func(fn func(*Diagnosis) error) error {
		return cd.Each(func(d *Diagnosis) error {
			if got := strings.Count(out.String(), `<section class="session">`); got != n {
				t.Errorf("before session %d is rendered, %d sections are written, want %d", n+1, got, n)
			}
			n++
			return fn(cleanCopy(d))
		})
	}
	if err := renderCaptureHTML(&out, &c); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), `<section class="session">`); got != cd.Len() {
		t.Errorf("%d sections, want %d", got, cd.Len())
	}
	if !strings.HasSuffix(out.String(), "</body>\n</html>\n") {
		t.Errorf("page not closed")
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
