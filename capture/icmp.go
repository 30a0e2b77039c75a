package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// quoted is the TCP connection an ICMP error refers to, read from the IP and
// TCP headers it quotes. src and dst are as the original packet had them.
type quoted struct {
	src, dst netip.AddrPort
	seq      uint32
	haveSeq  bool
}

// parseQuoted reads the quoted IP header and the first 8 bytes of TCP (all
// that RFC 792 promises) from an ICMP error body.
func parseQuoted(inner []byte, v6 bool) (quoted, bool) {
	var q quoted
	var src, dst netip.Addr
	var tcp []byte
	if v6 {
		if len(inner) < 40 || inner[0]>>4 != 6 || inner[6] != 6 {
			return q, false
		}
		src = netip.AddrFrom16([16]byte(inner[8:24]))
		dst = netip.AddrFrom16([16]byte(inner[24:40]))
		tcp = inner[40:]
	} else {
		if len(inner) < 20 || inner[0]>>4 != 4 || inner[9] != 6 {
			return q, false
		}
		ihl := int(inner[0]&0x0f) * 4
		if ihl < 20 || len(inner) < ihl {
			return q, false
		}
		src = netip.AddrFrom4([4]byte(inner[12:16]))
		dst = netip.AddrFrom4([4]byte(inner[16:20]))
		tcp = inner[ihl:]
	}
	if len(tcp) < 4 {
		return q, false
	}
	q.src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(tcp[0:2]))
	q.dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(tcp[2:4]))
	if len(tcp) >= 8 {
		q.seq, q.haveSeq = binary.BigEndian.Uint32(tcp[4:8]), true
	}
	return q, true
}

// icmpError reports whether an ICMP type is an error that quotes a packet
// (destination unreachable, too big, time exceeded, parameter problem).
func icmpError(v6 bool, typ uint8) bool {
	if v6 {
		return typ >= 1 && typ <= 4
	}
	return typ == 3 || typ == 11 || typ == 12
}

var icmp4Unreach = [...]string{
	0:  "net unreachable",
	1:  "host unreachable",
	2:  "protocol unreachable",
	3:  "port unreachable",
	4:  "fragmentation needed",
	5:  "source route failed",
	6:  "destination network unknown",
	7:  "destination host unknown",
	8:  "source host isolated",
	9:  "network administratively prohibited",
	10: "host administratively prohibited",
	11: "network unreachable for TOS",
	12: "host unreachable for TOS",
	13: "administratively prohibited",
	14: "host precedence violation",
	15: "precedence cutoff in effect",
}

var icmp6Unreach = [...]string{
	0: "no route to destination",
	1: "administratively prohibited",
	2: "beyond scope of source address",
	3: "address unreachable",
	4: "port unreachable",
	5: "source address failed ingress/egress policy",
	6: "reject route to destination",
}

// icmpText names an ICMP or ICMPv6 error in the words an admin would search
// for; extra is the rest of the header (the MTU for "too big" errors).
func icmpText(v6 bool, typ, code uint8, extra uint32) string {
	if v6 {
		switch typ {
		case 1:
			if int(code) < len(icmp6Unreach) {
				return icmp6Unreach[code]
			}
			return fmt.Sprintf("destination unreachable (code %d)", code)
		case 2:
			return fmt.Sprintf("packet too big (MTU %d)", extra)
		case 3:
			if code == 1 {
				return "fragment reassembly time exceeded"
			}
			return "hop limit exceeded in transit"
		case 4:
			return fmt.Sprintf("parameter problem (code %d)", code)
		}
		return fmt.Sprintf("icmpv6 type %d code %d", typ, code)
	}
	switch typ {
	case 3:
		if code == 4 {
			return fmt.Sprintf("fragmentation needed (MTU %d)", extra&0xffff)
		}
		if int(code) < len(icmp4Unreach) {
			return icmp4Unreach[code]
		}
		return fmt.Sprintf("destination unreachable (code %d)", code)
	case 11:
		if code == 1 {
			return "fragment reassembly time exceeded"
		}
		return "TTL exceeded in transit"
	case 12:
		return fmt.Sprintf("parameter problem (code %d)", code)
	}
	return fmt.Sprintf("icmp type %d code %d", typ, code)
}
