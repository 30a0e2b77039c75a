package capture

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// TestFilter runs the assembled kernel filter in x/net/bpf's VM over
// synthetic frames of each link type.
func TestFilter(t *testing.T) {
	spec := filterSpec{
		servers:     []netip.Addr{server.Addr(), server6.Addr()},
		controlPort: 21,
		activePorts: []uint16{50001},
		wholePorts:  []uint16{40001},
	}
	other := netip.MustParseAddrPort("198.51.100.7:443")
	other6 := netip.MustParseAddrPort("[2001:db8:2::7]:443")
	gw := netip.MustParseAddr("198.51.100.1")
	synData := tcpPacket(t, seg{src: client, dst: netipPort(server, 3005), flags: "S"})
	tests := []struct {
		name string
		ip   []byte
		want int // 0 drop, headerSnap, wholeSnap
	}{
		{"control to server", tcpPacket(t, seg{src: client, dst: server, flags: "PA", payload: "PASS x\r\n"}), wholeSnap},
		{"control from server", tcpPacket(t, seg{src: server, dst: client, flags: "PA", payload: "230 ok\r\n"}), wholeSnap},
		{"data to server", synData, headerSnap},
		{"data from server", tcpPacket(t, seg{src: netipPort(server, 3005), dst: client, flags: "SA"}), headerSnap},
		{"TLS data connection kept whole, to server", tcpPacket(t, seg{src: netipPort(client, 40001), dst: netipPort(server, 3005), flags: "PA", payload: "\x16\x03\x01"}), wholeSnap},
		{"TLS data connection kept whole, from server", tcpPacket(t, seg{src: netipPort(server, 3005), dst: netipPort(client, 40001), flags: "PA", payload: "\x16\x03\x03"}), wholeSnap},
		{"kept port with another host", tcpPacket(t, seg{src: netipPort(client, 40001), dst: other, flags: "S"}), 0},
		{"unrelated host", tcpPacket(t, seg{src: client, dst: other, flags: "S"}), 0},
		{"callback to active port from elsewhere", tcpPacket(t, seg{src: other, dst: netipPort(client, 50001), flags: "S"}), headerSnap},
		{"our SYN-ACK from the active port", tcpPacket(t, seg{src: netipPort(client, 50001), dst: other, flags: "SA"}), headerSnap},
		{"v6 control", tcpPacket(t, seg{src: client6, dst: netipPort(server6, 21), flags: "PA", payload: "x"}), wholeSnap},
		{"v6 data", tcpPacket(t, seg{src: client6, dst: server6, flags: "S"}), headerSnap},
		{"v6 data kept whole", tcpPacket(t, seg{src: netipPort(server6, 3005), dst: netipPort(client6, 40001), flags: "PA", payload: "x"}), wholeSnap},
		{"v6 unrelated", tcpPacket(t, seg{src: client6, dst: other6, flags: "S"}), 0},
		{"v6 active port", tcpPacket(t, seg{src: other6, dst: netipPort(client6, 50001), flags: "S"}), headerSnap},
		{"icmp error from a gateway", icmpPacket(t, gw, client.Addr(), 3, 13, 0, synData), headerSnap},
		{"icmp echo from the server", icmpPacket(t, server.Addr(), client.Addr(), 0, 0, 0, nil), headerSnap},
		{"icmp echo from elsewhere", icmpPacket(t, gw, client.Addr(), 0, 0, 0, nil), 0},
		{"icmpv6 error from elsewhere", icmpPacket(t, other6.Addr(), client6.Addr(), 1, 1, 0, nil), headerSnap},
		{"icmpv6 echo from elsewhere", icmpPacket(t, other6.Addr(), client6.Addr(), 128, 0, 0, nil), 0},
	}
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2, layers.LinkTypeNull, layers.LinkTypeRaw} {
		prog, err := spec.program(lt, false)
		if err != nil {
			t.Fatal(err)
		}
		ins := make([]bpf.Instruction, len(prog))
		for i, r := range prog {
			ins[i] = r.Disassemble()
		}
		vm, err := bpf.NewVM(ins)
		if err != nil {
			t.Fatalf("%v: %v", lt, err)
		}
		for _, tt := range tests {
			got, err := vm.Run(frame(lt, tt.ip))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%v %s: filter returns %d, want %d", lt, tt.name, got, tt.want)
			}
		}
	}
	if _, err := spec.program(layers.LinkTypeEthernet, true); err != nil {
		t.Errorf("loopback variant: %v", err)
	}
	if s := spec.String(); s == "" {
		t.Error("empty filter description")
	}
}

func TestFilterTooManyPorts(t *testing.T) {
	spec := filterSpec{servers: []netip.Addr{server.Addr()}, controlPort: 21}
	for p := range maxFilterPorts + 1 {
		spec.activePorts = append(spec.activePorts, uint16(50000+p))
	}
	if _, err := spec.program(layers.LinkTypeEthernet, false); err == nil {
		t.Error("no error for too many ports")
	}
	spec.activePorts = spec.activePorts[:maxFilterPorts]
	for p := range maxWholePorts + 1 {
		spec.wholePorts = append(spec.wholePorts, uint16(40000+p))
	}
	if _, err := spec.program(layers.LinkTypeEthernet, false); err == nil {
		t.Error("no error for too many ports kept whole")
	}
	spec.wholePorts = spec.wholePorts[:maxWholePorts]
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL2} {
		if _, err := spec.program(lt, true); err != nil {
			t.Errorf("%v at the limits: %v", lt, err)
		}
	}
}
