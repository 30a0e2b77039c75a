package report

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// xferCase shapes the RETR of stalledRun: how it ended, what came first.
type xferCase struct {
	outcome probe.Outcome
	bytes   int64
	// prelim is the 1xx reply text ("" when none came).
	prelim string
	// closed and final: the server closed the data connection / replied.
	closed, final bool
	// failText is a failure reply that ended the RETR ("" none).
	failText string
	t0, t    float64
}

// stalledRun is an EPSV run whose LIST passed (132 bytes) and whose RETR
// went as x says.
func stalledRun(x xferCase) *probe.Result {
	ok := func(t0, t float64) probe.Step { return probe.Step{Outcome: probe.OutcomeOK, T0: t0, T: t} }
	if x.t == 0 {
		x.t0, x.t = 1.01, 4.01
	}
	retr := &probe.Transfer{Command: "RETR big.bin", Step: probe.Step{Outcome: x.outcome, T0: x.t0, T: x.t, Error: "stalled"}, Bytes: x.bytes, LargestRead: int(min(x.bytes, 32768))}
	if x.prelim != "" {
		retr.Preliminary = &ftp.Reply{Code: 150, Lines: []string{x.prelim}}
		t := x.t0 + 0.01
		retr.Times.Preliminary = &t
	}
	if x.bytes > 0 {
		f, l := x.t0+0.02, x.t0+0.1
		retr.Times.FirstByte, retr.Times.LastByte = &f, &l
	}
	if x.closed {
		retr.Times.ServerClosed = &x.t
	}
	if x.final {
		retr.Final = &ftp.Reply{Code: 226, Lines: []string{"226 Transfer complete."}}
		retr.Times.Final = &x.t
	}
	if x.failText != "" {
		code, _ := strconv.Atoi(x.failText[:3])
		rep := ftp.Reply{Code: code, Lines: []string{x.failText}}
		retr.Final, retr.Step.Reply, retr.Step.Error = &rep, &rep, ""
		retr.Times.Final = &x.t
	}
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
			Retr: retr,
		}},
	}
}

// retrConn is the RETR data connection on the wire: largest is the
// largest segment that arrived from the server.
func retrConn(largest int) *capture.Conn {
	return &capture.Conn{
		Initiator: netip.MustParseAddrPort("192.168.10.2:40002"), Responder: netip.MustParseAddrPort("10.77.0.2:30002"),
		First: capture.PacketRef{T: 1.0, Packet: 40}, SYNs: []capture.PacketRef{{T: 1.0, Packet: 40}}, SYNACK: &capture.PacketRef{T: 1.005, Packet: 41},
		MSSInitiator: 1460, MSSResponder: 1460, MaxSegmentFromResponder: largest, BytesFromResponder: int64(largest),
		LastData: &capture.PacketRef{T: 1.1, Packet: 44}, Retransmits: 5,
	}
}

func evWith(cs ...*capture.Conn) *capture.Evidence {
	return &capture.Evidence{Available: true, Packets: 60, Conns: cs}
}

const bigPrelim = "150 Opening BINARY mode data connection for big.bin (1048576 bytes)."

// findingText is everything a finding says, for the assertions.
func findingText(f *Finding) string {
	parts := []string{f.Title, f.Explanation, f.Action}
	for _, e := range f.Evidence {
		parts = append(parts, e.Text)
	}
	for _, fx := range f.Fixes {
		parts = append(parts, fx.Text)
		parts = append(parts, fx.Lines...)
	}
	return strings.Join(parts, "\n")
}

// diagnoseAt runs the rules on a result as analyze would on a capture
// taken at vantage ("" for a probe run).
func diagnoseAt(r *probe.Result, ev *capture.Evidence, vantage string) []Finding {
	in := newInput(r, ev)
	if vantage != "" {
		in.an = &analysis{vantage: vantage}
	}
	var out []Finding
	for _, rl := range rules {
		out = append(out, rl(in)...)
	}
	return out
}

func TestTransferFailures(t *testing.T) {
	loop := retrConn(1000)
	loop.Initiator, loop.Responder = netip.MustParseAddrPort("127.0.0.1:40002"), netip.MustParseAddrPort("127.0.0.1:30002")
	loopRun := stalledRun(xferCase{outcome: probe.OutcomeStalled, bytes: 1000, prelim: bigPrelim})
	loopRun.Modes[0].RetrData.Local, loopRun.Modes[0].RetrData.Dialled = "127.0.0.1:40002", "127.0.0.1:30002"
	sent := retrConn(1448)
	sent.BytesFromResponder = 14480
	tests := []struct {
		name    string
		r       *probe.Result
		ev      *capture.Evidence
		vantage string
		want    string   // the finding expected ("" none of the five)
		says    []string // in what it says
		never   []string // never in what any transfer finding says
		// inferred is the want finding's Inferred flag.
		inferred bool
	}{
		{name: "no 150, no data: the server never answered, no MTU claim",
			r: stalledRun(xferCase{outcome: probe.OutcomeTimeout}), want: "transfer-no-reply",
			says: []string{"never answered RETR", "no reply to RETR and no data for 3.0 s"}, never: []string{"clamp", "TCPMSS", "black hole (", "not one data segment"}},
		{name: "no 150, no data, capture: the quiet data connection is the evidence",
			r: stalledRun(xferCase{outcome: probe.OutcomeTimeout}), ev: evWith(retrConn(0)), want: "transfer-no-reply",
			says: []string{"no data from the server on the wire"}, never: []string{"TCPMSS", "not one data segment"}},
		{name: "150 of a small file, no data: no data, no black hole candidate",
			r: stalledRun(xferCase{outcome: probe.OutcomeTimeout, prelim: "150 Opening BINARY mode data connection for big.bin (100 bytes)."}), want: "transfer-no-data",
			says: []string{"not one byte for 3.0 s"}, never: []string{"black hole", "TCPMSS"}},
		{name: "150 of 1 MiB, no data, the listing passed: black hole as a candidate with its test",
			r: stalledRun(xferCase{outcome: probe.OutcomeTimeout, prelim: bigPrelim}), want: "transfer-no-data",
			says: []string{"signature of a path-MTU black hole", "LIST: 132 bytes", "ip link set dev <interface> mtu 1400"}, never: []string{"TCPMSS"}},
		{name: "150 of 1 MiB, capture at the client: not one segment arrived",
			r: stalledRun(xferCase{outcome: probe.OutcomeTimeout, prelim: bigPrelim}), ev: evWith(retrConn(0)), want: "transfer-no-data",
			says: []string{"not one data segment arrived on 192.168.10.2:40002 -> 10.77.0.2:30002 (MSS 1460), of 1048576 bytes announced"}},
		{name: "data flowed then stopped, no capture: stalled, cause not claimed, inferred",
			r: stalledRun(xferCase{outcome: probe.OutcomeStalled, bytes: 20000}), want: "transfer-stalled", inferred: true,
			says: []string{"largest read 20000 bytes", "cannot be told", "ip link set dev <interface> mtu 1400"}, never: []string{"TCPMSS"}},
		{name: "stalled, 1 MiB announced, no full-size segment arrived: path-MTU black hole",
			r: stalledRun(xferCase{outcome: probe.OutcomeStalled, bytes: 948, prelim: bigPrelim}), ev: evWith(retrConn(948)), want: "transfer-stalled",
			says: []string{"no full-size segment ever arrived", "path-MTU black hole", "--clamp-mss-to-pmtu", "type 3 code 4"}},
		{name: "stalled, full-size segments arrived: something else froze it",
			r: stalledRun(xferCase{outcome: probe.OutcomeStalled, bytes: 1448, prelim: bigPrelim}), ev: evWith(retrConn(1448)), want: "transfer-stalled",
			says: []string{"full-size segments (1448 bytes, MSS 1460) did arrive", "middlebox"}, never: []string{"TCPMSS"}},
		{name: "stalled, no size announced, small segments: no full-size claim",
			r: stalledRun(xferCase{outcome: probe.OutcomeStalled, bytes: 948}), ev: evWith(retrConn(948)), want: "transfer-stalled",
			never: []string{"no full-size segment", "TCPMSS"}},
		{name: "stalled on loopback: no path, never an MTU claim",
			r: loopRun, ev: evWith(loop), want: "transfer-stalled",
			never: []string{"no full-size segment", "TCPMSS"}},
		{name: "every announced byte arrived, never closed: data not closed",
			r: stalledRun(xferCase{outcome: probe.OutcomeStalled, bytes: 1048576, prelim: bigPrelim}), want: "data-not-closed",
			says: []string{"all 1048576 bytes announced had arrived"}, never: []string{"TCPMSS", "black hole"}},
		{name: "150, no byte, then the server's 425: no data, the 425 quoted, no MTU claim",
			r: stalledRun(xferCase{outcome: probe.OutcomeReply, prelim: bigPrelim, failText: "425 Can't open data connection."}), want: "transfer-no-data",
			says: []string{`the server ended the transfer itself: "425 Can't open data connection."`}, never: []string{"TCPMSS", "not one byte for"}},
		{name: "150, no byte, then 421: no data, not server-closing",
			r: stalledRun(xferCase{outcome: probe.OutcomeReply, prelim: bigPrelim, failText: "421 Timeout."}), want: "transfer-no-data",
			says: []string{`"421 Timeout."`}},
		{name: "150, no byte, then 550: the file refused, not no data",
			r: stalledRun(xferCase{outcome: probe.OutcomeReply, prelim: bigPrelim, failText: "550 Permission denied."})},
		{name: "150, data, then 426: not a transfer failure of these five",
			r: stalledRun(xferCase{outcome: probe.OutcomeReply, bytes: 4096, prelim: bigPrelim, failText: "426 Connection closed; transfer aborted."})},
		{name: "226 came, the probe waited and the data connection stayed open: data not closed",
			r: stalledRun(xferCase{outcome: probe.OutcomeOK, bytes: 4096, prelim: bigPrelim, final: true, t0: 1.01, t: 1.5}), want: "data-not-closed",
			says: []string{`then the server's "226 Transfer complete."`, "and its completion reply (226)"}, never: []string{"TCPMSS"}},
		{name: "226 came, no close in a capture: the capture may end early, nothing",
			r: stalledRun(xferCase{outcome: probe.OutcomeOK, bytes: 4096, prelim: bigPrelim, final: true}), vantage: "client"},
		{name: "a trickle until the transfer deadline: too slow, no MTU claim",
			r: stalledRun(xferCase{outcome: probe.OutcomeTimeout, bytes: 60, prelim: bigPrelim, t0: 1.01, t: 61.01}), want: "transfer-too-slow",
			says: []string{"60 bytes in 60.0 s (1 bytes/s)"}, never: []string{"TCPMSS", "black hole"}},
		{name: "a completed transfer with a pause on the wire: nothing",
			r:  stalledRun(xferCase{outcome: probe.OutcomeOK, bytes: 4096, prelim: bigPrelim, closed: true, final: true}),
			ev: evWith(func() *capture.Conn { c := retrConn(1448); c.Stall = &capture.Stall{From: 1.1, Duration: 2}; return c }())},
		{name: "analyze at the server: full-size segments sent again, none reached the client",
			r: stalledRun(xferCase{outcome: probe.OutcomeTimeout, prelim: bigPrelim}), ev: evWith(sent), vantage: "server", want: "transfer-stalled",
			says: []string{"sent them again (5 retransmissions)", "--clamp-mss-to-pmtu"}},
	}
	all := []string{"transfer-no-reply", "transfer-no-data", "transfer-stalled", "data-not-closed", "transfer-too-slow"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := diagnoseAt(tt.r, tt.ev, tt.vantage)
			for _, id := range all {
				f := find(fs, id)
				if (id == tt.want) != (f != nil) {
					t.Errorf("%s: got %v, want %q", id, ids(fs), tt.want)
				}
				if f == nil {
					continue
				}
				text := findingText(f)
				for _, w := range tt.never {
					if strings.Contains(text, w) {
						t.Errorf("%s says %q:\n%s", id, w, text)
					}
				}
				if id != tt.want {
					continue
				}
				for _, w := range tt.says {
					if !strings.Contains(text, w) {
						t.Errorf("%s lacks %q:\n%s", id, w, text)
					}
				}
				if f.Inferred != tt.inferred {
					t.Errorf("%s inferred %v, want %v", id, f.Inferred, tt.inferred)
				}
				if !slices.Equal(f.Modes, []string{"EPSV"}) {
					t.Errorf("%s modes %v", id, f.Modes)
				}
			}
		})
	}
}
