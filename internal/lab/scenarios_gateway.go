//go:build linux

package lab

// clientGatewayDrop drops, on the client's gateway, every new TCP
// connection coming in from the public side: the client's own connections
// (control, passive data) pass, an active-mode callback never reaches the
// client. Unlike client-firewall, where the server's SYN reaches the client
// and its own INPUT chain drops it, nothing on the client host sees the
// callback: only the server's reply, or the wait, can tell.
var clientGatewayDrop = [][]string{
	{"-A", "FORWARD", "-i", "wan0", "-o", "lan0", "-p", "tcp", "--syn", "-j", "DROP"},
}

func init() {
	sc := Scenario{
		Name:        "client-gateway-drop",
		Description: "the client's gateway drops new inbound connections toward the client LAN: active callbacks never arrive (active-callback-blocked), passive works",
		Config:      Config{ClientGatewayRules: clientGatewayDrop, ClientGatewayRules6: clientGatewayDrop},
	}
	sc.fillServers()
	Scenarios = append(Scenarios, sc)
}
