package capture

import (
	"bytes"
	"iter"
	"net/netip"
	"strconv"
)

// splitLines yields the CRLF- or LF-terminated lines of b (the last one may
// be unterminated), without their line ends.
func splitLines(b []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\n')
			line := b
			if i >= 0 {
				line, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			if !yield(bytes.TrimSuffix(line, []byte("\r"))) {
				return
			}
		}
	}
}

// parsePortCommand reads the address of a "PORT h1,h2,h3,h4,p1,p2" or
// "EPRT |proto|addr|port|" command line. The ftp package owns the full
// grammar; this is the small part the tracker needs on its own.
func parsePortCommand(line []byte) (netip.AddrPort, bool) {
	if len(line) < 5 || line[4] != ' ' {
		return netip.AddrPort{}, false
	}
	// The verb in ASCII capitals, without allocating: every command line
	// of the client comes here, few are PORT or EPRT.
	v := [4]byte(line[:4])
	for i, c := range v {
		if 'a' <= c && c <= 'z' {
			v[i] = c - 'a' + 'A'
		}
	}
	verb := string(v[:])
	if verb != "PORT" && verb != "EPRT" {
		return netip.AddrPort{}, false
	}
	arg := string(bytes.TrimSpace(line[5:]))
	switch verb {
	case "PORT":
		var n [6]byte
		i := 0
		for f := range bytes.SplitSeq([]byte(arg), []byte(",")) {
			v, err := strconv.ParseUint(string(bytes.TrimSpace(f)), 10, 8)
			if err != nil || i == 6 {
				return netip.AddrPort{}, false
			}
			n[i] = byte(v)
			i++
		}
		if i != 6 {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(n[:4])), uint16(n[4])<<8|uint16(n[5])), true
	case "EPRT":
		if len(arg) < 2 {
			return netip.AddrPort{}, false
		}
		f := bytes.Split([]byte(arg[1:]), []byte(arg[:1]))
		if len(f) < 3 {
			return netip.AddrPort{}, false
		}
		a, err := netip.ParseAddr(string(f[1]))
		if err != nil {
			return netip.AddrPort{}, false
		}
		p, err := strconv.ParseUint(string(f[2]), 10, 16)
		if err != nil {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(a, uint16(p)), true
	}
	return netip.AddrPort{}, false
}
