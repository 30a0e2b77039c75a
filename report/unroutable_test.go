package report

import (
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/probe"
)

// TestPasvUnroutableNotPublic: a 227 announcing a reserved or broadcast
// address (issue 11) is an unroutable address, never "a different public
// address".
func TestPasvUnroutableNotPublic(t *testing.T) {
	for _, addr := range []string{"255.255.255.255", "0.1.2.3", "240.0.0.9", "10.77.0.2"} {
		t.Run(addr, func(t *testing.T) {
			r := scenarioHealthy()
			mr := &r.Modes[1]
			for _, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
				p := portOf(dc.Announced)
				dc.Announced = addr + ":" + itoa(int(p))
				dc.AddressPolicy = "control-peer"
			}
			d := Diagnose(r, nil)
			if f := find(d.Findings, "pasv-foreign-address"); f != nil {
				t.Errorf("%s called a public address: %s", addr, f.Title)
			}
			f := find(d.Findings, "pasv-private-address")
			if f == nil {
				t.Fatalf("%s: no pasv-private-address in %v", addr, ids(d.Findings))
			}
			// Only a private address can be a DNAT target: never suggest
			// forwarding to a broadcast or reserved address.
			dnat := false
			for _, fx := range f.Fixes {
				for _, l := range fx.Lines {
					dnat = dnat || strings.Contains(l, "DNAT")
				}
			}
			if want := addr == "10.77.0.2"; dnat != want {
				t.Errorf("%s: DNAT fix suggested = %v, want %v: %+v", addr, dnat, want, f.Fixes)
			}
		})
	}
}
