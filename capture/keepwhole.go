package capture

import (
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// Data connections kept whole for their TLS handshake (issue 14). The
// kernel filter cuts a data connection's segments to headerSnap, which
// leaves its TLS hellos unreadable; a probe that secures a data connection
// asks for it whole (Live.KeepWhole) until it closes it. Past wholeBudget
// bytes of payload a connection's segments are cut again, here, before the
// tracker or the pcapng sees them, and in the kernel from then on: the
// handshake and the records right after it are kept, a transfer is not,
// and the pcapng stays bounded.

const (
	// wholeBudget is how much TCP payload of one data connection, both
	// directions, is kept whole: a TLS handshake with its certificate
	// chain and the first records after it.
	wholeBudget = 64 << 10
	// maxWholeConns bounds the connections counted: past it, a segment of
	// a connection not yet counted is cut at once (more cut, never more
	// kept).
	maxWholeConns = 64
)

// wholeKeeper counts the payload kept whole per data connection. One
// goroutine (Live.loop) uses it.
type wholeKeeper struct {
	dec  *decoder
	used map[connKey]int
}

// keep returns how much of a frame longer than headerSnap to keep: all of
// it for a non-TCP frame (writeLen cuts those), for the control
// connection (the redactor needs every byte), and for a data connection
// whose first wholeBudget bytes are not yet spent; headerSnap otherwise.
// spent holds the frame's two ports when this frame spent its
// connection's budget (the caller stops keeping them whole), else nil.
func (k *wholeKeeper) keep(lt layers.LinkType, data []byte, control uint16) (n int, spent []uint16) {
	if len(data) <= headerSnap {
		return len(data), nil
	}
	if k.dec == nil {
		k.dec, k.used = newDecoder(), map[connKey]int{}
	}
	v := k.dec.decode(lt, data)
	if v == nil || !v.isTCP {
		return len(data), nil
	}
	sp, dp := uint16(v.tcp.SrcPort), uint16(v.tcp.DstPort)
	if sp == control || dp == control {
		return len(data), nil
	}
	key := keyOf(netip.AddrPortFrom(v.src, sp), netip.AddrPortFrom(v.dst, dp))
	used, counted := k.used[key]
	switch {
	case !counted && len(k.used) >= maxWholeConns:
		return headerSnap, nil
	case used >= wholeBudget:
		return headerSnap, nil
	case used+len(v.tcp.Payload) > wholeBudget:
		k.used[key] = wholeBudget
		return headerSnap, []uint16{sp, dp}
	}
	k.used[key] = used + len(v.tcp.Payload)
	return len(data), nil
}
