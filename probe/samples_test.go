package probe_test

import (
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

func TestPasvSamplesTopUp(t *testing.T) {
	tests := []struct {
		name    string
		samples int
		srv     ftptest.Server
		want    int // extra samples per passive mode
	}{
		{"two transfers plus one sample", 3, ftptest.Server{Files: files()}, 1},
		{"five asked", 5, ftptest.Server{Files: files()}, 3},
		{"none beyond the transfers", -1, ftptest.Server{Files: files()}, 0},
		{"data connection refused: one setup, two samples", 3, ftptest.Server{Files: files(), NoDataListen: true}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.srv
			res, _ := runAgainst(t, &srv, "", func(o *probe.Options) { o.PasvSamples = tc.samples })
			for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
				mr := res.Mode(m)
				if len(mr.PasvSamples) != tc.want {
					t.Errorf("%s: %d samples, want %d: %+v", m, len(mr.PasvSamples), tc.want, mr.PasvSamples)
				}
				for _, s := range mr.PasvSamples {
					if s.Announced == "" || s.T <= 0 {
						t.Errorf("%s: empty sample %+v", m, s)
					}
				}
			}
			for _, m := range []probe.Mode{probe.ModeEPRT, probe.ModePORT} {
				if n := len(res.Mode(m).PasvSamples); n != 0 {
					t.Errorf("%s (active) took %d passive samples", m, n)
				}
			}
		})
	}
}
