package ftp

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ParsePASV extracts the address and port from the text of a 227 reply. It
// looks for the first run of six comma-separated numbers 0-255 (spaces
// allowed around the commas) that is not part of a longer run of digits or
// numbers, which covers the forms servers send:
//
//	227 Entering Passive Mode (192,168,1,2,19,137).
//	227 Entering Passive Mode 192,168,1,2,19,137
//	227 =192,168,1,2,19,137
//
// The port (p1*256+p2) is returned as announced, 0 included: judging it is
// the caller's business. Otherwise the error wraps ErrBadAddress.
func ParsePASV(text string) (netip.AddrPort, error) {
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) || (i > 0 && isDigit(text[i-1])) {
			continue
		}
		if ap, ok := parseSixTuple(text[i:], true); ok {
			return ap, nil
		}
	}
	return netip.AddrPort{}, fmt.Errorf("%w: no h1,h2,h3,h4,p1,p2 in PASV reply %s", ErrBadAddress, quote(text))
}

// parseSixTuple parses "h1,h2,h3,h4,p1,p2" at the start of s. With prefix
// set, text may follow the tuple (but not another ",number" or digit);
// without it, s must be exactly the tuple (surrounding spaces allowed).
func parseSixTuple(s string, prefix bool) (netip.AddrPort, bool) {
	var n [6]byte
	pos := 0
	for k := 0; k < 6; k++ {
		if k > 0 {
			pos = skipSpaces(s, pos)
			if pos >= len(s) || s[pos] != ',' {
				return netip.AddrPort{}, false
			}
			pos = skipSpaces(s, pos+1)
		} else if !prefix {
			pos = skipSpaces(s, pos)
		}
		start := pos
		v := 0
		for pos < len(s) && isDigit(s[pos]) && pos-start < 3 {
			v = v*10 + int(s[pos]-'0')
			pos++
		}
		if pos == start || v > 255 || (pos < len(s) && isDigit(s[pos])) {
			return netip.AddrPort{}, false
		}
		n[k] = byte(v)
	}
	rest := skipSpaces(s, pos)
	if prefix {
		if rest < len(s) && s[rest] == ',' {
			if k := skipSpaces(s, rest+1); k < len(s) && isDigit(s[k]) {
				return netip.AddrPort{}, false // a seventh number: not a PASV tuple
			}
		}
	} else if rest != len(s) {
		return netip.AddrPort{}, false
	}
	addr := netip.AddrFrom4([4]byte{n[0], n[1], n[2], n[3]})
	return netip.AddrPortFrom(addr, uint16(n[4])<<8|uint16(n[5])), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipSpaces(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// ParseEPSV extracts the port from the text of a 229 reply, "229 Entering
// Extended Passive Mode (|||6446|)". The delimiter may be any printable
// ASCII character 33-126 other than a digit, used four times (RFC 2428),
// e.g. "(!!!6446!)". The port must be 1-65535; otherwise the error wraps
// ErrBadAddress.
func ParseEPSV(text string) (uint16, error) {
	for i := 0; i+4 < len(text); i++ {
		d := text[i]
		if d < 33 || d > 126 || isDigit(d) || text[i+1] != d || text[i+2] != d {
			continue
		}
		// At most maxPortDigits digits are scanned, so that a hostile reply
		// of delimiters and digits cannot make the search quadratic.
		j := i + 3
		for j < len(text) && isDigit(text[j]) && j-(i+3) <= maxPortDigits {
			j++
		}
		if j-(i+3) > maxPortDigits {
			continue
		}
		if j == i+3 || j >= len(text) || text[j] != d {
			continue
		}
		p, err := parsePort(text[i+3 : j])
		if err != nil || p == 0 {
			return 0, fmt.Errorf("%w: port %s out of range 1-65535 in EPSV reply", ErrBadAddress, quote(text[i+3:j]))
		}
		return p, nil
	}
	return 0, fmt.Errorf("%w: no (|||port|) in EPSV reply %s", ErrBadAddress, quote(text))
}

// maxPortDigits is the longest digit string accepted as a port: "65535"
// with room for a few leading zeros.
const maxPortDigits = 8

// parsePort parses a decimal port 0-65535 made only of digits.
func parsePort(s string) (uint16, error) {
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, strconv.ErrSyntax
	}
	v, err := strconv.ParseUint(s, 10, 16)
	return uint16(v), err
}

// ipv4 returns the IPv4 form of ap's address, unmapping ::ffff:a.b.c.d.
func ipv4(ap netip.AddrPort) ([4]byte, bool) {
	a := ap.Addr().Unmap()
	if !a.Is4() {
		return [4]byte{}, false
	}
	return a.As4(), true
}

func sixTuple(b [4]byte, port uint16) string {
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", b[0], b[1], b[2], b[3], port>>8, port&0xff)
}

// FormatPASV returns a 227 reply line announcing ap, as test servers send
// it: "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).". Only IPv4 (or
// IPv4-mapped IPv6) addresses fit; otherwise the error wraps ErrBadAddress.
func FormatPASV(ap netip.AddrPort) (string, error) {
	b, ok := ipv4(ap)
	if !ok {
		return "", fmt.Errorf("%w: PASV cannot carry %v", ErrBadAddress, ap)
	}
	return "227 Entering Passive Mode (" + sixTuple(b, ap.Port()) + ").", nil
}

// FormatEPSV returns a 229 reply line announcing port:
// "229 Entering Extended Passive Mode (|||port|)".
func FormatEPSV(port uint16) string {
	return "229 Entering Extended Passive Mode (|||" + strconv.Itoa(int(port)) + "|)"
}

// FormatPORT returns the argument of a PORT command, "h1,h2,h3,h4,p1,p2".
// Only IPv4 (or IPv4-mapped IPv6) addresses fit; otherwise the error wraps
// ErrBadAddress.
func FormatPORT(ap netip.AddrPort) (string, error) {
	b, ok := ipv4(ap)
	if !ok {
		return "", fmt.Errorf("%w: PORT cannot carry %v", ErrBadAddress, ap)
	}
	return sixTuple(b, ap.Port()), nil
}

// ParsePORT parses the argument of a PORT command, "h1,h2,h3,h4,p1,p2"
// (spaces around the numbers tolerated). The port is returned as sent, 0
// included. Otherwise the error wraps ErrBadAddress.
func ParsePORT(arg string) (netip.AddrPort, error) {
	ap, ok := parseSixTuple(arg, false)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("%w: PORT argument %s is not h1,h2,h3,h4,p1,p2", ErrBadAddress, quote(arg))
	}
	return ap, nil
}

// FormatEPRT returns the argument of an EPRT command (RFC 2428) with "|" as
// delimiter: "|1|192.0.2.1|6446|" for IPv4 (IPv4-mapped IPv6 addresses are
// unmapped to family 1) or "|2|2001:db8::1|6446|" for IPv6. An IPv6 zone is
// dropped: it means nothing to the peer. An invalid ap gives "".
func FormatEPRT(ap netip.AddrPort) string {
	a := ap.Addr().Unmap().WithZone("")
	port := strconv.Itoa(int(ap.Port()))
	switch {
	case a.Is4():
		return "|1|" + a.String() + "|" + port + "|"
	case a.Is6():
		return "|2|" + a.String() + "|" + port + "|"
	}
	return ""
}

// ParseEPRT parses the argument of an EPRT command: <d>family<d>address<d>
// port<d>, where <d> is any printable ASCII character 33-126 (RFC 2428).
// Family 1 needs an IPv4 address, family 2 an IPv6 address (without zone).
// The port is returned as sent, 0 included. Otherwise the error wraps
// ErrBadAddress.
func ParseEPRT(arg string) (netip.AddrPort, error) {
	bad := func(why string) (netip.AddrPort, error) {
		return netip.AddrPort{}, fmt.Errorf("%w: EPRT argument %s: %s", ErrBadAddress, quote(arg), why)
	}
	s := strings.TrimSpace(arg)
	if len(s) < 2 || s[0] < 33 || s[0] > 126 {
		return bad("no delimiter")
	}
	d := s[:1]
	if !strings.HasSuffix(s, d) {
		return bad("not closed by the delimiter")
	}
	f := strings.Split(s[1:len(s)-1], d)
	if len(f) != 3 {
		return bad("want 3 fields")
	}
	addr, err := netip.ParseAddr(f[1])
	if err != nil {
		return bad("bad address")
	}
	if addr.Zone() != "" {
		return bad("address has a zone")
	}
	switch f[0] {
	case "1":
		if !addr.Is4() {
			return bad("family 1 needs an IPv4 address")
		}
	case "2":
		if !addr.Is6() {
			return bad("family 2 needs an IPv6 address")
		}
	default:
		return bad("unknown address family")
	}
	port, err := parsePort(f[2])
	if err != nil {
		return bad("bad port")
	}
	return netip.AddrPortFrom(addr, port), nil
}

// Unroutable reports whether an address cannot be reached across the
// Internet, so that a server announcing it in a passive reply is not
// announcing a public address: RFC 1918 and RFC 4193 private ranges,
// loopback, link-local, CGNAT (100.64.0.0/10), the unspecified address,
// multicast, "this network" (0.0.0.0/8), the reserved class E block
// (240.0.0.0/4) and the limited broadcast 255.255.255.255 (inside it).
// IPv4-mapped IPv6 addresses are judged as IPv4. The documentation ranges
// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) count as
// routable: tests and examples use them as the public Internet.
func Unroutable(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap()
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
		return true
	}
	for _, p := range unroutablePrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// unroutablePrefixes are the unroutable IPv4 blocks netip has no method for.
var unroutablePrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network" (RFC 1122)
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space, CGNAT (RFC 6598)
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved (RFC 1112), with 255.255.255.255
}
