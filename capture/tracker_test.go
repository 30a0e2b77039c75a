package capture

import (
	"bytes"
	"cmp"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

func TestTrackerScenarios(t *testing.T) {
	data := netip.MustParseAddrPort("203.0.113.10:3005")
	gw := netip.MustParseAddr("198.51.100.1")
	syn := func(tb testing.TB, src, dst netip.AddrPort) []byte {
		return tcpPacket(tb, seg{src: src, dst: dst, flags: "S", seq: 1000, mss: 1460})
	}
	big := strings.Repeat("x", 1000)
	tests := []struct {
		name  string
		recs  func(tb testing.TB) []rec
		check func(t *testing.T, ev *Evidence)
	}{
		{
			name: "handshake ok, data and FIN both ways",
			recs: func(tb testing.TB) []rec {
				return []rec{
					{0.0, syn(tb, client, server)},
					{0.01, tcpPacket(tb, seg{src: server, dst: client, flags: "SA", seq: 5000, ack: 1001, mss: 1400})},
					{0.02, tcpPacket(tb, seg{src: client, dst: server, flags: "A", seq: 1001, ack: 5001})},
					{0.03, tcpPacket(tb, seg{src: server, dst: client, flags: "PA", seq: 5001, ack: 1001, payload: "220 hi\r\n"})},
					{0.04, tcpPacket(tb, seg{src: client, dst: server, flags: "PA", seq: 1001, ack: 5009, payload: "QUIT\r\n"})},
					{0.05, tcpPacket(tb, seg{src: server, dst: client, flags: "FA", seq: 5009, ack: 1007})},
					{0.06, tcpPacket(tb, seg{src: client, dst: server, flags: "FA", seq: 1007, ack: 5010})},
				}
			},
			check: func(t *testing.T, ev *Evidence) {
				c := one(t, ev)
				if c.Initiator != client || c.Responder != server || !c.Established() || len(c.SYNs) != 1 {
					t.Errorf("conn %+v", c)
				}
				if c.SYNACK.Packet != 2 || c.MSSInitiator != 1460 || c.MSSResponder != 1400 {
					t.Errorf("synack %+v mss %d/%d", c.SYNACK, c.MSSInitiator, c.MSSResponder)
				}
				if c.BytesFromResponder != 8 || c.BytesFromInitiator != 6 || c.Retransmits != 0 {
					t.Errorf("bytes %d/%d retrans %d", c.BytesFromInitiator, c.BytesFromResponder, c.Retransmits)
				}
				if c.FirstData.Packet != 4 || c.LastData.Packet != 5 || c.FINResponder.Packet != 6 || c.FINInitiator.Packet != 7 {
					t.Errorf("data/fin refs %+v %+v %+v %+v", c.FirstData, c.LastData, c.FINResponder, c.FINInitiator)
				}
				if c.Stall != nil || len(c.RSTs) != 0 {
					t.Errorf("stall %+v rsts %+v", c.Stall, c.RSTs)
				}
			},
		},
		{
			name: "SYN sent 3 times, never answered",
			recs: func(tb testing.TB) []rec {
				return []rec{{0, syn(tb, client, data)}, {1, syn(tb, client, data)}, {3, syn(tb, client, data)}}
			},
			check: func(t *testing.T, ev *Evidence) {
				c := one(t, ev)
				if len(c.SYNs) != 3 || c.Established() || c.SYNs[2].T != 3 || c.SYNs[2].Packet != 3 {
					t.Errorf("syns %+v", c.SYNs)
				}
				if len(ev.UnansweredInboundSYNs) != 0 {
					t.Errorf("outbound SYN listed as inbound: %+v", ev.UnansweredInboundSYNs)
				}
			},
		},
		{
			name: "RST from the responder stamped 2 µs before the SYN it answers",
			recs: func(tb testing.TB) []rec {
				return []rec{{0.000003, syn(tb, client, data)}, {0.000001, tcpPacket(tb, seg{src: data, dst: client, flags: "RA", ack: 1001})}}
			},
			check: func(t *testing.T, ev *Evidence) {
				c := one(t, ev)
				if c.Initiator != client || c.Midstream || len(c.SYNs) != 1 || len(c.RSTs) != 1 || c.RSTs[0].From != SideResponder || c.Established() {
					t.Errorf("conn %+v, rsts %+v", c, c.RSTs)
				}
			},
		},
		{
			name: "a RST stamped 2 µs before a SYN it does not acknowledge: two connections",
			recs: func(tb testing.TB) []rec {
				return []rec{{0.000003, syn(tb, client, data)}, {0.000001, tcpPacket(tb, seg{src: data, dst: client, flags: "RA", ack: 77001})}}
			},
			check: func(t *testing.T, ev *Evidence) {
				if len(ev.Conns) != 2 {
					t.Fatalf("%d conns, want the RST's and the SYN's: %+v", len(ev.Conns), ev.Conns)
				}
				if c := ev.Conns[1]; c.Initiator != client || c.Midstream || len(c.SYNs) != 1 || len(c.RSTs) != 0 {
					t.Errorf("the SYN's conn %+v, rsts %+v", c, c.RSTs)
				}
			},
		},
		{
			name: "RST from responder on SYN",
			recs: func(tb testing.TB) []rec {
				return []rec{{0, syn(tb, client, data)}, {0.001, tcpPacket(tb, seg{src: data, dst: client, flags: "RA", ack: 1001})}}
			},
			check: func(t *testing.T, ev *Evidence) {
				c := one(t, ev)
				if len(c.RSTs) != 1 || c.RSTs[0].From != SideResponder || c.RSTs[0].Packet != 2 || c.Established() {
					t.Errorf("rsts %+v", c.RSTs)
				}
			},
		},
		{
			name: "ICMP port unreachable from the host",
			recs: func(tb testing.TB) []rec {
				s := syn(tb, client, data)
				return []rec{{0, s}, {0.002, icmpPacket(tb, data.Addr(), client.Addr(), 3, 3, 0, s)}}
			},
			check: func(t *testing.T, ev *Evidence) {
				icmpIs(t, one(t, ev), 3, 3, "port unreachable", data.Addr().String())
			},
		},
		{
			name: "ICMP admin prohibited from a gateway",
			recs: func(tb testing.TB) []rec {
				s := syn(tb, client, data)
				return []rec{{0, s}, {0.002, icmpPacket(tb, gw, client.Addr(), 3, 13, 0, s)}}
			},
			check: func(t *testing.T, ev *Evidence) {
				icmpIs(t, one(t, ev), 3, 13, "administratively prohibited", gw.String())
			},
		},
		{
			name: "ICMP fragmentation needed names the MTU",
			recs: func(tb testing.TB) []rec {
				s := syn(tb, client, data)
				return []rec{{0, s}, {0.002, icmpPacket(tb, gw, client.Addr(), 3, 4, 1400, s)}}
			},
			check: func(t *testing.T, ev *Evidence) {
				icmpIs(t, one(t, ev), 3, 4, "fragmentation needed (MTU 1400)", gw.String())
			},
		},
		{
			name: "ICMPv6 port unreachable",
			recs: func(tb testing.TB) []rec {
				s := syn(tb, client6, server6)
				return []rec{{0, s}, {0.002, icmpPacket(tb, server6.Addr(), client6.Addr(), 1, 4, 0, s)}}
			},
			check: func(t *testing.T, ev *Evidence) {
				c := one(t, ev)
				icmpIs(t, c, 1, 4, "port unreachable", server6.Addr().String())
				if !c.ICMP[0].V6 {
					t.Error("not marked v6")
				}
			},
		},
		{
			name: "ICMPv6 packet too big",
			recs: func(tb testing.TB) []rec {
				s := syn(tb, client6, server6)
				return []rec{{0, s}, {0.002, icmpPacket(tb, server6.Addr(), client6.Addr(), 2, 0, 1280, s)}}
			},
			check: func(t *testing.T, ev *Evidence) {
				icmpIs(t, one(t, ev), 2, 0, "packet too big (MTU 1280)", server6.Addr().String())
			},
		},
		{
			name: "data bytes and retransmissions",
			recs: func(tb testing.TB) []rec {
				d := func(at float64, seq uint32, n int) rec {
					return rec{at, tcpPacket(tb, seg{src: data, dst: client, flags: "PA", seq: seq, ack: 1001, payload: big[:n]})}
				}
				return []rec{
					{0, syn(tb, client, data)},
					{0.01, tcpPacket(tb, seg{src: data, dst: client, flags: "SA", seq: 5000, ack: 1001})},
					d(0.02, 5001, 1000),
					d(0.03, 6001, 1000),
					d(0.30, 6001, 1000), // resent whole
					d(0.31, 6501, 1000), // overlaps: 500 new bytes
					d(0.32, 7501, 200),
				}
			},
			check: func(t *testing.T, ev *Evidence) {
				c := one(t, ev)
				if c.BytesFromResponder != 2700 || c.Retransmits != 2 || c.MaxSegmentFromResponder != 1000 {
					t.Errorf("bytes %d retrans %d max %d", c.BytesFromResponder, c.Retransmits, c.MaxSegmentFromResponder)
				}
				if c.LastData.Packet != 7 {
					t.Errorf("last data %+v", c.LastData)
				}
			},
		},
		{
			name: "stall: data stops, retransmissions only, then RST",
			recs: func(tb testing.TB) []rec {
				return []rec{
					{0, syn(tb, client, data)},
					{0.01, tcpPacket(tb, seg{src: data, dst: client, flags: "SA", seq: 5000, ack: 1001})},
					{0.02, tcpPacket(tb, seg{src: data, dst: client, flags: "PA", seq: 5001, ack: 1001, payload: big[:500]})},
					{0.03, tcpPacket(tb, seg{src: data, dst: client, flags: "PA", seq: 5501, ack: 1001, payload: big[:500]})},
					{1.5, tcpPacket(tb, seg{src: data, dst: client, flags: "PA", seq: 5501, ack: 1001, payload: big[:500]})},
					{6.03, tcpPacket(tb, seg{src: client, dst: data, flags: "RA", seq: 1001, ack: 6001})},
				}
			},
			check: func(t *testing.T, ev *Evidence) {
				c := one(t, ev)
				if c.Stall == nil || c.Stall.From != 0.03 || c.Stall.Duration < 5.99 || c.Stall.Duration > 6.01 {
					t.Errorf("stall %+v", c.Stall)
				}
			},
		},
		{
			name: "stall: still open when the capture ends",
			recs: func(tb testing.TB) []rec {
				return []rec{
					{0, syn(tb, client, data)},
					{0.01, tcpPacket(tb, seg{src: data, dst: client, flags: "SA", seq: 5000, ack: 1001})},
					{0.02, tcpPacket(tb, seg{src: data, dst: client, flags: "PA", seq: 5001, ack: 1001, payload: big[:500]})},
					{3.02, tcpPacket(tb, seg{src: client, dst: data, flags: "A", seq: 1001, ack: 5501})},
				}
			},
			check: func(t *testing.T, ev *Evidence) {
				if c := one(t, ev); c.Stall == nil || c.Stall.Duration < 2.99 {
					t.Errorf("stall %+v", c.Stall)
				}
			},
		},
		{
			name: "no stall below StallAfter",
			recs: func(tb testing.TB) []rec {
				return []rec{
					{0, syn(tb, client, data)},
					{0.01, tcpPacket(tb, seg{src: data, dst: client, flags: "SA", seq: 5000, ack: 1001})},
					{0.02, tcpPacket(tb, seg{src: data, dst: client, flags: "PA", seq: 5001, ack: 1001, payload: big[:500]})},
					{1.5, tcpPacket(tb, seg{src: data, dst: client, flags: "FPA", seq: 5501, ack: 1001, payload: big[:500]})},
				}
			},
			check: func(t *testing.T, ev *Evidence) {
				if c := one(t, ev); c.Stall != nil {
					t.Errorf("stall %+v", c.Stall)
				}
			},
		},
		{
			name: "active mode: server's SYN to our PORT port never answered",
			recs: func(tb testing.TB) []rec {
				cb := netip.MustParseAddrPort("192.0.2.10:50001")
				from := netip.MustParseAddrPort("203.0.113.10:20")
				return []rec{
					{0, syn(tb, client, server)},
					{0.01, tcpPacket(tb, seg{src: server, dst: client, flags: "SA", seq: 5000, ack: 1001})},
					{0.02, tcpPacket(tb, seg{src: client, dst: server, flags: "PA", seq: 1001, ack: 5001, payload: "PORT 192,0,2,10,195,81\r\n"})},
					{0.1, syn(tb, from, cb)},
					{1.1, syn(tb, from, cb)},
					// A SYN to a port nobody announced is not listed.
					{1.2, syn(tb, from, netip.MustParseAddrPort("192.0.2.10:50002"))},
				}
			},
			check: func(t *testing.T, ev *Evidence) {
				if len(ev.UnansweredInboundSYNs) != 1 {
					t.Fatalf("unanswered %+v", ev.UnansweredInboundSYNs)
				}
				c := ev.UnansweredInboundSYNs[0]
				if c.Responder.Port() != 50001 || len(c.SYNs) != 2 || c.SYNs[0].Packet != 4 {
					t.Errorf("conn %+v", c)
				}
				if !slices.Contains(ev.Conns, c) {
					t.Errorf("the unanswered connection is not in Conns")
				}
				from20 := 0
				for _, c := range ev.Conns {
					if c.Initiator.Addr() == server.Addr() && c.Initiator.Port() == 20 {
						from20++
					}
				}
				if from20 != 2 {
					t.Errorf("%d connections from the server's port 20, want 2", from20)
				}
			},
		},
		{
			name: "active mode via EPRT, answered: not listed",
			recs: func(tb testing.TB) []rec {
				cb := netip.MustParseAddrPort("192.0.2.10:50001")
				from := netip.MustParseAddrPort("203.0.113.10:20")
				return []rec{
					{0, syn(tb, client, server)},
					{0.01, tcpPacket(tb, seg{src: server, dst: client, flags: "SA", seq: 5000, ack: 1001})},
					{0.02, tcpPacket(tb, seg{src: client, dst: server, flags: "PA", seq: 1001, ack: 5001, payload: "EPRT |1|192.0.2.10|50001|\r\n"})},
					{0.1, syn(tb, from, cb)},
					{0.11, tcpPacket(tb, seg{src: cb, dst: from, flags: "SA", seq: 9000, ack: 1001})},
				}
			},
			check: func(t *testing.T, ev *Evidence) {
				if len(ev.UnansweredInboundSYNs) != 0 || len(ev.Conns) != 2 || !ev.Conns[1].Established() {
					t.Errorf("unanswered %+v conns %d", ev.UnansweredInboundSYNs, len(ev.Conns))
				}
			},
		},
		{
			name: "midstream connection and port reuse",
			recs: func(tb testing.TB) []rec {
				return []rec{
					{0, tcpPacket(tb, seg{src: server, dst: client, flags: "PA", seq: 5001, ack: 1001, payload: "226 ok\r\n"})},
					{0.1, tcpPacket(tb, seg{src: client, dst: server, flags: "RA", seq: 1001})},
					{0.2, tcpPacket(tb, seg{src: client, dst: server, flags: "S", seq: 77})},
				}
			},
			check: func(t *testing.T, ev *Evidence) {
				if len(ev.Conns) != 2 {
					t.Fatalf("conns %d", len(ev.Conns))
				}
				m := ev.Conns[0]
				if !m.Midstream || m.Initiator != client || m.BytesFromResponder != 8 || len(m.RSTs) != 1 || m.RSTs[0].From != SideInitiator {
					t.Errorf("midstream conn %+v", m)
				}
				if ev.Conns[1].Midstream || len(ev.Conns[1].SYNs) != 1 {
					t.Errorf("new conn %+v", ev.Conns[1])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readRecs(t, tt.recs(t)))
		})
	}
}

func one(t *testing.T, ev *Evidence) *Conn {
	t.Helper()
	if len(ev.Conns) != 1 {
		t.Fatalf("want 1 conn, got %d: %+v", len(ev.Conns), ev.Conns)
	}
	return ev.Conns[0]
}

func icmpIs(t *testing.T, c *Conn, typ, code int, text, from string) {
	t.Helper()
	if len(c.ICMP) != 1 {
		t.Fatalf("icmp %+v", c.ICMP)
	}
	f := c.ICMP[0]
	if f.Type != typ || f.Code != code || f.Text != text || f.From != from || f.Packet != 2 {
		t.Errorf("icmp %+v, want %d/%d %q from %s", f, typ, code, text, from)
	}
}

func TestLinkTypes(t *testing.T) {
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2, layers.LinkTypeNull, layers.LinkTypeRaw, layers.LinkTypeIPv4} {
		for _, ng := range []bool{true, false} {
			t.Run(lt.String()+map[bool]string{true: "/pcapng", false: "/pcap"}[ng], func(t *testing.T) {
				recs := []rec{
					{0, tcpPacket(t, seg{src: client, dst: server, flags: "S", seq: 1})},
					{0.1, tcpPacket(t, seg{src: server, dst: client, flags: "SA", seq: 9, ack: 2})},
				}
				if lt != layers.LinkTypeIPv4 {
					recs = append(recs,
						rec{0.2, tcpPacket(t, seg{src: client6, dst: server6, flags: "S", seq: 1})},
						rec{0.3, tcpPacket(t, seg{src: server6, dst: client6, flags: "RA", ack: 2})})
				}
				ev, err := ReadFile(writeTrace(t, "x", lt, ng, recs))
				if err != nil {
					t.Fatal(err)
				}
				if ev.Packets != len(recs) || len(ev.Conns) != len(recs)/2 || !ev.Conns[0].Established() {
					t.Fatalf("packets %d conns %+v", ev.Packets, ev.Conns)
				}
				if len(recs) > 2 && len(ev.Conns[1].RSTs) != 1 {
					t.Errorf("v6 conn %+v", ev.Conns[1])
				}
			})
		}
	}
}

func TestConnLimit(t *testing.T) {
	tr := NewTracker(TrackerConfig{MaxConns: 2})
	for i := range 4 {
		src := netip.AddrPortFrom(client.Addr(), uint16(40000+i))
		tr.Add(layers.LinkTypeRaw, tcpPacket(t, seg{src: src, dst: server, flags: "S"}), t0, i+1)
	}
	ev := tr.Finish(t0)
	if len(ev.Conns) != 2 || ev.UntrackedPackets != 2 || ev.Packets != 4 {
		t.Errorf("conns %d untracked %d packets %d", len(ev.Conns), ev.UntrackedPackets, ev.Packets)
	}
}

func TestParsePortCommand(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"PORT 192,0,2,10,195,81", "192.0.2.10:50001"},
		{"port 10,0,0,1,0,21", "10.0.0.1:21"},
		{"EPRT |2|2001:db8::1|5282|", "[2001:db8::1]:5282"},
		{"EPRT !1!10.1.2.3!99!", "10.1.2.3:99"},
		{"PORT 1,2,3", ""},
		{"PORT 300,2,3,4,5,6", ""},
		{"PASV", ""},
		{"EPRT |1|nope|5|", ""},
		{"ePrT |1|10.0.0.2|7|", "10.0.0.2:7"},
		{"USER alice", ""},
		{"PORſ 1,2,3,4,5,6", ""},
		{"\xffORT 1,2,3,4,5,6", ""},
	}
	for _, tt := range tests {
		ap, ok := parsePortCommand([]byte(tt.line))
		got := ""
		if ok {
			got = ap.String()
		}
		if got != tt.want {
			t.Errorf("%q: got %q want %q", tt.line, got, tt.want)
		}
	}
	// Every command line of a control connection is looked at: the ones
	// that are not PORT or EPRT cost no allocation.
	other := []byte("RETR some/file.bin")
	if n := testing.AllocsPerRun(100, func() { parsePortCommand(other) }); n != 0 {
		t.Errorf("%v allocations for a RETR line", n)
	}
}

// TestAddNanosSameAsAdd: a trace's packets, given to the tracker as Unix
// nanoseconds, get the times Add gives the same packets as time.Time:
// close together, far apart (past what an int64 of nanoseconds between
// them holds) and before the first.
func TestAddNanosSameAsAdd(t *testing.T) {
	syn := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: client, dst: netipPort(server, 3005), flags: "S", seq: 1000}))
	base := t0.UnixNano()
	for _, tt := range []struct {
		name string
		at   []int64
	}{
		{"close", []int64{base, base + 1, base + 999_999_999, base + 1_000_000_001}},
		{"before the first", []int64{base, base - 5_000_000_000, base - 1}},
		{"centuries apart", []int64{math.MinInt64 + 7, math.MaxInt64 - 3, 0, 1 << 62, -(1 << 62) - 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := NewTracker(TrackerConfig{}), NewTracker(TrackerConfig{})
			for i, at := range tt.at {
				a.Add(layers.LinkTypeEthernet, syn, time.Unix(0, at).UTC(), i+1)
				b.addNanos(layers.LinkTypeEthernet, syn, nil, at, i+1)
			}
			ea, eb := a.Finish(time.Time{}), b.Finish(time.Time{})
			if !ea.Start.Equal(eb.Start) || !reflect.DeepEqual(ea.Conns, eb.Conns) {
				t.Errorf("as time.Time: %v %+v\nas nanoseconds: %v %+v", ea.Start, ea.Conns[0].SYNs, eb.Start, eb.Conns[0].SYNs)
			}
		})
	}
}

// TestHandshakeFirstOrientation: the client's last handshake ACK stamped
// before its SYN, on a control port above the client's: the ends guessed
// from the ports (the server as initiator) and the control stream begun
// then are set right by the SYN, so the dialogue is read as sent.
func TestHandshakeFirstOrientation(t *testing.T) {
	cl := netip.MustParseAddrPort("192.0.2.10:40000")
	sv := netip.MustParseAddrPort("203.0.113.10:50021")
	for _, tc := range []struct {
		name  string
		ackAt float64
	}{{"in order", 0.000005}, {"the ACK stamped 2 us before the SYN", 0.000001}} {
		t.Run(tc.name, func(t *testing.T) {
			recs := []rec{
				{tc.ackAt, tcpPacket(t, seg{src: cl, dst: sv, flags: "A", seq: 1001, ack: 5001})},
				{0.000003, tcpPacket(t, seg{src: cl, dst: sv, flags: "S", seq: 1000})},
				{0.000004, tcpPacket(t, seg{src: sv, dst: cl, flags: "SA", seq: 5000, ack: 1001})},
				{0.01, tcpPacket(t, seg{src: sv, dst: cl, flags: "PA", seq: 5001, ack: 1001, payload: "220 hi\r\n"})},
				{0.02, tcpPacket(t, seg{src: cl, dst: sv, flags: "PA", seq: 1001, ack: 5009, payload: "USER x\r\n"})},
				{0.03, tcpPacket(t, seg{src: sv, dst: cl, flags: "PA", seq: 5009, ack: 1009, payload: "331 pw\r\n"})},
			}
			slices.SortStableFunc(recs, func(a, b rec) int { return cmp.Compare(a.at, b.at) })
			ev, err := ReadTraces([]Trace{{Name: "t", R: bytes.NewReader(traceBytes(t, layers.LinkTypeEthernet, true, recs))}}, ReadOptions{ControlPorts: []uint16{50021}})
			if err != nil {
				t.Fatal(err)
			}
			if len(ev.Sessions) != 1 || len(ev.Conns) != 1 {
				t.Fatalf("%d sessions, %d conns, want 1 and 1", len(ev.Sessions), len(ev.Conns))
			}
			s := ev.Sessions[0]
			if c := ev.Conns[0]; c.Initiator != cl || c.Midstream || c.SYNACK == nil || c.BytesFromInitiator != 8 || c.BytesFromResponder != 16 {
				t.Errorf("conn %s -> %s midstream %v SYN-ACK %v bytes %d/%d", c.Initiator, c.Responder, c.Midstream, c.SYNACK != nil, c.BytesFromInitiator, c.BytesFromResponder)
			}
			if s.Client != cl || !slices.ContainsFunc(s.Exchanges, func(x *FTPExchange) bool {
				return x.Command == "USER x" && len(x.Replies) == 1 && x.Replies[0].Code == 331
			}) {
				t.Errorf("session client %s, exchanges %d: want client %s and USER answered 331", s.Client, len(s.Exchanges), cl)
			}
		})
	}
}
