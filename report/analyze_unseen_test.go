package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/pcaptest"
)

// clientCapture reads a third-party client's capture of testdata/clients.
func clientCapture(t *testing.T, name string) pcaptest.Capture {
	t.Helper()
	return pcaptest.Read(t, filepath.Join("..", "testdata", "clients", name+".pcap"))
}

// analyzeCapture diagnoses a derived capture as `ftpdiag analyze` does.
func analyzeCapture(t *testing.T, c pcaptest.Capture) *CaptureDiagnosis {
	t.Helper()
	ev, err := capture.ReadTraces([]capture.Trace{{Name: "variant", R: bytes.NewReader(c.Bytes(t))}}, capture.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return DiagnoseCapture(ev)
}

// sliced is the capture as tcpdump -s snap would have taken it.
func sliced(c pcaptest.Capture, snap int) pcaptest.Capture {
	out := pcaptest.Capture{LinkType: c.LinkType, Snaplen: uint32(snap)}
	for _, p := range c.Packets {
		if len(p.Data) > snap {
			p.Data = p.Data[:snap:snap]
			p.Info.CaptureLength = snap
		}
		out.Packets = append(out.Packets, p)
	}
	return out
}

// unseenReport is what a test reads of an analyze report: the error and
// warning ids, whether capture-incomplete is there, and the verdicts and
// explanations to show.
func unseenReport(cd *CaptureDiagnosis) (ids []string, incomplete bool, text string) {
	var texts []string
	for _, d := range cd.Sessions {
		texts = append(texts, "verdict: "+d.Verdict)
		for _, f := range d.Findings {
			texts = append(texts, f.ID+": "+f.Title)
			incomplete = incomplete || f.ID == "capture-incomplete"
		}
	}
	return analyzedIDs(cd), incomplete, strings.Join(texts, "\n")
}

// TestAnalyzeSlicedBeforeLogin: a capture whose snap length cut the
// control text before the login's outcome (the 331 asking for the
// password cut, or the greeting itself) cannot say the session logged in,
// nor that it failed to: the login was not observed (capture-incomplete),
// and the verdict says so.
func TestAnalyzeSlicedBeforeLogin(t *testing.T) {
	tests := []struct {
		name string
		src  string
		snap int
	}{
		{"331 cut (curl, client)", "curl-vsftpd-healthy-client", 96},
		{"greeting cut (curl, client)", "curl-vsftpd-healthy-client", 80},
		{"331 cut (lftp, server)", "lftp-vsftpd-healthy-server", 96},
		{"greeting cut (ftplib, gateway)", "ftplib-proftpd-healthy-gateway", 76},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cd := analyzeCapture(t, sliced(clientCapture(t, tc.src), tc.snap))
			ids, incomplete, text := unseenReport(cd)
			if len(cd.Sessions) == 0 {
				t.Fatal("no session")
			}
			v := cd.Sessions[0].Verdict
			if len(ids) > 0 || !incomplete || strings.Contains(v, "logged in") || !strings.Contains(v, "snap length") {
				t.Errorf("ids %v (want none), capture-incomplete %v (want it), the verdict must say the snap length hid the login:\n%s", ids, incomplete, text)
			}
		})
	}
}

