package capture

import (
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestWholeKeeper feeds one keeper a run of frames: a data connection is
// kept whole up to wholeBudget bytes of payload (both directions), then
// cut to headerSnap, the frame that spends the budget naming its ports;
// the control connection and short frames are never cut.
func TestWholeKeeper(t *testing.T) {
	dataC, dataS := netipPort(client, 40001), netipPort(server, 3005)
	other := netipPort(client, 40002)
	pay := func(n int) string { return strings.Repeat("x", n) }
	seq := []struct {
		name      string
		s         seg
		wantWhole bool
		wantSpent []uint16
	}{
		{"control, long", seg{src: client, dst: server, flags: "PA", payload: pay(3000)}, true, nil},
		{"hello to server", seg{src: dataC, dst: dataS, flags: "PA", payload: pay(300)}, true, nil},
		{"server flight", seg{src: dataS, dst: dataC, flags: "PA", payload: pay(wholeBudget - 400)}, true, nil},
		{"short frame", seg{src: dataS, dst: dataC, flags: "A"}, true, nil},
		{"spends the budget", seg{src: dataS, dst: dataC, flags: "PA", payload: pay(200)}, false, []uint16{3005, 40001}},
		{"after the budget", seg{src: dataC, dst: dataS, flags: "PA", payload: pay(200)}, false, nil},
		{"another connection", seg{src: other, dst: dataS, flags: "PA", payload: pay(500)}, true, nil},
		{"control again", seg{src: server, dst: client, flags: "PA", payload: pay(2000)}, true, nil},
	}
	var k wholeKeeper
	for _, tt := range seq {
		data := frame(layers.LinkTypeEthernet, tcpPacket(t, tt.s))
		n, spent := k.keep(layers.LinkTypeEthernet, data, 21)
		want := headerSnap
		if tt.wantWhole || len(data) <= headerSnap {
			want = len(data)
		}
		if n != want {
			t.Errorf("%s: keeps %d of %d bytes, want %d", tt.name, n, len(data), want)
		}
		if !slices.Equal(spent, tt.wantSpent) {
			t.Errorf("%s: spent %v, want %v", tt.name, spent, tt.wantSpent)
		}
	}
}

// TestWholeKeeperBounded: past maxWholeConns connections counted, a new
// one is cut at once instead of growing the table.
func TestWholeKeeperBounded(t *testing.T) {
	var k wholeKeeper
	big := strings.Repeat("y", 500)
	for i := range maxWholeConns + 3 {
		s := seg{src: netipPort(client, uint16(41000+i)), dst: netipPort(server, 3005), flags: "PA", payload: big}
		data := frame(layers.LinkTypeEthernet, tcpPacket(t, s))
		n, _ := k.keep(layers.LinkTypeEthernet, data, 21)
		if kept := n == len(data); kept != (i < maxWholeConns) {
			t.Errorf("connection %d: kept whole %v", i, kept)
		}
	}
	if len(k.used) > maxWholeConns {
		t.Errorf("%d connections counted, bound %d", len(k.used), maxWholeConns)
	}
}
