package report

import (
	"slices"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// samePortRun has EPSV and PASV running at once, the server giving both
// the same passive port (a range of one port): EPSV's RETR stalls, PASV's
// completes. local says whether the probe recorded its local ends.
func samePortRun(local bool) *probe.Result {
	r := scenarioHealthy()
	for i := range 2 {
		mr := &r.Modes[i]
		mr.ControlLocal = clientIP + ":5000" + itoa(i)
		for j, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
			dc.Announced, dc.Dialled, dc.Peer = pubIP+":40001", pubIP+":40001", pubIP+":40001"
			dc.Connect = ok(1+float64(j), 1.01+float64(j), nil)
			dc.Local = ""
			if local {
				dc.Local = clientIP + ":510" + itoa(i+1) + itoa(j)
			}
		}
		mr.Retr.Step = ok(2.01, 2.5, rep(226, "226 Transfer complete."))
	}
	r.Modes[0].Retr.Step = fail(probe.OutcomeStalled, 2.01, 5.1, nil)
	r.Modes[0].Retr.Final = nil
	return r
}

// samePortEvidence: the two RETR connections to the same server port,
// PASV's started first; EPSV's stalled.
func samePortEvidence() *capture.Evidence {
	conn := func(local string, t float64, stall bool) *capture.Conn {
		c := &capture.Conn{Initiator: netip_MustAP(clientIP + ":" + local), Responder: netip_MustAP(pubIP + ":40001"),
			SYNs: []capture.PacketRef{{T: t, Packet: int(t * 100)}}, SYNACK: &capture.PacketRef{T: t + 0.001},
			MSSInitiator: 1460, MSSResponder: 1460, MaxSegmentFromResponder: 1448, BytesFromResponder: 1024}
		if stall {
			c.Stall = &capture.Stall{From: t + 0.1, Duration: 3}
		}
		return c
	}
	return &capture.Evidence{Available: true, Packets: 50, Conns: []*capture.Conn{
		conn("51021", 2.0, false),  // PASV RETR
		conn("51011", 2.005, true), // EPSV RETR
	}}
}

func TestObserveJoin(t *testing.T) {
	tests := []struct {
		name string
		r    *probe.Result
		ev   *capture.Evidence
		// want maps "mode/LIST|RETR|control" to the initiator ports of
		// the joined connections, and how they were joined.
		want map[string][]uint16
		by   map[string]string
	}{
		{"same server port, local ends known: each mode its own connection", samePortRun(true), samePortEvidence(),
			map[string][]uint16{"EPSV/RETR": {51011}, "PASV/RETR": {51021}},
			map[string]string{"EPSV/RETR": joinedTuple, "PASV/RETR": joinedTuple}},
		{"same server port, local ends unknown: one connection each, never shared", samePortRun(false), samePortEvidence(),
			nil, map[string]string{"EPSV/RETR": joinedEndpoint, "PASV/RETR": joinedEndpoint}},
		{"active: SYNs that reached the listener, answered or not", callbackTimeout(), callbackEvidence(true),
			map[string][]uint16{"EPRT/LIST": {20}, "EPRT/RETR": {20}, "PORT/LIST": {20}, "PORT/RETR": {20}},
			map[string]string{"EPRT/LIST": joinedListener}},
		{"control by 4-tuple", scenarioHealthy(), &capture.Evidence{Available: true, Conns: []*capture.Conn{
			{Initiator: netip_MustAP(clientIP + ":50000"), Responder: netip_MustAP(pubIP + ":21"), SYNs: []capture.PacketRef{{T: 0.01}}}}},
			map[string][]uint16{"EPSV/control": {50000}}, map[string]string{"EPSV/control": joinedTuple}},
		{"no capture: nothing joined", samePortRun(true), nil, map[string][]uint16{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := observe(tt.r, tt.ev)
			got := map[string][]uint16{}
			how := map[string]string{}
			for i := range tt.r.Modes {
				mr := &tt.r.Modes[i]
				record := func(what string, w *wireObs) {
					for _, c := range w.conns {
						got[what] = append(got[what], c.Initiator.Port())
						how[what] = w.by
					}
				}
				record(string(mr.Mode)+"/control", o.controlOf(mr))
				record(string(mr.Mode)+"/LIST", o.dataOf(&mr.ListData))
				if mr.RetrData != nil {
					record(string(mr.Mode)+"/RETR", o.dataOf(mr.RetrData))
				}
			}
			for k, v := range tt.want {
				if !slices.Equal(got[k], v) {
					t.Errorf("%s joined to initiator ports %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
			for k, v := range tt.by {
				if how[k] != v {
					t.Errorf("%s joined by %q, want %q", k, how[k], v)
				}
			}
			seen := map[uint16]string{}
			for k, ps := range got {
				for _, p := range ps {
					if p == 20 {
						continue
					}
					if other, dup := seen[p]; dup {
						t.Errorf("connection from port %d joined to %s and %s", p, other, k)
					}
					seen[p] = k
				}
			}
		})
	}
}

// Two modes given the same server port: the stall of one is not the
// other's (it was, when packets were matched by server endpoint and time).
func TestSamePortStallIsOneModes(t *testing.T) {
	d := Diagnose(samePortRun(true), samePortEvidence())
	f := find(d.Findings, "transfer-stalled")
	if f == nil {
		t.Fatalf("no transfer-stalled in %v", ids(d.Findings))
	}
	if !slices.Equal(f.Modes, []string{"EPSV"}) {
		t.Errorf("transfer-stalled modes %v, want [EPSV]", f.Modes)
	}
}
