package report

import (
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/probe"
)

// Without a capture, a passive attempt whose socket counted its SYN
// resent with no answer is filtered on the socket's word, which the
// finding names; any attempt without such a count keeps it inferred.
func TestPassiveFilteredBySocket(t *testing.T) {
	resent := func(n int) *probe.SocketFacts {
		return &probe.SocketFacts{Source: "TCP_INFO", T: 1.05, State: "syn-sent", SYNRetransmits: n}
	}
	for _, tc := range []struct {
		name     string
		sockets  func(i int) *probe.SocketFacts // per attempt, in order
		inferred bool
		facts    int // socket facts in the evidence
	}{
		{"every socket counted a resent SYN", func(int) *probe.SocketFacts { return resent(1) }, false, 4},
		{"one attempt without a reading", func(i int) *probe.SocketFacts {
			if i == 2 {
				return nil
			}
			return resent(2)
		}, true, 3},
		{"no SYN resent yet", func(int) *probe.SocketFacts { return resent(0) }, true, 0},
		{"connected state", func(int) *probe.SocketFacts {
			return &probe.SocketFacts{Source: "TCP_INFO", State: "established", SYNRetransmits: 1}
		}, true, 0},
		{"no socket facts", func(int) *probe.SocketFacts { return nil }, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := scenarioPassiveFiltered()
			i := 0
			for m := range r.Modes[:2] {
				mr := &r.Modes[m]
				for _, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
					dc.Socket = tc.sockets(i)
					i++
				}
			}
			f := find(Diagnose(r, nil).Findings, "passive-port-filtered")
			if f == nil {
				t.Fatal("no passive-port-filtered")
			}
			n := 0
			for _, e := range f.Evidence {
				if strings.Contains(e.Text, "counted by the socket, not seen on the wire") {
					n++
				}
			}
			bySocket := strings.Contains(f.Explanation, "TCP_INFO on the connecting socket), not from the wire")
			if f.Inferred != tc.inferred || bySocket == tc.inferred || n != tc.facts {
				t.Errorf("inferred=%v (want %v), explanation cites the socket=%v, socket facts %d (want %d)\n%s", f.Inferred, tc.inferred, bySocket, n, tc.facts, f.Explanation)
			}
		})
	}
}
