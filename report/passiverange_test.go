package report

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/probe"
)

func TestSplitSamples(t *testing.T) {
	tests := []struct {
		name      string
		ports     []uint16
		kept, sus []uint16
		lo, hi    uint16
		n         int
	}{
		{"a pinned range", []uint16{40001, 40002, 40005, 40010}, []uint16{40001, 40002, 40005, 40010}, nil, 40001, 40010, 4},
		{"privileged ports apart", []uint16{22, 48971, 1, 55101}, []uint16{48971, 55101}, []uint16{22, 1}, 48971, 55101, 2},
		{"an outlier far from a tight range", []uint16{40001, 40003, 5000, 40002}, []uint16{40001, 40003, 40002}, []uint16{5000}, 40001, 40003, 3},
		{"the ephemeral range of a server without a range: no outlier", []uint16{39543, 51234, 44123, 60001}, []uint16{39543, 51234, 44123, 60001}, nil, 39543, 60001, 4},
		{"two samples: nothing to call an outlier", []uint16{2000, 60000}, []uint16{2000, 60000}, nil, 2000, 60000, 2},
		{"only privileged: no range at all", []uint16{21, 22}, nil, []uint16{21, 22}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ss []pasvSample
			for _, p := range tt.ports {
				ss = append(ss, pasvSample{port: p})
			}
			kept, sus := splitSamples(ss)
			ports := func(ss []pasvSample) []uint16 {
				var out []uint16
				for _, s := range ss {
					out = append(out, s.port)
				}
				slices.Sort(out)
				return out
			}
			want := func(ps []uint16) []uint16 { ps = slices.Clone(ps); slices.Sort(ps); return ps }
			if !slices.Equal(ports(kept), want(tt.kept)) || !slices.Equal(ports(sus), want(tt.sus)) {
				t.Errorf("kept %v suspicious %v, want %v and %v", ports(kept), ports(sus), tt.kept, tt.sus)
			}
			if lo, hi, n := rangeOf(ss); lo != tt.lo || hi != tt.hi || n != tt.n {
				t.Errorf("range %d-%d from %d samples, want %d-%d from %d", lo, hi, n, tt.lo, tt.hi, tt.n)
			}
		})
	}
}

// bogusPassivePorts: the passive ports are filtered and the server's
// replies name port 22 (a 227) and port 1 (a 229) beside real ones.
func bogusPassivePorts(list, retr map[probe.Mode]int) *probe.Result {
	r := scenarioPassiveFiltered()
	for i := range 2 {
		mr := &r.Modes[i]
		for j, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
			port := list[mr.Mode]
			if j == 1 {
				port = retr[mr.Mode]
			}
			ann, setup := dataSetup(mr.Mode, port)
			dc.Announced, dc.Dialled, dc.Setup.Reply = ann, ann, setup
		}
	}
	return r
}

// privilegedRange finds, in everything a finding tells to do, a port range
// or port setting that starts below 1024.
var rangeForms = []*regexp.Regexp{
	regexp.MustCompile(`(?:dport|ports?|port=|--add-port=|allow) ?(\d+)[-:](\d+)`),
	regexp.MustCompile(`pasv_min_port=(\d+)`),
	regexp.MustCompile(`(?:PassivePorts|PassivePortRange) (\d+) (\d+)`),
	regexp.MustCompile(`--to-destination \S+ .*--dport (\d+)`),
}

func privilegedRange(f Finding) string {
	texts := []string{f.Action, f.Explanation}
	for _, fx := range f.Fixes {
		texts = append(texts, fx.Text)
		texts = append(texts, fx.Lines...)
	}
	for _, text := range texts {
		for _, re := range rangeForms {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				if lo, err := strconv.Atoi(m[1]); err == nil && lo < 1024 {
					return text
				}
			}
		}
	}
	return ""
}

func TestBogusPassivePortNeverOpened(t *testing.T) {
	tests := []struct {
		name       string
		list, retr map[probe.Mode]int
		suspicious []string
		rng        string // the range the action opens
	}{
		{"a 227 naming port 22 and a 229 naming port 1",
			map[probe.Mode]int{probe.ModeEPSV: 1, probe.ModePASV: 22}, map[probe.Mode]int{probe.ModeEPSV: 48971, probe.ModePASV: 55101},
			[]string{"ports 1 and 22", "PASV LIST: 227", "EPSV LIST: 229 Entering Extended Passive Mode (|||1|)"}, "open TCP ports 48971-55101"},
		{"a far outlier beside a tight range",
			map[probe.Mode]int{probe.ModeEPSV: 40001, probe.ModePASV: 40002}, map[probe.Mode]int{probe.ModeEPSV: 40003, probe.ModePASV: 5000},
			[]string{"port 5000"}, "open TCP ports 40001-40003"},
		{"every port privileged: no range at all",
			map[probe.Mode]int{probe.ModeEPSV: 21, probe.ModePASV: 22}, map[probe.Mode]int{probe.ModeEPSV: 25, probe.ModePASV: 23},
			[]string{"ports 21, 25, 22 and 23"}, "open the server's passive port range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diagnose(bogusPassivePorts(tt.list, tt.retr), nil)
			for _, f := range d.Findings {
				if text := privilegedRange(f); text != "" {
					t.Errorf("%s opens a privileged port range: %s", f.ID, text)
				}
			}
			sus := find(d.Findings, "pasv-port-suspicious")
			if sus == nil {
				t.Fatalf("no pasv-port-suspicious in %v", ids(d.Findings))
			}
			if sus.Severity != SeverityWarning {
				t.Errorf("severity %s", sus.Severity)
			}
			text := findingText(sus)
			for _, w := range tt.suspicious {
				if !strings.Contains(text, w) {
					t.Errorf("pasv-port-suspicious lacks %q:\n%s", w, text)
				}
			}
			pf := find(d.Findings, "passive-port-filtered")
			if pf == nil || !strings.HasPrefix(pf.Action, tt.rng) {
				t.Errorf("passive-port-filtered %+v, want action %q", pf, tt.rng)
			}
		})
	}
}
