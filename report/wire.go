package report

import (
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture"
)

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
