package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// labCaptures are the lab-made captures of scripts/make-testdata-captures,
// each with the live probe's error and warning finding ids beside it.
func labCaptures(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "captures", "*.pcapng"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no lab captures in testdata/captures (run scripts/make-testdata-captures): %v", err)
	}
	return files
}

// analyzedIDs returns the error and warning ids of every session of a
// capture, sorted and deduplicated, capture-unavailable aside.
func analyzedIDs(cd *CaptureDiagnosis) []string {
	var ids []string
	for _, d := range cd.Sessions {
		for _, f := range d.Findings {
			if (f.Severity == SeverityError || f.Severity == SeverityWarning) && f.ID != "capture-unavailable" && !slices.Contains(ids, f.ID) {
				ids = append(ids, f.ID)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// TestAnalyzeLabCaptures: analyze of each lab capture yields the finding
// ids the live probe of that scenario gave.
func TestAnalyzeLabCaptures(t *testing.T) {
	for _, path := range labCaptures(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".pcapng")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(strings.TrimSuffix(path, ".pcapng") + ".ids")
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Fields(string(b))
			slices.Sort(want)
			ev, err := capture.ReadFiles([]string{path}, capture.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cd := DiagnoseCapture(ev)
			if len(cd.Sessions) != 1 {
				t.Errorf("%d sessions, want 1 (the probe's four control connections overlap)", len(cd.Sessions))
			}
			got := analyzedIDs(cd)
			if !slices.Equal(got, want) {
				for _, d := range cd.Sessions {
					t.Logf("session %d verdict: %s", d.Session.ID, d.Verdict)
					for _, f := range d.Findings {
						t.Logf("  %s %s: %s", f.Severity, f.ID, f.Explanation)
					}
				}
				t.Fatalf("analyze ids %v, probe ids %v", got, want)
			}
			for _, d := range cd.Sessions {
				if d.Session.Vantage != "client" {
					t.Errorf("vantage %q (%s), want client: the probe captures at the client", d.Session.Vantage, d.Session.VantageWhy)
				}
				for _, f := range d.Findings {
					if f.Source != "capture" {
						t.Errorf("finding %s has source %q", f.ID, f.Source)
					}
				}
			}
		})
	}
}

// TestModeListOrdered: rebuilt modes come out failures first, then those
// that worked, then those not due, each rank in the order added; none
// gives nil (the report writes "modes": null for a session without any).
func TestModeListOrdered(t *testing.T) {
	for _, tt := range []struct {
		ranks []uint8
		want  string
	}{
		{nil, ""},
		{[]uint8{rankFailed, rankWorked, rankUndue}, "0f 1w 2u"},
		{[]uint8{rankWorked, rankFailed, rankUndue, rankWorked, rankFailed}, "1f 4f 0w 3w 2u"},
		{[]uint8{rankUndue, rankWorked, rankWorked}, "1w 2w 0u"},
	} {
		var ml modeList
		for i, r := range tt.ranks {
			ml.add(r, &probe.ModeResult{Mode: probe.Mode(fmt.Sprint(i))}, modeLinks{control: &capture.Conn{Retransmits: i}})
		}
		modes, links := ml.ordered()
		if (modes == nil) != (len(tt.ranks) == 0) || len(links) != len(modes) {
			t.Fatalf("%v: %d modes, %d links", tt.ranks, len(modes), len(links))
		}
		var got []string
		for i, m := range modes {
			if links[i].control.Retransmits != int(m.Mode[0]-'0') {
				t.Errorf("%v: mode %s has the links of mode %d", tt.ranks, m.Mode, links[i].control.Retransmits)
			}
			got = append(got, string(m.Mode)+"fwu"[tt.ranks[m.Mode[0]-'0']:][:1])
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("%v: %q, want %q", tt.ranks, g, tt.want)
		}
	}
}
