package report

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// stalledRun is an EPSV run whose LIST passed and whose RETR stalled.
func stalledRun(outcome probe.Outcome, bytes int64) *probe.Result {
	ok := func(t0, t float64) probe.Step { return probe.Step{Outcome: probe.OutcomeOK, T0: t0, T: t} }
	return &probe.Result{
		Target: probe.Target{URL: "ftp://10.77.0.2/big.bin", Host: "10.77.0.2", Port: 21},
		Modes: []probe.ModeResult{{
			Mode: probe.ModeEPSV, Applicable: true, Works: true,
			ControlLocal: "192.168.10.2:40000", ControlRemote: "10.77.0.2:21",
			Connect: ok(0, 0.01), Banner: ok(0.01, 0.02), Login: ok(0.02, 0.03),
			ListData: probe.DataConn{Announced: "10.77.0.2:30001", Dialled: "10.77.0.2:30001", Peer: "10.77.0.2:30001", Local: "192.168.10.2:40001",
				AddressPolicy: "same", Setup: probe.Step{Outcome: probe.OutcomeOK, Reply: &ftp.Reply{Code: 229, Lines: []string{"229 Entering Extended Passive Mode (|||30001|)"}}}, Connect: ok(0.1, 0.11)},
			List: probe.Transfer{Command: "LIST", Step: ok(0.11, 0.2), Bytes: 132},
			RetrData: &probe.DataConn{Announced: "10.77.0.2:30002", Dialled: "10.77.0.2:30002", Peer: "10.77.0.2:30002", Local: "192.168.10.2:40002",
				AddressPolicy: "same", Setup: probe.Step{Outcome: probe.OutcomeOK}, Connect: ok(1.0, 1.01)},
			Retr: &probe.Transfer{Command: "RETR big.bin", Step: probe.Step{Outcome: outcome, T0: 1.01, T: 4.01, Error: "stalled"}, Bytes: bytes, LargestRead: int(bytes)},
		}},
	}
}

func retrConn(largest int) *capture.Conn {
	return &capture.Conn{
		Initiator: netip.MustParseAddrPort("192.168.10.2:40002"), Responder: netip.MustParseAddrPort("10.77.0.2:30002"),
		First: capture.PacketRef{T: 1.0, Packet: 40}, SYNs: []capture.PacketRef{{T: 1.0, Packet: 40}},
		MSSInitiator: 1460, MSSResponder: 1460, MaxSegmentFromResponder: largest, BytesFromResponder: int64(largest),
		LastData: &capture.PacketRef{T: 1.1, Packet: 44}, Retransmits: 5,
	}
}

func stalledFinding(t *testing.T, d *Diagnosis) Finding {
	t.Helper()
	for _, f := range d.Findings {
		if f.ID == "transfer-stalled" {
			return f
		}
	}
	t.Fatalf("no transfer-stalled in %+v", d.Findings)
	return Finding{}
}

func TestTransferStalledSegments(t *testing.T) {
	tests := []struct {
		name    string
		largest int
		want    string
	}{
		{"black hole: nothing full-size arrived", 948, "no full-size segment ever arrived"},
		{"black hole: not one segment arrived", 0, "not one data segment arrived"},
		{"middlebox: full-size segments arrived", 1448, "full-size segments (1448 bytes, MSS 1460) did arrive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := &capture.Evidence{Available: true, Packets: 60, Conns: []*capture.Conn{retrConn(tc.largest)}}
			f := stalledFinding(t, Diagnose(stalledRun(probe.OutcomeStalled, int64(tc.largest)), ev))
			if f.Inferred {
				t.Errorf("inferred although the capture backs it")
			}
			var text []string
			for _, e := range f.Evidence {
				text = append(text, e.Text)
			}
			if !strings.Contains(strings.Join(text, "\n"), tc.want) {
				t.Errorf("evidence %q lacks %q", text, tc.want)
			}
		})
	}
	t.Run("no capture: inferred, largest read quoted, fixes name MSS clamping and ICMP 3/4", func(t *testing.T) {
		f := stalledFinding(t, Diagnose(stalledRun(probe.OutcomeStalled, 20000), nil))
		if !f.Inferred || !strings.Contains(f.Evidence[0].Text, "largest read 20000 bytes") {
			t.Errorf("finding %+v", f)
		}
		var all string
		for _, fx := range f.Fixes {
			all += fx.Text + strings.Join(fx.Lines, "\n")
		}
		for _, w := range []string{"iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "type 3 code 4"} {
			if !strings.Contains(all, w) {
				t.Errorf("fixes lack %q", w)
			}
		}
	})
}
