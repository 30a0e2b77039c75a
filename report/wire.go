package report

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture"
)

// matchSlack widens a step's time window when matching packets to it: the
// probe's clock and the capture's timestamps differ by scheduling delays,
// well under half a second.
const matchSlack = 0.5

// connsTo finds the captured connections to a responder port, accepting any
// of addrs (the announced and the control address: NAT may rewrite either),
// whose first SYN falls within [from-slack, until+slack], in time order. It
// matches by port, not by Wireshark's port-20 or announced-address
// heuristics, which NAT breaks.
func connsTo(ev *capture.Evidence, addrs []netip.Addr, port uint16, from, until float64) []*capture.Conn {
	if ev == nil || port == 0 {
		return nil
	}
	var out []*capture.Conn
	for _, c := range ev.Conns {
		if c.Responder.Port() != port || !addrIn(c.Responder.Addr().Unmap(), addrs) {
			continue
		}
		t, ok := firstT(c)
		if !ok || t < from-matchSlack || t > until+matchSlack {
			continue
		}
		out = append(out, c)
	}
	return out
}

// unansweredTo finds SYNs that reached this host's port and got no answer.
func unansweredTo(ev *capture.Evidence, port uint16, from, until float64) []*capture.Conn {
	if ev == nil {
		return nil
	}
	var out []*capture.Conn
	for _, c := range ev.UnansweredInboundSYNs {
		if c.Responder.Port() != port {
			continue
		}
		if t, ok := firstT(c); ok && t >= from-matchSlack && t <= until+matchSlack {
			out = append(out, c)
		}
	}
	return out
}

func addrIn(a netip.Addr, addrs []netip.Addr) bool {
	if len(addrs) == 0 {
		return true
	}
	for _, b := range addrs {
		if b.IsValid() && b.Unmap() == a {
			return true
		}
	}
	return false
}

func firstT(c *capture.Conn) (float64, bool) {
	if len(c.SYNs) > 0 {
		return c.SYNs[0].T, true
	}
	if c.SYNACK != nil {
		return c.SYNACK.T, true
	}
	return 0, false
}

// synFacts describes the SYNs of a connection that got no answer:
// "SYN to H:P sent 3 times, no SYN-ACK (packets #12, #15, #21)".
func synFacts(c *capture.Conn) []Fact {
	if len(c.SYNs) == 0 {
		return nil
	}
	var nums []string
	for _, s := range c.SYNs {
		if s.Packet > 0 {
			nums = append(nums, fmt.Sprintf("#%d", s.Packet))
		}
	}
	text := fmt.Sprintf("SYN from %s to %s sent %s", c.Initiator, c.Responder, plural(len(c.SYNs), "time", "times"))
	if c.SYNACK == nil {
		text += ", no SYN-ACK"
	} else {
		text += fmt.Sprintf(", SYN-ACK at %.3f s", c.SYNACK.T)
	}
	if len(nums) > 0 {
		text += " (packets " + strings.Join(nums, ", ") + ")"
	}
	return []Fact{{T: c.SYNs[0].T, Packet: c.SYNs[0].Packet, Text: text}}
}

// refusalFacts describes RSTs and ICMP errors of a connection.
func refusalFacts(c *capture.Conn) []Fact {
	var out []Fact
	for _, r := range c.RSTs {
		out = append(out, Fact{T: r.T, Packet: r.Packet, Text: fmt.Sprintf("RST from the %s (%s)", r.From, sideAddr(c, r.From))})
	}
	for _, ic := range c.ICMP {
		kind := "ICMP"
		if ic.V6 {
			kind = "ICMPv6"
		}
		out = append(out, Fact{T: ic.T, Packet: ic.Packet, Text: fmt.Sprintf("%s type %d code %d (%s) from %s", kind, ic.Type, ic.Code, ic.Text, ic.From)})
	}
	return out
}

func sideAddr(c *capture.Conn, s capture.Side) string {
	if s == capture.SideInitiator {
		return c.Initiator.String()
	}
	return c.Responder.String()
}

// icmpText is the first ICMP error of the connections, "" when none.
func icmpText(cs []*capture.Conn) string {
	for _, c := range cs {
		for _, ic := range c.ICMP {
			return fmt.Sprintf("ICMP type %d code %d (%s) from %s", ic.Type, ic.Code, ic.Text, ic.From)
		}
	}
	return ""
}
