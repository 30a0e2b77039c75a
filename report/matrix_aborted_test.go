package report

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

// TestMatrixAbortedCell: the data-mode matrix of a capture says a transfer
// the client interrupted after data moved was interrupted, in every
// renderer that shows the cell, and JSON marks it (list_aborted): "RETR ok"
// there read as a download that completed. A completed one stays "ok".
func TestMatrixAbortedCell(t *testing.T) {
	tests := []struct {
		name    string
		session func(cp *crafted)
		cell    string // the transfer cell, verb included
		aborted bool   // JSON list_aborted
	}{
		{"ABOR after data", func(cp *crafted) { abortedRetr(cp, "ABOR", 20, 0.1, 0.2, true) }, "RETR aborted by client (28000 B)", true},
		{"client's reset seen at the client", func(cp *crafted) {
			cp.ttls = map[netip.Addr]uint8{netip.MustParseAddr("198.51.100.20"): 64}
			stoppedRetr(cp, "client RST", "426 Failure writing network stream.")
		}, "RETR aborted by client (28000 B)", true},
		{"client's FIN, no final reply", func(cp *crafted) {
			stoppedRetr(cp, "client FIN", "150 0.020 seconds (measured here), 25.63 Mbytes per second")
		}, "RETR aborted by client (28000 B)", true},
		{"listing completed", func(cp *crafted) {
			c := cp.conn("198.51.100.20:43000", "192.0.2.10:21", 7)
			c.open(0)
			at := c.login(0.01)
			c.pasv(at, "192.0.2.10", 50001)
			d := cp.conn("198.51.100.20:43001", "192.0.2.10:50001", 9)
			c.listed(d, at, d.close)
			c.close(c.quit(at + 1))
		}, "LIST ok (35 B)", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cp := &crafted{t: t}
			tc.session(cp)
			cd, js := wholeJSON(t, cp.pcap())
			var rep struct {
				Sessions []struct {
					Matrix []struct {
						List        string `json:"list"`
						ListAborted bool   `json:"list_aborted"`
					} `json:"matrix"`
				} `json:"sessions"`
			}
			if err := json.Unmarshal(js, &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Sessions) != 1 || len(rep.Sessions[0].Matrix) != 1 {
				t.Fatalf("want one session with one matrix row:\n%.2000s", js)
			}
			if row := rep.Sessions[0].Matrix[0]; row.ListAborted != tc.aborted {
				t.Errorf("JSON list %q, list_aborted %v, want %v", row.List, row.ListAborted, tc.aborted)
			}
			for _, f := range []Format{FormatText, FormatMarkdown, FormatHTML} {
				var b bytes.Buffer
				if err := RenderCapture(&b, cd, f, RenderOptions{Version: "test"}); err != nil {
					t.Fatal(err)
				}
				want := tc.cell
				if f == FormatMarkdown {
					want = mdCell(want) // its parentheses escaped
				}
				if !strings.Contains(b.String(), want) {
					t.Errorf("%s: no cell %q:\n%s", f, want, b.String())
				}
			}
		})
	}
}
