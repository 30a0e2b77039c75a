package capture

import "testing"

// TestOneWay: a control connection of which the capture holds one side's
// packets only is one-way when TCP proves the other side's were sent, and
// not otherwise (a server that never answered, a capture that started
// late).
func TestOneWay(t *testing.T) {
	cmd := func(c string) *FTPExchange { return &FTPExchange{Command: c} }
	reply := func() *FTPExchange { return &FTPExchange{Replies: []FTPReply{{}}} }
	syn := []PacketRef{{Packet: 1}}
	tests := []struct {
		name string
		conn Conn
		xs   []*FTPExchange
		want string
	}{
		{"both sides", Conn{SYNs: syn, SYNACK: &PacketRef{}, BytesFromInitiator: 20, BytesFromResponder: 40}, []*FTPExchange{reply(), cmd("USER a")}, ""},
		{"client's data after its SYN, no SYN-ACK", Conn{SYNs: syn, BytesFromInitiator: 20}, []*FTPExchange{cmd("USER a")}, OneWayClient},
		{"client's SYNs unanswered, no data", Conn{SYNs: append(syn, PacketRef{Packet: 2})}, nil, ""},
		{"late start: one command, nothing else", Conn{Midstream: true, BytesFromInitiator: 10}, []*FTPExchange{cmd("PWD")}, ""},
		{"late start: two commands, no reply", Conn{Midstream: true, BytesFromInitiator: 20}, []*FTPExchange{cmd("PWD"), cmd("LIST")}, OneWayClient},
		{"client's data and an ICMP error for it", Conn{SYNs: syn, BytesFromInitiator: 20, ICMP: []ICMPFact{{}}}, []*FTPExchange{cmd("USER a")}, ""},
		{"server's SYN-ACK without its SYN", Conn{SYNACK: &PacketRef{}, BytesFromResponder: 20}, []*FTPExchange{reply()}, OneWayServer},
		{"late start: a greeting alone", Conn{Midstream: true, BytesFromResponder: 20}, []*FTPExchange{reply()}, ""},
		{"late start: replies beyond the greeting", Conn{Midstream: true, BytesFromResponder: 60}, []*FTPExchange{reply(), reply()}, OneWayServer},
		{"server's replies and the client's FIN", Conn{SYNACK: &PacketRef{}, BytesFromResponder: 60, FINInitiator: &PacketRef{}}, []*FTPExchange{reply(), reply()}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.conn
			if got := oneWay(&FTPSession{Control: &c, Exchanges: tc.xs}); got != tc.want {
				t.Errorf("oneWay = %q, want %q", got, tc.want)
			}
		})
	}
}
