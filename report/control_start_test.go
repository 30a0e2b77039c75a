package report

import (
	"strings"
	"testing"
)

// TestLoneControlSYN: a control connection's SYNs got no answer. Sent
// again, and the capture goes on 10 s past the first, that is the control
// port filtered; one SYN never sent again though the capture goes on past
// the time every TCP stack resends it is a client that stopped trying (a
// port scan): given up, no error; the capture ending sooner is a cut.
func TestLoneControlSYN(t *testing.T) {
	tests := []struct {
		name    string
		syns    []float64
		end     float64 // when the capture's last packet (another connection's) is
		errorID string
		verdict string
	}{
		{"sent again, 12 s of capture", []float64{0, 1, 3, 7}, 12, "control-filtered", ""},
		{"one SYN, 6 s of capture", []float64{0}, 6, "", "its one SYN was not sent again in the 6.0 s the capture goes on after it"},
		{"one SYN, 2 s of capture", []float64{0}, 2, "", "The capture ends during control connect, the connection still open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cp := &crafted{t: t}
			c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
			for _, at := range tc.syns {
				c.syn(at)
			}
			// Another host's traffic on another port, up to end.
			o := cp.conn("198.51.100.99:50000", "192.0.2.77:443", 11)
			o.open(0.5)
			o.send(tc.end, true, "x")
			cd, _ := wholeJSON(t, cp.pcap())
			if len(cd.Sessions) != 1 {
				t.Fatalf("%d sessions, want 1", len(cd.Sessions))
			}
			d := cd.Sessions[0]
			var errs []string
			for _, f := range d.Findings {
				if f.Severity == SeverityError {
					errs = append(errs, f.ID)
				}
			}
			if strings.Join(errs, ",") != tc.errorID {
				t.Errorf("errors %v, want %q; verdict %q", errs, tc.errorID, d.Verdict)
			}
			if !strings.Contains(d.Verdict, tc.verdict) {
				t.Errorf("verdict %q, want it to say %q", d.Verdict, tc.verdict)
			}
		})
	}
}

// TestGreetingGivenUp: a client that ends its control connection while
// waiting for the greeting gave up on the greeting, which no command
// asked for: the verdict says how long after the connection opened.
func TestGreetingGivenUp(t *testing.T) {
	cp := &crafted{t: t}
	c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
	c.open(0)
	cp.emit(5, c.a, c.b, c.sa, c.sb, cFIN|cACK, nil)
	cd, _ := wholeJSON(t, cp.pcap())
	if len(cd.Sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(cd.Sessions))
	}
	want := "ended the connection itself (FIN) 5.0 s after the connection opened, before any answer"
	if v := cd.Sessions[0].Verdict; !strings.Contains(v, want) {
		t.Errorf("verdict %q, want it to say %q", v, want)
	}
}
